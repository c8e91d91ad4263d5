"""Web test helpers: a ledger from a generated tree plus hand-made hostile lines, and a running
dashboard on a free port (in this process, a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokentrail.ledger import SQLiteLedger
from tokentrail.ledger.sync import ingest_claude_code
from tokentrail.sample import main as sample_main
from tokentrail.web.server import Dashboard, DashboardServer

EVIL_SESSION = "e5e5e5e5-0000-4000-8000-000000000001"
#: Each would set window.__pwned if it ever ran as script or markup.
EVIL_MODEL = "claude-<script>window.__pwned=1</script>"
EVIL_CWD = '/tmp/"><script>window.__pwned=2</script>'
EVIL_BRANCH = '<img src=x onerror="window.__pwned=3">'
TOKEN = "test-token-0123456789"


def _line(i: int, model: str) -> dict[str, object]:
    return {
        "type": "assistant",
        "uuid": f"u-evil-{i}",
        "parentUuid": None,
        "sessionId": EVIL_SESSION,
        "timestamp": f"2026-01-10T1{i}:00:00.000Z",
        "cwd": EVIL_CWD,
        "version": "2.1.140",
        "gitBranch": EVIL_BRANCH,
        "isSidechain": False,
        "requestId": f"req_evil_{i}",
        "message": {
            "id": f"msg_evil_{i}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": "never stored"}],
            "stop_reason": "end_turn",
            "usage": {
                "input_tokens": 10 + i,
                "cache_creation_input_tokens": 100,
                "cache_read_input_tokens": 1000 * (i + 1),
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 100,
                    "ephemeral_1h_input_tokens": 0,
                },
                "output_tokens": 20,
                "service_tier": "standard",
            },
        },
    }


def write_evil(root: Path) -> None:
    """A session whose model (one line), cwd and branch carry script."""
    folder = root / "projects" / "-tmp-evil"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [_line(0, EVIL_MODEL), _line(1, "claude-sonnet-4-5-20250929"),
             _line(2, "claude-sonnet-4-5-20250929")]  # fmt: skip
    (folder / f"{EVIL_SESSION}.jsonl").write_text(
        "".join(json.dumps(x) + "\n" for x in lines) + '{"type": "assistant", <b>broken\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="session")
def web_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger file: generated tree (300KB, seed 3) plus the hostile session."""
    tmp = tmp_path_factory.mktemp("web")
    tree = tmp / "tree"
    assert sample_main([str(tree), "--size", "300KB", "--seed", "3", "--quiet"]) == 0
    write_evil(tree)
    path = tmp / "ledger.sqlite3"
    with SQLiteLedger(path) as ledger:
        ingest_claude_code(ledger, [tree / "projects"], workers=1)
    return path


@pytest.fixture(scope="session")
def server(web_ledger: Path) -> Iterator[DashboardServer]:
    """A dashboard serving ``web_ledger`` on 127.0.0.1 (any free port)."""
    srv = DashboardServer(("127.0.0.1", 0), Dashboard(web_ledger, TOKEN))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def base_url(srv: DashboardServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"

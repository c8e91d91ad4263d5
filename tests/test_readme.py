"""The README stays true: its Python examples run and its quickstart has two commands."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
PY_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
# Every Python snippet, ```python and ```py alike, in README order.
ALL_BLOCKS = re.findall(r"```py(?:thon)?\n(.*?)```", TEXT, flags=re.S)

sys.path.insert(0, str(Path(__file__).resolve().parent / "track"))
from _track_server import USAGE_PLAIN, ReplayServer, json_reply  # noqa: E402


@pytest.fixture
def api_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local Messages API on 127.0.0.1 and a fresh ledger, as the snippets' environment."""
    server = ReplayServer().start()
    server.default = lambda body: json_reply(f"msg_{len(server.requests):04d}", USAGE_PLAIN)
    ledger = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("TOKENTRAIL_LEDGER", str(ledger))
    try:
        yield ledger
    finally:
        server.stop()


def _run(code: str) -> None:
    # Each snippet runs as pasted: in a namespace of its own, with only its own imports.
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})


@pytest.mark.parametrize("code", ALL_BLOCKS, ids=[f"block{i}" for i in range(len(ALL_BLOCKS))])
def test_python_examples_run(code: str, api_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(code)


def test_examples_run_in_order_and_read_back_what_was_tracked(
    api_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for code in ALL_BLOCKS:
        _run(code)
    out = capsys.readouterr().out
    # The tracked run's request is read back by the Ledger snippet: model, output tokens, tags.
    assert "claude-sonnet-4-6 503 {'app': 'evals', 'run': 'nightly-eval', 'suite': 'full'}" in out


def test_explain_output_in_readme_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(PY_BLOCKS[0], str(README), "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out.strip()
    assert printed in TEXT, "regenerate the explain() example in README.md"


def test_quickstart_is_two_commands() -> None:
    section = TEXT.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    assert "tokentrail" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest" in ci

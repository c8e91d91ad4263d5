"""`tokentrail context / cache / whatif` on a hand-made Claude Code tree (real SQLite ledger)."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tokentrail.cli import main

SA = "aaaaaaaa-1111-4000-8000-000000000001"
SB = "bbbbbbbb-2222-4000-8000-000000000002"
SC = "aaaaaaaa-9999-4000-8000-000000000009"  # shares a prefix with SA
MTOK = Decimal(10**6)
# claude-sonnet-4-6 list rates, USD / MTok
S_IN, S_W5, S_W1, S_RD, S_OUT = (Decimal(x) for x in ("3", "3.75", "6", "0.30", "15"))


def _u(inp: int, out: int, *, w5: int = 0, w1: int = 0, rd: int = 0, **extra: Any) -> Any:
    u = {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": w5 + w1,
        "cache_read_input_tokens": rd,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
    }
    u.update(extra)
    return u


def _line(n: int, session: str, ts: str, usage: Any, agent: str | None = None) -> Any:
    line = {
        "type": "assistant",
        "uuid": f"u{n}",
        "sessionId": session,
        "timestamp": ts,
        "cwd": "/home/alice/shop",
        "isSidechain": agent is not None,
        "requestId": f"req_{n}",
        "message": {
            "id": f"msg_{n}",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [{"type": "text", "text": "not stored"}],
            "stop_reason": "end_turn",
            "usage": usage,
        },
    }
    if agent is not None:
        line["agentId"] = agent
    return line


def _compaction_usage() -> Any:
    iters = [
        {"type": "compaction", "input_tokens": 230000, "output_tokens": 2000,
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0},
        {"type": "message", "input_tokens": 8000, "output_tokens": 10,
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 2000,
         "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 0}},
    ]  # fmt: skip
    return _u(8000, 10, w5=2000, iterations=iters)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = tmp_path / "cfg" / "projects" / "-home-alice-shop"
    proj.mkdir(parents=True)
    lines = [
        _line(1, SA, "2026-11-02T09:00:00.000Z", _u(1000, 10, w5=99000)),
        _line(2, SA, "2026-11-02T09:01:40.000Z", _u(5000, 10, rd=99000, w5=116000)),
        _line(3, SA, "2026-11-02T09:15:00.000Z", _compaction_usage()),
        _line(4, SA, "2026-11-02T09:02:00.000Z", _u(999, 1), agent="sub1"),
        _line(5, SB, "2026-11-03T10:00:00.000Z", _u(10, 5, w1=2000)),
        _line(6, SB, "2026-11-03T10:20:00.000Z", _u(10, 5, rd=2000)),
    ]
    (proj / f"{SA}.jsonl").write_text("\n".join(json.dumps(x) for x in lines[:4]) + "\n")
    early = _line(7, SC, "2026-11-01T08:00:00.000Z", _u(10, 5))
    (proj / f"{SC}.jsonl").write_text(json.dumps(early) + "\n")
    (proj / f"{SB}.jsonl").write_text("\n".join(json.dumps(x) for x in lines[4:]) + "\n")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("TOKENTRAIL_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("TZ", "UTC")
    return tmp_path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


def _usd(n: int, rate: Decimal) -> Decimal:
    return Decimal(n) * rate / MTOK


def test_context_json_of_a_session_prefix(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["context", SA[:13], "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["session_id"] == SA
    main_thread, sub = d["threads"]
    assert (main_thread["agent_id"], sub["agent_id"]) == (None, "sub1")
    assert [p["context_tokens"] for p in main_thread["curve"]] == [100000, 220000, 10000]
    assert [c["threshold"] for c in main_thread["crossings"]] == ["200k"]
    # before = the previous request's context (5,000 + 116,000 + 99,000), not the
    # summarising call's own 230,000; after = the message that follows (8,000 + 2,000)
    (comp,) = main_thread["compactions"]
    assert (comp["context_before"], comp["context_after"], comp["removed"]) == (
        5000 + 116000 + 99000,
        8000 + 2000,
        (5000 + 116000 + 99000) - (8000 + 2000),
    )
    assert comp["call_tokens"] == 230000
    assert Decimal(comp["cost_usd"]) == _usd(230000, S_IN) + _usd(2000, S_OUT)
    above = {t["name"]: t for t in main_thread["time_above"]}
    assert above["200k"]["seconds"] == 800.0  # 09:01:40 -> 09:15:00


def test_context_text_defaults_to_the_last_session(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["context"], capsys)
    assert code == 0
    assert SB in out
    assert "peak 2,010 tokens" in out
    code, out, _ = _run(["context", SA, "--no-ingest"], capsys)
    assert code == 0
    assert "▲200k" in out
    assert "compaction in request 2: 220,000 → 10,000 tokens (removed 210,000)" in out
    assert "−-" not in out  # no double sign on the compaction mark
    assert "sub1" in out  # the other thread is listed
    code, out, _ = _run(["context", SA, "--agent", "sub1", "--no-ingest"], capsys)
    assert code == 0
    assert "subagent sub1" in out
    code, out, _ = _run(["context", SA, "--agent", "sub1", "--no-ingest", "--json"], capsys)
    (thread,) = json.loads(out)["threads"]
    assert thread["agent_id"] == "sub1"
    assert [p["context_tokens"] for p in thread["curve"]] == [999]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["context", "zzz"], "no session"),
        (["context", "aaaaaaaa"], "ambiguous"),
        (["context", SA, "--last"], "not both"),
        (["context", SA, "--agent", "nope"], "no subagent thread"),
        (["whatif"], "nothing to compare"),
        (["whatif", "--model", "claude-nonexistent-9"], "claude-nonexistent-9"),
        (["whatif", "--batch", "--session", "zzz"], "no session"),
        (["whatif", "--batch", "--session", "aaaaaaaa"], "ambiguous"),
        (["cache", "--since", "2026-13-01"], "--since"),
    ],
)
def test_user_errors_are_one_line(
    tree: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_cache_json_per_session(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["cache", "--by", "session", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    by = {g["key"]: g for g in d["groups"]}
    b = by[SB]
    actual = _usd(20, S_IN) + _usd(2000, S_W1) + _usd(2000, S_RD) + _usd(10, S_OUT)
    assert Decimal(b["actual_usd"]) == actual
    assert Decimal(b["counterfactual_no_cache_usd"]) == _usd(4020, S_IN) + _usd(10, S_OUT)
    assert Decimal(b["savings_usd"]) == _usd(4020, S_IN) + _usd(10, S_OUT) - actual
    # read after 20 minutes: under all-5m it would have been a 5m write
    assert Decimal(b["counterfactual_all_5m_usd"]) == (
        _usd(20, S_IN) + _usd(4000, S_W5) + _usd(10, S_OUT)
    )
    # 2 x 1.25 (two 5m writes) is more than 2 + 0.1 (one 1h write, one read)
    assert b["cheaper_ttl"] == "1h"
    assert d["totals"]["requests"] == 7
    code, out, _ = _run(["cache", "--no-ingest", "--since", "2026-11-03"], capsys)
    assert code == 0
    assert "2026-11-03" in out
    assert "2026-11-02" not in out
    assert "counterfactual" in out


def test_whatif_batch_and_model(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["whatif", "--batch", "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["estimate"] is True
    assert Decimal(d["whatif_usd"]) * 2 == Decimal(d["actual_usd"])
    code, out, _ = _run(["whatif", "--model", "claude-opus-4-8", "--session", SB, "--json"], capsys)
    d = json.loads(out)
    opus = Decimal(10) * 2000 + Decimal("0.5") * 2000 + Decimal(5) * 20 + Decimal(25) * 10
    assert Decimal(d["whatif_usd"]) == opus / MTOK
    assert d["requests"] == 2
    code, out, _ = _run(["whatif", "--ttl", "5m", "--no-ingest"], capsys)
    assert code == 0
    assert "ESTIMATE" in out
    assert "tokenizers differ" in out


def test_sparkline() -> None:
    from tokentrail.cli.context import sparkline

    assert sparkline([]) == ""
    assert sparkline([0, 0]) == "▁▁"
    # 8 levels: v * 8 // (max + 1)
    assert sparkline([0, 50, 100]) == "▁▄█"
    # more values than columns: the max of each bucket
    assert sparkline([1, 9, 2, 2, 9, 1], width=3) == "█▂█"  # 9, 2, 9; 2 * 8 // 10 = 1
    assert sparkline([1, 1, 1, 9], width=2) == "▁█"


def test_whatif_session_prefix_and_a_model_without_caching(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SB by a unique prefix; claude-3-sonnet-20240229 ($3 / $15) sold no prompt caching: the
    # 2,000 written and 2,000 read would have been plain input
    args = ["whatif", "--model", "claude-3-sonnet-20240229", "--session", SB[:4]]
    code, out, err = _run([*args, "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["requests"] == 2
    assert Decimal(d["whatif_usd"]) == _usd(10 + 2000 + 10 + 2000, S_IN) + _usd(10, S_OUT)
    assert d["unpriced_tokens"] == 0
    code, out, _ = _run([*args, "--no-ingest"], capsys)
    assert code == 0
    assert "no cache read price" in out
    assert "no 1-hour cache write price" in out


def test_the_cache_table_says_paid_has_no_fees(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    import tokentrail.cli.cache as cache_cli
    from tokentrail.analysis.cache import cache_report

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
    from _analysis_records import rec, usage

    rows = [rec(usage(100, 50, w5=1000), at=0), rec(usage(50, 40, read=1000), at=60)]

    buf = io.StringIO()
    monkeypatch.setattr(
        cache_cli, "make_console", lambda: Console(file=buf, width=100, color_system=None)
    )
    cache_cli._render(cache_report(rows))  # type: ignore[arg-type]
    assert "web-search fees" in buf.getvalue()
    assert "not included" in buf.getvalue()

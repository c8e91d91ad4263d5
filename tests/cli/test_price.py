"""``tokentrail price`` and ``tokentrail prices`` through click's CliRunner."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tokentrail.cli import cli
from tokentrail.cli import price as _price  # noqa: F401  (registers the commands)

USAGE = {"input_tokens": 1000, "output_tokens": 200}
MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "content": [],
    "model": "claude-sonnet-4-5-20250929",
    "stop_reason": "refusal",
    "usage": {**USAGE, "cache_read_input_tokens": 5000, "cache_creation_input_tokens": 0},
}


@pytest.fixture(autouse=True)
def _no_user_prices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("TOKENTRAIL_PRICES", raising=False)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda name: str(tmp_path / "cfg"))


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["price", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_usage_file_with_model(tmp_path: Path) -> None:
    f = tmp_path / "u.json"
    f.write_text(json.dumps(USAGE))
    code, out, _ = run(str(f), "--model", "claude-opus-4-7", "--at", "2026-05-01", "--json")
    assert code == 0
    assert Decimal(json.loads(out)["total_usd"]) == (1000 * Decimal(5) + 200 * Decimal(25)) / 10**6


def test_whole_response_gives_model_and_refusal(tmp_path: Path) -> None:
    f = tmp_path / "m.json"
    f.write_text(json.dumps(MESSAGE))
    code, out, _ = run(str(f), "--at", "2025-11-01", "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["resolved_model"] == "claude-sonnet-4-5-20250929"
    assert (
        Decimal(doc["total_usd"])
        == (1000 * Decimal(3) + 5000 * Decimal("0.30") + 200 * Decimal(15)) / 10**6
    )
    assert "refusal" in {f["code"] for f in doc["flags"]}


def test_model_option_overrides_response(tmp_path: Path) -> None:
    f = tmp_path / "m.json"
    f.write_text(json.dumps(MESSAGE))
    code, out, _ = run(str(f), "-m", "claude-opus-4-7", "--at", "2026-05-01", "--json")
    assert code == 0
    assert json.loads(out)["resolved_model"] == "claude-opus-4-7"


def test_jsonl_from_stdin_gives_results_and_total() -> None:
    lines = "\n".join([json.dumps(USAGE), "", json.dumps({**USAGE, "service_tier": "batch"})])
    code, out, _ = run("-", "-m", "claude-opus-4-7", "--at", "2026-05-01", "--json", input=lines)
    doc = json.loads(out)
    one = (1000 * Decimal(5) + 200 * Decimal(25)) / 10**6
    assert code == 0
    assert [r["line"] for r in doc["results"]] == [1, 3]
    assert Decimal(doc["total_usd"]) == one + one / 2


def test_table_and_explain_output(tmp_path: Path) -> None:
    f = tmp_path / "u.json"
    f.write_text(json.dumps(USAGE))
    code, out, _ = run(str(f), "-m", "claude-opus-4-7", "--at", "2026-05-01")
    assert code == 0
    assert "total" in out
    assert "0.01" in out
    code, out, _ = run(str(f), "-m", "claude-opus-4-7", "--at", "2026-05-01", "--explain")
    assert "1,000 tok × $5/MTok = $0.005" in out


@pytest.mark.parametrize(
    ("content", "args", "needle"),
    [
        (
            '{"input_tokens": 1, "output_tokens": 1}\nnot json\n',
            ["-m", "claude-opus-4-7"],
            "u.jsonl:2: not valid JSON",
        ),
        (
            '{"input_tokens": -1, "output_tokens": 1}',
            ["-m", "claude-opus-4-7"],
            "u.jsonl:1: usage.input_tokens",
        ),
        ('{"input_tokens": 1, "output_tokens": 1}', ["-m", "gpt-4"], "unknown model 'gpt-4'"),
        ('{"input_tokens": 1, "output_tokens": 1}', [], "no model"),
        ("", ["-m", "claude-opus-4-7"], "empty input"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, content: str, args: list[str], needle: str
) -> None:
    f = tmp_path / "u.jsonl"
    f.write_text(content)
    code, out, err = run(str(f), *args)
    assert code == 2, out
    assert needle in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_jsonl_prints_every_good_line_and_reports_every_bad_one(tmp_path: Path) -> None:
    f = tmp_path / "mix.jsonl"
    f.write_text(
        '{"input_tokens": 1000, "output_tokens": 0}\n'
        "not json\n"
        '{"input_tokens": -1, "output_tokens": 0}\n'
        '{"input_tokens": 2000, "output_tokens": 0}\n'
    )
    code, out, err = run(str(f), "-m", "claude-opus-5", "--at", "2026-08-01", "--json")
    assert code == 2
    doc = json.loads(out)
    assert [r["line"] for r in doc["results"]] == [1, 4]
    assert Decimal(doc["total_usd"]) == 3000 * Decimal(5) / 10**6  # opus 5 input $5/MTok
    lines = err.splitlines()
    assert len(lines) == 2
    assert f"{f}:2: not valid JSON" in lines[0]
    assert f"{f}:3: usage.input_tokens" in lines[1]
    assert "Traceback" not in err


def test_missing_file_and_bad_date(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.json"), "-m", "claude-opus-4-7")
    assert code == 2
    assert "nope.json" in err
    f = tmp_path / "u.json"
    f.write_text(json.dumps(USAGE))
    code, _, err = run(str(f), "-m", "claude-opus-4-7", "--at", "yesterday")
    assert code == 2
    assert "--at" in err


def test_prices_override_option(tmp_path: Path) -> None:
    f = tmp_path / "u.json"
    f.write_text(json.dumps(USAGE))
    p = tmp_path / "p.toml"
    p.write_text("[modifiers.batch]\nmultiplier = 0.5\n")
    code, _, err = run(str(f), "-m", "claude-opus-4-7", "--prices", str(p))
    assert code == 2
    assert "quoted decimal string" in err
    assert str(p) in err


def test_prices_lists_catalog() -> None:
    result = CliRunner().invoke(cli, ["prices"])
    assert result.exit_code == 0
    assert "claude-haiku-5-5" in result.stdout
    assert "prompt_tier" in result.stdout
    result = CliRunner().invoke(cli, ["prices", "claude-opus-4-6", "--json"])
    doc = json.loads(result.stdout)
    assert doc[0]["id"] == "claude-opus-4-6"
    kinds = [r["kind"] for r in doc[0]["rates"]]
    assert kinds.count("fast") == 2
    assert "fast_long_context" in kinds
    assert all(r["source"].startswith("https://") for r in doc[0]["rates"])


def test_prices_unknown_model() -> None:
    result = CliRunner().invoke(cli, ["prices", "claude-opus-4-9"])
    assert result.exit_code == 2
    assert "claude-opus-4-8" in result.stderr

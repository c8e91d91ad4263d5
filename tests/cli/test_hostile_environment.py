"""Odd surroundings end a command with one line, never a traceback: a damaged ledger, a
stdout that cannot be written, a bad lock timeout or price override, JSON nested too
deeply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("hostile")
    gen_tree(tmp / "tree", seed=5, size="600KB")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    return tmp, env


def _one_line(r: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert r.returncode == code, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


@pytest.mark.parametrize(
    "args",
    [["reprice"], ["cache", "--no-ingest"], ["context", "--no-ingest"], ["ingest"]],
    ids=lambda a: a[0],
)
def test_a_damaged_ledger_is_one_line(
    ingested: tuple[Path, dict[str, str]], tmp_path: Path, args: list[str]
) -> None:
    _, env = ingested
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(Path(env["TOKENTRAIL_LEDGER"]).read_bytes())
    assert len(data) > 3 * 4096
    # Every page after the first three (the schema stays readable): garbage.
    for page in range(3, len(data) // 4096):
        data[page * 4096 + 8 : page * 4096 + 4000] = b"\x5a" * 3992
    damaged.write_bytes(bytes(data))
    r = run_cli(args, {**env, "TOKENTRAIL_LEDGER": str(damaged)})
    if args == ["ingest"] and r.returncode in (0, 1):
        pytest.skip("nothing to write: the ingest touched no damaged page")
    assert "ledger" in _one_line(r)


def test_doctor_checks_the_ledger_and_names_the_damage(
    ingested: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = ingested
    ok = run_cli(["doctor"], env)
    assert "integrity (PRAGMA quick_check): ok" in ok.stdout
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(Path(env["TOKENTRAIL_LEDGER"]).read_bytes())
    for page in range(3, len(data) // 4096):
        data[page * 4096 + 8 : page * 4096 + 4000] = b"\x5a" * 3992
    damaged.write_bytes(bytes(data))
    r = run_cli(["doctor"], {**env, "TOKENTRAIL_LEDGER": str(damaged)})
    assert r.returncode == 2
    assert "integrity (PRAGMA quick_check): DAMAGED" in r.stdout
    assert "Traceback" not in r.stderr
    assert "the ledger is damaged" in r.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args", [["daily", "--no-ingest"], ["daily", "--no-ingest", "--json"], ["model", "--csv"]]
)
def test_a_full_device_on_stdout_is_one_line(
    ingested: tuple[Path, dict[str, str]], args: list[str]
) -> None:
    _, env = ingested
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "tokentrail", *args], stdout=full, stderr=subprocess.PIPE,
            text=True, env=env,
        )  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "tokentrail: error: cannot write the output: No space left on device"
    ]


def test_a_closed_pipe_is_a_quiet_end(ingested: tuple[Path, dict[str, str]]) -> None:
    _, env = ingested
    p = subprocess.Popen(
        [sys.executable, "-m", "tokentrail", "session", "--json", "--no-ingest"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert p.stdout is not None
    p.stdout.read(5)
    p.stdout.close()
    assert p.wait(timeout=30) == 0
    assert p.stderr is not None
    assert p.stderr.read() == b""


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e9", "soon"])
def test_a_bad_lock_timeout_is_one_line(ingested: tuple[Path, dict[str, str]], value: str) -> None:
    _, env = ingested
    r = run_cli(["ingest"], {**env, "TOKENTRAIL_LOCK_TIMEOUT": value})
    assert "TOKENTRAIL_LOCK_TIMEOUT" in _one_line(r)


@pytest.mark.parametrize("args", [["daily"], ["session", "--json"], ["monthly", "--no-ingest"]])
@pytest.mark.parametrize("text", ["this is [not toml\n", None])
def test_a_broken_price_override_is_one_line_for_the_reports(
    ingested: tuple[Path, dict[str, str]], args: list[str], text: str | None
) -> None:
    """Money: a report never silently falls back to list prices when the override in force
    is missing or broken (warm ledger, --no-ingest and the full path alike)."""
    tmp, env = ingested
    bad = tmp / f"prices-{len(args)}-{text is None}.toml"
    if text is not None:
        bad.write_text(text)
    r = run_cli(args, {**env, "TOKENTRAIL_PRICES": str(bad)})
    err = _one_line(r)
    assert str(bad) in err
    assert r.stdout == ""


def test_json_nested_too_deeply_is_a_named_problem(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    deep = "[" * 100_000 + "]" * 100_000
    r = subprocess.run(
        [sys.executable, "-m", "tokentrail", "price", "-", "--model", "claude-sonnet-4-5"],
        input=deep, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert "<stdin>:1: not valid JSON (nested too deeply)" in _one_line(r)

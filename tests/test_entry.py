"""The console entry point: `tokentrail statusline` answered without the CLI framework, and
every other call (or any doubt) handed to the full command line with the same result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402

from tokentrail._entry import _statusline_args  # noqa: E402


def _entry(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from tokentrail._entry import main\n"
        f"sys.argv = ['tokentrail', *{args!r}]\n"
        "try:\n    main()\nfinally:\n"
        "    print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        (["statusline"], (None, None)),
        (["statusline", "--ledger", "x.db", "-z", "UTC"], ("x.db", "UTC")),
        (["statusline", "--ledger=x.db", "--timezone=Asia/Tokyo"], ("x.db", "Asia/Tokyo")),
        (["statusline", "--hook"], None),
        (["statusline", "--help"], None),
        (["statusline", "--ledger"], None),
        (["statusline", "-z=UTC"], None),
        (["daily"], None),
        ([], None),
    ],
)
def test_only_plain_status_line_calls_take_the_fast_path(
    args: list[str], parsed: tuple[str | None, str | None] | None
) -> None:
    assert _statusline_args(args) == parsed


def test_fast_status_line_equals_the_full_command(tmp_path: Path) -> None:
    gen_tree(tmp_path / "tree", seed=31)
    env = make_env(tmp_path, tmp_path / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    for zone in ("UTC", "America/Los_Angeles"):
        fast = _entry(["statusline", "-z", zone], env)
        assert fast.returncode == 0, fast.stderr
        assert fast.stderr.strip() == "NOCLICK"
        full = subprocess.run(
            [sys.executable, "-c", "from tokentrail.cli import main; main()",
             "statusline", "--timezone", zone],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert full.returncode == 0, full.stderr
        assert fast.stdout == full.stdout
        assert fast.stdout.startswith("today ")


def test_doubtful_calls_go_to_the_full_command_line(tmp_path: Path) -> None:
    env = make_env(tmp_path, None)
    missing = _entry(["statusline", "--ledger", str(tmp_path / "none.sqlite3")], env)
    assert missing.returncode == 0
    assert "no ledger yet" in missing.stdout
    assert not (tmp_path / "none.sqlite3").exists()
    bad_zone = _entry(["statusline", "-z", "Nowhere/Bad"], env)
    assert bad_zone.returncode == 2
    assert "unknown time zone" in bad_zone.stderr
    assert "Traceback" not in bad_zone.stderr
    version = _entry(["--version"], env)
    assert version.returncode == 0
    assert "tokentrail, version" in version.stdout

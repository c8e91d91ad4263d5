"""The config file: per-command defaults through click's default_map, honoured by the fast
paths (the same output as the full command line), and one clear error for a wrong file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "reports"))
from _rep_helpers import gen_tree, make_env, run_cli  # noqa: E402


def _full(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The full command line (no fast path)."""
    return subprocess.run(
        [sys.executable, "-c", "from tokentrail.cli import main; main()", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def _fast(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The console entry, saying on stderr whether click was imported."""
    code = (
        "import os, sys; from tokentrail._entry import main\n"
        "def mark():\n"
        "    print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr, flush=True)\n"
        "leave = os._exit\n"
        "os._exit = lambda code: (mark(), leave(code))\n"
        f"sys.argv = ['tokentrail', *{args!r}]\n"
        "try:\n    main()\nfinally:\n    mark()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("config")
    gen_tree(tmp / "tree", seed=27, size="200KB")
    env = make_env(tmp, tmp / "tree")
    assert run_cli(["ingest", "-q"], env).returncode in (0, 1)
    return tmp, env


def _write(env: dict[str, str], text: str) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "tokentrail" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_apply_on_the_fast_and_the_full_path(
    setup: tuple[Path, dict[str, str]],
) -> None:
    tmp, env = setup
    path = _write(env, '[defaults]\ntimezone = "Asia/Tokyo"\n\n[daily]\nbreakdown = true\n')
    try:
        fast = _fast(["daily", "-j"], env)
        assert fast.stderr.strip() == "NOCLICK", fast.stderr
        full = _full(["daily", "-j"], env)
        assert full.returncode == 0, full.stderr
        assert fast.stdout == full.stdout
        assert json.loads(fast.stdout)["timezone"] == "Asia/Tokyo"
        utc = _fast(["daily", "-j", "-z", "UTC"], env)  # the command line wins
        assert json.loads(utc.stdout)["timezone"] == "UTC"
        wide = {**env, "COLUMNS": "160"}
        table = _fast(["daily"], wide)
        assert table.stdout == _full(["daily"], wide).stdout
        assert "  └ " in table.stdout  # [daily] breakdown = true
        assert "  └ " not in _fast(["monthly"], wide).stdout
        bare = run_cli(["--json"], env)  # the default run is the daily report
        assert json.loads(bare.stdout)["timezone"] == "Asia/Tokyo"
        other = tmp / "other.toml"
        other.write_text('[defaults]\ntimezone = "Europe/Paris"\n')
        by_env = run_cli(["daily", "-j"], {**env, "TOKENTRAIL_CONFIG": str(other)})
        assert json.loads(by_env.stdout)["timezone"] == "Europe/Paris"
        by_opt = run_cli(
            ["--config", str(path), "daily", "-j"], {**env, "TOKENTRAIL_CONFIG": str(other)}
        )
        assert json.loads(by_opt.stdout)["timezone"] == "Asia/Tokyo"
    finally:
        path.unlink()


def test_status_line_options_from_the_config(setup: tuple[Path, dict[str, str]]) -> None:
    _, env = setup
    path = _write(env, '[statusline]\ncolor = "always"\ncontext-low-threshold = 1\n')
    try:
        fast = _fast(["statusline", "-z", "UTC"], env)
        assert fast.stderr.strip() == "NOCLICK", fast.stderr
        assert "\x1b[" in fast.stdout
        assert fast.stdout == _full(["statusline", "-z", "UTC"], env).stdout
        plain = _fast(["statusline", "-z", "UTC", "--color", "never"], env)
        assert "\x1b[" not in plain.stdout
    finally:
        path.unlink()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[daily]\nbreakdwn = true\n[weekly]\nbreakdwn = 1\n", ["breakdwn", "no --breakdwn"]),
        ("[dayly]\nbreakdown = true\n", ["[dayly]", "no command"]),
        ("[daily]\nbreakdown = 1\n[weekly]\nbreakdown = 1\n", ["breakdown", "true or false"]),
        ('[defaults]\ntimezone = "Mars/Base"\n', ["[defaults] timezone", "Mars/Base"]),
        ('[weekly]\nstart_of_week = "someday"\n', ["[weekly] start-of-week", "someday"]),
        ("[defaults]\nnope = 1\n", ["[defaults] nope", "no command has --nope"]),
        ('[weekly]\nsince = "yesterday"\n', ["[weekly] since"]),
        ("timezone = 'UTC'\n", ["'timezone' must be a table"]),
        ("[daily\n", ["not valid TOML"]),
    ],
)
def test_a_wrong_file_is_one_error_naming_file_and_key(
    setup: tuple[Path, dict[str, str]], text: str, words: list[str]
) -> None:
    _, env = setup
    path = _write(env, text)
    try:
        for args in (["daily", "-j"], ["weekly"]) if "[d" in text else (["weekly"],):
            r = run_cli(args, env)
            assert r.returncode == 2, (args, r.stdout, r.stderr)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1, r.stderr
            assert str(path) in lines[0]
            for w in words:
                assert w in lines[0]
    finally:
        path.unlink()
    missing = run_cli(["daily"], {**env, "TOKENTRAIL_CONFIG": str(path)})
    assert missing.returncode == 2
    assert "no config file" in missing.stderr


def test_only_the_running_commands_table_is_read(setup: tuple[Path, dict[str, str]]) -> None:
    _, env = setup
    path = _write(env, "[daily]\nbreakdwn = true\n")
    try:
        assert run_cli(["weekly", "-j"], env).returncode == 0
        assert _full(["weekly", "-j"], env).returncode == 0
        assert "[daily] breakdwn" in run_cli(["daily", "-j"], env).stderr
    finally:
        path.unlink()


def test_config_table_names_are_the_commands_and_their_options() -> None:
    from tokentrail.cli import _register, cli
    from tokentrail.cli.config import _options
    from tokentrail.reports.config import COMMAND_OPTIONS, COMMANDS

    _register(["--help"])
    assert set(cli.commands) == COMMANDS
    assert {n: set(_options(c)) for n, c in cli.commands.items()} == {
        n: set(o) for n, o in COMMAND_OPTIONS.items()
    }


def test_a_default_of_other_commands_keeps_the_status_line_fast(
    setup: tuple[Path, dict[str, str]],
) -> None:
    _, env = setup
    path = _write(env, '[defaults]\nbreakdown = true\ncolor = "always"\n')
    try:
        fast = _fast(["statusline", "-z", "UTC"], env)
        assert fast.stderr.strip() == "NOCLICK", fast.stderr
        assert "\x1b[" in fast.stdout
        assert fast.stdout == _full(["statusline", "-z", "UTC"], env).stdout
        daily = _fast(["daily", "-j"], env)
        assert daily.stderr.strip() == "NOCLICK", daily.stderr
        assert daily.stdout == _full(["daily", "-j"], env).stdout
    finally:
        path.unlink()


@pytest.mark.parametrize("xdg", [None, "", "/tmp/xdg-config"])
def test_the_config_dir_is_platformdirs_own(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    import platformdirs

    from tokentrail.reports.config import user_config_dir

    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert user_config_dir() == platformdirs.user_config_dir("tokentrail")

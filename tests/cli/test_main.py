from __future__ import annotations

import subprocess
import sys

from tokentrail import __version__


def test_python_m_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tokentrail", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert __version__ in out.stdout


def test_help_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tokentrail", "--help"], capture_output=True, text=True, check=True
    )
    assert "tokentrail" in out.stdout


def _imported(args: list[str]) -> set[str]:
    """Modules a fresh ``tokentrail ARGS`` process holds when it is done (``-X importtime``
    would miss the ones :func:`importlib.import_module` loads)."""
    code = (
        "import sys\n"
        "from tokentrail._entry import main\n"
        f"sys.argv = ['tokentrail', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('MODULES ' + ' '.join(sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(r.stderr.rsplit("MODULES ", 1)[1].split())


def test_help_and_version_import_no_command_module() -> None:
    for args in (["--help"], ["-V"]):
        mods = _imported(args)
        assert "click" in mods or args == ["-V"]
        loaded = sorted(m for m in mods if m.startswith("tokentrail.cli."))
        assert loaded == [], f"{args} imported {loaded}"
        assert "rich" not in mods
        assert "tokentrail.pricing" not in mods


def test_a_command_imports_only_its_module() -> None:
    mods = _imported(["prices", "--help"])
    assert "tokentrail.cli.price" in mods
    assert "tokentrail.cli.reports" not in mods


def test_the_static_command_table_matches_the_commands() -> None:
    from tokentrail.cli import COMMANDS, MODULES, _register, cli

    _register()
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, cmd in cli.commands.items():
        module, short = COMMANDS[name]
        assert module in MODULES
        assert cmd.callback is not None
        assert cmd.callback.__module__ == f"tokentrail.cli.{module}", name
        first = (cmd.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == short, name


def test_lazy_help_equals_the_help_with_every_command_loaded() -> None:
    def run(code: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

    lazy = run("from tokentrail.cli import main; main(['--help'])")
    loaded = run("from tokentrail.cli import _register, main; _register(); main(['--help'])")
    assert "Commands:" in lazy
    assert "whatif" in lazy
    assert lazy == loaded


def test_shell_completion_lists_commands_and_their_options() -> None:
    import os

    env = {**os.environ, "_TOKENTRAIL_COMPLETE": "bash_complete"}
    words = subprocess.run(
        [sys.executable, "-m", "tokentrail"],
        env={**env, "COMP_WORDS": "tokentrail wh", "COMP_CWORD": "1"},
        capture_output=True,
        text=True,
    ).stdout
    assert "whatif" in words
    opts = subprocess.run(
        [sys.executable, "-m", "tokentrail"],
        env={**env, "COMP_WORDS": "tokentrail cache --b", "COMP_CWORD": "2"},
        capture_output=True,
        text=True,
    ).stdout
    assert "--by" in opts

"""Every CLI command is documented: in the generated reference, and in a tested example.

The reference (``docs/reference/cli.md``) is checked against the click definitions by
``tests/test_docs.py``; here every command and subcommand must also appear in an example in
README.md or docs/: a command example whose output ``scripts/readme_commands.py`` regenerates
(``$ tokentrail NAME ...``), or a command line that ``tests/test_docs.py`` parses.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click

from tokentrail.cli import COMMANDS, _register, cli

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(p for p in DOCS.rglob("*.md") if p != DOCS / "reference" / "cli.md")]


def _all_commands() -> list[str]:
    """``name`` or ``group sub`` for every registered command."""
    _register()
    ctx = click.Context(cli, info_name="tokentrail")
    names: list[str] = []
    for name, cmd in sorted(cli.commands.items()):
        names.append(name)
        if isinstance(cmd, click.Group):
            names += [f"{name} {sub}" for sub in cmd.list_commands(ctx)]
    return names


def test_the_lazy_table_lists_every_command() -> None:
    _register()
    assert set(COMMANDS) == set(cli.commands)


def test_every_command_is_in_the_reference_and_has_help() -> None:
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    missing = [n for n in _all_commands() if f"`tokentrail {n}`" not in text]
    assert not missing, f"run scripts/cli_reference.py: {missing}"
    for name, cmd in cli.commands.items():
        assert cmd.help, f"`tokentrail {name}` has no --help text"


def test_every_command_has_an_example() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in PAGES)
    shown = re.findall(r"(?:^\$ |`|^|\$\()(tokentrail [a-z][a-z -]*)", text, flags=re.M)
    used = {" ".join(s.split()[1:3]) for s in shown} | {s.split()[1] for s in shown}
    missing = [n for n in _all_commands() if n not in used]
    assert not missing, f"no example in README.md or docs/ for: {missing}"
    assert re.search(r"^\$ tokentrail$", text, flags=re.M), "bare `tokentrail` needs an example"


def _script() -> object:
    import importlib.util

    path = REPO / "scripts" / "readme_commands.py"
    spec = importlib.util.spec_from_file_location("readme_commands", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_ignores_timings_and_catches_any_other_change() -> None:
    rc = _script()
    a = '{\n  "records": 753,\n  "seconds": 0.083,\n}\n1 file(s): 2 records in 0.12 s'
    assert rc.check(a, a.replace("0.083", "0.101").replace("0.12", "0.31")) == []  # type: ignore[attr-defined]
    diff = rc.check(a, a.replace("753", "754"))  # type: ignore[attr-defined]
    assert '-  "records": 753,' in diff
    assert '+  "records": 754,' in diff


def test_every_page_with_command_examples_is_checked() -> None:
    rc = _script()
    pages = rc.pages()  # type: ignore[attr-defined]
    assert README in pages
    assert DOCS / "how-to" / "reports.md" in pages
    example = "```text\n$ tokentrail daily --json\n{}\n```\n"
    assert rc.commands(example) == ["tokentrail daily --json"]  # type: ignore[attr-defined]


def test_shown_command_outputs_are_current() -> None:
    r = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "readme_commands.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, f"outputs drifted (run scripts/readme_commands.py):\n{r.stdout}"

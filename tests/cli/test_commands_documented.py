"""Every CLI command is documented in the README's generated command reference."""

from __future__ import annotations

from pathlib import Path

from tokentrail.cli import _register, cli

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_command_has_a_readme_section() -> None:
    _register()
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- commands:start -->", 1)[1].split("<!-- commands:end -->", 1)[0]
    assert "### `tokentrail`" in section
    missing = [name for name in cli.commands if f"### `tokentrail {name}`" not in section]
    assert not missing, f"undocumented commands (run scripts/readme_commands.py): {missing}"
    for name, cmd in cli.commands.items():
        assert cmd.help, f"`tokentrail {name}` has no --help text"

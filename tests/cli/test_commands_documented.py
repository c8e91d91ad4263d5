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


def _script() -> object:
    import importlib.util

    path = README.parent / "scripts" / "readme_commands.py"
    spec = importlib.util.spec_from_file_location("readme_commands", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_ignores_timings_and_catches_any_other_change() -> None:
    rc = _script()
    a = '{\n  "records": 753,\n  "seconds": 0.083,\n}'
    assert rc.check(a, a.replace("0.083", "0.101")) == []  # type: ignore[attr-defined]
    diff = rc.check(a, a.replace("753", "754"))  # type: ignore[attr-defined]
    assert '-  "records": 753,' in diff
    assert '+  "records": 754,' in diff


def test_readme_command_outputs_are_current() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, str(README.parent / "scripts" / "readme_commands.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, f"README drifted (run scripts/readme_commands.py):\n{r.stdout}"

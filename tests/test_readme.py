"""The README stays true: its Python examples run and its quickstart has two commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
PY_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)


@pytest.mark.parametrize("code", PY_BLOCKS, ids=[f"block{i}" for i in range(len(PY_BLOCKS))])
def test_python_examples_run(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})


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

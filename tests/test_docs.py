"""The docs site stays true and navigable.

* ``docs/reference/cli.md`` is what ``scripts/cli_reference.py`` generates from the click
  definitions (regenerated here and diffed).
* Every ``tokentrail ...`` line of a ``bash`` block, and every inline ``tokentrail ...`` span,
  in README.md and docs/ names real commands and options with valid values (parsed by click,
  not run); command examples with output are ``scripts/readme_commands.py``'s job.
* Every ``toml`` block is a valid config file of option defaults or a valid price override;
  every ``json`` block parses, and a status-line setting in it names a real command line.
* Every page is in the nav, every task page is linked from the home page (two clicks), and the
  JSON reference names every report field.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from types import ModuleType

import click
import pytest

from tokentrail.cli import _register, cli

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted(DOCS.rglob("*.md"))]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _name(page: Path) -> str:
    return str(page.relative_to(REPO))


def test_cli_reference_is_current() -> None:
    fresh = _script("cli_reference").render()
    current = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert current == fresh, "docs/reference/cli.md is stale: run python scripts/cli_reference.py"


# --- command lines shown without output --------------------------------------------------

_PLACEHOLDER = re.compile(r"\b[A-Z]{2,}\b|…|\.\.\.|\|")


def _command_lines(text: str) -> list[str]:
    lines: list[str] = []
    for block in re.findall(r"```(?:bash|sh|console)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            for part in re.split(r"&&|;", line):
                part = part.strip().removeprefix('eval "$(').removesuffix(')"').strip()
                if part.startswith("tokentrail "):
                    lines.append(part.split(" > ", 1)[0])
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    lines += [s for s in re.findall(r"`(tokentrail [^`]+)`", prose) if not _PLACEHOLDER.search(s)]
    return lines


COMMAND_LINES = [
    (page, line)
    for page in PAGES
    if page != DOCS / "reference" / "cli.md"  # generated from the commands themselves
    for line in _command_lines(page.read_text("utf-8"))
]


def _parse(line: str) -> None:
    """Resolve ``line``'s command (and subcommand) and parse its arguments, without running."""
    _register()
    words = shlex.split(line)[1:]
    cmd: click.Command = cli
    ctx = click.Context(cli, info_name="tokentrail")
    while isinstance(cmd, click.Group) and words and not words[0].startswith("-"):
        sub = cmd.get_command(ctx, words[0])
        assert sub is not None, f"no command {words[0]!r}"
        cmd, words = sub, words[1:]
        ctx = click.Context(cmd, info_name=cmd.name, parent=ctx)
    cmd.make_context(str(cmd.name), list(words), parent=ctx.parent)


def test_command_lines_are_collected() -> None:
    assert len(COMMAND_LINES) >= 15


@pytest.mark.parametrize(
    ("page", "line"), COMMAND_LINES, ids=[f"{_name(p)}:{line}" for p, line in COMMAND_LINES]
)
def test_command_line_parses(page: Path, line: str) -> None:
    try:
        _parse(line)
    except click.ClickException as exc:
        pytest.fail(f"{_name(page)}: `{line}`: {exc.format_message()}")


# --- TOML examples ------------------------------------------------------------------------

TOML_BLOCKS = [
    (page, block)
    for page in PAGES
    for block in re.findall(r"```toml\n(.*?)```", page.read_text("utf-8"), flags=re.S)
]


@pytest.mark.parametrize("page_block", TOML_BLOCKS, ids=lambda pb: _name(pb[0]))
def test_toml_example_is_valid(page_block: tuple[Path, str], tmp_path: Path) -> None:
    from tokentrail.cli.config import default_map
    from tokentrail.pricing.catalog import load_catalog
    from tokentrail.reports.config import load_config

    _, block = page_block
    path = tmp_path / "example.toml"
    path.write_text(block, encoding="utf-8")
    if "tokentrail.prices.v1" in block:
        load_catalog(path)  # raises CatalogError on any mistake
        return
    _register()
    for table in load_config(str(path)):
        if table != "defaults":
            default_map(str(path), dict(cli.commands), table)  # raises UserInputError


def test_price_override_example_file_matches_the_page() -> None:
    shown = (DOCS / "how-to" / "prices.md").read_text("utf-8")
    example = (DOCS / "examples" / "prices.toml").read_text("utf-8")
    body = "\n".join(line for line in example.splitlines() if not line.startswith("#"))
    assert re.sub(r"\n+", "\n", body).strip() in re.sub(r"\n+", "\n", shown)


JSON_BLOCKS = [
    (page, block)
    for page in PAGES
    for block in re.findall(r"```json\n(.*?)```", page.read_text("utf-8"), flags=re.S)
]


@pytest.mark.parametrize("page_block", JSON_BLOCKS, ids=lambda pb: _name(pb[0]))
def test_json_example_parses_and_its_commands_are_real(page_block: tuple[Path, str]) -> None:
    import json

    doc = json.loads(page_block[1])
    command = doc.get("statusLine", {}).get("command")
    if command is not None:
        _parse(command)


# --- navigation ---------------------------------------------------------------------------


def _nav_pages() -> set[str]:
    text = (REPO / "mkdocs.yml").read_text("utf-8")
    nav = text.split("\nnav:\n", 1)[1]
    return set(re.findall(r"([\w./-]+\.md)", nav))


def test_every_page_is_in_the_nav() -> None:
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages == _nav_pages()


def test_every_task_is_two_clicks_from_home() -> None:
    home = (DOCS / "index.md").read_text("utf-8")
    linked = set(re.findall(r"\]\(([\w./-]+\.md)", home))
    tasks = {f"how-to/{p.name}" for p in (DOCS / "how-to").glob("*.md") if p.name != "index.md"}
    assert tasks <= linked, f"not linked from docs/index.md: {sorted(tasks - linked)}"
    for section in ("getting-started", "concepts", "reference"):
        pages = {f"{section}/{p.name}" for p in (DOCS / section).glob("*.md")} - {
            f"{section}/index.md"
        }
        assert pages <= linked, f"not linked from docs/index.md: {sorted(pages - linked)}"


def test_json_reference_names_every_field() -> None:
    from tokentrail.reports.fields import EXTRA_COLUMNS, FIELD_NAMES
    from tokentrail.reports.model import KINDS, SCHEMA_VERSION

    text = (DOCS / "reference" / "json.md").read_text("utf-8")
    assert f"`schema_version` {SCHEMA_VERSION}" in text
    names = [*FIELD_NAMES, *(c for cols in EXTRA_COLUMNS.values() for c in cols)]
    names += [n for key, rows, _ in KINDS.values() for n in (key, rows)]
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing, f"docs/reference/json.md does not name {missing}"

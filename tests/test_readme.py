"""The README and the docs stay true: every Python example runs, and what it prints is shown.

Pages: ``README.md`` and every ``docs/**/*.md``. Each page's ```python / ```py blocks run in
page order, each in a namespace of its own, against a local Messages API (a replay server on
127.0.0.1) and a fresh ledger. A Python block followed directly by a ```text block that is not
a command example (``$ tokentrail ...``, see ``scripts/readme_commands.py``) shows what the
block prints: the test compares them. The README's quickstart is two commands.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
TEXT = README.read_text(encoding="utf-8")
PAGES = [README, *sorted((REPO / "docs").rglob("*.md"))]
# A Python block, and the ```text block right after it when there is one.
_BLOCK = re.compile(r"```py(?:thon)?\n(.*?)```\n(?:\n```text\n(?!\$ tokentrail)(.*?)```)?", re.S)


def _examples(page: Path) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(page.read_text(encoding="utf-8"))]


def _name(page: Path) -> str:
    return str(page.relative_to(REPO))


EXAMPLES = [
    (page, i, code, shown) for page in PAGES for i, (code, shown) in enumerate(_examples(page))
]
PAGES_WITH_CODE = [page for page in PAGES if _examples(page)]

sys.path.insert(0, str(Path(__file__).resolve().parent / "track"))
from _track_server import USAGE_PLAIN, ReplayServer, json_reply  # noqa: E402


@pytest.fixture
def api_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local Messages API on 127.0.0.1 and a fresh ledger, as the snippets' environment."""
    server = ReplayServer().start()
    server.default = lambda body: json_reply(f"msg_{len(server.requests):04d}", USAGE_PLAIN)
    ledger = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-not-a-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("TOKENTRAIL_LEDGER", str(ledger))
    monkeypatch.delenv("TOKENTRAIL_PRICES", raising=False)
    try:
        yield ledger
    finally:
        server.stop()


def _run(code: str, page: Path) -> None:
    # Each snippet runs as pasted: in a namespace of its own, with only its own imports.
    exec(compile(code, str(page), "exec"), {"__name__": "docs_example"})


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 10
    assert README in PAGES_WITH_CODE


@pytest.mark.parametrize(
    ("page", "code", "shown"),
    [(page, code, shown) for page, _, code, shown in EXAMPLES],
    ids=[f"{_name(page)}:{i}" for page, i, _, _ in EXAMPLES],
)
def test_python_example_runs_and_prints_what_is_shown(
    page: Path, code: str, shown: str | None, api_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(code, page)
    printed = capsys.readouterr().out
    if shown is not None:
        assert printed.strip() == shown.strip(), f"regenerate the output shown in {_name(page)}"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_name)
def test_a_pages_examples_run_in_order(
    page: Path, api_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for code, _ in _examples(page):
        _run(code, page)


def test_tracked_run_is_read_back_in_order(
    api_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = REPO / "docs" / "how-to" / "tracking.md"
    for code, _ in _examples(page):
        _run(code, page)
    out = capsys.readouterr().out
    # The tracked run's request is read back by the Ledger snippet: model, output tokens, tags.
    assert "claude-sonnet-4-6 503 {'app': 'evals', 'run': 'nightly-eval', 'suite': 'full'}" in out


def test_quickstart_is_two_commands() -> None:
    section = TEXT.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    assert "tokentrail" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest" in ci


def test_readme_is_short() -> None:
    assert len(TEXT.splitlines()) <= 160

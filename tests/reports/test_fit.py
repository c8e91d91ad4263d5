"""Column sizing that never breaks a word, and word wrapping that breaks paths at '/'."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from tokentrail.reports.fit import fit_table, fitting_columns, min_width, wrap_words

SID = "8df21ad5-2d36-4b7e-b3ff-b402a5d5bbf9"


def _console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)


def _table(note: str) -> Table:
    t = Table(title="t")
    t.add_column("Session", no_wrap=True)
    t.add_column("Note")
    t.add_column("Cost", justify="right", no_wrap=True)
    t.add_row(SID, note, "$1.00")
    return t


def _render(t: Table, width: int) -> str:
    c = _console(width)
    c.print(t)
    out = c.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_a_fitted_table_keeps_ids_whole_and_wraps_notes_at_words() -> None:
    note = "a fairly long note that has to wrap over several lines of the cell"
    t = _table(note)
    assert fit_table(t, _console(70))
    out = _render(t, 70)
    assert SID in out
    assert all(cell_len(line) <= 70 for line in out.splitlines())
    words = {w for line in out.splitlines() for w in line.replace("│", " ").split()}
    assert set(note.split()) <= words  # no word broken


def test_a_table_that_cannot_fit_is_reported_and_left_alone() -> None:
    t = _table("note")
    assert min_width(t, _console(40)) > 40
    assert not fit_table(t, _console(40))
    assert all(c.width is None for c in t.columns)


def test_fitting_columns_takes_the_widest_layout_that_fits() -> None:
    def build(cols: int) -> Table:
        t = Table()
        for i in range(cols):
            t.add_column(f"column-{i}", no_wrap=True)
        t.add_row(*(f"value-{i}" for i in range(cols)))
        return t

    assert len(fitting_columns([6, 4, 2], build, _console(60)).columns) == 4
    assert len(fitting_columns([6, 4, 2], build, _console(200)).columns) == 6
    assert len(fitting_columns([6, 4], build, _console(20)).columns) == 4  # none fits: last


def test_wrap_words_breaks_paths_after_a_slash() -> None:
    text = "/logs/projects/-home-dev-src-billing/ce96a698-bc8b/agent-adda4fad.jsonl:10: bad json"
    lines = wrap_words(text, 40, "  ")
    assert all(len(line) <= 40 for line in lines)
    assert "".join(line.strip() + ("" if line.endswith("/") else " ") for line in lines).split()
    assert lines[0].endswith("/")
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_words_keeps_the_first_line_indentation() -> None:
    lines = wrap_words("  ! a warning that is long enough to wrap somewhere", 24, "    ")
    assert lines[0].startswith("  ! ")
    assert all(line.startswith("    ") for line in lines[1:])


@given(st.lists(st.text("abcdefgh", min_size=1, max_size=12), min_size=1, max_size=30))
def test_wrap_words_never_breaks_a_word_that_fits(words: list[str]) -> None:
    lines = wrap_words(" ".join(words), 20, "  ")
    assert all(len(line) <= 20 for line in lines)
    assert [w for line in lines for w in line.split()] == words

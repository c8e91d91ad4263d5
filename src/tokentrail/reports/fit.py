"""Tables that fit the terminal without cutting a word (an id, a model, a path) in two.

Rich shrinks a table that is too wide by narrowing its widest wrappable column, whatever
that column holds, and then every column evenly: a session id or a model name is then
folded mid-word. :func:`fit_table` sizes the columns itself instead: each wrappable column
gets at least its longest word, the room left is shared in proportion to what each column
would still need to show its text on one line, and a ``no_wrap`` column keeps its whole
width. When even those minimums do not fit, it says so and the caller drops (or folds)
columns in its own priority order: :func:`fitting_columns` tries the column sets it is
given, widest first.

Every table here uses rich's defaults for edges and padding (one space each side of a
cell, a vertical line between columns and at both edges).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

__all__ = [
    "column_bounds",
    "first_fit",
    "fit_table",
    "fitting_columns",
    "min_width",
    "output_console",
    "text_width",
    "wrap_words",
    "wrapped",
]

T = TypeVar("T")


def output_console(default_width: int | None = None, *, stderr: bool = False) -> Console:
    """A console for a command's output: as wide as ``$COLUMNS`` when set, else the
    terminal; when the output is not a terminal (a pipe, a file) ``default_width`` (None:
    rich's 80). No syntax highlighting."""
    import os

    probe = Console(stderr=stderr)
    width = None
    if not probe.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        width = default_width
    return Console(stderr=stderr, width=width, highlight=False, emoji=False)


def text_width() -> int | None:
    """The width plain output lines wrap to: ``$COLUMNS`` when set, else the terminal's
    when stdout is one, else None (a pipe or a file: lines stay whole, one per record)."""
    import os
    import shutil
    import sys

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def wrapped(text: str, indent: str = "    ") -> str:
    """``text`` wrapped by :func:`wrap_words` to :func:`text_width` (unchanged when None)."""
    width = text_width()
    if width is None:
        return text
    return "\n".join(wrap_words(text, width, indent))


def wrap_words(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces, never inside a
    word; a word longer than a line (a path) is broken after one of its ``/`` when it has
    some, else left whole. Lines after the first start with ``indent``."""
    body = text.lstrip(" ")
    first = text[: len(text) - len(body)]  # the first line keeps its own indentation
    words: list[str] = []
    room = max(1, width - max(cell_len(indent), cell_len(first)))
    for word in body.split(" "):
        while cell_len(word) > room and "/" in word[:room]:
            cut = word.rindex("/", 0, room) + 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    lines: list[str] = []
    line = ""
    for word in words:
        lead = indent if lines else first
        candidate = f"{line} {word}" if line and not line.endswith("/") else line + word
        if line and cell_len(lead + candidate) > width:
            lines.append(lead + line)
            line = word
        else:
            line = candidate
    lines.append((indent if lines else first) + line)
    return lines


def _text(console: Console, cell: object) -> str:
    if isinstance(cell, str):
        return console.render_str(cell).plain
    return str(getattr(cell, "plain", cell))


def column_bounds(table: Table, console: Console) -> list[tuple[int, int]]:
    """``(least, natural)`` content width of each column (padding and lines excluded):
    ``least`` is the longest word (the whole text for a ``no_wrap`` column), ``natural``
    the longest line, header included."""
    out: list[tuple[int, int]] = []
    for col in table.columns:
        least = natural = 0
        cells = [col.header, *col.cells] if table.show_header else list(col.cells)
        for cell in cells:
            text = _text(console, cell)
            for line in text.splitlines() or [""]:
                natural = max(natural, cell_len(line))
                words = line.split() if not col.no_wrap else [line]
                least = max([least, *(cell_len(w) for w in words)])
        if col.min_width is not None:
            least = max(least, col.min_width)
        out.append((least, max(least, natural)))
    return out


def _overhead(table: Table) -> int:
    n = len(table.columns)
    top, right, bottom, left = table.padding
    del top, bottom
    lines = (2 if table.show_edge else 0) + max(0, n - 1) if table.box else 0
    return lines + n * (left + right)


def min_width(table: Table, console: Console) -> int:
    """The narrowest the table can be without breaking a word (lines and padding in)."""
    return sum(least for least, _ in column_bounds(table, console)) + _overhead(table)


def fit_table(table: Table, console: Console, width: int | None = None) -> bool:
    """Size ``table``'s wrappable columns to fit ``width`` (default: the console's)
    without breaking a word; False (and the table untouched) when it cannot fit."""
    limit = console.width if width is None else width
    bounds = column_bounds(table, console)
    room = limit - _overhead(table)
    least_total = sum(lo for lo, _ in bounds)
    natural_total = sum(hi for _, hi in bounds)
    if least_total > room:
        return False
    if natural_total <= room:
        return True
    spare = room - least_total
    wanted = natural_total - least_total
    widths = [lo + (hi - lo) * spare // wanted for lo, hi in bounds]
    left = room - sum(widths)
    for i in sorted(range(len(bounds)), key=lambda i: bounds[i][0] - bounds[i][1]):
        if left <= 0:
            break
        if widths[i] < bounds[i][1]:
            widths[i] += 1
            left -= 1
    for col, w, (lo, hi) in zip(table.columns, widths, bounds, strict=True):
        if lo < hi:
            col.width = w
    return True


def first_fit(
    options: Sequence[T], build: Callable[[T], Table], console: Console, width: int | None = None
) -> Table | None:
    """The table ``build`` makes from the first of ``options`` (column sets, widest first)
    that fits, sized by :func:`fit_table`; None when none fits."""
    for opt in options:
        candidate = build(opt)
        if fit_table(candidate, console, width):
            return candidate
    return None


def fitting_columns(
    options: Sequence[T], build: Callable[[T], Table], console: Console, width: int | None = None
) -> Table:
    """:func:`first_fit`, or the last option's table when none fits (rich then folds it)."""
    table = first_fit(options, build, console, width)
    return build(options[-1]) if table is None else table

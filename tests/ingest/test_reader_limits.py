"""The reader's size cap and byte order mark (tokentrail.ingest.reader): every line is
either handed over with its own number or reported as too long, whatever the read size."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ingest.reader import ReadStart, iter_blocks


def _read(
    path: Path, block_size: int, max_line: int, count_lines: bool
) -> tuple[dict[int, bytes], list[int], int, int]:
    """(line number -> content of non-empty lines handed over, too-long numbers, end
    offset, end line count) as a parser sees them."""
    seen: dict[int, bytes] = {}
    too_long: list[int] = []
    end = (0, 0)
    gen = iter_blocks(
        str(path), ReadStart(0, 0, "new"), block_size=block_size, max_line=max_line,
        count_lines=count_lines,
    )  # fmt: skip
    block = next(gen, None)
    while block is not None:
        parts = block.data.split(b"\n")[:-1]
        for i, part in enumerate(parts):
            if part:
                seen[block.first_line + i] = part
        too_long.extend(block.too_long)
        n = len(parts)
        end_lines = block.end_lines if count_lines else block.first_line - 1 + n
        end = (block.end_offset, end_lines)
        try:
            block = gen.send(None if count_lines else n)
        except StopIteration:
            block = None
    return seen, too_long, *end


@settings(max_examples=150, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 120), min_size=1, max_size=30),
    block_size=st.integers(1, 200),
    max_line=st.integers(1, 100),
    count_lines=st.booleans(),
)
def test_every_line_is_handed_over_or_reported(
    lengths: list[int],
    block_size: int,
    max_line: int,
    count_lines: bool,
) -> None:
    lines = [bytes([97 + i % 26]) * n for i, n in enumerate(lengths)]
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.jsonl"
        f.write_bytes(b"".join(line + b"\n" for line in lines))
        seen, too_long, end_offset, end_lines = _read(f, block_size, max_line, count_lines)
        size = f.stat().st_size
    assert seen == {i + 1: ln for i, ln in enumerate(lines) if ln and len(ln) <= max_line}
    assert too_long == [i + 1 for i, ln in enumerate(lines) if len(ln) > max_line]
    assert (end_offset, end_lines) == (size, len(lines))


def test_a_long_line_that_fits_one_read_is_reported(tmp_path: Path) -> None:
    # Over the cap, but read whole in one block: it was handed to the parser before.
    f = tmp_path / "x.jsonl"
    f.write_bytes(b"ok\n" + b"x" * 50 + b"\nfine\n")
    seen, too_long, end_offset, end_lines = _read(f, 1 << 20, 20, True)
    assert seen == {1: b"ok", 3: b"fine"}
    assert too_long == [2]
    assert (end_offset, end_lines) == (f.stat().st_size, 3)


def test_a_byte_order_mark_at_the_start_is_dropped(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_bytes(b"\xef\xbb\xbf{}\n{}\n")
    seen, too_long, end_offset, end_lines = _read(f, 1 << 20, 1 << 20, False)
    assert seen == {1: b"{}", 2: b"{}"}
    assert (too_long, end_offset, end_lines) == ([], f.stat().st_size, 2)
    # Offsets count the mark: a resume after line 1 starts at byte 6.
    blocks = list(iter_blocks(str(f), ReadStart(6, 1, "appended")))
    assert b"".join(b.data for b in blocks) == b"{}\n"

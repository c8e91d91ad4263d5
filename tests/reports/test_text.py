"""Terminal-safe log text (tokentrail.reports.text)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tokentrail.reports.text import MAX_TEXT, clip, escape_controls


@given(st.text())
def test_nothing_invisible_or_controlling_survives(text: str) -> None:
    out = escape_controls(text)
    for c in out:
        cat = unicodedata.category(c)
        assert cat != "Cc", repr(c)  # C0, C1, DEL
        assert c not in "\u2028\u2029\ufeff"
        assert not 0x202A <= ord(c) <= 0x202E  # bidi embeddings and overrides
        assert not 0x2066 <= ord(c) <= 0x2069  # bidi isolates
        assert not 0x200B <= ord(c) <= 0x200F  # zero-width, direction marks


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp"))))
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert escape_controls(text) == text


def test_escapes_are_readable() -> None:
    assert escape_controls("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"


@given(st.text(max_size=400))
def test_clip_caps_length_and_keeps_short_text(text: str) -> None:
    out = clip(text)
    assert len(out) <= MAX_TEXT
    assert out == text or (len(text) > MAX_TEXT and out.endswith("…"))

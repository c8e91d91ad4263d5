"""Text the ledger can store: lone surrogates spelled as escapes (standard library only, so
the warm report path can key files by it without loading the record decoder)."""

from __future__ import annotations

__all__ = ["storable"]


def storable(text: str) -> str:
    """``text`` unchanged when it is valid Unicode, else with its lone surrogates spelled as
    backslash escapes, so SQLite (UTF-8) can store it and the same input always gives the
    same string. A file name's undecodable bytes (``os.fsdecode``'s surrogateescape) become
    ``\\xNN``, as in ``os.fsencode(p).decode("utf-8", "backslashreplace")``; any other lone
    surrogate (a JSON ``"\\udc00"`` escape) becomes ``\\udc00``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")

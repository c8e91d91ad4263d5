"""Report day bounds as the command line gives them (standard library only, so the warm
report path parses ``--since`` / ``--until`` exactly as the full command line does)."""

from __future__ import annotations

from datetime import date, datetime

from tokentrail.errors import UserInputError

__all__ = ["parse_date"]


def parse_date(value: str | None, opt: str) -> date | None:
    """A calendar day for ``opt``: ``YYYYMMDD`` or ``YYYY-MM-DD``.

    Report bounds are whole local days of ``--timezone`` (the rollups' grain), so a value
    with a time of day or a UTC offset (``2025-11-01T00:00:00Z``) is rejected with a
    :class:`~tokentrail.errors.UserInputError` rather than silently cut to its date: that
    instant is a different day boundary in most zones.
    """
    if value is None:
        return None
    v = value.strip()
    if len(v) == 8 and v.isdigit():
        try:
            return date(int(v[:4]), int(v[4:6]), int(v[6:]))
        except ValueError:
            pass
    elif len(v) == 10:
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    elif len(v) > 10 and v[10:11] in ("T", "t", " "):
        try:
            datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            pass
        else:
            raise UserInputError(
                f"{opt} {value!r} has a time of day: give a date (YYYYMMDD or YYYY-MM-DD); "
                "days are local to --timezone"
            )
    raise UserInputError(f"{opt} {value!r} is not a date (YYYYMMDD or YYYY-MM-DD)")

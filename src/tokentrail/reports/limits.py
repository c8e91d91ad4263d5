"""``blocks --token-limit N|max``: the active block against a token limit (as ccusage).

``max`` is the largest total of the blocks before the active one (``None`` when there is
none). Tokens are all four kinds (``total_tokens``, as the block's projection counts them).
The status is ``exceeds`` when the projection to the block's end is over the limit,
``warning`` when it is over 80 % of it, else ``ok`` (ccusage's rule).
"""

from __future__ import annotations

from tokentrail.errors import UserInputError
from tokentrail.reports.model import Report

__all__ = ["WARN_SHARE", "limit_line", "parse_limit", "token_limit"]

#: Share of the limit above which a projection is a warning (ccusage: 80 %).
WARN_SHARE = 0.8  # float ok: a ratio of tokens


def parse_limit(text: str) -> int | str:
    """``max`` or a positive whole number of tokens (``500000``, ``500_000``, ``500,000``)."""
    if text.strip().lower() == "max":
        return "max"
    digits = text.strip().replace("_", "").replace(",", "")
    if not digits.isdigit() or int(digits) <= 0:
        raise UserInputError(
            f"--token-limit must be a positive number of tokens or 'max': {text!r}"
        )
    return int(digits)


def token_limit(report: Report, spec: int | str) -> dict[str, object]:
    """The limit and the active block's use of it, JSON-ready (a ``blocks`` report)."""
    active = next((r for r in report.rows if r.extra.get("is_active")), None)
    previous = [r.totals.total_tokens for r in report.rows if r is not active]
    limit = (max(previous) if previous else None) if spec == "max" else int(spec)
    out: dict[str, object] = {
        "limit": limit,
        "source": "max" if spec == "max" else "given",
        "active_tokens": None,
        "percent_used": None,
        "projected_tokens": None,
        "projected_percent": None,
        "status": None,
    }
    if active is None or not limit:
        return out
    used = active.totals.total_tokens
    proj = active.extra.get("projected_total_tokens")
    projected = proj if isinstance(proj, int) else used
    out.update(
        active_tokens=used,
        percent_used=round(100 * used / limit, 1),  # float ok: a percentage of tokens
        projected_tokens=projected,
        projected_percent=round(100 * projected / limit, 1),  # float ok: a percentage
        status="exceeds"
        if projected > limit
        else "warning"
        if projected > WARN_SHARE * limit
        else "ok",
    )
    return out


def limit_line(info: dict[str, object]) -> str:
    """One line for under the table."""
    limit = info["limit"]
    if limit is None:
        return "Token limit max: no earlier block to take it from."
    head = f"Token limit {limit:,}" + (
        " (max of the earlier blocks)" if info["source"] == "max" else ""
    )
    if info["status"] is None:
        return head + ": no active block."
    return (
        f"{head}: active block {info['active_tokens']:,} tokens ({info['percent_used']}%), "
        f"projected {info['projected_tokens']:,} ({info['projected_percent']}%): "
        + {"ok": "ok", "warning": "WARNING, near the limit", "exceeds": "EXCEEDS the limit"}[
            str(info["status"])
        ]
    )

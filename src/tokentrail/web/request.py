"""One request's page: its stored cost and flags, and the arithmetic (the lines
``tokentrail explain ID`` prints: the stored usage priced again with the current catalog)."""

from __future__ import annotations

from datetime import datetime, timezone

from tokentrail.errors import TokentrailError
from tokentrail.ledger.lookup import StoredRecord
from tokentrail.ledger.readonly import ReadOnlyLedger
from tokentrail.ledger.totals import usd_from_pico
from tokentrail.reports.text import usd_cents
from tokentrail.web.html import esc
from tokentrail.web.state import View
from tokentrail.web.team import TeamSource

__all__ = ["request_body"]


def _explain(rec: StoredRecord) -> str:
    if rec.synthetic:
        return "A <synthetic> message (Claude Code's local placeholder): never billed."
    from tokentrail.pricing import load_catalog, price

    at = datetime.fromtimestamp(rec.ts_ms / 1000, tz=timezone.utc)  # float ok: an instant
    try:
        b = price(
            rec.usage_json,
            model=rec.model,
            at=at,
            catalog=load_catalog(),
            stop_reason=rec.stop_reason,
        )
    except (TokentrailError, ValueError, TypeError, LookupError) as exc:
        return f"Cannot be priced: {exc}"
    return b.explain()


def request_body(source: ReadOnlyLedger | TeamSource, view: View, record_id: str) -> str:
    """The page of the record with message or request id ``record_id`` (exact)."""
    found = [r for r in source.find_records(record_id) if record_id in (r.message_id, r.request_id)]
    if not found:
        return f'<p class="empty">No record with id <code>{esc(record_id)}</code>.</p>'
    rec = found[0]
    stored = "unpriced" if rec.cost_pico is None else usd_cents(usd_from_pico(rec.cost_pico))
    flags = ", ".join(rec.flag_codes) or "none (an exact cost)"
    when = datetime.fromtimestamp(rec.ts_ms / 1000, tz=timezone.utc)  # float ok: an instant
    link = "/session" + view.query(id=rec.session_id)
    facts = [
        ("Message", esc(rec.message_id or "-")),
        ("Request", esc(rec.request_id or "-")),
        ("Model", esc(rec.model)),
        ("At (UTC)", esc(when.isoformat(timespec="milliseconds"))),
        ("Session", f'<a href="{esc(link)}">{esc(rec.session_id)}</a>'),
        ("Project", esc(rec.project)),
        ("From", esc(f"{rec.file}:{rec.line}" if rec.file else rec.source)),
        ("Stored cost", esc(stored)),
        ("Flags", esc(flags)),
    ]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return (
        f'<dl class="facts">{dl}</dl>'
        "<section><h2>Cost, line by line (the current catalog)</h2>"
        f'<pre class="explain">{esc(_explain(rec))}</pre></section>'
    )

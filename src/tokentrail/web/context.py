"""A session's context curve on its page: the analysis of ``tokentrail context``
(:func:`tokentrail.analysis.context.session_context`) per conversation call, iterations
included, with the 200K / 1M lines, the threshold crossings and the compactions marked."""

from __future__ import annotations

from tokentrail.analysis.rows import RequestRow
from tokentrail.ledger.protocol import AnalysisReads
from tokentrail.reports.text import usd_cents
from tokentrail.web.charts import line_chart
from tokentrail.web.html import esc, num, pct, table

__all__ = ["context_section"]


def context_section(source: AnalysisReads, session_id: str) -> str:
    """The main thread's context curve of ``session_id`` (the first subagent thread when
    the session has no main thread), its crossings and compactions."""
    from tokentrail.analysis.rows import split_threads
    from tokentrail.ledger.analysis_rows import request_rows
    from tokentrail.ledger.protocol import RecordFilter

    rows = list(request_rows(source, RecordFilter(session_id=session_id)))
    threads = split_threads(rows)
    if not threads:
        return '<p class="empty">No billable request in this session.</p>'
    return _curve(session_id, threads) + _cache(rows)


def _cache(rows: list[RequestRow]) -> str:
    """The session's cache economics (``tokentrail cache``'s figures, all threads)."""
    from tokentrail.analysis.cache import cache_report
    from tokentrail.analysis.rates import RateBook

    t = cache_report(rows, book=RateBook()).total
    cells = [
        ("Hit ratio", pct(t.hit_ratio)),
        ("Actual (token lines)", usd_cents(t.actual_usd)),
        ("Without a cache", usd_cents(t.no_cache_usd)),
        ("Savings", usd_cents(t.savings_usd)),
        ("Unread writes", f"{num(t.unread_5m_tokens + t.unread_1h_tokens)} tokens"),
        ("Unread writes cost", usd_cents(t.unread_usd)),
        ("Cheaper TTL", esc(t.cheaper_ttl)),
    ]
    body = "".join(
        f'<div class="card"><div class="label">{esc(k)}</div><div class="value">{v}</div></div>'
        for k, v in cells
    )
    return (
        '<section><h2>Cache economics</h2><div class="cards">'
        + body
        + '</div><p class="meta">"Without a cache" and the cheaper TTL are counterfactuals, '
        "unread writes are inferred (as <code>tokentrail cache</code> says).</p></section>"
    )


def _curve(session_id: str, threads: dict[tuple[str | None, str | None], list[RequestRow]]) -> str:
    from tokentrail.analysis.context import session_context
    from tokentrail.analysis.rates import RateBook

    key: tuple[str | None, str | None] = (session_id, None)
    if key not in threads:
        key = sorted(threads, key=lambda k: k[1] or "")[0]
    sc = session_context(threads[key], book=RateBook())
    at = {(p.request_index, p.index): i for i, p in enumerate(sc.curve)}
    events: list[tuple[int, str]] = []
    for c in sc.crossings:
        pos = at.get((c.request_index or 0, c.index))
        if pos is not None:
            events.append((pos, f"crossed {c.threshold}"))
    for cp in sc.compactions:
        pos = at.get((cp.request_index or 0, cp.index))
        if pos is None:  # the compaction call itself is no conversation point
            pos = next(
                (i for i, p in enumerate(sc.curve) if p.request_index == cp.request_index), None
            )
        if pos is not None:
            events.append((pos, "compaction"))
    values = [p.context_tokens for p in sc.curve]
    tips = [
        f"request {p.request_index + 1}"
        + (f" iteration {p.index}" if p.index is not None else "")
        + f" ({p.kind}): {p.context_tokens:,} tokens"
        for p in sc.curve
    ]
    chart = line_chart(
        values, marks=[(200_000, "200K"), (1_000_000, "1M")], tips=tips, events=events
    )
    thread = "main thread" if key[1] is None else f"subagent {key[1]}"
    peak = sc.peak
    facts = [
        f"{len(sc.requests):,} requests",
        f"{len(sc.curve):,} conversation calls",
        f"peak {num(peak.context_tokens)} tokens" if peak else "",
        f"{len(sc.compactions):,} compactions",
        f"{len(sc.crossings):,} crossings",
    ]
    listing = ""
    if sc.crossings or sc.compactions:
        rows_html = [
            [f"{(c.request_index or 0) + 1}", esc(f"crossed {c.threshold}"),
             num(c.from_tokens) if c.from_tokens is not None else "-", num(c.to_tokens)]
            for c in sc.crossings
        ] + [
            [f"{(c.request_index or 0) + 1}", "compaction",
             num(c.context_before) if c.context_before is not None else "-",
             num(c.context_after) if c.context_after is not None else "-"]
            for c in sc.compactions
        ]  # fmt: skip
        listing = table(("Request", "~Event", "Context before", "Context after"), rows_html)
    return (
        f"<section><h2>Context per call ({esc(thread)})</h2>"
        f'<p class="meta">{esc(" · ".join(f for f in facts if f))}</p>'
        f"{chart}{listing}</section>"
    )

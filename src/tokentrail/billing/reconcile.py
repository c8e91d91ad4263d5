"""Reconcile the ledger with the bill, per UTC day x model x token type.

Three sides: what the ledger holds (its rollups, :meth:`LedgerStore.aggregate`), what the
usage report says (token counts per key, workspace, tier…), what the cost report billed
(USD). Every difference becomes a :class:`~tokentrail.billing.findings.Finding`:

* ``untracked_usage``: usage of a key / workspace outside ``keys`` / ``workspaces`` (named),
  or usage of tracked keys beyond what the ledger holds (a machine or log never ingested;
  the key is named when one key's usage is exactly the difference);
* ``missing_from_bill``: tokens the ledger holds that the usage report lacks;
* ``price_rule``: the ledger's cost differs from the catalog price of the same tokens only
  by a rule the usage report shows (batch, data residency, long context, fast mode); and
  Priority Tier usage (not in the cost report), code execution (only in the cost report);
* ``catalog_rate``: the cost report bills a token type at another rate than the catalog
  (the model, token type and both rates are named);
* ``unexplained``: what is left.

Tolerances: the ledger and the catalog are exact, so a dollar difference above 10^-9 USD
counts; the bill's amounts are compared within half a unit of their last printed digit
(summed over the rows), so rounding never makes a finding. Money is Decimal USD.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import combinations

from tokentrail.billing.bucket_price import (
    PRIORITY_TIERS,
    TOKEN_TYPES,
    WEB_SEARCH,
    canonical_model,
    price_row,
    row_rules,
    row_tokens,
)
from tokentrail.billing.findings import Finding, usd
from tokentrail.ledger.billing_store import CostBucket, UsageBucket
from tokentrail.ledger.totals import AggregateRow, Totals
from tokentrail.pricing.catalog import Catalog

__all__ = [
    "ALL_TYPES",
    "TOL",
    "Cell",
    "build_cells",
    "cell_findings",
    "half_ulp_usd",
    "ms_day",
]

ALL_TYPES = (*TOKEN_TYPES, WEB_SEARCH)
#: Smallest dollar difference between exact figures that counts.
TOL = Decimal("0.000000001")
_ZERO = Decimal(0)
_CENT = Decimal(100)
_RULE_TEXT = {
    "batch": "billed at the Batch API tier (x0.5)",
    "data_residency": "inference_geo us (data residency x1.1)",
    "long_context": "context window 200k-1M (long-context rates)",
    "fast_mode": "speed fast (fast-mode rates)",
}


def ms_day(ms: int) -> str:
    """The UTC day (ISO) of an instant in ms."""
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).date().isoformat()


def _ledger_tokens(t: Totals) -> dict[str, int]:
    return {
        TOKEN_TYPES[0]: t.input_tokens,
        TOKEN_TYPES[1]: t.cache_5m_tokens + max(0, t.cache_creation_tokens - t.cache_5m_tokens
                                                - t.cache_1h_tokens),
        TOKEN_TYPES[2]: t.cache_1h_tokens,
        TOKEN_TYPES[3]: t.cache_read_tokens,
        TOKEN_TYPES[4]: t.output_tokens,
        WEB_SEARCH: t.web_search_requests,
    }  # fmt: skip


@dataclass
class Cell:
    """Everything known of one UTC day x model."""

    day: str
    model: str | None
    ledger: dict[str, int] | None = None
    ledger_cost: Decimal = _ZERO
    ledger_unpriced: int = 0
    rows: list[UsageBucket] = field(default_factory=list)
    costs: list[CostBucket] = field(default_factory=list)


def build_cells(
    catalog: Catalog,
    ledger_rows: Iterable[AggregateRow],
    usage: Iterable[UsageBucket],
    cost: Iterable[CostBucket],
) -> dict[tuple[str, str | None], Cell]:
    """Cells keyed by (ISO day, catalog model id); ledger rows must be grouped by UTC day."""
    cells: dict[tuple[str, str | None], Cell] = {}

    def cell(day: str, model: str | None) -> Cell:
        key = (day, canonical_model(catalog, model))
        if key not in cells:
            cells[key] = Cell(*key)
        return cells[key]

    for ar in ledger_rows:
        for model, t in ar.models.items():
            toks = _ledger_tokens(t)
            if not any(toks.values()) and t.cost == 0:
                continue  # <synthetic> lines
            c = cell(ar.key, model)
            c.ledger = {k: (c.ledger or {}).get(k, 0) + v for k, v in toks.items()}
            c.ledger_cost += t.cost
            c.ledger_unpriced += t.unpriced
    for r in usage:
        cell(ms_day(r.start_ms), r.model).rows.append(r)
    for cr in cost:
        cell(ms_day(cr.start_ms), cr.model).costs.append(cr)
    return cells


def half_ulp_usd(amount: str) -> Decimal:
    """Half a unit of the last printed digit of a cost amount (cents), in USD."""
    exp = Decimal(amount).as_tuple().exponent
    assert isinstance(exp, int)
    return Decimal(5).scaleb(exp - 1) / _CENT


def _who(key: str | None, ws: str | None) -> str:
    return f"api key {key or 'none (Workbench)'} in workspace {ws or 'default'}"


def _one(values: Iterable[str | None]) -> str | None:
    s = set(values)
    return s.pop() if len(s) == 1 else None


def _sum_types(rows: Iterable[UsageBucket]) -> dict[str, int]:
    out = dict.fromkeys(ALL_TYPES, 0)
    for r in rows:
        for k, v in row_tokens(r).items():
            out[k] += v
    return out


class _Pricing:
    """Prices of a cell's rows (UTC ``day``) with some rules dropped."""

    def __init__(self, catalog: Catalog, day: date) -> None:
        self.catalog, self.day = catalog, day

    def by_type(
        self, rows: Iterable[UsageBucket], drop: frozenset[str] = frozenset()
    ) -> dict[str, Decimal] | None:
        out = dict.fromkeys(ALL_TYPES, _ZERO)
        for r in rows:
            p = price_row(self.catalog, r, self.day, drop)
            if p is None:
                return None
            for k, v in p.usd.items():
                out[k] += v
        return out


def _tracked(r: UsageBucket, keys: frozenset[str], workspaces: frozenset[str]) -> bool:
    """Whether ``r`` is usage the ledger is meant to hold (the default workspace is named
    ``default``, usage without a key ``none``, as the Admin API leaves them null)."""
    if keys and (r.api_key_id or "none") not in keys:
        return False
    return not (workspaces and (r.workspace_id or "default") not in workspaces)


def _token_diffs(
    c: Cell, tracked: list[UsageBucket], pr: _Pricing, drop: frozenset[str]
) -> tuple[list[Finding], Decimal | None]:
    """Findings for tokens the ledger and the tracked usage disagree on, and their signed
    cost (usage beyond the ledger +, ledger beyond the usage -; None when unpriced)."""
    ut = _sum_types(tracked)
    led = c.ledger or dict.fromkeys(ALL_TYPES, 0)
    diff = {k: ut[k] - led[k] for k in ALL_TYPES}
    if not any(diff.values()):
        return [], _ZERO
    out: list[Finding] = []
    signed: Decimal | None = _ZERO
    p_all = pr.by_type(tracked, drop)
    w5, w1 = TOKEN_TYPES[1], TOKEN_TYPES[2]
    if diff[w5] * diff[w1] < 0:  # the same writes with another TTL (a log without the split)
        moved = min(abs(diff[w5]), abs(diff[w1]))
        to_1h = diff[w1] > 0
        step = moved if to_1h else -moved
        diff[w1] -= step
        diff[w5] += step
        probe = _as_row(c.model, {w5: -moved, w1: 0}), _as_row(c.model, {w5: 0, w1: -moved})
        p5, p1 = pr.by_type([probe[0]]), pr.by_type([probe[1]])
        delta = None if p5 is None or p1 is None else p1[w1] - p5[w5]
        if delta is not None and not to_1h:
            delta = -delta
        out.append(
            Finding("price_rule", c.day, c.model, _one(r.api_key_id for r in tracked),
                    _one(r.workspace_id for r in tracked), w1 if to_1h else w5, moved, delta,
                    f"{moved} cache-write tokens are {'1-hour' if to_1h else '5-minute'} writes "
                    f"in the usage report and {'5-minute' if to_1h else '1-hour'} writes in the "
                    "ledger (a log without the TTL split is counted as 5-minute writes)")
        )  # fmt: skip
        signed = None if delta is None else _ZERO + delta
    # One key (and workspace) whose whole usage is exactly the excess: the one never seen.
    groups: dict[tuple[str | None, str | None], list[UsageBucket]] = defaultdict(list)
    for r in tracked:
        groups[(r.api_key_id, r.workspace_id)].append(r)
    culprit = None
    if all(v >= 0 for v in diff.values()):
        for who, rows in groups.items():
            if _sum_types(rows) == diff:
                culprit = (who, pr.by_type(rows, drop))
                break
    base = pr.by_type([_as_row(c.model, diff)], frozenset({"batch", "data_residency"}))
    for t in ALL_TYPES:
        d = diff[t]
        cost: Decimal | None
        if d > 0:
            if culprit is not None:
                (key, ws), prices = culprit
                cost = None if prices is None else prices[t]
                detail = (
                    f"{_who(key, ws)}: usage the ledger never saw (a machine or log not ingested)"
                )
            else:
                key = _one(r.api_key_id for r in tracked)
                ws = _one(r.workspace_id for r in tracked)
                cost = None if p_all is None else p_all[t] * d / ut[t]
                names = ", ".join(sorted(_who(k, w) for k, w in groups))
                detail = (
                    f"the usage report shows {d} more than the ledger ({names}): a machine or "
                    "log not ingested, or logs removed before they were read"
                )
            out.append(Finding("untracked_usage", c.day, c.model, key, ws, t, d, cost, detail))
            signed = None if signed is None or cost is None else signed + cost
        elif d < 0:
            cost = None if base is None else base[t]
            out.append(
                Finding("missing_from_bill", c.day, c.model, None, None, t, -d, cost,
                        f"the ledger holds {-d} that the usage report lacks (a key, machine "
                        "or model outside the pulled usage, or a day not yet reported)")
            )  # fmt: skip
            signed = None if signed is None or cost is None else signed - cost
    return out, signed


def _as_row(model: str | None, diff: dict[str, int]) -> UsageBucket:
    """A standard-tier row of the tokens the ledger holds beyond the usage report (the
    negative part of ``diff``)."""
    v = {k: max(0, -diff.get(k, 0)) for k in ALL_TYPES}
    return UsageBucket(
        "1d",
        0,
        0,
        model=model,
        uncached_input_tokens=v[TOKEN_TYPES[0]],
        cache_5m_tokens=v[TOKEN_TYPES[1]],
        cache_1h_tokens=v[TOKEN_TYPES[2]],
        cache_read_tokens=v[TOKEN_TYPES[3]],
        output_tokens=v[TOKEN_TYPES[4]],
        web_search_requests=v[WEB_SEARCH],
    )


def cell_findings(
    catalog: Catalog,
    c: Cell,
    keys: frozenset[str],
    workspaces: frozenset[str],
    ledger_side: bool = True,
) -> list[Finding]:
    """Every finding of one cell (the bill-side checks of :mod:`billcheck` excluded); with
    ``ledger_side`` False only the Priority Tier gap (a catalog check without local logs)."""
    pr = _Pricing(catalog, date.fromisoformat(c.day))
    out: list[Finding] = []
    if not ledger_side:
        return _priority(c, pr)
    tracked = [r for r in c.rows if _tracked(r, keys, workspaces)]
    untracked: dict[tuple[str | None, str | None], list[UsageBucket]] = defaultdict(list)
    for r in c.rows:
        if not _tracked(r, keys, workspaces):
            untracked[(r.api_key_id, r.workspace_id)].append(r)
    for (key, ws), rows in sorted(
        untracked.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
    ):
        toks = _sum_types(rows)
        prices = pr.by_type(rows)
        for t in ALL_TYPES:
            if toks[t]:
                out.append(
                    Finding("untracked_usage", c.day, c.model, key, ws, t, toks[t],
                            None if prices is None else prices[t],
                            f"{_who(key, ws)} is not tracked (--keys / --workspaces): "
                            "usage the ledger is not meant to hold")
                )  # fmt: skip
    diffs = _token_diffs(c, tracked, pr, frozenset())
    out.extend(diffs[0])
    out.extend(_priority(c, pr))
    if c.ledger is None or not tracked or c.ledger_unpriced or diffs[1] is None:
        return out  # nothing to price both sides with
    p0 = pr.by_type(tracked)
    if p0 is None:
        return out
    residual = c.ledger_cost - (sum(p0.values(), _ZERO) - diffs[1])
    if abs(residual) <= TOL:
        return out
    present: set[str] = set()
    day = date.fromisoformat(c.day)
    for r in tracked:
        present |= row_rules(catalog, r, day)
    for size in range(1, len(present) + 1):
        for combo in combinations(sorted(present), size):
            drop = frozenset(combo)
            p_s = pr.by_type(tracked, drop)
            d_s = _token_diffs(c, tracked, pr, drop)[1]
            if p_s is None or d_s is None:
                continue
            if abs(c.ledger_cost - (sum(p_s.values(), _ZERO) - d_s)) <= TOL:
                for rule in combo:
                    out.append(_rule_finding(catalog, c, tracked, pr, rule))
                return out
    out.append(
        Finding("unexplained", c.day, c.model, None, None, None, None, residual,
                f"the ledger's cost is ${usd(c.ledger_cost)}; the same usage priced from the "
                f"usage report with the catalog is ${usd(c.ledger_cost - residual)}")
    )  # fmt: skip
    return out


def _priority(c: Cell, pr: _Pricing) -> list[Finding]:
    prio = [r for r in c.rows if r.service_tier in PRIORITY_TIERS]
    if not prio:
        return []
    toks = _sum_types(prio)
    p = pr.by_type(prio)
    n = sum(toks[t] for t in TOKEN_TYPES)
    total = None if p is None else sum(p.values(), _ZERO)
    return [
        Finding("price_rule", c.day, c.model, _one(r.api_key_id for r in prio),
                _one(r.workspace_id for r in prio), None, n, total,
                f"Priority Tier: {n} tokens (${usd(total)} at list rates) are not in the "
                "cost report (a documented gap); the contract price is not derivable")
    ]  # fmt: skip


def _rule_finding(
    catalog: Catalog, c: Cell, tracked: list[UsageBucket], pr: _Pricing, rule: str
) -> Finding:
    day = date.fromisoformat(c.day)
    rows = [r for r in tracked if rule in row_rules(catalog, r, day)]
    with_rule = pr.by_type(rows) or {}
    without = pr.by_type(rows, frozenset({rule})) or {}
    effect = sum(with_rule.values(), _ZERO) - sum(without.values(), _ZERO)
    toks = _sum_types(rows)
    n = sum(toks[t] for t in TOKEN_TYPES)
    return Finding(
        "price_rule", c.day, c.model, _one(r.api_key_id for r in rows),
        _one(r.workspace_id for r in rows), None, n, effect,
        f"{n} tokens {_RULE_TEXT[rule]} per the usage report; the ledger priced them without "
        f"that rule (a difference of ${usd(effect)} on the bill's side)",
    )  # fmt: skip

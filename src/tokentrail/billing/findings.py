"""Value types of a reconciliation: a :class:`Finding` (one explained difference) and the
sides of a row (:class:`Side`). JSON-ready through :func:`finding_dict` / :func:`side_dict`
(money as decimal strings, nulls kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["KINDS", "Finding", "Side", "finding_dict", "side_dict", "usd"]

#: Every finding kind, in the order findings of one bucket are listed.
KINDS = ("untracked_usage", "missing_from_bill", "price_rule", "catalog_rate", "unexplained")


_TYPE_ORDER = {
    t: i
    for i, t in enumerate(
        (
            "uncached_input_tokens",
            "cache_creation.ephemeral_5m_input_tokens",
            "cache_creation.ephemeral_1h_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
            "web_search_requests",
        )
    )
}


def usd(value: Decimal | None) -> str | None:
    """Exact decimal string of a USD amount (no exponent, trailing zeros dropped)."""
    if value is None:
        return None
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True)
class Finding:
    """One difference and its explanation; a field that does not apply is None."""

    kind: str
    date: str | None
    model: str | None
    api_key_id: str | None
    workspace_id: str | None
    token_type: str | None
    tokens: int | None
    cost_usd: Decimal | None
    detail: str

    def sort_key(self) -> tuple[str, str, int, str, str, int]:
        return (
            self.date or "",
            self.model or "",
            KINDS.index(self.kind),
            self.api_key_id or "",
            self.workspace_id or "",
            _TYPE_ORDER.get(self.token_type or "", -1),
        )


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "date": f.date,
        "model": f.model,
        "api_key_id": f.api_key_id,
        "workspace_id": f.workspace_id,
        "token_type": f.token_type,
        "tokens": f.tokens,
        "cost_usd": usd(f.cost_usd),
        "detail": f.detail,
    }


@dataclass
class Side:
    """One side of a row: tokens by type (None when the side has no token counts, as the
    cost report) and cost in USD, with the cost by type when the side has it."""

    tokens: dict[str, int] | None
    cost_usd: Decimal | None
    cost_by_type: dict[str, Decimal] = field(default_factory=dict)

    def add(self, tokens: dict[str, int] | None, cost: Decimal | None) -> None:
        if tokens is not None:
            if self.tokens is None:
                self.tokens = dict.fromkeys(tokens, 0)
            for k, v in tokens.items():
                self.tokens[k] = self.tokens.get(k, 0) + v
        if cost is not None:
            self.cost_usd = cost if self.cost_usd is None else self.cost_usd + cost


def side_dict(s: Side | None) -> dict[str, Any] | None:
    if s is None:
        return None
    out: dict[str, Any] = {"tokens": s.tokens, "cost_usd": usd(s.cost_usd)}
    if s.cost_by_type:
        out["cost_by_type_usd"] = {k: usd(v) for k, v in sorted(s.cost_by_type.items())}
    return out

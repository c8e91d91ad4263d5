"""The result of pricing one usage record: :class:`CostBreakdown` and its parts.

All money is :class:`~decimal.Decimal` USD, exact and never rounded here; rates are USD per
million tokens (MTok); token counts are ints. ``explain()`` renders the arithmetic so a person
can redo it by hand; ``to_dict()`` gives a JSON-safe dict with money as decimal strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = ["CostBreakdown", "CostLine", "FeeLine", "Flag", "rate_str", "usd_str"]

_LABEL = {
    "input": "input",
    "cache_write_5m": "cache write 5m",
    "cache_write_1h": "cache write 1h",
    "cache_read": "cache read",
    "output": "output",
}


def usd_str(value: Decimal) -> str:
    """Exact plain-decimal text of a USD amount or rate (no exponent, no rounding)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def rate_str(value: Decimal) -> str:
    """A rate as written in the catalog (``"7.50"`` stays ``7.50``), never in exponent form."""
    return format(value, "f")


@dataclass(frozen=True)
class Flag:
    """Something a reader of the total should know: an undocumented rule, a default taken.

    ``code`` is stable (snake_case, the facts file's flag names where they exist); ``message``
    says what was assumed, for this record.
    """

    code: str
    message: str


@dataclass(frozen=True)
class CostLine:
    """One token component of one sampling call.

    ``tokens`` x ``rate_per_mtok`` (USD per MTok) / 1,000,000 x ``multiplier`` = ``usd``.
    ``rate_per_mtok`` None means no rate is known: ``usd`` is 0 and the breakdown is incomplete.
    ``rules`` are the rule ids applied (row kind, then ``batch`` / ``data_residency``);
    ``iteration`` is the index in ``usage.iterations`` or None for a record without iterations.
    """

    component: str
    tokens: int
    rate_per_mtok: Decimal | None
    multiplier: Decimal
    usd: Decimal
    rules: tuple[str, ...]
    source: str | None
    model: str
    iteration: int | None = None
    iteration_type: str | None = None

    @property
    def priced(self) -> bool:
        """False when the component has no known rate (the line's USD is a placeholder 0)."""
        return self.rate_per_mtok is not None

    def formula(self) -> str:
        """``1,000 tok × $3/MTok × 0.5 = $0.0015`` (or the unpriced notice)."""
        if self.rate_per_mtok is None:
            return f"{self.tokens:>11,} tok × (no rate) = unpriced"
        mult = "" if self.multiplier == 1 else f" × {usd_str(self.multiplier)}"
        return (
            f"{self.tokens:>11,} tok × ${rate_str(self.rate_per_mtok)}/MTok{mult} "
            f"= ${usd_str(self.usd)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (money and rates as decimal strings)."""
        return {
            "component": self.component,
            "tokens": self.tokens,
            "rate_per_mtok": None if self.rate_per_mtok is None else usd_str(self.rate_per_mtok),
            "multiplier": usd_str(self.multiplier),
            "usd": usd_str(self.usd),
            "rules": list(self.rules),
            "source": self.source,
            "model": self.model,
            "iteration": self.iteration,
            "iteration_type": self.iteration_type,
        }


@dataclass(frozen=True)
class FeeLine:
    """A per-request fee: ``count`` x ``usd_each`` = ``usd`` (never multiplied)."""

    kind: str
    count: int
    usd_each: Decimal
    usd: Decimal
    source: str

    def formula(self) -> str:
        """``3 × $0.01 = $0.03``."""
        return f"{self.count:>11,} × ${rate_str(self.usd_each)} = ${usd_str(self.usd)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "kind": self.kind,
            "count": self.count,
            "usd_each": usd_str(self.usd_each),
            "usd": usd_str(self.usd),
            "source": self.source,
        }


@dataclass(frozen=True)
class CostBreakdown:
    """What one usage record cost, line by line.

    ``model`` is the id as given, ``resolved_model`` the catalog id (``<synthetic>`` for Claude
    Code's placeholder), ``at`` the UTC day whose prices were used. ``total`` = sum of line and
    fee USD, exact. ``complete`` is False when some tokens had no rate: ``total`` is then a lower
    bound (see ``flags``). ``basis`` says, per call that had a tier row in force, why its row
    was chosen (``prompt 300,000 > 200,000 tokens → long_context_legacy rates ...``).
    """

    model: str
    resolved_model: str
    at: date
    lines: tuple[CostLine, ...]
    fees: tuple[FeeLine, ...]
    total: Decimal
    flags: tuple[Flag, ...]
    complete: bool
    basis: tuple[str, ...] = ()

    @property
    def flag_codes(self) -> tuple[str, ...]:
        """The distinct flag codes, in first-seen order."""
        return tuple(dict.fromkeys(f.code for f in self.flags))

    @property
    def sources(self) -> tuple[str, ...]:
        """Distinct source URLs of the rates and fees used, in first-seen order."""
        urls = [ln.source for ln in self.lines if ln.source] + [f.source for f in self.fees]
        return tuple(dict.fromkeys(urls))

    def explain(self) -> str:
        """Plain-text arithmetic: one line per component and fee, the total, flags, sources."""
        head = f"{self.resolved_model}"
        if self.model != self.resolved_model:
            head += f" (given as {self.model!r})"
        out = [f"{head}, prices of {self.at.isoformat()} (UTC), USD per million tokens (MTok)"]
        srcs = {s: i + 1 for i, s in enumerate(self.sources)}
        current: int | None = None
        subtotal = Decimal(0)
        for ln in self.lines:
            indent = "  "
            if ln.iteration is not None:
                indent = "    "
                if ln.iteration != current:
                    if current is not None:
                        out.append(f"    {'subtotal':<15} ${usd_str(subtotal)}")
                    current, subtotal = ln.iteration, Decimal(0)
                    out.append(f"  iteration {ln.iteration} ({ln.iteration_type}, {ln.model}):")
                subtotal += ln.usd
            ref = f" [{srcs[ln.source]}]" if ln.source in srcs else ""
            out.append(
                f"{indent}{_LABEL.get(ln.component, ln.component):<15} {ln.formula()}"
                f"   ({', '.join(ln.rules)}){ref}"
            )
        if current is not None:
            out.append(f"    {'subtotal':<15} ${usd_str(subtotal)}")
        for fee in self.fees:
            label = fee.kind.replace("_", " ")
            out.append(
                f"  {label:<15} {fee.formula()}   (fee, no multipliers) [{srcs[fee.source]}]"
            )
        if not self.lines and not self.fees:
            out.append("  (no billable tokens)")
        bound = "" if self.complete else "  (lower bound: some tokens have no rate)"
        out.append(f"  {'total':<15} ${usd_str(self.total)}{bound}")
        if self.basis:
            out.append("rate rows:")
            out.extend(f"  {b}" for b in self.basis)
        if self.flags:
            out.append("flags:")
            out.extend(f"  ! {f.code}: {f.message}" for f in self.flags)
        if srcs:
            out.append("sources:")
            out.extend(f"  [{i}] {s}" for s, i in srcs.items())
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: money and rates as decimal strings, dates ISO."""
        return {
            "model": self.model,
            "resolved_model": self.resolved_model,
            "at": self.at.isoformat(),
            "total_usd": usd_str(self.total),
            "complete": self.complete,
            "lines": [ln.to_dict() for ln in self.lines],
            "fees": [f.to_dict() for f in self.fees],
            "flags": [{"code": f.code, "message": f.message} for f in self.flags],
            "basis": list(self.basis),
            "sources": list(self.sources),
        }

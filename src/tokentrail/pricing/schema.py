"""The strict schema of a price file (``pricing/data/claude.toml`` and user overrides).

Every table forbids unknown keys. Rates are USD per million tokens (MTok), written as quoted
decimal strings (``input = "3.75"``): a TOML float or int is rejected with a message telling the
editor to quote it, because a binary float cannot hold most decimal prices exactly. Dates are UTC
calendar days (TOML local dates or ``"YYYY-MM-DD"`` strings); windows are inclusive on both ends
and ``effective_to`` absent means "still in force".

Cross-row rules (overlapping windows, unknown model ids) are checked by
:mod:`tokentrail.pricing.catalog`, which also turns every validation error into a
:class:`~tokentrail.errors.CatalogError` naming the file, the model and the key.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "COMPONENTS",
    "TIER_KINDS",
    "BatchModifier",
    "CacheTtlModifier",
    "Confidence",
    "DataResidencyModifier",
    "FeeModifier",
    "ModelSpec",
    "Modifiers",
    "Notice",
    "RateRow",
    "RowKind",
    "row_group",
]

#: The token components of a price, in display order.
COMPONENTS: tuple[str, ...] = ("input", "cache_write_5m", "cache_write_1h", "cache_read", "output")

Confidence = Literal["verified", "secondary", "uncertain"]
RowKind = Literal[
    "standard",
    "price_history",
    "long_context_legacy",
    "prompt_tier",
    "fast",
    "fast_long_context",
]
#: Row kinds chosen only when the prompt is above ``above_prompt_tokens``.
TIER_KINDS: frozenset[str] = frozenset({"long_context_legacy", "prompt_tier", "fast_long_context"})

_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _rate(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError('a rate must be a quoted decimal string such as "3.75"')
    if isinstance(value, (float, int)):
        raise ValueError(
            f'rate {value!r} must be a quoted decimal string: write "{value}" '
            "(TOML floats are binary and cannot hold most prices exactly)"
        )
    if not isinstance(value, str) or not _DECIMAL.match(value.strip()):
        raise ValueError(f'rate {value!r} must be a non-negative decimal string such as "3.75"')
    return Decimal(value.strip())


def _day(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{value!r} must be a calendar day (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} must be a calendar day written YYYY-MM-DD")


def _url(value: object) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value.strip()):
        raise ValueError(f"{value!r} must be an http(s) URL")
    return value.strip()


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{value!r} must be a positive whole number of tokens")
    return value


#: USD per MTok (or USD per request for fees), parsed from a quoted decimal string.
Rate = Annotated[Decimal, BeforeValidator(_rate)]
#: A UTC calendar day.
Day = Annotated[date, BeforeValidator(_day)]
#: A source URL (required on every row).
Url = Annotated[str, BeforeValidator(_url)]
#: A positive token count.
Tokens = Annotated[int, BeforeValidator(_count)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSpec(_Strict):
    """One model: its canonical id, other names and lifecycle dates (UTC days)."""

    id: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    family: str
    context_window: Tokens
    released: Day
    deprecated: Day | None = None
    retired: Day | None = None
    status: str = ""
    dates_confidence: Confidence = "verified"
    note: str | None = None


class RateRow(_Strict):
    """One dated rate row: USD per MTok for each component, from a source.

    A component left out (``None``) has no price: tokens of that kind are reported as unpriced.
    ``above_prompt_tokens`` is required on tier kinds and forbidden on the others: the row is
    chosen when input + cache writes + cache reads is strictly above it.
    """

    model: str
    kind: RowKind
    effective_from: Day
    effective_to: Day | None = None
    above_prompt_tokens: Tokens | None = None
    input: Rate | None = None
    output: Rate | None = None
    cache_write_5m: Rate | None = None
    cache_write_1h: Rate | None = None
    cache_read: Rate | None = None
    source: Url
    sources_extra: tuple[Url, ...] = ()
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RateRow:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_from {self.effective_from} is after effective_to {self.effective_to}"
            )
        if self.kind in TIER_KINDS and self.above_prompt_tokens is None:
            raise ValueError(f"a {self.kind} row needs above_prompt_tokens")
        if self.kind not in TIER_KINDS and self.above_prompt_tokens is not None:
            raise ValueError(f"above_prompt_tokens is not allowed on a {self.kind} row")
        given = [c for c in COMPONENTS if getattr(self, c) is not None]
        if self.kind == "price_history" and not given:
            raise ValueError("a price_history row must list at least one rate")
        if self.kind == "fast" and not given:
            return self  # fast mode exists but is unpriced
        if self.kind != "price_history" and (self.input is None or self.output is None):
            raise ValueError(f"a {self.kind} row needs at least input and output rates")
        return self

    def rate(self, component: str) -> Decimal | None:
        """USD per MTok for ``component`` (one of :data:`COMPONENTS`), or None if unpriced."""
        value: Decimal | None = getattr(self, component)
        return value

    @property
    def priced(self) -> bool:
        """False for a fast row that lists no rate at all (fast mode without a known price)."""
        return any(getattr(self, c) is not None for c in COMPONENTS)

    def holds(self, day: date) -> bool:
        """True when ``day`` lies inside the inclusive window."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def row_group(kind: str) -> str:
    """Kinds that must not overlap in time for one model share a group.

    At most one standard-speed tier row (legacy long context or prompt tier) and one fast tier
    row may be in force on any day.
    """
    if kind in ("long_context_legacy", "prompt_tier"):
        return "standard_tier"
    return kind


class BatchModifier(_Strict):
    """Message Batches: every token line is multiplied by ``multiplier``."""

    service_tier: str = "batch"
    multiplier: Rate
    source: Url
    confidence: Confidence


class DataResidencyModifier(_Strict):
    """US-only inference: token lines of the listed models are multiplied from a start day."""

    inference_geo: str = "us"
    multiplier: Rate
    effective_from: Day
    models: tuple[str, ...]
    source: Url
    confidence: Confidence


class FeeModifier(_Strict):
    """A per-request fee in USD (web search, web fetch); never multiplied."""

    usd_per_request: Rate
    source: Url
    confidence: Confidence


class CacheTtlModifier(_Strict):
    """From ``split_expected_from`` on, writes without a 5m/1h split are flagged."""

    split_expected_from: Day
    source: Url
    confidence: Confidence


class Modifiers(_Strict):
    """Every modifier the engine applies (all required once packaged and override are merged)."""

    batch: BatchModifier
    data_residency: DataResidencyModifier
    web_search: FeeModifier
    web_fetch: FeeModifier
    cache_ttl: CacheTtlModifier


class Notice(_Strict):
    """A dated open question: records that match get the flag ``code`` with ``message``.

    ``when``: ``any`` record; ``fast`` records; ``fast_above_prompt_tokens`` (fast and the prompt
    strictly above ``above_prompt_tokens``); ``cache_read`` (records with cache reads).
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    model: str
    effective_from: Day
    effective_to: Day
    when: Literal["any", "fast", "fast_above_prompt_tokens", "cache_read"]
    above_prompt_tokens: Tokens | None = None
    message: str
    source: Url

    @model_validator(mode="after")
    def _check(self) -> Notice:
        if self.effective_to < self.effective_from:
            raise ValueError("effective_from is after effective_to")
        if (self.when == "fast_above_prompt_tokens") != (self.above_prompt_tokens is not None):
            raise ValueError("above_prompt_tokens goes with when = 'fast_above_prompt_tokens'")
        return self

    def holds(self, day: date) -> bool:
        """True when ``day`` lies inside the inclusive window."""
        return self.effective_from <= day <= self.effective_to


def field_names(model: type[BaseModel]) -> frozenset[str]:
    """The keys a table of ``model`` may carry."""
    return frozenset(model.model_fields)


def describe_error(raw: Any, err: Any) -> str:
    """One line per pydantic error: ``key 'x': message``."""
    parts = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "(table)"
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"key {loc!r}: {msg}")
    return "; ".join(parts)

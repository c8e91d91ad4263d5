"""Hand-built usage records for the analysis tests (no content, tokens only)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tokentrail.types import AgentRef, UsageRecord, usage_from

#: A day on which claude-sonnet-4-6 has no long-context tier (legacy premium ended 2026-03-12).
T0 = datetime(2026, 11, 2, 9, 0, 0, tzinfo=timezone.utc)
MTOK = Decimal(10**6)

# Published list rates (USD / MTok) of claude-sonnet-4-6, written out as the oracle.
S_IN, S_W5, S_W1, S_RD, S_OUT = (
    Decimal("3"),
    Decimal("3.75"),
    Decimal("6"),
    Decimal("0.30"),
    Decimal("15"),
)


def it(
    kind: str,
    inp: int,
    out: int,
    *,
    read: int = 0,
    w5: int = 0,
    w1: int = 0,
    model: str | None = None,
) -> dict[str, Any]:
    """One iteration entry as the API sends it."""
    d: dict[str, Any] = {
        "type": kind,
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": w5 + w1,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
    }
    if model is not None:
        d["model"] = model
    return d


def usage(
    inp: int,
    out: int,
    *,
    read: int = 0,
    w5: int = 0,
    w1: int = 0,
    iterations: list[dict[str, Any]] | None = None,
    service_tier: str | None = None,
) -> dict[str, Any]:
    """A top-level usage dict."""
    d: dict[str, Any] = {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": w5 + w1,
        "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
    }
    if iterations is not None:
        d["iterations"] = iterations
    if service_tier is not None:
        d["service_tier"] = service_tier
    return d


def rec(
    u: dict[str, Any],
    *,
    at: float = 0.0,
    model: str = "claude-sonnet-4-6",
    session: str | None = "s1",
    agent: str | None = None,
    project: str | None = "/p",
    start: datetime = T0,
) -> UsageRecord:
    """A record ``at`` seconds after ``start``."""
    return UsageRecord(
        source="sdk",
        model=model,
        usage=usage_from(u),
        timestamp=start + timedelta(seconds=at),
        session_id=session,
        project=project,
        agent=AgentRef(agent) if agent else None,
    )

"""``UsageRecord``: tokentrail's envelope around one response's usage (not a wire type).

A record says *who used how many tokens, when, where*: source, ids, timestamp, model as
reported, the usage itself, and attribution (session, project, agent, git branch, client
version, tags, origin file and line). It **never** holds prompt or response content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Literal

from tokentrail.errors import UsageError
from tokentrail.types.beta import BetaUsage
from tokentrail.types.usage import Usage

__all__ = ["SOURCES", "AgentRef", "Origin", "Source", "UsageRecord"]

Source = Literal["claude_code", "sdk", "batch", "response"]
"""Where a record came from."""

SOURCES: frozenset[str] = frozenset({"claude_code", "sdk", "batch", "response"})
"""The valid values of :attr:`UsageRecord.source`."""


@dataclass(frozen=True, slots=True)
class AgentRef:
    """The (sub)agent that made the request: its id and its type (e.g. ``"general-purpose"``)."""

    id: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record was read: a file path and a **1-based** line number."""

    path: str
    line: int

    def __post_init__(self) -> None:
        if isinstance(self.line, bool) or not isinstance(self.line, int) or self.line < 1:
            raise UsageError(f"Origin.line must be an int >= 1 (1-based), got {self.line!r}")


def _frozen_tags(tags: Mapping[str, str] | None) -> Mapping[str, str]:
    try:
        items = dict(tags or {})
    except (TypeError, ValueError):
        raise UsageError(f"tags must be a mapping of str to str, got {tags!r}") from None
    for k, v in items.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise UsageError(f"tags must map str to str, got {k!r}: {v!r}")
    return MappingProxyType(dict(sorted(items.items())))


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageRecord:
    """One response's usage plus where it came from. Never prompt or response content.

    * ``source``: ``"claude_code"``, ``"sdk"``, ``"batch"`` or ``"response"``.
    * ``model``: the model id as reported (not normalised).
    * ``usage``: the wire usage (tokens).
    * ``timestamp``: must be timezone-aware (a naive datetime raises :class:`UsageError`); it
      is stored converted to UTC.
    * ``tags``: a read-only mapping (``MappingProxyType``, keys sorted) of str to str; any
      mapping is accepted and copied. Records compare by value and are hashable: the hash
      covers the envelope fields (ids, source, model, timestamp, tags), not the usage model.
    * ``origin``: file and 1-based line the record was read from, if any.
    """

    source: str
    model: str
    usage: Usage | BetaUsage
    timestamp: datetime
    message_id: str | None = None
    request_id: str | None = None
    session_id: str | None = None
    project: str | None = None
    agent: AgentRef | None = None
    git_branch: str | None = None
    client_version: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    origin: Origin | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise UsageError(f"source must be one of {sorted(SOURCES)}, got {self.source!r}")
        if not isinstance(self.model, str):
            raise UsageError(f"model must be a string, got {self.model!r}")
        if not isinstance(self.usage, (Usage, BetaUsage)):
            raise UsageError(f"usage must be a Usage or BetaUsage, got {type(self.usage).__name__}")
        ts = self.timestamp
        if not isinstance(ts, datetime):
            raise UsageError(f"timestamp must be a datetime, got {ts!r}")
        if ts.tzinfo is None or ts.tzinfo.utcoffset(ts) is None:
            raise UsageError(f"timestamp must be timezone-aware, got naive {ts.isoformat()}")
        object.__setattr__(self, "timestamp", ts.astimezone(timezone.utc))
        object.__setattr__(self, "tags", _frozen_tags(self.tags))

    def __hash__(self) -> int:
        return hash(
            (
                self.source,
                self.model,
                self.timestamp,
                self.message_id,
                self.request_id,
                self.session_id,
                tuple(self.tags.items()),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ISO-8601 UTC timestamp, the usage's ``to_dict(mode="json")``."""
        return {
            "source": self.source,
            "model": self.model,
            "usage": self.usage.to_dict(mode="json"),
            "usage_type": type(self.usage).__name__,
            "timestamp": self.timestamp.isoformat(),
            "message_id": self.message_id,
            "request_id": self.request_id,
            "session_id": self.session_id,
            "project": self.project,
            "agent": None if self.agent is None else {"id": self.agent.id, "type": self.agent.type},
            "git_branch": self.git_branch,
            "client_version": self.client_version,
            "tags": dict(self.tags),
            "origin": None
            if self.origin is None
            else {"path": self.origin.path, "line": self.origin.line},
        }

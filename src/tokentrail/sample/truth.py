"""Ground truth of a generated tree: what a correct reader must find (``.expected.json``).

Schema (``schema_version`` 1)::

    {"schema_version": 1, "generator": {...arguments...}, "rules": {...},
     "stats": {"bytes", "files", "lines", "usage_lines", "duplicate_stream_lines",
               "resumed_copy_lines", "sidechain_replay_lines", "malformed_lines",
               "sessions", "subagent_files", "workflow_files", "unique_messages"},
     "totals": TALLY,
     "days": {"YYYY-MM-DD": {"totals": TALLY, "models": {model: TALLY}}},
     "sessions": {sessionId: {"project", "first_timestamp", "last_timestamp", "days",
                              "totals": TALLY, "models": {model: TALLY}}},
     "malformed": [{"file", "line", "kind", "field"}]}

A TALLY holds the eight token counters of :data:`FIELDS` and ``messages``. Days are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIELDS", "RULES", "SCHEMA_VERSION", "Truth"]

SCHEMA_VERSION = 1
FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "ephemeral_5m_input_tokens",
    "ephemeral_1h_input_tokens",
    "web_search_requests",
    "web_fetch_requests",
)
RULES = {
    "dedup_key": "message.id + requestId",
    "authoritative_line": "the last line of a key: it is finished (stop_reason set) or, in "
    "subagent requests that never finished, has the largest output; earlier lines are streamed "
    "copies",
    "day": "UTC date of the authoritative line's timestamp",
    "synthetic": "'<synthetic>' lines have no requestId, a unique message.id and zero usage; "
    "each counts as one message under model '<synthetic>'",
    "cache_creation_input_tokens": "always ephemeral_5m_input_tokens + ephemeral_1h_input_tokens",
    "resumed_sessions": "a resumed session's file starts with copies of the original session's "
    "lines (same message.id, requestId and timestamp, the new sessionId); they count once, "
    "for the original session (whose id sorts first)",
    "sidechain_replays": "a /btw side question's file (subagents/, isSidechain) replays main "
    "messages with the same message.id and a new requestId: never counted; its own answer is",
    "malformed": "extra lines; never part of the totals",
}


def _tally() -> list[int]:
    return [0] * (len(FIELDS) + 1)


def _as_dict(t: list[int]) -> dict[str, int]:
    out = dict(zip(FIELDS, t, strict=False))
    out["messages"] = t[-1]
    return out


def _add(into: list[int], counts: tuple[int, ...]) -> None:
    for i, v in enumerate(counts):
        into[i] += v
    into[-1] += 1


@dataclass
class _Session:
    project: str
    totals: list[int] = field(default_factory=_tally)
    models: dict[str, list[int]] = field(default_factory=dict)
    days: set[str] = field(default_factory=set)
    first: str | None = None
    last: str | None = None


@dataclass
class Truth:
    """Counts kept while the tree is written."""

    days: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    sessions: dict[str, _Session] = field(default_factory=dict)
    malformed: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "bytes",
                "files",
                "lines",
                "usage_lines",
                "duplicate_stream_lines",
                "resumed_copy_lines",
                "sidechain_replay_lines",
                "subagent_files",
                "workflow_files",
            ),
            0,
        )
    )

    def session(self, sid: str, project_dir: str) -> None:
        """Register a session (it appears in the truth once it has a record)."""
        self.sessions.setdefault(sid, _Session(project_dir))

    def record(self, sid: str, model: str, timestamp: str, usage: dict[str, Any]) -> None:
        """Count one unique message (its authoritative line's usage and timestamp)."""
        cc = usage.get("cache_creation") or {}
        st = usage.get("server_tool_use") or {}
        counts = (
            usage["input_tokens"],
            usage["output_tokens"],
            usage["cache_creation_input_tokens"],
            usage["cache_read_input_tokens"],
            cc.get("ephemeral_5m_input_tokens", 0),
            cc.get("ephemeral_1h_input_tokens", 0),
            st.get("web_search_requests", 0),
            st.get("web_fetch_requests", 0),
        )
        day = timestamp[:10]
        _add(self.days.setdefault(day, {}).setdefault(model, _tally()), counts)
        s = self.sessions[sid]
        _add(s.totals, counts)
        _add(s.models.setdefault(model, _tally()), counts)
        s.days.add(day)
        if s.first is None or timestamp < s.first:
            s.first = timestamp
        if s.last is None or timestamp > s.last:
            s.last = timestamp

    def expected(self, generator: dict[str, Any]) -> dict[str, Any]:
        """The ``.expected.json`` document."""
        total = _tally()
        days: dict[str, Any] = {}
        for day in sorted(self.days):
            day_total = _tally()
            for t in self.days[day].values():
                for i, v in enumerate(t):
                    day_total[i] += v
                    total[i] += v
            models = {m: _as_dict(t) for m, t in sorted(self.days[day].items())}
            days[day] = {"totals": _as_dict(day_total), "models": models}
        sessions = {
            sid: {
                "project": s.project,
                "first_timestamp": s.first,
                "last_timestamp": s.last,
                "days": sorted(s.days),
                "totals": _as_dict(s.totals),
                "models": {m: _as_dict(t) for m, t in sorted(s.models.items())},
            }
            for sid, s in sorted(self.sessions.items())
            if s.totals[-1]
        }
        stats = dict(self.stats)
        stats.update(
            malformed_lines=len(self.malformed),
            sessions=len(sessions),
            unique_messages=total[-1],
        )
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": generator,
            "rules": RULES,
            "stats": stats,
            "totals": _as_dict(total),
            "days": days,
            "sessions": sessions,
            "malformed": self.malformed,
        }

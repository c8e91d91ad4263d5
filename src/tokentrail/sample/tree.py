"""A whole generated Claude Code tree: sessions over days and projects, and its truth.

Sessions start on working hours (several time zones, fewer at weekends), pick a project
(a few busy, many quiet), a model, a git branch, a Claude Code version (newer later in the
range) and a cache TTL. A session is turns of: a prompt, then requests and tool results
until the model stops (a compaction when the context is full). Along the way:

* ``Task`` calls run a subagent (``<session>/subagents/agent-<id>.jsonl`` with its
  ``.meta.json`` agent type), sometimes a workflow of several
  (``<session>/subagents/workflows/<runId>/agent-<id>.jsonl``);
* ``/btw`` side questions write a sidechain file that replays recent main messages (same
  ``message.id``, new ``requestId``) before its own answer;
* some sessions are resumed later: a new session file that starts with copies of the
  original's lines, then goes on;
* rare ``<synthetic>`` API-error lines, ``summary`` and ``file-history-snapshot`` lines.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from tokentrail.sample.files import Planter, Transcript
from tokentrail.sample.requests import (
    HAIKU,
    TOOL_WEIGHTS,
    TOOLS,
    Requests,
    Session,
    Thread,
    ToolCall,
    iso,
    lognormal,
)
from tokentrail.sample.text import TextPool
from tokentrail.sample.truth import Truth

__all__ = ["TreeSpec", "write_tree"]

# Main-thread models, as cards of a deck dealt to sessions (reshuffled when used up): the
# mix holds even in small trees, and the first two sessions get the two busiest models.
_DECK = (
    ("claude-opus-4-5-20251101", 4),
    ("claude-sonnet-4-5-20250929", 4),
    ("claude-haiku-4-5-20251001", 1),
    ("claude-opus-4-1-20250805", 1),
    ("claude-sonnet-4-20250514", 1),
)
_BRANCHES = ("main", "main", "main", "develop", "feat/checkout", "fix/cache-ttl", "feat/export")
_PROJECTS = (
    "shop",
    "api-gateway",
    "ml_pipeline",
    "billing.service",
    "infra",
    "docs-site",
    "mobile-app",
    "auth-server",
    "search.index",
    "data-warehouse",
    "cli-tools",
    "notebooks",
    "payments",
    "scratch",
    "website",
)
_USERS = ("alice", "dev", "sam")
_AGENTS = ("Explore", "general-purpose", "Plan", "code-reviewer")
_WORKFLOW_AGENTS = ("planner", "implementer", "test-runner", "reviewer")
_VERSIONS = tuple(f"2.1.{n}" for n in range(4, 64))
_DAY = 86_400_000


@dataclass(frozen=True)
class TreeSpec:
    """What to generate. Same spec, same bytes."""

    size: int = 100_000_000  # approximate bytes of JSONL
    seed: int = 1
    projects: int = 8
    days: int = 30
    start: date = date(2026, 1, 1)  # first UTC day
    malformed_rate: float = 0.0  # float ok: probability of a bad line after each line
    dup_rate: float = 0.3  # float ok: share of streamed extra lines among usage lines
    until: datetime | None = None  # no line after this time (sessions stop short of it)
    active: bool = False  # with ``until``: the last session ran in the two hours before it
    turns: int = 9  # median prompts per session
    rounds: int = 7  # median requests per prompt (tool calls and their results between)


def escape(cwd: str) -> str:
    """Claude Code's project folder name for a working directory (lossy)."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


class _Tree:
    def __init__(self, root: Path, spec: TreeSpec) -> None:
        self.root = root
        self.spec = spec
        self.rng = rng = random.Random(spec.seed)
        self.planter = Planter(random.Random(spec.seed * 31 + 7), spec.malformed_rate)
        self.truth = Truth()
        self.req = Requests(rng, TextPool(spec.seed * 7919 + 17), self.truth, spec.dup_rate)
        start = datetime(spec.start.year, spec.start.month, spec.start.day, tzinfo=timezone.utc)
        self.t0 = int(start.timestamp()) * 1000
        self.until = int(spec.until.timestamp() * 1000) if spec.until else None
        self.deck: list[str] = []
        self.dealt = 0
        names = list(_PROJECTS)
        rng.shuffle(names)
        self.projects: list[tuple[str, float]] = []  # (cwd, weight)
        for i in range(spec.projects):
            name = names[i % len(names)] + (f"-{i // len(names)}" if i >= len(names) else "")
            cwd = f"/home/{rng.choice(_USERS)}/src/{name}"
            self.projects.append((cwd, rng.paretovariate(1.3)))

    def deal(self) -> str:
        """The next session's model."""
        if not self.deck:
            cards = [m for m, n in _DECK for _ in range(n)]
            self.rng.shuffle(cards)
            if not self.dealt:  # the first two: the busiest models, in either order
                busy = [m for m, _ in _DECK[:2]]
                self.rng.shuffle(busy)
                for m in busy:
                    cards.remove(m)
                cards = busy + cards
            self.deck = cards[::-1]
        self.dealt += 1
        return self.deck.pop()

    # -- planning -------------------------------------------------------------------------
    def starts(self) -> list[int]:
        rng, spec = self.rng, self.spec
        weekday0 = spec.start.weekday()
        plan: list[int] = []
        for _ in range(3 * max(2 * spec.days, spec.size // 350_000 + 10)):
            day = rng.randrange(spec.days)
            if (weekday0 + day) % 7 >= 5 and rng.randrange(5) < 3:
                continue
            utc_offset = rng.choice((-8, -5, 0, 1, 9))
            hour = min(23.9, max(0.0, rng.gauss(14.0, 3.5))) - utc_offset  # float ok: hours
            at = self.t0 + day * _DAY + int(hour * 3_600_000) + rng.randrange(3_600_000)
            if self.until is None or at < self.until - 1_800_000:
                plan.append(at)
        rng.shuffle(plan)
        if self.until is not None and self.spec.active:  # a session in the last two hours,
            at = self.until - rng.randrange(30, 110) * 60_000
            midnight = self.until - self.until % _DAY
            if self.until - midnight > 1_200_000:  # today's, unless the day is very young
                at = max(at, midnight + 60_000)
            plan.insert(0, at)
        return plan

    def run(self) -> dict[str, Any]:
        for at in self.starts():
            if self.truth.stats["bytes"] >= self.spec.size:
                break
            self.session(at)
        return self.truth.expected(self.generator())

    def generator(self) -> dict[str, Any]:
        s = self.spec
        return {
            "name": "tokentrail.sample",
            "seed": s.seed,
            "size": s.size,
            "projects": s.projects,
            "days": s.days,
            "start": s.start.isoformat(),
            "malformed_rate": s.malformed_rate,
            "dup_rate": s.dup_rate,
            "until": s.until.isoformat() if s.until else None,
            "active": s.active,
            "turns": s.turns,
            "rounds": s.rounds,
        }

    def late(self, ms: int) -> bool:
        return self.until is not None and ms > self.until - 600_000

    # -- threads --------------------------------------------------------------------------
    def transcript(self, rel: str) -> Transcript:
        return Transcript(rel, self.planter, self.truth)

    def loop(self, th: Thread, new: int, max_requests: int) -> None:
        """Requests and tool results until the model answers without tools."""
        rng = self.rng
        for n in range(1, max_requests + 1):
            tools: list[ToolCall] = []
            if n < max_requests and rng.randrange(100) < 86 and not self.late(th.t):
                count = 1 + (rng.randrange(4) == 0) + (rng.randrange(12) == 0)
                names = rng.choices(TOOLS, TOOL_WEIGHTS, k=count)
                tools = [self.req.tool(th, name) for name in names]
                if th.may_spawn and rng.randrange(20) == 0:
                    tools[-1] = self.task_call(th)
            self.req.request(th, new, tools)
            if not tools:
                return
            for c in tools:
                if c.name == "Task":
                    self.spawn(th, c)
            new = th.pending + self.req.tool_results(th, tools)
            th.pending = 0
            if th.context + new > th.limit:
                new = self.compact(th)

    def compact(self, th: Thread) -> int:
        rng = self.rng
        line = self.req.envelope(th, "system", th.t)
        line.update(
            subtype="compact_boundary",
            content="Conversation compacted",
            isMeta=False,
            level="info",
            compactMetadata={"trigger": "auto", "preTokens": th.context},
            logicalParentUuid=th.parent,
            parentUuid=None,
        )
        self.req.put(th, line)
        th.t += rng.randrange(20_000, 90_000)
        summary = (
            "This session is being continued from a previous conversation that ran out of "
            "context. The conversation is summarized below:\n"
            + self.req.pool.take(rng, lognormal(rng, 8000, 0.5, 1500, 36_000))
        )
        added = self.req.prompt(th, summary, isCompactSummary=True, isVisibleInTranscriptOnly=True)
        th.context = th.base
        return added

    def task_call(self, th: Thread) -> ToolCall:
        rng, take = self.rng, self.req.pool.take
        args: dict[str, Any] = {
            "description": take(rng, 28).strip() or "subtask",
            "prompt": take(rng, lognormal(rng, 800, 0.7, 80, 6000)),
            "subagent_type": rng.choice(_AGENTS),
        }
        if rng.randrange(4) == 0:
            args["workflow"] = rng.choice(("implement-and-review", "plan-build-test"))
        return ToolCall("toolu_01" + self.req.token(22), "Task", args)

    def spawn(self, th: Thread, call: ToolCall) -> None:
        """Run a ``Task`` call's subagent (or workflow of subagents); fill in its result."""
        rng, s = self.rng, th.session
        folder = f"projects/{s.project_dir}/{s.sid}/subagents"
        if "workflow" in call.input:
            run_id = "wf_" + self.req.token(12)
            kinds = _WORKFLOW_AGENTS[: rng.randrange(2, 5)]
            ids = [self.agent(th, f"{folder}/workflows/{run_id}", k, call) for k in kinds]
            self.truth.stats["workflow_files"] += len(ids)
        else:
            ids = [self.agent(th, folder, call.input["subagent_type"], call)]
            self.truth.stats["subagent_files"] += 1
        call.result = self.req.pool.take(rng, lognormal(rng, 2000, 0.8, 80, 16_000))
        call.result += "\n\nagentId: " + ids[-1]
        call.detail = {
            "status": "completed",
            "prompt": call.input["prompt"],
            "agentId": ids[-1],
            "content": [{"type": "text", "text": call.result}],
            "totalDurationMs": rng.randrange(5000, 600_000),
            "totalTokens": rng.randrange(4000, 90_000),
            "totalToolUseCount": rng.randrange(1, 40),
        }

    def agent(self, parent: Thread, folder: str, kind: str, call: ToolCall) -> str:
        rng = self.rng
        agent_id = "a" + f"{rng.getrandbits(64):016x}"
        model = HAIKU if kind == "Explore" or rng.randrange(10) < 3 else parent.model
        out = self.transcript(f"{folder}/agent-{agent_id}.jsonl")
        th = Thread(
            out,
            parent.session,
            model,
            parent.t + rng.randrange(500, 3000),
            parent.ttl,
            rng.randrange(6000, 14_000),
            150_000,
            sidechain=True,
            agent_id=agent_id,
        )
        new = th.base + self.req.prompt(th, call.input["prompt"])
        self.loop(th, new, rng.randrange(3, 26))
        out.save(self.root)
        meta = {"agentType": kind, "spawnDepth": 1, "model": model}
        (self.root / folder / f"agent-{agent_id}.meta.json").write_text(json.dumps(meta))
        parent.t = th.t + rng.randrange(200, 2000)
        return agent_id

    def side_question(self, th: Thread) -> None:
        """``/btw``: a sidechain file replaying recent main messages, then its own answer."""
        rng, s = self.rng, th.session
        agent_id = f"{rng.getrandbits(32):08x}"
        out = self.transcript(f"projects/{s.project_dir}/{s.sid}/subagents/agent-{agent_id}.jsonl")
        side = replace(th, out=out, sidechain=True, agent_id=agent_id, may_spawn=False)
        side.parent = None
        for old in s.recent[-rng.randrange(1, 4) :]:
            copy = json.loads(json.dumps(old))
            copy.update(isSidechain=True, agentId=agent_id, uuid=self.req.uuid())
            copy["requestId"] = "req_011C" + self.req.token(18)
            copy["parentUuid"] = side.parent
            self.req.put(side, copy)
            out.usage_lines += 1
            self.truth.stats["usage_lines"] += 1
            self.truth.stats["sidechain_replay_lines"] += 1
        side.t = th.t
        new = self.req.prompt(side, self.req.pool.take(rng, lognormal(rng, 160, 0.8, 10, 1500)))
        self.req.request(side, new, [])
        out.save(self.root)
        th.t = side.t + rng.randrange(1000, 30_000)

    # -- sessions -------------------------------------------------------------------------
    def new_session(self, at: int, sid: str | None = None, like: Session | None = None) -> Session:
        rng = self.rng
        if like is not None:
            cwd, branch = like.cwd, like.branch
        else:
            cwd = rng.choices([p for p, _ in self.projects], [w for _, w in self.projects])[0]
            branch = rng.choice(_BRANCHES)
        share = (at - self.t0) / max(1, self.spec.days * _DAY)  # float ok: a fraction
        vi = min(len(_VERSIONS) - 1, max(0, int(share * len(_VERSIONS)) + rng.randrange(-3, 2)))
        s = Session(
            sid or self.req.uuid(),
            cwd,
            escape(cwd),
            _VERSIONS[vi],
            branch,
            geo=vi >= 30,
            filled=rng.randrange(3) == 0,
            iterations=vi >= 45,
        )
        self.truth.session(s.sid, s.project_dir)
        return s

    def session(self, at: int) -> None:
        rng = self.rng
        s = self.new_session(at)
        out = self.transcript(f"projects/{s.project_dir}/{s.sid}.jsonl")
        model = self.deal()
        ttl = rng.choices(("5m", "1h", "mixed"), (55, 30, 15))[0]
        th = Thread(out, s, model, at, ttl, rng.randrange(14_000, 26_000), 160_000, may_spawn=True)
        for _ in range(rng.randrange(3) if rng.randrange(10) < 3 else 0):
            text = self.req.pool.take(rng, rng.randrange(20, 70)).strip() or "Session"
            out.emit({"type": "summary", "summary": text, "leafUuid": self.req.uuid()})
        # small trees get shorter sessions: more of them, so more projects, models and days
        median = min(self.spec.turns, max(2, self.spec.size // 200_000))
        self.turns(th, th.base, lognormal(rng, median, 0.8, 1, 80))
        out.save(self.root)
        if rng.randrange(100) < 8 and out.usage_lines and not self.late(th.t):
            self.resume(th)

    def turns(self, th: Thread, new: int, count: int) -> None:
        rng = self.rng
        for turn in range(count):
            if self.late(th.t):
                break
            if turn and rng.randrange(33) == 0:  # /model
                th.model = rng.choice([m for m, _ in _DECK if m != th.model])
            mid = self.req.uuid()
            th.out.emit(
                {
                    "type": "file-history-snapshot",
                    "messageId": mid,
                    "snapshot": {
                        "messageId": mid,
                        "trackedFileBackups": {},
                        "timestamp": iso(th.t),
                    },
                    "isSnapshotUpdate": False,
                }
            )
            text = self.req.pool.take(rng, lognormal(rng, 240, 1.2, 4, 10_000)).strip()
            new += self.req.prompt(th, text or "go on") + th.pending
            th.pending = 0
            self.loop(th, new, lognormal(rng, self.spec.rounds, 0.9, 1, 60))
            new = 0
            if th.session.recent and rng.randrange(40) == 0 and not self.late(th.t):
                self.side_question(th)
            pause = rng.randrange(100)
            th.t += (
                rng.randrange(5_000, 120_000)
                if pause < 70
                else rng.randrange(120_000, 1_800_000)
                if pause < 95
                else rng.randrange(1_800_000, 7_200_000)
            )
            written = self.truth.stats["bytes"] + th.out.size
            if turn % 4 == 3 and written > self.spec.size * 1.02:  # float ok: a margin
                break

    def resume(self, th: Thread) -> None:
        """A later session that starts with copies of ``th``'s lines, then goes on."""
        rng, old = self.rng, th.session
        at = th.t + rng.randrange(600_000, 2 * _DAY)
        if self.late(at):
            return
        sid = self.req.uuid()
        while sid <= old.sid:  # the original's id sorts first: its copies keep the credit
            sid = self.req.uuid()
        s = self.new_session(at, sid, like=old)
        out = self.transcript(f"projects/{s.project_dir}/{s.sid}.jsonl")
        mark, repl = f'"sessionId":"{old.sid}"', f'"sessionId":"{s.sid}"'
        for line in th.out.good:
            out.add(line.replace(mark, repl))
        out.usage_lines += th.out.usage_lines
        self.truth.stats["usage_lines"] += th.out.usage_lines
        self.truth.stats["resumed_copy_lines"] += th.out.usage_lines
        new_th = replace(th, out=out, session=s, t=at)
        self.turns(new_th, th.pending, lognormal(rng, 5, 0.8, 1, 30))
        out.save(self.root)


def write_tree(root: Path, spec: TreeSpec | None = None) -> dict[str, Any]:
    """Write a generated tree under ``root`` (``root/projects/...``) and its truth
    ``root/.expected.json``; return the truth."""
    spec = spec or TreeSpec()
    root.mkdir(parents=True, exist_ok=True)
    truth = _Tree(root, spec).run()
    with open(root / ".expected.json", "w", encoding="utf-8") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")
    return truth

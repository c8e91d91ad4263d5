"""Read usage from sources into records: Claude Code transcripts today.

* :func:`claude_roots` / :func:`discover_claude_files` find transcript files (main,
  subagent, workflow and legacy layouts; agent types from ``.meta.json`` sidecars).
* :func:`parse_block` decodes complete lines into :class:`CCRecord` rows and
  :class:`Problem` rows (bad lines are reported, never raised, never silent).
* :func:`plan_read` / :func:`iter_blocks` read files incrementally from a
  :class:`FileCheckpoint`.
* :func:`is_better` is the dedup rule; :func:`to_usage_record` gives the public
  :class:`tokentrail.types.UsageRecord`.

Storing, deduplicating across runs and reporting is the ledger's job
(:mod:`tokentrail.ledger`). This layer imports only ``types``, ``errors`` and ``_money``.
"""

from __future__ import annotations

from tokentrail._lazy import lazy_attributes

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from tokentrail.ingest.claude_code import UsageCounts, decode_usage, parse_block
    from tokentrail.ingest.discover import (
        FoundFile,
        SourceFile,
        classify,
        claude_roots,
        discover_claude_files,
        find_claude_files,
        read_agent_type,
        roots_from_paths,
    )
    from tokentrail.ingest.reader import Block, FileCheckpoint, ReadStart, iter_blocks, plan_read
    from tokentrail.ingest.records import (
        SOURCE_CLAUDE_CODE,
        SYNTHETIC_MODEL,
        CCRecord,
        Problem,
        is_better,
        to_usage_record,
    )

# Names are imported on first use (PEP 562): a report that only reads the ledger never
# loads the transcript decoder.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("UsageCounts", "decode_usage", "parse_block"), "claude_code"),
    **dict.fromkeys(
        (
            "FoundFile",
            "SourceFile",
            "classify",
            "claude_roots",
            "discover_claude_files",
            "find_claude_files",
            "read_agent_type",
            "roots_from_paths",
        ),
        "discover",
    ),
    **dict.fromkeys(("Block", "FileCheckpoint", "ReadStart", "iter_blocks", "plan_read"), "reader"),
    **dict.fromkeys(
        (
            "SOURCE_CLAUDE_CODE",
            "SYNTHETIC_MODEL",
            "CCRecord",
            "Problem",
            "is_better",
            "to_usage_record",
        ),
        "records",
    ),
}


__getattr__, __dir__ = lazy_attributes(
    __name__, {name: f"tokentrail.ingest.{module}" for name, module in _LAZY.items()}, globals()
)


__all__ = [
    "SOURCE_CLAUDE_CODE",
    "SYNTHETIC_MODEL",
    "Block",
    "CCRecord",
    "FileCheckpoint",
    "FoundFile",
    "Problem",
    "ReadStart",
    "SourceFile",
    "UsageCounts",
    "classify",
    "claude_roots",
    "decode_usage",
    "discover_claude_files",
    "find_claude_files",
    "is_better",
    "iter_blocks",
    "parse_block",
    "plan_read",
    "read_agent_type",
    "roots_from_paths",
    "to_usage_record",
]

"""Fixed identifiers of ingested records (standard library only, so reports can name them
without loading the record decoder)."""

from __future__ import annotations

__all__ = ["SOURCE_CLAUDE_CODE", "SYNTHETIC_MODEL"]

#: ``UsageRecord.source`` of records read from Claude Code transcripts.
SOURCE_CLAUDE_CODE = "claude_code"
#: The model id Claude Code writes on locally made-up messages (errors, limits): never priced.
SYNTHETIC_MODEL = "<synthetic>"

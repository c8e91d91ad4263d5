"""Seeded, realistic Claude Code log trees with their ground truth (stdlib only).

:func:`write_tree` writes ``ROOT/projects/<escaped-cwd>/...`` as Claude Code does (main
transcripts, subagents with ``.meta.json`` sidecars, workflow subagents, streamed copies of
one response, ``/btw`` sidechain replays, resumed-session copies, ``<synthetic>`` lines,
compactions and, on request, malformed lines) plus ``ROOT/.expected.json``: the token totals
per UTC day, model and session a correct reader finds, and every planted bad line (schema in
:mod:`tokentrail.sample.truth`). ``tokentrail demo``, the tests and the benchmarks use it;
``python -m tokentrail.sample OUT --size 100MB --seed 1`` runs it as a program. Same
arguments, same bytes. Contents are filler text, never real conversations.
"""

from __future__ import annotations

from tokentrail.sample.command import main, parse_size
from tokentrail.sample.tree import TreeSpec, write_tree

__all__ = ["TreeSpec", "main", "parse_size", "write_tree"]

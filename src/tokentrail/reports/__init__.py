"""Reports: renderer-agnostic report objects built from the ledger, and their renderers.

* :func:`build_report` (kind, :class:`ReportOptions`) → :class:`Report` of
  :class:`ReportRow` — daily, weekly, monthly, session, project, model, blocks (5-hour
  windows), agent (subagent type) and branch (git branch); exact Decimal money, int tokens.
* Renderers: :func:`render_table` (rich, width-responsive), :func:`render_json` /
  :func:`report_to_dict` (schema ``SCHEMA_VERSION``), :func:`render_csv` (formula-injection
  safe), :func:`write_parquet` (extra ``tokentrail[parquet]``). The JSON, CSV and Parquet
  of one report hold the same numbers (:func:`flat_rows` feeds CSV and Parquet).
* :func:`statusline` — one short line for a shell prompt.
"""

from __future__ import annotations

from tokentrail._lazy import lazy_attributes

TYPE_CHECKING = False  # typing's constant without importing typing (~10 ms a run)
if TYPE_CHECKING:
    from tokentrail.reports.blocks import Block, identify_blocks
    from tokentrail.reports.build import (
        ReportOptions,
        build_report,
        resolve_models,
        resolve_project,
    )
    from tokentrail.reports.fields import FIELD_NAMES, flat_rows, totals_fields, usd_str
    from tokentrail.reports.model import KINDS, SCHEMA_VERSION, Report, ReportRow
    from tokentrail.reports.render_csv import render_csv
    from tokentrail.reports.render_json import render_json, report_to_dict
    from tokentrail.reports.render_parquet import write_parquet

# Loaded on first use (PEP 562): the status line imports one submodule and must not pay
# for the ledger and the renderers.
_LAZY: dict[str, str] = {
    "Block": "tokentrail.reports.blocks",
    "identify_blocks": "tokentrail.reports.blocks",
    "ReportOptions": "tokentrail.reports.build",
    "build_report": "tokentrail.reports.build",
    "resolve_models": "tokentrail.reports.build",
    "resolve_project": "tokentrail.reports.build",
    "FIELD_NAMES": "tokentrail.reports.fields",
    "flat_rows": "tokentrail.reports.fields",
    "totals_fields": "tokentrail.reports.fields",
    "usd_str": "tokentrail.reports.fields",
    "KINDS": "tokentrail.reports.model",
    "SCHEMA_VERSION": "tokentrail.reports.model",
    "Report": "tokentrail.reports.model",
    "ReportRow": "tokentrail.reports.model",
    "render_csv": "tokentrail.reports.render_csv",
    "render_json": "tokentrail.reports.render_json",
    "report_to_dict": "tokentrail.reports.render_json",
    "write_parquet": "tokentrail.reports.render_parquet",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "FIELD_NAMES",
    "KINDS",
    "SCHEMA_VERSION",
    "Block",
    "Report",
    "ReportOptions",
    "ReportRow",
    "build_report",
    "flat_rows",
    "identify_blocks",
    "render_csv",
    "render_json",
    "report_to_dict",
    "resolve_models",
    "resolve_project",
    "totals_fields",
    "usd_str",
    "write_parquet",
]

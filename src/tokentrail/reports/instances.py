"""``daily --instances``: each day's usage per project (ccusage's ``--instances``).

JSON: the ``daily`` report as always, each day row with one more list, ``projects``: one
entry per project active that day, ``{"project": path, <fields>, "models": [ids],
"model_breakdowns": [...]}`` (the fields of a daily row), in project order. Table: one
row per day, then under it one row per project, keyed ``  └ project-name``.
"""

from __future__ import annotations

from typing import Any

from tokentrail.reports.build import ReportOptions, ReportSource, build_report
from tokentrail.reports.model import Report, ReportRow

__all__ = ["instances", "instances_dict", "instances_table_report"]


def instances(source: ReportSource, opts: ReportOptions) -> tuple[Report, dict[str, Report]]:
    """The daily report for ``opts`` and, per project (only ``opts.project`` when it is
    set), that project's daily report."""
    daily = build_report(source, "daily", opts)
    names = [opts.project] if opts.project is not None else source.distinct("project")
    per: dict[str, Report] = {}
    for name in sorted(names):
        rep = build_report(source, "daily", _with_project(opts, name))
        if rep.rows:
            per[name] = rep
    return daily, per


def _with_project(opts: ReportOptions, project: str) -> ReportOptions:
    return ReportOptions(
        tz=opts.tz,
        since=opts.since,
        until=opts.until,
        project=project,
        models=opts.models,
        order=opts.order,
        start_of_week=opts.start_of_week,
        now_ms=opts.now_ms,
        filters=opts.filters,
        session_id=opts.session_id,
    )


def instances_dict(daily: Report, per: dict[str, Report]) -> dict[str, Any]:
    """The JSON-ready dict (see the module doc)."""
    from tokentrail.reports.render_json import report_to_dict

    out = report_to_dict(daily)
    by_day: dict[str, list[dict[str, Any]]] = {}
    for name, rep in per.items():
        for row in report_to_dict(rep)["daily"]:
            day = row.pop("date")
            by_day.setdefault(day, []).append({"project": name, **row})
    for row in out["daily"]:
        row["projects"] = by_day.get(row["date"], [])
    return out


def instances_table_report(daily: Report, per: dict[str, Report]) -> Report:
    """A ``daily`` report whose rows are each day followed by its projects (keyed
    ``  └ project-name``); the totals are the daily report's."""
    rows: list[ReportRow] = []
    for day in daily.rows:
        rows.append(day)
        for name, rep in per.items():
            for r in rep.rows:
                if r.key == day.key:
                    short = name.rstrip("/").rsplit("/", 1)[-1] or name
                    rows.append(replace_key(r, f"  └ {short}"))
    return Report("daily", rows, daily.totals, daily.models, daily.timezone, daily.filters)


def replace_key(r: ReportRow, key: str) -> ReportRow:
    """``r`` under another key."""
    return ReportRow(key, r.totals, r.models, r.extra)

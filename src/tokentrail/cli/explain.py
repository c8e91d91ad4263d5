"""``tokentrail explain ID``: one stored record's cost, line by line, and its price flags.

ID is a message id (``msg_...``) or a request id (``req_...``), whole or a prefix. The
ledger is read read-only (never created, migrated or changed). The record's stored usage is
priced again with the current catalog to show the arithmetic (the lines ``tokentrail price
--explain`` prints); the stored cost and flags are what every report counts, and when the
current catalog disagrees with them the output says so (``tokentrail reprice`` updates the
ledger). An ambiguous prefix lists the candidates (exit 2); no match is one line (exit 2).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click

from tokentrail.cli import cli
from tokentrail.cli.options import lock_timeout
from tokentrail.errors import TokentrailError
from tokentrail.ledger.lookup import LIMIT, StoredRecord, find_records, open_readonly
from tokentrail.ledger.totals import usd_from_pico
from tokentrail.reports.text import escape_controls

__all__ = ["explain_cmd"]


def _fail(message: str) -> NoReturn:
    click.echo(f"tokentrail: error: {message}", err=True)
    sys.exit(2)


def _iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)  # float ok: an instant
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _usd(pico: int | None) -> str | None:
    if pico is None:
        return None
    s = format(usd_from_pico(pico).normalize(), "f")
    return "0" if s in ("-0", "0") else s


def _reprice(rec: StoredRecord) -> tuple[Any, str | None]:
    """(the breakdown under the current catalog, or None; why not, or None)."""
    if rec.synthetic:
        return None, "a <synthetic> message (Claude Code's local placeholder): never billed"
    from tokentrail.pricing import load_catalog, price

    try:
        breakdown = price(
            rec.usage_json,
            model=rec.model,
            at=datetime.fromtimestamp(rec.ts_ms / 1000, tz=timezone.utc),  # float ok: instant
            catalog=load_catalog(),
            stop_reason=rec.stop_reason,
        )
    except (TokentrailError, ValueError, TypeError, LookupError) as exc:
        return None, f"cannot be priced: {exc}"
    return breakdown, None


def _drift(rec: StoredRecord, b: Any) -> str | None:
    """What the current catalog says differently from the stored cost and flags, if any."""
    if b is None or rec.cost_pico is None:
        return None
    stored_usd = usd_from_pico(rec.cost_pico)
    same_cost = b.total == stored_usd or abs(b.total - stored_usd) < Decimal("1e-12")
    # neither comes from the usage: rounding is the ledger's, a code container the response's
    stored = set(rec.flag_codes) - {"rounded_to_picodollar", "not_derivable_from_usage"}
    if same_cost and stored == set(b.flag_codes) - {"not_derivable_from_usage"}:
        return None
    return (
        f"the current catalog prices it ${b.total} with flags "
        f"{', '.join(b.flag_codes) or 'none'}: run `tokentrail reprice` to update the ledger"
    )


def _as_dict(rec: StoredRecord, b: Any, why: str | None) -> dict[str, Any]:
    return {
        "message_id": rec.message_id,
        "request_id": rec.request_id,
        "source": rec.source,
        "model": rec.model,
        "timestamp": _iso(rec.ts_ms),
        "session_id": rec.session_id,
        "project": rec.project,
        "file": rec.file,
        "line": rec.line,
        "synthetic": rec.synthetic,
        "stop_reason": rec.stop_reason,
        "cost_usd": _usd(rec.cost_pico),
        "flagged": bool(rec.price_flags) and rec.cost_pico is not None,
        "flags": list(rec.flag_codes),
        "breakdown": None if b is None else b.to_dict(),
        "note": why or _drift(rec, b),
    }


def _show(rec: StoredRecord, b: Any, why: str | None) -> None:
    safe = escape_controls
    ids = f"message {safe(rec.message_id or '-')}, request {safe(rec.request_id or '-')}"
    click.echo(f"Record {ids}")
    where = f"{safe(rec.file)}:{rec.line}" if rec.file else f"source {safe(rec.source)}"
    click.echo(f"  {safe(rec.model)} at {_iso(rec.ts_ms)}; session {safe(rec.session_id)}")
    click.echo(f"  project {safe(rec.project)}; from {where}")
    usd = _usd(rec.cost_pico)
    click.echo(f"Stored cost: {'unpriced' if usd is None else '$' + usd}")
    codes = rec.flag_codes
    if rec.cost_pico is not None and codes:
        click.echo(f"Flags (priced on an assumption): {', '.join(codes)}")
    elif codes:
        click.echo(f"Flags: {', '.join(codes)}")
    else:
        click.echo("Flags: none (an exact cost)")
    if b is not None:
        click.echo("")
        click.echo(b.explain())
    note = why or _drift(rec, b)
    if note:
        click.echo(f"Note: {note}")


def _find_local(path: Path, text: str) -> list[StoredRecord]:
    try:
        db = open_readonly(path, timeout=lock_timeout())
    except FileNotFoundError:
        _fail(f"no ledger at {escape_controls(path)} (run `tokentrail ingest` first)")
    except sqlite3.Error as exc:
        _fail(f"cannot read the ledger at {escape_controls(path)}: {exc}")
    try:
        return find_records(db, text)
    except sqlite3.Error as exc:
        _fail(f"cannot read the ledger at {escape_controls(path)}: {exc}")
    finally:
        db.close()


@cli.command("explain")
@click.argument("record_id", metavar="ID")
@click.option(
    "--json", "-j", "as_json", is_flag=True, help="Print JSON (money as decimal strings)."
)
@click.option("--ledger", "ledger_path", metavar="PATH", default=None, help="Ledger file.")
def explain_cmd(record_id: str, as_json: bool, ledger_path: str | None) -> None:
    """Explain one stored record's cost and price flags (message or request id, or a prefix)."""
    from tokentrail.ledger import resolve_ledger_path
    from tokentrail.ledger.clickhouse.url import ledger_url

    text = record_id.strip()
    if not text:
        _fail("ID is empty: give a message id (msg_...) or a request id (req_...)")
    url = ledger_url(ledger_path)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        with ClickHouseLedger(url) as team:
            found = team.find_records(text)
    else:
        found = _find_local(resolve_ledger_path(ledger_path), text)
    if not found:
        _fail(f"no record with message or request id {escape_controls(text)!s}")
    if len(found) > 1:
        more = " (and more)" if len(found) > LIMIT else ""
        click.echo(f"tokentrail: error: {escape_controls(text)} is ambiguous{more}:", err=True)
        for rec in found[:LIMIT]:
            click.echo(
                f"  {escape_controls(rec.message_id or '-')}  "
                f"{escape_controls(rec.request_id or '-')}  {_iso(rec.ts_ms)}  "
                f"{escape_controls(rec.model)}",
                err=True,
            )
        sys.exit(2)
    rec = found[0]
    b, why = _reprice(rec)
    if as_json:
        click.echo(json.dumps(_as_dict(rec, b, why), indent=2))
        return
    _show(rec, b, why)

"""Read commands never create a ledger, and say where they looked when nothing is there.

A report, ``context``, ``cache``, ``whatif`` or ``problems`` reads the ledger (after
ingesting the default Claude Code logs, unless ``--no-ingest``). When the ledger file does
not exist and there is nothing to ingest into it (``--no-ingest``, or no transcript under
the default log roots), :func:`reading_ledger` gives an empty scratch ledger in a
temporary folder instead of creating the user's (nor its directory): the command's
output keeps its shape (an empty JSON / CSV report), and a table command prints
:func:`nothing_recorded` (the ledger path and the log roots, like bare ``tokentrail``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from tokentrail.errors import LedgerError
from tokentrail.ledger import SQLiteLedger, open_ledger, resolve_ledger_path
from tokentrail.ledger.readonly import ReadOnlyLedger

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokentrail.ledger.clickhouse.store import ClickHouseLedger

__all__ = [
    "NO_MATCH", "looked_in", "nothing_recorded", "read_only", "reading_ledger",
    "reading_reports", "would_create",
]  # fmt: skip

#: What a command prints when filters were given and nothing matched them.
NO_MATCH = "No usage recorded for these filters."


def would_create(ledger_path: str | None, no_ingest: bool) -> bool:
    """Whether opening the ledger now would create a file with nothing to put in it: it
    does not exist and there is no Claude Code transcript to ingest (or ``no_ingest``)."""
    if resolve_ledger_path(ledger_path).exists():
        return False
    if no_ingest:
        return True
    from tokentrail.ingest.discover import claude_roots, discover_claude_files

    return not discover_claude_files(claude_roots(), with_agent_types=False)


def read_only(path: Path) -> bool:
    """Whether the ledger file exists and this process cannot write it (a read-only file,
    folder or file system: :func:`tokentrail.ledger.opening.writable`)."""
    from tokentrail.ledger.opening import writable

    return path.exists() and not writable(path)


@contextmanager
def reading_ledger(
    ledger_path: str | None,
    *,
    no_ingest: bool,
    timeout: float = 60.0,  # float ok: seconds
) -> Iterator[SQLiteLedger]:
    """The ledger to read (see the module doc): the user's, or an empty scratch one when
    opening the user's would only create an empty file. A ledger this process cannot
    write is one error line (reports read it with :func:`reading_reports`). A team ledger
    URL is one error line too (:func:`~tokentrail.ledger.open_ledger` says why)."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    if ledger_url(ledger_path) is not None:
        open_ledger(ledger_path)  # raises: this command reads the local ledger
    path = resolve_ledger_path(ledger_path)
    if read_only(path):
        raise LedgerError(f"ledger {path} is read-only: this command needs to write it")
    if not would_create(ledger_path, no_ingest):
        with open_ledger(ledger_path, timeout=timeout) as ledger:
            yield ledger
        return
    with (
        tempfile.TemporaryDirectory(prefix="tokentrail-empty-") as tmp,
        SQLiteLedger(Path(tmp) / "empty.sqlite3", timeout=timeout) as ledger,
    ):
        yield ledger


@contextmanager
def _read_only_ledger(path: Path, timeout: float) -> Iterator[ReadOnlyLedger]:  # float ok
    import sqlite3

    from tokentrail.ledger.opening import check_ledger
    from tokentrail.ledger.schema import migration_pending
    from tokentrail.ledger.uri import connect_readonly

    try:
        db = connect_readonly(str(path), timeout)
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot read ledger {path}: {exc}") from exc
    with ReadOnlyLedger(db) as ro:
        check_ledger(db, path)
        if migration_pending(db):
            raise LedgerError(
                f"ledger {path} is read-only and was written by an older tokentrail: open it "
                "once with write access to upgrade it"
            )
        yield ro


@contextmanager
def reading_reports(
    ledger_path: str | None,
    *,
    no_ingest: bool,
    timeout: float = 60.0,  # float ok: seconds
    machines: tuple[str, ...] = (),
    users: tuple[str, ...] = (),
) -> Iterator[SQLiteLedger | ReadOnlyLedger | ClickHouseLedger]:
    """:func:`reading_ledger` for the reports, which also read a ledger this process cannot
    write: opened read-only (a :class:`~tokentrail.ledger.readonly.ReadOnlyLedger`; the
    caller does not ingest into it), and a ClickHouse team ledger (a URL: reported as it
    is, never ingested into by a report)."""
    from tokentrail.ledger.clickhouse.url import ledger_url

    url = ledger_url(ledger_path)
    if url is not None:
        from tokentrail.ledger.clickhouse.store import ClickHouseLedger

        with ClickHouseLedger(url, machines=machines, users=users) as team:
            yield team
        return
    if machines or users:  # the local ledger holds the local identity's records only
        from tokentrail.ledger.clickhouse.identity import default_machine, default_user

        if (machines and default_machine() not in machines) or (
            users and default_user() not in users
        ):
            with (
                tempfile.TemporaryDirectory(prefix="tokentrail-empty-") as tmp,
                SQLiteLedger(Path(tmp) / "empty.sqlite3", timeout=timeout) as empty,
            ):
                yield empty
            return
    path = resolve_ledger_path(ledger_path)
    if read_only(path):
        with _read_only_ledger(path, timeout) as ro:
            yield ro
        return
    with reading_ledger(ledger_path, no_ingest=no_ingest, timeout=timeout) as ledger:
        yield ledger


def looked_in(ledger_path: str | None) -> str:
    """Where a read command looked: the ledger (and whether it exists) and the log roots."""
    from tokentrail.cli.ingest import safe
    from tokentrail.ingest.discover import claude_roots
    from tokentrail.ledger.clickhouse.url import ledger_url, parse_ledger_url

    url = ledger_url(ledger_path)
    if url is not None:  # the URL without its password
        shown = safe(parse_ledger_url(url).display)
        return f"No usage recorded. The team ledger {shown} holds none."
    path = resolve_ledger_path(ledger_path)
    state = "holds no usage" if path.exists() else "does not exist (nothing stored yet)"
    roots = "\n".join(f"  {safe(r)}" for r in claude_roots()) or "  (no candidate directory)"
    return (
        f"No usage recorded. The ledger {safe(path)} {state}.\n"
        f"Claude Code logs were looked for in:\n{roots}"
    )


def nothing_recorded(ledger_path: str | None, *, err: bool = False) -> None:
    """Print :func:`looked_in` (on stderr when ``err``: the output is JSON or CSV), and the
    ways to point tokentrail at logs on stderr."""
    click.echo(looked_in(ledger_path), err=err)
    click.echo(
        "Point it elsewhere with CLAUDE_CONFIG_DIR=/path/to/.claude, or read any folder or "
        ".jsonl file with: tokentrail ingest PATH...",
        err=True,
    )

"""``tokentrail ingest``, ``problems`` and ``reprice`` (reports: ``tokentrail.cli.reports``).

Exit codes: 0 success; 1 ``ingest`` finished but skipped bad lines this run (listed by
``tokentrail problems``) or paths it could not read (each named in a warning line on
stderr: a dangling ``*.jsonl`` symlink, a FIFO, a folder it cannot list); 2 a user error
(bad option, a path argument that is missing or not a transcript / folder, unusable
ledger), printed as one line on stderr.

JSON output: snake_case keys named after the API's usage fields; money as decimal
strings (exact, never float); token counts as ints. Text output escapes terminal control
characters and rich markup found in paths, model names and messages (logs are untrusted).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import click

from tokentrail.cli import cli
from tokentrail.cli.options import lock_timeout
from tokentrail.errors import UserInputError
from tokentrail.ingest.discover import (
    SkippedPath,
    roots_from_paths,
)
from tokentrail.ledger import (
    IngestSummary,
    LedgerStore,
    ingest_claude_code,
    open_ledger,
    open_store,
)
from tokentrail.reports.text import escape_controls

__all__ = ["ingest_cmd", "problems_cmd", "reprice_cmd"]

_ledger_option = click.option(
    "--ledger",
    "ledger_path",
    metavar="PATH",
    default=None,
    help="Ledger file (default: $TOKENTRAIL_LEDGER, else the platform data dir).",
)
_json_option = click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON on stdout.")


def safe(text: object) -> str:
    """``text`` with control and invisible characters escaped (never sent to the terminal
    as they are: :func:`tokentrail.reports.text.escape_controls`)."""
    return escape_controls(text)


def usd_str(value: Decimal) -> str:
    """Exact decimal string without exponent or trailing zeros (``"1.5366613"``, ``"0"``)."""
    s = format(value.normalize(), "f")
    return "0" if s in ("-0", "0") else s


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, emoji=False),
        transient=True,
    ) as bar:
        task = bar.add_task("ingesting", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _run_ingest(
    ledger: LedgerStore,
    roots: Sequence[Path] | None,
    quiet: bool = False,
    skipped: list[SkippedPath] | None = None,
) -> IngestSummary:
    with _progress(not quiet and sys.stderr.isatty()) as cb:
        return ingest_claude_code(ledger, roots, progress=cb, skipped=skipped)


def _human_bytes(n: int) -> str:
    size = float(n)  # float ok: bytes, for display
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


@cli.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path())
@_json_option
@_ledger_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary line.")
@click.option(
    "--source",
    type=click.Choice(["claude-code", "batch", "responses"]),
    default="claude-code",
    show_default=True,
    help="What PATHS hold: Claude Code logs, Message Batches results, or saved responses.",
)
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag added to records.")
@click.option(
    "--at",
    "at",
    metavar="DATETIME",
    default=None,
    help="With --source batch|responses: when the requests ran (ISO date or datetime, "
    "naive = UTC); records are dated and priced at it (default: the file's mtime).",
)
@click.option(
    "--push-to",
    "push_to_url",
    metavar="URL",
    default=None,
    help="After ingesting into the local ledger, push it to this team ledger (set it once "
    "in the config: [ingest] push-to = URL).",
)
@click.option(
    "--machine",
    metavar="NAME",
    default=None,
    help="Machine name written to a team ledger (default: host name).",
)
@click.option(
    "--user", metavar="NAME", default=None, help="User written to a team ledger (default: OS user)."
)
@click.pass_context
def ingest_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    as_json: bool,
    ledger_path: str | None,
    quiet: bool = False,
    source: str = "claude-code",
    tags: tuple[str, ...] = (),
    at: str | None = None,
    push_to_url: str | None = None,
    machine: str | None = None,
    user: str | None = None,
) -> None:
    """Read Claude Code logs into the ledger (only new bytes of known files).

    PATHS: config dirs, projects/ dirs, folders or .jsonl files; default: CLAUDE_CONFIG_DIR,
    else ~/.config/claude and ~/.claude. Exit code 1 when bad lines were skipped.
    With --source batch|responses, PATHS are results / response files (- = stdin).
    """
    if source != "claude-code" or tags or at is not None:
        from tokentrail.cli.sources import ingest_source, parse_at, parse_tags

        if source == "claude-code":
            opt = "--tag" if tags else "--at"
            raise UserInputError(f"{opt} applies to --source batch|responses only")
        ingest_source(
            ctx, source.replace("-", "_"), paths, as_json, ledger_path, parse_tags(tags),
            parse_at(at),
        )  # fmt: skip
        return
    roots: list[Path] | None = None
    if paths:
        for p in paths:
            _check_path(p)
        roots = roots_from_paths(paths)
    skipped: list[SkippedPath] = []
    with open_store(ledger_path, timeout=lock_timeout(), machine=machine, user=user) as ledger:
        s = _run_ingest(ledger, roots, quiet, skipped)
    if push_to_url:
        from tokentrail.cli.push import push_to

        sent = push_to(push_to_url, ledger_path, machine=machine, user=user, quiet=quiet)
        if not quiet and not as_json:
            click.echo(f"pushed {sent['records']} records to {safe(str(sent['target']))}", err=True)
    for sk in skipped:
        click.echo(f"tokentrail: warning: {safe(sk.path)}: {sk.kind}: {safe(sk.message)}", err=True)
    for root in s.empty_roots if roots is not None else ():
        click.echo(f"tokentrail: warning: no .jsonl transcript under {safe(root)}", err=True)
    if as_json:
        out = s.to_dict()
        out["skipped_paths"] = [
            {"path": str(sk.path), "kind": sk.kind, "message": sk.message} for sk in skipped
        ]
        click.echo(json.dumps(out, indent=2))
    elif not quiet:
        click.echo(
            f"{s.files} files ({s.files_read} read, {_human_bytes(s.bytes)}): "
            f"{s.added} records added, {s.duplicates} duplicates, {s.problems} problems"
            + (f", {len(skipped)} paths skipped" if skipped else "")
            + f" in {s.seconds:.2f}s"
        )
        if s.problems:  # a hint: stderr, never in redirected output
            click.echo("see the problem lines with: tokentrail problems", err=True)
    if s.problems or skipped:
        ctx.exit(1)


def _check_path(p: str) -> None:
    """A path argument must be a readable ``.jsonl`` file or folder (else a user error)."""
    path = Path(p).expanduser()
    if not path.exists():
        if path.is_symlink():
            raise UserInputError(f"{safe(p)} is a dangling symlink (its target does not exist)")
        raise UserInputError(f"no such file or directory: {safe(p)}")
    if not os.access(path, os.R_OK) or (path.is_dir() and not os.access(path, os.X_OK)):
        raise UserInputError(f"cannot read {safe(p)}: permission denied")
    if path.is_dir():
        if path.name.endswith(".jsonl"):
            raise UserInputError(f"{safe(p)} is a directory, not a .jsonl transcript")
        return
    if not path.is_file():
        raise UserInputError(f"{safe(p)} is not a regular file (a .jsonl transcript or a folder)")
    if path.suffix != ".jsonl":
        raise UserInputError(f"{safe(p)} is not a .jsonl transcript or a folder")


@cli.command("problems")
@_json_option
@_ledger_option
def problems_cmd(as_json: bool, ledger_path: str | None) -> None:
    """List the log lines that were skipped as malformed (file, line, field, kind)."""
    from tokentrail.cli._readonly import reading_ledger
    from tokentrail.ledger.clickhouse.url import ledger_url

    if ledger_url(ledger_path) is not None:
        with open_store(ledger_path) as team:
            probs = team.problems()
    else:
        with reading_ledger(ledger_path, no_ingest=True) as ledger:  # never creates one
            probs = ledger.problems()
    if as_json:
        out = [
            {"file": p.file, "line": p.line, "field": p.field, "kind": p.kind, "message": p.message}
            for p in probs
        ]
        click.echo(json.dumps({"problems": out}, indent=2))
        return
    if not probs:
        from tokentrail.ledger import resolve_ledger_path

        path = resolve_ledger_path(ledger_path)
        is_url = ledger_url(ledger_path) is not None
        where = "" if is_url or path.exists() else f": the ledger {safe(path)} does not exist yet"
        click.echo(f"No problems recorded{where}.")
        return
    from tokentrail.reports.fit import wrapped

    for p in probs:
        field = f" {safe(p.field)}" if p.field else ""
        click.echo(wrapped(f"{safe(p.file)}:{p.line}: {p.kind}{field}: {safe(p.message)}"))
    click.echo(f"{len(probs)} problems")


@cli.command("reprice")
@_json_option
@_ledger_option
def reprice_cmd(as_json: bool, ledger_path: str | None) -> None:
    """Recompute every stored cost with the current price catalog (after a correction)."""
    with open_ledger(ledger_path) as ledger:
        res = ledger.reprice()
    if as_json:
        out = {"records": res.records, "changed": res.changed, "unpriced": res.unpriced}
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"Repriced {res.records} records: {res.changed} changed, {res.unpriced} unpriced.")

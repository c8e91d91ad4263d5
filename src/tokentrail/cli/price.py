"""``tokentrail price`` (price usage records) and ``tokentrail prices`` (list the catalog).

``price`` reads FILE (or stdin with ``-``): one JSON object, or JSON Lines. Each object may be
a usage, a whole Messages API response (its ``model``, ``stop_reason`` and ``container`` are
used), a Message Batches result line (``result.message``), or a Claude Code log line
(``message`` + ``timestamp``). ``--model`` overrides the model of every record. A bad record
(not JSON, no model, unknown model, bad count) does not stop the run: every good record is
printed, each bad one gets a line ``FILE:LINE: field: message`` on stderr, and the exit code is
2 when any record was bad.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from tokentrail.cli import cli
from tokentrail.errors import TokentrailError
from tokentrail.pricing import Catalog, CostBreakdown, load_catalog, price
from tokentrail.pricing.breakdown import rate_str, usd_str
from tokentrail.pricing.resolve import find_model
from tokentrail.pricing.schema import COMPONENTS
from tokentrail.reports.fit import fit_table, fitting_columns, wrap_words

__all__ = ["price_command", "prices_command"]


class _InputError(Exception):
    """A bad record: ``where`` is ``FILE:LINE``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def _fail(message: str) -> NoReturn:
    click.echo(f"tokentrail: error: {message}", err=True)
    sys.exit(2)


def _parse_at(text: str | None) -> datetime | date | None:
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD) or ISO date-time", param_hint="--at"
        ) from None


def _records(name: str, text: str) -> Iterator[tuple[int, Any]]:
    """``(line, parsed JSON or the _InputError of that line)``; empty input raises."""
    stripped = text.strip()
    if not stripped:
        raise _InputError(f"{name}:1", "empty input: expected a JSON object or JSON Lines")
    try:
        yield 1, json.loads(stripped)
        return
    except (ValueError, RecursionError):
        pass
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj = _InputError(f"{name}:{n}", f"not valid JSON ({exc.msg})")
        except RecursionError:
            obj = _InputError(f"{name}:{n}", "not valid JSON (nested too deeply)")
        yield n, obj


def _unwrap(obj: Any) -> tuple[Any, dict[str, Any]]:
    """The usage-carrying object and the context found around it (model, time, ...)."""
    ctx: dict[str, Any] = {}
    if not isinstance(obj, Mapping):
        return obj, ctx
    if isinstance(obj.get("timestamp"), str):
        ctx["timestamp"] = obj["timestamp"]
    result = obj.get("result")
    if isinstance(result, Mapping) and isinstance(result.get("message"), Mapping):
        obj = result["message"]  # Message Batches results line
    elif isinstance(obj.get("message"), Mapping) and "usage" in obj["message"]:
        obj = obj["message"]  # Claude Code log line
    if "usage" in obj and isinstance(obj.get("usage"), Mapping):
        if isinstance(obj.get("model"), str):
            ctx["model"] = obj["model"]
        ctx["stop_reason"] = obj.get("stop_reason")
        ctx["code_execution"] = obj.get("container") is not None
    return obj, ctx


def _price_one(
    obj: Any, where: str, model: str | None, at: datetime | date | None, catalog: Catalog
) -> CostBreakdown:
    payload, ctx = _unwrap(obj)
    chosen = model or ctx.get("model")
    if not chosen:
        raise _InputError(where, "no model: pass --model or give a whole response with 'model'")
    when = at
    if when is None and "timestamp" in ctx:
        try:
            when = datetime.fromisoformat(ctx["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            raise _InputError(where, f"bad timestamp {ctx['timestamp']!r}") from None
    try:
        return price(
            payload,
            model=chosen,
            at=when,
            catalog=catalog,
            stop_reason=ctx.get("stop_reason"),
            code_execution=bool(ctx.get("code_execution")),
        )
    except TokentrailError as exc:
        raise _InputError(where, str(exc)) from None


def _console() -> Console:
    """A rich console: ``$COLUMNS`` or the terminal's width; 160 columns in a pipe."""
    from tokentrail.reports.fit import output_console

    return output_console(160)


def _line_table(b: CostBreakdown) -> Table:
    t = Table(title=f"{b.resolved_model} on {b.at} (USD)", title_justify="left")
    for col, just in (
        ("component", "left"),
        ("tokens", "right"),
        ("$/MTok", "right"),
        ("×", "right"),
        ("USD", "right"),
        ("rules", "left"),
    ):
        t.add_column(col, justify=just, no_wrap=col != "rules")  # type: ignore[arg-type]
    for ln in b.lines:
        label = ln.component if ln.iteration is None else f"#{ln.iteration} {ln.component}"
        rate = "unpriced" if ln.rate_per_mtok is None else rate_str(ln.rate_per_mtok)
        t.add_row(
            label,
            f"{ln.tokens:,}",
            rate,
            usd_str(ln.multiplier),
            usd_str(ln.usd),
            ", ".join(ln.rules),
        )
    for fee in b.fees:
        t.add_row(
            fee.kind,
            f"{fee.count:,}",
            f"{rate_str(fee.usd_each)} each",
            "1",
            usd_str(fee.usd),
            "fee",
        )
    t.add_row(
        "total",
        "",
        "",
        "",
        usd_str(b.total) + ("" if b.complete else " (lower bound)"),
        "",
        style="bold",
    )
    return t


@cli.command("price")
@click.argument("file", required=False, default="-", type=click.Path(allow_dash=True))
@click.option("--model", "-m", help="Model id (overrides the model found in the input).")
@click.option(
    "--at",
    "at_text",
    help="Request time: YYYY-MM-DD or ISO date-time (default: "
    "the record's timestamp, else now). Naive times are UTC.",
)
@click.option(
    "--json", "-j", "as_json", is_flag=True, help="Print JSON (money as decimal strings)."
)
@click.option("--explain", is_flag=True, help="Print the arithmetic of every record.")
@click.option(
    "--prices",
    "prices_path",
    type=click.Path(dir_okay=False),
    help="Price override file (default: $TOKENTRAIL_PRICES or the user config dir).",
)
def price_command(
    file: str,
    model: str | None,
    at_text: str | None,
    as_json: bool,
    explain: bool,
    prices_path: str | None,
) -> None:
    """Price a usage object, a Messages API response, or JSON Lines of either (exact USD)."""
    at = _parse_at(at_text)
    try:
        catalog = load_catalog(prices_path)
    except TokentrailError as exc:
        _fail(str(exc))
    name = "<stdin>" if file == "-" else file
    try:
        text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}")
    results: list[tuple[int, CostBreakdown]] = []
    errors: list[str] = []
    try:
        for n, obj in _records(name, text):
            try:
                if isinstance(obj, _InputError):
                    raise obj
                results.append((n, _price_one(obj, f"{name}:{n}", model, at, catalog)))
            except _InputError as exc:
                errors.append(str(exc))
    except _InputError as exc:
        _fail(str(exc))
    if results:
        _show(name, results, multi=len(results) + len(errors) > 1, as_json=as_json, explain=explain)
    for message in errors:
        click.echo(f"tokentrail: error: {message}", err=True)
    if errors:
        sys.exit(2)


def _show(
    name: str,
    results: list[tuple[int, CostBreakdown]],
    *,
    multi: bool,
    as_json: bool,
    explain: bool,
) -> None:
    total = sum((b.total for _, b in results), Decimal(0))
    complete = all(b.complete for _, b in results)
    if as_json:
        if not multi:
            click.echo(json.dumps(results[0][1].to_dict(), indent=2))
        else:
            doc = {
                "results": [{"line": n, **b.to_dict()} for n, b in results],
                "total_usd": usd_str(total),
                "complete": complete,
            }
            click.echo(json.dumps(doc, indent=2))
        return
    if explain:
        for n, b in results:
            if multi:
                click.echo(f"--- line {n}")
            click.echo(b.explain())
        if multi:
            click.echo(f"=== total of {len(results)} records: ${usd_str(total)}")
        return
    console = _console()
    if not multi:
        b = results[0][1]
        table = _line_table(b)
        fit_table(table, console)
        console.print(table)
        for f in b.flags:
            console.print(f"[yellow]![/yellow] {f.code}: {f.message}", markup=True)
        return
    t = Table(title=f"{name}: {len(results)} records (USD)", title_justify="left")
    for col, just in (
        ("line", "right"),
        ("model", "left"),
        ("day", "left"),
        ("USD", "right"),
        ("flags", "left"),
    ):
        t.add_column(col, justify=just, no_wrap=col != "flags")  # type: ignore[arg-type]
    for n, b in results:
        t.add_row(
            str(n),
            b.resolved_model,
            b.at.isoformat(),
            usd_str(b.total) + ("" if b.complete else "+"),
            ", ".join(b.flag_codes),
        )
    t.add_row("", "total", "", usd_str(total) + ("" if complete else "+"), "", style="bold")
    fit_table(t, console)
    console.print(t)


@cli.command("prices")
@click.argument("model", required=False)
@click.option("--json", "-j", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--prices", "prices_path", type=click.Path(dir_okay=False), help="Price override file."
)
def prices_command(model: str | None, as_json: bool, prices_path: str | None) -> None:
    """List the price catalog (USD per MTok): rows, windows, sources, confidence.

    MODEL: any spelling of a model id, or a unique part of one (opus-4-5)."""
    try:
        catalog = load_catalog(prices_path)
        ids = [find_model(catalog, model).id] if model else list(catalog.models)
    except TokentrailError as exc:
        _fail(str(exc))
    if as_json:
        out = []
        for mid in ids:
            spec = catalog.models[mid]
            out.append(
                {
                    **spec.model_dump(mode="json", exclude_none=True),
                    "rates": [
                        r.model_dump(mode="json", exclude_none=True, exclude={"model"})
                        for r in catalog.rows[mid]
                    ],
                }
            )
        click.echo(json.dumps(out, indent=2, default=str))
        return
    console = _console()
    rows: list[tuple[str, str, str, str, list[str], str, str]] = []
    sources: dict[str, int] = {}
    for mid in ids:
        for r in catalog.rows[mid]:
            rates = ["-" if (v := r.rate(c)) is None else rate_str(v) for c in COMPONENTS]
            prompt = f">{r.above_prompt_tokens:,}" if r.above_prompt_tokens else ""
            window = f"{r.effective_from}..{r.effective_to or ''}"
            ref = sources.setdefault(r.source, len(sources) + 1)
            rows.append((mid, r.kind, window, prompt, rates, r.confidence, f"[{ref}]"))
    rate_heads = ("input", "5m write", "1h write", "read", "output")

    def build(layout: str) -> Table:
        t = Table(title="Claude prices, USD per million tokens (MTok)", title_justify="left")
        if layout == "stacked":  # model, kind, window and prompt tier in one cell
            t.add_column("model / kind / window", justify="left")
            for col in rate_heads:
                t.add_column(col, justify="right")  # a header may wrap; rates never do
            for mid, kind, window, prompt, rates, _, _ in rows:
                key = "\n".join(
                    [mid, f"{kind} {window}"] + ([f"prompt {prompt}"] if prompt else [])
                )
                t.add_row(key, *rates)
            return t
        heads = ["model", "kind", "window (UTC days)", "prompt", *rate_heads]
        if layout == "full":
            heads += ["conf", "src"]
        for col in heads:
            just = "left" if col in ("model", "kind", "window (UTC days)", "conf") else "right"
            t.add_column(col, justify=just, no_wrap=True)  # type: ignore[arg-type]
        for mid, kind, window, prompt, rates, conf, src in rows:
            extra = [conf, src] if layout == "full" else []
            t.add_row(mid, kind, window, prompt, *rates, *extra)
        return t

    # the confidence and source columns go first, then model, kind and window stack up
    t = fitting_columns(("full", "rates", "stacked"), build, console)
    console.print(t)
    if len(t.columns) == 11:
        for url, ref in sources.items():
            for line in wrap_words(f"[{ref}] {url}", console.width, "    "):
                console.print(line, markup=False, soft_wrap=True)
    if model:
        spec = catalog.models[ids[0]]
        console.print(
            f"aliases: {', '.join(spec.aliases) or '-'}; released {spec.released}; "
            f"deprecated {spec.deprecated or '-'}; retired {spec.retired or '-'}; "
            f"context window {spec.context_window:,} tokens; status: {spec.status}",
            markup=False,
        )
    m = catalog.modifiers
    console.print(
        f"batch x{m.batch.multiplier} (service_tier 'batch'); data residency "
        f"x{m.data_residency.multiplier} (inference_geo 'us', {len(m.data_residency.models)} "
        f"models, from {m.data_residency.effective_from}); web search "
        f"${m.web_search.usd_per_request} per request; web fetch "
        f"${m.web_fetch.usd_per_request}"
    )

"""Load, validate and merge price files into a :class:`Catalog`.

The packaged file ``pricing/data/claude.toml`` holds every model with its dated rate rows. A user
override file in the same format adds or corrects rows without a release; its path comes from,
in order: an explicit argument (``--prices``), the ``TOKENTRAIL_PRICES`` environment variable,
``platformdirs.user_config_dir("tokentrail")/prices.toml`` if that file exists.

Merge rules: an override ``[[models]]`` entry replaces the packaged model of the same id (or adds
one); an override ``[[rates]]`` row replaces the packaged row of the same model, kind and
``effective_from`` (or adds one); an override ``[modifiers.NAME]`` table replaces the keys it
sets; override ``[[notices]]`` are appended. The merged catalog is then checked as a whole
(overlapping windows of one model and row group, rows of unknown models, duplicate ids/aliases).
Every problem raises :class:`~tokentrail.errors.CatalogError` naming the file, model and key.

:func:`default_catalog` loads once per process (per override file and its modification time).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from tokentrail.errors import CatalogError
from tokentrail.pricing.schema import (
    ModelSpec,
    Modifiers,
    Notice,
    RateRow,
    RowKind,
    describe_error,
    field_names,
    row_group,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "ENV_VAR",
    "Catalog",
    "check_override",
    "default_catalog",
    "load_catalog",
    "override_path",
    "packaged_catalog",
]

#: Environment variable naming a user price override file.
ENV_VAR = "TOKENTRAIL_PRICES"
PACKAGED_NAME = "claude.toml"
_TOP_KEYS = frozenset(
    {"schema", "currency", "collected", "modifiers", "models", "rates", "notices"}
)
SCHEMA_ID = "tokentrail.prices.v1"


@dataclass(frozen=True, eq=False)
class Catalog:
    """A validated price catalog: models, dated rate rows, modifiers and notices.

    ``rows`` maps a canonical model id to its rows sorted by kind and ``effective_from``.
    ``files`` names the files it was built from (packaged first). Instances compare by identity
    and cache their own id resolution and rate plans (see :mod:`tokentrail.pricing.resolve` and
    :mod:`tokentrail.pricing.rates`).
    """

    models: Mapping[str, ModelSpec]
    rows: Mapping[str, tuple[RateRow, ...]]
    modifiers: Modifiers
    notices: tuple[Notice, ...]
    files: tuple[str, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    """Lower-cased id or alias -> canonical id."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Per-catalog memo (resolved names, rate plans); safe because the catalog is immutable."""

    def rows_of(self, model_id: str, kind: str) -> tuple[RateRow, ...]:
        """Rows of one kind for a canonical model id, oldest first."""
        return tuple(r for r in self.rows.get(model_id, ()) if r.kind == kind)


# --------------------------------------------------------------------------- reading files


def _read_toml(path: Path | str, text: str | None = None) -> tuple[dict[str, Any], str]:
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        doc: dict[str, Any] = tomllib.loads(text)
        return doc, text
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read price file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None


def _validate(
    cls: type[BaseModel], raw: Any, file: str, where: str, model: str | None
) -> BaseModel:
    if not isinstance(raw, dict):
        raise CatalogError(f"{file}: {where}: expected a table")
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        who = f" (model {model!r})" if model else ""
        raise CatalogError(f"{file}: {where}{who}: {describe_error(raw, exc)}") from None


def _header_lines(text: str, key: str, count: int) -> list[str]:
    """``" (line N)"`` for each ``[[key]]`` header of ``text``, or blanks when the entries are
    not all written as headers (inline arrays)."""
    pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{re.escape(key)}[ \t]*\]\]", re.MULTILINE)
    lines = [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]
    if len(lines) != count:
        return [""] * count
    return [f" (line {n})" for n in lines]


def _entries(doc: dict[str, Any], key: str, file: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise CatalogError(f"{file}: {key!r} must be an array of tables ([[{key}]])")
    return value


@dataclass
class _Parsed:
    file: str
    models: list[ModelSpec]
    rates: list[RateRow]
    notices: list[Notice]
    modifiers: dict[str, dict[str, Any]]


def _parse(source: tuple[dict[str, Any], str], file: str, *, packaged: bool) -> _Parsed:
    doc, text = source
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise CatalogError(f"{file}: unknown top-level key {unknown[0]!r}")
    if (packaged or "schema" in doc) and doc.get("schema") != SCHEMA_ID:
        raise CatalogError(f"{file}: key 'schema' must be {SCHEMA_ID!r}")
    if doc.get("currency", "USD") != "USD":
        raise CatalogError(f"{file}: key 'currency' must be 'USD'")
    models = []
    entries = _entries(doc, "models", file)
    at = _header_lines(text, "models", len(entries))
    for i, raw in enumerate(entries):
        mid = raw.get("id") if isinstance(raw, dict) else None
        spec = _validate(ModelSpec, raw, file, f"[[models]] #{i + 1}{at[i]}", mid)
        assert isinstance(spec, ModelSpec)
        models.append(spec)
    rates = []
    entries = _entries(doc, "rates", file)
    at = _header_lines(text, "rates", len(entries))
    for i, raw in enumerate(entries):
        mid = raw.get("model") if isinstance(raw, dict) else None
        kind = raw.get("kind") if isinstance(raw, dict) else None
        row = _validate(RateRow, raw, file, f"[[rates]] #{i + 1}{at[i]} kind {kind!r}", mid)
        assert isinstance(row, RateRow)
        rates.append(row)
    notices = []
    entries = _entries(doc, "notices", file)
    at = _header_lines(text, "notices", len(entries))
    for i, raw in enumerate(entries):
        mid = raw.get("model") if isinstance(raw, dict) else None
        notice = _validate(Notice, raw, file, f"[[notices]] #{i + 1}{at[i]}", mid)
        assert isinstance(notice, Notice)
        notices.append(notice)
    mods = doc.get("modifiers", {})
    if not isinstance(mods, dict):
        raise CatalogError(f"{file}: 'modifiers' must be a table")
    for name, table in mods.items():
        info = Modifiers.model_fields.get(name)
        if info is None:
            raise CatalogError(f"{file}: unknown modifier [modifiers.{name}]")
        if not isinstance(table, dict):
            raise CatalogError(f"{file}: [modifiers.{name}] must be a table")
        cls = info.annotation
        assert isinstance(cls, type)
        assert issubclass(cls, BaseModel)
        extra = sorted(set(table) - field_names(cls))
        if extra:
            raise CatalogError(f"{file}: [modifiers.{name}]: unknown key {extra[0]!r}")
    return _Parsed(file, models, rates, notices, dict(mods))


# --------------------------------------------------------------------------- merging


def _merge(
    base: _Parsed, over: _Parsed | None
) -> tuple[
    list[tuple[ModelSpec, str]], list[tuple[RateRow, str]], Modifiers, list[tuple[Notice, str]]
]:
    models = {m.id: (m, base.file) for m in base.models}
    rates: dict[tuple[str, str, date], tuple[RateRow, str]] = {}
    for r in base.rates:
        key = (r.model, r.kind, r.effective_from)
        if key in rates:
            raise CatalogError(
                f"{base.file}: model {r.model!r}: two {r.kind} rows start on {r.effective_from}"
            )
        rates[key] = (r, base.file)
    notices = [(n, base.file) for n in base.notices]
    mods = {k: dict(v) for k, v in base.modifiers.items()}
    if over is not None:
        for m in over.models:
            models[m.id] = (m, over.file)
        for r in over.rates:
            rates[(r.model, r.kind, r.effective_from)] = (r, over.file)
        notices.extend((n, over.file) for n in over.notices)
        for name, table in over.modifiers.items():
            mods.setdefault(name, {}).update(table)
    files = base.file if over is None else f"{base.file} + {over.file}"
    try:
        modifiers = Modifiers.model_validate(mods)
    except ValidationError as exc:
        raise CatalogError(f"{files}: [modifiers]: {describe_error(mods, exc)}") from None
    return list(models.values()), list(rates.values()), modifiers, notices


def _build(base: _Parsed, over: _Parsed | None) -> Catalog:
    models, rated, modifiers, notices = _merge(base, over)
    by_id = {m.id: m for m, _ in models}
    file_of = {m.id: f for m, f in models}
    names: dict[str, str] = {}
    for m, file in models:
        for name in (m.id, *m.aliases):
            key = name.strip().lower()
            if key in names and names[key] != m.id:
                other = names[key]
                where = file if file_of[other] == file else f"{file} / {file_of[other]}"
                raise CatalogError(
                    f"{where}: model {m.id!r}: name {name!r} is already used by {other!r}"
                )
            names[key] = m.id
    per_model: dict[str, list[tuple[RateRow, str]]] = {}
    for row, file in rated:
        if row.model not in by_id:
            raise CatalogError(
                f"{file}: rates row {row.kind!r} names unknown model {row.model!r} "
                "(add it under [[models]])"
            )
        per_model.setdefault(row.model, []).append((row, file))
    for mid in by_id:
        rows = per_model.get(mid, [])
        if not any(r.kind == "standard" for r, _ in rows):
            raise CatalogError(
                f"{file_of[mid]}: model {mid!r}: no standard rate row (add a [[rates]] row "
                "with kind = 'standard')"
            )
        _check_overlaps(mid, rows)
    for n, file in notices:
        if n.model not in by_id:
            raise CatalogError(f"{file}: notice {n.code!r} names unknown model {n.model!r}")
    files = base.file if over is None else f"{base.file} + {over.file}"
    for mid in modifiers.data_residency.models:
        if mid not in by_id:
            raise CatalogError(
                f"{files}: [modifiers.data_residency]: key 'models': unknown model {mid!r}"
            )
    order = {k: i for i, k in enumerate(get_args(RowKind))}
    rows_sorted = {
        mid: tuple(sorted((r for r, _ in rows), key=lambda r: (order[r.kind], r.effective_from)))
        for mid, rows in per_model.items()
    }
    file_names = (base.file,) if over is None else (base.file, over.file)
    return Catalog(
        models=by_id,
        rows=rows_sorted,
        modifiers=modifiers,
        notices=tuple(n for n, _ in notices),
        files=file_names,
        names=names,
    )


def _check_overlaps(model: str, rows: list[tuple[RateRow, str]]) -> None:
    groups: dict[str, list[tuple[RateRow, str]]] = {}
    for row, file in rows:
        groups.setdefault(row_group(row.kind), []).append((row, file))
    for group in groups.values():
        group.sort(key=lambda rf: rf[0].effective_from)
        for (a, fa), (b, fb) in itertools.pairwise(group):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                where = fa if fa == fb else f"{fa} / {fb}"
                end = a.effective_to or "open end"
                raise CatalogError(
                    f"{where}: model {model!r}: key 'effective_from': {b.kind} row from "
                    f"{b.effective_from} overlaps {a.kind} row {a.effective_from}..{end}"
                )


# --------------------------------------------------------------------------- public loaders


def _packaged_text() -> str:
    return (resources.files("tokentrail.pricing") / "data" / PACKAGED_NAME).read_text("utf-8")


@functools.lru_cache(maxsize=1)
def _packaged_parsed() -> _Parsed:
    name = f"tokentrail/pricing/data/{PACKAGED_NAME}"
    return _parse(_read_toml(name, _packaged_text()), name, packaged=True)


@functools.lru_cache(maxsize=1)
def packaged_catalog() -> Catalog:
    """The packaged catalog alone (no user override), loaded once per process."""
    return _build(_packaged_parsed(), None)


def override_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The user override file in force: ``explicit``, else ``$TOKENTRAIL_PRICES``, else
    ``<user config dir>/prices.toml`` if it exists, else None.

    An explicit path or an environment path that does not exist raises CatalogError.
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise CatalogError(f"{path}: price override file not found")
        return path
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise CatalogError(f"{path}: price override file not found (from ${ENV_VAR})")
        return path
    import platformdirs

    default = Path(platformdirs.user_config_dir("tokentrail")) / "prices.toml"
    return default if default.is_file() else None


def load_catalog(
    prices: str | os.PathLike[str] | None = None, *, text: str | None = None
) -> Catalog:
    """Packaged catalog merged with one override file (not cached).

    ``prices``: override path (default: see :func:`override_path`). ``text``: the override's
    TOML text given directly (then ``prices`` only names it in messages).
    """
    if text is not None:
        name = str(prices) if prices is not None else "<override>"
        return _build(_packaged_parsed(), _parse(_read_toml(name, text), name, packaged=False))
    path = override_path(prices)
    if path is None:
        return packaged_catalog()
    return _build(_packaged_parsed(), _parse(_read_toml(path), str(path), packaged=False))


@functools.lru_cache(maxsize=8)
def _cached(path: str | None, mtime_ns: int) -> Catalog:
    return load_catalog(path)


def check_override() -> None:
    """Raise :class:`CatalogError` when the user override in force (see
    :func:`override_path`) is missing, unreadable or invalid; nothing when there is none."""
    if override_path(None) is not None:
        default_catalog()


def default_catalog() -> Catalog:
    """Packaged catalog plus the user override in force, loaded once per process.

    The cache is keyed by the override path and its modification time, so setting
    ``TOKENTRAIL_PRICES`` or editing the file takes effect on the next call.
    """
    path = override_path(None)
    if path is None:
        return packaged_catalog()
    return _cached(str(path), path.stat().st_mtime_ns)

"""Resolve any spelling of a model id to the catalog's canonical id, by rule.

Accepted forms (case and surrounding whitespace ignored):

* the canonical id or an alias: ``claude-sonnet-4-5-20250929``, ``claude-sonnet-4-5``;
* an undated stem finds its dated id: ``claude-haiku-4-5`` finds ``claude-haiku-4-5-20251001``
  when exactly one dated id has that stem;
* Claude Code's 1M-context suffix ``[1m]``: ``claude-sonnet-4-5-20250929[1m]`` (no other
  bracket suffix: ``claude-opus-4-6[2m]`` is unknown);
* Amazon Bedrock: ``anthropic.claude-3-5-sonnet-20241022-v2:0``, regional inference profiles
  (``us.``, ``eu.``, ``apac.``, ``global.``, ``us-gov.`` ...), and ARNs whose last path part is
  one of those (``arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-...``);
* Google Vertex AI: ``claude-3-5-sonnet-v2@20241022``, ``claude-opus-4-1@20250805``,
  ``claude-opus-4-6@default`` / ``@latest``; an undated model also under its release day
  (``claude-opus-4-7@20260416``); any other ``@version`` is unknown;
* ``provider/model`` prefixes (``anthropic/claude-opus-4-5``).

A date is never stripped to reach another model: a new snapshot can have new prices, so a dated
id that is neither a catalog id nor alias (``claude-haiku-4-5-20261201``, and
``claude-opus-4-7-20260416``, which the facts say is not an Anthropic id) is unknown, with the
model of its stem suggested first.

``<synthetic>`` (Claude Code's placeholder for locally generated messages) is not a model: the
engine prices it at zero with a flag. Anything else unknown raises
:class:`~tokentrail.errors.UnknownModelError` with the closest catalog ids (difflib).
"""

from __future__ import annotations

import difflib
import re

from tokentrail.errors import UnknownModelError, UserInputError
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.schema import ModelSpec

__all__ = [
    "CONTEXT_SUFFIXES",
    "SYNTHETIC",
    "find_model",
    "normalize_model_id",
    "resolve_model",
]

#: Claude Code's model id for messages it generated locally (no API call, no cost).
SYNTHETIC = "<synthetic>"

#: Bracket suffixes Claude Code appends to a model id (``[1m]``: the 1M-token context window).
CONTEXT_SUFFIXES = frozenset({"[1m]"})
_BRACKET = re.compile(r"\[[^\]]*\]\s*$")
_BEDROCK_VERSION = re.compile(r"(?:-v\d+(?::\d+)?|:\d+)$")
_VERTEX = re.compile(r"^(?P<base>.+?)(?:-v\d+)?@(?P<version>[a-z0-9.-]+)$")
_VERTEX_UNDATED = frozenset({"default", "latest"})
_DATED = re.compile(r"^(?P<stem>.+)-(?P<date>20\d{6})$")


def normalize_model_id(name: str) -> str:
    """The provider-neutral, lower-case form of ``name`` (no Bedrock/Vertex/ARN decoration).

    Edge cases: a Vertex ``@default``/``@latest`` version is dropped; a Vertex ``-vN@DATE``
    becomes ``-DATE``; any other Vertex version is kept (so it matches nothing); Bedrock
    ``-vN:M`` version suffixes are dropped; only the bracket suffixes in
    :data:`CONTEXT_SUFFIXES` are dropped.
    """
    return _parse(name)[0]


def _parse(name: str) -> tuple[str, bool]:
    """``(normalized key, True when its -DATE came from a Vertex @DATE)``."""
    s = name.strip().lower()
    while (m := _BRACKET.search(s)) and m.group(0).strip() in CONTEXT_SUFFIXES:
        s = s[: m.start()].strip()
    if "/" in s:  # ARN (…:inference-profile/us.anthropic.claude-…) or provider/model
        s = s.rsplit("/", 1)[1]
    idx = s.find("anthropic.")
    if idx == 0 or (idx > 0 and s[idx - 1] == "."):
        s = s[idx + len("anthropic.") :]
        s = _BEDROCK_VERSION.sub("", s)
    m = _VERTEX.match(s)
    if m:
        version = m.group("version")
        if version in _VERTEX_UNDATED:
            return m.group("base"), False
        if re.fullmatch(r"20\d{6}", version):
            return f"{m.group('base')}-{version}", True
    return s, False


def _stems(catalog: Catalog) -> dict[str, list[str]]:
    """Undated stem -> the dated canonical ids carrying it (``claude-sonnet-4`` -> ...)."""
    stems: dict[str, list[str]] | None = catalog.cache.get("stems")
    if stems is None:
        stems = {}
        for model_id in catalog.models:
            m = _DATED.match(model_id.lower())
            if m:
                stems.setdefault(m.group("stem"), []).append(model_id)
        catalog.cache["stems"] = stems
    return stems


def _undated(catalog: Catalog, key: str) -> list[str]:
    """Models an undated ``key`` names: an id or alias, else the dated ids of that stem."""
    if key in catalog.names:
        return [catalog.names[key]]
    return sorted(_stems(catalog).get(key, []))


def _candidates(catalog: Catalog, key: str, vertex: bool) -> tuple[list[str], list[str]]:
    """``(matches, models to suggest first)`` for a normalized ``key``.

    A ``-YYYYMMDD`` key matches only as an exact id or alias (the model's own snapshot date);
    from a Vertex ``@YYYYMMDD`` it also matches an undated model released that day.
    """
    if key in catalog.names:
        return [catalog.names[key]], []
    dated = _DATED.match(key)
    if dated is None:
        return _undated(catalog, key), []
    owners = _undated(catalog, dated.group("stem"))
    if vertex:
        day = dated.group("date")
        found = [
            mid
            for mid in owners
            if catalog.models[mid].released.strftime("%Y%m%d") == day
            and _DATED.match(mid.lower()) is None
        ]
        if found:
            return found, []
    return [], owners


def resolve_model(catalog: Catalog, name: str) -> ModelSpec:
    """The catalog model for ``name`` (any accepted form); results are memoised per catalog.

    Raises UnknownModelError (with up to 3 close ids) when no model, or more than one dated
    model, matches.
    """
    memo_key = ("resolve", name)
    hit = catalog.cache.get(memo_key)
    if hit is not None:
        assert isinstance(hit, ModelSpec)
        return hit
    key, vertex = _parse(name)
    found, near = _candidates(catalog, key, vertex)
    if len(found) != 1:
        close = [m for m in suggest(catalog, key) if m not in near]
        raise UnknownModelError(name, found or (near + close)[:3])
    spec = catalog.models[found[0]]
    catalog.cache[memo_key] = spec
    return spec


def find_model(catalog: Catalog, name: str) -> ModelSpec:
    """:func:`resolve_model`, else the one catalog model whose id or alias contains ``name``
    (case-insensitive, as ``--model`` filters match: ``opus-4-5``, ``haiku-4-5``).

    Raises :class:`~tokentrail.errors.UserInputError` listing the candidates when several
    models match, and the :class:`~tokentrail.errors.UnknownModelError` of
    :func:`resolve_model` when none does."""
    try:
        return resolve_model(catalog, name)
    except UnknownModelError:
        key = normalize_model_id(name)
        hits = sorted({mid for alias, mid in catalog.names.items() if key and key in alias})
        if len(hits) == 1:
            return catalog.models[hits[0]]
        if len(hits) > 1:
            raise UserInputError(
                f"model {name!r} is ambiguous: it matches {', '.join(hits)}"
            ) from None
        raise


def suggest(catalog: Catalog, name: str, n: int = 3) -> list[str]:
    """Up to ``n`` canonical ids closest to ``name`` (by id or alias)."""
    key = normalize_model_id(name)
    close = difflib.get_close_matches(key, list(catalog.names), n=n * 2, cutoff=0.5)
    out: list[str] = []
    for c in close:
        mid = catalog.names[c]
        if mid not in out:
            out.append(mid)
    return out[:n]

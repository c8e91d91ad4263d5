"""Resolve any spelling of a model id to the catalog's canonical id, by rule.

Accepted forms (case and surrounding whitespace ignored):

* the canonical id or an alias: ``claude-sonnet-4-5-20250929``, ``claude-sonnet-4-5``;
* undated <-> dated: ``claude-haiku-4-5`` finds ``claude-haiku-4-5-20251001`` when exactly one
  dated id has that stem; ``claude-opus-4-7-20260416`` finds ``claude-opus-4-7``;
* Claude Code's context suffixes: ``claude-sonnet-4-5-20250929[1m]``;
* Amazon Bedrock: ``anthropic.claude-3-5-sonnet-20241022-v2:0``, regional inference profiles
  (``us.``, ``eu.``, ``apac.``, ``global.``, ``us-gov.`` ...), and ARNs whose last path part is
  one of those (``arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-...``);
* Google Vertex AI: ``claude-3-5-sonnet-v2@20241022``, ``claude-opus-4-1@20250805``,
  ``claude-opus-4-6@default``;
* ``provider/model`` prefixes (``anthropic/claude-opus-4-5``).

``<synthetic>`` (Claude Code's placeholder for locally generated messages) is not a model: the
engine prices it at zero with a flag. Anything else unknown raises
:class:`~tokentrail.errors.UnknownModelError` with the closest catalog ids (difflib).
"""

from __future__ import annotations

import difflib
import re

from tokentrail.errors import UnknownModelError
from tokentrail.pricing.catalog import Catalog
from tokentrail.pricing.schema import ModelSpec

__all__ = ["SYNTHETIC", "normalize_model_id", "resolve_model"]

#: Claude Code's model id for messages it generated locally (no API call, no cost).
SYNTHETIC = "<synthetic>"

_BRACKET = re.compile(r"\[[^\]]*\]\s*$")
_BEDROCK_VERSION = re.compile(r"(?:-v\d+(?::\d+)?|:\d+)$")
_VERTEX = re.compile(r"^(?P<base>.+?)(?:-v\d+)?@(?P<version>[a-z0-9.-]+)$")
_DATED = re.compile(r"^(?P<stem>.+)-(?P<date>20\d{6})$")


def normalize_model_id(name: str) -> str:
    """The provider-neutral, lower-case form of ``name`` (no Bedrock/Vertex/ARN decoration).

    Edge cases: a Vertex ``@default``/``@latest`` version is dropped; a Vertex ``-vN@DATE``
    becomes ``-DATE``; Bedrock ``-vN:M`` version suffixes are dropped.
    """
    s = name.strip().lower()
    while _BRACKET.search(s):
        s = _BRACKET.sub("", s).strip()
    if "/" in s:  # ARN (…:inference-profile/us.anthropic.claude-…) or provider/model
        s = s.rsplit("/", 1)[1]
    idx = s.find("anthropic.")
    if idx == 0 or (idx > 0 and s[idx - 1] == "."):
        s = s[idx + len("anthropic.") :]
        s = _BEDROCK_VERSION.sub("", s)
    m = _VERTEX.match(s)
    if m:
        version = m.group("version")
        s = m.group("base") + (f"-{version}" if re.fullmatch(r"20\d{6}", version) else "")
    return s


def _candidates(catalog: Catalog, key: str) -> list[str]:
    names = catalog.names
    if key in names:
        return [names[key]]
    dated = _DATED.match(key)
    if dated and dated.group("stem") in names:
        return [names[dated.group("stem")]]
    stems: dict[str, list[str]] | None = catalog.cache.get("stems")
    if stems is None:
        stems = {}
        for model_id in catalog.models:
            m = _DATED.match(model_id.lower())
            if m:
                stems.setdefault(m.group("stem"), []).append(model_id)
        catalog.cache["stems"] = stems
    return sorted(stems.get(key, []))


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
    key = normalize_model_id(name)
    found = _candidates(catalog, key)
    if len(found) != 1:
        raise UnknownModelError(name, found or suggest(catalog, key))
    spec = catalog.models[found[0]]
    catalog.cache[memo_key] = spec
    return spec


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

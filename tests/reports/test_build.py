"""Name resolution of --project / --model: whole, terminal-safe names in every error."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tokentrail.errors import UserInputError
from tokentrail.reports import resolve_models, resolve_project

EVIL = "/home/u/\x1b]0;owned\x07/site"


class _Source:
    def __init__(self, projects: list[str], models: Sequence[str] = ()) -> None:
        self.values = {"project": sorted(projects), "model": sorted(models)}

    def distinct(self, column: str) -> list[str]:
        return self.values[column]


def test_unknown_project_lists_whole_escaped_paths() -> None:
    src = _Source(["/home/u/shop", EVIL])
    with pytest.raises(UserInputError) as exc:
        resolve_project(src, "nope")  # type: ignore[arg-type]
    msg = str(exc.value)
    assert "\x1b" not in msg
    assert "\x07" not in msg
    assert "/home/u/\\x1b]0;owned\\x07/site" in msg
    assert "/home/u/shop" in msg


def test_ambiguous_project_is_escaped_and_long_lists_are_cut() -> None:
    src = _Source([f"/a{i}/site" for i in range(3)] + ["/b/\x9bsite"])
    with pytest.raises(UserInputError, match="ambiguous") as exc:
        resolve_project(src, "site")  # type: ignore[arg-type]
    assert "/a0/site, /a1/site, /a2/site" in str(exc.value)
    many = _Source([f"/p/{i:02d}" for i in range(11)])
    with pytest.raises(UserInputError) as exc:
        resolve_project(many, "zzz")  # type: ignore[arg-type]
    assert str(exc.value).endswith("/p/07, and 3 more)")
    assert resolve_project(many, "05") == "/p/05"  # type: ignore[arg-type]
    assert resolve_project(_Source([EVIL]), "site") == EVIL  # type: ignore[arg-type]


def test_models_resolve_exactly_or_by_part() -> None:
    src = _Source([], ["claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929"])
    assert resolve_models(src, ["opus"]) == ("claude-opus-4-5-20251101",)  # type: ignore[arg-type]
    with pytest.raises(UserInputError) as exc:
        resolve_models(src, ["gpt\x1b[2J"])  # type: ignore[arg-type]
    assert "\x1b" not in str(exc.value)


def test_project_by_claude_code_folder_name_or_part() -> None:
    src = _Source(["/home/alex/src/billing-service", "/home/alex/src/web.app", "/srv/Billing-x"])
    folder = "-home-alex-src-billing-service"
    assert resolve_project(src, folder) == "/home/alex/src/billing-service"  # type: ignore[arg-type]
    assert resolve_project(src, "-home-alex-src-web-app") == "/home/alex/src/web.app"  # type: ignore[arg-type]
    assert resolve_project(src, "WEB.A") == "/home/alex/src/web.app"  # type: ignore[arg-type]
    assert resolve_project(src, "src-web") == "/home/alex/src/web.app"  # type: ignore[arg-type]
    assert resolve_project(src, "-x") == "/srv/Billing-x"  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="ambiguous") as exc:
        resolve_project(src, "billing")  # type: ignore[arg-type]
    assert "/home/alex/src/billing-service, /srv/Billing-x" in str(exc.value)
    with pytest.raises(UserInputError, match="unknown project"):
        resolve_project(src, "nothing")  # type: ignore[arg-type]

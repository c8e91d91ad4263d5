"""Catalog schema and override rules: every rule rejects with a CatalogError naming the culprit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tokentrail.errors import CatalogError
from tokentrail.pricing import catalog as catalog_mod
from tokentrail.pricing import load_catalog, packaged_catalog, price
from tokentrail.pricing.rates import rate_on

ROW = """
[[rates]]
model = "claude-opus-4-7"
kind = "price_history"
effective_from = 2026-05-01
effective_to = 2026-05-31
input = "4"
source = "https://example.com/prices"
confidence = "verified"
"""


def test_packaged_catalog_loads_every_model() -> None:
    cat = packaged_catalog()
    assert len(cat.models) == 28
    assert cat.modifiers.batch.multiplier == Decimal("0.5")
    assert cat.modifiers.data_residency.multiplier == Decimal("1.1")
    assert cat.modifiers.web_search.usd_per_request == Decimal("0.01")
    assert packaged_catalog() is cat  # loaded once per process


def test_every_row_has_a_source_and_confidence() -> None:
    for rows in packaged_catalog().rows.values():
        for row in rows:
            assert row.source.startswith("https://")
            assert row.confidence in ("verified", "secondary", "uncertain")


def test_fable_5_2_fast_row_is_unpriced() -> None:
    (row,) = packaged_catalog().rows_of("claude-fable-5-2", "fast")
    assert not row.priced


@pytest.mark.parametrize(
    ("snippet", "needle"),
    [
        (ROW.replace('input = "4"', 'input = "4"\ncolour = "red"'), "colour"),
        (ROW.replace('input = "4"', "input = 4.0"), "quoted decimal string"),
        (ROW.replace('input = "4"', "input = 4"), "quoted decimal string"),
        (ROW.replace('input = "4"', 'input = "four"'), "decimal string"),
        (ROW.replace('source = "https://example.com/prices"\n', ""), "source"),
        (ROW.replace('source = "https://example.com/prices"', 'source = "see wiki"'), "URL"),
        (ROW.replace("effective_to = 2026-05-31", "effective_to = 2026-04-01"), "after"),
        (ROW.replace('kind = "price_history"', 'kind = "surge"'), "kind"),
        (ROW.replace('model = "claude-opus-4-7"', 'model = "claude-nope"'), "claude-nope"),
        (
            ROW + ROW.replace("2026-05-01", "2026-05-15").replace("2026-05-31", "2026-06-30"),
            "overlaps",
        ),
        ("bogus = 1\n", "bogus"),
        ("[modifiers.batch]\nmultiplier = 0.5\n", "quoted decimal string"),
        ('[modifiers.batch]\nfactor = "0.5"\n', "factor"),
        ('[modifiers.surge]\nmultiplier = "2"\n', "surge"),
        (
            '[[models]]\nid = "x"\nfamily = "x"\ncontext_window = 1\nreleased = 2026-01-01\n',
            "no standard rate row",
        ),
        ("[[rates]\n", "not valid TOML"),
    ],
)
def test_override_schema_violations_are_rejected(tmp_path: Path, snippet: str, needle: str) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(snippet, encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert needle in str(err.value)
    assert str(path) in str(err.value) or "model" in str(err.value)


def test_error_names_file_model_and_key(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(ROW.replace('input = "4"', "input = 4.5"), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "claude-opus-4-7" in msg
    assert "'input'" in msg
    assert '"4.5"' in msg  # tells the editor what to write


def test_overlap_with_packaged_row_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        ROW.replace('kind = "price_history"', 'kind = "standard"')
        .replace("effective_to = 2026-05-31\n", "")
        .replace('input = "4"', 'input = "4"\noutput = "20"'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="overlaps"):
        load_catalog(path)


def test_override_adds_a_row(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(ROW, encoding="utf-8")
    cat = load_catalog(path)
    spec = cat.models["claude-opus-4-7"]
    assert rate_on(cat, spec, date(2026, 5, 10), "input") == Decimal("4")
    assert rate_on(cat, spec, date(2026, 5, 10), "output") == Decimal("25")  # not listed: kept
    assert rate_on(cat, spec, date(2026, 6, 1), "input") == Decimal("5")
    assert cat.files[1] == str(path)


def test_override_replaces_same_model_kind_window(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        """
[[rates]]
model = "claude-opus-4-6"
kind = "fast"
effective_from = 2026-02-21
effective_to = 2026-07-15   # corrected removal day
input = "30"
output = "150"
cache_write_5m = "37.50"
cache_write_1h = "60"
cache_read = "3"
source = "https://example.com/fast"
confidence = "verified"
""",
        encoding="utf-8",
    )
    cat = load_catalog(path)
    rows = cat.rows_of("claude-opus-4-6", "fast")
    assert len(rows) == 2
    assert rows[-1].effective_to == date(2026, 7, 15)
    b = price(
        {"input_tokens": 1000, "output_tokens": 0, "speed": "fast"},
        model="claude-opus-4-6",
        at=date(2026, 7, 1),
        catalog=cat,
    )
    assert "fast_mode_after_removal" not in b.flag_codes
    assert b.total == Decimal("30") * 1000 / 10**6


def test_override_adds_a_model_and_modifier_keys(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        """
[modifiers.web_search]
usd_per_request = "0.02"

[[models]]
id = "claude-test-9"
aliases = ["claude-test"]
family = "test"
context_window = 100000
released = 2027-01-01

[[rates]]
model = "claude-test-9"
kind = "standard"
effective_from = 2027-01-01
input = "1.5"
output = "7.5"
source = "https://example.com/test-9"
confidence = "uncertain"
""",
        encoding="utf-8",
    )
    cat = load_catalog(path)
    usage = {
        "input_tokens": 1000,
        "output_tokens": 1000,
        "cache_read_input_tokens": 10,
        "server_tool_use": {"web_search_requests": 1, "web_fetch_requests": 0},
    }
    b = price(usage, model="claude-test", at=date(2027, 2, 1), catalog=cat)
    assert b.total == (1000 * Decimal("1.5") + 1000 * Decimal("7.5")) / 10**6 + Decimal("0.02")
    assert not b.complete  # cache reads have no rate in this row
    assert "price_secondary_source" in b.flag_codes


def test_env_var_and_default_catalog_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    path.write_text(ROW, encoding="utf-8")
    monkeypatch.setenv(catalog_mod.ENV_VAR, str(path))
    first = catalog_mod.default_catalog()
    assert first.files[-1] == str(path)
    assert catalog_mod.default_catalog() is first
    monkeypatch.setenv(catalog_mod.ENV_VAR, str(tmp_path / "missing.toml"))
    with pytest.raises(CatalogError, match="not found"):
        catalog_mod.default_catalog()


def test_user_config_dir_file_is_used_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.delenv(catalog_mod.ENV_VAR, raising=False)
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda name: str(tmp_path))
    assert catalog_mod.override_path() is None
    (tmp_path / "prices.toml").write_text(ROW, encoding="utf-8")
    assert catalog_mod.override_path() == tmp_path / "prices.toml"


def test_explicit_path_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(ROW, encoding="utf-8")
    b.write_text("", encoding="utf-8")
    monkeypatch.setenv(catalog_mod.ENV_VAR, str(b))
    assert catalog_mod.override_path(a) == a


_MODEL = """
[[models]]
id = "claude-test-1"
aliases = ["{alias}"]
family = "test"
context_window = 200000
released = 2026-01-01
"""
_STD = """
[[rates]]
model = "claude-test-1"
kind = "standard"
effective_from = 2026-01-01
input = "1"
output = "2"
source = "https://example.com/p"
confidence = "verified"
"""


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (_MODEL.format(alias="claude-opus-4-7") + _STD,
         ["model 'claude-test-1'", "name 'claude-opus-4-7' is already used by 'claude-opus-4-7'",
          "claude.toml"]),
        (_MODEL.format(alias="claude-test"), ["model 'claude-test-1'", "no standard rate row"]),
        (_MODEL.format(alias="claude-test") + _STD + """
[[notices]]
code = "x_y"
model = "claude-nope"
effective_from = 2026-01-01
effective_to = 2026-02-01
when = "any"
message = "m"
source = "https://example.com/p"
""", ["notice 'x_y' names unknown model 'claude-nope'"]),
        (_STD.replace('input = "1"', 'input = 1'),
         ["[[rates]] #1 (line 2) kind 'standard'", "must be a quoted decimal string"]),
        ("\n\n" + _MODEL.format(alias="a") + _MODEL.format(alias="b").replace(
            "context_window = 200000", "context_window = -5"),
         ["[[models]] #2 (line 11)", "context_window"]),
    ],
)  # fmt: skip
def test_every_catalog_error_names_the_file(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    message = str(err.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message

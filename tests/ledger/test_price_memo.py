"""The ledger's price memo (tokentrail.ledger.price_memo): the same answers as the engine,
kept between runs, never read under another catalog or engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from _cc_tree import generate
from hypothesis import given, settings
from hypothesis import strategies as st

from tokentrail.ledger import SQLiteLedger, ingest_claude_code
from tokentrail.ledger.price_memo import MemoPricer, fingerprint
from tokentrail.pricing import Pricer, default_catalog
from tokentrail.pricing.flagcodes import FlagMemo

_MODELS = ["claude-opus-4-6", "claude-sonnet-4-5", "claude-opus-5", "claude-haiku-4-5",
           "claude-3-sonnet-20240229", "claude-sonnet-4-20250514", "claude-opus-9"]  # fmt: skip
_DAY = st.integers((date(2024, 10, 1) - date(1970, 1, 1)).days,
                   (date(2026, 12, 31) - date(1970, 1, 1)).days)  # fmt: skip
_N = st.sampled_from([0, 5, 1800, 210_000, 1_100_000])


@st.composite
def _row(draw: st.DrawFn) -> tuple[Any, ...]:
    i, w5, w1, r, o = (draw(_N) for _ in range(5))
    u: dict[str, Any] = {"input_tokens": i, "output_tokens": o, "cache_read_input_tokens": r}
    shape = draw(st.sampled_from(["flat", "split", "odd"]))
    u["cache_creation_input_tokens"] = w5 + w1 + (7 if shape == "odd" else 0)
    if shape != "flat":
        u["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
    searches = draw(st.integers(0, 2))
    if searches or draw(st.booleans()):
        u["server_tool_use"] = {"web_search_requests": searches}
    speed = draw(st.sampled_from([None, "fast"]))
    tier = draw(st.sampled_from([None, "batch", "priority"]))
    geo = draw(st.sampled_from([None, "us"]))
    flat = u["cache_creation_input_tokens"]
    hour = min(w1, flat) if shape != "flat" else 0
    return (
        draw(st.sampled_from(_MODELS)), draw(_DAY), i, flat - hour, hour, r, o, speed, tier,
        geo, searches, json.dumps(u).encode(), draw(st.sampled_from([None, "refusal"])),
    )  # fmt: skip


def _no_engine() -> Any:
    raise AssertionError("the memo loaded the engine for a signature it holds")


@settings(max_examples=120, deadline=None)
@given(st.lists(_row(), min_size=1, max_size=10), st.lists(_row(), max_size=6))
def test_memo_answers_equal_the_engine_and_survive_a_round_trip(
    seen: list[tuple[Any, ...]], later: list[tuple[Any, ...]]
) -> None:
    real = Pricer()
    first = MemoPricer(None, Pricer)
    assert first.cost_rows(seen) == real.cost_rows(seen)
    blob = first.dumps()
    # every row the engine settled is answered from the stored tables alone
    settled = [row for row, res in zip(seen, real.cost_rows(seen), strict=True) if res]
    again = MemoPricer(blob, _no_engine)
    assert again.cost_rows(settled) == real.cost_rows(settled)
    # new signatures load the engine and agree with it too
    third = MemoPricer(blob, Pricer)
    assert third.cost_rows(later + seen) == real.cost_rows(later + seen)


def test_drained_entries_teach_another_memo() -> None:
    rows = [
        ("claude-opus-5", 20_600, 10, 0, 0, 5, 20, None, None, None, 0,
         b'{"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 5}', None),
    ]  # fmt: skip
    worker = MemoPricer(None, Pricer)
    worker.cost_rows(rows)
    delta = worker.drain()
    assert delta is not None
    assert worker.drain() is None  # drained
    parent = MemoPricer(None, _no_engine)
    parent.absorb(delta)
    assert parent.dirty
    assert parent.cost_rows(rows) == Pricer().cost_rows(rows)
    parent.absorb(b"not msgpack")  # ignored
    assert MemoPricer(b"\x00garbage", Pricer).cost_rows(rows) == Pricer().cost_rows(rows)


def test_a_plan_is_constant_on_each_day_class() -> None:
    """What lets the memo key plans by day class: within one class of the flag memo, every
    day gets the same rate plan (for every model of the catalog)."""
    cat = default_catalog()
    pricer = Pricer(cat)
    memo = FlagMemo(cat)
    start = date(2023, 1, 1)
    for model in sorted(cat.models):
        seen: dict[tuple[Any, ...], Any] = {}
        for k in range(0, 1600, 2):
            day = start + timedelta(days=k)
            prefix, _ = memo.prefix(model, day)
            for variant in ((None, None, None), ("fast", "batch", "us")):
                plan = pricer._plan((model, day, *variant))
                key = (*prefix, *variant)
                assert seen.setdefault(key, plan) == plan, (model, day, variant)


def test_fingerprint_follows_the_override_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tokentrail.ledger import price_memo
    from tokentrail.pricing.catalog import ENV_VAR

    assert price_memo._ENV_PRICES == ENV_VAR
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    base = fingerprint()
    assert base is not None
    assert fingerprint() == base
    prices = tmp_path / "prices.toml"
    prices.write_text("# no change\n")
    monkeypatch.setenv(ENV_VAR, str(prices))
    one = fingerprint()
    prices.write_text("# another\n")
    two = fingerprint()
    assert len({base, one, two}) == 3
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.toml"))
    assert fingerprint() is None  # the engine reports the missing file; no memo


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from tokentrail.ledger import SQLiteLedger, ingest_claude_code
    with SQLiteLedger(sys.argv[1]) as ledger:
        s = ingest_claude_code(ledger, [Path(sys.argv[2])])
        cost = ledger._db.execute("SELECT sum(cost_pico), count(*) FROM records").fetchone()
    loaded = "tokentrail.pricing.catalog" in sys.modules
    print(json.dumps([s.added, loaded, list(cost)]))
    """
)


def _child(db: Path, root: Path) -> list[Any]:
    env = {**os.environ, "XDG_CONFIG_HOME": "/nonexistent"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(db), str(root)],
        check=True, capture_output=True, text=True, env=env,
    ).stdout  # fmt: skip
    result: list[Any] = json.loads(out)
    return result


def _append_copies(tree: Path, n: int) -> None:
    """Append to one transcript ``n`` copies of earlier assistant lines with new ids: new
    records with signatures already priced."""
    files = sorted((tree / "projects").rglob("*.jsonl"))
    picked: list[dict[str, Any]] = []
    for f in files:
        for line in f.read_text().splitlines():
            if '"usage"' in line and '"assistant"' in line:
                try:
                    picked.append(json.loads(line))
                except ValueError:
                    continue
        if len(picked) >= n:
            break
    with open(files[0], "a") as fh:
        for k, obj in enumerate(picked[:n]):
            obj["message"]["id"] = f"msg_memo_copy_{k}"
            obj["requestId"] = f"req_memo_copy_{k}"
            fh.write(json.dumps(obj) + "\n")


@pytest.mark.parametrize("workers", [1, 2], ids=["in_process", "pool"])
def test_an_incremental_ingest_prices_from_the_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    import tokentrail.ledger.sync as sync_mod

    tree = tmp_path / "t"
    generate(tree, "400KB", 3, 0.0)
    db = tmp_path / "l.sqlite3"
    if workers == 2:  # the first ingest in worker processes: they send back what they learn
        monkeypatch.setattr(sync_mod, "PARALLEL_MIN_BYTES", 0)
        with SQLiteLedger(db) as ledger:
            ingest_claude_code(ledger, [tree / "projects"], workers=2)
    else:
        _child(db, tree / "projects")
    with SQLiteLedger(db) as ledger:
        assert ledger._db.execute("SELECT count(*) FROM price_memo").fetchone()[0] == 1
    _append_copies(tree, 5)
    added, loaded, (cost, n) = _child(db, tree / "projects")
    assert added == 5
    _, _, (clean_cost, clean_n) = _child(tmp_path / "clean.sqlite3", tree / "projects")
    assert (cost, n) == (clean_cost, clean_n)
    assert not loaded, "the engine was loaded although every signature was in the memo"

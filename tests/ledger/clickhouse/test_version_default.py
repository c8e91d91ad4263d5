"""The server computes each pushed row's version (``VERSION_SQL``, the column's default):
it equals the Python rule (:func:`record_version`) on any row."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokentrail.ledger.clickhouse.schema import record_version
from tokentrail.ledger.clickhouse.store import ClickHouseLedger

_KEYS = itertools.count()
_row = st.tuples(
    st.booleans(),  # is_final
    st.integers(0, 2**62),  # output_tokens (capped at 2**48 - 1)
    st.integers(0, 2**62),  # total_tokens (capped at 2**56 - 1)
    st.booleans(),  # is_sidechain
    st.integers(0, 2**50),  # ts_ms (capped at 2**44 - 1)
    st.text(max_size=12),  # session_id: multi-byte text is cut at 8 bytes
    st.integers(0, 2**40),  # line (capped at 2**32 - 1)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_row, min_size=1, max_size=30))
def test_the_server_version_is_the_python_version(chdb_url: str, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    team = ClickHouseLedger(chdb_url, machine="m", user="u")
    keys = [f"k{next(_KEYS)}" for _ in rows]
    team.insert(
        "records",
        [
            (k, "sdk", int(fin), out, tot, int(side), ts, sid, ln, "m", "{}", "m", "u", 0, 0)
            for k, (fin, out, tot, side, ts, sid, ln) in zip(keys, rows, strict=True)
        ],
        ("dedup_key", "source", "is_final", "output_tokens", "total_tokens", "is_sidechain",
         "ts_ms", "session_id", "line", "model", "usage_json", "machine", "user", "is_deleted",
         "written_ms"),
    )  # fmt: skip
    got = dict(team.query("SELECT dedup_key, version FROM {db}.records"))
    for k, (fin, out, tot, side, ts, sid, ln) in zip(keys, rows, strict=True):
        assert got[k] == record_version(int(fin), out, tot, int(side), ts, sid, ln), (k, sid)
    team.close()

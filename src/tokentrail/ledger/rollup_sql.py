"""The rollup cells as SQL: their columns, how a record is added to or taken out of a cell,
and how cells (or records) are summed without overflowing SQLite's 64-bit integers.

Both rollup tables (``rollup_q15`` and ``rollup_dims_q15``, see :mod:`~tokentrail.ledger.schema`)
hold, per cell, the twelve counts of :data:`COUNT_SUMS` and the cost in two integer columns:
``cost_usd`` (whole dollars) and ``cost_sub`` (the picodollars below one dollar, ``0 <=
cost_sub < 10**12``). Every change carries or borrows between them, so a cell holds any total
up to 9.2 * 10**18 dollars, and a read sums ``cost_sub`` in two halves of six digits
(:data:`CELL_COST_SUMS`), so a sum over every cell of a ledger cannot overflow either (a
record's own ``cost_pico`` fits easily: the ingest's per-field limits bound one request's
cost to well under a million dollars, and a line past them is a problem).
Sums over records rather than cells split each cost in three parts the same way
(:func:`record_cost_sums`). :func:`pico_of` joins the parts in Python (unbounded ints).
"""

from __future__ import annotations

from collections.abc import Sequence

from tokentrail.ledger.totals import Totals

__all__ = [
    "CELL_COST_SUMS",
    "CELL_SUMS",
    "COST_PARTS",
    "COUNT_SUMS",
    "DIMS_INSERTED",
    "QUARTER_MS",
    "ROLLUP_INSERTED",
    "ROLLUP_SUMS",
    "WIDE_COST",
    "WIDE_ROLLUPS",
    "count_values",
    "pico_of",
    "record_cost_sums",
]

#: Milliseconds per rollup cell.
QUARTER_MS = 900_000
_PICO = 1_000_000_000_000  # picodollars per dollar
_HALF = 1_000_000

#: The counts summed per rollup cell: the count fields of
#: :class:`~tokentrail.ledger.totals.Totals`, same names, same order.
COUNT_SUMS: tuple[str, ...] = Totals.__match_args__[:12]
#: Every summed column of a rollup cell: the counts, then the cost (dollars, sub-dollar pico).
ROLLUP_SUMS = (*COUNT_SUMS, "cost_usd", "cost_sub")
#: How many columns a cost sum (:data:`CELL_COST_SUMS`, :func:`record_cost_sums`) spans.
COST_PARTS = 3
#: The cost of a set of cells as :data:`COST_PARTS` sums that cannot overflow.
CELL_COST_SUMS = f"sum(cost_usd), sum(cost_sub / {_HALF}), sum(cost_sub % {_HALF})"
#: The sums of a set of cells: :data:`COUNT_SUMS`, then :data:`CELL_COST_SUMS`.
CELL_SUMS = ", ".join([*(f"sum({c})" for c in COUNT_SUMS), CELL_COST_SUMS])
#: The column definitions of the summed columns of a rollup table.
WIDE_COST = ", ".join(f"{c} INTEGER NOT NULL" for c in ROLLUP_SUMS)


def record_cost_sums(expr: str = "coalesce(cost_pico, 0)") -> str:
    """The sum of ``expr`` (non-negative picodollars per record) as :data:`COST_PARTS` sums
    that cannot overflow: whole dollars, then two six-digit halves of the rest."""
    return f"sum(({expr}) / {_PICO}), sum(({expr}) / {_HALF} % {_HALF}), sum(({expr}) % {_HALF})"


def pico_of(parts: Sequence[object]) -> int:
    """Picodollars from the :data:`COST_PARTS` values of a cost sum (None counts as 0)."""
    usd, mid, low = (int(p or 0) for p in parts)  # type: ignore[call-overload]
    total: int = usd * _PICO + mid * _HALF + low
    return total


def count_values(row: str) -> list[str]:
    """SQL expressions giving each count of :data:`COUNT_SUMS` for one record row."""
    return [
        f"1 - {row}.synthetic",
        f"{row}.synthetic",
        f"(1 - {row}.is_final) * (1 - {row}.synthetic)",
        f"({row}.cost_pico IS NULL)",
        f"{row}.input_tokens",
        f"{row}.cache_creation_tokens",
        f"{row}.cache_5m_tokens",
        f"{row}.cache_1h_tokens",
        f"{row}.cache_read_tokens",
        f"{row}.output_tokens",
        f"{row}.web_search_requests",
        f"{row}.web_fetch_requests",
    ]


def _cost(row: str) -> str:
    return f"coalesce({row}.cost_pico, 0)"


def _add_sets() -> str:
    """``ON CONFLICT ... DO UPDATE SET`` of an upsert adding ``excluded`` to a cell (SQLite
    evaluates every right-hand side on the row as it was, so the carry sees the old sub)."""
    sets = [f"{c} = {c} + excluded.{c}" for c in COUNT_SUMS]
    total = "(cost_sub + excluded.cost_sub)"
    sets.append(f"cost_usd = cost_usd + excluded.cost_usd + {total} / {_PICO}")
    sets.append(f"cost_sub = {total} % {_PICO}")
    return ", ".join(sets)


def _sub_sets(row: str) -> str:
    """``SET`` of an update taking record ``row`` out of its cell (borrowing a dollar)."""
    sets = [f"{c} = {c} - ({v})" for c, v in zip(COUNT_SUMS, count_values(row), strict=True)]
    usd, sub = f"({_cost(row)} / {_PICO})", f"({_cost(row)} % {_PICO})"
    borrow = f"(cost_sub < {sub})"
    sets.append(f"cost_usd = cost_usd - {usd} - {borrow}")
    sets.append(f"cost_sub = cost_sub - {sub} + {borrow} * {_PICO}")
    return ", ".join(sets)


def _row_values(row: str) -> str:
    return ", ".join([*count_values(row), f"{_cost(row)} / {_PICO}", f"{_cost(row)} % {_PICO}"])


def _select_values() -> str:
    """Sums of a ``GROUP BY`` over ``records``, the cost already carried into dollars."""
    sub = f"sum({_cost('records')} % {_PICO})"
    return ", ".join(
        [
            *(f"sum({v})" for v in count_values("records")),
            f"sum({_cost('records')} / {_PICO}) + {sub} / {_PICO}",
            f"{sub} % {_PICO}",
        ]
    )


_COLS = ", ".join(ROLLUP_SUMS)
_Q = f"{{r}}.ts_ms / {QUARTER_MS}"
_AGENT = (
    "(CASE WHEN {r}.agent_type IS NOT NULL AND {r}.agent_type != '' THEN {r}.agent_type "
    "WHEN {r}.agent_id IS NOT NULL OR {r}.is_sidechain = 1 THEN 'subagent' ELSE 'main' END)"
)
#: Per rollup table: its key columns and, for each, the SQL giving it for record ``{r}``. The
#: session rollup is keyed by (q, model, project, session_id), the dimensions rollup by
#: (q, model, project, agent, branch): agent is the subagent type ("main" for the main
#: thread, "subagent" when unknown), branch the git branch ("" when the line had none).
_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "rollup_q15": (
        ("q", _Q),
        ("model", "{r}.model"),
        ("project", "{r}.project"),
        ("session_id", "{r}.session_id"),
    ),
    "rollup_dims_q15": (
        ("q", _Q),
        ("model", "{r}.model"),
        ("project", "{r}.project"),
        ("agent", _AGENT),
        ("branch", "coalesce({r}.git_branch, '')"),
    ),
}


def _key(table: str) -> str:
    return ", ".join(k for k, _ in _TABLES[table])


def _key_values(table: str, row: str) -> list[str]:
    return [v.format(r=row) for _, v in _TABLES[table]]


def _upsert_record(table: str, row: str) -> str:
    return (
        f"INSERT INTO {table} ({_key(table)}, {_COLS}) "
        f"VALUES ({', '.join(_key_values(table, row))}, {_row_values(row)}) "
        f"ON CONFLICT ({_key(table)}) DO UPDATE SET {_add_sets()};"
    )


def _take_record(table: str, row: str) -> str:
    cell = zip((k for k, _ in _TABLES[table]), _key_values(table, row), strict=True)
    where = " AND ".join(f"{k} = {v}" for k, v in cell)
    return (
        f"UPDATE {table} SET {_sub_sets(row)} WHERE {where}; "
        f"DELETE FROM {table} WHERE {where} AND requests = 0 AND synthetic = 0;"
    )


def _insert_selected(table: str, where: str) -> str:
    groups = ", ".join(str(i + 1) for i in range(len(_TABLES[table])))
    return (
        f"INSERT INTO {table} ({_key(table)}, {_COLS}) "
        f"SELECT {', '.join(_key_values(table, 'records'))}, {_select_values()} "
        f"FROM records{where} GROUP BY {groups} "
        f"ON CONFLICT ({_key(table)}) DO UPDATE SET {_add_sets()}"
    )


#: Adds the records with ``id > ?`` (the rows a batch inserted) to ``rollup_q15``.
ROLLUP_INSERTED = _insert_selected("rollup_q15", " WHERE id > ?")
#: Adds the records with ``id > ?`` to ``rollup_dims_q15`` (run with ROLLUP_INSERTED).
DIMS_INSERTED = _insert_selected("rollup_dims_q15", " WHERE id > ?")


def _table(name: str) -> str:
    cols = ", ".join(f"{k} {'INTEGER' if k == 'q' else 'TEXT'} NOT NULL" for k, _ in _TABLES[name])
    return f"CREATE TABLE {name} ({cols}, {WIDE_COST}, PRIMARY KEY ({_key(name)})) WITHOUT ROWID;"


def _triggers(name: str, prefix: str) -> str:
    return (
        f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON records BEGIN "
        f"{_take_record(name, 'old')} END;\n"
        f"CREATE TRIGGER {prefix}_update AFTER UPDATE ON records BEGIN "
        f"{_take_record(name, 'old')} {_upsert_record(name, 'new')} END;\n"
    )


#: Migration 0010: both rollup tables rebuilt from the records with the wide cost columns.
WIDE_ROLLUPS = f"""
DROP TRIGGER records_rollup_delete;
DROP TRIGGER records_rollup_update;
DROP TRIGGER records_dims_delete;
DROP TRIGGER records_dims_update;
DROP TABLE rollup_q15;
DROP TABLE rollup_dims_q15;
{_table("rollup_q15")}
{_table("rollup_dims_q15")}
{_triggers("rollup_q15", "records_rollup")}
{_triggers("rollup_dims_q15", "records_dims")}
{_insert_selected("rollup_q15", " WHERE 1")};
{_insert_selected("rollup_dims_q15", " WHERE 1")};
"""

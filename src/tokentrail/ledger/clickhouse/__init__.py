"""The ClickHouse team ledger (``clickhouse://``, ``clickhouses://``, ``chdb://``).

* :mod:`.url`: parsing ledger URLs (password never shown);
* :mod:`.schema`: tables and named migrations; the version encoding "better copy wins";
* :mod:`.store`: :class:`~.store.ClickHouseLedger`, the :class:`LedgerStore`;
* :mod:`.reads`: report reads, deduplicated at query time.

Needs the optional extra ``tokentrail[clickhouse]`` (``clickhouse-connect``, ``chdb``).
"""

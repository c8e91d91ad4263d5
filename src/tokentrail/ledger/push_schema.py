"""The SQLite migration ``0012_push_checkpoint`` (standard library only: the schema module
imports it, and the warm report path imports the schema): the push checkpoint per team
ledger, and the record changes a push must send again. See
:mod:`tokentrail.ledger.push_state`."""

__all__ = ["PUSH_CHECKPOINT"]

PUSH_CHECKPOINT = """
CREATE TABLE IF NOT EXISTS push_checkpoint (
    target TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS push_changes (
    seq INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS push_records_update AFTER UPDATE ON records BEGIN
    INSERT INTO push_changes (dedup_key) VALUES (new.dedup_key);
END;
CREATE TRIGGER IF NOT EXISTS push_records_delete AFTER DELETE ON records BEGIN
    INSERT INTO push_changes (dedup_key) VALUES (old.dedup_key);
END;
CREATE TRIGGER IF NOT EXISTS push_records_reused_id AFTER INSERT ON records
WHEN new.id <= (SELECT coalesce(max(last_id), 0) FROM push_checkpoint) BEGIN
    INSERT INTO push_changes (dedup_key) VALUES (new.dedup_key);
END;
"""

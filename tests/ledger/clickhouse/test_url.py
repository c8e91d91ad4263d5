from __future__ import annotations

import pytest

from tokentrail.errors import UserInputError
from tokentrail.ledger.clickhouse.url import is_ledger_url, ledger_url, parse_ledger_url


def test_forms() -> None:
    u = parse_ledger_url("clickhouse://ann:s3cret@db.example:8123/team")
    assert (u.host, u.port, u.username, u.password, u.database, u.secure) == (
        "db.example", 8123, "ann", "s3cret", "team", False,
    )  # fmt: skip
    assert "s3cret" not in u.display
    assert "s3cret" not in repr(u)
    assert parse_ledger_url("clickhouses://h/db").port == 8443
    assert parse_ledger_url("clickhouse://h/db?secure=true").secure
    c = parse_ledger_url("chdb:///tmp/x?database=t1")
    assert (c.embedded, c.path, c.database) == (True, "/tmp/x", "t1")


def test_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENTRAIL_CLICKHOUSE_PASSWORD", "envpw")
    assert parse_ledger_url("clickhouse://ann@h/db").password == "envpw"
    assert parse_ledger_url("clickhouse://ann:urlpw@h/db").password == "urlpw"


@pytest.mark.parametrize(
    "bad", ["chdb://relative/path", "clickhouse:///db", "clickhouse://h/bad-name;drop"]
)
def test_bad_urls_are_one_line_errors(bad: str) -> None:
    with pytest.raises(UserInputError):
        parse_ledger_url(bad)


def test_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_ledger_url("chdb:///x")
    assert not is_ledger_url("/tmp/l.sqlite3")
    monkeypatch.setenv("TOKENTRAIL_LEDGER", "clickhouse://h/db")
    assert ledger_url(None) == "clickhouse://h/db"
    assert ledger_url("/tmp/l.sqlite3") is None

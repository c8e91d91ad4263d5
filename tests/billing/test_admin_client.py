"""The Admin API client against a real local HTTP server: every page, retries, refusals,
and the key never shown."""

from __future__ import annotations

import json

import pytest
from _fake_admin import COST, USAGE, FakeAdmin, bucket, paged, serve
from _fake_admin import usage_result as u

from tokentrail.billing.client import AdminApiError, AdminClient
from tokentrail.billing.key import AdminKey, load_admin_key
from tokentrail.billing.parse import usage_rows
from tokentrail.errors import UserInputError

SECRET = "sk-ant-admin01-TOPSECRET-abcdef"


def _pages(n: int) -> list[dict[str, object]]:
    days = [f"2026-11-{d:02d}" for d in range(1, n + 2)]
    return paged([bucket(days[i], [u(model="m", input=i)], days[i + 1]) for i in range(n)], 1)


def _client(url: str, sleeps: list[float], **kw: int) -> AdminClient:
    return AdminClient(AdminKey(SECRET), url, sleep=sleeps.append, **kw)


def test_every_page_is_followed_with_the_sdk_headers() -> None:
    with serve(FakeAdmin(pages={USAGE: _pages(5)})) as f, _client(f.url, []) as c:
        bodies = list(c.pages(USAGE, [("starting_at", "2026-11-01T00:00:00Z")]))
    rows = [r for b in bodies for r in usage_rows(b, "1d", USAGE)]
    assert [r.uncached_input_tokens for r in rows] == [0, 1, 2, 3, 4]
    assert [dict(q).get("page") for _, q, _ in f.requests] == [None, "p1", "p2", "p3", "p4"]
    _, _, headers = f.requests[0]
    assert headers["x-api-key"] == SECRET
    assert headers["anthropic-version"] == "2023-06-01"


def test_429_waits_retry_after_then_succeeds() -> None:
    fake = FakeAdmin(pages={USAGE: _pages(2)})
    fake.faults[(USAGE, "p1")] = [(429, {"retry-after": "7"}, b"{}")]
    sleeps: list[float] = []
    with serve(fake) as f, _client(f.url, sleeps) as c:
        assert len(list(c.pages(USAGE, []))) == 2
    assert sleeps == [7.0]


def test_5xx_mid_pagination_backs_off_and_resumes_at_that_page() -> None:
    fake = FakeAdmin(pages={USAGE: _pages(3)})
    fake.faults[(USAGE, "p1")] = [(500, {}, b"oops"), (503, {}, b"")]
    sleeps: list[float] = []
    with serve(fake) as f, _client(f.url, sleeps) as c:
        assert len(list(c.pages(USAGE, []))) == 3
    assert sleeps == [0.5, 1.0]
    assert [dict(q).get("page") for _, q, _ in fake.requests] == [None, "p1", "p1", "p1", "p2"]


def test_retries_are_bounded() -> None:
    fake = FakeAdmin(pages={USAGE: _pages(1)})
    fake.faults[(USAGE, None)] = [(500, {}, b"")] * 10
    sleeps: list[float] = []
    with (
        serve(fake) as f,
        _client(f.url, sleeps, max_attempts=3) as c,
        pytest.raises(AdminApiError, match="HTTP 500 after 3 attempts"),
    ):
        list(c.pages(USAGE, []))
    assert len(sleeps) == 2


@pytest.mark.parametrize(("status", "text"), [(401, "refused the key"), (403, "may not read")])
def test_refusals_are_one_line_without_the_key(status: int, text: str) -> None:
    body = json.dumps(
        {"type": "error", "error": {"type": "authentication_error", "message": f"bad {SECRET}"}}
    ).encode()
    fake = FakeAdmin(pages={USAGE: _pages(1)})
    fake.faults[(USAGE, None)] = [(status, {}, body)]
    with serve(fake) as f, _client(f.url, []) as c, pytest.raises(AdminApiError) as info:
        list(c.pages(USAGE, []))
    msg = str(info.value)
    assert text in msg
    assert info.value.status == status
    assert "\n" not in msg
    assert SECRET not in msg
    assert "<redacted>" in msg
    assert SECRET not in repr(c)


def test_malformed_json_and_bad_fields_are_one_line() -> None:
    fake = FakeAdmin(pages={USAGE: _pages(1), COST: _pages(1)})
    fake.faults[(USAGE, None)] = [(200, {}, b"{not json")]
    with (
        serve(fake) as f,
        _client(f.url, []) as c,
        pytest.raises(AdminApiError, match="not JSON"),
    ):
        list(c.pages(USAGE, []))
    bad = {"data": [{"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z",
                     "results": [{"output_tokens": "12"}]}], "has_more": False}  # fmt: skip
    with pytest.raises(AdminApiError, match=r"data\[0\]\.results\[0\]\.output_tokens"):
        usage_rows(bad, "1d", USAGE)


def test_has_more_without_next_page_or_looping_is_an_error() -> None:
    loop = {"data": [], "has_more": True, "next_page": "p0"}
    with (
        serve(FakeAdmin(pages={USAGE: [loop]})) as f,
        _client(f.url, []) as c,
        pytest.raises(AdminApiError, match="loop"),
    ):
        list(c.pages(USAGE, []))


def test_the_key_hides_itself(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    key = AdminKey(SECRET)
    assert SECRET not in repr(key)
    assert SECRET not in f"{key}"
    monkeypatch.setenv("ANTHROPIC_ADMIN_KEY", f"  {SECRET}\n")
    assert load_admin_key().header_value() == SECRET
    monkeypatch.delenv("ANTHROPIC_ADMIN_KEY")
    with pytest.raises(UserInputError, match="ANTHROPIC_ADMIN_KEY"):
        load_admin_key()
    with pytest.raises(UserInputError) as info:
        load_admin_key(env={"ANTHROPIC_ADMIN_KEY": SECRET + " x"})
    assert SECRET not in str(info.value)


def test_a_money_amount_sent_as_a_json_number_stays_exact() -> None:
    from tokentrail.billing.parse import cost_rows

    page = (
        b'{"data": [{"starting_at": "2026-11-01T00:00:00Z", "ending_at": "2026-11-02T00:00:00Z",'
        b' "results": [{"amount": 0.1000000000000000055511151231257827, "currency": "USD"}]}],'
        b' "has_more": false, "next_page": null}'
    )
    fake = FakeAdmin(pages={COST: [{}]})
    fake.faults[(COST, None)] = [(200, {}, page)]
    with serve(fake) as f, _client(f.url, []) as c:
        (body,) = list(c.pages(COST, []))
    (row,) = cost_rows(body, COST)
    assert row.amount_cents == "0.1000000000000000055511151231257827"


def test_a_page_without_has_more_ends_when_next_page_is_null() -> None:
    page = {"data": [], "next_page": None}
    with serve(FakeAdmin(pages={USAGE: [page]})) as f, _client(f.url, []) as c:
        assert len(list(c.pages(USAGE, []))) == 1

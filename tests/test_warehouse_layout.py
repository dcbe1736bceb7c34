"""Where events go in the warehouse layout, and how a batch is planned: pure, tabled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segd.warehouse.layout import rows_of
from segd.warehouse.plan import TableRef, plan_load
from segd.warehouse.types import Kind

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
RECEIVED = "2025-01-02T03:04:00.000Z"


def call(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": "m-1", "receivedAt": RECEIVED, **fields}


def tables_and_values(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row.table: row.values for row in rows_of(body).rows}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            call("identify", userId="u1", traits={"email": "a@x", "address": {"city": "Oslo"}}),
            {
                "identifies": {"email": "a@x", "address_city": "Oslo", "user_id": "u1"},
                "users": {"id": "u1", "email": "a@x", "address_city": "Oslo"},
            },
        ),
        (
            call(
                "track",
                userId="u1",
                event="Order Completed",
                properties={"orderId": "o1", "products": [{"sku": "G-32"}], "shipping": {}},
            ),
            {
                "tracks": {"event": "order_completed", "event_text": "Order Completed"},
                "order_completed": {
                    "event": "order_completed",
                    "event_text": "Order Completed",
                    "order_id": "o1",
                    "products": [{"sku": "G-32"}],
                },
            },
        ),
        (
            call("page", anonymousId="a1", name="Home", properties={"url": "https://x/"}),
            {"pages": {"name": "Home", "url": "https://x/", "anonymous_id": "a1"}},
        ),
        (
            call("screen", userId="u1", name="Settings", category="App"),
            {"screens": {"name": "Settings", "category": "App"}},
        ),
        (
            call("group", userId="u1", groupId="g1", traits={"employeeCount": 12}),
            {"groups": {"group_id": "g1", "employee_count": 12}},
        ),
        (
            call("alias", userId="u2", previousId="u1"),
            {"aliases": {"previous_id": "u1", "user_id": "u2"}},
        ),
        (
            # No userId: no users row, only the identify itself.
            call("identify", anonymousId="a1", traits={"plan": "pro"}),
            {"identifies": {"plan": "pro"}},
        ),
        (
            # Context goes to every row but users, flattened under context_.
            call(
                "identify",
                userId="u1",
                context={"library": {"name": "analytics.js"}, "page": {"url": "https://x/"}},
            ),
            {
                "identifies": {
                    "context_library_name": "analytics.js",
                    "context_page_url": "https://x/",
                },
                "users": {"id": "u1"},
            },
        ),
    ],
)
def test_rows_of_each_call(body: dict[str, Any], expected: dict[str, dict[str, Any]]) -> None:
    got = tables_and_values(body)
    assert set(got) == set(expected)
    for table, values in expected.items():
        for column, value in values.items():
            assert got[table][column] == value, (table, column)
    assert rows_of(body).problems == []


def test_common_columns_come_from_the_spec_fields() -> None:
    body = call(
        "track",
        event="Signed Up",
        userId="u1",
        anonymousId="a1",
        sentAt="2025-01-02T03:03:59.000Z",
        timestamp="2025-01-02T03:03:58.000Z",
        originalTimestamp="2025-01-02T03:03:57.000Z",
    )
    values = tables_and_values(body)["tracks"]
    assert values == {
        "id": "m-1",
        "anonymous_id": "a1",
        "user_id": "u1",
        "received_at": RECEIVED,
        "sent_at": "2025-01-02T03:03:59.000Z",
        "timestamp": "2025-01-02T03:03:58.000Z",
        "original_timestamp": "2025-01-02T03:03:57.000Z",
        "event": "signed_up",
        "event_text": "Signed Up",
    }


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        # A property named like a fixed column is discarded (Segment does the same).
        (
            call("track", event="E", userId="u1", properties={"user_id": "other"}),
            [("e", "user_id", "other", "reserved_column")],
        ),
        (
            call("track", event="E", userId="u1", properties={"uuid_ts": 1}),
            [("e", "uuid_ts", 1, "reserved_column")],
        ),
        # ... unless it only repeats the column's value.
        (call("page", userId="u1", name="Home", properties={"name": "Home"}), []),
        (
            call("identify", userId="u1", traits={"id": "u1"}),
            [("identifies", "id", "u1", "reserved_column")],
        ),
        # Two keys that snake_case to the same column: the first wins.
        (
            call("track", event="E", userId="u1", properties={"firstName": "A", "first_name": "B"}),
            [("e", "first_name", "B", "name_collision")],
        ),
        (
            call("track", event="E", userId="u1", properties={"firstName": "A", "first_name": "A"}),
            [],
        ),
        # A key with no letters or digits has no column.
        (
            call("track", event="E", userId="u1", properties={"€€": 1}),
            [("e", "€€", 1, "invalid_name")],
        ),
        # An event name with no letters or digits has no table: its properties are kept.
        (
            call("track", event="!!!", userId="u1", properties={"a": 1}),
            [("!!!", "", {"a": 1}, "invalid_table_name")],
        ),
    ],
)
def test_values_without_a_column_are_problems(
    body: dict[str, Any], problems: list[tuple[str, str, Any, str]]
) -> None:
    got = [(p.table, p.column, p.value, p.reason) for p in rows_of(body).problems]
    assert got == problems


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"type": "track", "event": "E", "userId": "u"}, "no messageId"),
        ({"type": "bogus", "messageId": "m"}, "is not one of the six calls"),
        ({"messageId": "m"}, "is not one of the six calls"),
        (call("track", event="E", userId="u\x00"), "userId contains a NUL"),
    ],
)
def test_events_that_cannot_be_loaded_are_rejected(body: dict[str, Any], reason: str) -> None:
    shaped = rows_of(body)
    assert shaped.rows == []
    assert shaped.rejection is not None and reason in shaped.rejection


def track(message_id: str, properties: dict[str, Any], event: str = "Order Completed") -> Any:
    return (
        "shop",
        {
            "type": "track",
            "messageId": message_id,
            "userId": "u1",
            "event": event,
            "receivedAt": RECEIVED,
            "properties": properties,
        },
    )


ORDERS = TableRef("shop", "order_completed")
DISCARDS = TableRef("shop", "discards")


def test_new_columns_take_the_kind_of_their_first_value() -> None:
    plan = plan_load(
        [
            track("m1", {"coupon": None, "total": 10, "at": "2025-01-01T00:00:00Z"}),
            track("m2", {"coupon": "XMAS", "total": 12.5, "paid": True}),
        ],
        {},
        NOW,
    )
    orders = plan.tables[ORDERS]
    assert not orders.exists
    assert {c: orders.new_columns[c] for c in ("coupon", "total", "at", "paid")} == {
        "coupon": Kind.TEXT,
        "total": Kind.INTEGER,
        "at": Kind.TIMESTAMP,
        "paid": Kind.BOOLEAN,
    }
    # 12.5 does not fit the integer column: discarded, with the expected type.
    discards = list(plan.tables[DISCARDS].rows.values())
    assert [
        (d["table_name"], d["column_name"], d["value"], d["expected_type"]) for d in discards
    ] == [("order_completed", "total", "12.5", "integer")]
    assert discards[0]["event_id"] == "m2" and discards[0]["reason"] == "type_mismatch"
    rows = {row[0]: dict(zip(orders.columns(), row, strict=True)) for row in orders.tuples()}
    assert rows["m2"]["total"] is None and rows["m2"]["coupon"] == "XMAS"
    assert rows["m1"]["uuid_ts"] == NOW


def test_existing_columns_keep_their_kind_and_only_new_ones_are_added() -> None:
    catalog = {ORDERS: {"id": Kind.TEXT, "total": Kind.TEXT, "uuid_ts": Kind.TIMESTAMP}}
    plan = plan_load([track("m1", {"total": 10, "items": 3})], catalog, NOW)
    orders = plan.tables[ORDERS]
    assert orders.exists
    assert "total" not in orders.new_columns and orders.new_columns["items"] is Kind.INTEGER
    row = dict(zip(orders.columns(), orders.tuples()[0], strict=True))
    assert row["total"] == "10"
    assert DISCARDS not in plan.tables


def test_a_repeated_id_in_one_batch_is_one_row() -> None:
    plan = plan_load([track("m1", {"n": 1}), track("m1", {"n": 2})], {}, NOW)
    rows = plan.tables[ORDERS].tuples()
    assert len(rows) == 1


def identify(message_id: str, traits: dict[str, Any], received: str = RECEIVED) -> Any:
    return (
        "shop",
        {
            "type": "identify",
            "messageId": message_id,
            "userId": "u1",
            "receivedAt": received,
            "traits": traits,
        },
    )


def test_users_rows_of_one_batch_merge_trait_by_trait() -> None:
    plan = plan_load(
        [
            identify("m1", {"email": "old@x", "plan": "free"}),
            identify("m2", {"email": "new@x"}, "2025-01-02T03:05:00.000Z"),
        ],
        {},
        NOW,
    )
    users = plan.tables[TableRef("shop", "users")]
    assert users.upsert
    [row] = [dict(zip(users.columns(), r, strict=True)) for r in users.tuples()]
    assert row["email"] == "new@x" and row["plan"] == "free"
    assert row["received_at"] == datetime(2025, 1, 2, 3, 5, tzinfo=UTC)
    assert len(plan.tables[TableRef("shop", "identifies")].tuples()) == 2


def test_an_older_identify_later_in_the_batch_only_fills_gaps() -> None:
    plan = plan_load(
        [
            identify("m2", {"email": "new@x"}, "2025-01-02T03:05:00.000Z"),
            identify("m1", {"email": "old@x", "plan": "free"}),
        ],
        {},
        NOW,
    )
    users = plan.tables[TableRef("shop", "users")]
    [row] = [dict(zip(users.columns(), r, strict=True)) for r in users.tuples()]
    assert (row["email"], row["plan"]) == ("new@x", "free")
    assert row["received_at"] == datetime(2025, 1, 2, 3, 5, tzinfo=UTC)


def test_discards_have_stable_ids_so_a_reload_records_them_once() -> None:
    batch = [track("m1", {"total": 1}), track("m2", {"total": "many"})]
    first = plan_load(batch, {}, NOW).tables[DISCARDS].rows
    again = plan_load(batch, {}, datetime(2030, 1, 1, tzinfo=UTC)).tables[DISCARDS].rows
    assert list(first) == list(again) and len(first) == 1


def test_rejected_events_are_reported_by_position() -> None:
    plan = plan_load([track("m1", {}), ("shop", {"type": "track"})], {}, NOW)
    assert list(plan.rejected) == [1]
    assert plan.events == 1


def test_text_with_nul_goes_to_discards() -> None:
    plan = plan_load([track("m1", {"note": "a\x00b"})], {}, NOW)
    [discard] = plan.tables[DISCARDS].rows.values()
    assert discard["column_name"] == "note" and discard["value"] == '"a\\u0000b"'
    assert "note" not in plan.tables[ORDERS].used

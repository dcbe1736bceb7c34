"""Names and types of the warehouse layout: pure functions, one table each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from segd.warehouse.naming import event_table, is_plain_identifier, snakecase
from segd.warehouse.types import (
    DoesNotFit,
    Kind,
    convert,
    infer,
    kind_of_sql_type,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # go-snakecase's own test table, which Segment's warehouses use.
        ("sample text", "sample_text"),
        ("sample-text", "sample_text"),
        ("sample_text", "sample_text"),
        ("sample___text", "sample_text"),
        ("sampleText", "sample_text"),
        ("inviteYourCustomersAddInvites", "invite_your_customers_add_invites"),
        ("sample 2 Text", "sample_2_text"),
        ("   sample   2    Text   ", "sample_2_text"),
        ("   $#$sample   2    Text   ", "sample_2_text"),
        ("SAMPLE 2 TEXT", "sample_2_text"),
        ("___$$Base64Encode", "base64_encode"),
        ("FOO:BAR$BAZ", "foo_bar_baz"),
        ("FOO#BAR#BAZ", "foo_bar_baz"),
        ("something.com", "something_com"),
        ("$something%", "something"),
        ("•¶§ƒ˚foo˙∆˚¬", "foo"),
        # Segment's documented examples.
        ("Order Completed", "order_completed"),
        ("accountType", "account_type"),
        ("context_field_nestedA_nestedB", "context_field_nested_a_nested_b"),
        # Capitals run together, a digit before a capital starts its word.
        ("HTTPRequest", "httprequest"),
        ("userID", "user_id"),
        ("a1B", "a_1b"),
        ("address_streetName", "address_street_name"),
        ("_private", "_private"),
        ("trailing_", "trailing"),
        ("", ""),
        ("日本語", ""),
    ],
)
def test_snakecase_follows_go_snakecase(name: str, expected: str) -> None:
    assert snakecase(name) == expected


@pytest.mark.parametrize(
    ("event", "table"),
    [
        ("Order Completed", "order_completed"),
        ("order_completed", "order_completed"),
        ("Signed Up!", "signed_up"),
        # The fixed tables of a schema cannot be taken by an event.
        ("Tracks", "_tracks"),
        ("users", "_users"),
        ("Discards", "_discards"),
        ("identifies", "_identifies"),
        ("???", ""),
        ("x" * 80, "x" * 63),
    ],
)
def test_event_table(event: str, table: str) -> None:
    assert event_table(event) == table


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("my_source", True),
        ("_segd", True),
        ("s_2024", True),
        ("2024", False),
        ("My", False),
        ("a-b", False),
        ("", False),
        ('x"; drop', False),
        ("a" * 64, False),
    ],
)
def test_is_plain_identifier(name: str, plain: bool) -> None:
    assert is_plain_identifier(name) is plain


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-05-06T07:08:09Z", at(2024, 5, 6, 7, 8, 9)),
        ("2024-05-06T07:08:09.123Z", at(2024, 5, 6, 7, 8, 9, 123000)),
        ("2024-05-06T07:08:09.123456789Z", at(2024, 5, 6, 7, 8, 9, 123456)),
        ("2024-05-06T09:08:09+02:00", at(2024, 5, 6, 7, 8, 9)),
        ("2024-05-06 07:08:09", at(2024, 5, 6, 7, 8, 9)),
        ("2024-05-06T07:08", at(2024, 5, 6, 7, 8)),
        ("2024-05-06", None),
        ("2024-13-06T07:08:09Z", None),
        ("yesterday", None),
        ("2024-05-06T07:08:09Z trailing", None),
    ],
)
def test_parse_timestamp(text: str, moment: datetime | None) -> None:
    assert parse_timestamp(text) == moment


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (True, Kind.BOOLEAN),
        (0, Kind.INTEGER),
        (2**63 - 1, Kind.INTEGER),
        (2**63, Kind.FLOAT),
        (1.5, Kind.FLOAT),
        ("2024-05-06T07:08:09Z", Kind.TIMESTAMP),
        ("2024-05-06", Kind.TEXT),
        ("hello", Kind.TEXT),
        ("", Kind.TEXT),
        ([1, 2], Kind.TEXT),
    ],
)
def test_infer_from_first_value(value: Any, kind: Kind) -> None:
    assert infer(value) is kind


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("x", Kind.TEXT, "x"),
        (42, Kind.TEXT, "42"),
        (1.5, Kind.TEXT, "1.5"),
        (True, Kind.TEXT, "true"),
        (["507f1", "505bd"], Kind.TEXT, '["507f1","505bd"]'),
        ([{"a": "é"}], Kind.TEXT, '[{"a":"é"}]'),
        (7, Kind.INTEGER, 7),
        (7.0, Kind.INTEGER, 7),
        (7, Kind.FLOAT, 7.0),
        (7.25, Kind.FLOAT, 7.25),
        (False, Kind.BOOLEAN, False),
        ("2024-05-06T07:08:09Z", Kind.TIMESTAMP, at(2024, 5, 6, 7, 8, 9)),
        # What does not fit is not forced in.
        (7.5, Kind.INTEGER, DoesNotFit),
        ("7", Kind.INTEGER, DoesNotFit),
        (True, Kind.INTEGER, DoesNotFit),
        (2**63, Kind.INTEGER, DoesNotFit),
        ("7.5", Kind.FLOAT, DoesNotFit),
        (True, Kind.FLOAT, DoesNotFit),
        ("true", Kind.BOOLEAN, DoesNotFit),
        (1, Kind.BOOLEAN, DoesNotFit),
        ("soon", Kind.TIMESTAMP, DoesNotFit),
        (1714979289, Kind.TIMESTAMP, DoesNotFit),
    ],
)
def test_convert(value: Any, kind: Kind, expected: Any) -> None:
    if expected is DoesNotFit:
        with pytest.raises(DoesNotFit):
            convert(value, kind)
    else:
        assert convert(value, kind) == expected


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [
        ("TIMESTAMP WITH TIME ZONE", Kind.TIMESTAMP),
        ("timestamp without time zone", Kind.TIMESTAMP),
        ("BIGINT", Kind.INTEGER),
        ("integer", Kind.INTEGER),
        ("DOUBLE", Kind.FLOAT),
        ("double precision", Kind.FLOAT),
        ("numeric(10,2)", Kind.FLOAT),
        ("DECIMAL(18,3)", Kind.FLOAT),
        ("boolean", Kind.BOOLEAN),
        ("VARCHAR", Kind.TEXT),
        ("text", Kind.TEXT),
        ("character varying", Kind.TEXT),
        ("interval", Kind.TEXT),
        ("jsonb", Kind.TEXT),
    ],
)
def test_kind_of_existing_column(data_type: str, kind: Kind) -> None:
    assert kind_of_sql_type(data_type) is kind

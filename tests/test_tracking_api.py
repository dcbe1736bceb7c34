"""The HTTP Tracking API's request rules, one table each (segd/server/tracking_api.py)."""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import Any

import pytest

from segd import errors
from segd.api.v1 import event_pb2
from segd.errors import InvalidRequest, RequestTooLarge, SegdError
from segd.server.ratelimit import RateLimiter
from segd.server.status import http_status_for
from segd.server.tracking_api import (
    basic_auth_user,
    batch_calls,
    convert,
    decode_body,
    merge,
    parse_body,
    write_key_of,
)

LIMIT = 1000


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("raw", "encoding", "expected"),
    [
        (b'{"a":1}', None, b'{"a":1}'),
        (b'{"a":1}', "identity", b'{"a":1}'),
        (gzip.compress(b'{"a":1}'), "gzip", b'{"a":1}'),
        (gzip.compress(b'{"a":1}'), "GZIP ", b'{"a":1}'),
        (gzip.compress(b'{"a":') + gzip.compress(b"1}"), "gzip", b'{"a":1}'),  # two members
        (gzip.compress(b"x" * LIMIT), "gzip", b"x" * LIMIT),  # exactly at the limit
    ],
)
def test_decode_body(raw: bytes, encoding: str | None, expected: bytes) -> None:
    assert decode_body(raw, encoding, LIMIT) == expected


@pytest.mark.parametrize(
    ("raw", "encoding", "error", "words"),
    [
        (b"x" * (LIMIT + 1), None, RequestTooLarge, "over the limit"),
        (gzip.compress(b"x" * (LIMIT + 1)), "gzip", RequestTooLarge, "decompressed"),
        # A bomb: 100 MB of zeros in ~100 KB; refused after LIMIT bytes of output.
        (gzip.compress(bytes(100_000_000), 9), "gzip", RequestTooLarge, "decompressed"),
        (b"not gzip at all", "gzip", InvalidRequest, "not valid gzip"),
        (gzip.compress(b'{"a": 1}')[:-6], "gzip", InvalidRequest, "truncated"),
        (zlib.compress(b"{}"), "deflate", InvalidRequest, "not supported"),
        (b"{}", "br", InvalidRequest, "not supported"),
    ],
)
def test_decode_body_refuses(raw: bytes, encoding: str, error: type[SegdError], words: str) -> None:
    with pytest.raises(error, match=words):
        decode_body(raw, encoding, LIMIT)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{bad", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply|not valid JSON"),
        (b'{"n": 1' + b"0" * 5000 + b"}", "not valid JSON: a number has too many digits$"),
    ],
)
def test_parse_body_refuses(body: bytes, words: str) -> None:
    with pytest.raises(InvalidRequest, match=words):
        parse_body(body)


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        (basic("key1:"), {}, "key1"),
        (basic("key1"), {}, "key1"),  # without the colon, as older clients send it
        (basic("key1:ignored"), {"writeKey": "key2"}, "key1"),  # the header wins
        (None, {"writeKey": "key2"}, "key2"),
        ("Bearer token", {"writeKey": "key2"}, "key2"),  # OAuth: key in the body
        (basic(":"), {"writeKey": "key2"}, "key2"),  # empty username
        (None, {"writeKey": 42}, ""),
        (None, {}, ""),
    ],
)
def test_write_key_of(header: str | None, body: dict[str, Any], expected: str) -> None:
    assert write_key_of(header, body) == expected


def test_basic_auth_garbage_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequest, match="Basic credentials"):
        basic_auth_user("Basic !!!not-base64")


@pytest.mark.parametrize(
    ("base", "own", "expected"),
    [
        ({}, {"a": 1}, {"a": 1}),
        ({"a": 1}, {}, {"a": 1}),
        ({"a": 1}, {"a": 2}, {"a": 2}),
        ({"a": 1, "b": 2}, {"b": 3}, {"a": 1, "b": 3}),
        ({"lib": {"name": "x", "v": 1}}, {"lib": {"v": 2}}, {"lib": {"name": "x", "v": 2}}),
        ({"lib": {"name": "x"}}, {"lib": "flat"}, {"lib": "flat"}),
        ({"lib": "flat"}, {"lib": {"v": 2}}, {"lib": {"v": 2}}),
        ({"All": False}, {"Mixpanel": True}, {"All": False, "Mixpanel": True}),
    ],
)
def test_merge(base: dict[str, Any], own: dict[str, Any], expected: dict[str, Any]) -> None:
    assert merge(base, own) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"batch": []}, []),
        ({"batch": [{"a": 1}]}, [{"a": 1}]),
        (
            {"batch": [{"a": 1}, {"context": {"ip": "own"}}], "context": {"ip": "b", "x": 1}},
            [{"a": 1, "context": {"ip": "b", "x": 1}}, {"context": {"ip": "own", "x": 1}}],
        ),
        (
            {"batch": [{"integrations": {"A": True}}], "integrations": {"All": False}},
            [{"integrations": {"All": False, "A": True}}],
        ),
        (
            {"batch": [{}, {"sentAt": "own"}], "sentAt": "2024-01-01T00:00:00Z"},
            [{"sentAt": "2024-01-01T00:00:00Z"}, {"sentAt": "own"}],
        ),
        # A call that is not an object, or a context that is not one, stays as sent.
        ({"batch": [5, {"context": 7}], "context": {"x": 1}}, [5, {"context": 7}]),
        ({"batch": [{"a": 1}], "context": {}}, [{"a": 1}]),
    ],
)
def test_batch_calls(body: dict[str, Any], expected: list[Any]) -> None:
    assert batch_calls(body) == expected


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "batch must be a JSON array"),
        ({"batch": {"type": "track"}}, "batch must be a JSON array"),
        ({"batch": [], "context": [1]}, "context must be a JSON object"),
        ({"batch": [], "integrations": "all"}, "integrations must be a JSON object"),
    ],
)
def test_batch_calls_refuses(body: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidRequest, match=words):
        batch_calls(body)


def test_convert_keeps_positions_of_calls_that_are_no_events() -> None:
    calls = [
        {"type": "track", "userId": "u", "event": "E"},
        {"type": "launch", "userId": "u", "messageId": "m-2"},
        "not an object",
        {"type": "identify", "userId": "u", "traits": [1]},
    ]
    events, rejected = convert(calls, None)
    assert len(events) == 4
    assert events[0].type == event_pb2.EVENT_TYPE_TRACK
    assert {i: r.reason for i, r in rejected.items()} == {
        1: "missing_type",
        2: "not_an_object",
        3: "not_an_object",
    }
    assert events[1].message_id == "m-2"  # kept so the debugger can show it


def test_convert_takes_the_type_from_the_path() -> None:
    events, rejected = convert([{"type": "identify", "userId": "u", "event": "E"}], "track")
    assert not rejected
    assert events[0].type == event_pb2.EVENT_TYPE_TRACK


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.InvalidRequest("x"), 400, "invalid_request"),
        (errors.RequestTooLarge("x"), 400, "request_too_large"),
        (errors.Unauthenticated("x"), 401, "unauthenticated"),
        (errors.PermissionDenied("x"), 403, "permission_denied"),
        (errors.RateLimited("x", 1.0), 429, "rate_limited"),
        (errors.Overloaded("x"), 429, "overloaded"),
        (errors.Unavailable("x"), 503, "unavailable"),
        (errors.SegdError("x"), 500, "internal"),
    ],
)
def test_http_status_table(error: SegdError, status: int, code: str) -> None:
    assert http_status_for(error) == (status, code)


@pytest.mark.parametrize(
    ("rate", "burst", "times", "waits"),
    [
        # A full bucket lets `burst` through at once, then one per 1/rate seconds.
        (1.0, 2, [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        (2.0, 1, [0.0, 0.0, 0.25, 0.5], [0.0, 0.5, 0.25, 0.0]),
        (10.0, 1, [0.0, 0.1, 0.2, 0.2], [0.0, 0.0, 0.0, pytest.approx(0.1)]),
        # Idle time refills no further than the burst.
        (1.0, 2, [0.0, 0.0, 100.0, 100.0, 100.0], [0.0, 0.0, 0.0, 0.0, 1.0]),
    ],
)
def test_rate_limiter(rate: float, burst: int, times: list[float], waits: list[float]) -> None:
    limiter = RateLimiter(rate, burst)
    assert [limiter.take("key", now) for now in times] == waits


def test_rate_limiter_keeps_keys_apart_and_bounded() -> None:
    limiter = RateLimiter(1.0, 1, max_keys=2)
    assert limiter.take("a", 0.0) == 0.0
    assert limiter.take("b", 0.0) == 0.0
    assert limiter.take("a", 0.0) == 1.0
    limiter.take("c", 0.0)  # pushes out "b", the least recently used
    assert limiter.take("b", 0.0) == 0.0


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({"type": "track", "timestamp": "0001-01-01T00:00:00+01:00"}, "invalid_timestamp"),
        ({"type": "track", "sentAt": "9999-12-31T23:59:59-01:00"}, "invalid_timestamp"),
        ({"type": "track", "timestamp": 1700000000}, "invalid_timestamp"),
        ({"type": "track", "properties": {"x": float("inf")}}, "non_finite_number"),
        ({"type": "track", "userId": {"id": 1}}, "invalid_field"),
        ({"type": "track", "userId": "\ud800"}, "invalid_unicode"),
        ({"type": "track", "userId": "u", "properties": {"a": "\udc00"}}, "invalid_unicode"),
        ({"type": "track", "messageId": "m\udfff"}, "invalid_unicode"),
    ],
)
def test_convert_rejects_what_json_cannot_carry(call: dict[str, Any], reason: str) -> None:
    _, rejected = convert([call], None)
    assert rejected[0].reason == reason


def test_a_call_that_cannot_be_stored_keeps_the_ids_that_can_be_shown() -> None:
    events, rejected = convert([{"type": "track", "userId": "\ud800", "messageId": "m1"}], None)
    assert rejected[0].reason == "invalid_unicode"
    assert (events[0].message_id, events[0].user_id) == ("m1", "")


def test_convert_ignores_a_version_out_of_range() -> None:
    events, rejected = convert([{"type": "track", "version": 2**40}], None)
    assert not rejected
    assert events[0].version == 0

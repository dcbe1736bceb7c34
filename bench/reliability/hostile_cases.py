"""The hand-made hostile cases of scenario 6: each request, and the status it must get."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from bench.reliability.load import varint
from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E
from tests.support.http import basic_auth

OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
TRACK = E.EVENT_TYPE_TRACK


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def event(**fields: Any) -> E.Event:
    """A valid track event with `fields` laid over it (times as seconds, or Timestamps)."""
    made = E.Event(type=TRACK, user_id="user-1", event="Hostile")
    for key, value in fields.items():
        if isinstance(value, Timestamp):
            getattr(made, key).CopyFrom(value)
        else:
            setattr(made, key, value)
    return made


def batch(key: str, *events: E.Event) -> bytes:
    return C.SendBatchRequest(write_key=key, events=events).SerializeToString()


def single(key: str, one: E.Event) -> bytes:
    return C.SendRequest(write_key=key, event=one).SerializeToString()


@dataclass(frozen=True)
class GrpcCase:
    name: str
    method: str
    payload: Callable[[Keys], bytes]
    expected: grpc.StatusCode
    words: str = ""  # expected in the error's details


@dataclass(frozen=True)
class HttpCase:
    name: str
    path: str
    body: Callable[[Keys], bytes]
    expected: int
    code: str
    headers: Callable[[Keys], dict[str, str]] | None = None
    method: str = "POST"


@dataclass(frozen=True)
class Keys:
    write_key: str
    disabled: str


SB, SEND = "/segd.api.v1.Collector/SendBatch", "/segd.api.v1.Collector/Send"
BAD_UTF8_USER = b"\x08\x02" + b"\x1a\x02\xc3\x28" + b"\x6a\x01e"  # type, user_id, event


def grpc_cases() -> list[GrpcCase]:
    def k(keys: Keys) -> str:
        return keys.write_key

    big = [event(properties=json.dumps({"s": "x" * 20_000})) for _ in range(26)]
    return [
        GrpcCase("garbage bytes", SB, lambda _: b"\xff\xfe\xfd\xfc" * 8, INVALID),
        GrpcCase("truncated protobuf", SB, lambda s: batch(k(s), event())[:-3], INVALID),
        GrpcCase("write key not UTF-8", SB, lambda _: b"\x0a\x02\xc3\x28", INVALID),
        GrpcCase(
            "event field not UTF-8",
            SB,
            lambda s: batch(k(s)) + b"\x12" + varint(len(BAD_UTF8_USER)) + BAD_UTF8_USER,
            INVALID,
        ),
        GrpcCase("12 MB request", SB, lambda _: b"\x12" + b"\xff" * 12_000_000, EXHAUSTED),
        GrpcCase(
            "batch over 500 KB", SB, lambda s: batch(k(s), *big), EXHAUSTED, "larger than max"
        ),
        GrpcCase("2,501 events", SB, lambda s: batch(k(s), *[event()] * 2501), INVALID, "2501"),
        GrpcCase(
            "event over 32 KB",
            SEND,
            lambda s: single(k(s), event(properties=json.dumps({"s": "x" * 33_000}))),
            INVALID,
            "event_too_large",
        ),
        GrpcCase(
            "nesting depth 100",
            SEND,
            lambda s: single(k(s), event(properties=nested(100))),
            INVALID,
            "too_deep",
        ),
        GrpcCase(
            "nesting depth 100,000",
            SEND,
            lambda s: single(k(s), event(properties=nested(100_000)[:30_000])),
            INVALID,
        ),
        GrpcCase(
            "NaN",
            SEND,
            lambda s: single(k(s), event(properties='{"a": NaN}')),
            INVALID,
            "non_finite",
        ),
        GrpcCase(
            "-Infinity",
            SEND,
            lambda s: single(k(s), event(traits='{"a": -Infinity}')),
            INVALID,
            "non_finite",
        ),
        GrpcCase(
            "1e400",
            SEND,
            lambda s: single(k(s), event(properties='{"a": 1e400}')),
            INVALID,
            "non_finite",
        ),
        GrpcCase(
            "5,000-digit integer",
            SEND,
            lambda s: single(k(s), event(properties='{"a": ' + "9" * 5000 + "}")),
            INVALID,
            "too many digits",
        ),
        GrpcCase(
            "101-character messageId",
            SEND,
            lambda s: single(k(s), event(message_id="m" * 101)),
            INVALID,
            "message_id_too_long",
        ),
        GrpcCase(
            "no userId or anonymousId",
            SEND,
            lambda s: single(k(s), event(user_id="")),
            INVALID,
            "missing_identity",
        ),
        GrpcCase(
            "unknown type 99", SEND, lambda s: single(k(s), event(type=99)), INVALID, "missing_type"
        ),
        GrpcCase(
            "track without a name",
            SEND,
            lambda s: single(k(s), event(event="")),
            INVALID,
            "missing_event",
        ),
        GrpcCase(
            "properties an array (wrong type)",
            SEND,
            lambda s: single(k(s), event(properties="[1, 2]")),
            INVALID,
            "not_an_object",
        ),
        GrpcCase(
            "properties not JSON",
            SEND,
            lambda s: single(k(s), event(properties="{'a': 1}")),
            INVALID,
            "invalid_json",
        ),
        GrpcCase(
            "unpaired surrogate escape",
            SEND,
            lambda s: single(k(s), event(context='{"ip": "\\udfff"}')),
            INVALID,
            "invalid_unicode",
        ),
        GrpcCase(
            "timestamp in year 31 million",
            SEND,
            lambda s: single(k(s), event(timestamp=Timestamp(seconds=10**15))),
            INVALID,
            "invalid_timestamp",
        ),
        GrpcCase(
            "negative nanos",
            SEND,
            lambda s: single(k(s), event(sent_at=Timestamp(seconds=1, nanos=-1))),
            INVALID,
            "invalid_timestamp",
        ),
        GrpcCase(
            "write key sent as a number (wrong wire type)",
            SB,
            lambda s: b"\x08\x01" + batch(k(s), event())[len(k(s)) + 2 :],
            UNAUTHENTICATED,
        ),
        GrpcCase("no write key", SB, lambda _: batch("", event()), UNAUTHENTICATED),
        GrpcCase(
            "unknown write key",
            SB,
            lambda _: batch("guessed-write-key-0123456789", event()),
            UNAUTHENTICATED,
            "unknown write key",
        ),
        GrpcCase(
            "disabled write key",
            SB,
            lambda s: batch(s.disabled, event()),
            DENIED,
            "disabled",
        ),
        GrpcCase(
            "unknown method",
            "/segd.api.v1.Collector/Drop",
            lambda _: b"",
            grpc.StatusCode.UNIMPLEMENTED,
        ),
        GrpcCase("Admin call of garbage", "/segd.api.v1.Admin/WhoAmI", lambda _: b"\xff", INVALID),
        GrpcCase(
            "health check of garbage", "/grpc.health.v1.Health/Check", lambda _: b"\xff", INVALID
        ),
    ]


def _json(value: Any) -> Callable[[Keys], bytes]:
    return lambda _: json.dumps(value).encode()


def _raw(data: bytes) -> Callable[[Keys], bytes]:
    return lambda _: data


TRACK_CALL = {"userId": "u1", "event": "Hostile"}


def http_cases() -> list[HttpCase]:
    gzip_header = lambda _: {"Content-Encoding": "gzip"}  # noqa: E731
    return [
        HttpCase("malformed JSON", "/v1/batch", _raw(b'{"batch": [}'), 400, "invalid_request"),
        HttpCase(
            "body not UTF-8", "/v1/track", _raw(b'{"userId": "\xc3\x28"}'), 400, "invalid_request"
        ),
        HttpCase("JSON array body", "/v1/track", _raw(b"[1, 2]"), 400, "invalid_request"),
        HttpCase("empty body", "/v1/track", _raw(b""), 400, "invalid_request"),
        HttpCase(
            "bad gzip",
            "/v1/batch",
            _raw(b"\x1f\x8b\x08garbage"),
            400,
            "invalid_request",
            gzip_header,
        ),
        HttpCase(
            "truncated gzip",
            "/v1/batch",
            _raw(gzip.compress(json.dumps({"batch": [TRACK_CALL]}).encode())[:-8]),
            400,
            "invalid_request",
            gzip_header,
        ),
        HttpCase(
            "gzip bomb (50 MB of zeros)",
            "/v1/batch",
            _raw(gzip.compress(bytes(50_000_000))),
            400,
            "request_too_large",
            gzip_header,
        ),
        HttpCase(
            "Content-Encoding br",
            "/v1/batch",
            _json({"batch": []}),
            400,
            "invalid_request",
            lambda _: {"Content-Encoding": "br"},
        ),
        HttpCase(
            "body over 500 KB",
            "/v1/batch",
            _json({"batch": [], "pad": "x" * 600_000}),
            400,
            "request_too_large",
        ),
        HttpCase(
            "single call over 32 KB",
            "/v1/track",
            _json({**TRACK_CALL, "pad": "x" * 40_000}),
            400,
            "request_too_large",
        ),
        HttpCase(
            "2,501 events",
            "/v1/batch",
            _json({"batch": [TRACK_CALL] * 2501}),
            400,
            "invalid_request",
        ),
        HttpCase(
            "batch not a list", "/v1/batch", _json({"batch": {"a": 1}}), 400, "invalid_request"
        ),
        HttpCase(
            "nesting depth 100",
            "/v1/track",
            _raw(b'{"userId": "u1", "event": "x", "properties": ' + nested(100).encode() + b"}"),
            400,
            "too_deep",
        ),
        HttpCase(
            "nesting depth 100,000",
            "/v1/batch",
            _raw(b"[" * 100_000 + b"]" * 100_000),
            400,
            "invalid_request",
        ),
        HttpCase(
            "NaN",
            "/v1/track",
            _raw(b'{"userId": "u1", "event": "x", "properties": {"a": NaN}}'),
            400,
            "non_finite_number",
        ),
        HttpCase(
            "1e400",
            "/v1/track",
            _raw(b'{"userId": "u1", "event": "x", "properties": {"a": 1e400}}'),
            400,
            "non_finite_number",
        ),
        HttpCase(
            "5,000-digit integer",
            "/v1/track",
            _raw(b'{"userId": "u1", "event": "x", "n": 1' + b"0" * 5000 + b"}"),
            400,
            "invalid_request",
        ),
        HttpCase(
            "101-character messageId",
            "/v1/track",
            _json({**TRACK_CALL, "messageId": "m" * 101}),
            400,
            "message_id_too_long",
        ),
        HttpCase(
            "no userId or anonymousId", "/v1/track", _json({"event": "x"}), 400, "missing_identity"
        ),
        HttpCase(
            "userId an object (wrong type)",
            "/v1/track",
            _json({**TRACK_CALL, "userId": {"id": 1}}),
            400,
            "invalid_field",
        ),
        HttpCase(
            "properties a string (wrong type)",
            "/v1/track",
            _json({**TRACK_CALL, "properties": "x"}),
            400,
            "not_an_object",
        ),
        HttpCase(
            "timestamp a number (wrong type)",
            "/v1/track",
            _json({**TRACK_CALL, "timestamp": 17e8}),
            400,
            "invalid_timestamp",
        ),
        HttpCase(
            "timestamp in year 0",
            "/v1/track",
            _json({**TRACK_CALL, "timestamp": "0000-01-01T00:00:00Z"}),
            400,
            "invalid_timestamp",
        ),
        HttpCase(
            "unpaired surrogate in userId",
            "/v1/track",
            _raw(b'{"userId": "\\ud800", "event": "x"}'),
            400,
            "invalid_unicode",
        ),
        HttpCase(
            "unknown type in a batch",
            "/v1/batch",
            _json({"batch": [{**TRACK_CALL, "type": "shout"}]}),
            200,
            "",
        ),
        HttpCase(
            "no write key", "/v1/track", _json(TRACK_CALL), 401, "unauthenticated", lambda _: {}
        ),
        HttpCase(
            "unknown write key",
            "/v1/track",
            _json(TRACK_CALL),
            401,
            "unauthenticated",
            lambda _: basic_auth("guessed-write-key-0123456789"),
        ),
        HttpCase(
            "disabled write key",
            "/v1/track",
            _json(TRACK_CALL),
            403,
            "permission_denied",
            lambda keys: basic_auth(keys.disabled),
        ),
        HttpCase(
            "Basic credentials not base64",
            "/v1/track",
            _json(TRACK_CALL),
            400,
            "invalid_request",
            lambda _: {"Authorization": "Basic %%%"},
        ),
        HttpCase("unknown path", "/v1/../../etc/passwd", _json(TRACK_CALL), 404, "not_found"),
        HttpCase(
            "GET instead of POST", "/v1/track", _raw(b""), 405, "method_not_allowed", method="GET"
        ),
    ]


#: Requests no HTTP library would send: aiohttp answers them itself (400), and must not
#: name itself or its version in doing so.
RAW_HTTP = {
    "unparseable request line": b"GARBAGE\r\n\r\n",
    "Content-Length not a number": (
        b"POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
    ),
    "a 20 KB header": b"POST /v1/track HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 20_000 + b"\r\n\r\n",
}

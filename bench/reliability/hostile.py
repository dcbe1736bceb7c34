"""6. Hostile input over gRPC and HTTP: hand-made cases, then property-based ones.

Each hand-made case names the status it must get. The property-based cases (hypothesis)
generate Event messages, raw request bytes and JSON calls; an Event's expected answer
is what `segd.normalize` says of it (OK when it may be stored, else INVALID_ARGUMENT
with the rejection's reason). Whatever the input: never UNKNOWN or INTERNAL (500 over
HTTP), and no trace, file or class name in any error. Every 100 requests a control
event must still be accepted, and in the end every stored event must have reached a
webhook (an accepted event that no consumer can read would stall delivery).
"""

from __future__ import annotations

import copy
import gzip
import json
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bench.reliability.harness import Result, Tally, Workspace, leak_in, receivers, stored_ids
from bench.reliability.load import varint
from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E
from segd.config import Limits
from segd.normalize import normalize
from tests.support.daemon import segd_command
from tests.support.http import Reply, basic_auth, request

OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED
EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED
NEVER = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
TRACK = E.EVENT_TYPE_TRACK
CONTROL_EVERY = 100


@dataclass(frozen=True)
class Params:
    events: int  # property-based Event messages
    raw: int  # property-based request bytes
    json_calls: int  # property-based HTTP batches


FULL = Params(events=3000, raw=1000, json_calls=1000)
QUICK = Params(events=60, raw=30, json_calls=30)


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
    k = lambda keys: keys.write_key  # noqa: E731
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


@dataclass
class Prober:
    """Sends requests, checks what comes back, and a control event every 100 requests."""

    address: str
    http_url: str
    keys: Keys
    channel: grpc.Channel
    requests: int = 0
    controls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    def _tick(self) -> None:
        self.requests += 1
        if self.requests % CONTROL_EVERY:
            return
        message_id = f"control-{self.requests}"
        try:
            reply = self.channel.unary_unary(
                SB, response_deserializer=C.SendBatchResponse.FromString
            )(batch(self.keys.write_key, event(message_id=message_id)), timeout=10)
            ok = list(reply.outcomes) == [C.OUTCOME_ACCEPTED]
        except grpc.RpcError:
            ok = False
        self.controls["accepted" if ok else "failed"] += 1

    def grpc(self, method: str, payload: bytes) -> tuple[grpc.StatusCode, str, bytes]:
        self._tick()
        try:
            reply = self.channel.unary_unary(method)(payload, timeout=15)
        except grpc.RpcError as error:
            code, details = error.code(), error.details() or ""
            self.statuses[code.name] += 1
            if code in NEVER:
                self.violations.append(f"{method} answered {code.name}: {details[:80]}")
            if (leak := leak_in(details)) is not None:
                self.violations.append(f"{method}: {leak!r} in {details[:80]!r}")
            return code, details, b""
        self.statuses["OK"] += 1
        return OK, "", reply

    def http(self, path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> Reply:
        self._tick()
        reply = request(f"{self.http_url}{path}", body or None, headers, method)
        self.statuses[f"HTTP {reply.status}"] += 1
        if reply.status >= 500:
            self.violations.append(f"{path} answered {reply.status}")
        text = reply.body.decode(errors="replace")
        if (leak := leak_in(text)) is not None:
            self.violations.append(f"{path}: {leak!r} in {text[:80]!r}")
        if reply.status != 200 and not reply.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            self.violations.append(f"{path}: a {reply.status} without a JSON body")
        return reply

    def raw_http(self, data: bytes) -> bool:
        """Send bytes as they are; True when answered 400 without naming the server."""
        self._tick()
        answer = _raw_http(self.http_url, data)
        head = answer.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        status = head.split(" ", 2)[1] if head.startswith("HTTP/") else "none"
        self.statuses[f"HTTP {status}"] += 1
        server = [line for line in head.split("\r\n") if line.lower().startswith("server:")]
        if server != ["Server: segd"]:
            self.violations.append(f"raw HTTP: {server or 'no Server header'}")
        return status == "400"


def _raw_http(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        return sock.recv(65536)


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


def json_texts() -> st.SearchStrategy[str]:
    """Text for the JSON parts: mostly JSON (NaN included), sometimes anything at all."""
    return st.one_of(
        st.just(""),
        st.dictionaries(st.text(max_size=8), json_values(), max_size=5).map(json.dumps),
        json_values().map(json.dumps),
        st.text(max_size=60),
        st.sampled_from(['{"a": "\\ud800"}', nested(40), '{"a": 1e999}', "{", "null"]),
    )


UNICODE = st.characters(blacklist_categories=("Cs",))  # a proto string must be Unicode


def timestamps() -> st.SearchStrategy[Timestamp | None]:
    return st.one_of(
        st.none(),
        st.builds(
            Timestamp,
            seconds=st.one_of(
                st.integers(1_600_000_000, 1_900_000_000),
                st.integers(-(2**63), 2**63 - 1),
            ),
            nanos=st.one_of(st.integers(0, 999_999_999), st.integers(-(2**31), 2**31 - 1)),
        ),
    )


def events() -> st.SearchStrategy[E.Event]:
    """A valid event of any type with up to four of its fields replaced by anything."""
    text = lambda n: st.text(UNICODE, max_size=n)  # noqa: E731
    fields: dict[str, st.SearchStrategy[Any]] = {
        "type": st.integers(-3, 9),
        "message_id": st.one_of(st.just(""), text(110)),
        "user_id": text(30),
        "anonymous_id": text(10),
        "event": text(20),
        "name": text(10),
        "group_id": text(5),
        "previous_id": text(5),
        "properties": json_texts(),
        "context": json_texts(),
        "traits": json_texts(),
        "integrations": json_texts(),
        "timestamp": timestamps(),
        "original_timestamp": timestamps(),
        "sent_at": timestamps(),
        "version": st.integers(-(2**31), 2**31 - 1),
    }

    def build(kind: int, changes: dict[str, Any]) -> E.Event:
        made = E.Event(
            type=kind,  # type: ignore[arg-type]
            user_id="user-1",
            event="Generated",
            group_id="g1",
            previous_id="p1",
            properties='{"plan": "pro"}',
        )
        for key, value in changes.items():
            if isinstance(value, Timestamp):
                getattr(made, key).CopyFrom(value)
            elif value is None:
                made.ClearField(key)
            else:
                setattr(made, key, value)
        return made

    changes = st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: fields[name] for name in names})
    )
    return st.builds(build, st.sampled_from(sorted(E.EventType.values())[1:]), changes)


def http_calls() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(
        ["type", "userId", "anonymousId", "messageId", "event", "properties", "context",
         "traits", "integrations", "timestamp", "sentAt", "version", "groupId", "previousId"]
    )  # fmt: skip
    return st.dictionaries(keys, json_values(), max_size=8)


def run(workdir: Path, quick: bool = False, seed_value: int = 6) -> Result:
    p = QUICK if quick else FULL
    result = Result(6, "hostile input")
    with receivers(1) as (hook,):
        tally = Tally(hook)
        workspace = Workspace.make(workdir / "hostile")
        out = segd_command("source", "add", "Old Site", data_dir=workspace.data_dir)
        disabled = out.split("Write key:")[1].strip()
        _disable(workspace.data_dir, disabled)
        workspace.add_webhook("hook", hook.url, batch_mode=True, timeout_seconds=5)
        daemon = workspace.daemon().start()
        keys = Keys(workspace.write_key, disabled)
        try:
            with grpc.insecure_channel(daemon.address) as channel:
                prober = Prober(daemon.address, daemon.http_url, keys, channel)
                hand = _hand_made(prober, keys)
                props = _properties(prober, keys, p, quick, seed_value)
                stored = set(stored_ids(workspace.data_dir))
                undelivered = tally.wait_for(stored, 60)
            alive = daemon.proc is not None and daemon.proc.poll() is None
            errors = [e for e in daemon.logs if e.get("level") in ("error", "critical")]
        finally:
            daemon.kill()
    wrong = [name for name, ok in hand.items() if not ok]
    result.figure("hand-made cases", f"{len(hand) - len(wrong)}/{len(hand)} as specified")
    result.figure("property-based cases", sum(props.values()))
    result.figure("requests", prober.requests)
    result.figure("statuses", " ".join(f"{k} {v}" for k, v in sorted(prober.statuses.items())))
    result.figure(
        "control events accepted", f"{prober.controls['accepted']}/{sum(prober.controls.values())}"
    )
    result.figure("stored events delivered", f"{len(stored) - len(undelivered)}/{len(stored)}")
    result.figure("daemon errors logged", len(errors))
    result.check(not wrong, f"wrong status: {wrong}")
    result.check(len(hand) >= 30, f"only {len(hand)} hand-made cases")
    result.check(
        not prober.violations, f"{len(prober.violations)} violations: {prober.violations[:3]}"
    )
    result.check(
        prober.controls["failed"] == 0 and prober.controls["accepted"] > 0,
        f"control events: {dict(prober.controls)}",
    )
    result.check(not undelivered, f"{len(undelivered)} stored events never reached the webhook")
    result.check(alive, "the daemon died")
    result.check(not errors, f"the daemon logged errors: {[e.get('event') for e in errors][:3]}")
    return result


def _disable(data_dir: Path, write_key: str) -> None:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(data_dir / "segd.db")) as db, db:
        db.execute("UPDATE sources SET enabled = 0 WHERE write_key = ?", (write_key,))


def _hand_made(prober: Prober, keys: Keys) -> dict[str, bool]:
    outcomes: dict[str, bool] = {}
    for case in grpc_cases():
        code, details, _ = prober.grpc(case.method, case.payload(keys))
        ok = code == case.expected and case.words in details
        outcomes[f"gRPC {case.name}"] = ok
    for case in http_cases():
        headers = basic_auth(keys.write_key) if case.headers is None else case.headers(keys)
        reply = prober.http(
            case.path, case.body(keys), {"Content-Type": "application/json", **headers}, case.method
        )
        ok = reply.status == case.expected
        if ok and case.code:
            ok = reply.json.get("code") == case.code
        outcomes[f"HTTP {case.name}"] = ok
    for name, raw in RAW_HTTP.items():
        outcomes[f"HTTP {name}"] = prober.raw_http(raw)
    # A batch mixing good and bad events: the good are stored, the bad rejected.
    code, _, raw = prober.grpc(SB, batch(keys.write_key, event(), event(user_id="")))
    reply = C.SendBatchResponse.FromString(raw) if code == OK else None
    outcomes["gRPC mixed batch"] = reply is not None and list(reply.outcomes) == [
        C.OUTCOME_ACCEPTED,
        C.OUTCOME_REJECTED,
    ]
    return outcomes


def _properties(
    prober: Prober, keys: Keys, p: Params, quick: bool, seed_value: int
) -> Counter[str]:
    counts: Counter[str] = Counter()
    limits = Limits()
    common = settings(
        deadline=None,
        database=None,
        derandomize=quick,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )

    @seed(seed_value)
    @settings(common, max_examples=p.events)
    @given(events())
    def each_event(generated: E.Event) -> None:
        counts["events"] += 1
        expected = normalize(copy.deepcopy(generated), time.time_ns(), limits)
        code, details, _ = prober.grpc(SEND, single(keys.write_key, generated))
        if expected is None:
            assert code == OK, f"{code.name} {details} for an event normalize accepts"
        else:
            assert code == INVALID, f"{code.name} for a rejection ({expected.reason})"
            assert details.startswith(expected.reason), (details, expected.reason)

    @seed(seed_value)
    @settings(common, max_examples=p.raw)
    @given(st.binary(max_size=600))
    def each_request(data: bytes) -> None:
        counts["raw"] += 1
        code, _, _ = prober.grpc(SB, data)
        assert code in {INVALID, UNAUTHENTICATED, EXHAUSTED}, code.name

    @seed(seed_value)
    @settings(common, max_examples=p.json_calls)
    @given(st.lists(st.one_of(http_calls(), json_values()), max_size=6))
    def each_batch(calls: list[Any]) -> None:
        counts["json"] += 1
        body = json.dumps({"batch": calls}).encode()
        headers = {**basic_auth(keys.write_key), "Content-Type": "application/json"}
        reply = prober.http("/v1/batch", body, headers)
        assert reply.status in (200, 400), reply.status

    for prop in (each_event, each_request, each_batch):
        try:
            prop()
        except AssertionError as failure:
            prober.violations.append(f"{prop.__name__}: {failure}")
    return counts

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
import json
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bench.reliability.harness import Result, Tally, Workspace, leak_in, receivers, stored_ids
from bench.reliability.hostile_cases import (
    EXHAUSTED,
    INVALID,
    NEVER,
    OK,
    RAW_HTTP,
    SB,
    SEND,
    UNAUTHENTICATED,
    Keys,
    batch,
    event,
    grpc_cases,
    http_cases,
    single,
)
from bench.reliability.hostile_strategies import events, http_calls, json_values
from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E
from segd.config import Limits
from segd.normalize import normalize
from tests.support.daemon import segd_command
from tests.support.http import Reply, basic_auth, request

CONTROL_EVERY = 100


@dataclass(frozen=True)
class Params:
    events: int  # property-based Event messages
    raw: int  # property-based request bytes
    json_calls: int  # property-based HTTP batches


FULL = Params(events=3000, raw=1000, json_calls=1000)
QUICK = Params(events=60, raw=30, json_calls=30)


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
                SB, request_serializer=None, response_deserializer=C.SendBatchResponse.FromString
            )(batch(self.keys.write_key, event(message_id=message_id)), timeout=10)
            ok = list(reply.outcomes) == [C.OUTCOME_ACCEPTED]
        except grpc.RpcError:
            ok = False
        self.controls["accepted" if ok else "failed"] += 1

    def grpc(self, method: str, payload: bytes) -> tuple[grpc.StatusCode, str, bytes]:
        self._tick()
        try:
            # No (de)serializers: the bytes go out and come back as they are.
            call = self.channel.unary_unary(
                method, request_serializer=None, response_deserializer=None
            )
            reply: bytes = call(payload, timeout=15)
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
    for grpc_case in grpc_cases():
        code, details, _ = prober.grpc(grpc_case.method, grpc_case.payload(keys))
        ok = code == grpc_case.expected and grpc_case.words in details
        outcomes[f"gRPC {grpc_case.name}"] = ok
    for http_case in http_cases():
        headers = (
            basic_auth(keys.write_key) if http_case.headers is None else http_case.headers(keys)
        )
        reply = prober.http(
            http_case.path,
            http_case.body(keys),
            {"Content-Type": "application/json", **headers},
            http_case.method,
        )
        ok = reply.status == http_case.expected
        if ok and http_case.code:
            ok = reply.json.get("code") == http_case.code
        outcomes[f"HTTP {http_case.name}"] = ok
    for name, raw in RAW_HTTP.items():
        outcomes[f"HTTP {name}"] = prober.raw_http(raw)
    # A batch mixing good and bad events: the good are stored, the bad rejected.
    code, _, raw = prober.grpc(SB, batch(keys.write_key, event(), event(user_id="")))
    mixed = C.SendBatchResponse.FromString(raw) if code == OK else None
    outcomes["gRPC mixed batch"] = mixed is not None and list(mixed.outcomes) == [
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

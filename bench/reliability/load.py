"""Clients that load a daemon: senders that resend until acknowledged, and an open loop.

`ResendingSender` is a well-behaved client: it sends its own messageIds in batches
and, whatever goes wrong (the daemon killed, draining, full, overloaded, a deadline),
sends the same batch again until every event of it is answered ACCEPTED or
DUPLICATE. What it calls acknowledged is exactly what the daemon promised to keep.

`open_loop` offers a fixed rate whatever the answers (as many independent clients
do), to push a daemon past its capacity. Requests are encoded by hand from a template
so that the client's CPU goes to sending, not to building messages.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

import grpc

from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E

SEND_BATCH = "/segd.api.v1.Collector/SendBatch"
#: Reconnect quickly to a restarted daemon (gRPC's default backoff grows to minutes).
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 500),
]
PROPERTIES = (
    '{"order_id":"o-12345","total":129.99,"currency":"EUR","coupon":"SPRING",'
    '"products":[{"sku":"sku-1","price":59.99,"quantity":1}]}'
)
CONTEXT = '{"library":{"name":"analytics-python","version":"2.3.2"},"ip":"203.0.113.9"}'


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


class BatchEncoder:
    """SendBatchRequest bytes for a list of messageIds: a template event with each id.

    Protobuf lets fields come in any order, so an event is the template's bytes
    followed by its message_id field (2); the request is write_key (1) and events (2).
    """

    def __init__(self, write_key: str, template: E.Event | None = None) -> None:
        if template is None:
            template = E.Event(
                type=E.EVENT_TYPE_TRACK,
                user_id="user-1",
                event="Order Completed",
                properties=PROPERTIES,
                context=CONTEXT,
            )
        template.ClearField("message_id")
        self._head = _field(1, write_key.encode())
        self._event = template.SerializeToString()

    def encode(self, ids: Sequence[str]) -> bytes:
        events = (_field(2, self._event + _field(2, i.encode())) for i in ids)
        return self._head + b"".join(events)


class ids(Sequence[str]):  # named like the function it stands in for: ids("k0-", 1000)
    """The messageIds prefix0 .. prefix{count-1}, made when read (a sender may need millions)."""

    def __init__(self, prefix: str, count: int) -> None:
        # Not `self.count`: that would hide Sequence.count().
        self._prefix, self._count = prefix, count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"{self._prefix}{n}" for n in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return f"{self._prefix}{index % self._count}"


@dataclass
class Call:
    started: float  # time.monotonic()
    ended: float
    code: grpc.StatusCode
    events: int
    details: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class SenderStats:
    acked: list[str] = field(default_factory=list)
    #: messageId → time.time() of the acknowledgement.
    acked_at: dict[str, float] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    resends: int = 0
    duplicates: int = 0
    rejected: int = 0
    details: Counter[str] = field(default_factory=Counter)


class ResendingSender:
    """Sends `message_ids` in batches from a thread, resending each batch until acknowledged.

    `rate` (events/s) paces the batches; None sends flat out. `stop()` ends it after the
    call in flight; `done` is set when every id was acknowledged.
    """

    def __init__(
        self,
        address: str,
        write_key: str,
        message_ids: Sequence[str],
        batch: int = 100,
        timeout: float = 10.0,
        rate: float | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        wait_for_ready: bool = True,
    ) -> None:
        self.address, self.batch, self.timeout, self.rate = address, batch, timeout, rate
        #: A resend waits for the daemon to be back (up to the timeout) rather than
        #: failing at once while it restarts.
        self.wait_for_ready = wait_for_ready
        self._ids = message_ids
        self._encoder = BatchEncoder(write_key)
        self._credentials = credentials
        self.stats = SenderStats()
        self.done = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.sent_batches = 0

    def start(self) -> ResendingSender:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 60.0) -> None:
        self._thread.join(timeout)

    @property
    def acked_count(self) -> int:
        return len(self.stats.acked)

    def acked_at(self) -> dict[str, float]:
        """A copy of messageId → time of acknowledgement, safe while the sender runs."""
        with self._lock:
            return dict(self.stats.acked_at)

    def _channel(self) -> grpc.Channel:
        if self._credentials is not None:
            return grpc.secure_channel(self.address, self._credentials, CHANNEL_OPTIONS)
        return grpc.insecure_channel(self.address, CHANNEL_OPTIONS)

    def _run(self) -> None:
        started = time.monotonic()
        with self._channel() as channel:
            call = channel.unary_unary(
                SEND_BATCH,
                request_serializer=None,
                response_deserializer=C.SendBatchResponse.FromString,
            )
            for first in range(0, len(self._ids), self.batch):
                part = self._ids[first : first + self.batch]
                if self.rate:
                    due = started + first / self.rate
                    self._stop.wait(max(0.0, due - time.monotonic()))
                if not self._send_until_acked(call, part):
                    return
                self.sent_batches += 1
        self.done.set()

    def _send_until_acked(
        self,
        call: grpc.UnaryUnaryMultiCallable[bytes, C.SendBatchResponse],
        part: Sequence[str],
    ) -> bool:
        request = self._encoder.encode(part)
        attempt = 0
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                ready = self.wait_for_ready and attempt > 0
                reply = call(request, timeout=self.timeout, wait_for_ready=ready)
            except grpc.RpcError as error:
                code = error.code()
                details = error.details() or ""
                self.stats.calls.append(Call(began, time.monotonic(), code, len(part), details))
                self.stats.details[f"{code.name}: {details}"] += 1
                attempt += 1
                self.stats.resends += 1
                self._stop.wait(min(0.05 * attempt, 0.5))
                continue
            now = time.time()
            self.stats.calls.append(Call(began, time.monotonic(), grpc.StatusCode.OK, len(part)))
            with self._lock:
                for message_id, outcome in zip(part, reply.outcomes, strict=True):
                    if outcome == C.OUTCOME_REJECTED:
                        self.stats.rejected += 1
                        continue
                    if outcome == C.OUTCOME_DUPLICATE:
                        self.stats.duplicates += 1
                    self.stats.acked.append(message_id)
                    self.stats.acked_at[message_id] = now
            return True
        return False


@dataclass
class OpenLoopStats:
    offered_events: int = 0
    codes: Counter[grpc.StatusCode] = field(default_factory=Counter)
    #: messageIds of the batches answered OK (every event of them ACCEPTED or DUPLICATE).
    acked: list[str] = field(default_factory=list)
    ok_seconds: list[float] = field(default_factory=list)
    refused_seconds: list[float] = field(default_factory=list)
    details: Counter[str] = field(default_factory=Counter)
    #: Batches not sent because `max_in_flight` calls were open already.
    client_capped: int = 0
    #: Calls still unanswered well past their deadline when the run ended.
    unanswered: int = 0
    seconds: float = 0.0
    #: From the first call to the last acknowledgement.
    ack_seconds: float = 0.0


async def open_loop(
    address: str,
    write_key: str,
    prefix: str,
    rate: float,
    seconds: float,
    batch: int = 100,
    max_in_flight: int = 4000,
    channels: int = 4,
    call_timeout: float = 30.0,
) -> OpenLoopStats:
    """Offer `rate` events/s for `seconds`, whatever the answers; tally what came back.

    Batches leave on a fixed schedule over `channels` connections; a client-side cap of
    `max_in_flight` calls keeps this process's memory bounded (counted when it bites).
    """
    encoder = BatchEncoder(write_key)
    stats = OpenLoopStats()
    opened = [grpc.aio.insecure_channel(address) for _ in range(channels)]
    calls = [
        c.unary_unary(
            SEND_BATCH,
            request_serializer=None,
            response_deserializer=C.SendBatchResponse.FromString,
        )
        for c in opened
    ]
    in_flight: set[asyncio.Task[None]] = set()

    async def one(n: int, part: list[str]) -> None:
        began = time.monotonic()
        try:
            reply = await calls[n % channels](encoder.encode(part), timeout=call_timeout)
        except grpc.aio.AioRpcError as error:
            stats.codes[error.code()] += 1
            stats.refused_seconds.append(time.monotonic() - began)
            stats.details[f"{error.code().name}: {error.details()}"] += 1
            return
        stats.codes[grpc.StatusCode.OK] += 1
        stats.ok_seconds.append(time.monotonic() - began)
        stats.ack_seconds = time.monotonic() - started
        if all(o in (C.OUTCOME_ACCEPTED, C.OUTCOME_DUPLICATE) for o in reply.outcomes):
            stats.acked.extend(part)

    interval = batch / rate
    started = time.monotonic()
    n = 0
    try:
        while (due := started + n * interval) < started + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            part = [f"{prefix}{n * batch + i}" for i in range(batch)]
            stats.offered_events += batch
            if len(in_flight) >= max_in_flight:
                stats.client_capped += 1
                n += 1
                continue
            task = asyncio.create_task(one(n, part))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            n += 1
        stats.seconds = time.monotonic() - started
        if in_flight:
            _, late = await asyncio.wait(in_flight, timeout=call_timeout + 10)
            stats.unanswered = len(late)
            for task in late:
                task.cancel()
    finally:
        for channel in opened:
            await channel.close(grace=None)
    return stats


@dataclass
class HttpLoopStats:
    offered_events: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)
    ok_seconds: list[float] = field(default_factory=list)
    refused_seconds: list[float] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)
    #: 429 and 503 answers without a Retry-After header.
    missing_retry_after: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


async def http_open_loop(
    base_url: str,
    write_key: str,
    prefix: str,
    rate: float,
    seconds: float,
    batch: int = 100,
    connections: int = 1200,
) -> HttpLoopStats:
    """Offer `rate` events/s to POST /v1/batch for `seconds`, whatever the answers."""
    import json

    import aiohttp

    stats = HttpLoopStats()
    template = {
        "type": "track",
        "userId": "user-1",
        "event": "Order Completed",
        "properties": json.loads(PROPERTIES),
        "context": json.loads(CONTEXT),
    }
    auth = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}
    in_flight: set[asyncio.Task[None]] = set()
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=auth) as session:

        async def one(part: list[str]) -> None:
            body = json.dumps({"batch": [{**template, "messageId": i} for i in part]})
            began = time.monotonic()
            try:
                async with session.post(
                    f"{base_url}/v1/batch", data=body, headers={"Content-Type": "application/json"}
                ) as response:
                    reply = await response.json(content_type=None)
                    status = response.status
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError) as exc:
                stats.errors[type(exc).__name__] += 1
                return
            stats.statuses[status] += 1
            if status == 200:
                stats.ok_seconds.append(time.monotonic() - began)
                stats.acked.extend(part)
                return
            stats.refused_seconds.append(time.monotonic() - began)
            stats.codes[f"{status} {reply.get('code')}: {reply.get('message')}"] += 1
            if status in (429, 503) and not retry_after:
                stats.missing_retry_after += 1

        interval = batch / rate
        started = time.monotonic()
        n = 0
        while (due := started + n * interval) < started + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            part = [f"{prefix}{n * batch + i}" for i in range(batch)]
            stats.offered_events += batch
            task = asyncio.create_task(one(part))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            n += 1
        stats.seconds = time.monotonic() - started
        if in_flight:
            await asyncio.wait(in_flight, timeout=40)
    return stats

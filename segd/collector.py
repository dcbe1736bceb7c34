"""The collector core: authenticate, normalise, store. One pipeline for every front door."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from segd.api.v1 import collector_pb2, event_pb2
from segd.config import Limits
from segd.debugger import DebuggerHub, PublishedBatch, Status
from segd.errors import InvalidRequest, RequestTooLarge
from segd.normalize import Rejection
from segd.normalize_pool import Normalized, NormalizePool, WorkerUnavailable, normalize_for_log
from segd.workspace import SourceDirectory
from segd.writer import Entry, LogWriter

log = structlog.get_logger(__name__)

ACCEPTED = collector_pb2.OUTCOME_ACCEPTED
DUPLICATE = collector_pb2.OUTCOME_DUPLICATE
REJECTED = collector_pb2.OUTCOME_REJECTED
#: Smaller batches are normalised on the event loop: a worker's round trip would cost
#: about as much as it saves.
POOL_MIN_EVENTS = 16
_STATUS: dict[int, Status] = {ACCEPTED: "accepted", DUPLICATE: "duplicate", REJECTED: "rejected"}


@dataclass(slots=True)
class BatchResult:
    """The answer for each event of a batch, in request order."""

    outcomes: list[int] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    rejections: list[tuple[int, Rejection]] = field(default_factory=list)


class Collector:
    def __init__(
        self,
        sources: SourceDirectory,
        writer: LogWriter,
        limits: Limits,
        clock: Callable[[], int] = time.time_ns,
        debugger: DebuggerHub | None = None,
        pool: NormalizePool | None = None,
    ) -> None:
        self._sources = sources
        self._writer = writer
        self._limits = limits
        self._clock = clock
        self._debugger = debugger
        self._pool = pool
        #: Events admitted and now in a worker: they count as waiting to be written.
        self._in_pool = 0

    def check_load(self) -> None:
        """Overloaded now if the write queue is full (before a request is even read)."""
        self._writer.check_pending(1)

    async def send_batch(
        self,
        write_key: str,
        events: Sequence[event_pb2.Event],
        size_bytes: int,
        rejected: Mapping[int, Rejection] | None = None,
        request: bytes | None = None,
    ) -> BatchResult:
        """Store a batch. Raises for the batch as a whole.

        `rejected` names the positions a front door could not even convert (the HTTP
        API's JSON that is no event); `events` holds a placeholder there. They are
        answered and reported like events that fail normalisation, so every rejection,
        whatever the door, goes through this one place.

        A large batch is normalised by a worker process (`events` are then left as
        received), sent as a SendBatchRequest's bytes: `request`, those `events` came
        from, or else made of them here. Without workers, events are normalised here,
        in place.
        """
        limits = self._limits
        if size_bytes > limits.max_batch_bytes:
            raise RequestTooLarge(
                f"the batch is {size_bytes} bytes; the limit is {limits.max_batch_bytes}"
            )
        if len(events) > limits.max_batch_events:
            raise InvalidRequest(
                f"the batch has {len(events)} events; the limit is {limits.max_batch_events}"
            )
        source = await self._sources.authenticate(write_key)
        # Before normalising: under overload a refusal must cost next to nothing.
        self._writer.admit(len(events) + self._in_pool)
        now_ns = self._clock()
        received_ms = now_ns // 1_000_000
        # The debugger shows events as received: keep their bytes before normalising
        # changes them, but only those it can show (the ring keeps the newest).
        debug_from = self._debug_from(source.id, len(events))
        raw = [e.SerializeToString() if i >= debug_from else b"" for i, e in enumerate(events)]
        normalized = await self._normalized(events, now_ns, rejected, request)
        result = BatchResult()
        entries: list[Entry] = []
        for index, outcome in enumerate(normalized):
            if isinstance(outcome, Rejection):
                log.info(
                    "collector.event_rejected",
                    source=source.slug,
                    index=index,
                    reason=outcome.reason,
                    detail=outcome.message,
                    message_id=events[index].message_id,
                )
                result.rejections.append((index, outcome))
                result.outcomes.append(REJECTED)
                result.message_ids.append("")
                continue
            message_id, kind, name, user_id, anonymous_id, payload = outcome
            entries.append(
                Entry(source.id, message_id, kind, name, user_id, anonymous_id, received_ms,
                      payload)
            )  # fmt: skip
            result.outcomes.append(ACCEPTED)
            result.message_ids.append(message_id)
        if entries:
            stored = iter(await self._writer.write(entries))
            result.outcomes = [
                (ACCEPTED if next(stored) else DUPLICATE) if outcome == ACCEPTED else outcome
                for outcome in result.outcomes
            ]
        if debug_from < len(events):
            self._publish(source.id, events, raw, result, entries, received_ms, debug_from)
        log.debug(
            "collector.batch",
            source=source.slug,
            events=len(events),
            rejected=len(result.rejections),
            duplicates=result.outcomes.count(DUPLICATE),
        )
        return result

    async def _normalized(
        self,
        events: Sequence[event_pb2.Event],
        now_ns: int,
        rejected: Mapping[int, Rejection] | None,
        request: bytes | None,
    ) -> Sequence[Rejection | Normalized]:
        """Each event's Rejection, or what the log stores of it."""
        pool = self._pool
        if pool is not None and len(events) >= POOL_MIN_EVENTS:
            if request is None:
                # Events made here (the HTTP API's): serialising them costs a fraction
                # of normalising them on the event loop.
                request = collector_pb2.SendBatchRequest(events=events).SerializeToString()
            self._in_pool += len(events)
            try:
                normalized = await pool.normalize(request, now_ns)
            except WorkerUnavailable:
                pass  # normalised here instead, below
            else:
                if rejected:
                    normalized = [rejected.get(i) or n for i, n in enumerate(normalized)]
                # A messageId the worker made: the debugger shows it like the stored one.
                for event, outcome in zip(events, normalized, strict=True):
                    if not isinstance(outcome, Rejection) and not event.message_id:
                        event.message_id = outcome[0]
                return normalized
            finally:
                self._in_pool -= len(events)
        limits = self._limits
        return [
            (rejected.get(index) if rejected else None) or normalize_for_log(event, now_ns, limits)
            for index, event in enumerate(events)
        ]

    def _debug_from(self, source_id: int, count: int) -> int:
        """The index from which a batch's events are published to the debugger."""
        hub = self._debugger
        if hub is None:
            return count
        return 0 if hub.has_subscribers(source_id) else max(0, count - hub.ring_size)

    def _publish(
        self,
        source_id: int,
        events: Sequence[event_pb2.Event],
        raw: list[bytes],
        result: BatchResult,
        entries: list[Entry],
        received_ms: int,
        start: int,
    ) -> None:
        assert self._debugger is not None
        batch = PublishedBatch(
            source_id,
            events,
            raw,
            [_STATUS[outcome] for outcome in result.outcomes],
            dict(result.rejections),
            [entry.payload for entry in entries],
            received_ms,
            start,
        )
        self._debugger.publish(source_id, batch)

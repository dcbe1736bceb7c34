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
from segd.normalize import Rejection, normalize
from segd.workspace import SourceDirectory
from segd.writer import Entry, LogWriter

log = structlog.get_logger(__name__)

ACCEPTED = collector_pb2.OUTCOME_ACCEPTED
DUPLICATE = collector_pb2.OUTCOME_DUPLICATE
REJECTED = collector_pb2.OUTCOME_REJECTED
TRACK = event_pb2.EVENT_TYPE_TRACK
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
    ) -> None:
        self._sources = sources
        self._writer = writer
        self._limits = limits
        self._clock = clock
        self._debugger = debugger

    def check_load(self) -> None:
        """Overloaded now if the write queue is full (before a request is even read)."""
        self._writer.check_pending(1)

    async def send_batch(
        self,
        write_key: str,
        events: Sequence[event_pb2.Event],
        size_bytes: int,
        rejected: Mapping[int, Rejection] | None = None,
    ) -> BatchResult:
        """Store a batch; events are normalised in place. Raises for the batch as a whole.

        `rejected` names the positions a front door could not even convert (the HTTP
        API's JSON that is no event); `events` holds a placeholder there. They are
        answered and reported like events that fail normalisation, so every rejection,
        whatever the door, goes through this one place.
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
        self._writer.admit(len(events))
        now_ns = self._clock()
        received_ms = now_ns // 1_000_000
        result = BatchResult()
        entries: list[Entry] = []
        # The debugger shows events as received: keep their bytes before normalising
        # changes them, but only those it can show (the ring keeps the newest).
        debug_from = self._debug_from(source.id, len(events))
        raw = [e.SerializeToString() if i >= debug_from else b"" for i, e in enumerate(events)]
        for index, event in enumerate(events):
            rejection = rejected.get(index) if rejected else None
            if rejection is None:
                rejection = normalize(event, now_ns, limits)
            if rejection is not None:
                log.info(
                    "collector.event_rejected",
                    source=source.slug,
                    index=index,
                    reason=rejection.reason,
                    detail=rejection.message,
                    message_id=event.message_id,
                )
                result.rejections.append((index, rejection))
                result.outcomes.append(REJECTED)
                result.message_ids.append("")
                continue
            entries.append(
                Entry(
                    source.id,
                    event.message_id,
                    event.type,
                    event.event if event.type == TRACK else event.name,
                    event.user_id,
                    event.anonymous_id,
                    received_ms,
                    event.SerializeToString(),
                )
            )
            result.outcomes.append(ACCEPTED)
            result.message_ids.append(event.message_id)
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

"""The collector core: authenticate, normalise, store. One pipeline for every front door."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from segd.api.v1 import collector_pb2, event_pb2
from segd.config import Limits
from segd.errors import InvalidRequest, RequestTooLarge
from segd.normalize import Rejection, normalize
from segd.workspace import SourceDirectory
from segd.writer import Entry, LogWriter

log = structlog.get_logger(__name__)

ACCEPTED = collector_pb2.OUTCOME_ACCEPTED
DUPLICATE = collector_pb2.OUTCOME_DUPLICATE
REJECTED = collector_pb2.OUTCOME_REJECTED
TRACK = event_pb2.EVENT_TYPE_TRACK


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
    ) -> None:
        self._sources = sources
        self._writer = writer
        self._limits = limits
        self._clock = clock

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
        now_ns = self._clock()
        received_ms = now_ns // 1_000_000
        result = BatchResult()
        entries: list[Entry] = []
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
        log.debug(
            "collector.batch",
            source=source.slug,
            events=len(events),
            rejected=len(result.rejections),
            duplicates=result.outcomes.count(DUPLICATE),
        )
        return result

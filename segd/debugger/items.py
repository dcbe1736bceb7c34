"""What the debugger shows: items, and the batches they are made from when read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from segd.api.v1 import event_pb2
from segd.events import to_json
from segd.normalize import Rejection
from segd.store import StoredEvent

Status = Literal["accepted", "duplicate", "rejected"]
_TRACK = event_pb2.EVENT_TYPE_TRACK


def _json_of(payload: bytes) -> str:
    return json.dumps(to_json(event_pb2.Event.FromString(payload)), ensure_ascii=False)


@dataclass(slots=True)
class DebugItem:
    """One processed event as the debugger shows it."""

    source_id: int
    status: Status
    type: int
    name: str
    user_id: str
    anonymous_id: str
    message_id: str
    received_at_ms: int
    #: The serialized Event as received (before normalisation).
    raw: bytes
    #: The serialized Event after normalisation (as stored, when accepted).
    normalized: bytes
    reason: str = ""
    error: str = ""
    #: Read back from the log: the raw form is unknown, `raw` is the stored event.
    from_log: bool = False
    _raw_json: str | None = field(default=None, repr=False)
    _normalized_json: str | None = field(default=None, repr=False)

    @property
    def raw_json(self) -> str:
        if self._raw_json is None:
            self._raw_json = _json_of(self.raw)
        return self._raw_json

    @property
    def normalized_json(self) -> str:
        if self._normalized_json is None:
            self._normalized_json = (
                self.raw_json if self.normalized == self.raw else _json_of(self.normalized)
            )
        return self._normalized_json

    @classmethod
    def from_stored(cls, stored: StoredEvent) -> DebugItem:
        event = event_pb2.Event.FromString(stored.payload)
        return cls(
            source_id=stored.source_id,
            status="accepted",
            type=event.type,
            name=event.event if event.type == _TRACK else event.name,
            user_id=event.user_id,
            anonymous_id=event.anonymous_id,
            message_id=stored.message_id,
            received_at_ms=stored.received_at_ms,
            raw=stored.payload,
            normalized=stored.payload,
            from_log=True,
        )


@dataclass(frozen=True, slots=True)
class Skipped:
    """This many events were dropped here: the subscriber read too slowly."""

    count: int


class Segment(Protocol):
    """A run of one source's events in the hub's ring, made into items on demand."""

    def __len__(self) -> int: ...

    def items(self) -> list[DebugItem]: ...


class PublishedBatch:
    """One collector call's events, kept as the collector had them.

    `events` are the normalised messages, `raw` their bytes as received (from
    `start` on; earlier events are not shown), `statuses` and `rejections` (by index)
    what became of each, and `payloads` the stored bytes of the events that reached
    the writer, in order.
    """

    __slots__ = (
        "_items",
        "events",
        "payloads",
        "raw",
        "received_at_ms",
        "rejections",
        "source_id",
        "start",
        "statuses",
    )

    def __init__(
        self,
        source_id: int,
        events: Sequence[event_pb2.Event],
        raw: Sequence[bytes],
        statuses: Sequence[Status],
        rejections: dict[int, Rejection],
        payloads: Sequence[bytes],
        received_at_ms: int,
        start: int = 0,
    ) -> None:
        self.source_id = source_id
        self.events = events
        self.raw = raw
        self.statuses = statuses
        self.rejections = rejections
        self.payloads = payloads
        self.received_at_ms = received_at_ms
        self.start = start
        self._items: list[DebugItem] | None = None

    def __len__(self) -> int:
        return len(self.events) - self.start

    def items(self) -> list[DebugItem]:
        if self._items is not None:
            return self._items
        stored = iter(self.payloads)
        items = []
        for index, event in enumerate(self.events):
            status = self.statuses[index]
            payload = next(stored) if status != "rejected" else b""
            if index < self.start:
                continue
            rejection = self.rejections.get(index)
            items.append(
                DebugItem(
                    source_id=self.source_id,
                    status=status,
                    type=event.type,
                    name=event.event if event.type == _TRACK else event.name,
                    user_id=event.user_id,
                    anonymous_id=event.anonymous_id,
                    message_id=event.message_id,
                    received_at_ms=self.received_at_ms,
                    raw=self.raw[index],
                    normalized=payload or event.SerializeToString(),
                    reason=rejection.reason if rejection else "",
                    error=rejection.message if rejection else "",
                )
            )
        self._items = items
        return items


class LoggedEvents:
    """Events read back from the log (to fill the ring after a restart)."""

    __slots__ = ("_items", "_stored")

    def __init__(self, stored: list[StoredEvent]) -> None:
        self._stored = stored
        self._items: list[DebugItem] | None = None

    def __len__(self) -> int:
        return len(self._stored)

    def items(self) -> list[DebugItem]:
        if self._items is None:
            self._items = [DebugItem.from_stored(e) for e in self._stored]
        return self._items

"""The live debugger: a fan-out hub between the collector and debugger streams.

The collector publishes every event it processed (accepted, duplicate, rejected with
its reason) with the event as received and as normalised. The hub keeps the most
recent `ring_size` per source, so that a new stream starts with them, and copies each
event into the bounded buffer of every subscriber of its source.

`publish` never waits: a subscriber whose buffer is full loses the event, and its
stream later says how many it lost. So a slow reader never slows ingestion, and the
hub's memory is bounded by ring_size and buffer_size.

JSON is made only when an item is read (and then once), not on the ingestion path.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

from segd.api.v1 import event_pb2
from segd.events import to_json
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


@dataclass(frozen=True, slots=True)
class TailFilter:
    """Which events a stream wants; empty collections mean all."""

    types: frozenset[int] = frozenset()
    names: frozenset[str] = frozenset()

    def __call__(self, item: DebugItem) -> bool:
        return (not self.types or item.type in self.types) and (
            not self.names or item.name in self.names
        )


class Subscription:
    """One stream's bounded buffer: what it has not read yet, and what it missed."""

    def __init__(self, source_id: int, capacity: int, wants: Callable[[DebugItem], bool]) -> None:
        self.source_id = source_id
        self._capacity = capacity
        self._wants = wants
        self._items: deque[DebugItem | Skipped] = deque()
        self._skipped = 0
        self._ready = asyncio.Event()
        self.closed = False

    def offer(self, item: DebugItem) -> None:
        """Take `item` if wanted and there is room, else count it as skipped. Never waits."""
        if not self._wants(item):
            return
        if len(self._items) >= self._capacity:
            self._skipped += 1
        else:
            if self._skipped:
                self._items.append(Skipped(self._skipped))
                self._skipped = 0
            self._items.append(item)
        self._ready.set()

    def preload(self, items: Collection[DebugItem]) -> None:
        """The backlog a stream starts with (bounded by the ring, not the buffer)."""
        self._items.extend(item for item in items if self._wants(item))
        if self._items:
            self._ready.set()

    def close(self) -> None:
        """End the stream once what is buffered has been taken."""
        self.closed = True
        self._ready.set()

    async def take(self) -> list[DebugItem | Skipped]:
        """Wait for what arrived since the last call, in order, skips reported in place.

        Returns an empty list only once the subscription is closed.
        """
        while not self._items and not self._skipped and not self.closed:
            self._ready.clear()
            await self._ready.wait()
        taken: list[DebugItem | Skipped] = list(self._items)
        self._items.clear()
        if self._skipped:
            taken.append(Skipped(self._skipped))
            self._skipped = 0
        return taken


class DebuggerHub:
    def __init__(self, ring_size: int, buffer_size: int) -> None:
        self.ring_size = ring_size
        self._buffer_size = buffer_size
        self._rings: dict[int, deque[DebugItem]] = {}
        self._subscribers: dict[int, set[Subscription]] = {}
        self._closed = False

    def has_subscribers(self, source_id: int) -> bool:
        return bool(self._subscribers.get(source_id))

    def publish(self, source_id: int, items: list[DebugItem]) -> None:
        """Record processed events of one source, in order. Never waits."""
        ring = self._rings.get(source_id)
        if ring is None:
            ring = self._rings[source_id] = deque(maxlen=self.ring_size)
        ring.extend(items)
        for subscription in self._subscribers.get(source_id, ()):
            for item in items:
                subscription.offer(item)

    def subscribe(self, source_id: int, recent: int, wants: TailFilter) -> Subscription:
        """A subscription that starts with up to `recent` of the latest wanted events.

        Taking the backlog and registering happen without a pause between them, so the
        stream neither misses nor repeats an event at the seam.
        """
        subscription = Subscription(source_id, self._buffer_size, wants)
        if self._closed:
            subscription.close()
        ring = self._rings.get(source_id, ())
        backlog = [item for item in ring if wants(item)]
        subscription.preload(backlog[-recent:] if recent > 0 else [])
        self._subscribers.setdefault(source_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.source_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.source_id]

    async def tail(
        self, source_id: int, recent: int, wants: TailFilter
    ) -> AsyncIterator[DebugItem | Skipped]:
        """The recent events, then live ones, until the caller stops iterating."""
        subscription = self.subscribe(source_id, recent, wants)
        try:
            while items := await subscription.take():
                for item in items:
                    yield item
        finally:
            self.unsubscribe(subscription)

    def close(self) -> None:
        """End every stream (on shutdown, so that none holds the server's grace period)."""
        self._closed = True
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                subscription.close()

    def forget(self, source_id: int) -> None:
        """Drop a deleted source's ring (its open streams end when their client goes)."""
        self._rings.pop(source_id, None)

    def preload(self, stored: list[StoredEvent]) -> None:
        """Fill the rings from the log at start-up (`stored` oldest first), before the
        collector publishes anything.
        """
        newest_first: dict[int, list[StoredEvent]] = {}
        for event in reversed(stored):
            mine = newest_first.setdefault(event.source_id, [])
            if len(mine) < self.ring_size:
                mine.append(event)
        for source_id, events in newest_first.items():
            self._rings[source_id] = deque(
                (DebugItem.from_stored(e) for e in reversed(events)), maxlen=self.ring_size
            )

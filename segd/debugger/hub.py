"""The hub: a bounded ring of recent events per source, and subscribers' buffers."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass

from segd.debugger.items import DebugItem, LoggedEvents, Segment, Skipped
from segd.store import StoredEvent


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
        self._items.extend(items)
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


class _Ring:
    """A source's latest segments, holding at least the last `size` events (and at most
    one segment more)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._segments: deque[Segment] = deque()
        self._count = 0

    def add(self, segment: Segment) -> None:
        self._segments.append(segment)
        self._count += len(segment)
        while self._segments and self._count - len(self._segments[0]) >= self._size:
            self._count -= len(self._segments.popleft())

    def latest(self, count: int, wants: TailFilter) -> list[DebugItem]:
        """Up to `count` of the newest wanted events, oldest first."""
        found: list[DebugItem] = []
        for segment in reversed(self._segments):
            if len(found) >= count:
                break
            found[:0] = [item for item in segment.items() if wants(item)]
        return found[-count:] if count > 0 else []


class DebuggerHub:
    def __init__(self, ring_size: int, buffer_size: int) -> None:
        self.ring_size = ring_size
        self._buffer_size = buffer_size
        self._rings: dict[int, _Ring] = {}
        self._subscribers: dict[int, set[Subscription]] = {}
        self._closed = False

    def has_subscribers(self, source_id: int) -> bool:
        return bool(self._subscribers.get(source_id))

    def publish(self, source_id: int, segment: Segment) -> None:
        """Record processed events of one source, in order. Never waits.

        Items are made now only if someone is watching; otherwise when first read.
        """
        ring = self._rings.get(source_id)
        if ring is None:
            ring = self._rings[source_id] = _Ring(self.ring_size)
        ring.add(segment)
        subscribers = self._subscribers.get(source_id)
        if subscribers:
            items = segment.items()
            for subscription in subscribers:
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
        ring = self._rings.get(source_id)
        if ring is not None:
            subscription.preload(ring.latest(min(recent, self.ring_size), wants))
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
        """The recent events, then live ones, until the caller stops or the hub closes."""
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
        by_source: dict[int, list[StoredEvent]] = {}
        for event in stored:
            by_source.setdefault(event.source_id, []).append(event)
        for source_id, events in by_source.items():
            ring = self._rings[source_id] = _Ring(self.ring_size)
            ring.add(LoggedEvents(events[-self.ring_size :]))

"""The debugger's live list, without the UI: bounded, batched, pausable, filterable.

Events arrive from the stream one by one (thousands a second at peak) and go into a
bounded `pending` queue at O(1) each; a timer calls `flush` a few times a second, which
moves them into the visible list (newest first, capped) in one step. The widget then
redraws once per flush, never once per event. While paused, pending events wait (the
oldest dropped beyond the cap) and the visible list stays still.
"""

from __future__ import annotations

from collections import deque

from segtui.models import DebugEvent, Skipped

#: The default number of events the list keeps, like Segment's debugger window.
DEFAULT_CAPACITY = 2000


def _key(event: DebugEvent) -> tuple[str, str, object]:
    # A duplicate shares its messageId with the original: the status tells them apart.
    return (event.message_id, event.status, event.received_at)


def matches(event: DebugEvent, text: str) -> bool:
    """Whether a filter text (case-insensitive, every word must match) selects the event."""
    haystack = " ".join(
        (event.type, event.name, event.user_id, event.anonymous_id, event.message_id, event.status)
    ).lower()
    return all(word in haystack for word in text.lower().split())


class EventFeed:
    """A bounded, newest-first list of debugger events with batched updates."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._events: deque[DebugEvent] = deque()
        self._pending: deque[DebugEvent] = deque()
        self._keys: set[tuple[str, str, object]] = set()
        self._filter = ""
        self._view: list[DebugEvent] | None = None
        self.paused = False
        #: Events the stream reported skipped (the client read too slowly).
        self.skipped = 0
        #: Events dropped here: pending beyond the cap while paused or between flushes.
        self.dropped = 0
        #: Every event pushed since the last clear.
        self.received = 0

    def push(self, item: DebugEvent | Skipped) -> None:
        """Take one stream item; O(1). Events seen already (after a reconnect) are ignored."""
        if isinstance(item, Skipped):
            self.skipped += item.count
            return
        key = _key(item)
        if key in self._keys:
            return
        self._keys.add(key)
        self.received += 1
        self._pending.append(item)
        if len(self._pending) > self.capacity:
            self._forget(self._pending.popleft())
            self.dropped += 1

    def flush(self) -> int:
        """Show what is pending (unless paused); returns how many new events are in view."""
        if self.paused or not self._pending:
            return 0
        added = 0
        while self._pending:
            event = self._pending.popleft()
            self._events.appendleft(event)
            if self._filter and not matches(event, self._filter):
                continue
            added += 1
        while len(self._events) > self.capacity:
            self._forget(self._events.pop())
        # A cheap rebuild at the next read beats patching the filtered view in place.
        self._view = None
        return min(added, self.capacity)

    def _forget(self, event: DebugEvent) -> None:
        self._keys.discard(_key(event))

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def filter(self) -> str:
        return self._filter

    @filter.setter
    def filter(self, text: str) -> None:
        self._filter = text.strip()
        self._view = None

    @property
    def view(self) -> list[DebugEvent]:
        """The visible events, newest first, after the filter."""
        if self._view is None:
            if self._filter:
                self._view = [e for e in self._events if matches(e, self._filter)]
            else:
                self._view = list(self._events)
        return self._view

    def clear(self) -> None:
        self._events.clear()
        self._pending.clear()
        self._keys.clear()
        self._view = None
        self.skipped = self.dropped = self.received = 0

    def status(self) -> str:
        """One line for the debugger's header, such as "live · 1,204 events · 3 skipped"."""
        parts = ["paused" if self.paused else "live", f"{len(self._events):,} events"]
        if self._filter:
            parts.append(f"{len(self.view):,} match")
        if self.paused and self._pending:
            parts.append(f"{len(self._pending):,} waiting")
        if self.skipped or self.dropped:
            parts.append(f"{self.skipped + self.dropped:,} skipped")
        return " · ".join(parts)

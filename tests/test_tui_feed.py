"""The debugger feed: bounded, batched, pausable, filterable, and fast."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from segtui.feed import EventFeed, matches
from segtui.models import DebugEvent, Skipped


def event(
    n: int,
    type_: str = "track",
    name: str = "Order Completed",
    user: str = "u1",
    status: str = "accepted",
) -> DebugEvent:
    return DebugEvent(type_, name, user, "", f"m{n}", datetime(2024, 1, 1, tzinfo=UTC), status)


def test_events_show_only_after_a_flush_newest_first():
    feed = EventFeed(10)
    for n in range(3):
        feed.push(event(n))
    assert feed.view == []
    assert feed.flush() == 3
    assert [e.message_id for e in feed.view] == ["m2", "m1", "m0"]
    assert feed.flush() == 0


def test_the_list_is_capped_and_keeps_the_newest():
    feed = EventFeed(5)
    for n in range(12):
        feed.push(event(n))
        if n % 4 == 0:
            feed.flush()
    feed.flush()
    assert [e.message_id for e in feed.view] == ["m11", "m10", "m9", "m8", "m7"]


def test_pause_holds_events_back_and_resume_shows_them():
    feed = EventFeed(3)
    feed.push(event(0))
    feed.flush()
    feed.paused = True
    for n in range(1, 6):
        feed.push(event(n))
    assert feed.flush() == 0
    assert [e.message_id for e in feed.view] == ["m0"]
    assert feed.pending == 3 and feed.dropped == 2
    assert "paused" in feed.status() and "3 waiting" in feed.status()
    feed.paused = False
    assert feed.flush() == 3
    assert [e.message_id for e in feed.view] == ["m5", "m4", "m3"]


def test_events_seen_before_a_reconnect_are_not_listed_twice():
    feed = EventFeed(10)
    feed.push(event(1))
    feed.flush()
    feed.push(event(1))
    feed.push(event(1, status="duplicate"))  # the duplicate call itself is a new entry
    assert feed.flush() == 1
    assert len(feed.view) == 2


def test_skips_reported_by_the_stream_are_counted():
    feed = EventFeed(10)
    feed.push(Skipped(7))
    assert feed.skipped == 7
    assert "7 skipped" in feed.status()


@pytest.mark.parametrize(
    ("text", "selected"),
    [
        ("", True),
        ("order", True),
        ("ORDER completed", True),
        ("track u1", True),
        ("identify", False),
        ("m42", True),
        ("order u2", False),
        ("accepted", True),
    ],
)
def test_filter_matches_every_word(text, selected):
    assert matches(event(42), text) is selected


def test_filter_applies_to_what_is_shown_and_counts_new_matches():
    feed = EventFeed(10)
    feed.push(event(0, name="Signed Up"))
    feed.push(event(1))
    feed.flush()
    feed.filter = "signed"
    assert [e.message_id for e in feed.view] == ["m0"]
    feed.push(event(2))
    feed.push(event(3, name="Signed Out"))
    assert feed.flush() == 1
    assert [e.message_id for e in feed.view] == ["m3", "m0"]
    assert "2 match" in feed.status()


def test_a_feed_needs_room():
    with pytest.raises(ValueError, match="capacity"):
        EventFeed(0)


def test_ten_thousand_events_a_second_cost_little():
    """Pushing is O(1) and a flush is one step: 50k events well under a second."""
    feed = EventFeed(2000)
    events = [event(n) for n in range(50_000)]
    started = time.perf_counter()
    for n, item in enumerate(events):
        feed.push(item)
        if n % 2000 == 0:  # a flush every 0.2 s at 10k events/s
            feed.flush()
            _ = feed.view
    feed.flush()
    elapsed = time.perf_counter() - started
    assert len(feed.view) == 2000
    assert elapsed < 1.0, elapsed

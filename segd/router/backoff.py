"""When to try a failed delivery again: pure arithmetic, with the clock and randomness passed in.

Exponential backoff with full jitter (a uniform draw between 0 and the exponential
ceiling), capped, never earlier than the destination's Retry-After, and never past the
retry window: an event whose window is spent is dead-lettered instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Seconds throughout; the defaults are Segment's 4-hour window."""

    base: float = 1.0
    cap: float = 300.0
    window: float = 4 * 3600.0


def backoff_delay(attempt: int, policy: RetryPolicy, rand: float) -> float:
    """Full jitter: `rand` (in [0, 1)) times min(cap, base * 2^(attempt - 1))."""
    ceiling = min(policy.cap, policy.base * 2.0 ** min(max(attempt, 1) - 1, 60))
    return ceiling * rand


def next_attempt_at(
    attempt: int,
    now: float,
    window_start: float,
    policy: RetryPolicy,
    rand: float,
    retry_after: float | None = None,
) -> float | None:
    """When to make the next attempt after `attempt` failed ones; None when it is too late.

    The last attempt is made at the end of the window; a Retry-After that points past
    the window means there is no acceptable next attempt.
    """
    end = window_start + policy.window
    if now >= end:
        return None
    delay = backoff_delay(attempt, policy, rand)
    if retry_after is not None:
        at = now + max(delay, retry_after)
        return at if at <= end else None
    return min(now + delay, end)

from __future__ import annotations

import pytest

from segd.router.backoff import RetryPolicy, backoff_delay, next_attempt_at

POLICY = RetryPolicy(base=1.0, cap=60.0, window=3600.0)


@pytest.mark.parametrize(
    ("attempt", "rand", "expected"),
    [
        (1, 0.0, 0.0),
        (1, 0.5, 0.5),
        (1, 0.999, 0.999),
        (2, 0.5, 1.0),
        (3, 0.5, 2.0),
        (6, 1.0, 32.0),
        (7, 1.0, 60.0),  # capped
        (500, 0.5, 30.0),  # no overflow for absurd attempt counts
        (0, 1.0, 1.0),
    ],
)
def test_full_jitter(attempt: int, rand: float, expected: float) -> None:
    assert backoff_delay(attempt, POLICY, rand) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("attempt", "now", "start", "rand", "retry_after", "expected"),
    [
        (1, 100.0, 100.0, 0.5, None, 100.5),
        (3, 100.0, 100.0, 1.0, None, 104.0),
        (3, 100.0, 100.0, 0.1, 30.0, 130.0),  # Retry-After wins over a shorter backoff
        (7, 100.0, 100.0, 1.0, 5.0, 160.0),  # a longer backoff wins over Retry-After
        (1, 3699.0, 100.0, 1.0, None, 3700.0),  # never past the window: last try at its end
        (1, 3700.0, 100.0, 0.0, None, None),  # the window is spent
        (1, 9999.0, 100.0, 0.0, None, None),
        (1, 3000.0, 100.0, 0.0, 1000.0, None),  # Retry-After beyond the window
        (1, 3000.0, 100.0, 0.0, 700.0, 3700.0),
    ],
)
def test_next_attempt(
    attempt: int,
    now: float,
    start: float,
    rand: float,
    retry_after: float | None,
    expected: float | None,
) -> None:
    assert next_attempt_at(attempt, now, start, POLICY, rand, retry_after) == expected

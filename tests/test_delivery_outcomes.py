"""Pure delivery bookkeeping: outcomes of a send, the ledger behind the cursor, latency."""

from __future__ import annotations

import pytest

from segd.destinations.base import BatchResult, Failure, OutboundEvent
from segd.router import stats
from segd.router.backoff import RetryPolicy
from segd.router.ledger import Ledger
from segd.router.retry import judge_new, judge_retries
from segd.store import Progress, RetryRow

POLICY = RetryPolicy(base=1.0, cap=10.0, window=100.0)
NOW = 1_000_000_000_000
RETRY = Failure(True, "HTTP 500", request_sample="req", response_sample="resp")
RETRY_LATER = Failure(True, "HTTP 429", retry_after=30.0)
PERMANENT = Failure(False, "HTTP 400", request_sample="req", response_sample="resp")


def outbound(seq: int, age_ms: int = 10) -> OutboundEvent:
    return OutboundEvent(seq, 1, "web", f"m-{seq}", NOW - age_ms, {"messageId": f"m-{seq}"})


def half() -> float:
    return 0.5


@pytest.mark.parametrize(
    ("failures", "delivered", "parked_at", "dead", "all_retryable"),
    [
        ({}, 3, [], [], False),
        ({1: RETRY}, 2, [NOW + 500], [], False),
        ({0: RETRY, 1: RETRY, 2: RETRY}, 0, [NOW + 500] * 3, [], True),
        ({2: RETRY_LATER}, 2, [NOW + 30_000], [], False),
        ({0: PERMANENT}, 2, [], ["HTTP 400"], False),
        ({0: PERMANENT, 1: RETRY, 2: RETRY}, 0, [NOW + 500] * 2, ["HTTP 400"], False),
        ({7: RETRY}, 3, [], [], False),  # positions outside the batch are ignored
    ],
)
def test_judge_new(
    failures: dict[int, Failure],
    delivered: int,
    parked_at: list[int],
    dead: list[str],
    all_retryable: bool,
) -> None:
    batch = [outbound(1), outbound(2), outbound(3)]
    progress, verdict = judge_new(batch, BatchResult(failures), NOW, POLICY, half)
    assert progress.delivered == delivered == verdict.delivered
    assert [r.next_attempt_at_ms for r in progress.parked] == parked_at
    assert all(r.attempts == 1 and r.window_start_ms == r.received_at_ms for r in progress.parked)
    assert [d.error for d in progress.dead] == dead
    assert verdict.all_retryable is all_retryable
    assert sum(progress.latency.values()) == delivered
    assert len(progress.errors) == (1 if any(0 <= i < 3 for i in failures) else 0)


def test_an_event_past_its_window_is_dead_on_its_first_failure() -> None:
    old = outbound(1, age_ms=200_000)
    progress, _ = judge_new([old], BatchResult({0: RETRY}), NOW, POLICY, half)
    assert not progress.parked
    assert progress.dead[0].error.startswith("retry window expired after 1 attempts")
    assert progress.dead[0].request_sample == "req"
    assert progress.dead[0].response_sample == "resp"


def retry_row(row_id: int, attempts: int, window_start: int, replay: bool = False) -> RetryRow:
    return RetryRow(row_id, 1, f"m-{row_id}", NOW - 5000, window_start, attempts, NOW, "{}", "x",
                    replay, row_id)  # fmt: skip


def test_judge_retries() -> None:
    rows = [
        retry_row(1, 2, NOW - 1000),  # delivered
        retry_row(2, 2, NOW - 1000),  # fails again: rescheduled with attempt 3
        retry_row(3, 5, NOW - 100_000),  # fails past the window: dead
        retry_row(4, 1, NOW, replay=True),  # a replay, delivered: no latency sample
        retry_row(5, 1, NOW),  # permanent: dead
    ]
    batch = [outbound(r.seq) for r in rows]
    result = BatchResult({1: RETRY, 2: RETRY, 4: PERMANENT})
    progress, verdict = judge_retries(rows, batch, result, NOW, POLICY, half)
    assert progress.settled == [1, 3, 4, 5]
    assert progress.rescheduled == [(2, 3, NOW + 2000, "HTTP 500")]
    assert [(d.seq, d.attempts) for d in progress.dead] == [(3, 6), (5, 2)]
    assert progress.delivered == 2 and sum(progress.latency.values()) == 1
    assert verdict.delivered == 2 and not verdict.all_retryable


def test_ledger_moves_the_cursor_only_past_finished_batches() -> None:
    ledger = Ledger()
    first, second = ledger.open(10), ledger.open(20, filtered=3)
    ledger.close(second, Progress(delivered=5))
    assert ledger.take().cursor is None, "the first batch is still out"
    ledger.close(first, Progress(delivered=2))
    ledger.skip(25, filtered=4)
    taken = ledger.take()
    assert (taken.cursor, taken.delivered, taken.filtered) == (25, 7, 7)
    assert ledger.take().is_empty()


def test_ledger_gives_back_what_could_not_be_written() -> None:
    ledger = Ledger()
    ledger.close(ledger.open(10), Progress(delivered=1))
    taken = ledger.take()
    ledger.add(Progress(settled=[7]))
    ledger.give_back(taken)
    again = ledger.take()
    assert (again.cursor, again.delivered, again.settled) == (10, 1, [7])


@pytest.mark.parametrize("latency", [0, 1, 5, 20, 99, 1000, 65_000, 3_600_000])
def test_latency_buckets_are_within_ten_percent(latency: int) -> None:
    value = stats.bucket_value(stats.bucket_of(latency))
    assert abs(value - latency) <= max(latency * 0.1, 1.0)


def test_percentiles() -> None:
    counts = stats.histogram([10] * 50 + [100] * 45 + [1000] * 5)
    assert stats.percentile(counts, 0.5) == pytest.approx(10, rel=0.1)
    assert stats.percentile(counts, 0.95) == pytest.approx(100, rel=0.1)
    assert stats.percentile(counts, 0.99) == pytest.approx(1000, rel=0.1)
    assert stats.percentile({}, 0.5) is None

"""What becomes of each event of a sent batch: delivered, parked for retry, or dead.

Pure functions of the batch, the plugin's BatchResult, the clock and a random draw,
producing the `Progress` a worker writes. Backoff arithmetic is in `backoff`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from segd.destinations.base import BatchResult, Failure, OutboundEvent
from segd.router import stats
from segd.router.backoff import RetryPolicy, next_attempt_at
from segd.store import DeadLetter, DeliveryError, Progress, RetryRow


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a send went as a whole, for pausing a destination that is down."""

    delivered: int
    retryable: int
    permanent: int
    retry_after: float | None

    @property
    def all_retryable(self) -> bool:
        return self.retryable > 0 and not self.delivered and not self.permanent


def _record_delivery(progress: Progress, now_ms: int, received_at_ms: int, timed: bool) -> None:
    progress.delivered += 1
    if timed:
        key = (now_ms // 60_000, stats.bucket_of(now_ms - received_at_ms))
        progress.latency[key] = progress.latency.get(key, 0) + 1


def _verdict(count: int, failures: dict[int, Failure]) -> Verdict:
    retryable = [f for f in failures.values() if f.retryable]
    waits = [f.retry_after for f in retryable if f.retry_after is not None]
    return Verdict(
        count - len(failures),
        len(retryable),
        len(failures) - len(retryable),
        max(waits, default=None),
    )


def _error(event: OutboundEvent, failure: Failure, now_ms: int) -> DeliveryError:
    return DeliveryError(
        now_ms,
        event.seq,
        event.message_id,
        failure.retryable,
        failure.error,
        failure.request_sample,
        failure.response_sample,
    )


def _failures(result: BatchResult, count: int) -> dict[int, Failure]:
    """The plugin's failures, ignoring positions outside the batch."""
    return {i: f for i, f in result.failures.items() if 0 <= i < count}


def judge_new(
    batch: Sequence[OutboundEvent],
    result: BatchResult,
    now_ms: int,
    policy: RetryPolicy,
    rand: Callable[[], float],
) -> tuple[Progress, Verdict]:
    """Outcomes for a batch read from the log (first attempt of each event)."""
    progress = Progress()
    failures = _failures(result, len(batch))
    for index, event in enumerate(batch):
        failure = failures.get(index)
        if failure is None:
            _record_delivery(progress, now_ms, event.received_at_ms, timed=True)
            continue
        body = json.dumps(event.body, ensure_ascii=False, separators=(",", ":"))
        at = _next_at(1, now_ms, event.received_at_ms, failure, policy, rand)
        if at is None:
            progress.dead.append(_dead(event, body, 1, failure, now_ms))
        else:
            progress.parked.append(
                RetryRow(
                    event.seq,
                    event.source_id,
                    event.message_id,
                    event.received_at_ms,
                    event.received_at_ms,
                    1,
                    at,
                    body,
                    failure.error,
                )
            )
    if failures:
        first = min(failures)
        progress.errors.append(_error(batch[first], failures[first], now_ms))
    return progress, _verdict(len(batch), failures)


def judge_retries(
    rows: Sequence[RetryRow],
    batch: Sequence[OutboundEvent],
    result: BatchResult,
    now_ms: int,
    policy: RetryPolicy,
    rand: Callable[[], float],
) -> tuple[Progress, Verdict]:
    """Outcomes for a batch of retries (`batch[i]` is the event of `rows[i]`)."""
    progress = Progress()
    failures = _failures(result, len(rows))
    for index, row in enumerate(rows):
        failure = failures.get(index)
        if failure is None:
            progress.settled.append(row.id)
            # A replay is a person's decision, not delivery latency.
            _record_delivery(progress, now_ms, row.received_at_ms, timed=not row.replay)
            continue
        attempts = row.attempts + 1
        at = _next_at(attempts, now_ms, row.window_start_ms, failure, policy, rand)
        if at is None:
            progress.settled.append(row.id)
            progress.dead.append(_dead(batch[index], row.body, attempts, failure, now_ms))
        else:
            progress.rescheduled.append((row.id, attempts, at, failure.error))
    if failures:
        first = min(failures)
        progress.errors.append(_error(batch[first], failures[first], now_ms))
    return progress, _verdict(len(rows), failures)


def _next_at(
    attempts: int,
    now_ms: int,
    window_start_ms: int,
    failure: Failure,
    policy: RetryPolicy,
    rand: Callable[[], float],
) -> int | None:
    if not failure.retryable:
        return None
    at = next_attempt_at(
        attempts, now_ms / 1000, window_start_ms / 1000, policy, rand(), failure.retry_after
    )
    return None if at is None else round(at * 1000)


def _dead(
    event: OutboundEvent, body: str, attempts: int, failure: Failure, now_ms: int
) -> DeadLetter:
    error = failure.error
    if failure.retryable:
        error = f"retry window expired after {attempts} attempts; last error: {error}"
    return DeadLetter(
        event.seq,
        event.source_id,
        event.message_id,
        event.received_at_ms,
        body,
        attempts,
        error,
        failure.request_sample,
        failure.response_sample,
        now_ms,
    )

"""One destination instance's worker: follow the log from a cursor, deliver, retry.

Three tasks share the plugin and a semaphore of `max_in_flight` batches:

- the reader takes events after the read position, selects those for this destination
  (sources, `integrations`, filters) and sends them in batches (`batch_size`, or fewer
  once the oldest has waited `batch_max_wait_seconds`);
- the retrier sends the parked events that are due, so a retrying event never holds
  up the events behind it;
- the committer writes what finished (cursor, counts, retries, dead letters) at most
  every `commit_interval_seconds`, always in one transaction.

When every event of a send fails and can be retried, the destination is probably down:
after a few such sends in a row (or on a Retry-After) the worker pauses, so an outage
leaves the backlog in the log on disk instead of churning it through the retry table.
A worker shares nothing with other workers but the database: a failing destination
never slows another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from segd.config import RouterConfig
from segd.destinations.base import BatchResult, Destination, Failure, OutboundEvent
from segd.router import retry
from segd.router.backoff import RetryPolicy, backoff_delay
from segd.router.ledger import Entry, Ledger
from segd.router.selection import Route, select
from segd.store import Progress, RetryRow, Store

log = structlog.get_logger(__name__)

#: Sends in a row that fail entirely before the destination counts as down.
PAUSE_AFTER_FAILED_SENDS = 3
#: Longest pause (unless a Retry-After asks for more): a down destination is probed at
#: least this often, so delivery resumes soon after it recovers.
MAX_PAUSE_SECONDS = 10.0
#: Longest a reader waits without being woken before it looks at the log anyway.
IDLE_POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    destination_id: int
    name: str
    version: int
    route: Route


class Pause:
    """Holds a destination's sends back while it looks down or asked us to wait."""

    def __init__(self, policy: RetryPolicy, rand: Callable[[], float], logger: Any) -> None:
        self._policy = policy
        self._rand = rand
        self._log = logger
        self._failed_sends = 0
        self._until = 0.0

    def record(self, verdict: retry.Verdict) -> bool:
        """Count a send; True when it ends an outage (a success after a pause)."""
        if verdict.delivered:
            resumed = self._failed_sends >= PAUSE_AFTER_FAILED_SENDS
            if resumed:
                self._log.info("destination.resumed", failed_sends=self._failed_sends)
            self._failed_sends, self._until = 0, 0.0
            return resumed
        if not verdict.all_retryable:
            return False
        self._failed_sends += 1
        if self._failed_sends < PAUSE_AFTER_FAILED_SENDS and verdict.retry_after is None:
            return False
        # Equal jitter: never a pause of nothing, never every worker waking at once.
        attempt = max(self._failed_sends - PAUSE_AFTER_FAILED_SENDS + 1, 1)
        delay = backoff_delay(attempt, self._policy, 0.5 + self._rand() / 2)
        delay = max(min(delay, MAX_PAUSE_SECONDS), verdict.retry_after or 0.0)
        self._until = max(self._until, time.monotonic() + delay)
        self._log.warning(
            "destination.paused", seconds=round(delay, 3), failed_sends=self._failed_sends
        )
        return False

    async def wait(self) -> None:
        # A later failure may push the end further while we sleep: look again after.
        while (remaining := self._until - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(remaining)


class Worker:
    def __init__(
        self,
        spec: WorkerSpec,
        plugin: Destination,
        store: Store,
        config: RouterConfig,
        source_slug: Callable[[int], str],
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.spec = spec
        self.plugin = plugin
        self._store = store
        self._config = config
        self._slug = source_slug
        self._rand = rand
        self._policy = RetryPolicy(
            config.retry_base_seconds, config.retry_max_delay_seconds, config.retry_window_seconds
        )
        settings = plugin.settings
        self._batch_size = settings.batch_size
        self._max_wait_ms = settings.batch_max_wait_seconds * 1000
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._log = log.bind(destination=spec.name, type=plugin.name)
        self._pause = Pause(self._policy, rand, self._log)
        self._ledger = Ledger()
        self._new_events = asyncio.Event()
        self._retry_wakeup = asyncio.Event()
        self._flush_wanted = asyncio.Event()
        #: Retry rows being sent, or whose outcome is not written yet.
        self._busy_retries: set[int] = set()
        self._sends: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._committer: asyncio.Task[None] | None = None
        self._read_seq = 0

    async def start(self) -> None:
        await self.plugin.open()
        try:
            self._read_seq = await self._store.delivery.cursor(self.spec.destination_id)
        except BaseException:
            await self.plugin.close()
            raise
        name = self.spec.name
        self._loops = [
            asyncio.create_task(self._read_loop(), name=f"read:{name}"),
            asyncio.create_task(self._retry_loop(), name=f"retry:{name}"),
        ]
        self._committer = asyncio.create_task(self._commit_loop(), name=f"commit:{name}")
        for task in (*self._loops, self._committer):
            task.add_done_callback(self._loop_ended)
        self._log.info("destination.started", cursor=self._read_seq, version=self.spec.version)

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        """A loop ends only when stopped; one that fails would halt delivery unseen."""
        if not task.cancelled() and task.exception() is not None:
            self._log.error(
                "destination.loop_failed", loop=task.get_name(), exc_info=task.exception()
            )

    def notify(self) -> None:
        """New events were committed to the log."""
        self._new_events.set()

    async def stop(self, drain_seconds: float) -> None:
        """Start nothing new, give in-flight sends `drain_seconds`, write, close the plugin."""
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self._sends:
            _, late = await asyncio.wait(self._sends, timeout=drain_seconds)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            if late:
                self._log.warning("destination.drain_timeout", unfinished_batches=len(late))
        if self._committer is not None:
            self._committer.cancel()
            await asyncio.gather(self._committer, return_exceptions=True)
        await self._flush()
        try:
            await self.plugin.close()
        except Exception:
            self._log.exception("destination.close_failed")
        self._log.info("destination.stopped")

    def _launch(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    # -- new events -----------------------------------------------------------------

    async def _read_loop(self) -> None:
        pending: list[OutboundEvent] = []
        while True:
            await self._pause.wait()
            await self._slots.acquire()
            try:
                batch, entry = await self._next_batch(pending)
                await self._pause.wait()  # it may have begun while the batch filled
            except BaseException:
                self._slots.release()
                raise
            self._launch(self._deliver_new(batch, entry))

    async def _next_batch(self, pending: list[OutboundEvent]) -> tuple[list[OutboundEvent], Entry]:
        """Wait for a batch worth sending; `pending` keeps what is read beyond it."""
        size, filtered = self._batch_size, 0
        while True:
            more = True
            if len(pending) < size:
                self._new_events.clear()
                rows = await self._store.router_log.read_after(self._read_seq, size)
                more = len(rows) == size
                for row in rows:
                    self._read_seq = row.seq
                    event = select(self.spec.route, row, self._slug(row.source_id))
                    if event is None:
                        filtered += 1
                    else:
                        pending.append(event)
            timeout = IDLE_POLL_SECONDS
            if pending:
                waited_ms = time.time() * 1000 - pending[0].received_at_ms
                if len(pending) >= size or waited_ms >= self._max_wait_ms:
                    batch = pending[:size]
                    del pending[:size]
                    upto = pending[0].seq - 1 if pending else self._read_seq
                    return batch, self._ledger.open(upto, filtered)
                timeout = (self._max_wait_ms - waited_ms) / 1000
            elif filtered:
                self._ledger.skip(self._read_seq, filtered)
                self._flush_wanted.set()
                filtered = 0
            if more:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._new_events.wait()

    async def _deliver_new(self, batch: list[OutboundEvent], entry: Entry) -> None:
        try:
            result = await self._send(batch)
            progress, verdict = retry.judge_new(batch, result, _now_ms(), self._policy, self._rand)
            self._settle(progress, verdict, len(batch))
            self._ledger.close(entry, progress)
            self._flush_wanted.set()
        finally:
            self._slots.release()

    # -- retries --------------------------------------------------------------------

    async def _retry_loop(self) -> None:
        destination = self.spec.destination_id
        while True:
            await self._pause.wait()
            self._retry_wakeup.clear()
            busy = self._busy_retries
            due = await self._store.delivery.due_retries(
                destination, _now_ms(), self._batch_size + len(busy)
            )
            rows = [row for row in due if row.id not in busy][: self._batch_size]
            if not rows:
                timeout = self._config.retry_poll_seconds
                next_at = None if busy else await self._store.delivery.next_retry_at(destination)
                if next_at is not None:
                    timeout = min(max((next_at - _now_ms()) / 1000, 0.001), timeout)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._retry_wakeup.wait()
                continue
            busy.update(row.id for row in rows)
            await self._slots.acquire()
            self._launch(self._deliver_retries(rows))

    async def _deliver_retries(self, rows: list[RetryRow]) -> None:
        try:
            batch = [
                OutboundEvent(
                    r.seq,
                    r.source_id,
                    self._slug(r.source_id),
                    r.message_id,
                    r.received_at_ms,
                    json.loads(r.body),
                )
                for r in rows
            ]
            result = await self._send(batch)
            progress, verdict = retry.judge_retries(
                rows, batch, result, _now_ms(), self._policy, self._rand
            )
            self._settle(progress, verdict, len(rows), retries=True)
            self._ledger.add(progress)
            self._flush_wanted.set()
        finally:
            self._slots.release()

    # -- shared ---------------------------------------------------------------------

    async def _send(self, batch: Sequence[OutboundEvent]) -> BatchResult:
        limit = self._config.send_timeout_seconds
        # Our own deadline, told apart from a TimeoutError the plugin lets escape; it
        # cancels only the plugin call, so a cancelled worker still stops at once.
        deadline = asyncio.timeout(limit)
        try:
            async with deadline:
                return await self.plugin.send_batch(batch)
        except Exception as exc:
            if deadline.expired():
                # A plugin stuck past its own timeouts would hold this slot for good;
                # the batch is retried like any retryable failure. Work the plugin left
                # running (a load in a thread) may still land: at least once, as ever.
                self._log.warning(
                    "destination.plugin_timed_out", batch_size=len(batch), timeout_seconds=limit
                )
                failure = Failure(
                    True, f"the {self.plugin.name} plugin did not answer within {limit:g} s"
                )
            else:
                # The contract says plugins report failures; one that raises is treated
                # as a retryable failure of the whole batch, and logged for its author.
                self._log.exception("destination.plugin_raised", batch_size=len(batch))
                failure = Failure(True, f"the {self.plugin.name} plugin failed: {exc!r}"[:500])
            return BatchResult.all_failed(len(batch), failure)

    def _settle(
        self, progress: Progress, verdict: retry.Verdict, size: int, retries: bool = False
    ) -> None:
        if self._pause.record(verdict):
            # The destination is back: what waits for a retry need not wait out its backoff.
            progress.hasten_retries = True
        if progress.errors:
            error = progress.errors[-1]
            self._log.warning(
                "destination.batch_failed",
                batch_size=size,
                retries=retries,
                delivered=verdict.delivered,
                retrying=len(progress.parked) + len(progress.rescheduled),
                dead=len(progress.dead),
                error=error.error,
            )

    async def _commit_loop(self) -> None:
        while True:
            await self._flush_wanted.wait()
            self._flush_wanted.clear()
            await self._flush()
            await asyncio.sleep(self._config.commit_interval_seconds)

    async def _flush(self) -> None:
        progress = self._ledger.take()
        if progress.is_empty():
            return
        try:
            await self._store.delivery.record(self.spec.destination_id, progress, _now_ms())
        except (sqlite3.Error, OSError) as exc:
            self._log.error("destination.progress_not_written", error=str(exc))
            self._ledger.give_back(progress)
            self._flush_wanted.set()
            return
        done = set(progress.settled)
        done.update(row_id for row_id, *_ in progress.rescheduled)
        self._busy_retries -= done
        if done or progress.parked or progress.hasten_retries:
            self._retry_wakeup.set()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000

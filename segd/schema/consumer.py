"""The schema consumer: follows the event log from its persisted cursor.

Woken after each commit (and every few seconds regardless, for events written by
another process), it reads a batch after its cursor, reduces it with the pure functions
of `observe`, and stores the statistics and the new cursor in one transaction. Once
caught up, it waits a quarter of a second after a wake-up, so that a burst of commits
is one batch; behind, it reads batch after batch.

It runs in a child process of the daemon (`segd.schema.process`), not on the daemon's
event loop: decoding every stored event and typing its properties is Python work, about
8 us per event, which inside the daemon held the interpreter lock for about a quarter
of the main thread's CPU under ingest load and blocked the event loop for 15-40 ms per
2,000-event batch, delaying the group commit's awaits behind it (ingest at batch 100:
27k events/s with the consumer in the daemon, 34k without it). `step` works in any
process: the child runs `run` in an event loop of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import structlog

from segd.schema.observe import DAY_MS, aggregate, bound, observe
from segd.store import EventLog, SchemaStore

log = structlog.get_logger(__name__)

#: Seconds a woken consumer waits before reading the log, so that a burst is one batch.
GATHER_SECONDS = 0.25


class SchemaConsumer:
    def __init__(
        self,
        event_log: EventLog,
        schema: SchemaStore,
        batch_size: int = 2000,
        idle_seconds: float = 5.0,
        clock: Callable[[], int] = time.time_ns,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self._log = event_log
        self._schema = schema
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._gather_seconds = gather_seconds
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """New events are in the log (the daemon said so after a commit)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Follow the log until cancelled."""
        while True:
            try:
                caught_up = await self.step()
            except Exception:
                log.exception("schema.step_failed")
                caught_up = True
            if caught_up:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._idle_seconds)
                self._wakeup.clear()
                # Let what follows the wake-up gather into one batch: a step costs some
                # fifty SQLite round trips whatever its size, and woken after every
                # commit of single sends it cost more CPU per event than the daemon.
                await asyncio.sleep(self._gather_seconds)

    async def step(self) -> bool:
        """Take in one batch after the cursor; True when the consumer has caught up."""
        schema = self._schema
        cursor = await schema.cursor()
        events = await self._log.read_after(cursor, self._batch_size)
        if not events:
            return True
        batch = aggregate(observe(e.source_id, e.received_at_ms, e.payload) for e in events)
        plan = bound(batch, await schema.known(batch))
        today = self._clock() // 1_000_000 // DAY_MS
        await schema.apply(plan, events[-1].seq, today)
        log.debug("schema.batch", events=len(events), cursor=events[-1].seq)
        return len(events) < self._batch_size

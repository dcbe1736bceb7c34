"""Group commit: concurrent sends share one transaction, and each is answered after it.

Every request hands its entries to the single `LogWriter`. The writer takes whatever
is waiting (up to `max_group_events`), drops what the deduplication index or the
group itself has seen, appends the rest to the log in one transaction, and answers
each request once that transaction has committed. Nothing is acknowledged that is
not stored; a failed commit is answered with Unavailable and the client retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import structlog

from segd.errors import Overloaded, Unavailable
from segd.store import LogRow, Store, dedup_key

log = structlog.get_logger(__name__)


class Entry(NamedTuple):
    """One normalised event on its way into the log.

    A NamedTuple: made once per event on the event loop, where a frozen dataclass
    would set each field through object.__setattr__, several times as costly. Its
    fields are the log's columns after seq, in their order (`LogRow`).
    """

    source_id: int
    message_id: str
    type: int
    name: str
    user_id: str
    anonymous_id: str
    received_at_ms: int
    payload: bytes

    @property
    def identity(self) -> tuple[int, str]:
        return (self.source_id, self.message_id)


@dataclass(slots=True)
class _Request:
    entries: Sequence[Entry]
    done: asyncio.Future[list[bool]]


class DiskGuard:
    """Is there room to write? statvfs at most every `interval` seconds."""

    def __init__(self, path: Path, min_free_bytes: int, interval: float = 0.25) -> None:
        self._path = path
        self._min_free = min_free_bytes
        self._interval = interval
        self._checked_at = 0.0
        self._ok = True

    def free_bytes(self) -> int:
        stat = os.statvfs(self._path)
        return stat.f_bavail * stat.f_frsize

    def has_room(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= self._interval:
            self._checked_at = now
            ok = self.free_bytes() >= self._min_free
            if ok != self._ok:
                log.warning("disk.space_" + ("returned" if ok else "low"), path=str(self._path))
            self._ok = ok
        return self._ok


class LogWriter:
    def __init__(
        self,
        store: Store,
        disk: DiskGuard,
        max_group_events: int,
        max_pending_events: int,
        on_commit: Callable[[list[tuple[int, Entry]]], None] | None = None,
    ) -> None:
        self._store = store
        self._disk = disk
        self._max_group = max_group_events
        self._max_pending = max_pending_events
        self._on_commit = on_commit
        self._queue: deque[_Request] = deque()
        self._pending_events = 0
        self._wakeup = asyncio.Event()
        self._next_seq = 1
        self._dedup_behind = False
        self._accepting = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._next_seq = await self._store.log.last_seq() + 1
        await self._catch_up_dedup()
        self._accepting = True
        self._task = asyncio.create_task(self._run(), name="log-writer")

    async def close(self) -> None:
        """Refuse new writes, finish the queued ones, stop."""
        self._accepting = False
        while self._queue:
            self._wakeup.set()
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def admit(self, count: int) -> None:
        """Raise what `write` would for `count` events now (Unavailable, Overloaded).

        Callers ask before the costly work (normalising a batch), so that under
        overload a refusal costs next to nothing and the CPU goes to what is admitted.
        """
        if not self._accepting:
            raise Unavailable("the daemon is shutting down")
        if not self._disk.has_room():
            raise Unavailable("the daemon is low on disk space; retry later")
        self.check_pending(count)

    def check_pending(self, count: int) -> None:
        """Overloaded if `count` more events would not fit in the queue."""
        if self._pending_events + count > self._max_pending:
            raise Overloaded("too many events are waiting to be written; retry later")

    async def write(self, entries: Sequence[Entry]) -> list[bool]:
        """Store entries; for each, True if stored now, False if it was a duplicate."""
        self.admit(len(entries))
        done: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Request(entries, done))
        self._pending_events += len(entries)
        self._wakeup.set()
        # The write goes on even if the caller goes away (its cancellation cancels only
        # `done`, which the writer then leaves unanswered): it may already be committing.
        return await done

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                group = [self._queue.popleft()]
                size = len(group[0].entries)
                while self._queue and size + len(self._queue[0].entries) <= self._max_group:
                    size += len(self._queue[0].entries)
                    group.append(self._queue.popleft())
                try:
                    new_keys = await self._commit(group)
                finally:
                    # Answered (or failed): these events wait no more, even while their
                    # keys are indexed below. Counting them until then refused calls that
                    # fitted: 16 calls of 1,000 events came to more than 20,000 waiting.
                    self._pending_events -= size
                if new_keys:
                    await self._index(new_keys)

    async def _commit(self, group: list[_Request]) -> list[tuple[int, int]]:
        """Append the group's new events and answer its requests; returns their
        (dedup key, seq) pairs, for the index."""
        # Each event's identity and dedup key, computed once: looked up now, indexed
        # after the commit.
        identities = [e.identity for r in group for e in r.entries]
        keys = [dedup_key(*identity) for identity in identities]
        try:
            if self._dedup_behind:
                await self._catch_up_dedup()
            seen = await self._stored_identities(identities, keys)
        except (sqlite3.Error, OSError) as exc:
            self._fail(group, exc)
            return []
        rows: list[LogRow] = []
        stored: list[tuple[int, Entry]] = []
        new_keys: list[tuple[int, int]] = []
        answers: list[list[bool]] = []
        seq = self._next_seq
        position = 0
        for request in group:
            answer = []
            for e in request.entries:
                identity = identities[position]
                if identity in seen:
                    answer.append(False)
                else:
                    seen.add(identity)
                    rows.append((seq, *e))
                    stored.append((seq, e))
                    new_keys.append((keys[position], seq))
                    answer.append(True)
                    seq += 1
                position += 1
            answers.append(answer)
        if rows:
            try:
                await self._store.log.append(rows)
            except (sqlite3.Error, OSError) as exc:
                self._fail(group, exc)
                return []
        self._next_seq = seq
        for request, answer in zip(group, answers, strict=True):
            if not request.done.done():
                request.done.set_result(answer)
        if self._on_commit is not None and stored:
            self._on_commit(stored)
        return new_keys

    async def _index(self, new_keys: list[tuple[int, int]]) -> None:
        try:
            await self._store.dedup.add(new_keys)
        except (sqlite3.Error, OSError) as exc:
            log.error("dedup.add_failed", error=str(exc))
            self._dedup_behind = True

    async def _stored_identities(
        self, identities: list[tuple[int, str]], keys: list[int]
    ) -> set[tuple[int, str]]:
        """Those of the (source, messageId) pairs, with their dedup keys, that the log
        holds already."""
        wanted = dict(zip(keys, identities, strict=True))
        hits = await self._store.dedup.lookup(list(wanted))
        if not hits:
            return set()
        # Confirm each hit against the log: a hash collision, or a pruned event, is no duplicate.
        logged = await self._store.log.message_ids(hits.values())
        return {wanted[key] for key, seq in hits.items() if logged.get(seq) == wanted[key]}

    def _fail(self, group: list[_Request], exc: BaseException) -> None:
        full = isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)
        log.error("log.append_failed", error=str(exc), disk_full=full)
        message = "the disk is full" if full else "the event log could not be written"
        for request in group:
            if not request.done.done():
                request.done.set_exception(Unavailable(f"{message}; nothing was stored, retry"))

    async def _catch_up_dedup(self) -> None:
        """Index what the log holds beyond the dedup cursor (after a crash, or a failed add)."""
        cursor = await self._store.dedup.cursor()
        indexed = 0
        while True:
            batch = await self._store.log.read_after(cursor, 10_000)
            if not batch:
                break
            cursor = batch[-1].seq
            await self._store.dedup.add(
                [(dedup_key(e.source_id, e.message_id), e.seq) for e in batch]
            )
            indexed += len(batch)
        if indexed:
            log.info("dedup.caught_up", events=indexed, cursor=cursor)
        self._dedup_behind = False

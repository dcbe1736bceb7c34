"""The event log, the dedup index that follows it, and retention, in-process."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

from segd.app import prune
from segd.config import Config, StorageConfig
from segd.store import Store, dedup_key
from segd.store.db import Database, connect, power_of_two_chunks
from segd.writer import DiskGuard, Entry, LogWriter

DAY_MS = 86_400_000


def entry(message_id: str, received_at_ms: int, source_id: int = 1) -> Entry:
    return Entry(source_id, message_id, 2, "Order Completed", "u", "", received_at_ms, b"payload")


class Stall:
    """Holds every call to one of a store part's methods until `release` is set;
    `entered` is set once a call waits."""

    def __init__(self, part: object, method: str) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        original = getattr(part, method)

        async def held(*args: object) -> object:
            self.entered.set()
            await self.release.wait()
            return await original(*args)

        setattr(part, method, held)


async def open_writer(data_dir: Path) -> tuple[Store, LogWriter]:
    store = await Store.open(data_dir, "normal")
    writer = LogWriter(store, DiskGuard(data_dir, 0), 1000, 10_000)
    await writer.start()
    return store, writer


def test_dedup_catches_up_after_a_crash_between_log_and_index(tmp_path: Path) -> None:
    async def scenario() -> list[bool]:
        store = await Store.open(tmp_path, "normal")
        # As if the daemon died after committing the log but before indexing the keys.
        now = time.time_ns() // 1_000_000
        await store.log.append([(1, 1, "m-1", 2, "x", "u", "", now, b"p")])
        assert await store.dedup.cursor() == 0
        await store.close()
        store, writer = await open_writer(tmp_path)
        try:
            assert await store.dedup.cursor() == 1
            return await writer.write([entry("m-1", now), entry("m-2", now)])
        finally:
            await writer.close()
            await store.close()

    assert asyncio.run(scenario()) == [False, True]


def test_a_hash_hit_for_another_event_is_not_a_duplicate(tmp_path: Path) -> None:
    async def scenario() -> list[bool]:
        store, writer = await open_writer(tmp_path)
        try:
            now = time.time_ns() // 1_000_000
            await writer.write([entry("m-1", now)])
            # Point m-2's key at m-1's row, as a 64-bit collision would.
            await store.dedup.add([(dedup_key(1, "m-2"), 1)])
            return await writer.write([entry("m-2", now)])
        finally:
            await writer.close()
            await store.close()

    assert asyncio.run(scenario()) == [True]


def test_retention_prunes_old_events_and_their_keys(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path, storage=StorageConfig(retention_days=7))

    async def scenario() -> tuple[int, list[bool], int]:
        store, writer = await open_writer(tmp_path)
        try:
            now = time.time_ns() // 1_000_000
            await writer.write([entry(f"old-{i}", now - 10 * DAY_MS + i) for i in range(50)])
            await writer.write([entry(f"new-{i}", now - DAY_MS + i) for i in range(50)])
            deleted = await prune(store, config)
            # An old messageId is no longer a duplicate once its event is gone.
            again = await writer.write([entry("old-0", now), entry("new-0", now)])
            remaining = len(await store.log.read_after(0, 1000))
            return deleted, again, remaining
        finally:
            await writer.close()
            await store.close()

    deleted, again, remaining = asyncio.run(scenario())
    assert deleted == 50
    assert again == [True, False]
    assert remaining == 51


def test_sequence_numbers_are_never_reused_after_pruning(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path, storage=StorageConfig(retention_days=1))

    async def scenario() -> list[int]:
        store, writer = await open_writer(tmp_path)
        old = time.time_ns() // 1_000_000 - 3 * DAY_MS
        await writer.write([entry(f"m-{i}", old) for i in range(5)])
        await prune(store, config)
        await writer.close()
        await store.close()
        store, writer = await open_writer(tmp_path)
        try:
            await writer.write([entry("after", time.time_ns() // 1_000_000)])
            return [e.seq for e in await store.log.read_after(0, 10)]
        finally:
            await writer.close()
            await store.close()

    assert asyncio.run(scenario()) == [6]


def test_power_of_two_chunks_cover_every_row_in_order() -> None:
    for count in (0, 1, 2, 3, 100, 1023, 1024, 1025, 3001):
        rows = [(i,) for i in range(count)]
        chunks = list(power_of_two_chunks(rows, 1024))
        assert [row for chunk in chunks for row in chunk] == rows
        assert all(len(c) <= 1024 and len(c) & (len(c) - 1) == 0 for c in chunks)


def test_a_group_larger_than_one_statement_is_stored_whole_and_deduplicated(
    tmp_path: Path,
) -> None:
    """3,001 events take several multi-row INSERTs; a resend finds every one of them."""

    async def scenario() -> tuple[list[bool], list[bool], int]:
        store = await Store.open(tmp_path, "normal")
        writer = LogWriter(store, DiskGuard(tmp_path, 0), 10_000, 20_000)
        await writer.start()
        try:
            now = time.time_ns() // 1_000_000
            batch = [entry(f"m-{i}", now) for i in range(3001)]
            first = await writer.write(batch)
            again = await writer.write(batch[::-1])
            stored = await store.log.read_after(0, 10_000)
            assert [e.message_id for e in stored] == [f"m-{i}" for i in range(3001)]
            return first, again, await store.dedup.cursor()
        finally:
            await writer.close()
            await store.close()

    first, again, cursor = asyncio.run(scenario())
    assert all(first) and not any(again) and cursor == 3001


def test_a_transaction_cancelled_at_its_begin_leaves_the_connection_usable(
    tmp_path: Path,
) -> None:
    async def scenario() -> list[tuple[int]]:
        db = Database(await connect(tmp_path / "t.db", "normal"))
        try:
            await db.conn.execute("CREATE TABLE t (x INTEGER)")

            async def write() -> None:
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO t VALUES (1)")

            task = asyncio.create_task(write())
            await asyncio.sleep(0)  # the task now waits for its BEGIN
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t VALUES (2)")
            return list(await db.conn.execute_fetchall("SELECT x FROM t"))  # type: ignore[arg-type]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == [(2,)]


def test_answered_events_stop_counting_as_waiting_before_their_keys_are_indexed(
    tmp_path: Path,
) -> None:
    """Once a group is answered its clients send again; its events must not hold room
    while the dedup index takes their keys (that refused 16 calls of 1,000 events)."""

    async def scenario() -> None:
        store = await Store.open(tmp_path, "normal")
        writer = LogWriter(store, DiskGuard(tmp_path, 0), 1000, 150)
        indexing = Stall(store.dedup, "add")
        await writer.start()
        try:
            now = time.time_ns() // 1_000_000
            assert await writer.write([entry(f"m-{i}", now) for i in range(100)]) == [True] * 100
            await indexing.entered.wait()
            writer.admit(100)  # 100 answered + 100 new would not fit in 150
            indexing.release.set()
        finally:
            indexing.release.set()
            await writer.close()
            await store.close()

    asyncio.run(scenario())


def test_a_write_whose_caller_is_cancelled_is_still_committed(tmp_path: Path) -> None:
    """A client that goes away mid-commit cancels its wait, not the write: the group is
    committed whole, and the writer goes on answering the others."""

    async def scenario() -> tuple[list[str], list[bool]]:
        store = await Store.open(tmp_path, "normal")
        writer = LogWriter(store, DiskGuard(tmp_path, 0), 1000, 10_000)
        appending = Stall(store.log, "append")
        await writer.start()
        try:
            now = time.time_ns() // 1_000_000
            gone = asyncio.create_task(writer.write([entry("gone-1", now), entry("gone-2", now)]))
            await appending.entered.wait()
            waiting = asyncio.create_task(writer.write([entry("stays", now)]))
            await asyncio.sleep(0)
            gone.cancel()
            appending.release.set()
            answer = await asyncio.wait_for(waiting, 10)
            with contextlib.suppress(asyncio.CancelledError):
                await gone
            assert gone.cancelled()
            stored = await store.log.read_after(0, 10)
            return [e.message_id for e in stored], answer
        finally:
            appending.release.set()
            await writer.close()
            await store.close()

    assert asyncio.run(scenario()) == (["gone-1", "gone-2", "stays"], [True])


def test_keys_of_a_failed_index_add_are_indexed_by_the_next_commit(tmp_path: Path) -> None:
    """The index's cursor is its highest seq: a later add must not hide the gap that a
    failed one left, or a restart would take those events for indexed."""

    async def scenario() -> tuple[list[bool], int]:
        store, writer = await open_writer(tmp_path)
        add = store.dedup.add
        failures = [1]

        async def failing_once(entries: object) -> None:
            if failures:
                failures.pop()
                raise sqlite3.OperationalError("disk I/O error")
            await add(entries)  # type: ignore[arg-type]

        store.dedup.add = failing_once  # type: ignore[method-assign]
        now = time.time_ns() // 1_000_000
        unindexed = [entry(f"a-{i}", now) for i in range(5)]
        try:
            await writer.write(unindexed)
            for n in range(3):
                await writer.write([entry(f"b-{n}", now)])
        finally:
            await writer.close()
            await store.close()
        store, writer = await open_writer(tmp_path)
        try:
            return await writer.write(unindexed), await store.dedup.cursor()
        finally:
            await writer.close()
            await store.close()

    assert asyncio.run(scenario()) == ([False] * 5, 8)


def test_groups_of_every_size_around_one_statement_are_stored_whole_and_in_order(
    tmp_path: Path,
) -> None:
    """Up to 64 rows a group is one INSERT of its exact size; beyond, power-of-two chunks."""

    async def scenario() -> list[str]:
        store, writer = await open_writer(tmp_path)
        try:
            now = time.time_ns() // 1_000_000
            for size in (1, 2, 3, 63, 64, 65, 130):
                assert (
                    await writer.write([entry(f"{size}-{i}", now) for i in range(size)])
                    == [True] * size
                )
            return [e.message_id for e in await store.log.read_after(0, 1000)]
        finally:
            await writer.close()
            await store.close()

    sizes = (1, 2, 3, 63, 64, 65, 130)
    assert asyncio.run(scenario()) == [f"{n}-{i}" for n in sizes for i in range(n)]

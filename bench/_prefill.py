"""A data directory holding millions of stored events, made fast and kept between runs.

Sending ten million events through the daemon would take longer than the benchmark
itself, so this writes the rows directly: the event log in segd.db and the matching
keys in dedup.db, with the dedup cursor at the last event, which is exactly what the
daemon leaves behind after storing them. The directory is cached under /tmp; each
use puts it back to its N events (the benchmark adds some) before the daemon starts.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import time
from pathlib import Path

from bench._events import EventShapes
from bench._targets import init_workspace
from segd.store import Store, dedup_key

CHUNK = 200_000


def prefilled(cache_root: Path, events: int) -> tuple[Path, str]:
    """A data directory with `events` stored events, and its source's write key."""
    folder = cache_root / f"prefilled-{events}"
    marker = folder / "ready"
    if marker.exists():
        reset_to(folder, events)
        return folder, marker.read_text().strip()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"  filling {folder} with {events:,} events (once; cached for later runs) ...")
    started = time.perf_counter()
    write_key = init_workspace(folder)
    _fill(folder, write_key, events)
    asyncio.run(_reopen(folder))  # segd's own start-up: indexes, WAL, checks
    marker.write_text(write_key + "\n")
    print(f"  filled in {time.perf_counter() - started:.0f} s")
    return folder, write_key


async def _reopen(folder: Path) -> None:
    store = await Store.open(folder, "full")
    try:
        if await store.dedup.cursor() != await store.log.last_seq():
            raise RuntimeError("prefill: the dedup index does not cover the log")
    finally:
        await store.close()


def _fill(folder: Path, write_key: str, events: int) -> None:
    log = sqlite3.connect(folder / "segd.db", isolation_level=None)
    dedup = sqlite3.connect(folder / "dedup.db", isolation_level=None)
    for conn in (log, dedup):
        # A cache, rebuilt from scratch if interrupted: no journal, no fsync.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
    (source_id,) = log.execute(
        "SELECT id FROM sources WHERE write_key = ?", (write_key,)
    ).fetchone()
    # Secondary indexes are built once at the end, from sorted data, rather than row by row.
    indexes = dedup.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keys'"
        " AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        dedup.execute(f"DROP INDEX {name}")
    rows = EventShapes(seed=7).log_rows(source_id, first_seq=1, count=events)
    done = 0
    while done < events:
        chunk = [next(rows) for _ in range(min(CHUNK, events - done))]
        log.execute("BEGIN")
        log.executemany(
            "INSERT INTO events (seq, source_id, message_id, type, name, user_id, anonymous_id,"
            " received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chunk,
        )
        log.execute("COMMIT")
        keys = sorted((dedup_key(row[1], row[2]), row[0]) for row in chunk)
        dedup.execute("BEGIN")
        dedup.executemany("INSERT INTO keys VALUES (?, ?)", keys)
        dedup.execute("COMMIT")
        done += len(chunk)
        if done % 1_000_000 == 0:
            print(f"  ... {done:,}")
    for _, sql in indexes:
        dedup.execute(sql)
    for conn in (log, dedup):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()


def reset_to(folder: Path, events: int) -> None:
    """Drop what a benchmark run added after the first `events` events."""
    log = sqlite3.connect(folder / "segd.db", isolation_level=None)
    dedup = sqlite3.connect(folder / "dedup.db", isolation_level=None)
    log.execute("DELETE FROM events WHERE seq > ?", (events,))
    log.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'", (events,))
    dedup.execute("DELETE FROM keys WHERE seq > ?", (events,))
    for conn in (log, dedup):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()

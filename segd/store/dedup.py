"""The deduplication index: (source, messageId) keys of logged events, in their own file.

A UNIQUE index on random messageIds inside the durable log costs most of the log's
write throughput (see DESIGN.md), so the index lives in dedup.db with synchronous=OFF.
It is derived data and follows the log: the highest seq it holds is the cursor it
covers, and on start it catches up from there, so a crash between committing the log
and adding the keys loses nothing. A key is a 64-bit hash; the caller confirms a hit
against the log, so a hash collision can never turn a new event into a "duplicate".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson

from segd.store.db import Database, connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key INTEGER PRIMARY KEY,   -- dedup_key(source_id, message_id)
    seq INTEGER NOT NULL       -- where the event sits in the log
);
CREATE INDEX IF NOT EXISTS keys_by_seq ON keys (seq);
-- Before the cursor was the highest seq held, it had a table of its own.
DROP TABLE IF EXISTS cursor;
"""


def dedup_key(source_id: int, message_id: str) -> int:
    """A signed 64-bit key for (source, messageId), stable across processes."""
    digest = hashlib.blake2b(f"{source_id}\x00{message_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class DedupIndex:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn = db.conn

    @classmethod
    async def open(cls, path: Path) -> DedupIndex:
        return cls(Database(await connect(path, "off", setup=_SCHEMA)))

    async def close(self) -> None:
        await self._db.close()

    async def cursor(self) -> int:
        """The highest seq indexed: the log is covered up to there."""
        async with self._conn.execute("SELECT max(seq) FROM keys") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # Keys travel as one JSON array, so that each statement is a single SQLite step
    # whatever the count (see segd.store.db.insert_values_sql for why that matters).

    async def lookup(self, keys: Sequence[int]) -> dict[int, int]:
        """key → seq for the keys already indexed."""
        rows = await self._conn.execute_fetchall(
            "SELECT key, seq FROM keys WHERE key IN (SELECT value FROM json_each(?))",
            (orjson.dumps(list(keys)),),
        )
        return {key: seq for key, seq in rows}

    async def add(self, entries: Iterable[tuple[int, int]]) -> None:
        """Index (key, seq) pairs: the events with those seqs are in the log.

        One statement, atomic by itself: no BEGIN and COMMIT, each a wait for the
        connection's thread to get the GIL back from the busy event loop.
        """
        await self._conn.execute(
            "INSERT OR REPLACE INTO keys SELECT json_extract(value, '$[0]'),"
            " json_extract(value, '$[1]') FROM json_each(?)",
            (orjson.dumps(list(entries)),),
        )

    async def forget_before(self, seq: int) -> None:
        """Drop keys of events pruned from the log."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM keys WHERE seq < ?", (seq,))

"""The event log: append in group commits, read by sequence number, prune by age."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import orjson

from segd.store.db import MAX_VARIABLES, Database, insert_values_sql, power_of_two_chunks

#: (seq, source_id, message_id, type, name, user_id, anonymous_id, received_at_ms, payload)
LogRow = tuple[int, int, str, int, str, str, str, int, bytes]

_INSERT = (
    "INSERT INTO events (seq, source_id, message_id, type, name, user_id, anonymous_id,"
    " received_at, payload) VALUES "
)
_WIDTH = 9
_ROWS_PER_INSERT = min(1024, MAX_VARIABLES // _WIDTH)
#: Groups up to this many rows are one INSERT of their exact size (64 statement texts,
#: which sqlite3's cache of 128 keeps prepared); larger ones, power-of-two chunks.
_EXACT_ROWS = min(64, _ROWS_PER_INSERT)


class StoredEvent(NamedTuple):
    """One event as the log holds it. A NamedTuple: every consumer (the router's workers,
    the schema child) makes one per event it reads, where a frozen dataclass would set
    each field through object.__setattr__, three times as costly."""

    seq: int
    source_id: int
    message_id: str
    received_at_ms: int
    payload: bytes


class EventLog:
    """The append-only log in the main database.

    Writes go through `writer` (one transaction at a time); reads use `reader`, a
    second connection, so that they never see a transaction that is not committed.
    """

    def __init__(self, writer: Database, reader: Database, scanner: Database | None = None) -> None:
        """`scanner` serves the long reads (search, recent) when given."""
        self._writer = writer
        self._conn = reader.conn
        self._scan = (scanner or reader).conn

    async def last_seq(self) -> int:
        """The highest seq ever assigned (AUTOINCREMENT never reuses one, even after pruning)."""
        async with self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'events'"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def append(self, rows: Sequence[LogRow]) -> None:
        """Append rows (their seqs assigned by the caller, ascending) in one transaction."""
        if len(rows) <= _EXACT_ROWS:
            # One statement is a transaction by itself: no BEGIN and COMMIT, each a round
            # trip to the connection's thread (most group commits of single sends).
            sql = insert_values_sql(_INSERT, _WIDTH, len(rows))
            await self._writer.execute_alone(sql, list(itertools.chain.from_iterable(rows)))
            return
        async with self._writer.transaction() as conn:
            for chunk in power_of_two_chunks(rows, _ROWS_PER_INSERT):
                sql = insert_values_sql(_INSERT, _WIDTH, len(chunk))
                await conn.execute(sql, list(itertools.chain.from_iterable(chunk)))

    async def message_ids(self, seqs: Iterable[int]) -> dict[int, tuple[int, str]]:
        """seq → (source_id, message_id) for those of `seqs` still in the log."""
        rows = await self._conn.execute_fetchall(
            "SELECT seq, source_id, message_id FROM events"
            " WHERE seq IN (SELECT value FROM json_each(?))",
            (orjson.dumps(list(seqs)),),
        )
        return {seq: (source_id, message_id) for seq, source_id, message_id in rows}

    async def read_after(self, cursor_seq: int, limit: int) -> list[StoredEvent]:
        """Up to `limit` events with seq > cursor_seq, in order."""
        async with self._conn.execute(
            "SELECT seq, source_id, message_id, received_at, payload FROM events"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (cursor_seq, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return list(map(StoredEvent._make, rows))

    async def recent(self, limit: int) -> list[StoredEvent]:
        """The last `limit` events of the log, oldest first."""
        async with self._scan.execute(
            "SELECT seq, source_id, message_id, received_at, payload FROM events"
            " WHERE seq > (SELECT max(seq) FROM events) - ? ORDER BY seq",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return list(map(StoredEvent._make, rows))

    async def search(
        self, source_id: int, query: str, scan: int, limit: int
    ) -> tuple[list[StoredEvent], int]:
        """A source's events among the last `scan` of the log whose messageId, userId or
        anonymousId is `query`, or whose stored bytes contain it (ASCII letters in any
        case); newest first, at most `limit`. Also returns how many events were scanned.
        """
        last = await self.last_seq()
        needle = query.encode().lower().decode()
        async with self._scan.execute(
            "SELECT seq, source_id, message_id, received_at, payload FROM events"
            " WHERE seq > ?1 AND source_id = ?2 AND (message_id = ?3 OR user_id = ?3"
            " OR anonymous_id = ?3 OR instr(lower(payload), ?4) > 0)"
            " ORDER BY seq DESC LIMIT ?5",
            (last - scan, source_id, query, needle, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        async with self._scan.execute(
            "SELECT count(*) FROM events WHERE seq > ?", (last - scan,)
        ) as cursor:
            counted = await cursor.fetchone()
        return list(map(StoredEvent._make, rows)), int(counted[0]) if counted else 0

    async def first_seq_received_since(self, since_ms: int) -> int | None:
        """The first seq received at or after `since_ms` (by binary search on seq).

        receivedAt grows with seq (both are set by the single writer), so no index on
        received_at is needed for retention.
        """
        async with self._conn.execute("SELECT min(seq), max(seq) FROM events") as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        lo, hi = int(row[0]), int(row[1]) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            async with self._conn.execute(
                "SELECT seq, received_at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,)
            ) as cursor:
                found = await cursor.fetchone()
            if found is None or found[1] >= since_ms:
                hi = mid
            else:
                lo = int(found[0]) + 1
        return lo

    async def prune_before(self, seq: int, chunk: int = 10_000) -> int:
        """Delete events with seq < `seq`, a chunk per transaction; returns how many."""
        deleted = 0
        while True:
            async with (
                self._writer.transaction() as conn,
                conn.execute(
                    "DELETE FROM events WHERE seq IN"
                    " (SELECT seq FROM events WHERE seq < ? ORDER BY seq LIMIT ?)",
                    (seq, chunk),
                ) as cursor,
            ):
                count = cursor.rowcount
            deleted += count
            if count < chunk:
                return deleted

    async def checkpoint(self) -> None:
        """Fold the WAL back into the database file (on shutdown)."""
        await self._writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

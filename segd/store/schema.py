"""The schema's statistics and its cursor in the log, in schema.db.

A file of its own, so that the schema consumer's commits never wait for (or hold up)
the event log's write lock. synchronous=NORMAL: after a power loss the statistics
and the cursor roll back together, and the consumer counts those events again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from segd.schema.observe import EventKey, Known, SchemaPlan
from segd.store.db import Database, connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursor (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);
INSERT OR IGNORE INTO cursor VALUES (0, 0);
CREATE TABLE IF NOT EXISTS events (
    id                 INTEGER PRIMARY KEY,
    source_id          INTEGER NOT NULL,
    type               INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    count              INTEGER NOT NULL,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL,
    properties_limited INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source_id, type, name)
);
-- Counts per UTC day, for "today" and "7 days"; older days are pruned.
CREATE TABLE IF NOT EXISTS daily (
    event_id INTEGER NOT NULL,
    day      INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (event_id, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS properties (
    event_id  INTEGER NOT NULL,
    key       TEXT    NOT NULL,
    json_type TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (event_id, key, json_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limited_sources (source_id INTEGER PRIMARY KEY);
"""

#: Daily counts older than this many days are dropped.
KEEP_DAYS = 8


@dataclass(frozen=True, slots=True)
class PropertyRow:
    key: str
    types: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class SchemaEventRow:
    type: int
    name: str
    count_today: int
    count_7_days: int
    count_all_time: int
    first_seen_ms: int
    last_seen_ms: int
    properties: tuple[PropertyRow, ...]
    properties_limited: bool


@dataclass(frozen=True, slots=True)
class SourceSchema:
    events: list[SchemaEventRow]
    events_limited: bool
    #: The log position these statistics are complete up to.
    cursor: int


class SchemaStore:
    """Written by the schema consumer alone (in its own process, through its own
    SchemaStore); read by the Admin service through a connection of its own, which
    sees committed batches only."""

    def __init__(self, db: Database, reader: Database) -> None:
        self._db = db
        self._conn = db.conn
        self._reader = reader

    @classmethod
    async def open(cls, path: Path) -> SchemaStore:
        conn = await connect(path, "normal", setup=_SCHEMA)
        try:
            reader = await connect(path, "normal")
        except BaseException:
            await conn.close()
            raise
        return cls(Database(conn), Database(reader))

    async def close(self) -> None:
        await self._reader.close()
        await self._db.close()

    async def cursor(self) -> int:
        async with self._conn.execute("SELECT seq FROM cursor") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def known(self, keys: Iterable[EventKey]) -> Known:
        """What is recorded about the events `keys` and their sources."""
        event_ids: dict[EventKey, int] = {}
        counts: dict[int, int] = {}
        recorded: dict[int, set[str]] = {}
        for source_id, kind, name in keys:
            if source_id not in counts:
                async with self._conn.execute(
                    "SELECT count(*) FROM events WHERE source_id = ?", (source_id,)
                ) as cursor:
                    row = await cursor.fetchone()
                counts[source_id] = int(row[0]) if row else 0
            async with self._conn.execute(
                "SELECT id FROM events WHERE source_id = ? AND type = ? AND name = ?",
                (source_id, kind, name),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                continue
            event_id = int(row[0])
            event_ids[(source_id, kind, name)] = event_id
            async with self._conn.execute(
                "SELECT DISTINCT key FROM properties WHERE event_id = ?", (event_id,)
            ) as cursor:
                recorded[event_id] = {str(r[0]) for r in await cursor.fetchall()}
        return Known(event_ids, counts, recorded)

    async def apply(self, plan: SchemaPlan, cursor_seq: int, today: int) -> None:
        """Add a batch's statistics and move the cursor, in one transaction."""
        async with self._db.transaction() as conn:
            for update in plan.updates:
                stats = update.stats
                event_id = update.event_id
                if event_id is None:
                    source_id, kind, name = update.key
                    async with conn.execute(
                        "INSERT INTO events (source_id, type, name, count, first_seen,"
                        " last_seen, properties_limited) VALUES (?, ?, ?, ?, ?, ?, ?)"
                        " RETURNING id",
                        (
                            source_id,
                            kind,
                            name,
                            stats.count,
                            stats.first_ms,
                            stats.last_ms,
                            int(stats.properties_limited),
                        ),
                    ) as cur:
                        row = await cur.fetchone()
                    assert row is not None
                    event_id = int(row[0])
                else:
                    await conn.execute(
                        "UPDATE events SET count = count + ?, first_seen = min(first_seen, ?),"
                        " last_seen = max(last_seen, ?),"
                        " properties_limited = max(properties_limited, ?) WHERE id = ?",
                        (
                            stats.count,
                            stats.first_ms,
                            stats.last_ms,
                            int(stats.properties_limited),
                            event_id,
                        ),
                    )
                await conn.executemany(
                    "INSERT INTO daily (event_id, day, count) VALUES (?, ?, ?)"
                    " ON CONFLICT DO UPDATE SET count = count + excluded.count",
                    [
                        (event_id, day, n)
                        for day, n in stats.days.items()
                        if day > today - KEEP_DAYS
                    ],
                )
                await conn.executemany(
                    "INSERT INTO properties (event_id, key, json_type, count) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT DO UPDATE SET count = count + excluded.count",
                    [(event_id, key, kind, n) for (key, kind), n in stats.keys.items()],
                )
            await conn.executemany(
                "INSERT OR IGNORE INTO limited_sources VALUES (?)",
                [(s,) for s in plan.limited_sources],
            )
            await conn.execute("DELETE FROM daily WHERE day <= ?", (today - KEEP_DAYS,))
            await conn.execute("UPDATE cursor SET seq = ?", (cursor_seq,))

    async def source_schema(self, source_id: int, today: int) -> SourceSchema:
        """Every recorded event of a source with its counts and properties, read in one
        snapshot with the cursor they match."""
        async with self._reader.transaction("BEGIN") as conn:
            return await self._source_schema(conn, source_id, today)

    @staticmethod
    async def _source_schema(
        conn: aiosqlite.Connection, source_id: int, today: int
    ) -> SourceSchema:
        async with conn.execute("SELECT seq FROM cursor") as cursor:
            row = await cursor.fetchone()
        cursor_seq = int(row[0]) if row else 0
        async with conn.execute(
            "SELECT e.id, e.type, e.name, e.count, e.first_seen, e.last_seen,"
            " e.properties_limited,"
            " coalesce(sum(CASE WHEN d.day = ?1 THEN d.count END), 0),"
            " coalesce(sum(CASE WHEN d.day > ?1 - 7 THEN d.count END), 0)"
            " FROM events e LEFT JOIN daily d ON d.event_id = e.id"
            " WHERE e.source_id = ?2 GROUP BY e.id ORDER BY e.type, e.name",
            (today, source_id),
        ) as cursor:
            rows = await cursor.fetchall()
        properties: dict[int, dict[str, tuple[list[str], int]]] = defaultdict(dict)
        async with conn.execute(
            "SELECT p.event_id, p.key, p.json_type, p.count FROM properties p"
            " JOIN events e ON e.id = p.event_id WHERE e.source_id = ?"
            " ORDER BY p.event_id, p.key, p.json_type",
            (source_id,),
        ) as cursor:
            for event_id, key, kind, count in await cursor.fetchall():
                types, total = properties[event_id].get(key, ([], 0))
                types.append(str(kind))
                properties[event_id][key] = (types, total + int(count))
        async with conn.execute(
            "SELECT 1 FROM limited_sources WHERE source_id = ?", (source_id,)
        ) as cursor:
            limited = await cursor.fetchone() is not None
        events = []
        for row in rows:
            event_id, kind, name, count, first, last, props_limited, today_count, week = row
            events.append(
                SchemaEventRow(
                    type=int(kind),
                    name=str(name),
                    count_today=int(today_count),
                    count_7_days=int(week),
                    count_all_time=int(count),
                    first_seen_ms=int(first),
                    last_seen_ms=int(last),
                    properties=tuple(
                        PropertyRow(key, tuple(types), total)
                        for key, (types, total) in properties[event_id].items()
                    ),
                    properties_limited=bool(props_limited),
                )
            )
        return SourceSchema(events, limited, cursor_seq)

    async def types_seen(self, source_ids: Iterable[int]) -> set[int]:
        """Event types seen on any of the sources."""
        wanted = list(source_ids)
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        async with self._reader.conn.execute(
            f"SELECT DISTINCT type FROM events WHERE source_id IN ({marks})", wanted
        ) as cursor:
            return {int(row[0]) for row in await cursor.fetchall()}

    async def names_and_keys(
        self, source_ids: Iterable[int], kind: int
    ) -> tuple[set[str], set[str]]:
        """Distinct event names of `kind`, and the property keys seen on them."""
        wanted = list(source_ids)
        if not wanted:
            return set(), set()
        marks = ",".join("?" * len(wanted))
        async with self._reader.conn.execute(
            f"SELECT DISTINCT name FROM events WHERE type = ? AND source_id IN ({marks})",
            (kind, *wanted),
        ) as cursor:
            names = {str(row[0]) for row in await cursor.fetchall()}
        async with self._reader.conn.execute(
            "SELECT DISTINCT p.key FROM properties p JOIN events e ON e.id = p.event_id"
            f" WHERE e.type = ? AND e.source_id IN ({marks})",
            (kind, *wanted),
        ) as cursor:
            keys = {str(row[0]) for row in await cursor.fetchall()}
        return names, keys

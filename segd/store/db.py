"""Opening SQLite databases with the pragmas segd relies on, and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TypeVar

import aiosqlite

SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL", "off": "OFF"}
Row = TypeVar("Row", bound=tuple[object, ...])


def _max_variables() -> int:
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


#: How many ? one statement may hold in the SQLite library this process uses.
MAX_VARIABLES = _max_variables()


def power_of_two_chunks(rows: Sequence[Row], max_rows: int) -> Iterator[Sequence[Row]]:
    """`rows` in consecutive chunks whose sizes are powers of two, at most `max_rows`.

    With a few distinct sizes there are a few distinct multi-row statements, and
    sqlite3's statement cache keeps each prepared (preparing one of a thousand rows
    costs as much as running it).
    """
    start = 0
    while start < len(rows):
        size = min(max_rows, 1 << ((len(rows) - start).bit_length() - 1))
        yield rows[start : start + size]
        start += size


@functools.cache
def insert_values_sql(head: str, width: int, count: int) -> str:
    """`head` (an INSERT up to VALUES) followed by `count` rows of `width` placeholders.

    One statement for many rows, because sqlite3 gives up the GIL around every step
    and executemany steps once per row: while the event loop is busy, each row then
    waits for the GIL to come back (1,600 rows took 55 ms under load instead of 4).
    """
    row = "(" + ",".join("?" * width) + ")"
    return head + ",".join([row] * count)


async def connect(path: Path, synchronous: str, setup: str = "") -> aiosqlite.Connection:
    """A connection in WAL mode with autocommit; transactions are begun explicitly.

    `setup` is a script run once on it (a schema, a pragma); if anything fails the
    connection is closed.
    """
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={SYNCHRONOUS[synchronous]}")
        # Another process (the CLI) may hold the write lock for a moment.
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
        if setup:
            await conn.executescript(setup)
    except BaseException:
        await conn.close()
        raise
    return conn


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("segd.store") / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            found.append((int(item.name.split("_", 1)[0]), item.read_text()))
    return sorted(found)


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations newer than the database's user_version; returns the version."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = int(row[0]) if row else 0
    for number, script in _migrations():
        if number <= version:
            continue
        await conn.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
        )
        version = number
    return version


class Database:
    """One connection and the lock that keeps its transactions from interleaving.

    aiosqlite runs one connection's statements in order on its own thread, but two
    tasks that each BEGIN on the same connection would nest; the lock prevents that.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def transaction(
        self, begin: str = "BEGIN IMMEDIATE"
    ) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            try:
                # Inside the try: a task cancelled while BEGIN is queued must still
                # roll it back, or the connection stays in its transaction.
                await self.conn.execute(begin)
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()

    async def execute_alone(self, sql: str, parameters: Sequence[object]) -> None:
        """One statement, atomic by itself, never inside another task's transaction."""
        async with self._lock:
            await self.conn.execute(sql, parameters)

    async def close(self) -> None:
        await self.conn.close()

"""Opening SQLite databases with the pragmas segd relies on, and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import aiosqlite

SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL", "off": "OFF"}


async def connect(path: Path, synchronous: str) -> aiosqlite.Connection:
    """A connection in WAL mode with autocommit; transactions are begun explicitly."""
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(f"PRAGMA synchronous={SYNCHRONOUS[synchronous]}")
        # Another process (the CLI) may hold the write lock for a moment.
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
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
            await self.conn.execute(begin)
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            await self.conn.commit()

    async def close(self) -> None:
        await self.conn.close()

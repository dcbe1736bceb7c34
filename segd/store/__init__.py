"""All SQL lives here. `Store` opens the databases of a data directory.

- segd.db: the event log and the workspace tables (durability as configured);
- dedup.db: the deduplication index, derived from the log (synchronous=OFF).
"""

from __future__ import annotations

from pathlib import Path

from segd.store.db import Database, connect, migrate
from segd.store.dedup import DedupIndex, dedup_key
from segd.store.delivery import (
    DeadLetter,
    DeliveryCounts,
    DeliveryError,
    DeliveryStore,
    Progress,
    RetryRow,
)
from segd.store.destinations import DestinationRow, DestinationStore, FilterRow
from segd.store.eventlog import EventLog, LogRow, StoredEvent
from segd.store.workspace import Source, WorkspaceStore

__all__ = [
    "DeadLetter",
    "DedupIndex",
    "DeliveryCounts",
    "DeliveryError",
    "DeliveryStore",
    "DestinationRow",
    "DestinationStore",
    "EventLog",
    "FilterRow",
    "LogRow",
    "Progress",
    "RetryRow",
    "Source",
    "Store",
    "StoredEvent",
    "WorkspaceStore",
    "dedup_key",
]


class Store:
    """The databases of one data directory, opened and migrated."""

    def __init__(self, databases: list[Database], dedup: DedupIndex) -> None:
        log_writer, reader, workspace, router_writer, router_reader = databases
        self._databases = databases
        self._reader = reader
        self.log = EventLog(log_writer, reader)
        self.workspace = WorkspaceStore(workspace)
        self.destinations = DestinationStore(workspace)
        # The router reads the log and writes its state through connections of its own,
        # so that destination workers never queue behind the collector (or it behind them).
        self.router_log = EventLog(log_writer, router_reader)
        self.delivery = DeliveryStore(router_writer, router_reader)
        self.dedup = dedup

    @classmethod
    async def open(cls, data_dir: Path, durability: str) -> Store:
        """Connections: the log writer, a reader, workspace writes, the router's writer and
        reader; and dedup.db."""
        data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, at start-up
        path = data_dir / "segd.db"
        databases: list[Database] = []
        try:
            databases.append(Database(await connect(path, durability)))
            await migrate(databases[0].conn)
            for _ in range(4):
                databases.append(Database(await connect(path, durability)))
            dedup = await DedupIndex.open(data_dir / "dedup.db")
        except BaseException:
            for db in databases:
                await db.close()
            raise
        return cls(databases, dedup)

    async def close(self) -> None:
        await self.dedup.close()
        for db in self._databases:
            await db.close()

    async def integrity_check(self) -> str:
        async with self._reader.conn.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else "no answer"

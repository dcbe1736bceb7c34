"""All SQL lives here. `Store` opens the databases of a data directory.

- segd.db: the event log and the workspace tables (durability as configured);
- dedup.db: the deduplication index, derived from the log (synchronous=OFF);
- schema.db: the schema consumer's statistics and cursor (synchronous=NORMAL).

The schema consumer runs in a child process, which opens segd.db through a `LogReader`
and schema.db through a `SchemaStore` of its own; the daemon's `Store.schema` creates
schema.db's tables at start and otherwise only reads them.
"""

from __future__ import annotations

from pathlib import Path

from segd.store.access import AccessStore
from segd.store.audit import AuditLog, AuditRecord
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
from segd.store.invites import InviteStore
from segd.store.log_reader import LogReader
from segd.store.schema import SchemaStore
from segd.store.workspace import Source, WorkspaceStore, WriteKey

__all__ = [
    "AccessStore",
    "AuditLog",
    "AuditRecord",
    "DeadLetter",
    "DedupIndex",
    "DeliveryCounts",
    "DeliveryError",
    "DeliveryStore",
    "DestinationRow",
    "DestinationStore",
    "EventLog",
    "FilterRow",
    "InviteStore",
    "LogReader",
    "LogRow",
    "Progress",
    "RetryRow",
    "SchemaStore",
    "Source",
    "Store",
    "StoredEvent",
    "WorkspaceStore",
    "WriteKey",
    "dedup_key",
]


class Store:
    """The databases of one data directory, opened and migrated."""

    def __init__(self, databases: list[Database], dedup: DedupIndex, schema: SchemaStore) -> None:
        log_writer, reader, workspace, router_writer, router_reader, admin_reader = databases
        self._databases = databases
        self._reader = reader
        # Admin reads (and long scans of the log) have a connection of their own, so
        # they neither wait behind the writer's reads nor see a half-made transaction.
        self.log = EventLog(log_writer, reader, scanner=admin_reader)
        self.workspace = WorkspaceStore(workspace, admin_reader)
        self.access = AccessStore(workspace, admin_reader)
        self.invites = InviteStore(workspace, admin_reader)
        self.audit = AuditLog(admin_reader)
        self.destinations = DestinationStore(workspace)
        # The router reads the log and writes its state through connections of its own,
        # so that destination workers never queue behind the collector (or it behind them).
        self.router_log = EventLog(log_writer, router_reader)
        self.delivery = DeliveryStore(router_writer, router_reader)
        self.dedup = dedup
        self.schema = schema

    @classmethod
    async def open(cls, data_dir: Path, durability: str) -> Store:
        """Connections: the log writer, a reader, workspace writes, the router's writer and
        reader, admin reads; and dedup.db and schema.db."""
        data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, at start-up
        path = data_dir / "segd.db"
        databases: list[Database] = []
        dedup: DedupIndex | None = None
        try:
            databases.append(Database(await connect(path, durability)))
            await migrate(databases[0].conn)
            for _ in range(5):
                databases.append(Database(await connect(path, durability)))
            dedup = await DedupIndex.open(data_dir / "dedup.db")
            schema = await SchemaStore.open(data_dir / "schema.db")
        except BaseException:
            if dedup is not None:
                await dedup.close()
            for db in databases:
                await db.close()
            raise
        return cls(databases, dedup, schema)

    async def close(self) -> None:
        await self.schema.close()
        await self.dedup.close()
        for db in self._databases:
            await db.close()

    async def integrity_check(self) -> str:
        async with self._reader.conn.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else "no answer"

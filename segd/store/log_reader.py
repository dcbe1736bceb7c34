"""The event log for a process that only follows it (the schema consumer's child).

One connection to segd.db, set query_only: such a process neither migrates the
database nor writes to it; the daemon does both.
"""

from __future__ import annotations

from pathlib import Path

from segd.store.db import Database, connect
from segd.store.eventlog import EventLog


class LogReader:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Its one connection serves as both of EventLog's; query_only refuses a write.
        self.log = EventLog(db, db)

    @classmethod
    async def open(cls, path: Path) -> LogReader:
        return cls(Database(await connect(path, "normal", setup="PRAGMA query_only=ON;")))

    async def close(self) -> None:
        await self._db.close()

"""Destination instances: their plugin, settings, sources and filters.

Every change bumps the destination's version (the router restarts its worker on it) and
records its audit entry, when given, in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from segd.errors import AlreadyExists
from segd.store.audit import AuditRecord, record
from segd.store.db import Database

#: The log's last seq, for a new consumer that starts at the end of the log.
_END_OF_LOG = "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)"
_COLUMNS = "id, name, type, settings, enabled, version, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class DestinationRow:
    id: int
    name: str
    type: str
    settings: dict[str, Any]
    enabled: bool
    version: int
    created_at_ms: int
    updated_at_ms: int
    source_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FilterRow:
    id: int
    destination_id: int
    kind: str
    condition: str
    fields: tuple[str, ...]
    percent: float | None
    path: str
    title: str
    enabled: bool
    created_at_ms: int


class DestinationStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn = db.conn

    async def insert(
        self,
        name: str,
        type_name: str,
        settings: dict[str, Any],
        source_ids: Sequence[int],
        enabled: bool,
        now_ms: int,
        audit: AuditRecord | None = None,
    ) -> int:
        """A new destination whose cursor starts at the end of the log: it gets new events.
        The audit record's target gains the new id."""
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    "INSERT INTO destinations (name, type, settings, enabled, created_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (name, type_name, json.dumps(settings), int(enabled), now_ms, now_ms),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                destination_id = int(row[0])
                await self._set_sources(conn, destination_id, source_ids)
                await conn.execute(
                    "INSERT INTO delivery_state (destination_id, cursor_seq)"
                    f" VALUES (?, {_END_OF_LOG})",
                    (destination_id,),
                )
                if audit is not None:
                    await record(conn, audit.created(destination_id), now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a destination named {name!r} exists already") from exc
        return destination_id

    @staticmethod
    async def _set_sources(
        conn: aiosqlite.Connection, destination_id: int, source_ids: Sequence[int]
    ) -> None:
        await conn.execute(
            "DELETE FROM destination_sources WHERE destination_id = ?", (destination_id,)
        )
        await conn.executemany(
            "INSERT OR IGNORE INTO destination_sources VALUES (?, ?)",
            [(destination_id, source_id) for source_id in source_ids],
        )

    async def update(
        self,
        destination_id: int,
        now_ms: int,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
        source_ids: Sequence[int] | None = None,
        enabled: bool | None = None,
        audit: AuditRecord | None = None,
    ) -> None:
        """Change what is given and bump the version.

        Enabling a disabled destination moves its cursor to the end of the log: like
        Segment, a destination does not receive what was sent while it was disabled.
        """
        try:
            async with self._db.transaction() as conn:
                await self._update(conn, destination_id, name, settings, source_ids, enabled)
                await self._bump(conn, destination_id, now_ms)
                if audit is not None:
                    await record(conn, audit, now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a destination named {name!r} exists already") from exc

    async def _update(
        self,
        conn: aiosqlite.Connection,
        destination_id: int,
        name: str | None,
        settings: dict[str, Any] | None,
        source_ids: Sequence[int] | None,
        enabled: bool | None,
    ) -> None:
        if name is not None:
            await conn.execute(
                "UPDATE destinations SET name = ? WHERE id = ?", (name, destination_id)
            )
        if settings is not None:
            await conn.execute(
                "UPDATE destinations SET settings = ? WHERE id = ?",
                (json.dumps(settings), destination_id),
            )
        if source_ids is not None:
            await self._set_sources(conn, destination_id, source_ids)
        if enabled is not None:
            if enabled:
                await conn.execute(
                    f"UPDATE delivery_state SET cursor_seq = {_END_OF_LOG}"
                    " WHERE destination_id = ? AND"
                    " (SELECT enabled FROM destinations WHERE id = ?) = 0",
                    (destination_id, destination_id),
                )
            await conn.execute(
                "UPDATE destinations SET enabled = ? WHERE id = ?",
                (int(enabled), destination_id),
            )

    @staticmethod
    async def _bump(conn: aiosqlite.Connection, destination_id: int, now_ms: int) -> None:
        await conn.execute(
            "UPDATE destinations SET version = version + 1, updated_at = ? WHERE id = ?",
            (now_ms, destination_id),
        )

    async def delete(
        self, destination_id: int, now_ms: int, audit: AuditRecord | None = None
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM destinations WHERE id = ?", (destination_id,))
            if audit is not None:
                await record(conn, audit, now_ms)

    async def load_all(self) -> list[DestinationRow]:
        async with self._conn.execute(
            "SELECT destination_id, source_id FROM destination_sources ORDER BY source_id"
        ) as cursor:
            sources: dict[int, list[int]] = {}
            for destination_id, source_id in await cursor.fetchall():
                sources.setdefault(int(destination_id), []).append(int(source_id))
        async with self._conn.execute(f"SELECT {_COLUMNS} FROM destinations ORDER BY id") as cursor:
            rows = await cursor.fetchall()
        return [_destination(tuple(row), sources.get(int(row[0]), [])) for row in rows]

    async def by_name(self, name: str) -> DestinationRow | None:
        return await self._one("name = ?", name)

    async def by_id(self, destination_id: int) -> DestinationRow | None:
        return await self._one("id = ?", destination_id)

    async def _one(self, where: str, value: Any) -> DestinationRow | None:
        async with self._conn.execute(
            f"SELECT {_COLUMNS} FROM destinations WHERE {where}", (value,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self._conn.execute(
            "SELECT source_id FROM destination_sources WHERE destination_id = ? ORDER BY source_id",
            (int(row[0]),),
        ) as cursor:
            sources = [int(r[0]) for r in await cursor.fetchall()]
        return _destination(tuple(row), sources)

    async def insert_filter(
        self,
        destination_id: int,
        kind: str,
        condition: str,
        fields: Sequence[str],
        percent: float | None,
        path: str,
        title: str,
        enabled: bool,
        now_ms: int,
        audit: AuditRecord | None = None,
    ) -> int:
        """A new filter; the audit record's target gains its id."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO destination_filters (destination_id, kind, condition, fields,"
                " percent, path, title, enabled, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    destination_id,
                    kind,
                    condition,
                    json.dumps(list(fields)),
                    percent,
                    path,
                    title,
                    int(enabled),
                    now_ms,
                ),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await self._bump(conn, destination_id, now_ms)
            if audit is not None:
                await record(conn, audit.created(int(row[0])), now_ms)
        return int(row[0])

    async def update_filter(
        self,
        destination_id: int,
        filter_id: int,
        kind: str,
        condition: str,
        fields: Sequence[str],
        percent: float | None,
        path: str,
        title: str,
        enabled: bool,
        now_ms: int,
        audit: AuditRecord | None = None,
    ) -> bool:
        """Replace what a filter of this destination does; False if it has no such filter."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE destination_filters SET kind = ?, condition = ?, fields = ?,"
                " percent = ?, path = ?, title = ?, enabled = ?"
                " WHERE destination_id = ? AND id = ?",
                (
                    kind,
                    condition,
                    json.dumps(list(fields)),
                    percent,
                    path,
                    title,
                    int(enabled),
                    destination_id,
                    filter_id,
                ),
            ) as cursor:
                updated = cursor.rowcount > 0
            if updated:
                await self._bump(conn, destination_id, now_ms)
                if audit is not None:
                    await record(conn, audit, now_ms)
        return updated

    async def delete_filter(
        self,
        destination_id: int,
        filter_id: int,
        now_ms: int,
        audit: AuditRecord | None = None,
    ) -> bool:
        async with self._db.transaction() as conn:
            async with conn.execute(
                "DELETE FROM destination_filters WHERE destination_id = ? AND id = ?",
                (destination_id, filter_id),
            ) as cursor:
                deleted = cursor.rowcount > 0
            if deleted:
                await self._bump(conn, destination_id, now_ms)
                if audit is not None:
                    await record(conn, audit, now_ms)
        return deleted

    async def filters(self, destination_id: int | None = None) -> list[FilterRow]:
        """The filters of one destination, or of all, in the order they were created."""
        where, args = (
            ("WHERE destination_id = ?", (destination_id,)) if destination_id else ("", ())
        )
        async with self._conn.execute(
            "SELECT id, destination_id, kind, condition, fields, percent, path, title, enabled,"
            f" created_at FROM destination_filters {where} ORDER BY id",
            args,
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            FilterRow(
                int(r[0]),
                int(r[1]),
                str(r[2]),
                str(r[3]),
                tuple(json.loads(r[4])),
                None if r[5] is None else float(r[5]),
                str(r[6]),
                str(r[7]),
                bool(r[8]),
                int(r[9]),
            )
            for r in rows
        ]


def _destination(row: tuple[Any, ...], source_ids: list[int]) -> DestinationRow:
    id_, name, type_name, settings, enabled, version, created, updated = row
    return DestinationRow(
        int(id_),
        str(name),
        str(type_name),
        json.loads(settings),
        bool(enabled),
        int(version),
        int(created),
        int(updated),
        tuple(source_ids),
    )

"""Workspace tables: sources and their write keys, and a few workspace facts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from segd.errors import AlreadyExists
from segd.store.audit import AuditRecord, record
from segd.store.db import Database

#: Roles whose resource_id names a source (kept in step with segd.admin.roles).
SOURCE_ROLES = ("source_admin", "source_read_only")


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    name: str
    slug: str
    write_key: str
    enabled: bool
    created_at_ms: int
    type: str = "http_api"


@dataclass(frozen=True, slots=True)
class WriteKey:
    """A key the collector accepts: the current one (no expiry) or a retired one."""

    write_key: str
    source: Source
    expires_at_ms: int | None


_SOURCE_COLUMNS = "s.id, s.name, s.slug, s.write_key, s.enabled, s.created_at, s.type"
_LIVE = "s.deleted_at IS NULL"
#: RETURNING clauses name columns without a table alias.
_RETURNING = _SOURCE_COLUMNS.replace("s.", "")


_ACCEPTED_KEYS = (
    f"SELECT s.write_key AS key, NULL AS expires_at, {_SOURCE_COLUMNS} FROM sources s"
    f" WHERE {_LIVE}"
    f" UNION ALL SELECT k.write_key, k.expires_at, {_SOURCE_COLUMNS}"
    " FROM retired_write_keys k JOIN sources s ON s.id = k.source_id"
    f" WHERE {_LIVE} AND k.expires_at > ?"
)


def _source(row: sqlite3.Row | tuple[Any, ...]) -> Source:
    id_, name, slug, write_key, enabled, created_at, type_ = tuple(row)[:7]
    return Source(
        int(id_), str(name), str(slug), str(write_key), bool(enabled), int(created_at), str(type_)
    )


def _write_key(row: sqlite3.Row | tuple[Any, ...]) -> WriteKey:
    key, expires_at, *source = tuple(row)
    return WriteKey(
        str(key), _source(tuple(source)), None if expires_at is None else int(expires_at)
    )


class WorkspaceStore:
    def __init__(self, db: Database, reader: Database | None = None) -> None:
        """Writes go through `db`; reads through `reader` when given."""
        self._db = db
        self._conn = (reader or db).conn

    async def insert_source(
        self,
        name: str,
        slug: str,
        write_key: str,
        now_ms: int,
        type_: str = "http_api",
        audit: AuditRecord | None = None,
    ) -> Source:
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    "INSERT INTO sources (name, slug, write_key, enabled, created_at, type)"
                    f" VALUES (?, ?, ?, 1, ?, ?) RETURNING {_RETURNING}",
                    (name, slug, write_key, now_ms, type_),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                source = _source(row)
                if audit is not None:
                    await record(conn, _with_target(audit, source.id), now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a source with the slug {slug!r} exists already") from exc
        return source

    async def source(self, source_id: int) -> Source | None:
        """A source that is not deleted."""
        async with self._conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources s WHERE s.id = ? AND {_LIVE}", (source_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _source(row) if row else None

    async def list_sources(self) -> list[Source]:
        """Sources that are not deleted, oldest first."""
        async with self._conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources s WHERE {_LIVE} ORDER BY s.id"
        ) as cursor:
            return [_source(row) for row in await cursor.fetchall()]

    async def slugs(self) -> set[str]:
        """Every slug ever used, deleted sources' too: their events still carry them."""
        async with self._conn.execute("SELECT slug FROM sources") as cursor:
            return {str(row[0]) for row in await cursor.fetchall()}

    async def write_keys(self, now_ms: int) -> list[WriteKey]:
        """Every key the collector accepts now: current keys and those in their grace."""
        async with self._conn.execute(_ACCEPTED_KEYS, (now_ms,)) as cursor:
            return [_write_key(row) for row in await cursor.fetchall()]

    async def write_key(self, key: str, now_ms: int) -> WriteKey | None:
        """`key` if the collector accepts it now."""
        async with self._conn.execute(
            f"SELECT * FROM ({_ACCEPTED_KEYS}) WHERE key = ?", (now_ms, key)
        ) as cursor:
            row = await cursor.fetchone()
        return _write_key(row) if row else None

    async def retired_keys(self, source_id: int, now_ms: int) -> list[tuple[str, int]]:
        """(key, expires_at_ms) of a source's retired keys still in their grace period."""
        async with self._conn.execute(
            "SELECT write_key, expires_at FROM retired_write_keys"
            " WHERE source_id = ? AND expires_at > ? ORDER BY expires_at DESC",
            (source_id, now_ms),
        ) as cursor:
            return [(str(k), int(e)) for k, e in await cursor.fetchall()]

    async def update_source(
        self,
        source_id: int,
        audit: AuditRecord,
        now_ms: int,
        *,
        name: str | None = None,
        enabled: bool | None = None,
    ) -> Source | None:
        """Change a live source's name and/or enabled flag; None if there is none."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE sources SET name = coalesce(?, name), enabled = coalesce(?, enabled)"
                f" WHERE id = ? AND deleted_at IS NULL RETURNING {_RETURNING}",
                (name, None if enabled is None else int(enabled), source_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            await record(conn, audit, now_ms)
        return _source(row)

    async def delete_source(self, source_id: int, audit: AuditRecord, now_ms: int) -> bool:
        """Mark a source deleted; drop its keys, its destination connections and the role
        grants naming it."""
        marks = ",".join("?" * len(SOURCE_ROLES))
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE sources SET deleted_at = ?, enabled = 0"
                " WHERE id = ? AND deleted_at IS NULL",
                (now_ms, source_id),
            ) as cursor:
                if cursor.rowcount == 0:
                    return False
            await conn.execute("DELETE FROM retired_write_keys WHERE source_id = ?", (source_id,))
            # Disconnect it from its destinations; the version bump makes the router reload.
            await conn.execute(
                "UPDATE destinations SET version = version + 1, updated_at = ? WHERE id IN"
                " (SELECT destination_id FROM destination_sources WHERE source_id = ?)",
                (now_ms, source_id),
            )
            await conn.execute("DELETE FROM destination_sources WHERE source_id = ?", (source_id,))
            for table in ("member_roles", "group_roles"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE resource_id = ? AND role IN ({marks})",
                    (source_id, *SOURCE_ROLES),
                )
            await record(conn, audit, now_ms)
        return True

    async def rotate_write_key(
        self,
        source_id: int,
        new_key: str,
        old_expires_at_ms: int,
        audit: AuditRecord,
        now_ms: int,
    ) -> str | None:
        """Give a source `new_key`; its old key works until `old_expires_at_ms`.

        Returns the old key, or None if there is no such live source.
        """
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT write_key FROM sources WHERE id = ? AND deleted_at IS NULL",
                (source_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            old_key = str(row[0])
            await conn.execute("DELETE FROM retired_write_keys WHERE expires_at <= ?", (now_ms,))
            if old_expires_at_ms > now_ms:
                await conn.execute(
                    "INSERT INTO retired_write_keys (write_key, source_id, expires_at)"
                    " VALUES (?, ?, ?)",
                    (old_key, source_id, old_expires_at_ms),
                )
            await conn.execute(
                "UPDATE sources SET write_key = ? WHERE id = ?", (new_key, source_id)
            )
            await record(conn, audit, now_ms)
        return old_key

    async def has_members(self) -> bool:
        async with self._conn.execute("SELECT 1 FROM members LIMIT 1") as cursor:
            return await cursor.fetchone() is not None

    async def fact(self, name: str) -> int | None:
        async with self._conn.execute(
            "SELECT value FROM workspace_facts WHERE name = ?", (name,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None

    async def set_fact_once(self, name: str, value: int) -> None:
        """Record a fact the first time it becomes true (later calls change nothing)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO workspace_facts (name, value) VALUES (?, ?)", (name, value)
            )


def _with_target(audit: AuditRecord, source_id: int) -> AuditRecord:
    """Creation audits learn the new id inside the transaction."""
    after = dict(audit.after or {}, id=source_id)
    return AuditRecord(
        audit.actor_member_id, audit.actor, audit.action, f"source:{source_id}", None, after
    )

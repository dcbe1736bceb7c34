"""Workspace tables: sources, members, their roles and tokens."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from segd.errors import AlreadyExists
from segd.store.db import Database


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    name: str
    slug: str
    write_key: str
    enabled: bool
    created_at_ms: int


_SOURCE_COLUMNS = "id, name, slug, write_key, enabled, created_at"


def _source(row: sqlite3.Row | tuple[Any, ...]) -> Source:
    id_, name, slug, write_key, enabled, created_at = row
    return Source(int(id_), str(name), str(slug), str(write_key), bool(enabled), int(created_at))


class WorkspaceStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn = db.conn

    async def insert_source(self, name: str, slug: str, write_key: str, now_ms: int) -> Source:
        try:
            async with (
                self._db.transaction() as conn,
                conn.execute(
                    "INSERT INTO sources (name, slug, write_key, enabled, created_at)"
                    f" VALUES (?, ?, ?, 1, ?) RETURNING {_SOURCE_COLUMNS}",
                    (name, slug, write_key, now_ms),
                ) as cursor,
            ):
                row = await cursor.fetchone()
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a source with the slug {slug!r} exists already") from exc
        assert row is not None
        return _source(tuple(row))

    async def source_by_write_key(self, write_key: str) -> Source | None:
        async with self._conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources WHERE write_key = ?", (write_key,)
        ) as cursor:
            row = await cursor.fetchone()
        return _source(tuple(row)) if row else None

    async def list_sources(self) -> list[Source]:
        async with self._conn.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM sources ORDER BY id"
        ) as cursor:
            return [_source(tuple(row)) for row in await cursor.fetchall()]

    async def slugs(self) -> set[str]:
        async with self._conn.execute("SELECT slug FROM sources") as cursor:
            return {str(row[0]) for row in await cursor.fetchall()}

    async def has_members(self) -> bool:
        async with self._conn.execute("SELECT 1 FROM members LIMIT 1") as cursor:
            return await cursor.fetchone() is not None

    async def insert_member(
        self, email: str, roles: list[str], token_hash: bytes, now_ms: int
    ) -> int:
        """A member with their roles and first token, in one transaction."""
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    "INSERT INTO members (email, created_at) VALUES (?, ?) RETURNING id",
                    (email, now_ms),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                member_id = int(row[0])
                await conn.executemany(
                    "INSERT INTO member_roles (member_id, role) VALUES (?, ?)",
                    [(member_id, role) for role in roles],
                )
                await conn.execute(
                    "INSERT INTO tokens (member_id, token_hash, created_at) VALUES (?, ?, ?)",
                    (member_id, token_hash, now_ms),
                )
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a member with the email {email!r} exists already") from exc
        return member_id

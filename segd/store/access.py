"""Members, their roles and tokens, and user groups (invites: segd.store.invites).

Roles travel as (role, resource_id) rows: resource_id NULL covers every source. Token
and invite secrets arrive here already hashed; nothing in this module sees one.
Every change records its audit entry in the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from segd.errors import AlreadyExists
from segd.store.audit import AuditRecord, record
from segd.store.db import Database

GrantRow = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    email: str
    created_at_ms: int
    grant_rows: tuple[GrantRow, ...]
    group_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    member_id: int
    name: str
    created_at_ms: int
    revoked_at_ms: int | None


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: int
    name: str
    created_at_ms: int
    grant_rows: tuple[GrantRow, ...]
    member_ids: tuple[int, ...]


async def insert_grants(
    conn: aiosqlite.Connection,
    table: str,
    owner_column: str,
    owner_id: int,
    rows: Iterable[GrantRow],
) -> None:
    # A source named by a grant may have been deleted since (an old invite): skip it.
    await conn.executemany(
        f"INSERT INTO {table} ({owner_column}, role, resource_id) SELECT ?, ?, ?"
        " WHERE ?3 IS NULL OR EXISTS"
        " (SELECT 1 FROM sources WHERE id = ?3 AND deleted_at IS NULL)",
        [(owner_id, role, resource_id) for role, resource_id in rows],
    )


async def insert_group_members(
    conn: aiosqlite.Connection, pairs: Iterable[tuple[int, int]]
) -> None:
    """(group_id, member_id) pairs; a group or member deleted meanwhile is skipped."""
    await conn.executemany(
        "INSERT OR IGNORE INTO group_members (group_id, member_id)"
        " SELECT g.id, m.id FROM user_groups g, members m WHERE g.id = ? AND m.id = ?",
        list(pairs),
    )


class AccessStore:
    def __init__(self, db: Database, reader: Database) -> None:
        """Writes go through `db`, reads through `reader` (committed data only)."""
        self._db = db
        self._conn = reader.conn

    # ---- authentication -----------------------------------------------------------

    async def token_owner(self, token_hash: bytes) -> tuple[int, str, bytes] | None:
        """(member_id, email, stored hash) for a token that is not revoked."""
        async with self._conn.execute(
            "SELECT m.id, m.email, t.token_hash FROM tokens t JOIN members m ON m.id = t.member_id"
            " WHERE t.token_hash = ? AND t.revoked_at IS NULL",
            (token_hash,),
        ) as cursor:
            row = await cursor.fetchone()
        return (int(row[0]), str(row[1]), bytes(row[2])) if row else None

    async def effective_grant_rows(self, member_id: int) -> list[GrantRow]:
        """The member's own role rows and those of their groups."""
        async with self._conn.execute(
            "SELECT role, resource_id FROM member_roles WHERE member_id = ?1"
            " UNION ALL SELECT r.role, r.resource_id FROM group_roles r"
            " JOIN group_members gm ON gm.group_id = r.group_id WHERE gm.member_id = ?1",
            (member_id,),
        ) as cursor:
            return [(str(role), rid) for role, rid in await cursor.fetchall()]

    # ---- members ------------------------------------------------------------------

    async def members(self, member_id: int | None = None) -> list[MemberRow]:
        """All members (or the one with `member_id`), oldest first."""
        where, args = ("WHERE id = ?", (member_id,)) if member_id is not None else ("", ())
        async with self._conn.execute(
            f"SELECT id, email, created_at FROM members {where} ORDER BY id", args
        ) as cursor:
            people = await cursor.fetchall()
        grants: dict[int, list[GrantRow]] = defaultdict(list)
        async with self._conn.execute(
            "SELECT member_id, role, resource_id FROM member_roles ORDER BY role, resource_id"
        ) as cursor:
            for mid, role, rid in await cursor.fetchall():
                grants[mid].append((str(role), rid))
        groups: dict[int, list[int]] = defaultdict(list)
        async with self._conn.execute(
            "SELECT member_id, group_id FROM group_members ORDER BY group_id"
        ) as cursor:
            for mid, gid in await cursor.fetchall():
                groups[mid].append(int(gid))
        return [
            MemberRow(int(i), str(e), int(c), tuple(grants[i]), tuple(groups[i]))
            for i, e, c in people
        ]

    async def insert_member(
        self,
        email: str,
        grant_rows: Sequence[GrantRow],
        token_hash: bytes,
        now_ms: int,
        audit: AuditRecord | None = None,
    ) -> int:
        """A member with their roles and first token, in one transaction."""
        try:
            async with self._db.transaction() as conn:
                member_id = await self.add_member(conn, email, grant_rows, token_hash, now_ms)
                if audit is not None:
                    await record(conn, audit, now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a member with the email {email!r} exists already") from exc
        return member_id

    @staticmethod
    async def add_member(
        conn: aiosqlite.Connection,
        email: str,
        grant_rows: Sequence[GrantRow],
        token_hash: bytes,
        now_ms: int,
    ) -> int:
        async with conn.execute(
            "INSERT INTO members (email, created_at) VALUES (?, ?) RETURNING id", (email, now_ms)
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        member_id = int(row[0])
        await insert_grants(conn, "member_roles", "member_id", member_id, grant_rows)
        await conn.execute(
            "INSERT INTO tokens (member_id, token_hash, created_at, name) VALUES (?, ?, ?, ?)",
            (member_id, token_hash, now_ms, "first"),
        )
        return member_id

    async def replace_member(
        self,
        member_id: int,
        grant_rows: Sequence[GrantRow],
        group_ids: Sequence[int],
        audit: AuditRecord,
        now_ms: int,
    ) -> bool:
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT 1 FROM members WHERE id = ?", (member_id,)) as cur:
                if await cur.fetchone() is None:
                    return False
            await conn.execute("DELETE FROM member_roles WHERE member_id = ?", (member_id,))
            await insert_grants(conn, "member_roles", "member_id", member_id, grant_rows)
            await conn.execute("DELETE FROM group_members WHERE member_id = ?", (member_id,))
            await insert_group_members(conn, [(g, member_id) for g in group_ids])
            await record(conn, audit, now_ms)
        return True

    async def delete_member(self, member_id: int, audit: AuditRecord, now_ms: int) -> bool:
        """Remove a member; their roles, group memberships and tokens go with them."""
        async with self._db.transaction() as conn:
            async with conn.execute("DELETE FROM members WHERE id = ?", (member_id,)) as cursor:
                if cursor.rowcount == 0:
                    return False
            await record(conn, audit, now_ms)
        return True

    # ---- tokens -------------------------------------------------------------------

    async def insert_token(
        self, member_id: int, name: str, token_hash: bytes, audit: AuditRecord, now_ms: int
    ) -> TokenRow:
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO tokens (member_id, token_hash, created_at, name) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (member_id, token_hash, now_ms, name),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            await record(conn, audit, now_ms)
        return TokenRow(int(row[0]), member_id, name, now_ms, None)

    async def tokens(self, member_id: int) -> list[TokenRow]:
        async with self._conn.execute(
            "SELECT id, member_id, name, created_at, revoked_at FROM tokens"
            " WHERE member_id = ? ORDER BY id",
            (member_id,),
        ) as cursor:
            return [TokenRow(*row) for row in await cursor.fetchall()]

    async def revoke_token(
        self, member_id: int, token_id: int, audit: AuditRecord, now_ms: int
    ) -> bool:
        """Revoke one of the member's own tokens; False if they have no such live token."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE tokens SET revoked_at = ?"
                " WHERE id = ? AND member_id = ? AND revoked_at IS NULL",
                (now_ms, token_id, member_id),
            ) as cursor:
                if cursor.rowcount == 0:
                    return False
            await record(conn, audit, now_ms)
        return True

    # ---- user groups --------------------------------------------------------------

    async def groups(self, group_id: int | None = None) -> list[GroupRow]:
        where, args = ("WHERE id = ?", (group_id,)) if group_id is not None else ("", ())
        async with self._conn.execute(
            f"SELECT id, name, created_at FROM user_groups {where} ORDER BY name", args
        ) as cursor:
            found = await cursor.fetchall()
        grants: dict[int, list[GrantRow]] = defaultdict(list)
        async with self._conn.execute(
            "SELECT group_id, role, resource_id FROM group_roles ORDER BY role, resource_id"
        ) as cursor:
            for gid, role, rid in await cursor.fetchall():
                grants[gid].append((str(role), rid))
        members: dict[int, list[int]] = defaultdict(list)
        async with self._conn.execute(
            "SELECT group_id, member_id FROM group_members ORDER BY member_id"
        ) as cursor:
            for gid, mid in await cursor.fetchall():
                members[gid].append(int(mid))
        return [
            GroupRow(int(i), str(n), int(c), tuple(grants[i]), tuple(members[i]))
            for i, n, c in found
        ]

    async def insert_group(
        self,
        name: str,
        grant_rows: Sequence[GrantRow],
        member_ids: Sequence[int],
        audit: Callable[[int], AuditRecord],
        now_ms: int,
    ) -> int:
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    "INSERT INTO user_groups (name, created_at) VALUES (?, ?) RETURNING id",
                    (name, now_ms),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                group_id = int(row[0])
                await insert_grants(conn, "group_roles", "group_id", group_id, grant_rows)
                await insert_group_members(conn, [(group_id, m) for m in member_ids])
                await record(conn, audit(group_id), now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a user group named {name!r} exists already") from exc
        return group_id

    async def replace_group(
        self,
        group_id: int,
        name: str,
        grant_rows: Sequence[GrantRow],
        member_ids: Sequence[int],
        audit: AuditRecord,
        now_ms: int,
    ) -> bool:
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    "UPDATE user_groups SET name = ? WHERE id = ?", (name, group_id)
                ) as cursor:
                    if cursor.rowcount == 0:
                        return False
                await conn.execute("DELETE FROM group_roles WHERE group_id = ?", (group_id,))
                await insert_grants(conn, "group_roles", "group_id", group_id, grant_rows)
                await conn.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
                await insert_group_members(conn, [(group_id, m) for m in member_ids])
                await record(conn, audit, now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a user group named {name!r} exists already") from exc
        return True

    async def delete_group(self, group_id: int, audit: AuditRecord, now_ms: int) -> bool:
        async with self._db.transaction() as conn:
            async with conn.execute("DELETE FROM user_groups WHERE id = ?", (group_id,)) as cur:
                if cur.rowcount == 0:
                    return False
            await record(conn, audit, now_ms)
        return True

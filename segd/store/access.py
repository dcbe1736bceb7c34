"""Members, their roles and tokens, user groups and invites.

Roles travel as (role, resource_id) rows: resource_id NULL covers every source. Token
and invite secrets arrive here already hashed; nothing in this module sees one.
Every change records its audit entry in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    email: str
    grant_rows: tuple[GrantRow, ...]
    group_ids: tuple[int, ...]
    invited_by: str
    created_at_ms: int
    expires_at_ms: int
    emailed: bool
    accepted_at_ms: int | None
    revoked_at_ms: int | None

    def state(self, now_ms: int) -> str:
        """ "pending", "accepted", "revoked" or "expired"."""
        if self.accepted_at_ms is not None:
            return "accepted"
        if self.revoked_at_ms is not None:
            return "revoked"
        if self.expires_at_ms <= now_ms:
            return "expired"
        return "pending"


@dataclass(frozen=True, slots=True)
class NewInvite:
    email: str
    token_hash: bytes
    grant_rows: tuple[GrantRow, ...]
    group_ids: tuple[int, ...]
    invited_by: str
    expires_at_ms: int


_INVITE_COLUMNS = (
    "id, email, grants, group_ids, invited_by, created_at, expires_at, emailed,"
    " accepted_at, revoked_at"
)


def _invite(row: Any) -> InviteRow:
    id_, email, grants, group_ids, invited_by, created, expires, emailed, accepted, revoked = row
    return InviteRow(
        int(id_),
        str(email),
        tuple((str(role), rid) for role, rid in json.loads(grants)),
        tuple(int(g) for g in json.loads(group_ids)),
        str(invited_by),
        int(created),
        int(expires),
        bool(emailed),
        accepted,
        revoked,
    )


async def _insert_grants(
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


async def _insert_group_members(
    conn: aiosqlite.Connection, pairs: Iterable[tuple[int, int]]
) -> None:
    """(group_id, member_id) pairs; a group or member deleted meanwhile is skipped."""
    await conn.executemany(
        "INSERT OR IGNORE INTO group_members (group_id, member_id)"
        " SELECT g.id, m.id FROM user_groups g, members m WHERE g.id = ? AND m.id = ?",
        list(pairs),
    )


class AccessStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn = db.conn

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
                member_id = await self._add_member(conn, email, grant_rows, token_hash, now_ms)
                if audit is not None:
                    await record(conn, audit, now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"a member with the email {email!r} exists already") from exc
        return member_id

    @staticmethod
    async def _add_member(
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
        await _insert_grants(conn, "member_roles", "member_id", member_id, grant_rows)
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
            await _insert_grants(conn, "member_roles", "member_id", member_id, grant_rows)
            await conn.execute("DELETE FROM group_members WHERE member_id = ?", (member_id,))
            await _insert_group_members(conn, [(g, member_id) for g in group_ids])
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
                await _insert_grants(conn, "group_roles", "group_id", group_id, grant_rows)
                await _insert_group_members(conn, [(group_id, m) for m in member_ids])
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
                await _insert_grants(conn, "group_roles", "group_id", group_id, grant_rows)
                await conn.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
                await _insert_group_members(conn, [(group_id, m) for m in member_ids])
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

    # ---- invites ------------------------------------------------------------------

    async def insert_invites(
        self,
        invites: Sequence[NewInvite],
        audit: Callable[[int, NewInvite], AuditRecord],
        now_ms: int,
    ) -> list[int]:
        """Store invites in one transaction; returns their ids in order."""
        ids = []
        async with self._db.transaction() as conn:
            for invite in invites:
                async with conn.execute(
                    "INSERT INTO invites (email, token_hash, grants, group_ids, invited_by,"
                    " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        invite.email,
                        invite.token_hash,
                        json.dumps([list(g) for g in invite.grant_rows]),
                        json.dumps(list(invite.group_ids)),
                        invite.invited_by,
                        now_ms,
                        invite.expires_at_ms,
                    ),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                ids.append(int(row[0]))
                await record(conn, audit(int(row[0]), invite), now_ms)
        return ids

    async def invites(self, invite_id: int | None = None) -> list[InviteRow]:
        """All invites ever made (or one), newest first."""
        where, args = ("WHERE id = ?", (invite_id,)) if invite_id is not None else ("", ())
        async with self._conn.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites {where} ORDER BY id DESC", args
        ) as cursor:
            return [_invite(row) for row in await cursor.fetchall()]

    async def pending_invites(self, now_ms: int) -> list[InviteRow]:
        async with self._conn.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites WHERE accepted_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC",
            (now_ms,),
        ) as cursor:
            return [_invite(row) for row in await cursor.fetchall()]

    async def mark_emailed(self, invite_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE invites SET emailed = 1 WHERE id = ?", (invite_id,))

    async def revoke_invite(self, invite_id: int, audit: AuditRecord, now_ms: int) -> bool:
        """Revoke a pending invite; False if there is no pending invite with that id."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE invites SET revoked_at = ? WHERE id = ? AND accepted_at IS NULL"
                " AND revoked_at IS NULL AND expires_at > ?",
                (now_ms, invite_id, now_ms),
            ) as cursor:
                if cursor.rowcount == 0:
                    return False
            await record(conn, audit, now_ms)
        return True

    async def accept_invite(
        self,
        token_hash: bytes,
        member_token_hash: bytes,
        audit: Callable[[int, InviteRow], AuditRecord],
        now_ms: int,
    ) -> tuple[InviteRow | None, int | None]:
        """Use an invite: (invite, new member id) when it was pending, else (invite or None,
        None) and nothing changes. Checking and using happen in one transaction, so an
        invite can be used once even when two accepts race.
        """
        try:
            async with self._db.transaction() as conn:
                async with conn.execute(
                    f"SELECT {_INVITE_COLUMNS} FROM invites WHERE token_hash = ?", (token_hash,)
                ) as cursor:
                    row = await cursor.fetchone()
                if row is None:
                    return None, None
                invite = _invite(row)
                if invite.state(now_ms) != "pending":
                    return invite, None
                member_id = await self._add_member(
                    conn, invite.email, invite.grant_rows, member_token_hash, now_ms
                )
                await _insert_group_members(conn, [(g, member_id) for g in invite.group_ids])
                await conn.execute(
                    "UPDATE invites SET accepted_at = ?, accepted_member_id = ? WHERE id = ?",
                    (now_ms, member_id, invite.id),
                )
                await record(conn, audit(member_id, invite), now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"{invite.email} is a member already") from exc
        return invite, member_id

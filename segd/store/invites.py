"""Invites: single-use tokens (stored as hashes) that create a member when accepted."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from segd.errors import AlreadyExists
from segd.store.access import AccessStore, GrantRow, insert_group_members
from segd.store.audit import AuditRecord, record
from segd.store.db import Database


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


class InviteStore:
    def __init__(self, db: Database, reader: Database) -> None:
        """Writes go through `db`, reads through `reader` (committed data only)."""
        self._db = db
        self._conn = reader.conn

    async def insert(
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

    async def get(self, invite_id: int | None = None) -> list[InviteRow]:
        """All invites ever made (or one), newest first."""
        where, args = ("WHERE id = ?", (invite_id,)) if invite_id is not None else ("", ())
        async with self._conn.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites {where} ORDER BY id DESC", args
        ) as cursor:
            return [_invite(row) for row in await cursor.fetchall()]

    async def pending(self, now_ms: int) -> list[InviteRow]:
        async with self._conn.execute(
            f"SELECT {_INVITE_COLUMNS} FROM invites WHERE accepted_at IS NULL"
            " AND revoked_at IS NULL AND expires_at > ? ORDER BY id DESC",
            (now_ms,),
        ) as cursor:
            return [_invite(row) for row in await cursor.fetchall()]

    async def mark_emailed(self, invite_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE invites SET emailed = 1 WHERE id = ?", (invite_id,))

    async def revoke(self, invite_id: int, audit: AuditRecord, now_ms: int) -> bool:
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

    async def accept(
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
                member_id = await AccessStore.add_member(
                    conn, invite.email, invite.grant_rows, member_token_hash, now_ms
                )
                await insert_group_members(conn, [(g, member_id) for g in invite.group_ids])
                await conn.execute(
                    "UPDATE invites SET accepted_at = ?, accepted_member_id = ? WHERE id = ?",
                    (now_ms, member_id, invite.id),
                )
                await record(conn, audit(member_id, invite), now_ms)
        except sqlite3.IntegrityError as exc:
            raise AlreadyExists(f"{invite.email} is a member already") from exc
        return invite, member_id

"""The audit log: written in the same transaction as the change it records."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from segd.store.db import Database


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change: who (member id, or None for the command line), what, to what, how."""

    actor_member_id: int | None
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def created(self, new_id: int) -> AuditRecord:
        """A creation's record once its id is known (inside the transaction): the target
        gains the id ("destination" → "destination:7") and so does the after state."""
        after = dict(self.after or {}, id=new_id)
        return replace(self, target=f"{self.target}:{new_id}", after=after)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at_ms: int
    actor_member_id: int | None
    actor: str
    action: str
    target: str
    before_json: str
    after_json: str


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


async def record(conn: aiosqlite.Connection, entry: AuditRecord, now_ms: int) -> None:
    """Insert `entry`; call inside the transaction that makes the change."""
    await conn.execute(
        "INSERT INTO audit_log (at, actor_member_id, actor, action, target, before, after)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            now_ms,
            entry.actor_member_id,
            entry.actor,
            entry.action,
            entry.target,
            _json(entry.before),
            _json(entry.after),
        ),
    )


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._conn = db.conn

    async def list(self, limit: int, before_id: int = 0) -> list[AuditEntry]:
        """Newest first; `before_id` > 0 pages past that entry."""
        bound = before_id if before_id > 0 else 2**63 - 1
        async with self._conn.execute(
            "SELECT id, at, actor_member_id, actor, action, target, before, after"
            " FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
            (bound, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [AuditEntry(*row) for row in rows]

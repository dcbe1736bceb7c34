"""Delivery state of destinations: cursors, retries, dead letters, latency and errors.

A worker hands its results over as one `Progress`, written in one transaction: events
parked for retry are stored before (never after) the cursor moves past them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from segd.store.audit import AuditRecord, record
from segd.store.db import Database

#: Failures kept per destination for the delivery view.
ERRORS_KEPT = 20
#: Minutes of latency histograms kept.
LATENCY_MINUTES_KEPT = 24 * 60


@dataclass(frozen=True, slots=True)
class RetryRow:
    """An event waiting for its next attempt (or, unsaved, about to)."""

    seq: int
    source_id: int
    message_id: str
    received_at_ms: int
    window_start_ms: int
    attempts: int
    next_attempt_at_ms: int
    body: str
    last_error: str
    replay: bool = False
    id: int = 0


@dataclass(frozen=True, slots=True)
class DeadLetter:
    seq: int
    source_id: int
    message_id: str
    received_at_ms: int
    body: str
    attempts: int
    error: str
    request_sample: str
    response_sample: str
    failed_at_ms: int
    replayed_at_ms: int | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class DeliveryError:
    at_ms: int
    seq: int
    message_id: str
    retryable: bool
    error: str
    request_sample: str
    response_sample: str


@dataclass(slots=True)
class Progress:
    """What a worker has done since it last wrote, written at once by `record`."""

    cursor: int | None = None
    delivered: int = 0
    filtered: int = 0
    #: (unix minute, stats bucket) → deliveries
    latency: dict[tuple[int, int], int] = field(default_factory=dict)
    parked: list[RetryRow] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    errors: list[DeliveryError] = field(default_factory=list)
    #: retry rows finished with (delivered, or moved to dead letters)
    settled: list[int] = field(default_factory=list)
    #: retry rows to try again: (id, attempts, next attempt at, last error)
    rescheduled: list[tuple[int, int, int, str]] = field(default_factory=list)
    #: make every waiting retry due now (the destination has recovered)
    hasten_retries: bool = False

    def merge(self, other: Progress) -> None:
        """Add `other` (which comes later) to this one."""
        if other.cursor is not None:
            self.cursor = other.cursor
        self.delivered += other.delivered
        self.filtered += other.filtered
        for key, count in other.latency.items():
            self.latency[key] = self.latency.get(key, 0) + count
        self.parked += other.parked
        self.dead += other.dead
        self.errors = (self.errors + other.errors)[-ERRORS_KEPT:]
        self.settled += other.settled
        self.rescheduled += other.rescheduled
        self.hasten_retries = self.hasten_retries or other.hasten_retries

    def is_empty(self) -> bool:
        return self.cursor is None and not (
            self.delivered
            or self.filtered
            or self.parked
            or self.dead
            or self.errors
            or self.settled
            or self.rescheduled
        )


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    delivered: int
    filtered: int
    retrying: int
    dead: int
    cursor: int


_RETRY_COLUMNS = (
    "seq, source_id, message_id, received_at, window_start, attempts, next_attempt_at, body,"
    " last_error, replay, id"
)
_DEAD_COLUMNS = (
    "seq, source_id, message_id, received_at, body, attempts, error, request_sample,"
    " response_sample, failed_at, replayed_at, id"
)


class DeliveryStore:
    """Writes go through `writer` (a connection of the router's own); reads use `reader`."""

    def __init__(self, writer: Database, reader: Database) -> None:
        self._db = writer
        self._conn = reader.conn

    async def cursor(self, destination_id: int) -> int:
        async with self._conn.execute(
            "SELECT cursor_seq FROM delivery_state WHERE destination_id = ?", (destination_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def record(self, destination_id: int, progress: Progress, now_ms: int) -> None:
        """Write a worker's progress in one transaction; the cursor never moves back."""
        d = destination_id
        async with self._db.transaction() as conn:
            if progress.parked:
                await conn.executemany(
                    "INSERT INTO delivery_retries (destination_id, seq, source_id, message_id,"
                    " received_at, window_start, attempts, next_attempt_at, body, last_error,"
                    " replay) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            d,
                            r.seq,
                            r.source_id,
                            r.message_id,
                            r.received_at_ms,
                            r.window_start_ms,
                            r.attempts,
                            r.next_attempt_at_ms,
                            r.body,
                            r.last_error,
                            int(r.replay),
                        )
                        for r in progress.parked
                    ],
                )
            if progress.dead:
                await conn.executemany(
                    "INSERT INTO dead_letters (destination_id, seq, source_id, message_id,"
                    " received_at, body, attempts, error, request_sample, response_sample,"
                    " failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            d,
                            x.seq,
                            x.source_id,
                            x.message_id,
                            x.received_at_ms,
                            x.body,
                            x.attempts,
                            x.error,
                            x.request_sample,
                            x.response_sample,
                            x.failed_at_ms,
                        )
                        for x in progress.dead
                    ],
                )
            if progress.settled:
                await conn.executemany(
                    "DELETE FROM delivery_retries WHERE id = ?", [(i,) for i in progress.settled]
                )
            if progress.rescheduled:
                await conn.executemany(
                    "UPDATE delivery_retries SET attempts = ?, next_attempt_at = ?,"
                    " last_error = ? WHERE id = ?",
                    [(attempts, at, error, i) for i, attempts, at, error in progress.rescheduled],
                )
            if progress.latency:
                await conn.executemany(
                    "INSERT INTO delivery_latency VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE"
                    " SET count = count + excluded.count",
                    [(d, m, b, n) for (m, b), n in progress.latency.items()],
                )
                await conn.execute(
                    "DELETE FROM delivery_latency WHERE destination_id = ? AND minute < ?",
                    (d, min(m for m, _ in progress.latency) - LATENCY_MINUTES_KEPT),
                )
            if progress.errors:
                await self._add_errors(conn, d, progress.errors)
            if progress.hasten_retries:
                await conn.execute(
                    "UPDATE delivery_retries SET next_attempt_at = ? WHERE destination_id = ?"
                    " AND next_attempt_at > ?",
                    (now_ms, d, now_ms),
                )
            await conn.execute(
                "UPDATE delivery_state SET cursor_seq = max(cursor_seq, ?),"
                " delivered = delivered + ?, filtered = filtered + ? WHERE destination_id = ?",
                (progress.cursor or 0, progress.delivered, progress.filtered, d),
            )

    @staticmethod
    async def _add_errors(conn: Any, d: int, errors: Sequence[DeliveryError]) -> None:
        await conn.executemany(
            "INSERT INTO delivery_errors (destination_id, at, seq, message_id, retryable, error,"
            " request_sample, response_sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d,
                    e.at_ms,
                    e.seq,
                    e.message_id,
                    int(e.retryable),
                    e.error,
                    e.request_sample,
                    e.response_sample,
                )
                for e in errors[-ERRORS_KEPT:]
            ],
        )
        await conn.execute(
            "DELETE FROM delivery_errors WHERE destination_id = ? AND id <= (SELECT id FROM"
            " delivery_errors WHERE destination_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (d, d, ERRORS_KEPT),
        )

    async def due_retries(self, destination_id: int, now_ms: int, limit: int) -> list[RetryRow]:
        async with self._conn.execute(
            f"SELECT {_RETRY_COLUMNS} FROM delivery_retries WHERE destination_id = ?"
            " AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
            (destination_id, now_ms, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_retry(tuple(r)) for r in rows]

    async def next_retry_at(self, destination_id: int) -> int | None:
        async with self._conn.execute(
            "SELECT min(next_attempt_at) FROM delivery_retries WHERE destination_id = ?",
            (destination_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    async def counts(self, destination_id: int) -> DeliveryCounts:
        async with self._conn.execute(
            "SELECT delivered, filtered, cursor_seq,"
            " (SELECT count(*) FROM delivery_retries WHERE destination_id = s.destination_id),"
            " (SELECT count(*) FROM dead_letters WHERE destination_id = s.destination_id"
            "  AND replayed_at IS NULL)"
            " FROM delivery_state AS s WHERE destination_id = ?",
            (destination_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return DeliveryCounts(0, 0, 0, 0, 0)
        delivered, filtered, cursor_seq, retrying, dead = (int(x) for x in row)
        return DeliveryCounts(delivered, filtered, retrying, dead, cursor_seq)

    async def latency(self, destination_id: int, since_minute: int) -> dict[int, int]:
        """bucket → deliveries since `since_minute`."""
        async with self._conn.execute(
            "SELECT bucket, sum(count) FROM delivery_latency WHERE destination_id = ?"
            " AND minute >= ? GROUP BY bucket",
            (destination_id, since_minute),
        ) as cursor:
            return {int(b): int(n) for b, n in await cursor.fetchall()}

    async def last_errors(self, destination_id: int, limit: int) -> list[DeliveryError]:
        async with self._conn.execute(
            "SELECT at, seq, message_id, retryable, error, request_sample, response_sample"
            " FROM delivery_errors WHERE destination_id = ? ORDER BY id DESC LIMIT ?",
            (destination_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            DeliveryError(
                int(r[0]), int(r[1]), str(r[2]), bool(r[3]), str(r[4]), str(r[5]), str(r[6])
            )
            for r in rows
        ]

    async def dead_letters(
        self, destination_id: int, limit: int, include_replayed: bool = False
    ) -> list[DeadLetter]:
        replayed = "" if include_replayed else " AND replayed_at IS NULL"
        async with self._conn.execute(
            f"SELECT {_DEAD_COLUMNS} FROM dead_letters WHERE destination_id = ?{replayed}"
            " ORDER BY id DESC LIMIT ?",
            (destination_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_dead(tuple(r)) for r in rows]

    async def replay(
        self,
        destination_id: int,
        ids: Sequence[int] | None,
        now_ms: int,
        audit: Callable[[int], AuditRecord] | None = None,
    ) -> int:
        """Move dead letters (all, or those of `ids`) back to the retries, due now, with a
        fresh retry window; the dead letters are marked replayed. Returns how many.
        `audit` makes the audit record from that number (written in the same transaction)."""
        chosen = "" if ids is None else f" AND id IN ({','.join('?' * len(ids))})"
        args: tuple[Any, ...] = (destination_id, *(ids or ()))
        where = f"WHERE destination_id = ? AND replayed_at IS NULL{chosen}"
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO delivery_retries (destination_id, seq, source_id, message_id,"
                " received_at, window_start, replay, attempts, next_attempt_at, body, last_error)"
                f" SELECT destination_id, seq, source_id, message_id, received_at, ?, 1, 0, ?,"
                f" body, error FROM dead_letters {where} ORDER BY id",
                (now_ms, now_ms, *args),
            )
            async with conn.execute(
                f"UPDATE dead_letters SET replayed_at = ? {where}", (now_ms, *args)
            ) as cursor:
                replayed = int(cursor.rowcount)
            if audit is not None:
                await record(conn, audit(replayed), now_ms)
        return replayed


def _retry(row: tuple[Any, ...]) -> RetryRow:
    seq, source, message, received, window, attempts, at, body, error, replay, id_ = row
    return RetryRow(
        int(seq),
        int(source),
        str(message),
        int(received),
        int(window),
        int(attempts),
        int(at),
        str(body),
        str(error),
        bool(replay),
        int(id_),
    )


def _dead(row: tuple[Any, ...]) -> DeadLetter:
    seq, source, message, received, body, attempts, error, req, resp, failed, replayed, id_ = row
    return DeadLetter(
        int(seq),
        int(source),
        str(message),
        int(received),
        str(body),
        int(attempts),
        str(error),
        str(req),
        str(resp),
        int(failed),
        None if replayed is None else int(replayed),
        int(id_),
    )

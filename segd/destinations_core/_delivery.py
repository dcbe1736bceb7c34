"""Delivery as the workspace sees it: status, dead letters, and replaying them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segd.destinations_core._config import destination_row
from segd.errors import InvalidRequest
from segd.router import stats
from segd.store import AuditRecord, DeadLetter, DeliveryCounts, DeliveryError, Store
from segd.store.delivery import ERRORS_KEPT
from segd.workspace import CLI, Actor, now_ms

#: Delivery latency percentiles cover this many recent minutes.
LATENCY_WINDOW_MINUTES = 60
DEFAULT_ERRORS = 10
DEFAULT_DEAD_LETTERS = 100
MAX_DEAD_LETTERS = 1000


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    destination_id: int
    destination: str
    counts: DeliveryCounts
    #: Delivery latency from receivedAt, over the last LATENCY_WINDOW_MINUTES; None if none.
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    #: Newest first.
    last_errors: list[DeliveryError]


def _bounded(value: int, default: int, most: int, what: str) -> int:
    if not 0 <= value <= most:
        raise InvalidRequest(f"{what} must be between 0 (the default, {default}) and {most}")
    return value or default


async def delivery_status(
    store: Store, destination_id: int, errors: int = DEFAULT_ERRORS
) -> DeliveryStatus:
    """Delivered, filtered, retrying and dead counts, latency p50/p95, the last errors."""
    errors = _bounded(errors, DEFAULT_ERRORS, ERRORS_KEPT, "errors")
    row = await destination_row(store, destination_id)
    since = now_ms() // 60_000 - LATENCY_WINDOW_MINUTES
    histogram = await store.delivery.latency(row.id, since)
    return DeliveryStatus(
        row.id,
        row.name,
        await store.delivery.counts(row.id),
        stats.percentile(histogram, 0.50),
        stats.percentile(histogram, 0.95),
        await store.delivery.last_errors(row.id, errors),
    )


async def list_dead_letters(
    store: Store, destination_id: int, limit: int = DEFAULT_DEAD_LETTERS
) -> list[DeadLetter]:
    """The newest dead letters not yet replayed (`limit` 0: the default)."""
    limit = _bounded(limit, DEFAULT_DEAD_LETTERS, MAX_DEAD_LETTERS, "limit")
    row = await destination_row(store, destination_id)
    return await store.delivery.dead_letters(row.id, limit)


async def replay_dead_letters(
    store: Store,
    destination_id: int,
    ids: Sequence[int] | None = None,
    *,
    actor: Actor = CLI,
) -> int:
    """Send dead letters (all, or those of `ids`) again, with a fresh retry window.
    Returns how many were queued; the running daemon delivers them within seconds."""
    row = await destination_row(store, destination_id)
    chosen = None if ids is None else sorted(set(ids))

    def audit(replayed: int) -> AuditRecord:
        return actor.audit(
            "destination.replay",
            f"destination:{row.id}",
            None,
            {"dead_letter_ids": chosen if chosen is not None else "all", "replayed": replayed},
        )

    return await store.delivery.replay(row.id, chosen, now_ms(), audit)

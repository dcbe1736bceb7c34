"""Which events reach a destination, and in what shape: sources, `integrations`, filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segd.api.v1 import event_pb2
from segd.destinations.base import OutboundEvent
from segd.events import to_json
from segd.router.filters import CompiledFilter, apply_filters
from segd.router.integrations import wants
from segd.store import StoredEvent


@dataclass(frozen=True, slots=True)
class Route:
    """What a destination instance takes: events of its sources, subject to the event's
    `integrations` object (keyed by `display_name`) and its filters (in Segment order)."""

    display_name: str
    source_ids: frozenset[int]
    filters: Sequence[CompiledFilter] = ()


def select(route: Route, stored: StoredEvent, source_slug: str) -> OutboundEvent | None:
    """The event as the destination gets it, or None when it does not go there."""
    if stored.source_id not in route.source_ids:
        return None
    body = to_json(event_pb2.Event.FromString(stored.payload))
    if not wants(body.get("integrations"), route.display_name):
        return None
    filtered = apply_filters(body, route.filters) if route.filters else body
    if filtered is None:
        return None
    return OutboundEvent(
        stored.seq,
        stored.source_id,
        source_slug,
        stored.message_id,
        stored.received_at_ms,
        filtered,
    )

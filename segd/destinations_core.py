"""Destination operations shared by the CLI and the Admin API: one copy of each.

Configuration (create, list, enable, edit, delete, filters) and delivery (status, dead
letters, replay). Settings are validated against the plugin's model before they are
saved; secrets are never shown back (`public_settings`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from segd.destinations.base import Category, Destination
from segd.errors import ConfigError, InvalidRequest, NotFound
from segd.router import registry, stats
from segd.router.filters import FilterError, FilterSpec, compile_filter
from segd.store import DeadLetter, DeliveryCounts, DeliveryError, DestinationRow, FilterRow, Store

MAX_NAME_CHARS = 100
#: Delivery latency percentiles cover this many recent minutes.
LATENCY_WINDOW_MINUTES = 60


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """A destination type of the catalog."""

    name: str
    display_name: str
    category: Category
    description: str
    settings_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DestinationInfo:
    id: int
    name: str
    type: str
    display_name: str
    enabled: bool
    source_slugs: tuple[str, ...]
    #: Settings with defaults filled in and secret values masked.
    settings: dict[str, Any]
    version: int


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    destination: str
    counts: DeliveryCounts
    #: Delivery latency from receivedAt, over the last LATENCY_WINDOW_MINUTES; None if none.
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    last_errors: list[DeliveryError]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def catalog() -> list[PluginInfo]:
    """The installed destination types."""
    return [
        PluginInfo(p.name, p.display_name, p.category, p.description, p.settings_schema())
        for p in registry.installed().values()
    ]


def _plugin(type_name: str) -> type[Destination]:
    try:
        return registry.plugin(type_name)
    except ConfigError as exc:
        raise InvalidRequest(str(exc)) from exc


def validate_settings(plugin: type[Destination], settings: Any) -> pydantic.BaseModel:
    """The plugin's settings model for `settings`, or InvalidRequest saying what is wrong."""
    if not isinstance(settings, dict):
        raise InvalidRequest("settings must be a JSON object")
    try:
        return plugin.Settings.model_validate(settings)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidRequest(f"invalid {plugin.name} settings: {problems}") from exc


def public_settings(plugin: type[Destination], settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as they may be shown: defaults filled in, secrets masked."""
    try:
        model = plugin.Settings.model_validate(settings)
    except pydantic.ValidationError:
        return {}
    shown: dict[str, Any] = model.model_dump(mode="json")
    return shown


async def _source_ids(store: Store, slugs: Sequence[str]) -> list[int]:
    by_slug = {s.slug: s.id for s in await store.workspace.list_sources()}
    unknown = [slug for slug in slugs if slug not in by_slug]
    if unknown:
        raise NotFound(f"no source with the slug {unknown[0]!r}")
    return [by_slug[slug] for slug in slugs]


async def _info(store: Store, row: DestinationRow) -> DestinationInfo:
    slugs = {s.id: s.slug for s in await store.workspace.list_sources()}
    try:
        plugin = registry.plugin(row.type)
        display, settings = plugin.display_name, public_settings(plugin, row.settings)
    except ConfigError:
        display, settings = row.type, {}
    return DestinationInfo(
        row.id,
        row.name,
        row.type,
        display,
        row.enabled,
        tuple(slugs[i] for i in row.source_ids if i in slugs),
        settings,
        row.version,
    )


async def _row(store: Store, name: str) -> DestinationRow:
    row = await store.destinations.by_name(name)
    if row is None:
        raise NotFound(f"no destination named {name!r}")
    return row


async def create_destination(
    store: Store,
    name: str,
    type_name: str,
    source_slugs: Sequence[str],
    settings: Any,
    enabled: bool = True,
) -> DestinationInfo:
    """A new destination of plugin `type_name`, fed by the given sources from now on."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(f"a destination needs a name of 1 to {MAX_NAME_CHARS} characters")
    plugin = _plugin(type_name)
    validate_settings(plugin, settings)
    source_ids = await _source_ids(store, source_slugs)
    destination_id = await store.destinations.insert(
        name, plugin.name, settings, source_ids, enabled, _now_ms()
    )
    return await _info(store, await _row_by_id(store, destination_id))


async def _row_by_id(store: Store, destination_id: int) -> DestinationRow:
    return next(r for r in await store.destinations.load_all() if r.id == destination_id)


async def list_destinations(store: Store) -> list[DestinationInfo]:
    return [await _info(store, row) for row in await store.destinations.load_all()]


async def get_destination(store: Store, name: str) -> DestinationInfo:
    return await _info(store, await _row(store, name))


async def set_enabled(store: Store, name: str, enabled: bool) -> DestinationInfo:
    """Enable or disable; an enabled destination starts at the end of the log."""
    row = await _row(store, name)
    await store.destinations.update(row.id, _now_ms(), enabled=enabled)
    return await get_destination(store, name)


async def update_destination(
    store: Store,
    name: str,
    settings: Any = None,
    source_slugs: Sequence[str] | None = None,
) -> DestinationInfo:
    """Change settings (merged over the current ones, so that a secret left out is kept)
    and/or the sources."""
    row = await _row(store, name)
    merged = None
    if settings is not None:
        if not isinstance(settings, dict):
            raise InvalidRequest("settings must be a JSON object")
        merged = {**row.settings, **settings}
        validate_settings(_plugin(row.type), merged)
    source_ids = None if source_slugs is None else await _source_ids(store, source_slugs)
    await store.destinations.update(row.id, _now_ms(), settings=merged, source_ids=source_ids)
    return await get_destination(store, name)


async def delete_destination(store: Store, name: str) -> None:
    """Delete a destination with its filters, retries and dead letters."""
    await store.destinations.delete((await _row(store, name)).id)


async def add_filter(store: Store, name: str, spec: FilterSpec) -> FilterRow:
    """Check and save a filter; a bad FQL condition is refused with its position."""
    row = await _row(store, name)
    try:
        compile_filter(spec)
    except FilterError as exc:
        raise InvalidRequest(str(exc)) from exc
    filter_id = await store.destinations.insert_filter(
        row.id,
        spec.kind,
        spec.condition,
        spec.fields,
        spec.percent,
        spec.path,
        spec.title,
        spec.enabled,
        _now_ms(),
    )
    return next(f for f in await store.destinations.filters(row.id) if f.id == filter_id)


async def list_filters(store: Store, name: str) -> list[FilterRow]:
    return await store.destinations.filters((await _row(store, name)).id)


async def remove_filter(store: Store, name: str, filter_id: int) -> None:
    row = await _row(store, name)
    if not await store.destinations.delete_filter(row.id, filter_id, _now_ms()):
        raise NotFound(f"destination {name!r} has no filter {filter_id}")


async def delivery_status(store: Store, name: str, errors: int = 10) -> DeliveryStatus:
    """Delivered, filtered, retrying and dead counts, latency p50/p95, the last errors."""
    row = await _row(store, name)
    since = _now_ms() // 60_000 - LATENCY_WINDOW_MINUTES
    histogram = await store.delivery.latency(row.id, since)
    return DeliveryStatus(
        row.name,
        await store.delivery.counts(row.id),
        stats.percentile(histogram, 0.50),
        stats.percentile(histogram, 0.95),
        await store.delivery.last_errors(row.id, errors),
    )


async def list_dead_letters(store: Store, name: str, limit: int = 100) -> list[DeadLetter]:
    """The newest dead letters not yet replayed."""
    return await store.delivery.dead_letters((await _row(store, name)).id, limit)


async def replay_dead_letters(store: Store, name: str, ids: Sequence[int] | None = None) -> int:
    """Send dead letters (all, or those of `ids`) again, with a fresh retry window.
    Returns how many were queued; the running daemon delivers them within seconds."""
    row = await _row(store, name)
    return await store.delivery.replay(row.id, ids, _now_ms())

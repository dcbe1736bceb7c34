"""Destinations themselves: the catalog, and each destination's life (create, rename,
settings, sources, enable, delete), every change audited with secrets masked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from segd.destinations.base import Category, Destination
from segd.destinations_core._settings import merge_settings, public_settings, validate_settings
from segd.errors import ConfigError, InvalidFields, NotFound, Violation
from segd.router import registry
from segd.store import DestinationRow, Store
from segd.workspace import CLI, Actor, now_ms

MAX_NAME_CHARS = 100


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
    source_ids: tuple[int, ...]
    source_slugs: tuple[str, ...]
    #: Settings with defaults filled in and secret values masked.
    settings: dict[str, Any]
    version: int
    created_at_ms: int
    updated_at_ms: int
    #: The plugin's category; None when the plugin is not installed.
    category: Category | None = None

    @property
    def is_warehouse(self) -> bool:
        return self.category is Category.WAREHOUSE

    def audit_fields(self) -> dict[str, Any]:
        """The destination as the audit log records it (secrets masked)."""
        return {
            "name": self.name,
            "type": self.type,
            "enabled": self.enabled,
            "source_ids": list(self.source_ids),
            "settings": self.settings,
        }


def catalog() -> list[PluginInfo]:
    """The installed destination types."""
    return [
        PluginInfo(p.name, p.display_name, p.category, p.description, p.settings_schema())
        for p in registry.installed().values()
    ]


def is_warehouse_type(type_name: str) -> bool:
    """Whether `type_name` is an installed plugin of the Warehouse category."""
    plugin = registry.installed().get(type_name)
    return plugin is not None and plugin.category is Category.WAREHOUSE


def _plugin(type_name: str) -> type[Destination]:
    try:
        return registry.plugin(type_name)
    except ConfigError as exc:
        raise InvalidFields(str(exc), [Violation("type", str(exc))]) from exc


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        problem = f"a destination needs a name of 1 to {MAX_NAME_CHARS} characters"
        raise InvalidFields(problem, [Violation("name", problem)])
    return name


async def source_ids(store: Store, slugs: Sequence[str]) -> list[int]:
    """The ids of the sources with these slugs (for the CLI, which names sources so)."""
    by_slug = {s.slug: s.id for s in await store.workspace.list_sources()}
    unknown = [slug for slug in slugs if slug not in by_slug]
    if unknown:
        raise NotFound(f"no source with the slug {unknown[0]!r}")
    return [by_slug[slug] for slug in slugs]


async def _known_sources(store: Store, ids: Iterable[int]) -> list[int]:
    """`ids` without repeats, each a live source; NotFound names the first that is not."""
    live = {s.id for s in await store.workspace.list_sources()}
    unique = list(dict.fromkeys(ids))
    missing = [i for i in unique if i not in live]
    if missing:
        raise NotFound(f"no source with id {missing[0]}")
    return unique


async def destination_id(store: Store, name: str) -> int:
    """The id of the destination called `name` (the CLI names destinations so)."""
    row = await store.destinations.by_name(name)
    if row is None:
        raise NotFound(f"no destination named {name!r}")
    return row.id


async def destination_row(store: Store, destination_id: int) -> DestinationRow:
    found = await store.destinations.by_id(destination_id)
    if found is None:
        raise NotFound(f"no destination with id {destination_id}")
    return found


async def sources_and_type(store: Store, destination_id: int) -> tuple[frozenset[int], str]:
    """The sources a destination is connected to and its plugin's name, what access to it
    depends on (no sources and "" if there is no such destination)."""
    found = await store.destinations.by_id(destination_id)
    if found is None:
        return frozenset(), ""
    return frozenset(found.source_ids), found.type


async def _slugs(store: Store) -> dict[int, str]:
    return {s.id: s.slug for s in await store.workspace.list_sources()}


def _info(row: DestinationRow, slugs: dict[int, str]) -> DestinationInfo:
    category: Category | None
    try:
        plugin = registry.plugin(row.type)
        display, settings = plugin.display_name, public_settings(plugin, row.settings)
        category = plugin.category
    except ConfigError:
        display, settings, category = row.type, {}, None
    return DestinationInfo(
        row.id,
        row.name,
        row.type,
        display,
        row.enabled,
        row.source_ids,
        tuple(slugs[i] for i in row.source_ids if i in slugs),
        settings,
        row.version,
        row.created_at_ms,
        row.updated_at_ms,
        category,
    )


async def create_destination(
    store: Store,
    name: str,
    type_name: str,
    sources: Sequence[int],
    settings: Any,
    enabled: bool = True,
    *,
    actor: Actor = CLI,
) -> DestinationInfo:
    """A new destination of plugin `type_name`, fed by `sources` (ids) from now on."""
    name = _check_name(name)
    plugin = _plugin(type_name)
    validate_settings(plugin, settings)
    ids = await _known_sources(store, sources)
    after = {
        "name": name,
        "type": plugin.name,
        "enabled": enabled,
        "source_ids": ids,
        "settings": public_settings(plugin, settings),
    }
    new_id = await store.destinations.insert(
        name,
        plugin.name,
        settings,
        ids,
        enabled,
        now_ms(),
        actor.audit("destination.create", "destination", None, after),
    )
    return await get_destination(store, new_id)


async def list_destinations(store: Store) -> list[DestinationInfo]:
    slugs = await _slugs(store)
    return [_info(row, slugs) for row in await store.destinations.load_all()]


async def get_destination(store: Store, destination_id: int) -> DestinationInfo:
    row = await destination_row(store, destination_id)
    return _info(row, await _slugs(store))


async def _change(
    store: Store,
    actor: Actor,
    action: str,
    destination_id: int,
    *,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    sources: Sequence[int] | None = None,
    enabled: bool | None = None,
) -> DestinationInfo:
    """Apply a change and audit it with the state before and after (secrets masked)."""
    current = await destination_row(store, destination_id)
    before = _info(current, await _slugs(store))
    after = before.audit_fields()
    if name is not None:
        after["name"] = name
    if settings is not None:
        after["settings"] = public_settings(_plugin(current.type), settings)
    if sources is not None:
        after["source_ids"] = list(sources)
    if enabled is not None:
        after["enabled"] = enabled
    await store.destinations.update(
        destination_id,
        now_ms(),
        name=name,
        settings=settings,
        source_ids=sources,
        enabled=enabled,
        audit=actor.audit(action, f"destination:{destination_id}", before.audit_fields(), after),
    )
    return await get_destination(store, destination_id)


async def set_enabled(
    store: Store, destination_id: int, enabled: bool, *, actor: Actor = CLI
) -> DestinationInfo:
    """Enable or disable; an enabled destination starts at the end of the log."""
    action = "destination.enable" if enabled else "destination.disable"
    return await _change(store, actor, action, destination_id, enabled=enabled)


async def update_destination(
    store: Store,
    destination_id: int,
    *,
    name: str | None = None,
    settings: Any = None,
    sources: Sequence[int] | None = None,
    actor: Actor = CLI,
) -> DestinationInfo:
    """Rename, change settings (merged over the current ones, see `merge_settings`)
    and/or replace the sources; what is None stays as it is."""
    current = await destination_row(store, destination_id)
    merged = None
    if settings is not None:
        merged = merge_settings(current.settings, settings)
        validate_settings(_plugin(current.type), merged)
    return await _change(
        store,
        actor,
        "destination.update",
        destination_id,
        name=None if name is None else _check_name(name),
        settings=merged,
        sources=None if sources is None else await _known_sources(store, sources),
    )


def _some_sources(sources: Sequence[int]) -> None:
    if not sources:
        problem = "name one or more sources"
        raise InvalidFields(problem, [Violation("source_ids", problem)])


async def connect_sources(
    store: Store, destination_id: int, sources: Sequence[int], *, actor: Actor = CLI
) -> DestinationInfo:
    """Connect one or more sources; those connected already stay connected."""
    _some_sources(sources)
    added = await _known_sources(store, sources)
    current = (await destination_row(store, destination_id)).source_ids
    wanted = sorted(set(current) | set(added))
    return await _change(store, actor, "destination.connect", destination_id, sources=wanted)


async def disconnect_sources(
    store: Store, destination_id: int, sources: Sequence[int], *, actor: Actor = CLI
) -> DestinationInfo:
    """Disconnect one or more sources; a source not connected is left as it is."""
    _some_sources(sources)
    current = (await destination_row(store, destination_id)).source_ids
    wanted = [i for i in current if i not in set(sources)]
    return await _change(store, actor, "destination.disconnect", destination_id, sources=wanted)


async def delete_destination(store: Store, destination_id: int, *, actor: Actor = CLI) -> None:
    """Delete a destination with its filters, retries and dead letters."""
    before = await get_destination(store, destination_id)
    await store.destinations.delete(
        destination_id,
        now_ms(),
        actor.audit("destination.delete", f"destination:{destination_id}", before.audit_fields()),
    )

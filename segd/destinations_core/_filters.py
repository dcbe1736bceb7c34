"""Destination filters: create, edit, delete, list. A filter is checked (FQL parsed)
before it is saved; a bad one is refused with the field at fault and, for a condition,
the position of the error."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from segd.destinations_core._config import destination_row
from segd.errors import InvalidFields, NotFound, Violation
from segd.router.filters import FilterError, FilterSpec, compile_filter
from segd.store import FilterRow, Store
from segd.workspace import CLI, Actor, now_ms

DEFAULT_SAMPLE_PATH = "messageId"


def checked(spec: FilterSpec) -> FilterSpec:
    """`spec` as it will be saved (an empty sample path is messageId), once it compiles.

    Raises:
        InvalidFields: the violation's field is "spec.<field>" ("spec.condition"), with
            the character position for an FQL error.
    """
    if not spec.path:
        spec = replace(spec, path=DEFAULT_SAMPLE_PATH)
    try:
        compile_filter(spec)
    except FilterError as exc:
        violation = Violation(f"spec.{exc.field}", str(exc), exc.position)
        raise InvalidFields(str(exc), [violation]) from exc
    return spec


def spec_of(row: FilterRow) -> FilterSpec:
    return FilterSpec(
        row.kind, row.condition, row.fields, row.percent, row.path, row.title, row.enabled
    )


def _audit_fields(spec: FilterSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "condition": spec.condition,
        "fields": list(spec.fields),
        "percent": spec.percent,
        "path": spec.path,
        "title": spec.title,
        "enabled": spec.enabled,
    }


def _target(destination_id: int, filter_id: int | None = None) -> str:
    target = f"destination:{destination_id}/filter"
    return target if filter_id is None else f"{target}:{filter_id}"


async def _filter(store: Store, destination_id: int, filter_id: int) -> FilterRow:
    found = next(
        (f for f in await store.destinations.filters(destination_id) if f.id == filter_id), None
    )
    if found is None:
        name = (await destination_row(store, destination_id)).name
        raise NotFound(f"destination {name!r} has no filter {filter_id}")
    return found


async def add_filter(
    store: Store, destination_id: int, spec: FilterSpec, *, actor: Actor = CLI
) -> FilterRow:
    """Check and save a filter."""
    await destination_row(store, destination_id)
    spec = checked(spec)
    filter_id = await store.destinations.insert_filter(
        destination_id,
        spec.kind,
        spec.condition,
        spec.fields,
        spec.percent,
        spec.path,
        spec.title,
        spec.enabled,
        now_ms(),
        actor.audit("filter.create", _target(destination_id), None, _audit_fields(spec)),
    )
    return await _filter(store, destination_id, filter_id)


async def update_filter(
    store: Store, destination_id: int, filter_id: int, spec: FilterSpec, *, actor: Actor = CLI
) -> FilterRow:
    """Check `spec` and make it what the filter does (replacing its kind, condition,
    fields, percent, path, title and whether it is enabled)."""
    before = spec_of(await _filter(store, destination_id, filter_id))
    spec = checked(spec)
    audit = actor.audit(
        "filter.update",
        _target(destination_id, filter_id),
        _audit_fields(before),
        _audit_fields(spec),
    )
    updated = await store.destinations.update_filter(
        destination_id,
        filter_id,
        spec.kind,
        spec.condition,
        spec.fields,
        spec.percent,
        spec.path,
        spec.title,
        spec.enabled,
        now_ms(),
        audit,
    )
    if not updated:  # deleted meanwhile
        raise NotFound(f"destination {destination_id} has no filter {filter_id}")
    return await _filter(store, destination_id, filter_id)


async def list_filters(store: Store, destination_id: int) -> list[FilterRow]:
    """A destination's filters in the order they were created."""
    await destination_row(store, destination_id)
    return await store.destinations.filters(destination_id)


async def remove_filter(
    store: Store, destination_id: int, filter_id: int, *, actor: Actor = CLI
) -> None:
    before = spec_of(await _filter(store, destination_id, filter_id))
    audit = actor.audit("filter.delete", _target(destination_id, filter_id), _audit_fields(before))
    if not await store.destinations.delete_filter(destination_id, filter_id, now_ms(), audit):
        raise NotFound(f"destination {destination_id} has no filter {filter_id}")

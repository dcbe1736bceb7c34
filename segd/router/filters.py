"""Destination filters, as Segment defines them, applied in Segment's order.

A filter has a condition (FQL; empty or "all" matches every event) and a kind:

- ``sample``: keep `percent` (0..1) of the matching events, chosen deterministically
  from a hash of the field at `path` (default messageId), so a retried or replayed
  event is sampled the same way and sampling by userId keeps whole users;
- ``drop``: drop the matching events;
- ``only``: drop the events that do not match ("only send");
- ``drop_properties``: remove the listed fields (dotted paths such as
  ``properties.email`` or ``context.ip``) from the matching events;
- ``allow_properties``: in the matching events, keep only the listed fields of each
  object they name (``properties.total`` keeps `total` and removes every other
  property; objects not named are left alone).

Segment's order: every sample, then every drop (an "only send" is a drop), then every
drop-properties, then every allow-properties. Within a kind, filters run in the order
they were created.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segd.router import fql

KINDS = ("sample", "drop", "only", "drop_properties", "allow_properties")
_ORDER = {"sample": 0, "drop": 1, "only": 1, "drop_properties": 2, "allow_properties": 3}
_ALWAYS = ("", "all")


class FilterError(ValueError):
    """A filter that cannot be saved: `field` names the FilterSpec field at fault, and
    `position` is set when the condition is (the character the FQL error is at)."""

    def __init__(self, message: str, field: str, position: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.position = position


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """A destination filter as saved: what the admin API and the CLI create."""

    kind: str
    condition: str = ""
    fields: tuple[str, ...] = ()
    percent: float | None = None
    path: str = "messageId"
    title: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    spec: FilterSpec
    matches: fql.Predicate
    paths: tuple[tuple[str, ...], ...] = field(default=())


def compile_filter(spec: FilterSpec) -> CompiledFilter:
    """Check a filter and compile its condition.

    Raises:
        FilterError: an unknown kind, missing or bad fields, a bad percent, or an FQL
            error (with its position).
    """
    if spec.kind not in KINDS:
        raise FilterError(f"unknown filter kind {spec.kind!r} (kinds: {', '.join(KINDS)})", "kind")
    condition = spec.condition.strip()
    if condition.lower() in _ALWAYS:
        matches: fql.Predicate = _always
    else:
        try:
            matches = fql.parse(spec.condition)
        except fql.FqlError as exc:
            raise FilterError(f"condition: {exc}", "condition", exc.position) from exc
    paths: tuple[tuple[str, ...], ...] = ()
    if spec.kind == "sample":
        if spec.percent is None or not 0.0 <= spec.percent <= 1.0:
            raise FilterError("a sample filter needs a percent between 0 and 1", "percent")
        if not spec.path:
            raise FilterError("a sample filter needs a path to hash (such as messageId)", "path")
    elif spec.kind in ("drop_properties", "allow_properties"):
        if not spec.fields:
            raise FilterError(f"a {spec.kind} filter needs at least one field", "fields")
        paths = tuple(_field_path(name) for name in spec.fields)
    return CompiledFilter(spec, matches, paths)


def _always(event: Mapping[str, Any]) -> bool:
    return True


def _field_path(name: str) -> tuple[str, ...]:
    parts = tuple(name.split("."))
    if len(parts) < 2 or not all(parts):
        raise FilterError(
            f"field {name!r} must name an object and a key, such as properties.email", "fields"
        )
    return parts


def sample_score(value: Any) -> float:
    """A stable number in [0, 1) for a value: the same value always scores the same."""
    digest = hashlib.blake2b(repr(value).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def apply_filters(
    event: dict[str, Any], filters: Sequence[CompiledFilter]
) -> dict[str, Any] | None:
    """The event as the destination should get it, or None when a filter drops it.

    `event` is not modified; a changed event is a copy. Filters must be sorted with
    `in_segment_order`.
    """
    for compiled in filters:
        spec = compiled.spec
        if not spec.enabled or not compiled.matches(event):
            if spec.enabled and spec.kind == "only":
                return None
            continue
        if spec.kind == "sample":
            key = _get(event, tuple(spec.path.split(".")))
            if sample_score(key) >= (spec.percent or 0.0):
                return None
        elif spec.kind == "drop":
            return None
        elif spec.kind == "drop_properties":
            event = _without(event, compiled.paths)
        elif spec.kind == "allow_properties":
            event = _keeping(event, compiled.paths)
    return event


def in_segment_order(filters: Sequence[CompiledFilter]) -> list[CompiledFilter]:
    """Sample, drop (and only), drop properties, allow properties; stable within a kind."""
    return sorted(filters, key=lambda f: _ORDER[f.spec.kind])


def _get(event: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _without(event: dict[str, Any], paths: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    result = copy.deepcopy(event)
    for path in paths:
        parent = _get(result, path[:-1])
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return result


def _keeping(event: dict[str, Any], paths: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    result = dict(event)
    by_object: dict[str, list[tuple[str, ...]]] = {}
    for path in paths:
        by_object.setdefault(path[0], []).append(path[1:])
    for name, kept in by_object.items():
        original = event.get(name)
        if not isinstance(original, dict):
            continue
        subset: dict[str, Any] = {}
        for rest in kept:
            value = _get(original, rest)
            if value is None and not _has(original, rest):
                continue
            target = subset
            for key in rest[:-1]:
                target = target.setdefault(key, {})
            target[rest[-1]] = copy.deepcopy(value)
        result[name] = subset
    return result


def _has(obj: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    parent = _get(obj, path[:-1])
    return isinstance(parent, Mapping) and path[-1] in parent

"""Destinations as the Admin API serves them, over the core functions the CLI uses too
(segd.destinations_core): what a caller may see, what the policy needs to know of the
destination a call is about, and a nudge to the router after each change so that it
takes effect at once rather than at the next periodic reload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from google.protobuf.message import Message

from segd import destinations_core as core
from segd.admin.policy import NO_DESTINATION, Rule
from segd.admin.roles import DestinationScope, Need, Principal
from segd.destinations.base import Destination
from segd.store import Store

T = TypeVar("T")


class Destinations:
    def __init__(
        self,
        store: Store,
        changed: Callable[[], None],
        data_dir: Path,
        running_plugin: Callable[[int], Destination | None] = lambda _: None,
    ) -> None:
        """`changed` is called after every change (the router's `wake`); `data_dir` is
        where a warehouse's relative DuckDB path lives, as for the router;
        `running_plugin` gives a destination's plugin while the router runs it."""
        self.store = store
        self._changed = changed
        self.data_dir = data_dir
        self.running_plugin = running_plugin

    async def change(self, operation: Awaitable[T]) -> T:
        """Await a core function that changes destinations, then tell the router."""
        try:
            return await operation
        finally:
            # Also after a failure: a change may have been made before it.
            self._changed()

    async def readable(self, caller: Principal) -> list[core.DestinationInfo]:
        """The destinations the caller may see."""
        return [
            info
            for info in await core.list_destinations(self.store)
            if caller.allows_destination(
                Need.DESTINATION_READ,
                DestinationScope(frozenset(info.source_ids), warehouse=info.is_warehouse),
            )
        ]

    async def scope_of(self, rule: Rule, request: Message) -> DestinationScope:
        """What the policy needs to know of the destination a call under `rule` is about:
        the current sources and category of the one it names, or the category of the
        plugin it creates one of (the sources the request names, the policy reads)."""
        if rule.destination_field is not None:
            destination_id = int(getattr(request, rule.destination_field))
            sources, type_name = await core.sources_and_type(self.store, destination_id)
            return DestinationScope(sources, warehouse=core.is_warehouse_type(type_name))
        if rule.plugin_field is not None:
            type_name = str(getattr(request, rule.plugin_field))
            return DestinationScope(warehouse=core.is_warehouse_type(type_name))
        return NO_DESTINATION

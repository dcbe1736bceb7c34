"""Destinations as the Admin API serves them, over the core functions the CLI uses too
(segd.destinations_core): what a caller may see, and a nudge to the router after each
change so that it takes effect at once rather than at the next periodic reload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from segd import destinations_core as core
from segd.admin.roles import Need, Principal
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
            if caller.allows_sources(Need.DESTINATION_READ, info.source_ids)
        ]

    async def sources_of(self, destination_id: int) -> frozenset[int]:
        return await core.sources_of(self.store, destination_id)

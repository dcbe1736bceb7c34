"""What the workspace sees of its data: the debugger, the schema, Getting Started."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from segd.admin.getting_started import Facts, TaskGroup, checklist
from segd.api.v1 import event_pb2
from segd.debugger import DebuggerHub, DebugItem, Skipped, TailFilter
from segd.destinations.base import Category
from segd.errors import InvalidRequest, NotFound
from segd.router import registry
from segd.schema.observe import DAY_MS
from segd.store import Store
from segd.store.schema import SourceSchema
from segd.workspace import now_ms

DEBUGGER_OPENED = "debugger_opened_at"
WAREHOUSE = Category.WAREHOUSE
DEFAULT_SEARCH_RESULTS = 50
MAX_SEARCH_RESULTS = 500
MAX_QUERY_CHARS = 200


class Insight:
    def __init__(self, store: Store, debugger: DebuggerHub, search_scan_events: int) -> None:
        self._store = store
        self._debugger = debugger
        self._search_scan = search_scan_events

    async def _live_source(self, source_id: int) -> None:
        if await self._store.workspace.source(source_id) is None:
            raise NotFound(f"no source with id {source_id}")

    async def tail(
        self, source_id: int, recent: int, types: Collection[int], names: Collection[str]
    ) -> AsyncIterator[DebugItem | Skipped]:
        """The debugger stream of a source: up to `recent` latest events, then live ones."""
        await self._live_source(source_id)
        if recent < 0:
            raise InvalidRequest("recent must not be negative")
        await self._store.workspace.set_fact_once(DEBUGGER_OPENED, now_ms())
        wants = TailFilter(frozenset(types), frozenset(names))
        return self._debugger.tail(source_id, min(recent, self._debugger.ring_size), wants)

    async def search(self, source_id: int, query: str, limit: int) -> tuple[list[DebugItem], int]:
        """Stored events matching `query`, newest first, and how many events were searched."""
        await self._live_source(source_id)
        query = query.strip()
        if not query:
            raise InvalidRequest("a search needs a query")
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidRequest(f"the query is longer than {MAX_QUERY_CHARS} characters")
        if not 0 <= limit <= MAX_SEARCH_RESULTS:
            raise InvalidRequest(f"limit must be between 0 (the default) and {MAX_SEARCH_RESULTS}")
        found, scanned = await self._store.log.search(
            source_id, query, self._search_scan, limit or DEFAULT_SEARCH_RESULTS
        )
        return [DebugItem.from_stored(e) for e in found], scanned

    async def schema(self, source_id: int) -> SourceSchema:
        """The source's schema, with the log position it is up to date with."""
        await self._live_source(source_id)
        return await self._store.schema.source_schema(source_id, now_ms() // DAY_MS)

    async def getting_started(self) -> list[TaskGroup]:
        store = self._store
        sources = [s.id for s in await store.workspace.list_sources()]
        names, keys = await store.schema.names_and_keys(sources, event_pb2.EVENT_TYPE_TRACK)
        destinations = await store.destinations.load_all()
        plugins = registry.installed()
        warehouses = [
            d for d in destinations if d.type in plugins and plugins[d.type].category is WAREHOUSE
        ]
        facts = Facts(
            members=len(await store.access.members()),
            invites=len(await store.invites.get()),
            sources=len(sources),
            types_seen=frozenset(await store.schema.types_seen(sources)),
            track_names=frozenset(names),
            track_property_keys=frozenset(keys),
            debugger_opened=await store.workspace.fact(DEBUGGER_OPENED) is not None,
            destinations=len(destinations),
            warehouses=len(warehouses),
        )
        return checklist(facts)

"""The router: one worker per enabled destination, kept in step with the database.

Destinations are configured in the database (by the CLI or the admin API, possibly
from another process), so the router reloads them periodically, and at once when the
daemon's own Admin API changes one (`wake`): a new or re-enabled
destination gets a worker, a changed one (any change bumps its version) gets a fresh
worker, a disabled or deleted one is drained and stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic
import structlog

from segd.config import RouterConfig
from segd.destinations.base import Destination
from segd.errors import ConfigError
from segd.router import registry
from segd.router.filters import FilterError, FilterSpec, compile_filter, in_segment_order
from segd.router.selection import Route
from segd.router.worker import Worker, WorkerSpec
from segd.store import DestinationRow, FilterRow, Store

log = structlog.get_logger(__name__)

#: A destination that failed to start is tried again after this long (or when it changes).
RESTART_FAILED_SECONDS = 30.0


def filter_spec(row: FilterRow) -> FilterSpec:
    return FilterSpec(
        row.kind, row.condition, row.fields, row.percent, row.path, row.title, row.enabled
    )


class Router:
    def __init__(self, store: Store, config: RouterConfig, data_dir: Path | None = None) -> None:
        self._store = store
        self._config = config
        self._data_dir = data_dir
        self._workers: dict[int, Worker] = {}
        #: destination id → (version that failed, monotonic time to try again)
        self._failed: dict[int, tuple[int, float]] = {}
        self._slugs: dict[int, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()

    def notify_committed(self, committed: Sequence[Any]) -> None:
        """The log writer's on_commit hook: wake the workers (cheap; called per commit)."""
        for worker in self._workers.values():
            worker.notify()

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._reload_loop(), name="router-reload")

    async def stop(self) -> None:
        """Stop reloading, drain every worker at once, close their plugins."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        async with self._lock:
            workers, self._workers = list(self._workers.values()), {}
            await asyncio.gather(*(w.stop(self._config.drain_seconds) for w in workers))

    def wake(self) -> None:
        """Reload now rather than at the next period: the daemon itself changed a
        destination (changes from another process wait for the period)."""
        self._wake.set()

    async def _reload_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._config.reload_seconds)
            self._wake.clear()
            try:
                await self.reload()
            except Exception:
                log.exception("router.reload_failed")

    def plugin(self, destination_id: int) -> Destination | None:
        """The plugin instance delivering to this destination now, if it runs."""
        worker = self._workers.get(destination_id)
        return worker.plugin if worker is not None else None

    @property
    def running(self) -> dict[str, int]:
        """name → version of the destinations with a worker."""
        return {w.spec.name: w.spec.version for w in self._workers.values()}

    async def reload(self) -> None:
        async with self._lock:
            sources = await self._store.workspace.list_sources()
            self._slugs = {source.id: source.slug for source in sources}
            rows = {row.id: row for row in await self._store.destinations.load_all()}
            filters: dict[int, list[FilterRow]] = {}
            for filter_row in await self._store.destinations.filters():
                filters.setdefault(filter_row.destination_id, []).append(filter_row)
            wanted = {i: row for i, row in rows.items() if row.enabled}
            stale = [
                worker
                for i, worker in self._workers.items()
                if i not in wanted or wanted[i].version != worker.spec.version
            ]
            for worker in stale:
                del self._workers[worker.spec.destination_id]
            await asyncio.gather(*(w.stop(self._config.drain_seconds) for w in stale))
            for i, row in wanted.items():
                if i not in self._workers and self._may_start(row):
                    await self._start(row, filters.get(i, []))

    def _may_start(self, row: DestinationRow) -> bool:
        failed = self._failed.get(row.id)
        return failed is None or failed[0] != row.version or time.monotonic() >= failed[1]

    async def _start(self, row: DestinationRow, filter_rows: list[FilterRow]) -> None:
        bound = log.bind(destination=row.name, type=row.type)
        try:
            plugin_class = registry.plugin(row.type)
            plugin = plugin_class(plugin_class.Settings.model_validate(row.settings))
            plugin.data_dir = self._data_dir
            compiled = in_segment_order([compile_filter(filter_spec(f)) for f in filter_rows])
            route = Route(plugin_class.display_name, frozenset(row.source_ids), compiled)
            worker = Worker(
                WorkerSpec(row.id, row.name, row.version, route),
                plugin,
                self._store,
                self._config,
                self._slug,
            )
            await worker.start()
        except (ConfigError, pydantic.ValidationError, FilterError) as exc:
            bound.error("destination.invalid", error=str(exc))
            self._failed[row.id] = (row.version, time.monotonic() + RESTART_FAILED_SECONDS)
            return
        except Exception as exc:
            bound.exception("destination.failed_to_start", error=str(exc))
            self._failed[row.id] = (row.version, time.monotonic() + RESTART_FAILED_SECONDS)
            return
        self._failed.pop(row.id, None)
        self._workers[row.id] = worker

    def _slug(self, source_id: int) -> str:
        return self._slugs.get(source_id, "")

"""The warehouse destination: Segment's warehouse tables in DuckDB or PostgreSQL.

Each `send_batch` is one load, committed before it returns: the events of a batch are
reported delivered only once they are in the warehouse. The sync interval (a load
every minute or every 10,000 events, whichever comes first) is therefore this
destination's batching, which the router applies: the settings redeclare the router's
`batch_max_wait_seconds` (60) and `batch_size` (10,000). The event log is already a
durable buffer, so the router waits and hands over a full batch rather than the plugin
holding events in memory that it could not yet acknowledge. A load that fails
(warehouse unreachable, DuckDB file held by another process) fails the whole batch as
retryable, and the redelivery is idempotent (every table is keyed by `id`). Loads run
in a child process (segd.warehouse.worker), away from the daemon's interpreter lock.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import structlog
from pydantic import Field, SecretStr, field_validator, model_validator

from segd.destinations.base import (
    BatchResult,
    Category,
    Destination,
    DestinationSettings,
    Failure,
    OutboundEvent,
)
from segd.errors import ConfigError
from segd.warehouse import LoadReport, SyncStatus, WarehouseError
from segd.warehouse.naming import is_plain_identifier
from segd.warehouse.worker import LoaderProcess, Target

log = structlog.get_logger(__name__)

DEFAULT_DUCKDB_FILE = "warehouse.duckdb"
MAX_ERROR_CHARS = 500


class WarehouseSettings(DestinationSettings):
    """Where the warehouse is and how often it is loaded."""

    backend: Literal["duckdb", "postgres"] = Field(
        "duckdb", description="duckdb: a file in the data directory; postgres: a server."
    )
    duckdb_path: str = Field(
        DEFAULT_DUCKDB_FILE,
        description="The DuckDB file; a relative path is inside segd's data directory.",
    )
    postgres_url: SecretStr | None = Field(
        None,
        description="postgresql://user:password@host:5432/database (backend postgres).",
    )
    state_schema: str = Field(
        "_segd",
        description="Schema for segd's bookkeeping (sync status) inside the warehouse.",
    )
    # The sync interval: the router hands over a batch when this many events wait, or
    # when the oldest has waited this long (these redeclare the router's defaults).
    batch_size: int = Field(
        10_000,
        ge=1,
        le=10_000,
        title="Sync size",
        description="Load as soon as this many events wait.",
    )
    batch_max_wait_seconds: float = Field(
        60.0,
        ge=0.0,
        le=3600.0,
        title="Sync interval",
        description="Load at least this often (seconds) while events wait.",
    )

    @field_validator("state_schema")
    @classmethod
    def _plain_schema(cls, value: str) -> str:
        if not is_plain_identifier(value):
            raise ValueError(
                "must be lower-case letters, digits and underscores, not starting with a digit"
            )
        return value

    @field_validator("postgres_url")
    @classmethod
    def _postgres_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL")
        return value

    @model_validator(mode="after")
    def _backend_is_complete(self) -> WarehouseSettings:
        if self.backend == "postgres" and self.postgres_url is None:
            raise ValueError("postgres_url is required when backend is postgres")
        if self.backend == "duckdb" and not self.duckdb_path.strip():
            raise ValueError("duckdb_path must name a file")
        return self


def make_target(settings: WarehouseSettings, data_dir: Path | None) -> Target:
    """Where the settings say the warehouse is; a relative DuckDB path is in `data_dir`.

    Raises:
        ConfigError: the DuckDB path is relative and there is no data directory.
    """
    if settings.backend == "postgres":
        assert settings.postgres_url is not None  # checked by the settings model
        return Target("postgres", settings.postgres_url.get_secret_value())
    path = Path(settings.duckdb_path).expanduser()
    if not path.is_absolute():
        if data_dir is None:
            raise ConfigError(
                f"duckdb_path {settings.duckdb_path!r} is relative and no data directory"
                " was given to resolve it"
            )
        path = data_dir / path
    return Target("duckdb", str(path))


def _error_text(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, WarehouseError) else f"{type(exc).__name__}: {exc}"
    return text.strip()[:MAX_ERROR_CHARS]


class Warehouse(Destination):
    """Loads events into Segment's warehouse layout, one schema per source."""

    name = "warehouse"
    display_name = "Data Warehouse"
    category = Category.WAREHOUSE
    description = "Segment-compatible warehouse tables in DuckDB (embedded) or PostgreSQL."
    Settings = WarehouseSettings

    def __init__(self, settings: DestinationSettings, data_dir: Path | None = None) -> None:
        super().__init__(settings)
        assert isinstance(settings, WarehouseSettings)
        self._settings = settings
        # Where a relative DuckDB path lives: the router sets data_dir before open().
        self.data_dir = data_dir
        self._loader: LoaderProcess | None = None
        # One thread waits on the loader process: requests never overlap, even when
        # the caller of one was cancelled.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse")
        where = f"duckdb {settings.duckdb_path}" if settings.backend == "duckdb" else "postgres"
        self._status = SyncStatus(where)
        self._log = log.bind(destination=self.name)

    def _process(self) -> LoaderProcess:
        if self._loader is None:
            target = make_target(self._settings, self.data_dir)
            where = target.open().describe()
            self._loader = LoaderProcess(target)
            self._status = replace(self._status, warehouse=where)
            self._log = log.bind(destination=self.name, warehouse=where)
        return self._loader

    async def _request(self, operation: str, *args: Any) -> Any:
        loader = self._process()
        loop = asyncio.get_running_loop()
        call = functools.partial(loader.request, operation, *args)
        return await loop.run_in_executor(self._executor, call)

    def _failed(self, exc: BaseException) -> str:
        message = _error_text(exc)
        self._status = replace(self._status, last_error=message, last_error_at=datetime.now(UTC))
        return message

    async def open(self) -> None:
        """Read the warehouse's bookkeeping; an unreachable warehouse is not fatal here."""
        await self._refresh_state()

    async def _refresh_state(self) -> None:
        try:
            state = await self._request("state", self._settings.state_schema)
        except Exception as exc:
            self._log.warning("warehouse.unreachable", error=self._failed(exc))
            return
        self._status = replace(self._status, state=state)

    async def send_batch(self, events: Sequence[OutboundEvent]) -> BatchResult:
        """Load the batch in one transaction; returns once it has committed."""
        failures: dict[int, Failure] = {}
        items: list[tuple[str, Any]] = []
        positions: list[int] = []
        for index, event in enumerate(events):
            if is_plain_identifier(event.source_slug):
                items.append((event.source_slug, dict(event.body)))
                positions.append(index)
            else:
                failures[index] = Failure(
                    False, f"source slug {event.source_slug!r} is not a usable schema name"
                )
        if not items:
            return BatchResult(failures)
        now = datetime.now(UTC)
        try:
            report: LoadReport = await self._request(
                "load", items, now, self._settings.state_schema
            )
        except Exception as exc:
            message = self._failed(exc)
            self._log.warning("warehouse.load_failed", events=len(items), error=message)
            return BatchResult({**{i: Failure(True, message) for i in positions}, **failures})
        for position, reason in report.rejected.items():
            failures[positions[position]] = Failure(False, reason)
        if report.state is not None:
            self._status = replace(self._status, state=report.state)
        self._log.info(
            "warehouse.loaded",
            events=report.events,
            rows=sum(report.rows.values()),
            tables=len(report.rows),
            discards=report.discards,
            rejected=len(report.rejected),
            seconds=round((datetime.now(UTC) - now).total_seconds(), 3),
        )
        return BatchResult(failures)

    async def sync_status(self) -> SyncStatus:
        """Last sync time, rows loaded per table, discards and the last error."""
        if self._status.state.syncs == 0:
            # Nothing loaded by this process yet: the warehouse may know more.
            await self._refresh_state()
        return self._status

    async def healthcheck(self) -> str | None:
        try:
            await self._request("ping")
        except Exception as exc:
            return _error_text(exc)
        return None

    async def close(self) -> None:
        try:
            if self._loader is not None:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._executor, self._loader.close)
        finally:
            self._executor.shutdown(wait=False)


async def read_sync_status(settings: WarehouseSettings, data_dir: Path | None) -> SyncStatus:
    """The sync status of a warehouse from its own bookkeeping, in any process.

    For callers without the running destination (the CLI, the admin API in another
    process); `last_error` then says only whether the warehouse could be read now.
    """
    plugin = Warehouse(settings, data_dir)
    try:
        return await plugin.sync_status()
    finally:
        await plugin.close()

"""The composition root: builds everything the daemon runs and tears it down in order."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import ssl
import time
from collections.abc import Awaitable, Callable

import grpc
import structlog

from segd import systemd
from segd.admin.core import AdminCore
from segd.collector import Collector
from segd.config import Config
from segd.debugger import DebuggerHub
from segd.normalize_pool import NormalizePool
from segd.router import Router
from segd.schema.process import SchemaProcess
from segd.server import tls
from segd.server.admin import AdminService
from segd.server.collector import CollectorService
from segd.server.grpc_server import GrpcServer
from segd.server.http import HttpServer
from segd.store import Store
from segd.workspace import SourceDirectory
from segd.writer import DiskGuard, Entry, LogWriter

log = structlog.get_logger(__name__)

SOURCE_REFRESH_SECONDS = 2.0
RETENTION_CHECK_SECONDS = 3600.0
#: After a restart the debugger starts from the newest of this many logged events.
DEBUGGER_PRELOAD_EVENTS = 20_000


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Serve until SIGTERM or SIGINT, then shut down gracefully."""
        config = self.config
        # TLS files are read first: a wrong one stops the daemon before anything starts.
        grpc_tls = tls.grpc_credentials(
            config.grpc.tls_cert, config.grpc.tls_key, config.grpc.tls_client_ca
        )
        http_tls = tls.http_context(config.http.tls_cert, config.http.tls_key)
        store = await Store.open(config.data_dir, config.storage.durability)
        try:
            await self._serve(store, grpc_tls, http_tls)
        finally:
            await store.close()

    async def _serve(
        self,
        store: Store,
        grpc_tls: grpc.ServerCredentials | None,
        http_tls: ssl.SSLContext | None,
    ) -> None:
        config = self.config
        sources = SourceDirectory(store)
        await sources.refresh()
        disk = DiskGuard(config.data_dir, config.storage.min_free_bytes)
        router = Router(store, config.router, config.data_dir)
        # The schema consumer works in a child process of its own (see segd.schema.process).
        schema = SchemaProcess(config.data_dir, config.log.level, config.log.format)

        def committed(stored: list[tuple[int, Entry]]) -> None:
            router.notify_committed(stored)
            schema.notify()

        writer = LogWriter(
            store,
            disk,
            config.storage.max_group_events,
            config.storage.max_pending_events,
            on_commit=committed,
        )
        await writer.start()
        await router.start()
        debugger = DebuggerHub(config.debugger.ring_size, config.debugger.subscriber_buffer)
        debugger.preload(await store.log.recent(DEBUGGER_PRELOAD_EVENTS))
        pool = NormalizePool(config.grpc.normalize_workers, config.limits)
        pool.start()
        collector = Collector(
            sources,
            writer,
            config.limits,
            debugger=debugger,
            pool=pool if config.grpc.normalize_workers else None,
        )
        admin = AdminCore(
            store,
            config,
            sources,
            debugger,
            lambda: server.address,
            lambda: http.address if http is not None else None,
            destinations_changed=router.wake,
            running_plugin=router.plugin,
        )
        server = GrpcServer(
            config.grpc, config.limits, CollectorService(collector), AdminService(admin), grpc_tls
        )
        await server.start()
        http = (
            HttpServer(config.http, config.limits, collector, ssl_context=http_tls)
            if config.http.enabled
            else None
        )
        if http is not None:
            try:
                await http.start()
            except BaseException:
                await server.stop()
                await pool.close()
                await writer.close()
                await router.stop()
                raise
        self._tasks = [
            asyncio.create_task(self._every(SOURCE_REFRESH_SECONDS, sources.refresh)),
            asyncio.create_task(self._every(RETENTION_CHECK_SECONDS, lambda: prune(store, config))),
        ]
        schema.start()
        # What start-up made lives as long as the daemon: move it out of the collector's
        # sight, so that the full collections that sends trigger scan only what came
        # after.
        gc.freeze()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stopping.set)
        log.info(
            "segd.listening",
            grpc=server.address,
            http=http.address if http is not None else None,
            data_dir=str(config.data_dir),
            durability=config.storage.durability,
            grpc_tls=tls.mode(config.grpc.tls_cert, config.grpc.tls_client_ca),
            http_tls=tls.mode(config.http.tls_cert),
            first_event=(
                f"segd source list --data-dir {config.data_dir}  # shows write keys; then: "
                f"segd send track 'Hello' --user-id u1 --write-key KEY --addr {server.address}"
            ),
        )
        systemd.notify("READY=1")
        await self._stopping.wait()

        log.info("segd.stopping", grace_seconds=config.grpc.shutdown_grace_seconds)
        systemd.notify("STOPPING=1")
        # Debugger streams never end by themselves: end them so they do not hold the grace.
        debugger.close()
        # Both doors stop taking requests and drain theirs before the writer closes. The
        # schema process stops meanwhile, first of all so that none is started again if
        # it dies now (systemd signals every process of the unit); what it has not seen
        # yet, the next one takes from its cursor.
        await asyncio.gather(
            server.stop(), *([http.stop()] if http is not None else []), schema.close()
        )
        await pool.close()
        await writer.close()
        await router.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.log.checkpoint()
        log.info("segd.stopped")

    def stop(self) -> None:
        self._stopping.set()

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except Exception:
                log.exception("segd.periodic_job_failed")
            await asyncio.sleep(seconds)


async def prune(store: Store, config: Config) -> int:
    """Delete events past the retention window, and their deduplication keys."""
    cutoff_ms = (time.time_ns() // 1_000_000) - config.storage.retention_days * 86_400_000
    first_kept = await store.log.first_seq_received_since(cutoff_ms)
    if first_kept is None:
        return 0
    deleted = await store.log.prune_before(first_kept)
    if deleted:
        await store.dedup.forget_before(first_kept)
        log.info("retention.pruned", events=deleted, first_kept_seq=first_kept)
    return deleted

"""Loads run in a child process, so that their CPU work never holds the daemon's GIL.

Planning a batch and encoding its rows is Python work; inside the daemon's process it
competes with the collector and the router for the interpreter lock (measured with
bench.warehouse: ingest fell to a fifth of its rate while a warehouse loaded). The
child owns the warehouse connection and serves one request at a time over a pipe;
the parent waits for the answer on a thread, so its event loop stays free. A child
that dies (killed, out of memory) fails the request it was serving as retryable, and
the next request starts a new one.

Children are forked from a fork server that has the loader imported already, so
starting one is cheap and never forks the daemon's own threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from segd import children
from segd.warehouse.backend import Backend, WarehouseError, WarehouseUnavailable
from segd.warehouse.loader import load, read_state

#: Seconds a child gets to finish its work and close its connection on close().
CLOSE_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Target:
    """Where a warehouse is, in a form that can be handed to a child process."""

    backend: str  # "duckdb" or "postgres"
    #: The DuckDB file, or the PostgreSQL URL (with its password).
    location: str

    def open(self) -> Backend:
        """The backend object (it connects on first use)."""
        if self.backend == "postgres":
            from segd.warehouse.postgres_backend import PostgresBackend

            return PostgresBackend(self.location)
        from segd.warehouse.duckdb_backend import DuckDBBackend

        return DuckDBBackend(Path(self.location))


def _ping(backend: Backend) -> None:
    with backend.transaction():
        backend.fetch("SELECT 1")


def _state(backend: Backend, state_schema: str) -> Any:
    with backend.transaction():
        return read_state(backend, state_schema)


_OPERATIONS: dict[str, Callable[..., Any]] = {"load": load, "state": _state, "ping": _ping}


def serve(conn: Connection, target: Target) -> None:
    """The child's loop: (operation, args) in, ("ok", result) or ("error", ...) out."""
    backend = target.open()
    try:
        while True:
            try:
                operation, args = conn.recv()
            except EOFError:  # the parent is gone
                return
            if operation == "close":
                return
            try:
                answer: tuple[str, Any] = ("ok", _OPERATIONS[operation](backend, *args))
            except Exception as exc:
                text = (
                    str(exc) if isinstance(exc, WarehouseError) else f"{type(exc).__name__}: {exc}"
                )
                answer = ("error", (text, isinstance(exc, WarehouseUnavailable)))
            conn.send(answer)
    finally:
        backend.close()


class LoaderProcess:
    """The parent's side: one child, one request at a time. Methods block."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self._process: Any = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        context = children.context()
        parent: Connection
        child: Connection
        parent, child = context.Pipe()
        process = context.Process(
            target=serve, args=(child, self._target), name="segd-warehouse", daemon=True
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        return parent

    def request(self, operation: str, *args: Any) -> Any:
        """Run `operation` in the child and return its result.

        Raises:
            WarehouseUnavailable: the warehouse cannot be reached, or the child died.
            WarehouseError: the operation failed in the child.
        """
        conn = self._conn if self._process is not None and self._process.is_alive() else None
        if conn is None:
            self._stop()
            conn = self._start()
        try:
            conn.send((operation, args))
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            code = self._process.exitcode if self._process is not None else None
            self._stop()
            raise WarehouseUnavailable(f"the warehouse loader process died (exit {code})") from exc
        if status == "error":
            text, unavailable = value
            raise WarehouseUnavailable(text) if unavailable else WarehouseError(text)
        return value

    def close(self) -> None:
        """Ask the child to finish and close its connection; kill it if it will not."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(("close", ()))
        self._stop(CLOSE_TIMEOUT_SECONDS)

    def _stop(self, timeout: float = 0.0) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join()
        if conn is not None:
            conn.close()

"""DuckDB: the embedded default, one file in the data directory.

The file is opened for each load and closed after it, so that between syncs people
can open it with the duckdb CLI or any DuckDB client to query (DuckDB lets one
process write a file at a time). A load that finds the file held by another process
fails as retryable and is tried again later.

segd's own processes take turns instead: each transaction holds a lock file beside the
DuckDB file (`<file>.lock`) while it has the file open, so the CLI's status read and
the daemon's load wait for each other rather than fail.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import filelock

from segd.warehouse.backend import Backend, WarehouseUnavailable, qualified
from segd.warehouse.naming import quote
from segd.warehouse.plan import TableRef
from segd.warehouse.types import Kind

#: Seconds a transaction waits for another segd process to let go of the file: longer
#: than a load takes, short enough that a stuck process shows as an error.
LOCK_TIMEOUT_SECONDS = 60.0


def _iso_time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBBackend(Backend):
    placeholder = "?"
    type_names = {
        Kind.TIMESTAMP: "TIMESTAMPTZ",
        Kind.INTEGER: "BIGINT",
        Kind.FLOAT: "DOUBLE",
        Kind.BOOLEAN: "BOOLEAN",
        Kind.TEXT: "VARCHAR",
    }

    def __init__(self, path: Path, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.path = path
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._lock = filelock.FileLock(f"{path}.lock", timeout=lock_timeout)

    def describe(self) -> str:
        return f"duckdb {self.path}"

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = duckdb.connect(str(self.path))
            except (duckdb.Error, OSError) as exc:
                raise WarehouseUnavailable(f"cannot open {self.path}: {exc}") from exc
            # Timestamps come back in UTC, whatever the machine's zone.
            conn.execute("SET TimeZone = 'UTC'")
            self._conn = conn
        return self._conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._turn():
            conn = self._connection()
            try:
                conn.execute("BEGIN TRANSACTION")
                try:
                    yield
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                # Let go of the file between loads so that people can open it to query.
                self.close()

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """Hold the lock file while the DuckDB file is open (see the module's docstring)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except filelock.Timeout as exc:
            raise WarehouseUnavailable(
                f"{self.path} stayed in use by another segd process for {self._lock.timeout:g} s"
            ) from exc
        except OSError as exc:
            raise WarehouseUnavailable(f"cannot lock {self.path}: {exc}") from exc
        try:
            yield
        finally:
            self._lock.release()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._connection().execute(sql, list(params))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._connection().execute(sql, list(params)).fetchall()

    def insert_rows(
        self,
        ref: TableRef,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[Mapping[str, Any]],
        conflict: str,
    ) -> int:
        if not rows:
            return 0
        # The rows go through a newline-delimited JSON file that DuckDB's own reader
        # parses and types: about twice as fast as handing it Python values, whose
        # conversion costs a Python call each. Absent keys are read as NULL.
        encode = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=_iso_time
        ).encode
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".ndjson") as staged:
            staged.write("\n".join(encode(row) for row in rows))
            staged.flush()
            names = ", ".join(quote(name) for name, _ in columns)
            spec = ", ".join(
                f"{_literal(name)}: {_literal(self.sql_type(kind))}" for name, kind in columns
            )
            sql = (
                f"INSERT INTO {qualified(ref)} AS t ({names}) SELECT {names}"
                f" FROM read_json(?, format = 'newline_delimited', columns = {{{spec}}})"
                f" {conflict}"
            )
            result = self._connection().execute(sql, [staged.name]).fetchone()
        return int(result[0]) if result else 0

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

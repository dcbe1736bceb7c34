"""DuckDB: the embedded default, one file in the data directory.

The file is opened for each load and closed after it, so that between syncs people
can open it with the duckdb CLI or any DuckDB client to query (DuckDB lets one
process write a file at a time). A load that finds the file held by another process
fails as retryable and is tried again later.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from segd.warehouse.backend import Backend, WarehouseUnavailable
from segd.warehouse.plan import TableRef
from segd.warehouse.types import Kind


class DuckDBBackend(Backend):
    placeholder = "?"
    type_names = {
        Kind.TIMESTAMP: "TIMESTAMPTZ",
        Kind.INTEGER: "BIGINT",
        Kind.FLOAT: "DOUBLE",
        Kind.BOOLEAN: "BOOLEAN",
        Kind.TEXT: "VARCHAR",
    }

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: duckdb.DuckDBPyConnection | None = None

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

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._connection().execute(sql, list(params))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._connection().execute(sql, list(params)).fetchall()

    def insert_rows(
        self,
        ref: TableRef,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[tuple[Any, ...]],
        conflict: str,
    ) -> int:
        if not rows:
            return 0
        # One list per column, unnested side by side: DuckDB converts each list in
        # one go, many times faster than a statement per row.
        select = ", ".join(f"unnest(?::{self.sql_type(kind)}[])" for _, kind in columns)
        sql = f"{self.insert_head(ref, columns)} SELECT {select} {conflict}"
        params = [list(values) for values in zip(*rows, strict=True)]
        result = self._connection().execute(sql, params).fetchone()
        return int(result[0]) if result else 0

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

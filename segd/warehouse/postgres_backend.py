"""PostgreSQL: a warehouse reached by URL, loaded with COPY.

Rows are copied into a temporary staging table and moved into place with one
INSERT ... SELECT ... ON CONFLICT, which is what makes a reload idempotent; COPY is
several times faster than inserting rows one by one. The connection stays open
between loads and is opened again after it breaks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from segd.warehouse.backend import Backend, WarehouseUnavailable, qualified
from segd.warehouse.naming import quote
from segd.warehouse.plan import TableRef
from segd.warehouse.types import Kind

CONNECT_TIMEOUT_SECONDS = 10
_STAGE = "_segd_stage"


class PostgresBackend(Backend):
    placeholder = "%s"
    type_names = {
        Kind.TIMESTAMP: "TIMESTAMPTZ",
        Kind.INTEGER: "BIGINT",
        Kind.FLOAT: "DOUBLE PRECISION",
        Kind.BOOLEAN: "BOOLEAN",
        Kind.TEXT: "TEXT",
    }

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def describe(self) -> str:
        try:
            info = conninfo_to_dict(self._url)
        except psycopg.ProgrammingError:
            return "postgres (invalid URL)"
        host = info.get("host", "localhost")
        return f"postgres {host}:{info.get('port', 5432)}/{info.get('dbname', '')}"

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is not None and self._conn.closed:
            self._conn = None
        if self._conn is None:
            try:
                self._conn = psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
            except psycopg.Error as exc:
                raise WarehouseUnavailable(f"cannot connect to {self.describe()}: {exc}") from exc
        return self._conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        conn = self._connection()
        try:
            with conn.transaction():
                yield
        except psycopg.OperationalError:
            # The connection may be broken; the next load opens a fresh one.
            self.close()
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._connection().execute(sql, list(params))

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._connection().execute(sql, list(params))
        return cursor.fetchall()

    def insert_rows(
        self,
        ref: TableRef,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[Mapping[str, Any]],
        conflict: str,
    ) -> int:
        if not rows:
            return 0
        conn = self._connection()
        stage = quote(_STAGE)
        names = ", ".join(quote(name) for name, _ in columns)
        typed = ", ".join(f"{quote(name)} {self.sql_type(kind)}" for name, kind in columns)
        conn.execute(f"CREATE TEMPORARY TABLE {stage} ({typed}) ON COMMIT DROP")
        with conn.cursor().copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(name) for name, _ in columns])
        cursor = conn.execute(
            f"INSERT INTO {qualified(ref)} AS t ({names}) SELECT {names} FROM {stage} {conflict}"
        )
        count = cursor.rowcount
        conn.execute(f"DROP TABLE {stage}")
        return max(count, 0)

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

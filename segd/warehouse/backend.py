"""The small part of a warehouse that differs between databases.

A backend holds the connection, runs statements in one transaction at a time, and
bulk-inserts rows its own fastest way (DuckDB: column lists unnested in one
statement; PostgreSQL: COPY into a staging table). Everything else, the DDL and the
upserts included, is the same SQL on both and is written in segd/warehouse/loader.py.

Methods block: the destination runs them on its own worker thread, one at a time.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from segd.warehouse.naming import quote
from segd.warehouse.plan import TableRef
from segd.warehouse.types import Kind


class WarehouseError(Exception):
    """A warehouse operation failed; the message is written for people."""


class WarehouseUnavailable(WarehouseError):
    """The warehouse cannot be reached or opened now; trying again later may work."""


class Backend(abc.ABC):
    """One warehouse: a DuckDB file or a PostgreSQL database."""

    #: The parameter marker of the driver ("?" or "%s").
    placeholder: ClassVar[str]
    #: The SQL type of each column kind.
    type_names: ClassVar[Mapping[Kind, str]]

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the warehouse is, for people (never with a password)."""

    @abc.abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Connect if needed and run the block in one transaction.

        Commits when the block ends, rolls back when it raises.
        Raises:
            WarehouseUnavailable: the warehouse cannot be reached or opened.
        """

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    @abc.abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""

    @abc.abstractmethod
    def insert_rows(
        self,
        ref: TableRef,
        columns: Sequence[tuple[str, Kind]],
        rows: Sequence[Mapping[str, Any]],
        conflict: str,
    ) -> int:
        """INSERT INTO ref AS t (columns) <rows> <conflict>; returns rows inserted or updated.

        Each row maps column names to values; a column a row does not have is NULL.

        `conflict` is an ON CONFLICT clause that may refer to the table as `t` and to
        the new row as `excluded`.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Let go of the connection; a later transaction connects again."""

    # Shared helpers ------------------------------------------------------------------

    def sql_type(self, kind: Kind) -> str:
        return self.type_names[kind]


def qualified(ref: TableRef) -> str:
    return f"{quote(ref.schema)}.{quote(ref.name)}"

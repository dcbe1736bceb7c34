"""Helpers for warehouse tests: events as the router hands them over, and PostgreSQL.

Events are built as the collector stores them (normalised protobuf) and turned into
Segment JSON with segd.events.to_json, exactly what a destination receives.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from segd.api.v1 import event_pb2
from segd.config import Limits
from segd.destinations.base import OutboundEvent
from segd.destinations.warehouse import Warehouse, WarehouseSettings
from segd.events import to_json
from segd.normalize import normalize

POSTGRES_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)

_TYPES = {
    "identify": event_pb2.EVENT_TYPE_IDENTIFY,
    "track": event_pb2.EVENT_TYPE_TRACK,
    "page": event_pb2.EVENT_TYPE_PAGE,
    "screen": event_pb2.EVENT_TYPE_SCREEN,
    "group": event_pb2.EVENT_TYPE_GROUP,
    "alias": event_pb2.EVENT_TYPE_ALIAS,
}
_JSON_FIELDS = ("context", "properties", "traits", "integrations")


def event(kind: str, **fields: Any) -> event_pb2.Event:
    """A normalised event; JSON parts (properties, traits, context) given as dicts."""
    message = event_pb2.Event(type=_TYPES[kind])  # type: ignore[arg-type]
    for key, value in fields.items():
        if key in _JSON_FIELDS:
            value = json.dumps(value)
        setattr(message, key, value)
    rejection = normalize(message, time.time_ns(), Limits())
    assert rejection is None, rejection
    return message


def outbound(slug: str, events: list[event_pb2.Event], first_seq: int = 1) -> list[OutboundEvent]:
    """The events as the router would hand them to a destination."""
    return [
        OutboundEvent(
            seq=first_seq + i,
            source_id=1,
            source_slug=slug,
            message_id=e.message_id,
            received_at_ms=e.received_at.seconds * 1000 + e.received_at.nanos // 1_000_000,
            body=to_json(e),
        )
        for i, e in enumerate(events)
    ]


def unique_name(prefix: str) -> str:
    """A schema name no other test (or engineer sharing the database) is using."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def postgres_url() -> str:
    """A URL of the local PostgreSQL test database.

    Skips the test when no server answers, except under CI (CI=true), where a
    missing server is a failure: the tests must not pass by not running.
    """
    import psycopg

    errors = []
    for url in POSTGRES_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return url
        except psycopg.Error as exc:
            errors.append(f"{url}: {str(exc).strip()}")
    reason = "PostgreSQL at 127.0.0.1:5432 (database test) is unreachable: " + "; ".join(errors)
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def dropped_afterwards(url: str, *schemas: str) -> Iterator[None]:
    """Drop the schemas a test created in the shared test database, whatever happens."""
    import psycopg

    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


BACKENDS = ["duckdb", "postgres"]


@dataclass
class Target:
    """A warehouse for one test: its settings, source slug, and a way to query it."""

    settings: WarehouseSettings
    slug: str
    data_dir: Path
    url: str = ""

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.settings.backend == "postgres":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]
        import duckdb

        conn = duckdb.connect(str(self.data_dir / "warehouse.duckdb"), read_only=True)
        try:
            return conn.execute(sql, list(params)).fetchall()
        finally:
            conn.close()

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.query(sql, *params)
        assert len(rows) == 1, rows
        return rows[0][0]

    def plugin(self) -> Warehouse:
        return Warehouse(self.settings, data_dir=self.data_dir)


@pytest.fixture(params=BACKENDS, name="target")
def warehouse_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """A fresh warehouse: a DuckDB file in tmp_path, or new schemas in PostgreSQL.

    Import it into a test module to run each of its tests on both backends.
    """
    slug = unique_name("shop")
    if request.param == "duckdb":
        yield Target(WarehouseSettings(), slug, tmp_path)
        return
    url = postgres_url()
    state = unique_name("_segd")
    settings = WarehouseSettings(backend="postgres", postgres_url=url, state_schema=state)  # type: ignore[arg-type]
    with dropped_afterwards(url, slug, state):
        yield Target(settings, slug, tmp_path, url)


def send(plugin: Warehouse, batch: list[OutboundEvent]) -> dict[int, Any]:
    async def run() -> dict[int, Any]:
        await plugin.open()
        try:
            return (await plugin.send_batch(batch)).failures
        finally:
            await plugin.close()

    return asyncio.run(run())


CONTEXT = {"library": {"name": "analytics.js", "version": "5.0"}, "page": {"url": "https://shop/"}}


def first_batch() -> list[Any]:
    return [
        event(
            "identify",
            user_id="u1",
            traits={"email": "ada@example.com", "name": "Ada", "address": {"city": "Oslo"}},
            context=CONTEXT,
        ),
        event(
            "track",
            user_id="u1",
            event="Order Completed",
            properties={
                "orderId": "o-1",
                "revenue": 30,
                "products": [{"sku": "G-32"}, {"sku": "B-1"}],
                "shipping": {"method": "ups", "cost": 4.5},
            },
            context=CONTEXT,
        ),
        event("track", user_id="u1", event="Product Viewed", properties={"sku": "G-32"}),
        event("track", anonymous_id="a9", event="Order Completed", properties={"revenue": 12}),
        event("page", anonymous_id="a9", name="Home", properties={"title": "Shop"}),
        event("screen", user_id="u1", name="Cart", properties={"items": 2}),
        event("group", user_id="u1", group_id="g1", traits={"employeeCount": 40}),
        event("alias", user_id="u1", previous_id="a9"),
    ]


def second_batch() -> list[Any]:
    # Received clearly after the first batch (receivedAt has millisecond precision).
    time.sleep(0.005)
    return [
        # A property never seen before, and one that conflicts with its column's type.
        event(
            "track",
            user_id="u1",
            event="Order Completed",
            properties={"revenue": "lots", "coupon": "XMAS"},
        ),
        event("identify", user_id="u1", traits={"email": "ada@lovelace.org"}),
    ]


def load_in_child(settings_json: str, data_dir: str, batch_json: str, die_after_tables: int) -> int:
    """A child process's load of a batch that kills the process after some tables.

    The process ends with os._exit(17) right after the `die_after_tables`-th table
    is written, inside the load's transaction: a crash mid-load, as a power cut or
    SIGKILL would leave it. With 0 the load completes.
    """
    from datetime import UTC, datetime

    from segd.destinations.warehouse import make_target
    from segd.warehouse import load

    settings = WarehouseSettings.model_validate_json(settings_json)
    backend = make_target(settings, Path(data_dir)).open()
    insert = backend.insert_rows
    written = 0

    def insert_then_die(*args: Any) -> int:
        nonlocal written
        count = insert(*args)
        written += 1
        if written == die_after_tables:
            os._exit(17)
        return count

    backend.insert_rows = insert_then_die  # type: ignore[method-assign]
    items = [(slug, body) for slug, body in json.loads(batch_json)]
    load(backend, items, datetime.now(UTC), settings.state_schema)
    backend.close()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(load_in_child(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))

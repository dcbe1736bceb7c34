"""The warehouse destination against real DuckDB files and a real PostgreSQL.

Events are the collector's (normalised, then segd.events.to_json) and go through the
plugin's send_batch as the router calls it; the checks are plain SQL on the warehouse.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from segd.destinations.base import OutboundEvent
from segd.destinations.warehouse import Warehouse, WarehouseSettings, read_sync_status
from segd.warehouse.backend import WarehouseUnavailable
from segd.warehouse.duckdb_backend import DuckDBBackend
from tests.support.warehouse import (
    Target,
    event,
    first_batch,
    outbound,
    second_batch,
    send,
    warehouse_target,  # noqa: F401 - the `target` fixture: each test runs on both backends
)


def test_a_batch_of_every_call_lands_in_segments_layout(target: Target) -> None:
    one, two = first_batch(), second_batch()
    assert send(target.plugin(), outbound(target.slug, one)) == {}
    assert send(target.plugin(), outbound(target.slug, two, first_seq=100)) == {}
    s = target.slug

    assert target.scalar(f"select count(*) from {s}.order_completed") == 3
    assert target.scalar(f"select count(*) from {s}.product_viewed") == 1
    assert target.scalar(f"select count(*) from {s}.tracks") == 4
    assert target.query(
        f"select event, event_text from {s}.tracks where id = ?", one[1].message_id
    ) == [("order_completed", "Order Completed")]
    # Properties flattened and snake_cased, arrays as JSON text, context_ columns.
    order = target.query(
        f"select order_id, revenue, shipping_method, shipping_cost, products,"
        f" context_library_name, context_page_url, user_id from {s}.order_completed where id = ?",
        one[1].message_id,
    )
    assert order == [
        (
            "o-1",
            30,
            "ups",
            4.5,
            '[{"sku":"G-32"},{"sku":"B-1"}]',
            "analytics.js",
            "https://shop/",
            "u1",
        )
    ]
    # The property seen first in the second batch became a column.
    assert (
        target.scalar(f"select coupon from {s}.order_completed where id = ?", two[0].message_id)
        == "XMAS"
    )
    # users: one row per user with the latest traits, the older ones kept.
    assert target.query(f"select email, name, address_city from {s}.users where id = 'u1'") == [
        ("ada@lovelace.org", "Ada", "Oslo")
    ]
    assert target.scalar(f"select count(*) from {s}.identifies") == 2
    assert target.scalar(f"select title from {s}.pages") == "Shop"
    assert target.query(f"select name, items from {s}.screens") == [("Cart", 2)]
    assert target.query(f"select group_id, employee_count from {s}.groups") == [("g1", 40)]
    assert target.query(f"select previous_id, user_id from {s}.aliases") == [("a9", "u1")]
    # The value that did not fit is in discards, not silently dropped.
    assert target.query(
        f"select table_name, column_name, value, expected_type, event_id from {s}.discards"
    ) == [("order_completed", "revenue", '"lots"', "integer", two[0].message_id)]
    assert (
        target.scalar(f"select revenue from {s}.order_completed where id = ?", two[0].message_id)
        is None
    )

    # Timestamps are typed columns; uuid_ts is the load time.
    received = target.scalar(f"select received_at from {s}.tracks where id = ?", one[1].message_id)
    assert received.timestamp() == pytest.approx(one[1].received_at.seconds, abs=1)
    assert target.scalar(f"select count(*) from {s}.tracks where uuid_ts >= received_at") == 4


def test_column_types_follow_the_first_value(target: Target) -> None:
    batch = [
        event(
            "track",
            user_id="u1",
            event="Typed",
            properties={"n": 1, "x": 1.5, "ok": True, "at": "2025-02-03T04:05:06Z", "s": "str"},
        )
    ]
    send(target.plugin(), outbound(target.slug, batch))
    types = dict(
        target.query(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = ? and table_name = 'typed'",
            target.slug,
        )
    )
    assert {c: types[c].lower() for c in ("n", "x", "ok", "at", "s")} == (
        {
            "n": "bigint",
            "x": "double",
            "ok": "boolean",
            "at": "timestamp with time zone",
            "s": "varchar",
        }
        if target.settings.backend == "duckdb"
        else {
            "n": "bigint",
            "x": "double precision",
            "ok": "boolean",
            "at": "timestamp with time zone",
            "s": "text",
        }
    )


def test_reloading_the_same_batches_adds_no_rows(target: Target) -> None:
    one, two = outbound(target.slug, first_batch()), outbound(target.slug, second_batch(), 100)
    for batch in (one, two, one, two + one):
        assert send(target.plugin(), batch) == {}
    s = target.slug
    assert target.scalar(f"select count(*) from {s}.tracks") == 4
    assert target.scalar(f"select count(*) from {s}.order_completed") == 3
    assert target.scalar(f"select count(*) from {s}.identifies") == 2
    assert target.scalar(f"select count(*) from {s}.users") == 1
    assert target.scalar(f"select count(*) from {s}.discards") == 1
    # A replayed older identify does not undo the newer traits.
    assert target.scalar(f"select email from {s}.users where id = 'u1'") == "ada@lovelace.org"


def test_sync_status_reports_rows_discards_and_errors(target: Target) -> None:
    plugin = target.plugin()

    async def run() -> Any:
        await plugin.open()
        try:
            await plugin.send_batch(outbound(target.slug, first_batch()))
            await plugin.send_batch(outbound(target.slug, second_batch(), 100))
            return await plugin.sync_status()
        finally:
            await plugin.close()

    status = asyncio.run(run())
    s = target.slug
    assert status.last_sync_at is not None and status.last_error is None
    assert status.discards == 1
    rows = status.rows_by_table()
    assert rows[f"{s}.tracks"] == 4 and rows[f"{s}.order_completed"] == 3
    assert status.state.syncs == 2 and status.state.events_loaded == 10
    assert status.state.last_sync_events == 2
    assert "password" not in status.warehouse

    # Another process (the CLI, the admin API) reads the same from the warehouse itself.
    again = asyncio.run(read_sync_status(target.settings, target.data_dir))
    assert again.rows_by_table() == rows and again.last_sync_at == status.last_sync_at
    assert again.discards == 1 and again.last_error is None


def test_an_unreachable_warehouse_fails_the_batch_as_retryable(tmp_path: Path) -> None:
    # A port nothing listens on: the load fails, nothing is reported delivered.
    settings = WarehouseSettings(
        backend="postgres",
        postgres_url="postgresql://nobody:secret-pw@127.0.0.1:9/none",  # type: ignore[arg-type]
    )
    plugin = Warehouse(settings, data_dir=tmp_path)
    batch = outbound("shop", first_batch()[:2])

    async def run() -> Any:
        await plugin.open()
        try:
            result = await plugin.send_batch(batch)
            return result, await plugin.sync_status(), await plugin.healthcheck()
        finally:
            await plugin.close()

    result, status, health = asyncio.run(run())
    assert set(result.failures) == {0, 1}
    assert all(f.retryable for f in result.failures.values())
    assert "cannot connect to postgres 127.0.0.1:9/none" in result.failures[0].error
    assert status.last_error is not None and status.last_error_at is not None
    assert health is not None and "secret-pw" not in health and "secret-pw" not in status.last_error


def test_a_duckdb_file_held_by_another_process_fails_as_retryable(tmp_path: Path) -> None:
    plugin = Warehouse(WarehouseSettings(), data_dir=tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " sys.stdin.read()",
            str(tmp_path / "warehouse.duckdb"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = asyncio.run(_send_once(plugin, outbound("shop", first_batch()[:1])))
        assert result.failures[0].retryable
        assert "cannot open" in result.failures[0].error
    finally:
        holder.communicate("", timeout=10)
    # Once the other process lets go, the same batch loads.
    plugin = Warehouse(WarehouseSettings(), data_dir=tmp_path)
    assert asyncio.run(_send_once(plugin, outbound("shop", first_batch()[:1]))).failures == {}


_HOLD_A_TRANSACTION = """
import sys, time
from pathlib import Path
from segd.warehouse.duckdb_backend import DuckDBBackend
backend = DuckDBBackend(Path(sys.argv[1]))
with backend.transaction():
    backend.fetch("SELECT 1")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _segd_process_holding(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another segd process in a transaction on the DuckDB file (as a load or the CLI's
    status read would be), for `seconds`; returns once it holds the file."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_A_TRANSACTION, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_load_waits_for_another_segd_process_on_the_file(tmp_path: Path) -> None:
    """segd's processes take turns on a DuckDB file: a load that starts while the CLI
    reads the status waits for it instead of failing."""
    holder = _segd_process_holding(tmp_path / "warehouse.duckdb", 1.5)
    try:
        started = time.monotonic()
        plugin = Warehouse(WarehouseSettings(), data_dir=tmp_path)
        result = asyncio.run(_send_once(plugin, outbound("shop", first_batch()[:1])))
        waited = time.monotonic() - started
    finally:
        holder.communicate(timeout=30)
    assert result.failures == {}
    assert waited >= 0.5


def test_a_segd_process_that_keeps_the_file_too_long_fails_the_load_as_retryable(
    tmp_path: Path,
) -> None:
    holder = _segd_process_holding(tmp_path / "warehouse.duckdb", 3)
    try:
        backend = DuckDBBackend(tmp_path / "warehouse.duckdb", lock_timeout=0.3)
        with (
            pytest.raises(WarehouseUnavailable, match="in use by another segd process"),
            backend.transaction(),
        ):
            pass
    finally:
        holder.communicate(timeout=30)


async def _send_once(plugin: Warehouse, batch: list[OutboundEvent]) -> Any:
    await plugin.open()
    try:
        return await plugin.send_batch(batch)
    finally:
        await plugin.close()


def test_events_that_cannot_be_loaded_fail_permanently_alone(target: Target) -> None:
    good = outbound(target.slug, first_batch()[1:2])[0]
    no_id = OutboundEvent(2, 1, target.slug, "", 0, {"type": "track", "event": "E", "userId": "u"})
    bad_slug = OutboundEvent(3, 1, "Bad Slug", "m", 0, dict(good.body))
    result = send(target.plugin(), [good, no_id, bad_slug])
    assert set(result) == {1, 2}
    assert not result[1].retryable and "messageId" in result[1].error
    assert not result[2].retryable and "schema name" in result[2].error
    assert target.scalar(f"select count(*) from {target.slug}.order_completed") == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"backend": "postgres"}, "postgres_url is required"),
        ({"backend": "postgres", "postgres_url": "mysql://x"}, "postgresql:// URL"),
        ({"backend": "oracle"}, "backend"),
        ({"state_schema": "Bad-Name"}, "lower-case letters"),
        ({"batch_max_wait_seconds": -1}, "greater than or equal to 0"),
        ({"batch_size": 0}, "greater than or equal to 1"),
        ({"batch_size": 10_001}, "less than or equal to 10000"),
        ({"duckdb_path": " "}, "duckdb_path must name a file"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused_clearly(settings: dict[str, Any], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        WarehouseSettings.model_validate(settings)


def test_settings_schema_marks_the_url_secret() -> None:
    schema = Warehouse.settings_schema()
    url = schema["properties"]["postgres_url"]
    assert json.dumps(url).count('"password"') == 1 and '"writeOnly": true' in json.dumps(url)
    # The sync interval is the router's batching for this destination.
    assert schema["properties"]["batch_size"]["default"] == 10_000
    assert schema["properties"]["batch_max_wait_seconds"]["default"] == 60


def test_duckdb_path_is_taken_in_the_data_directory_unless_absolute(tmp_path: Path) -> None:
    batch = outbound("shop", first_batch()[1:2])
    # Relative, and nobody said where the data directory is: a clear, retryable error.
    result = asyncio.run(_send_once(Warehouse(WarehouseSettings()), batch))
    assert result.failures[0].retryable and "no data directory" in result.failures[0].error
    # Absolute: no data directory needed.
    absolute = WarehouseSettings(duckdb_path=str(tmp_path / "elsewhere" / "wh.duckdb"))
    assert asyncio.run(_send_once(Warehouse(absolute), batch)).failures == {}
    assert (tmp_path / "elsewhere" / "wh.duckdb").exists()

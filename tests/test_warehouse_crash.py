"""A load killed halfway leaves nothing half-loaded, and reloading never duplicates."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from segd.destinations.base import OutboundEvent
from segd.destinations.warehouse import Warehouse, WarehouseSettings
from tests.support.warehouse import (
    Target,
    event,
    first_batch,
    outbound,
    second_batch,
    send,
    warehouse_target,  # noqa: F401 - the `target` fixture: each test runs on both backends
)

TABLES = ("tracks", "order_completed", "identifies", "users", "pages", "discards")


def load_in_child(target: Target, batch: Sequence[OutboundEvent], die_after_tables: int) -> int:
    settings = target.settings.model_dump_json()
    if target.settings.postgres_url is not None:
        # model_dump_json masks secrets; the child needs the real URL.
        settings = json.dumps(
            {
                **json.loads(settings),
                "postgres_url": target.settings.postgres_url.get_secret_value(),
            }
        )
    items = json.dumps([(e.source_slug, dict(e.body)) for e in batch])
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.warehouse",
            settings,
            str(target.data_dir),
            items,
            str(die_after_tables),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode in (0, 17), child.stderr
    return child.returncode


def counts(target: Target) -> dict[str, Any]:
    s = target.slug
    out = {}
    for table in TABLES:
        rows = target.query(
            "select count(*) from information_schema.tables"
            " where table_schema = ? and table_name = ?",
            s,
            table,
        )
        if rows[0][0]:
            out[table] = target.query(f"select count(*), count(distinct id) from {s}.{table}")[0]
    return out


def test_a_load_killed_midway_commits_nothing_and_a_reload_has_no_duplicates(
    target: Target,
) -> None:
    one = outbound(target.slug, first_batch())
    two = outbound(target.slug, [*second_batch(), event("page", user_id="u2", name="Late")], 100)
    assert load_in_child(target, one, die_after_tables=0) == 0
    after_one = counts(target)
    assert after_one["tracks"] == (3, 3)

    # The second batch touches several tables; the process dies after writing two.
    assert load_in_child(target, two, die_after_tables=2) == 17
    assert counts(target) == after_one

    # The router redelivers from its cursor: both batches, once and then again.
    assert send(target.plugin(), one + two) == {}
    assert send(target.plugin(), two) == {}
    final = counts(target)
    assert final == {
        "tracks": (4, 4),
        "order_completed": (3, 3),
        "identifies": (2, 2),
        "users": (1, 1),
        "pages": (2, 2),
        "discards": (1, 1),
    }
    # The bookkeeping counts each row once too.
    status = asyncio.run(_status(target))
    assert status.rows_by_table()[f"{target.slug}.tracks"] == 4


async def _status(target: Target) -> Any:
    plugin = target.plugin()
    await plugin.open()
    try:
        return await plugin.sync_status()
    finally:
        await plugin.close()


def test_a_loader_process_killed_mid_load_fails_the_batch_as_retryable(tmp_path: Path) -> None:
    plugin = Warehouse(WarehouseSettings(), data_dir=tmp_path)
    # Big enough that the load is still running when the process is killed.
    batch = outbound("shop", [event("track", user_id=f"u{i}", event="Big", properties={
        "n": i, "text": "x" * 200, "tags": ["a", "b"]}) for i in range(6000)])  # fmt: skip

    async def run() -> tuple[Any, Any, int]:
        await plugin.open()
        try:
            [child] = [p for p in multiprocessing.active_children() if p.name == "segd-warehouse"]
            loading = asyncio.create_task(plugin.send_batch(batch))
            await asyncio.sleep(0.3)
            assert not loading.done()
            os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
            killed = await loading
            # The next batch gets a new process, and the whole batch loads.
            again = await plugin.send_batch(batch)
            status = await plugin.sync_status()
            return killed, again, status.rows_by_table()["shop.big"]
        finally:
            await plugin.close()

    killed, again, rows = asyncio.run(run())
    assert set(killed.failures) == set(range(len(batch)))
    failure = killed.failures[0]
    assert failure.retryable and "loader process died" in failure.error
    assert again.failures == {} and rows == len(batch)

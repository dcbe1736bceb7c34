"""The warehouse end to end: collector → event log → router → warehouse, in a real daemon.

Events go in over gRPC; a `warehouse` destination configured with the CLI loads them;
plain SQL on the DuckDB file or the PostgreSQL schema checks what arrived.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from segd.api.v1 import collector_pb2, event_pb2
from tests.support.daemon import Daemon, init_workspace, segd_command
from tests.support.delivery import fast_config, segd_failing
from tests.support.warehouse import dropped_afterwards, postgres_url


@dataclass
class Setup:
    data_dir: Path
    write_key: str
    slug: str
    backend: str
    url: str = ""

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Plain SQL on the warehouse; waits while the daemon holds the DuckDB file."""
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchall()  # type: ignore[arg-type]
        import duckdb

        deadline = time.monotonic() + 10
        while True:
            try:
                conn = duckdb.connect(str(self.data_dir / "warehouse.duckdb"), read_only=True)
            except duckdb.IOException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()

    def count(self, table: str) -> int:
        try:
            return int(self.query(f"select count(*) from {self.slug}.{table}")[0][0])
        except Exception as exc:  # the table does not exist yet
            if "does not exist" in str(exc).lower():
                return 0
            raise


def delivery_cursor(data_dir: Path) -> int:
    """Where the router has recorded the destination's delivery up to (0: nowhere)."""
    with contextlib.closing(sqlite3.connect(data_dir / "segd.db")) as conn:
        row = conn.execute("SELECT max(cursor_seq) FROM delivery_state").fetchone()
    return int(row[0] or 0)


@pytest.fixture(params=["duckdb", "postgres"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    """A workspace whose source (unique slug) feeds a `warehouse` destination."""
    data_dir = tmp_path / "data"
    name = f"Shop {uuid.uuid4().hex[:8]}"
    _, write_key = init_workspace(data_dir, source_name=name)
    slug = name.lower().replace(" ", "_")
    # Sync within a fraction of a second, so the test does not wait a minute.
    settings: dict[str, Any] = {"batch_max_wait_seconds": 0.2, "batch_size": 500}
    url = ""
    if request.param == "postgres":
        url = postgres_url()
        settings.update(backend="postgres", postgres_url=url, state_schema=f"_segd_{slug}")
    segd_command(
        "destination", "add", "wh", "--type", "warehouse", "--source", slug,
        "--settings", json.dumps(settings), data_dir=data_dir,
    )  # fmt: skip
    if request.param == "postgres":
        with dropped_afterwards(url, slug, f"_segd_{slug}"):
            yield Setup(data_dir, write_key, slug, "postgres", url)
    else:
        yield Setup(data_dir, write_key, slug, "duckdb")


@pytest.fixture
def start(setup: Setup, tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def run(**router: float) -> Daemon:
        config = fast_config(tmp_path / f"segd-{len(started)}.toml", **router)
        started.append(Daemon(setup.data_dir, config=config).start())
        return started[-1]

    yield run
    for daemon in started:
        daemon.kill()


def make(kind: str, **fields: Any) -> event_pb2.Event:
    event = event_pb2.Event(type=getattr(event_pb2, f"EVENT_TYPE_{kind.upper()}"))
    for key, value in fields.items():
        setattr(event, key, json.dumps(value) if isinstance(value, dict) else value)
    return event


def send(daemon: Daemon, write_key: str, events: list[event_pb2.Event]) -> None:
    with daemon.channel() as channel:
        reply = daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(write_key=write_key, events=events), timeout=10
        )
    assert list(reply.outcomes) == [collector_pb2.OUTCOME_ACCEPTED] * len(events)


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the warehouse did not get there in time")
        time.sleep(0.1)


def test_events_sent_to_the_collector_are_queryable_in_the_warehouse(
    setup: Setup, start: Callable[..., Daemon]
) -> None:
    daemon = start()
    context = {"library": {"name": "analytics-python", "version": "2.3"}}
    send(
        daemon,
        setup.write_key,
        [
            make("identify", user_id="u1", message_id="id-1", traits={"email": "a@x.org"}),
            make("track", user_id="u1", event="Order Completed", message_id="oc-1",
                 properties={"total": 30, "shipping": {"method": "ups"}}, context=context),
            make("track", user_id="u2", event="Order Completed", message_id="oc-2",
                 properties={"total": 12}),
            make("track", user_id="u1", event="Product Viewed", properties={"sku": "G-32"}),
            make("page", anonymous_id="a1", name="Home", properties={"title": "Shop"}),
            make("screen", user_id="u1", name="Cart"),
            make("group", user_id="u1", group_id="g1", traits={"plan": "pro"}),
            make("alias", user_id="u1", previous_id="a1"),
        ],
    )  # fmt: skip
    eventually(lambda: setup.count("aliases") == 1 and setup.count("order_completed") == 2)
    # A later batch: a new property, and a value that does not fit its column.
    send(
        daemon,
        setup.write_key,
        [
            make("track", user_id="u1", event="Order Completed", message_id="oc-3",
                 properties={"total": "thirty", "coupon": "XMAS"}),
            make("identify", user_id="u1", traits={"email": "b@x.org"}),
        ],
    )  # fmt: skip
    eventually(lambda: setup.count("order_completed") == 3 and setup.count("identifies") == 2)
    s = setup.slug
    assert setup.query(f"select count(*) from {s}.order_completed") == [(3,)]
    assert setup.query(f"select email from {s}.users where id = 'u1'") == [("b@x.org",)]
    assert setup.query(
        f"select total, shipping_method, context_library_name from {s}.order_completed"
        " where id = 'oc-1'"
    ) == [(30, "ups", "analytics-python")]
    assert setup.query(f"select coupon from {s}.order_completed where id = 'oc-3'") == [("XMAS",)]
    assert setup.query(
        f"select table_name, column_name, value, expected_type, event_id from {s}.discards"
    ) == [("order_completed", "total", '"thirty"', "integer", "oc-3")]
    assert setup.count("tracks") == 4 and setup.count("pages") == 1
    assert setup.count("screens") == 1 and setup.count("groups") == 1

    # The sync status, as the CLI (and the admin API, through the same core function) shows it.
    out = segd_command("destination", "warehouse-status", "wh", data_dir=setup.data_dir)
    assert f"{s}.order_completed\t3" in out and "discards: 1" in out
    assert "last sync: never" not in out and "syncs: " in out


def test_warehouse_status_of_what_is_not_a_warehouse_is_refused(setup: Setup) -> None:
    segd_command(
        "destination", "add", "hook", "--type", "webhook", "--source", setup.slug,
        "--settings", json.dumps({"urls": ["http://127.0.0.1:9/"]}), data_dir=setup.data_dir,
    )  # fmt: skip
    for name, message in (("hook", "is a webhook destination, not a warehouse"),
                          ("nope", "no destination named 'nope'")):  # fmt: skip
        done = segd_failing("destination", "warehouse-status", name, data_dir=setup.data_dir)
        assert done.returncode == 1 and message in done.stderr


def test_a_daemon_killed_while_loading_leaves_no_duplicates_after_restart(
    setup: Setup, start: Callable[..., Daemon]
) -> None:
    # The router writes its cursor rarely, so loads that committed are not yet
    # recorded as delivered when the daemon dies: a restart must redeliver them.
    daemon = start(commit_interval_seconds=60)
    total = 3000

    def send_from(first: int) -> None:
        send(
            daemon,
            setup.write_key,
            [
                make("track", user_id=f"u{i % 7}", event="Order Completed",
                     message_id=f"m-{i}", properties={"n": i})
                for i in range(first, first + 500)
            ],
        )  # fmt: skip

    # The cursor is written after the first load, then not for a minute. The rest is
    # sent once that first write is done: sent at once, the first loads could all end
    # before it, and it would record them all.
    send_from(0)
    eventually(lambda: delivery_cursor(setup.data_dir) > 0)
    for first in range(500, total, 500):
        send_from(first)
    # Kill the daemon once more loads have committed, with others under way.
    eventually(lambda: sum(e.get("event") == "warehouse.loaded" for e in daemon.logs) >= 3)
    daemon.kill()
    assert setup.count("tracks") >= 1500

    recorded = delivery_cursor(setup.data_dir)

    again = start()

    def loads() -> list[dict[str, Any]]:
        return [entry for entry in again.logs if entry.get("event") == "warehouse.loaded"]

    # Wait for the redelivery itself: all may have been loaded before the kill.
    eventually(lambda: sum(int(e["events"]) for e in loads()) >= total - recorded, timeout=30)
    assert setup.count("order_completed") == total
    # Events already in the warehouse came again, and added no row.
    redelivered = sum(int(e["events"]) - int(e["rows"]) // 2 for e in loads())
    assert redelivered >= 500
    s = setup.slug
    for table in ("tracks", "order_completed"):
        assert setup.query(f"select count(*), count(distinct id) from {s}.{table}") == [
            (total, total)
        ]

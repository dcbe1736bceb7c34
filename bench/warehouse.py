"""Warehouse load rate in each backend, against segd's ingest rate in the same run.

`python -m bench.warehouse [--quick] [--events N] [--backends duckdb,postgres]`

A realistic mix: track calls of 10 event names with 20 properties each (strings,
integers, floats, booleans, a timestamp, an array, nested objects) and a typical
context, from 1,000 users. Each event becomes two rows (tracks and its event
table). The warehouse is loaded through the destination plugin, as the router
drives it, in batches of its default sync size (10,000); ingest is measured by
sending the same kind of events to a real `segd serve` on 127.0.0.1 (SendBatch of
100, 4 calls in flight). The ratio says whether the warehouse keeps up with what
the collector can take: above 1, a sync interval's worth of events loads in less
time than it took to receive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from segd.api.v1 import collector_pb2, collector_pb2_grpc, event_pb2
from segd.config import Limits
from segd.destinations.base import OutboundEvent
from segd.destinations.warehouse import Warehouse, WarehouseSettings
from segd.events import to_json
from segd.normalize import normalize

EVENT_NAMES = [
    "Order Completed",
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Signed Up",
    "Cart Viewed",
    "Coupon Applied",
    "Video Playback Started",
    "Search Performed",
    "Subscription Renewed",
]
POSTGRES_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
SLUG = "bench"
BATCH = 10_000


def _properties(rng: random.Random, name_index: int) -> dict[str, Any]:
    """20 properties of mixed types; names differ per event so each table has its own."""
    p = f"e{name_index}"
    return {
        f"{p}Sku": f"SKU-{rng.randrange(10_000)}",
        f"{p}Category": rng.choice(["shoes", "hats", "bags", "books"]),
        f"{p}Brand": rng.choice(["Acme", "Globex", "Initech"]),
        f"{p}Variant": rng.choice(["red", "blue", "green"]),
        f"{p}Coupon": rng.choice(["", "XMAS", "SPRING10"]),
        f"{p}Currency": "EUR",
        f"{p}Quantity": rng.randrange(1, 10),
        f"{p}Position": rng.randrange(1, 50),
        f"{p}ItemCount": rng.randrange(1, 20),
        f"{p}Rank": rng.randrange(1000),
        f"{p}Price": round(rng.uniform(1, 500), 2),
        f"{p}Discount": round(rng.uniform(0, 0.5), 3),
        f"{p}Tax": round(rng.uniform(0, 40), 2),
        f"{p}InStock": rng.random() < 0.8,
        f"{p}Gift": rng.random() < 0.1,
        f"{p}ShippedAt": f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T12:00:00Z",
        f"{p}Tags": rng.sample(["new", "sale", "eco", "limited", "bundle"], 2),
        f"{p}Shipping": {"method": rng.choice(["ups", "dhl"]), "days": rng.randrange(1, 7)},
        f"{p}Store": {"id": f"store-{rng.randrange(40)}"},
        f"{p}Note": "x" * rng.randrange(0, 40),
    }


def make_events(count: int, seed: int = 7) -> list[event_pb2.Event]:
    """`count` normalised track events (fresh messageIds), as the collector stores them."""
    rng = random.Random(seed)
    limits = Limits()
    events = []
    for i in range(count):
        name_index = i % len(EVENT_NAMES)
        event = event_pb2.Event(
            type=event_pb2.EVENT_TYPE_TRACK,
            message_id=str(uuid.uuid4()),
            user_id=f"user-{rng.randrange(1000)}",
            anonymous_id=str(uuid.UUID(int=rng.getrandbits(128))),
            event=EVENT_NAMES[name_index],
            properties=json.dumps(_properties(rng, name_index)),
            context=json.dumps(
                {
                    "library": {"name": "analytics.js", "version": "5.2.0"},
                    "ip": f"203.0.113.{rng.randrange(256)}",
                    "locale": "en-GB",
                    "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
                    "page": {"path": "/checkout", "url": "https://shop.example/checkout"},
                }
            ),
        )
        event.original_timestamp.GetCurrentTime()
        event.sent_at.CopyFrom(event.original_timestamp)
        rejection = normalize(event, time.time_ns(), limits)
        assert rejection is None, rejection
        events.append(event)
    return events


def outbound(events: list[event_pb2.Event]) -> list[OutboundEvent]:
    return [
        OutboundEvent(i, 1, SLUG, e.message_id, e.received_at.seconds * 1000, to_json(e))
        for i, e in enumerate(events, start=1)
    ]


@dataclass
class LoadFigures:
    backend: str
    events: int
    rows: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


async def _load_all(plugin: Warehouse, batches: list[list[OutboundEvent]]) -> tuple[int, float]:
    await plugin.open()
    try:
        started = time.perf_counter()
        for batch in batches:
            result = await plugin.send_batch(batch)
            if result.failures:
                first = next(iter(result.failures.values()))
                raise RuntimeError(f"load failed: {first.error}")
        seconds = time.perf_counter() - started
        status = await plugin.sync_status()
        return sum(status.rows_by_table().values()), seconds
    finally:
        await plugin.close()


def measure_load(backend: str, events: list[OutboundEvent], workdir: Path) -> LoadFigures | str:
    """Load rate into a fresh warehouse, or why the backend could not be measured."""
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    if backend == "duckdb":
        plugin = Warehouse(WarehouseSettings(), data_dir=workdir)
        rows, seconds = asyncio.run(_load_all(plugin, batches))
        return LoadFigures(backend, len(events), rows, seconds)
    url = _postgres_url()
    if url is None:
        return "PostgreSQL at 127.0.0.1:5432 (database test) is unreachable"
    suffix = uuid.uuid4().hex[:8]
    slug, state = f"{SLUG}_{suffix}", f"_segd_bench_{suffix}"
    renamed = [
        OutboundEvent(e.seq, e.source_id, slug, e.message_id, e.received_at_ms, e.body)
        for e in events
    ]
    batches = [renamed[i : i + BATCH] for i in range(0, len(renamed), BATCH)]
    settings = WarehouseSettings(backend="postgres", postgres_url=url, state_schema=state)
    try:
        rows, seconds = asyncio.run(_load_all(Warehouse(settings), batches))
    finally:
        _drop_schemas(url, slug, state)
    return LoadFigures(backend, len(events), rows, seconds)


def _postgres_url() -> str | None:
    import psycopg

    for url in POSTGRES_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


def _drop_schemas(url: str, *schemas: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# Ingest: a real daemon on 127.0.0.1:0 ------------------------------------------------


def _segd(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "segd", *args], capture_output=True, text=True, check=True
    ).stdout


@dataclass
class RunningSegd:
    address: str
    write_key: str
    #: The daemon's JSON log lines, as they come.
    logs: list[dict[str, Any]]

    def loaded(self) -> int:
        """Events the warehouse destination has loaded so far."""
        return sum(int(e["events"]) for e in list(self.logs) if e["event"] == "warehouse.loaded")


@contextmanager
def running_daemon(
    data_dir: Path, warehouse: dict[str, Any] | None = None
) -> Iterator[RunningSegd]:
    """`segd init`, optionally a warehouse destination, then `segd serve` on 127.0.0.1:0."""
    out = _segd("init", "--data-dir", str(data_dir), "--first-source", "Bench")
    write_key = next(x for x in out.splitlines() if x.startswith("Write key:")).split(":", 1)[1]
    if warehouse is not None:
        _segd(
            "destination", "add", "wh", "--type", "warehouse", "--source", "bench",
            "--settings", json.dumps(warehouse), "--data-dir", str(data_dir),
        )  # fmt: skip
    serve = ["serve", "--data-dir", str(data_dir), "--grpc", "127.0.0.1:0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "segd", *serve],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = RunningSegd("", write_key.strip(), [])
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            running.logs.append(entry)
            if entry.get("event") == "segd.listening":
                running.address = str(entry["grpc"])
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(30) or not running.address:
            raise RuntimeError("segd did not start")
        yield running
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


async def _send_for(
    address: str, write_key: str, events: list[event_pb2.Event], seconds: float
) -> tuple[int, float]:
    requests = [
        collector_pb2.SendBatchRequest(write_key=write_key, events=events[i : i + 100])
        for i in range(0, len(events), 100)
    ]
    accepted = 0
    next_request = 0
    async with grpc.aio.insecure_channel(address) as channel:
        stub = collector_pb2_grpc.CollectorStub(channel)
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal accepted, next_request
            while time.perf_counter() < deadline and next_request < len(requests):
                request = requests[next_request]
                next_request += 1
                reply = await stub.SendBatch(request, timeout=30)
                accepted += sum(1 for o in reply.outcomes if o == collector_pb2.OUTCOME_ACCEPTED)

        await asyncio.gather(*(worker() for _ in range(4)))
        return accepted, time.perf_counter() - started


def measure_ingest(events: list[event_pb2.Event], seconds: float, workdir: Path) -> float:
    """Events per second a real daemon accepts (durability full, the default)."""
    with running_daemon(workdir / "segd") as segd:
        accepted, elapsed = asyncio.run(_send_for(segd.address, segd.write_key, events, seconds))
    return accepted / elapsed


def measure_pipeline(events: list[event_pb2.Event], workdir: Path) -> tuple[float, float]:
    """Through a real daemon with a DuckDB warehouse destination: (ingest/s, loaded/s).

    All events are sent as fast as the collector takes them while the router loads;
    the load rate counts from the first send to the last event in the warehouse. The
    sync interval is 1 s here, so the tail does not wait a minute.
    """
    settings = {"batch_size": BATCH, "batch_max_wait_seconds": 1.0}
    with running_daemon(workdir / "segd-pipeline", settings) as segd:
        started = time.perf_counter()
        accepted, sent_in = asyncio.run(_send_for(segd.address, segd.write_key, events, 3600))
        deadline = time.perf_counter() + 300
        while segd.loaded() < accepted:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {segd.loaded()} of {accepted} events loaded")
            time.sleep(0.05)
        loaded_in = time.perf_counter() - started
    return accepted / sent_in, accepted / loaded_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warehouse", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 events, 2 s of ingest")
    parser.add_argument("--events", type=int, help="events loaded per backend (default 50,000)")
    parser.add_argument("--ingest-seconds", type=float, help="ingest run length (default 5)")
    parser.add_argument("--backends", default="duckdb,postgres")
    args = parser.parse_args(argv)
    count = args.events or (20_000 if args.quick else 50_000)
    ingest_seconds = args.ingest_seconds or (2.0 if args.quick else 5.0)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    bad = set(backends) - {"duckdb", "postgres"}
    if bad or count < 1:
        parser.error(f"unknown backend {sorted(bad)[0]!r}" if bad else "--events must be >= 1")

    print(f"making {count:,} events (10 names x 20 properties)...", flush=True)
    events = make_events(count)
    bodies = outbound(events)
    workdir = Path(tempfile.mkdtemp(prefix="segd-bench-warehouse-"))
    try:
        ingest = measure_ingest(make_events(count, seed=8), ingest_seconds, workdir)
        print(
            f"ingest: {ingest:,.0f} events/s"
            f" (segd serve, durability full, SendBatch of 100, 4 in flight, {ingest_seconds:g} s)"
        )
        print(f"warehouse load: {count:,} events in batches of {BATCH:,}, 2 rows per event")
        print(f"  {'backend':<10} {'events/s':>10} {'rows/s':>10} {'seconds':>8} {'vs ingest':>10}")
        for backend in backends:
            figures = measure_load(backend, bodies, workdir)
            if isinstance(figures, str):
                print(f"  {backend:<10} skipped: {figures}")
                continue
            print(
                f"  {backend:<10} {figures.events_per_second:>10,.0f}"
                f" {figures.rows_per_second:>10,.0f} {figures.seconds:>8.2f}"
                f" {figures.events_per_second / ingest:>9.2f}x"
            )
        if "duckdb" in backends:
            took, loaded = measure_pipeline(make_events(count, seed=9), workdir)
            print(
                f"through segd (collector -> log -> router -> DuckDB warehouse), {count:,} events:"
                f" ingest {took:,.0f}/s while loading, loaded {loaded:,.0f}/s"
                f" ({loaded / ingest:.2f}x the ingest rate alone)"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

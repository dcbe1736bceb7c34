"""The load generator, in its own process: gRPC calls with N in flight, and the raw SQLite baseline.

`LoadGenerator` starts one worker process and sends it commands over a pipe. The
worker builds every request before the clock starts, so the figures measure the
server rather than the making of events.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

from bench._events import EventShapes
from segd.api.v1 import collector_pb2

WARMUP_SECONDS = 0.3
ACCEPTED = collector_pb2.OUTCOME_ACCEPTED


@dataclass(frozen=True, slots=True)
class Measurement:
    """One timed run against one target."""

    events: int
    seconds: float
    latencies: list[float]
    refused: int = 0  # events answered otherwise than accepted (should stay 0)
    warmup_events: int = 0  # sent before the clock started (they cost the target CPU too)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _send_load(
    address: str, requests: list[bytes], batch: int, concurrency: int, seconds: float
) -> Measurement:
    method = "Send" if batch == 1 else "SendBatch"
    reply_type: Any = collector_pb2.SendResponse if batch == 1 else collector_pb2.SendBatchResponse
    async with grpc.aio.insecure_channel(address) as channel:
        call = channel.unary_unary(
            f"/segd.api.v1.Collector/{method}",
            request_serializer=None,
            response_deserializer=None,
        )
        pending = iter(requests)
        latencies: list[float] = []
        counts = {"events": 0, "refused": 0, "warmup": 0}

        async def worker(until: float, record: bool) -> None:
            for request in pending:
                started = time.perf_counter()
                reply = reply_type.FromString(await call(request, timeout=60))
                if record:
                    latencies.append(time.perf_counter() - started)
                    if batch == 1:
                        accepted = int(reply.outcome == ACCEPTED)
                    else:
                        accepted = list(reply.outcomes).count(ACCEPTED)
                    counts["events"] += accepted
                    counts["refused"] += batch - accepted
                else:
                    counts["warmup"] += batch
                if time.perf_counter() >= until:
                    return

        warm_until = time.perf_counter() + WARMUP_SECONDS
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(worker(started + seconds, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Measurement(counts["events"], elapsed, latencies, counts["refused"], counts["warmup"])


def _migration_sql() -> list[str]:
    folder = resources.files("segd.store") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [f.read_text() for f in files]


_INSERT = (
    "INSERT INTO events (seq, source_id, message_id, type, name, user_id, anonymous_id,"
    " received_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _sqlite_load(
    shapes: EventShapes, batch: int, durability: str, seconds: float, max_events: int
) -> Measurement:
    """Plain sqlite3.executemany of the same rows, one transaction per batch."""
    rows = list(shapes.log_rows(source_id=1, first_seq=1, count=max_events))
    with tempfile.TemporaryDirectory(prefix="segd-bench-sqlite-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "segd.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={durability.upper()}")
        for script in _migration_sql():
            conn.executescript(script)
        latencies = []
        started = time.perf_counter()
        until = started + seconds
        stored = 0
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_INSERT, chunk)
            conn.execute("COMMIT")
            latencies.append(time.perf_counter() - t0)
            stored += len(chunk)
            if time.perf_counter() >= until:
                break
        elapsed = time.perf_counter() - started
        conn.close()
    return Measurement(stored, elapsed, latencies)


def _worker(conn: Connection, seed: int) -> None:
    shapes = EventShapes(seed)
    while True:
        command = conn.recv()
        if command is None:
            return
        kind, args = command
        try:
            if kind == "grpc":
                address, write_key, batch, concurrency, seconds, max_events = args
                requests = shapes.requests(write_key, batch, max_events)
                result: Any = asyncio.run(
                    _send_load(address, requests, batch, concurrency, seconds)
                )
            else:
                result = _sqlite_load(shapes, *args)
        except Exception as exc:  # reported to the parent, which stops the run
            result = RuntimeError(f"{kind} load failed: {exc!r}")
        conn.send(result)


class LoadGenerator:
    """A load process that takes one measurement at a time."""

    def __init__(self, seed: int = 1) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_worker, args=(child, seed), name="bench-load")
        self._proc.start()

    def _ask(self, kind: str, *args: Any) -> Measurement:
        self._conn.send((kind, args))
        result = self._conn.recv()
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, Measurement)
        return result

    def grpc(
        self,
        address: str,
        write_key: str,
        batch: int,
        concurrency: int,
        seconds: float,
        max_events: int,
    ) -> Measurement:
        """Send batches of `batch` events with `concurrency` calls in flight for `seconds`."""
        return self._ask("grpc", address, write_key, batch, concurrency, seconds, max_events)

    def sqlite(self, batch: int, durability: str, seconds: float, max_events: int) -> Measurement:
        """Insert the same rows with sqlite3.executemany, one transaction per batch."""
        return self._ask("sqlite", batch, durability, seconds, max_events)

    def close(self) -> None:
        self._conn.send(None)
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()

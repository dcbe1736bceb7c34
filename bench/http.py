"""The HTTP Tracking API against gRPC SendBatch, and the client library, in one run.

`python -m bench.http [--quick]` starts a daemon on a fresh data directory and
127.0.0.1 port 0, then measures:

1. gRPC SendBatch: events/s with `--batch` events per call, `--concurrency` calls
   in flight;
2. HTTP POST /v1/batch: the same events (same content, their own messageIds so
   that neither path meets the other's as duplicates), the same batch size and
   concurrency; printed as a ratio of (1), the target being at least 0.5.
   (1) and (2) alternate for `--rounds` rounds and the medians are compared;
3. segd.client.Client: events/s from one process, from the first track() until
   flush() returns.

Requests are built before the clock starts, so the figures are the daemon's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import grpc

from segd.api.v1 import collector_pb2
from segd.client import Client
from segd.events import from_json

TARGET_RATIO = 0.5


def segment_call(i: int, prefix: str) -> dict[str, Any]:
    """A typical track call, about 500 bytes of JSON."""
    return {
        "type": "track",
        "messageId": f"{prefix}-{i}",
        "userId": f"user-{i % 5000}",
        "event": "Order Completed",
        "timestamp": "2024-05-01T12:00:00.000Z",
        "properties": {
            "order_id": f"o-{i}",
            "revenue": 42.5 + i % 100,
            "currency": "EUR",
            "products": [{"sku": "sku-1", "price": 19.9, "quantity": 2}],
        },
        "context": {
            "ip": "203.0.113.7",
            "library": {"name": "bench", "version": "1"},
            "page": {"path": "/checkout", "url": "https://shop.example/checkout"},
        },
    }


@contextmanager
def running_daemon() -> Iterator[tuple[str, str, str]]:
    """A daemon on a temporary data directory: (gRPC address, HTTP address, write key)."""
    with tempfile.TemporaryDirectory(prefix="segd-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        segd = [sys.executable, "-m", "segd"]
        out = subprocess.run(
            [*segd, "init", "--data-dir", str(data_dir), "--first-source", "Bench"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        write_key = out.split("Write key:")[1].split()[0]
        log_path = Path(tmp) / "segd.log"
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                [*segd, "serve", "--data-dir", str(data_dir),
                 "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"],
                stdout=log_file, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            listening = _wait_for_listening(log_path, proc)
            yield listening["grpc"], listening["http"], write_key
        finally:
            proc.terminate()
            proc.wait(30)


def _wait_for_listening(log_path: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        for line in log_path.read_text().splitlines():
            if '"segd.listening"' in line:
                listening: dict[str, Any] = json.loads(line)
                return listening
        time.sleep(0.05)
    raise RuntimeError("segd did not start:\n" + log_path.read_text())


async def drive(
    requests: list[Any], concurrency: int, send: Callable[[Any], Awaitable[None]]
) -> float:
    """Send every request, `concurrency` at a time; returns the seconds it took."""
    pending = iter(requests)

    async def worker() -> None:
        for request in pending:
            await send(request)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def grpc_requests(key: str, prefix: str, count: int, batch: int) -> list[bytes]:
    """Serialized SendBatchRequests, so that the clock runs on no client-side protobuf."""
    requests = []
    for n in range(count):
        calls = [segment_call(n * batch + i, prefix) for i in range(batch)]
        message = collector_pb2.SendBatchRequest(write_key=key, events=map(from_json, calls))
        requests.append(message.SerializeToString())
    return requests


def http_requests(key: str, prefix: str, count: int, batch: int) -> list[bytes]:
    """/v1/batch bodies of the same calls."""
    return [
        json.dumps(
            {"batch": [segment_call(n * batch + i, prefix) for i in range(batch)], "writeKey": key}
        ).encode()
        for n in range(count)
    ]


async def compare(
    grpc_address: str, http_address: str, key: str, args: argparse.Namespace
) -> tuple[list[float], list[float]]:
    """events/s of each path per round; the rounds alternate the paths, so that a
    shift in the machine's load (it is shared) falls on both."""
    count, batch, concurrency = args.requests, args.batch, args.concurrency
    url = f"http://{http_address}/v1/batch"
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with (
        grpc.aio.insecure_channel(grpc_address) as channel,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        call = channel.unary_unary(
            "/segd.api.v1.Collector/SendBatch",
            request_serializer=None,
            response_deserializer=collector_pb2.SendBatchResponse.FromString,
        )

        async def send_grpc(body: bytes) -> None:
            reply = await call(body, timeout=30)
            assert not reply.rejections, reply.rejections[0]

        async def send_http(body: bytes) -> None:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status

        await drive(grpc_requests(key, "gw", concurrency, batch), concurrency, send_grpc)
        await drive(http_requests(key, "hw", concurrency, batch), concurrency, send_http)
        grpc_rates, http_rates = [], []
        for r in range(args.rounds):
            timed = grpc_requests(key, f"g{r}", count, batch)
            grpc_rates.append(count * batch / await drive(timed, concurrency, send_grpc))
            timed = http_requests(key, f"h{r}", count, batch)
            http_rates.append(count * batch / await drive(timed, concurrency, send_http))
    return grpc_rates, http_rates


def client_rate(address: str, key: str, events: int) -> tuple[float, float]:
    """(events/s queued by track(), events/s delivered: first track() to flush())."""
    failures: list[Exception] = []
    client = Client(
        key, host=address, upload_size=100, upload_interval=0.05,
        max_queue_size=events, on_error=lambda error, batch: failures.append(error),
    )  # fmt: skip
    properties = segment_call(0, "c")["properties"]
    started = time.perf_counter()
    for i in range(events):
        client.track(f"user-{i % 5000}", "Order Completed", properties)
    queued = time.perf_counter() - started
    client.flush()
    delivered = time.perf_counter() - started
    client.shutdown()
    if failures:
        raise RuntimeError(f"the client reported {len(failures)} error(s): {failures[0]}")
    return events / queued, events / delivered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.http", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="a shorter run")
    parser.add_argument("--batch", type=int, default=100, help="events per request")
    parser.add_argument("--requests", type=int, default=100, help="requests per path and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each timing both paths")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--client-events", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.requests, args.client_events = 2, 50, 5_000
    with running_daemon() as (grpc_address, http_address, key):
        grpc_rates, http_rates = asyncio.run(compare(grpc_address, http_address, key, args))
        queued_eps, client_eps = client_rate(grpc_address, key, args.client_events)
    grpc_eps, http_eps = statistics.median(grpc_rates), statistics.median(http_rates)
    ratio = http_eps / grpc_eps
    verdict = "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"{args.rounds} round(s) of {args.requests * args.batch} events per path, "
          f"{args.batch} per request, {args.concurrency} requests in flight; medians:")  # fmt: skip
    print(f"grpc SendBatch      {grpc_eps:>10,.0f} events/s   rounds: {_list(grpc_rates)}")
    print(f"http /v1/batch      {http_eps:>10,.0f} events/s   rounds: {_list(http_rates)}")
    print(f"http / grpc         {ratio:>10.2f}            target >= {TARGET_RATIO}: {verdict}")
    print(f"segd.client         {client_eps:>10,.0f} events/s   delivered from one process, "
          f"{args.client_events} events (track() alone: {queued_eps:,.0f}/s)")  # fmt: skip
    return 0


def _list(rates: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)


if __name__ == "__main__":
    raise SystemExit(main())

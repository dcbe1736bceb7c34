"""Delivery to a local webhook: throughput against ingest, latency, memory during an outage.

    python -m bench.delivery [--quick] [--events N] [--outage-seconds S]

A real daemon (default settings, a temporary data directory) delivers to an accept-all
webhook receiver on 127.0.0.1 in this process. Printed, not asserted:

1. delivered events/s as a ratio of ingest events/s in the same run (events sent as
   fast as the collector takes them), per-event mode and batch mode (target >= 0.8);
2. end-to-end latency, send to receipt, p50/p99, at half the maximum ingest rate
   (batch mode; target p99 <= 100 ms);
3. the daemon's RSS while the webhook refuses connections for --outage-seconds
   (target growth < 50 MiB), and how long the backlog takes to drain after recovery.

Everything shares the machine's cores (daemon, sender and receiver), so the figures
are a floor for a receiver on another host.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import grpc

from segd.api.v1 import collector_pb2, collector_pb2_grpc, event_pb2
from tests.support.daemon import Daemon, init_workspace, segd_command
from tests.support.receiver import Received, Receiver

SOURCE = "test_source"
SENDERS = 4
BATCH = 100
PROPERTIES = json.dumps(
    {"order_id": "o-12345", "total": 129.99, "currency": "EUR", "coupon": "SPRING",
     "products": [{"sku": "sku-1", "price": 59.99, "quantity": 1}]}
)  # fmt: skip
CONTEXT = json.dumps(
    {"library": {"name": "analytics-python", "version": "2.3.2"}, "ip": "203.0.113.9",
     "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"}
)  # fmt: skip


class Tally:
    """Receipt time of each messageId the receiver accepts (parsed once, on arrival)."""

    def __init__(self, receiver: Receiver) -> None:
        self.received: dict[str, float] = {}
        self._lock = threading.Lock()
        receiver.keep = False
        receiver.on_accept = self._accept

    def _accept(self, request: Received) -> None:
        with self._lock:
            for event in request.events():
                self.received.setdefault(str(event["messageId"]), request.at)

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for key in self.received if key.startswith(prefix))

    def wait(self, prefix: str, expected: int, timeout: float) -> float:
        """Seconds until `expected` events of `prefix` arrived (or the timeout passed)."""
        started = time.monotonic()
        while self.count(prefix) < expected and time.monotonic() - started < timeout:
            time.sleep(0.05)
        return time.monotonic() - started


def batch(write_key: str, prefix: str, start: int, size: int) -> collector_pb2.SendBatchRequest:
    events = [
        event_pb2.Event(
            type=event_pb2.EVENT_TYPE_TRACK,
            message_id=f"{prefix}{start + i}",
            user_id=f"user-{(start + i) % 1000}",
            event="Order Completed",
            properties=PROPERTIES,
            context=CONTEXT,
        )
        for i in range(size)
    ]
    return collector_pb2.SendBatchRequest(write_key=write_key, events=events)


def send_flat_out(address: str, write_key: str, prefix: str, total: int) -> float:
    """Send `total` events from SENDERS threads as fast as accepted; returns seconds."""
    requests = [batch(write_key, prefix, i, min(BATCH, total - i)) for i in range(0, total, BATCH)]

    def run(part: list[collector_pb2.SendBatchRequest]) -> None:
        with grpc.insecure_channel(address) as channel:
            stub = collector_pb2_grpc.CollectorStub(channel)
            for request in part:
                stub.SendBatch(request, timeout=30)

    threads = [threading.Thread(target=run, args=(requests[i::SENDERS],)) for i in range(SENDERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def send_paced(
    address: str, write_key: str, prefix: str, rate: float, seconds: float
) -> dict[str, float]:
    """Send at `rate` events/s for `seconds`; returns messageId → send time."""
    tick = 0.02
    per_tick = max(int(rate * tick), 1)
    sent: dict[str, float] = {}
    with grpc.insecure_channel(address) as channel:
        stub = collector_pb2_grpc.CollectorStub(channel)
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            request = batch(write_key, prefix, n, per_tick)
            at = time.time()
            stub.SendBatch(request, timeout=30)
            sent.update((e.message_id, at) for e in request.events)
            n += per_tick
            next_tick = started + (n / per_tick) * tick
            time.sleep(max(next_tick - time.monotonic(), 0))
    return sent


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small, short runs")
    parser.add_argument("--events", type=int, help="events per throughput run (20000)")
    parser.add_argument("--latency-seconds", type=float, help="paced run length (10)")
    parser.add_argument("--outage-seconds", type=float, help="webhook outage length (60)")
    parser.add_argument("--outage-rate", type=float, default=1000.0, help="events/s sent then")
    args = parser.parse_args(argv)
    events = args.events or (3000 if args.quick else 20_000)
    latency_seconds = args.latency_seconds or (3.0 if args.quick else 10.0)
    outage_seconds = args.outage_seconds or (5.0 if args.quick else 60.0)

    with tempfile.TemporaryDirectory(prefix="segd-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        _, write_key = init_workspace(data_dir)
        receiver = Receiver().start()
        tally = Tally(receiver)
        try:
            run = Run(data_dir, write_key, receiver, tally)
            ingest = max(
                run.throughput("per-event", {"batch_mode": False}, events),
                run.throughput("batch", {"batch_mode": True}, events),
            )
            run.latency(ingest / 2, latency_seconds)
            run.outage(outage_seconds, args.outage_rate)
        finally:
            receiver.close()
    return 0


class Run:
    def __init__(self, data_dir: Path, write_key: str, receiver: Receiver, tally: Tally) -> None:
        self.data_dir, self.write_key, self.receiver, self.tally = (
            data_dir, write_key, receiver, tally,
        )  # fmt: skip
        self._named: set[str] = set()

    def _only(self, name: str, settings: dict[str, object]) -> Daemon:
        """A fresh daemon delivering to the receiver through destination `name` only."""
        for other in self._named - {name}:
            segd_command("destination", "disable", other, data_dir=self.data_dir)
        if name not in self._named:
            full = {"urls": [self.receiver.url], **settings}
            segd_command(
                "destination", "add", name, "--type", "webhook", "--source", SOURCE,
                "--settings", json.dumps(full), data_dir=self.data_dir,
            )  # fmt: skip
            self._named.add(name)
        else:
            segd_command("destination", "enable", name, data_dir=self.data_dir)
        return Daemon(self.data_dir).start()

    def throughput(self, mode: str, settings: dict[str, object], events: int) -> float:
        daemon = self._only(mode, settings)
        try:
            prefix = f"tp-{mode}-"
            started = time.time()
            ingest_seconds = send_flat_out(daemon.address, self.write_key, prefix, events)
            self.tally.wait(prefix, events, timeout=max(60.0, ingest_seconds * 20))
            delivered = self.tally.count(prefix)
            last = max(t for k, t in self.tally.received.items() if k.startswith(prefix))
            delivery_seconds = last - started
        finally:
            daemon.stop()
        ingest_rate = events / ingest_seconds
        delivery_rate = delivered / delivery_seconds
        print(
            f"throughput, {mode} mode: ingest {ingest_rate:,.0f} ev/s,"
            f" delivered {delivery_rate:,.0f} ev/s ({delivered:,} of {events:,}),"
            f" ratio {delivery_rate / ingest_rate:.2f} (target >= 0.8)",
            flush=True,
        )
        return ingest_rate

    def latency(self, rate: float, seconds: float) -> None:
        daemon = self._only("batch", {})
        try:
            sent = send_paced(daemon.address, self.write_key, "lat-", rate, seconds)
            self.tally.wait("lat-", len(sent), timeout=30)
        finally:
            daemon.stop()
        received = self.tally.received
        latencies = sorted((received[k] - at) * 1000 for k, at in sent.items() if k in received)
        if len(latencies) < 2:
            print("latency: nothing delivered", flush=True)
            return
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"latency at {len(sent) / seconds:,.0f} ev/s (half the max ingest, batch mode):"
            f" p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms (target p99 <= 100 ms),"
            f" {len(latencies):,} of {len(sent):,} delivered",
            flush=True,
        )

    def outage(self, seconds: float, rate: float) -> None:
        daemon = self._only("batch", {})
        assert daemon.proc is not None
        pid = daemon.proc.pid
        try:
            time.sleep(1.0)
            before = rss_mib(pid)
            peak = [before]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(0.25):
                    peak.append(rss_mib(pid))

            sampler = threading.Thread(target=sample)
            sampler.start()
            self.receiver.refuse()
            sent = send_paced(daemon.address, self.write_key, "out-", rate, seconds)
            self.receiver.accept()
            drained = self.tally.wait("out-", len(sent), timeout=180)
            stop.set()
            sampler.join()
            delivered = self.tally.count("out-")
        finally:
            daemon.stop()
        print(
            f"outage of {seconds:.0f} s at {rate:,.0f} ev/s: RSS {before:.1f} -> peak"
            f" {max(peak):.1f} MiB (+{max(peak) - before:.1f} MiB, target < 50);"
            f" {delivered:,} of {len(sent):,} delivered {drained:.1f} s after recovery",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())

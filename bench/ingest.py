"""Ingest benchmark: durable events/s of a real `segd serve`, next to what bounds it.

    python -m bench.ingest [--quick] [--repeat N] [--seconds S] [--batches 1,10,100,1000]
                           [--normalize-workers N]

A load process (bench/_load.py) sends events shaped like real ones (about 500 bytes,
random uuid4 messageIds) with 16 calls in flight, in batches of 1 (the Send call),
10, 100 and 1,000 (SendBatch), to three targets in the same run, one after the other:

- segd: a real daemon on a fresh data directory, durability "full", dedup on;
- no-op: a gRPC server with the same generated service that decodes each request and
  answers all-accepted without storing (the cost of gRPC and protobuf here);
- store-and-ack: the no-op server, but each call is answered once its events are
  committed to segd's event log (segd's own store, group commits, same durability) and
  nothing else: no validation, deduplication, debugger or schema (the cost of
  acknowledging only what is stored, in this stack);
- sqlite: plain sqlite3.executemany of the same rows into segd's schema, same
  durability, one transaction per batch (the cost of the storage alone).

Then the same batch-100 load against a daemon whose log already holds 10 million
events (1 million with --quick), written directly and cached under /tmp.

For segd it also prints CPU per event, read from /proc: the whole daemon, its event
loop's thread, and its child processes (the normalising worker and the schema consumer).
`--normalize-workers 0` runs segd with every call normalised on its event loop.

Every figure is the median of --repeat short measurements; each ratio is taken
within one repetition, then the median of those. Nothing is asserted: the targets
are printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench._load import LoadGenerator, Measurement
from bench._prefill import prefilled
from bench._targets import NoopServer, SegdDaemon, StoreAndAckServer, init_workspace

CONCURRENCY = 16
TARGET_BATCH = 100
#: Events generated per second of measurement (an upper bound on what a target takes);
#: a measurement that runs out ends early, and its rate is still exact.
GRPC_EVENTS_PER_SECOND = {1: 20_000, 10: 100_000, 100: 250_000, 1000: 300_000}
SQLITE_EVENTS_PER_SECOND = {1: 5_000, 10: 40_000, 100: 250_000, 1000: 300_000}
TARGETS = (
    ("batch 100, durability {durability}, dedup on", "segd/no-op", TARGET_BATCH, 0.40),
    ("single-event sends", "segd/no-op", 1, 0.85),
    ("after {prefill:,} stored events vs an empty database", "full/empty", TARGET_BATCH, 0.75),
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs, 1M stored events")
    parser.add_argument("--repeat", type=int, help="repetitions (default 3, quick 2)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (2, quick 1)")
    parser.add_argument("--batches", default="1,10,100,1000", help="batch sizes")
    parser.add_argument("--durability", choices=["full", "normal"], default="full")
    parser.add_argument(
        "--normalize-workers", type=int, help="segd's grpc.normalize_workers (default: its own)"
    )
    parser.add_argument(
        "--prefill", type=int, help="stored events for the full-database figure (0: skip)"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "segd-bench-cache"
    )
    return parser


def _cap(per_second: dict[int, int], batch: int, seconds: float) -> int:
    events = int(per_second.get(batch, 300_000) * (seconds + 0.5))
    return max(events, batch * CONCURRENCY * 4)


class Results:
    """Measurements by (target, batch), one per repetition."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, int], list[Measurement]] = defaultdict(list)
        self.rss: dict[tuple[str, int], list[int]] = defaultdict(list)
        #: segd's CPU us per event: (whole daemon, its event loop's thread, its children).
        self.cpu: dict[tuple[str, int], list[tuple[float, float, float]]] = defaultdict(list)

    def add(self, target: str, batch: int, m: Measurement, rss: int | None = None) -> None:
        self.runs[target, batch].append(m)
        if rss is not None:
            self.rss[target, batch].append(rss)
        if m.refused:
            print(f"  warning: {target} batch {batch}: {m.refused} events not accepted")

    def rate(self, target: str, batch: int) -> float:
        return statistics.median(m.rate for m in self.runs[target, batch])

    def latency_ms(self, target: str, batch: int, p: float) -> float:
        return statistics.median(m.percentile(p) for m in self.runs[target, batch]) * 1000

    def rss_mb(self, target: str, batch: int) -> float:
        return statistics.median(self.rss[target, batch]) / 2**20

    def cpu_us(self, target: str, batch: int, which: int) -> float:
        return statistics.median(c[which] for c in self.cpu[target, batch])

    def ratio(self, a: tuple[str, int], b: tuple[str, int]) -> float:
        """The median over repetitions of a's rate / b's rate in the same repetition."""
        pairs = zip(self.runs[a], self.runs[b], strict=True)
        return statistics.median(x.rate / y.rate for x, y in pairs)


def _measure_all(args: argparse.Namespace, batches: list[int], results: Results) -> None:
    seconds, prefill = args.seconds, args.prefill
    load = LoadGenerator()
    closers: list[Callable[[], None]] = [load.close]
    try:
        with tempfile.TemporaryDirectory(prefix="segd-bench-") as tmp:
            empty_dir = Path(tmp) / "data"
            empty = SegdDaemon(
                empty_dir, init_workspace(empty_dir), args.durability, args.normalize_workers
            )
            closers.append(empty.close)
            noop = NoopServer()
            closers.append(noop.close)
            durable = StoreAndAckServer(Path(tmp) / "store-and-ack", args.durability)
            closers.append(durable.close)
            full = None
            if prefill:
                full_dir, full_key = prefilled(args.cache_dir, prefill)
                full = SegdDaemon(full_dir, full_key, args.durability, args.normalize_workers)
                closers.append(full.close)
            for rep in range(args.repeat):
                print(f"  repetition {rep + 1}/{args.repeat} ...", flush=True)
                for batch in batches:
                    cap = _cap(GRPC_EVENTS_PER_SECOND, batch, seconds)
                    m = load.grpc(noop.address, "noop", batch, CONCURRENCY, seconds, cap)
                    results.add("no-op", batch, m, noop.rss())
                    m = load.grpc(durable.address, "any", batch, CONCURRENCY, seconds, cap)
                    results.add("store-and-ack", batch, m, durable.rss())
                    before = empty.cpu()
                    m = load.grpc(empty.address, empty.write_key, batch, CONCURRENCY, seconds, cap)
                    after = empty.cpu()
                    # Children alive throughout (one that was replaced meanwhile is left out).
                    children = sum(after[2][p] - t for p, t in before[2].items() if p in after[2])
                    per_event = 1e6 / (m.events + m.refused + m.warmup_events)
                    results.cpu["segd", batch].append(
                        (
                            (after[0] - before[0]) * per_event,
                            (after[1] - before[1]) * per_event,
                            children * per_event,
                        )
                    )
                    results.add("segd", batch, m, empty.rss())
                    sqlite_cap = _cap(SQLITE_EVENTS_PER_SECOND, batch, seconds)
                    m = load.sqlite(batch, args.durability, seconds, sqlite_cap)
                    results.add("sqlite", batch, m)
                if full is not None:
                    cap = _cap(GRPC_EVENTS_PER_SECOND, TARGET_BATCH, seconds)
                    m = load.grpc(
                        full.address, full.write_key, TARGET_BATCH, CONCURRENCY, seconds, cap
                    )
                    results.add("segd-full", TARGET_BATCH, m, full.rss())
    finally:
        for close in reversed(closers):
            close()


def _report(args: argparse.Namespace, batches: list[int], results: Results) -> None:
    r = results
    print()
    print(
        f"segd ingest: {os.cpu_count()} cores, durability {args.durability}, dedup on,"
        f" {CONCURRENCY} calls in flight, median of {args.repeat} x {args.seconds:g} s"
    )
    print(
        f"{'batch':>5} | {'segd ev/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>6} |"
        f" {'no-op ev/s':>10} {'p50 ms':>7} {'p99 ms':>7} | {'sqlite ev/s':>11} |"
        f" {'segd/no-op':>10} {'segd/sqlite':>11}"
    )
    for b in batches:
        print(
            f"{b:>5} | {r.rate('segd', b):>9,.0f} {r.latency_ms('segd', b, 50):>7.2f}"
            f" {r.latency_ms('segd', b, 99):>7.2f} {r.rss_mb('segd', b):>6.0f} |"
            f" {r.rate('no-op', b):>10,.0f} {r.latency_ms('no-op', b, 50):>7.2f}"
            f" {r.latency_ms('no-op', b, 99):>7.2f} | {r.rate('sqlite', b):>11,.0f} |"
            f" {r.ratio(('segd', b), ('no-op', b)):>10.2f}"
            f" {r.ratio(('segd', b), ('sqlite', b)):>11.2f}"
        )
    print(
        "store-and-ack (decode, commit to segd's log, answer; nothing else):"
        f"\n{'batch':>5} | {'ev/s':>9} {'p50 ms':>7} {'p99 ms':>7} |"
        f" {'store-and-ack/no-op':>19} {'segd/store-and-ack':>18}"
    )
    for b in batches:
        print(
            f"{b:>5} | {r.rate('store-and-ack', b):>9,.0f}"
            f" {r.latency_ms('store-and-ack', b, 50):>7.2f}"
            f" {r.latency_ms('store-and-ack', b, 99):>7.2f} |"
            f" {r.ratio(('store-and-ack', b), ('no-op', b)):>19.2f}"
            f" {r.ratio(('segd', b), ('store-and-ack', b)):>18.2f}"
        )
    full = ("segd-full", TARGET_BATCH)
    if args.prefill and TARGET_BATCH in batches:
        print(
            f"after {args.prefill:,} stored events, batch {TARGET_BATCH}:"
            f" {r.rate(*full):,.0f} ev/s, p50 {r.latency_ms(*full, 50):.2f} ms,"
            f" p99 {r.latency_ms(*full, 99):.2f} ms, RSS {r.rss_mb(*full):.0f} MB"
        )
    print(
        "segd CPU per event (us, from /proc; warm-up events included; its children are"
        " the normalising worker and the schema consumer):"
    )
    for b in batches:
        print(
            f"  batch {b:>5}: daemon {r.cpu_us('segd', b, 0):.1f},"
            f" its event loop's thread {r.cpu_us('segd', b, 1):.1f},"
            f" its child processes {r.cpu_us('segd', b, 2):.1f}"
        )
    print("targets (reported, not asserted):")
    for label, kind, batch, goal in TARGETS:
        if batch not in batches or (kind == "full/empty" and not args.prefill):
            continue
        if kind == "full/empty":
            value = r.ratio(full, ("segd", batch))
        else:
            value = r.ratio(("segd", batch), ("no-op", batch))
        verdict = "met" if value >= goal else "NOT met"
        name = label.format(prefill=args.prefill, durability=args.durability)
        floor = ""
        if kind == "segd/no-op":
            reached = r.ratio(("store-and-ack", batch), ("no-op", batch))
            floor = f"; store-and-ack alone reaches {reached:.3f}x"
        print(f"  {name}: {value:.3f}x (target >= {goal:.2f}x) {verdict}{floor}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.repeat = args.repeat or (2 if args.quick else 3)
    args.seconds = args.seconds or (1.0 if args.quick else 2.0)
    if args.prefill is None:
        args.prefill = 1_000_000 if args.quick else 10_000_000
    batches = [int(b) for b in args.batches.split(",")]
    print(f"bench.ingest: batches {batches}, {args.repeat} repetitions of {args.seconds:g} s")
    results = Results()
    _measure_all(args, batches, results)
    _report(args, batches, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

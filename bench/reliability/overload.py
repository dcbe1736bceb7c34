"""4. Overload: twice the measured capacity, over gRPC and then over HTTP.

Capacity is measured first: clients sending batches of 100 flat out, each waiting for
its answer. Then an open loop offers twice that rate whatever the answers (as many
independent clients would). The daemon must refuse the excess quickly
(RESOURCE_EXHAUSTED, or 429 with Retry-After over HTTP) and nothing else, keep the
calls it admits within a bounded wait, keep its memory bounded, and lose nothing it
acknowledged. Memory is bounded by `storage.max_pending_events` (events waiting to be
written), `grpc.max_concurrent_calls` and `http.max_concurrent_requests` (requests in
the daemon at once, each at most `limits.max_batch_bytes`); all at their defaults here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from bench.reliability.harness import (
    Result,
    RssSampler,
    Workspace,
    percentile,
    rss_mib,
    stored_ids,
)
from bench.reliability.load import ResendingSender, http_open_loop, ids, open_loop

#: The stated bound on the daemon's resident memory under this load (defaults).
RSS_CAP_MIB = 512.0
#: Longest an admitted call may wait: below the 10-15 s timeouts of Segment's libraries.
MAX_ADMITTED_P99_SECONDS = 10.0
FACTOR = 2.0


@dataclass(frozen=True)
class Params:
    capacity_seconds: float
    grpc_seconds: float
    http_seconds: float


FULL = Params(capacity_seconds=10.0, grpc_seconds=60.0, http_seconds=15.0)
QUICK = Params(capacity_seconds=2.0, grpc_seconds=4.0, http_seconds=2.0)


def run(workdir: Path, quick: bool = False) -> Result:
    p = QUICK if quick else FULL
    result = Result(4, "overload at 2x capacity")
    workspace = Workspace.make(workdir / "overload", router=False)
    daemon = workspace.daemon().start()
    try:
        assert daemon.proc is not None
        time.sleep(0.5)
        idle = rss_mib(daemon.proc.pid)
        capacity = _capacity(daemon.address, workspace.write_key, p.capacity_seconds)
        with RssSampler(daemon.proc.pid) as rss:
            grpc_stats = asyncio.run(
                open_loop(
                    daemon.address, workspace.write_key, "g-", FACTOR * capacity, p.grpc_seconds
                )
            )
            http_stats = asyncio.run(
                http_open_loop(
                    daemon.http_url, workspace.write_key, "h-", FACTOR * capacity, p.http_seconds
                )
            )
        alive = daemon.proc.poll() is None
        exit_code = daemon.stop()
    finally:
        daemon.kill()
    stored = set(stored_ids(workspace.data_dir))
    grpc_codes = {code.name: n for code, n in grpc_stats.codes.items()}
    offered = grpc_stats.offered_events / grpc_stats.seconds
    goodput = len(grpc_stats.acked) / max(grpc_stats.ack_seconds, 1e-9)
    admitted_p99 = percentile(grpc_stats.ok_seconds, 99)
    acked = set(grpc_stats.acked) | set(http_stats.acked)
    result.figure("capacity ev/s", capacity)
    result.figure("offered gRPC ev/s", offered)
    result.figure("for s", grpc_stats.seconds)
    result.figure("calls", " ".join(f"{k} {v}" for k, v in sorted(grpc_codes.items())))
    result.figure("admitted ev/s", goodput)
    result.figure("admitted p50 s", percentile(grpc_stats.ok_seconds, 50))
    result.figure("p99 s", admitted_p99)
    result.figure("refused p50 ms", percentile(grpc_stats.refused_seconds, 50) * 1000)
    result.figure("HTTP", " ".join(f"{k} {v}" for k, v in sorted(http_stats.statuses.items())))
    result.figure("RSS MiB idle", idle)
    result.figure("peak", rss.peak)
    result.figure("cap", RSS_CAP_MIB)
    result.figure("acknowledged", len(acked))
    result.figure("acknowledged missing", len(acked - stored))
    result.check(offered >= 1.8 * capacity, f"only {offered:,.0f} ev/s could be offered")
    result.check(grpc_codes.get("RESOURCE_EXHAUSTED", 0) > 0, "no call was refused")
    unexpected = [d for d in grpc_stats.details if not d.startswith("RESOURCE_EXHAUSTED")]
    result.check(
        set(grpc_codes) <= {"OK", "RESOURCE_EXHAUSTED"},
        f"gRPC calls ended {grpc_codes} ({unexpected[:2]})",
    )
    result.check(grpc_stats.unanswered == 0, f"{grpc_stats.unanswered} calls never answered")
    result.check(
        admitted_p99 < MAX_ADMITTED_P99_SECONDS, f"admitted calls waited {admitted_p99:.1f} s (p99)"
    )
    result.check(http_stats.statuses.get(429, 0) > 0, "no HTTP request got 429")
    result.check(
        set(http_stats.statuses) <= {200, 429} and not http_stats.errors,
        f"HTTP answers {dict(http_stats.statuses)} {dict(http_stats.errors)}",
    )
    result.check(http_stats.missing_retry_after == 0, "a 429 came without Retry-After")
    result.check(rss.peak < RSS_CAP_MIB, f"RSS reached {rss.peak:.0f} MiB")
    result.check(not acked - stored, f"{len(acked - stored)} acknowledged events are missing")
    result.check(alive and exit_code == 0, f"the daemon did not survive (exit {exit_code})")
    return result


def _capacity(address: str, write_key: str, seconds: float) -> float:
    """Events/s acknowledged by four clients sending batches of 100 flat out."""
    senders = [
        ResendingSender(address, write_key, ids(f"c{n}-", 10_000_000), batch=100).start()
        for n in range(4)
    ]
    time.sleep(seconds / 4)  # warm up
    before, began = sum(s.acked_count for s in senders), time.monotonic()
    time.sleep(seconds)
    rate = (sum(s.acked_count for s in senders) - before) / (time.monotonic() - began)
    for sender in senders:
        sender.stop()
    for sender in senders:
        sender.join(30)
    return rate

"""2. A destination's outage: 500s, refused connections, hangs, 429 with Retry-After.

Two webhooks take every event: `flaky` and `healthy`. A client sends at a steady rate
throughout. After a baseline with both up, `flaky` answers 500, then refuses
connections, then hangs past its timeout, then answers 429 with Retry-After, one
stretch each, and then recovers. Measured: ingest latency (p99 of the calls during the
outage against the baseline's, taken before the outage and again after the catch-up),
the healthy destination's lag (acknowledgement to receipt) during the outage, and how
long the flaky one takes to deliver its backlog once it recovers. Every acknowledged
event must reach both.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.reliability.harness import Result, Tally, Workspace, percentile, receivers
from bench.reliability.load import ResendingSender, ids
from tests.support.receiver import Receiver

RETRY_AFTER_SECONDS = "5"
OUTAGES: dict[str, Callable[[Receiver], None]] = {
    "500": lambda r: r.fail(500),
    "refused": lambda r: r.refuse(),
    "hang": lambda r: r.hang(3600),
    "429": lambda r: r.fail(429, RETRY_AFTER_SECONDS),
}


@dataclass(frozen=True)
class Params:
    rate: float
    baseline_seconds: float
    outage_seconds: float  # each kind
    catch_up_timeout: float
    #: The bound on p99 during / p99 baseline. The short run has a few dozen calls per
    #: phase on a shared machine, so it only guards against gross regressions.
    max_ratio: float


FULL = Params(
    rate=1000.0,
    baseline_seconds=20.0,
    outage_seconds=35.0,
    catch_up_timeout=120.0,
    max_ratio=2.0,
)
QUICK = Params(
    rate=400.0,
    baseline_seconds=2.0,
    outage_seconds=1.5,
    catch_up_timeout=30.0,
    max_ratio=5.0,
)
BATCH = 50


def run(workdir: Path, quick: bool = False) -> Result:
    p = QUICK if quick else FULL
    result = Result(2, "destination outage")
    with receivers(2) as (flaky, healthy):
        flaky_tally, healthy_tally = Tally(flaky), Tally(healthy)
        workspace = Workspace.make(workdir / "outage")
        workspace.add_webhook("flaky", flaky.url, batch_mode=True, timeout_seconds=2)
        workspace.add_webhook("healthy", healthy.url, batch_mode=True, timeout_seconds=2)
        daemon = workspace.daemon().start()
        try:
            sender = ResendingSender(
                daemon.address, workspace.write_key, ids("o-", 10**9), BATCH, rate=p.rate
            )
            sender.start()
            time.sleep(p.baseline_seconds)
            outage_began, outage_wall = time.monotonic(), time.time()
            attempts_before = flaky.attempts
            for outage in OUTAGES.values():
                outage(flaky)
                time.sleep(p.outage_seconds)
            recovered, recovered_wall = time.monotonic(), time.time()
            flaky.accept()
            flaky.ok()
            attempts = flaky.attempts - attempts_before
            # The backlog: what was acknowledged before the recovery and not delivered.
            backlog = {
                i
                for i, at in sender.acked_at().items()
                if at < recovered_wall and i not in flaky_tally.first
            }
            backlog_missing = flaky_tally.wait_for(backlog, p.catch_up_timeout)
            caught_up = time.monotonic()
            # A second baseline after the catch-up: the machine is shared, and the load
            # of others drifts; comparing with both sides of the outage is fairer.
            time.sleep(p.baseline_seconds)
            sender.stop()
            sender.join(60)
            acked = set(sender.stats.acked)
            healthy_missing = healthy_tally.wait_for(acked, 60)
            flaky_missing = flaky_tally.wait_for(acked, p.catch_up_timeout)
            dead = _dead_letters(workspace.data_dir)
        finally:
            daemon.kill()
    calls = [c for c in sender.stats.calls if c.code.name == "OK"]
    baseline = [
        c.seconds * 1000 for c in calls if c.started < outage_began or c.started >= caught_up
    ]
    during = [c.seconds * 1000 for c in calls if outage_began <= c.started < recovered]
    lags = [
        healthy_tally.first[i] - at
        for i, at in sender.stats.acked_at.items()
        if outage_wall <= at < recovered_wall and i in healthy_tally.first
    ]
    p99_base, p99_during = percentile(baseline, 99), percentile(during, 99)
    ratio = p99_during / p99_base if p99_base else float("inf")
    result.figure("rate ev/s", p.rate)
    result.figure("outage s", f"4 x {p.outage_seconds:.0f} (500, refused, hang, 429+Retry-After)")
    result.figure("ingest ms p50/p99 baseline", f"{percentile(baseline, 50):.1f}/{p99_base:.1f}")
    result.figure("during", f"{percentile(during, 50):.1f}/{p99_during:.1f}")
    result.figure("p99 ratio", ratio)
    result.figure("healthy lag p99 s", percentile(lags, 99))
    result.figure("max s", max(lags, default=0.0))
    result.figure("flaky attempts during outage", attempts)
    result.figure("backlog", len(backlog))
    result.figure("delivered s after recovery", caught_up - recovered)
    result.figure("acknowledged", len(acked))
    result.figure("delivered flaky", len(acked) - len(flaky_missing))
    result.figure("healthy", len(acked) - len(healthy_missing))
    result.figure("dead letters", dead)
    result.check(len(lags) > 0, "no event was acknowledged during the outage")
    result.check(max(lags, default=0.0) < 5.0, f"healthy lag reached {max(lags, default=0):.1f} s")
    result.check(ratio < p.max_ratio, f"ingest p99 during the outage is {ratio:.2f}x the baseline")
    result.check(not backlog_missing, f"{len(backlog_missing)} of the backlog never caught up")
    result.check(not flaky_missing, f"{len(flaky_missing)} events never reached the flaky webhook")
    result.check(not healthy_missing, f"{len(healthy_missing)} never reached the healthy one")
    result.check(dead == 0, f"{dead} events were dead-lettered")
    result.check(attempts > 0, "the flaky webhook was never tried during the outage")
    return result


def _dead_letters(data_dir: Path) -> int:
    uri = f"file:{data_dir / 'segd.db'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as db:
        return int(db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])

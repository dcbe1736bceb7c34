"""1. SIGKILL at random moments under load, from clients that resend what was not acknowledged.

Several clients send their own messageIds in batches to a daemon on a fixed port and
resend a batch until every event of it is answered (ACCEPTED or DUPLICATE). The daemon
is killed with SIGKILL at random points of the load, restarted at once, and after each
restart `PRAGMA integrity_check` reads both databases while it runs. A webhook receives
everything in batch mode. In the end: every acknowledged event is in the log, no
messageId is stored twice, every stored event reached the webhook at least once, and
acknowledged events sent again are answered DUPLICATE. The full run does this with
durability "full" (the default) and again, smaller, with "normal".
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.reliability.harness import (
    Result,
    Tally,
    Workspace,
    free_port,
    pragma_check,
    receivers,
    stored_ids,
)
from bench.reliability.load import ResendingSender, ids


@dataclass(frozen=True)
class Params:
    events: int
    clients: int
    kills: int
    batch: int
    delivery_timeout: float
    durability: str = "full"


#: The default durability first; then "normal", whose promise is exactly this one
#: (an acknowledged event survives a killed process).
FULL = (
    Params(events=100_000, clients=4, kills=20, batch=100, delivery_timeout=300.0),
    Params(50_000, 4, 10, 100, 300.0, durability="normal"),
)
QUICK = (Params(events=3_000, clients=3, kills=3, batch=50, delivery_timeout=60.0),)


@dataclass
class Run:
    """What one pass found."""

    p: Params
    acked: set[str]
    stored: list[str]
    undelivered: set[str]
    checks: list[str]
    restarts: list[float]
    resends: int
    duplicates_answered: int
    rejected: int
    redelivered: int
    again_duplicates: int
    exit_code: int
    load_seconds: float

    @property
    def missing(self) -> int:
        return len(self.acked - set(self.stored))

    @property
    def stored_twice(self) -> int:
        return len(self.stored) - len(set(self.stored))

    @property
    def checks_ok(self) -> str:
        return f"{sum(c == 'ok' for c in self.checks)}/{len(self.checks)}"


def run(workdir: Path, quick: bool = False, seed: int = 1) -> Result:
    result = Result(1, "kill -9 under load")
    rng = random.Random(seed)
    runs = [_pass(workdir / f"kill-{p.durability}", p, rng) for p in (QUICK if quick else FULL)]
    first = runs[0]
    result.figure("durability", first.p.durability)
    result.figure("events", first.p.events)
    result.figure("clients", first.p.clients)
    result.figure("SIGKILLs", len(first.restarts))
    result.figure("acknowledged", len(first.acked))
    result.figure("acknowledged missing", first.missing)
    result.figure("duplicate messageIds stored", first.stored_twice)
    result.figure("integrity_check ok", first.checks_ok)
    result.figure("resent batches", first.resends)
    result.figure("answered DUPLICATE on resend", first.duplicates_answered)
    result.figure("delivered to webhook", f"{len(set(first.stored)) - len(first.undelivered)}")
    result.figure("redelivered", first.redelivered)
    result.figure("resent acknowledged answered DUPLICATE", f"{first.again_duplicates}/500")
    result.figure("restart median s", statistics.median(first.restarts))
    result.figure("load s", first.load_seconds)
    for other in runs[1:]:
        result.figure(
            f"then durability {other.p.durability}",
            f"{other.p.events:,} events, {len(other.restarts)} SIGKILLs, missing {other.missing},"
            f" stored twice {other.stored_twice}, integrity {other.checks_ok},"
            f" undelivered {len(other.undelivered)}",
        )
    for one in runs:
        d = one.p.durability
        result.check(len(one.restarts) == one.p.kills, f"{d}: {len(one.restarts)} kills")
        result.check(len(one.acked) == one.p.events, f"{d}: not all events were acknowledged")
        result.check(not one.missing, f"{d}: {one.missing} acknowledged events are missing")
        result.check(not one.stored_twice, f"{d}: a messageId was stored twice")
        result.check(all(c == "ok" for c in one.checks), f"{d}: integrity_check failed")
        result.check(not one.undelivered, f"{d}: {len(one.undelivered)} never reached the webhook")
        result.check(not one.rejected, f"{d}: valid events were rejected")
        result.check(one.again_duplicates == 500, f"{d}: an acknowledged event was stored again")
        result.check(one.exit_code == 0, f"{d}: the final SIGTERM exited {one.exit_code}")
    return result


def _pass(workdir: Path, p: Params, rng: random.Random) -> Run:
    with receivers(1) as (hook,):
        tally = Tally(hook)
        workspace = Workspace.make(workdir, f'[storage]\ndurability = "{p.durability}"\n')
        workspace.add_webhook("hook", hook.url, batch_mode=True, timeout_seconds=5)
        address = f"127.0.0.1:{free_port()}"
        daemon = workspace.daemon("--grpc", address).start()
        try:
            per_client = p.events // p.clients
            senders = [
                ResendingSender(address, workspace.write_key, ids(f"k{c}-", per_client), p.batch)
                for c in range(p.clients)
            ]
            total = per_client * p.clients
            marks = sorted(rng.sample(range(total * 3 // 100, total * 97 // 100), p.kills))
            started = time.monotonic()
            for sender in senders:
                sender.start()
            restarts: list[float] = []
            checks: list[str] = []
            for mark in marks:
                while sum(s.acked_count for s in senders) < mark:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.05))
                daemon.kill()
                began = time.monotonic()
                daemon.start()
                restarts.append(time.monotonic() - began)
                for name in ("segd.db", "dedup.db"):
                    checks.append(pragma_check(workspace.data_dir / name))
            for sender in senders:
                sender.join(600)
            load_seconds = time.monotonic() - started
            acked = {i for s in senders for i in s.stats.acked}
            stored = stored_ids(workspace.data_dir)
            undelivered = tally.wait_for(set(stored), p.delivery_timeout)
            # Sending acknowledged events again stores nothing: each is a DUPLICATE.
            again = ResendingSender(address, workspace.write_key, sorted(acked)[:500], p.batch)
            again.start().join(60)
            exit_code = daemon.stop()
        finally:
            daemon.kill()
    return Run(
        p,
        acked,
        stored,
        undelivered,
        checks,
        restarts,
        sum(s.stats.resends for s in senders),
        sum(s.stats.duplicates for s in senders),
        sum(s.stats.rejected for s in senders),
        tally.deliveries - len(tally.ids()),
        again.stats.duplicates,
        exit_code,
        load_seconds,
    )

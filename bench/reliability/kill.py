"""1. SIGKILL at random moments under load, from clients that resend what was not acknowledged.

Several clients send their own messageIds in batches to a daemon on a fixed port and
resend a batch until every event of it is answered (ACCEPTED or DUPLICATE). The daemon
is killed with SIGKILL at random points of the load, restarted at once, and after each
restart `PRAGMA integrity_check` reads both databases while it runs. A webhook receives
everything in batch mode. In the end: every acknowledged event is in the log, no
messageId is stored twice, and every stored event reached the webhook at least once.
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


FULL = Params(events=100_000, clients=4, kills=20, batch=100, delivery_timeout=300.0)
QUICK = Params(events=3_000, clients=3, kills=3, batch=50, delivery_timeout=60.0)


def run(workdir: Path, quick: bool = False, seed: int = 1) -> Result:
    p = QUICK if quick else FULL
    result = Result(1, "kill -9 under load")
    rng = random.Random(seed)
    with receivers(1) as (hook,):
        tally = Tally(hook)
        workspace = Workspace.make(workdir / "kill")
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
            unique = set(stored)
            missing_delivery = tally.wait_for(unique, p.delivery_timeout)
            # Sending acknowledged events again stores nothing: each is a DUPLICATE.
            again = ResendingSender(address, workspace.write_key, sorted(acked)[:500], p.batch)
            again.start().join(60)
            exit_code = daemon.stop()
        finally:
            daemon.kill()
    resends = sum(s.stats.resends for s in senders)
    duplicates_answered = sum(s.stats.duplicates for s in senders)
    bad_checks = [c for c in checks if c != "ok"]
    result.figure("events", total)
    result.figure("clients", p.clients)
    result.figure("SIGKILLs", len(restarts))
    result.figure("acknowledged", len(acked))
    result.figure("acknowledged missing", len(acked - unique))
    result.figure("duplicate messageIds stored", len(stored) - len(unique))
    result.figure("integrity_check ok", f"{len(checks) - len(bad_checks)}/{len(checks)}")
    result.figure("resent batches", resends)
    result.figure("answered DUPLICATE on resend", duplicates_answered)
    result.figure("delivered to webhook", f"{len(unique) - len(missing_delivery)}/{len(unique)}")
    result.figure("redelivered", tally.deliveries - len(tally.ids()))
    result.figure("resent acknowledged answered DUPLICATE", f"{again.stats.duplicates}/500")
    result.figure("restart median s", statistics.median(restarts) if restarts else 0.0)
    result.figure("load s", load_seconds)
    result.check(len(restarts) == p.kills, f"{len(restarts)} kills, not {p.kills}")
    result.check(len(acked) == total, f"only {len(acked)} of {total} events were acknowledged")
    result.check(not acked - unique, f"{len(acked - unique)} acknowledged events are missing")
    result.check(len(stored) == len(unique), "a messageId was stored twice")
    result.check(not bad_checks, f"integrity_check: {bad_checks[:1]}")
    result.check(not missing_delivery, f"{len(missing_delivery)} events never reached the webhook")
    result.check(not any(s.stats.rejected for s in senders), "valid events were rejected")
    result.check(again.stats.duplicates == 500, "an acknowledged event was stored again")
    result.check(exit_code == 0, f"the final SIGTERM exited {exit_code}")
    return result

"""5. SIGTERM under load: in-flight calls finish, new calls get UNAVAILABLE, exit 0.

Clients send flat out (resending what is refused, as they should); after a random
stretch of load the daemon gets SIGTERM. Every call is classified by when the client
started it: before the signal and still open then (in flight: it must finish OK, or,
if it reached the daemon only after the drain began, be refused like a new call), or
after it (OK while the signal is on its way, else UNAVAILABLE: refused by the drain
or, once the port is closed, not connected). No call may end CANCELLED, UNKNOWN or
INTERNAL or be cut off; the process must exit 0 within the grace period; everything
acknowledged must be in the log. Repeated for several rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import grpc

from bench.reliability.harness import Result, Workspace, free_port, stored_ids
from bench.reliability.load import ResendingSender, ids
from segd.server.drain import UNAVAILABLE_MESSAGE

GRACE_SECONDS = 10.0  # grpc.shutdown_grace_seconds, the default


@dataclass(frozen=True)
class Params:
    rounds: int
    clients: int
    batch: int
    load_seconds: tuple[float, float]


FULL = Params(rounds=5, clients=6, batch=200, load_seconds=(1.0, 4.0))
QUICK = Params(rounds=1, clients=4, batch=200, load_seconds=(0.5, 1.0))


def run(workdir: Path, quick: bool = False, seed: int = 5) -> Result:
    p = QUICK if quick else FULL
    result = Result(5, "SIGTERM under load")
    rng = random.Random(seed)
    workspace = Workspace.make(workdir / "sigterm", router=False)
    address = f"127.0.0.1:{free_port()}"
    in_flight: Counter[str] = Counter()
    after: Counter[str] = Counter()
    shutdowns: list[float] = []
    exits: list[int | None] = []
    acked: set[str] = set()
    for round_ in range(p.rounds):
        daemon = workspace.daemon("--grpc", address).start()
        senders = [
            ResendingSender(
                address,
                workspace.write_key,
                ids(f"t{round_}-{c}-", 10_000_000),
                p.batch,
                wait_for_ready=False,
            ).start()
            for c in range(p.clients)
        ]
        try:
            time.sleep(rng.uniform(*p.load_seconds))
            assert daemon.proc is not None
            signalled = time.monotonic()
            daemon.proc.terminate()
            try:
                exits.append(daemon.proc.wait(GRACE_SECONDS + 20))
            except Exception:
                exits.append(None)
            shutdowns.append(time.monotonic() - signalled)
            time.sleep(0.3)  # a few calls at the closed port
        finally:
            for sender in senders:
                sender.stop()
            for sender in senders:
                sender.join(30)
            daemon.kill()
        for sender in senders:
            acked.update(sender.stats.acked)
            for call in sender.stats.calls:
                if call.started < signalled < call.ended:
                    in_flight[_kind(call.code, call.details)] += 1
                elif call.started >= signalled:
                    after[_kind(call.code, call.details)] += 1
    stored = stored_ids(workspace.data_dir)
    unique = set(stored)
    # A call the client sent just before the signal may reach the daemon after the drain
    # began: it is refused (UNAVAILABLE, "retry") like any new call, never cut off.
    allowed_in_flight = {"OK", "drained"}
    allowed_after = {"OK", "drained", "port closed"}
    result.figure("rounds", p.rounds)
    result.figure("clients", p.clients)
    result.figure("acknowledged", len(acked))
    result.figure("in flight at SIGTERM", _codes(in_flight))
    result.figure("started after", _codes(after))
    result.figure("exit codes", ",".join(str(code) for code in exits))
    result.figure("shutdown median s", statistics.median(shutdowns))
    result.figure("max s", max(shutdowns))
    result.figure("acknowledged missing", len(acked - unique))
    result.check(all(code == 0 for code in exits), f"exit codes {exits}")
    result.check(max(shutdowns) < GRACE_SECONDS + 5, f"shutdown took {max(shutdowns):.1f} s")
    result.check(set(in_flight) <= allowed_in_flight, f"in-flight calls ended {dict(in_flight)}")
    result.check(in_flight["OK"] > 0, "no call was in flight at SIGTERM")
    result.check(set(after) <= allowed_after, f"calls after SIGTERM ended {dict(after)}")
    result.check(after["drained"] > 0, "no new call was refused with UNAVAILABLE while draining")
    result.check(not acked - unique, f"{len(acked - unique)} acknowledged events are missing")
    result.check(len(stored) == len(unique), "a messageId was stored twice")
    return result


def _kind(code: grpc.StatusCode, details: str) -> str:
    """OK; UNAVAILABLE from the drain (the call arrived after it began) or from a closed
    port; or the status of anything else."""
    if code == grpc.StatusCode.UNAVAILABLE:
        return "drained" if details == UNAVAILABLE_MESSAGE else "port closed"
    return str(code.name)


def _codes(counts: Counter[str]) -> str:
    return " ".join(f"{name} {n}" for name, n in counts.most_common()) or "none"

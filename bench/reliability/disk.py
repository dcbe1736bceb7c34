"""3. A full disk: the data directory on a small tmpfs the scenario mounts (needs root).

Two stretches, each under load from clients that resend what is refused:

- watermark: a ballast file leaves some room; the log grows until free space falls
  below `storage.min_free_bytes` (8 MiB here), and sends get UNAVAILABLE while the
  disk still has room (no write ever fails inside SQLite). The disk stays full for a
  while, then the ballast goes and sending resumes by itself;
- no watermark (`min_free_bytes = 0`, after a restart): SQLite itself meets the full
  disk; the group commit is rolled back and answered UNAVAILABLE; space returns and
  sending resumes.

The daemon must stay up throughout, lose nothing it acknowledged and leave databases
that pass `PRAGMA quick_check`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.reliability.harness import Result, Workspace, pragma_check, stored_ids
from bench.reliability.load import ResendingSender, ids
from tests.support.daemon import Daemon

MIB = 1024 * 1024
WATERMARK = 8 * MIB


@dataclass(frozen=True)
class Params:
    disk_mib: int
    room_mib: int  # free space left by the ballast in the watermark stretch
    hold_seconds: float
    clients: int


FULL = Params(disk_mib=96, room_mib=48, hold_seconds=15.0, clients=3)
QUICK = Params(disk_mib=32, room_mib=14, hold_seconds=1.0, clients=2)


class NeedsRoot(RuntimeError):
    """Mounting a tmpfs needs root and mount(8)."""


@contextlib.contextmanager
def tmpfs(path: Path, size_mib: int) -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise NeedsRoot("the full-disk scenario mounts a tmpfs: it needs root and mount(8)")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def fill(disk: Path, leave: int) -> Path:
    """A ballast file that leaves `leave` bytes free."""
    ballast = disk / "ballast"
    with open(ballast, "wb") as out:
        remaining = free_bytes(disk) - leave
        chunk = b"\0" * MIB
        while remaining > 0:
            out.write(chunk[: min(MIB, remaining)])
            remaining -= MIB
    return ballast


@dataclass
class Stretch:
    refused_after: float = float("nan")  # seconds of load before the first refusal
    free_at_refusal: int = 0
    resumed_after: float = float("nan")  # seconds from freeing space to the next ack
    up_while_full: bool = True


def _stretch(
    daemon: Daemon, workspace: Workspace, disk: Path, p: Params, leave: int, tag: str
) -> tuple[Stretch, list[ResendingSender]]:
    stretch = Stretch()
    ballast = fill(disk, leave)
    senders = [
        ResendingSender(
            daemon.address, workspace.write_key, ids(f"{tag}{c}-", 10_000_000), 100,
            wait_for_ready=False,
        ).start()
        for c in range(p.clients)
    ]  # fmt: skip
    began = time.monotonic()
    deadline = began + 120
    while time.monotonic() < deadline and not any(
        "UNAVAILABLE" in d for s in senders for d in s.stats.details
    ):
        time.sleep(0.01)
    stretch.refused_after = time.monotonic() - began
    stretch.free_at_refusal = free_bytes(disk)
    held = time.monotonic() + p.hold_seconds
    while time.monotonic() < held:
        stretch.up_while_full &= daemon.proc is not None and daemon.proc.poll() is None
        time.sleep(0.1)
    acked_before = sum(s.acked_count for s in senders)
    ballast.unlink()
    freed = time.monotonic()
    while time.monotonic() < freed + 30 and sum(s.acked_count for s in senders) == acked_before:
        time.sleep(0.01)
    if sum(s.acked_count for s in senders) > acked_before:
        stretch.resumed_after = time.monotonic() - freed
    time.sleep(0.5)
    for sender in senders:
        sender.stop()
    for sender in senders:
        sender.join(30)
    return stretch, senders


def run(workdir: Path, quick: bool = False) -> Result:
    p = QUICK if quick else FULL
    result = Result(3, "full disk")
    with tmpfs(workdir / "disk", p.disk_mib) as disk:
        workspace = Workspace.make(disk, router=False)
        workspace.config.write_text(f"[storage]\nmin_free_bytes = {WATERMARK}\n")
        daemon = workspace.daemon().start()
        try:
            watermark, senders = _stretch(daemon, workspace, disk, p, p.room_mib * MIB, "w")
            sqlite_failed_early = any(e.get("event") == "log.append_failed" for e in daemon.logs)
            exit_code = daemon.stop()
            workspace.config.write_text("[storage]\nmin_free_bytes = 0\n")
            daemon.start()
            full, more = _stretch(daemon, workspace, disk, p, MIB // 2, "f")
            senders += more
            disk_full_logged = any(
                e.get("event") == "log.append_failed" and e.get("disk_full") for e in daemon.logs
            )
            final_exit = daemon.stop()
        finally:
            daemon.kill()
        checks = {
            name: pragma_check(workspace.data_dir / name, "quick_check")
            for name in ("segd.db", "dedup.db")
        }
        stored = stored_ids(workspace.data_dir)
    acked = {i for s in senders for i in s.stats.acked}
    unique = set(stored)
    refusals = sum(n for s in senders for d, n in s.stats.details.items() if "UNAVAILABLE" in d)
    other = {d for s in senders for d in s.stats.details if "UNAVAILABLE" not in d}
    result.figure("tmpfs MiB", p.disk_mib)
    result.figure("watermark MiB", WATERMARK // MIB)
    result.figure("first refusal after s", watermark.refused_after)
    result.figure("free then MiB", watermark.free_at_refusal / MIB)
    result.figure("held full s", p.hold_seconds)
    result.figure("resumed s after space returned", watermark.resumed_after)
    result.figure("without watermark: SQLite full refused after s", full.refused_after)
    result.figure("resumed s", full.resumed_after)
    result.figure("UNAVAILABLE answers", refusals)
    result.figure("acknowledged", len(acked))
    result.figure("acknowledged missing", len(acked - unique))
    result.figure("quick_check", ",".join(f"{k} {v}" for k, v in checks.items()))
    result.check(watermark.free_at_refusal > 0, "the first refusal came with the disk full")
    result.check(not sqlite_failed_early, "a write failed inside SQLite above the watermark")
    result.check(disk_full_logged, "without the watermark SQLite never met the full disk")
    result.check(not other, f"other errors: {sorted(other)[:2]}")
    for name, stretch in (("watermark", watermark), ("no watermark", full)):
        result.check(stretch.up_while_full, f"{name}: the daemon went down while the disk was full")
        result.check(stretch.resumed_after < 30, f"{name}: sending did not resume")
    result.check((exit_code, final_exit) == (0, 0), f"exit codes {exit_code}, {final_exit}")
    result.check(not acked - unique, f"{len(acked - unique)} acknowledged events are missing")
    result.check(len(stored) == len(unique), "a messageId was stored twice")
    result.check(all(v == "ok" for v in checks.values()), f"quick_check: {checks}")
    return result

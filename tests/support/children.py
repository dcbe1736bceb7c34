"""The daemon's child processes, seen from a test: their log lines, and whether they exited."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.daemon import Daemon


def log_entry(
    daemon: Daemon, event: str, match: Callable[[dict[str, object]], bool], timeout: float = 10
) -> dict[str, object]:
    """The first line of the daemon's log named `event` for which `match` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in list(daemon.logs):
            if entry.get("event") == event and match(entry):
                return entry
        time.sleep(0.05)
    raise AssertionError(f"no matching {event!r} in the daemon's log")


def has_exited(pid: int) -> bool:
    """Whether the process is gone, or a zombie (it has exited; its parent has not reaped it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def assert_exits(pid: int, what: str, timeout: float = 10) -> None:
    """Wait for `pid` to exit; if it outlives `timeout`, kill it (to leave no orphan
    behind the failure) and fail, saying that `what` outlived the daemon."""
    deadline = time.monotonic() + timeout
    while not has_exited(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not has_exited(pid):
        os.kill(pid, signal.SIGKILL)
        raise AssertionError(f"{what} outlived the daemon")

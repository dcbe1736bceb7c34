"""Helpers for delivery tests: a daemon with fast retry timings, destinations, sending."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from segd.api.v1 import collector_pb2
from tests.support.daemon import Daemon, segd_command, track

SOURCE = "test_source"  # the slug of the first source `init_workspace` creates


def fast_config(path: Path, **router: float) -> Path:
    """A config file whose retry timings fit in a test (seconds, not hours)."""
    settings: dict[str, float] = {
        "reload_seconds": 0.2,
        "retry_base_seconds": 0.05,
        "retry_max_delay_seconds": 0.3,
        "retry_poll_seconds": 0.2,
        "commit_interval_seconds": 0.05,
        "drain_seconds": 2.0,
        "retry_window_seconds": 60.0,
    }
    settings.update(router)
    lines = ["[router]", *(f"{key} = {value}" for key, value in settings.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def add_webhook(data_dir: Path, name: str, url: str, **settings: Any) -> None:
    merged = {"urls": [url], "timeout_seconds": 0.5, **settings}
    segd_command(
        "destination", "add", name, "--type", "webhook", "--source", SOURCE,
        "--settings", json.dumps(merged), data_dir=data_dir,
    )  # fmt: skip


def segd_failing(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run a `segd` command expected to fail; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "segd", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def send(daemon: Daemon, ids: Iterable[str], **fields: Any) -> list[str]:
    """Send track events with these messageIds in one batch; all must be accepted."""
    ids = list(ids)
    with daemon.channel() as channel:
        reply = daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[track(message_id=i, **fields) for i in ids],
            ),
            timeout=10,
        )
    assert list(reply.outcomes) == [collector_pb2.OUTCOME_ACCEPTED] * len(ids)
    return ids


def query(data_dir: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Read the daemon's database (read-only) to watch delivery state."""
    with sqlite3.connect(f"file:{data_dir / 'segd.db'}?mode=ro", uri=True, timeout=5) as conn:
        return list(conn.execute(sql, args))


def dead_letters(data_dir: Path, destination: str) -> list[tuple[Any, ...]]:
    return query(
        data_dir,
        "SELECT d.message_id, d.attempts, d.error, d.request_sample, d.response_sample"
        " FROM dead_letters d JOIN destinations x ON x.id = d.destination_id"
        " WHERE x.name = ? AND d.replayed_at IS NULL ORDER BY d.id",
        destination,
    )


def eventually(check: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)

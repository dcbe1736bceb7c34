"""A real segd daemon on 127.0.0.1:0 with its own data directory, for integration tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from segd.api.v1 import collector_pb2_grpc, event_pb2
from segd.events import to_json

STARTUP_TIMEOUT = 20.0


def segd_command(*args: str, data_dir: Path) -> str:
    """Run a `segd` CLI command against `data_dir` and return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "segd", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def init_workspace(data_dir: Path, source_name: str = "Test Source") -> tuple[str, str]:
    """`segd init` with a first source; returns (owner token, write key)."""
    out = segd_command("init", "--first-source", source_name, data_dir=data_dir)
    lines = out.splitlines()
    token = lines[lines.index(next(x for x in lines if x.startswith("Owner admin token"))) + 1]
    write_key = next(x for x in lines if x.startswith("Write key:")).split(":", 1)[1]
    return token.strip(), write_key.strip()


@dataclass
class Daemon:
    """A `segd serve` process; `logs` collects its JSON log lines as they come."""

    data_dir: Path
    config: Path | None = None
    extra_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    address: str = ""
    #: host:port of the HTTP Tracking API ("" when it is off).
    http_address: str = ""
    logs: list[dict[str, object]] = field(default_factory=list)
    raw_output: list[str] = field(default_factory=list)

    def start(self) -> Daemon:
        args = [sys.executable, "-m", "segd", "serve", "--data-dir", str(self.data_dir)]
        if self.config is not None:
            args += ["--config", str(self.config)]
        args += ["--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", *self.extra_args]
        self.logs, self.raw_output, self.address, self.http_address = [], [], "", ""
        ready = threading.Event()
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env},
        )
        threading.Thread(target=self._read, args=(self.proc, ready), daemon=True).start()
        if not ready.wait(STARTUP_TIMEOUT) or not self.address:
            self.kill()
            raise RuntimeError("segd did not start:\n" + "".join(self.raw_output))
        return self

    def _read(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.raw_output.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            self.logs.append(entry)
            if entry.get("event") == "segd.listening":
                self.address = str(entry["grpc"])
                self.http_address = str(entry.get("http") or "")
                ready.set()
        ready.set()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> Daemon:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return self.start()

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP Tracking API, such as http://127.0.0.1:41234."""
        return f"http://{self.http_address}"

    @contextmanager
    def channel(self) -> Iterator[grpc.Channel]:
        with grpc.insecure_channel(self.address) as channel:
            yield channel

    def collector(self, channel: grpc.Channel) -> collector_pb2_grpc.CollectorStub:
        return collector_pb2_grpc.CollectorStub(channel)

    def stored_events(self) -> list[dict[str, Any]]:
        """The Segment JSON of every event in the log, read straight from segd.db."""
        return stored_events(self.data_dir)

    def wait_for_log(self, event: str, timeout: float = 10.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in list(self.logs):
                if entry.get("event") == event:
                    return entry
            time.sleep(0.05)
        raise AssertionError(f"no {event!r} in the daemon's log")


def stored_events(data_dir: Path) -> list[dict[str, Any]]:
    """The events table of `data_dir`'s segd.db, in log order, as Segment JSON."""
    with contextlib.closing(sqlite3.connect(data_dir / "segd.db")) as db:
        rows = db.execute("SELECT payload FROM events ORDER BY seq").fetchall()
    events = []
    for (payload,) in rows:
        event = event_pb2.Event()
        event.ParseFromString(payload)
        events.append(to_json(event))
    return events


def track(
    user_id: str = "user-1", name: str = "Order Completed", **fields: object
) -> event_pb2.Event:
    """A track event with sensible defaults; fields override (properties as JSON text)."""
    event = event_pb2.Event(type=event_pb2.EVENT_TYPE_TRACK, user_id=user_id, event=name)
    for key, value in fields.items():
        setattr(event, key, value)
    return event

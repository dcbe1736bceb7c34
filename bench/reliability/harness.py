"""What every scenario shares: its result line, workspaces, daemons, the measuring tools."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.daemon import Daemon, init_workspace, segd_command
from tests.support.receiver import Received, Receiver

SOURCE = "test_source"  # the slug of the first source `init_workspace` makes

#: Router timings that fit a run of minutes rather than hours; stated in the README.
FAST_ROUTER = {
    "reload_seconds": 0.5,
    "retry_base_seconds": 0.2,
    "retry_max_delay_seconds": 5.0,
    "retry_poll_seconds": 0.2,
    "commit_interval_seconds": 0.05,
    "drain_seconds": 2.0,
}


@dataclass
class Result:
    """A scenario's one line of figures, and what it found wrong (nothing, we hope)."""

    number: int
    name: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, label: str, value: object) -> None:
        if isinstance(value, float):
            text = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = str(value)
        self.figures.append((label, text))

    def check(self, ok: bool, what: str) -> bool:
        """Record `what` as a failure unless `ok`; returns `ok`."""
        if not ok:
            self.failures.append(what)
        return ok

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        figures = "; ".join(f"{label} {value}" for label, value in self.figures)
        verdict = "ok" if self.ok else "FAILED: " + " | ".join(self.failures)
        return f"[{self.number}] {self.name} ({self.seconds:.0f} s): {figures} -> {verdict}"


def free_port() -> int:
    """A port free on 127.0.0.1 now, for a daemon that must keep its address on restart."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Workspace:
    """An initialised data directory with a config file; starts daemons on it."""

    data_dir: Path
    owner_token: str
    write_key: str
    config: Path

    @classmethod
    def make(cls, parent: Path, config_text: str = "", router: bool = True) -> Workspace:
        parent.mkdir(parents=True, exist_ok=True)
        data_dir = parent / "data"
        token, write_key = init_workspace(data_dir)
        text = config_text
        if router and "[router]" not in text:
            text += "\n[router]\n" + "".join(f"{k} = {v}\n" for k, v in FAST_ROUTER.items())
        config = parent / "segd.toml"
        config.write_text(text)
        return cls(data_dir, token, write_key, config)

    def daemon(self, *extra_args: str) -> Daemon:
        return Daemon(self.data_dir, config=self.config, extra_args=extra_args)

    def add_webhook(self, name: str, url: str, **settings: object) -> None:
        import json

        merged = {"urls": [url], **settings}
        segd_command(
            "destination", "add", name, "--type", "webhook", "--source", SOURCE,
            "--settings", json.dumps(merged), data_dir=self.data_dir,
        )  # fmt: skip


class Tally:
    """Each messageId a receiver accepted: how many times, and when first (time.time())."""

    def __init__(self, receiver: Receiver) -> None:
        self.first: dict[str, float] = {}
        self.deliveries = 0
        self._lock = threading.Lock()
        receiver.keep = False
        receiver.on_accept = self._accept

    def _accept(self, request: Received) -> None:
        events = request.events()
        with self._lock:
            self.deliveries += len(events)
            for event in events:
                self.first.setdefault(str(event["messageId"]), request.at)

    def ids(self) -> set[str]:
        with self._lock:
            return set(self.first)

    def wait_for(self, ids: set[str], timeout: float) -> set[str]:
        """Wait until all of `ids` arrived or `timeout` passed; returns those missing."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                missing = {i for i in ids if i not in self.first}
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.2)


@contextlib.contextmanager
def receivers(count: int) -> Iterator[list[Receiver]]:
    made = [Receiver().start() for _ in range(count)]
    try:
        yield made
    finally:
        for receiver in made:
            receiver.close()


def stored_ids(data_dir: Path) -> list[str]:
    """Every messageId in the event log, in log order (duplicates included)."""
    with contextlib.closing(sqlite3.connect(data_dir / "segd.db", timeout=30)) as db:
        return [m for (m,) in db.execute("SELECT message_id FROM events ORDER BY seq")]


def pragma_check(path: Path, pragma: str = "integrity_check") -> str:
    """`PRAGMA integrity_check` (or quick_check) of one database file: "ok" when sound."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        rows = db.execute(f"PRAGMA {pragma}").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def percentile(values: Iterable[float], pct: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    return statistics.quantiles(data, n=1000, method="inclusive")[round(pct * 10) - 1]


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Samples a process's resident memory every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(rss_mib(self.pid))
            self._stop.wait(self.interval)

    @property
    def peak(self) -> float:
        return max(self.samples, default=0.0)


#: What a client must never see in an error: traces, file names, class and module names.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|\bsegd\.|\bgrpc\.|aiosqlite|sqlite3|asyncio|"
    r"\b[A-Z][a-zA-Z]+(Error|Exception)\b|<[a-z_.]+ object at 0x|\bsys\.",
)


def leak_in(text: str) -> str | None:
    """The first internal detail found in an error text, or None when it is clean."""
    found = LEAKS.search(text)
    return found.group(0) if found else None


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"

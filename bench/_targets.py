"""What the load is sent to: a real `segd serve`, and the gRPC servers it is compared with.

- the no-op server decodes each request and answers, storing nothing;
- the store-and-ack server decodes each request, appends its events to segd's event log
  (segd's own `Store`, group commits, the same durability) and answers after the commit:
  no validation, deduplication, debugger or schema. It is the cost of acknowledging
  only what is stored, in this stack, which segd cannot beat either.

Each runs in its own process, listens on 127.0.0.1:0 and tells its address; each
reports its resident memory from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc

from segd.api.v1 import collector_pb2, event_pb2
from segd.config import GrpcConfig, Limits
from segd.store import LogRow, Store

STARTUP_TIMEOUT = 30.0
ACCEPTED = collector_pb2.OUTCOME_ACCEPTED
#: A log row without its seq, which the group commit assigns.
RowTail = tuple[int, str, int, str, str, str, int, bytes]


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """CPU time (user + system) of a process, or of one of its threads, from /proc."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    stat = Path(path).read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, theirs, ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def segd(*args: str) -> str:
    """Run a `segd` command and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "segd", *args], capture_output=True, text=True, check=True
    ).stdout


def init_workspace(data_dir: Path) -> str:
    """`segd init --first-source`; returns the source's write key."""
    out = segd("init", "--data-dir", str(data_dir), "--first-source", "Bench")
    return next(x for x in out.splitlines() if x.startswith("Write key:")).split(":", 1)[1].strip()


class SegdDaemon:
    """A `segd serve` subprocess on 127.0.0.1:0 (gRPC and HTTP) with the given durability."""

    def __init__(
        self, data_dir: Path, write_key: str, durability: str, normalize_workers: int | None = None
    ) -> None:
        self.data_dir = data_dir
        self.write_key = write_key
        config = data_dir / "bench.toml"
        settings = f'[storage]\ndurability = "{durability}"\n'
        if normalize_workers is not None:
            settings += f"[grpc]\nnormalize_workers = {normalize_workers}\n"
        config.write_text(settings)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "segd", "serve", "--data-dir", str(data_dir),
             "--config", str(config), "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.pid = self._proc.pid
        self.address = ""
        self.output: list[str] = []
        ready = threading.Event()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        if not ready.wait(STARTUP_TIMEOUT) or not self.address:
            self.close()
            raise RuntimeError("segd did not start:\n" + "".join(self.output))

    def _read(self, ready: threading.Event) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line)
            if not self.address and '"segd.listening"' in line:
                self.address = str(json.loads(line)["grpc"])
                ready.set()
        ready.set()

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def cpu(self) -> tuple[float, float, dict[int, float]]:
        """CPU seconds used so far: the whole daemon, its main (event loop) thread, and
        each of its child processes (the normalising worker, the schema consumer)."""
        children = {}
        for pid in descendants(self.pid):
            with contextlib.suppress(OSError):
                children[pid] = cpu_seconds(pid)
        return cpu_seconds(self.pid), cpu_seconds(self.pid, self.pid), children

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def _batch_reply(data: bytes) -> tuple[Any, Sequence[event_pb2.Event]]:
    request = collector_pb2.SendBatchRequest.FromString(data)
    ids = [event.message_id for event in request.events]
    reply = collector_pb2.SendBatchResponse(outcomes=[ACCEPTED] * len(ids), message_ids=ids)
    return reply, request.events


def _single_reply(data: bytes) -> tuple[Any, Sequence[event_pb2.Event]]:
    request = collector_pb2.SendRequest.FromString(data)
    reply = collector_pb2.SendResponse(outcome=ACCEPTED, message_id=request.event.message_id)
    return reply, [request.event]


class _GroupCommit:
    """Events appended to segd's log in group commits, as segd's writer does it: the
    requests waiting are one transaction, and each is answered after it committed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: list[tuple[list[RowTail], asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._seq = 1
        self._task = asyncio.create_task(self._run())

    async def append(self, events: Sequence[event_pb2.Event]) -> None:
        received_ms = time.time_ns() // 1_000_000
        rows: list[RowTail] = [
            (1, e.message_id, e.type, e.event or e.name, e.user_id, e.anonymous_id,
             received_ms, e.SerializeToString())
            for e in events
        ]  # fmt: skip
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((rows, done))
        self._wakeup.set()
        await done

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._waiting:
                group, self._waiting = self._waiting, []
                rows: list[LogRow] = []
                for tails, _ in group:
                    for tail in tails:
                        rows.append((self._seq, *tail))
                        self._seq += 1
                try:
                    await self._store.log.append(rows)
                except Exception as exc:  # the calls fail, and the load reports it
                    for _, done in group:
                        done.set_exception(exc)
                    continue
                for _, done in group:
                    done.set_result(None)


def _unary(reply: Callable[[bytes], Any], log: _GroupCommit | None) -> Any:
    async def handle(data: bytes, context: Any) -> Any:
        answer, events = reply(data)
        if log is not None:
            await log.append(events)
        return answer

    return grpc.unary_unary_rpc_method_handler(
        handle, response_serializer=lambda message: message.SerializeToString()
    )


async def _serve(conn: Connection, data_dir: Path | None, durability: str) -> None:
    limits, config = Limits(), GrpcConfig()
    store = await Store.open(data_dir, durability) if data_dir is not None else None
    log = _GroupCommit(store) if store is not None else None
    server = grpc.aio.server(
        maximum_concurrent_rpcs=config.max_concurrent_calls,
        options=[("grpc.max_receive_message_length", limits.max_batch_bytes + 4096)],
    )
    methods = {"SendBatch": _unary(_batch_reply, log), "Send": _unary(_single_reply, log)}
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("segd.api.v1.Collector", methods),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    conn.send(f"127.0.0.1:{port}")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(1)
    if store is not None:
        await store.close()


def _server_main(conn: Connection, data_dir: Path | None, durability: str) -> None:
    asyncio.run(_serve(conn, data_dir, durability))


class _BaselineServer:
    """A baseline gRPC server in a process of its own."""

    def __init__(self, name: str, data_dir: Path | None = None, durability: str = "full") -> None:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_server_main, args=(child, data_dir, durability), name=name)
        self._proc.start()
        if not parent.poll(STARTUP_TIMEOUT):
            self.close()
            raise RuntimeError(f"the {name} server did not start")
        self.address: str = parent.recv()
        assert self._proc.pid is not None
        self.pid = self._proc.pid

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def close(self) -> None:
        if self._proc.is_alive():
            os.kill(self.pid, signal.SIGTERM)
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join()


class NoopServer(_BaselineServer):
    """The Collector service answering every event accepted, storing nothing.

    Same generated service, same request decoding and the same message limit as segd:
    the cost of gRPC and protobuf in Python on this machine, which segd cannot beat.
    """

    def __init__(self) -> None:
        super().__init__("noop-grpc")


class StoreAndAckServer(_BaselineServer):
    """The no-op server, but each call is answered once its events are in segd's log
    (a fresh one in `data_dir`), committed with `durability`."""

    def __init__(self, data_dir: Path, durability: str) -> None:
        super().__init__("store-and-ack-grpc", data_dir, durability)

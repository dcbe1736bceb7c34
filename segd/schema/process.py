"""The schema consumer runs in a child process, so that its CPU work never holds the
daemon's GIL.

Inside the daemon it cost about 8 us of Python per stored event on the event loop
(decoding the protobuf, typing the properties), a quarter of the main thread's CPU under
ingest load, and each 2,000-event batch blocked the loop for 15-40 ms, delaying every
other await, the group commit's SQLite round trips among them: ingest at batch 100 was
27k events/s with it and 34k without it (bench.ingest).

The child opens its own connections: a query-only one to segd.db, to read the log, and
schema.db, which it alone writes (the daemon's Admin API reads it through `Store.schema`).
It runs the same `SchemaConsumer` loop, from the same cursor, in an event loop of its own.

The daemon wakes it through a pipe after each commit. A shared flag says whether a
wake-up is already pending, so the daemon writes a byte only when none is: under load,
`notify` mostly reads one byte of shared memory and returns. The child clears the flag
when it is woken, before its next read of the log: a commit made before the clearing is
in that read, and one made after it finds the flag down and writes again. The child
also polls every few seconds, as it always did.

The pipe is also how the child learns that the daemon is gone: when the daemon closes it
(on shutdown) or dies (even by SIGKILL; nothing else holds its write end), the child
reads end-of-file and exits. A child that dies is logged and replaced; it resumes from
its cursor in schema.db, which moves in the same transaction as the statistics.

Children are forked from the daemon's fork server (`segd.children`; the daemon's threads
are never forked), which has this module imported before any fork, so starting one is
cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import structlog

from segd import children
from segd import log as log_setup
from segd.schema.consumer import SchemaConsumer
from segd.store import LogReader, SchemaStore

log = structlog.get_logger(__name__)

#: Seconds a child gets to finish on close() before it is terminated.
CLOSE_TIMEOUT_SECONDS = 10.0
#: Seconds between a child's death and the start of the next (a child that cannot start
#: is retried at this pace rather than in a tight loop).
RESTART_DELAY_SECONDS = 1.0


def follow(data_dir: Path, wake: Connection, pending: Any, log_level: str, log_format: str) -> None:
    """The child's main: run the schema consumer until the daemon closes `wake` or dies."""
    # Ctrl-C in a terminal reaches the whole process group: the daemon decides when the
    # child stops (it closes the pipe), and the child finishes cleanly then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log_setup.configure(log_level, log_format)
    asyncio.run(_follow(data_dir, wake, pending))


async def _follow(data_dir: Path, wake: Connection, pending: Any) -> None:
    reader = await LogReader.open(data_dir / "segd.db")
    try:
        schema = await SchemaStore.open(data_dir / "schema.db")
        try:
            consumer = SchemaConsumer(reader.log, schema)
            await _run_until_parent_gone(consumer, wake, pending)
        finally:
            await schema.close()
    finally:
        await reader.close()


async def _run_until_parent_gone(consumer: SchemaConsumer, wake: Connection, pending: Any) -> None:
    loop = asyncio.get_running_loop()
    parent_gone: asyncio.Future[None] = loop.create_future()
    fd = wake.fileno()
    os.set_blocking(fd, False)

    def woken() -> None:
        # Cleared before the next read of the log: a commit after this point sees the
        # flag down and writes again.
        pending.value = 0
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        if data:
            consumer.notify()
        elif not parent_gone.done():
            parent_gone.set_result(None)

    loop.add_reader(fd, woken)
    following = asyncio.create_task(consumer.run(), name="schema-consumer")
    try:
        await asyncio.wait([following, parent_gone], return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(fd)
        following.cancel()
        # Ours to cancel; a transaction cut short rolls back and the cursor stays put.
        with contextlib.suppress(asyncio.CancelledError):
            await following


@dataclass(slots=True)
class _Child:
    process: Any
    #: The write end of the wake-up pipe (non-blocking).
    wake: Connection
    #: 1 while a wake-up byte is written and not yet taken (shared memory).
    pending: Any

    @classmethod
    def start(cls, data_dir: Path, log_level: str, log_format: str) -> _Child:
        """Start a child (blocks until the fork server has forked it)."""
        context = children.context()
        child_end, parent_end = context.Pipe(duplex=False)
        pending = context.RawValue(ctypes.c_byte, 0)
        process = context.Process(
            target=follow,
            args=(data_dir, child_end, pending, log_level, log_format),
            name="segd-schema",
            daemon=True,
        )
        try:
            process.start()
        except BaseException:
            parent_end.close()
            raise
        finally:
            child_end.close()
        # Written with os.write, never Connection.send: a full pipe means the child has
        # a wake-up to read already, and notify must not block.
        os.set_blocking(parent_end.fileno(), False)
        return cls(process, parent_end, pending)

    def notify(self) -> None:
        if self.pending.value:
            return
        self.pending.value = 1
        # BlockingIOError: the pipe is full of wake-ups already; BrokenPipeError: the
        # child is gone and its replacement starts by reading the log.
        with contextlib.suppress(OSError):
            os.write(self.wake.fileno(), b"\0")

    async def exited(self) -> int | None:
        """Wait for the process to end, without a thread; returns its exit code."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        sentinel = self.process.sentinel

        def readable() -> None:
            if not ended.done():
                ended.set_result(None)

        loop.add_reader(sentinel, readable)
        try:
            await ended
        finally:
            loop.remove_reader(sentinel)
        code: int | None = self.process.exitcode
        self.release()
        return code

    def stop(self, timeout: float) -> int | None:
        """Close the pipe (the child's signal to finish), wait, then end it (blocks)."""
        self.wake.close()
        process = self.process
        process.join(timeout)
        if process.is_alive():
            log.warning("schema.process_terminated", pid=process.pid, timeout_seconds=timeout)
            process.terminate()
            process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
        code: int | None = process.exitcode
        self.release()
        return code

    def release(self) -> None:
        self.wake.close()
        with contextlib.suppress(ValueError):  # still running (it is not, when called)
            self.process.close()


class SchemaProcess:
    """The daemon's side: keeps one child running, and wakes it after commits.

    `start` begins a task that starts the child and replaces it when it dies; `close`
    ends that task, then stops the child.
    """

    def __init__(self, data_dir: Path, log_level: str = "info", log_format: str = "auto") -> None:
        self._args = (data_dir, log_level, log_format)
        self._child: _Child | None = None
        self._starting: asyncio.Future[_Child] | None = None
        self._supervisor: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the child in the background (it need not be up before ingestion is)."""
        self._supervisor = asyncio.create_task(self._supervise(), name="schema-process")

    def notify(self) -> None:
        """New events are in the log (called after every commit: costs next to nothing)."""
        if self._child is not None:
            self._child.notify()

    async def _supervise(self) -> None:
        while True:
            try:
                child = await self._start_child()
            except Exception:
                log.exception("schema.process_start_failed")
            else:
                pid = child.process.pid
                log.info("schema.process_started", pid=pid)
                code = await child.exited()
                self._child = None
                log.warning("schema.process_exited", pid=pid, exit_code=code)
            await asyncio.sleep(RESTART_DELAY_SECONDS)

    async def _start_child(self) -> _Child:
        # On a thread: the fork server's first start imports the children's modules.
        self._starting = asyncio.ensure_future(asyncio.to_thread(_Child.start, *self._args))
        # Shielded: cancelled meanwhile, the child still starts, and close() stops it.
        child = await asyncio.shield(self._starting)
        self._child, self._starting = child, None
        return child

    async def close(self) -> None:
        """Replace no child from now on; tell the child to stop, give it
        CLOSE_TIMEOUT_SECONDS, then end it."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        child, self._child = self._child, None
        if child is None and self._starting is not None:
            with contextlib.suppress(Exception):
                child = await self._starting
        self._starting = None
        if child is not None:
            pid = child.process.pid
            code = await asyncio.to_thread(child.stop, CLOSE_TIMEOUT_SECONDS)
            log.info("schema.process_stopped", pid=pid, exit_code=code)

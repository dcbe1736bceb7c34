"""Normalising big batches in worker processes, off the daemon's GIL.

Under batch load the daemon is bound by its GIL: one core for all its Python. Parsing
an event, normalising it and serializing what the log stores is about 8 us of that per
event, the largest share of the event loop's own work. So the collector hands large
batches to a worker process: the event loop writes the request's bytes to the worker's
pipe and reads back, per event, a `Rejection` or the `Normalized` columns and payload
the log stores.

The pipes are asyncio transports, so the daemon gains no thread (each would take the
GIL in turn). A worker answers its requests in order, so each keeps a queue of the
futures waiting for it. A worker that dies fails what it had (the collector then
normalises those batches itself) and is replaced. When the daemon closes its end of the
request pipe, or dies (nothing else holds that end), the worker reads end-of-file and
exits.
"""

from __future__ import annotations

import asyncio
import pickle
import signal
import struct
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import structlog

from segd import children
from segd.api.v1 import collector_pb2, event_pb2
from segd.config import Limits
from segd.normalize import Rejection, normalize

log = structlog.get_logger(__name__)

TRACK = event_pb2.EVENT_TYPE_TRACK
#: Seconds between a worker's death and the start of its replacement.
RESTART_DELAY_SECONDS = 1.0
#: Seconds workers get to exit on close() before they are killed.
CLOSE_TIMEOUT_SECONDS = 10.0
#: multiprocessing.connection's framing: a signed 32-bit big-endian length, then the bytes.
_HEADER = struct.Struct("!i")
_NOW = struct.Struct("!q")


#: What the log stores of a normalised event, but its source and receiving time:
#: (message_id, type, name, user_id, anonymous_id, payload). A plain tuple rather than a
#: NamedTuple: a worker pickles one per event, and the daemon unpickles it on its event
#: loop, where a NamedTuple is rebuilt through its class, one call per event.
Normalized = tuple[str, int, str, str, str, bytes]


def normalize_for_log(
    event: event_pb2.Event, now_ns: int, limits: Limits
) -> Rejection | Normalized:
    """`normalize` the event in place, then take what the log stores of it."""
    rejection = normalize(event, now_ns, limits)
    if rejection is not None:
        return rejection
    kind = event.type
    return (
        event.message_id,
        kind,
        event.event if kind == TRACK else event.name,
        event.user_id,
        event.anonymous_id,
        event.SerializeToString(),
    )


def serve(requests: Connection, answers: Connection, limits: Limits) -> None:
    """A worker's main: answer SendBatchRequests until the daemon closes the pipe."""
    # Ctrl-C reaches the whole process group; the daemon decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            frame = requests.recv_bytes()
        except EOFError:
            return
        (now_ns,) = _NOW.unpack_from(frame)
        events = collector_pb2.SendBatchRequest.FromString(frame[_NOW.size :]).events
        answer = [normalize_for_log(event, now_ns, limits) for event in events]
        answers.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


class WorkerUnavailable(Exception):
    """No worker could normalise the batch: the caller does it itself."""


class _Answers(asyncio.Protocol):
    """The read end of a worker's answer pipe: frames, each answering the oldest request."""

    def __init__(self) -> None:
        #: The futures of the requests sent and not yet answered, oldest first.
        self.waiting: deque[asyncio.Future[list[Any]]] = deque()
        self._buffer = bytearray()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer)
            end = _HEADER.size + size
            if len(buffer) < end:
                return
            with memoryview(buffer) as view:
                answer = pickle.loads(view[_HEADER.size : end])
            del buffer[:end]
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _Worker:
    """One worker process, the write end of its request pipe, and the read end of its answers."""

    def __init__(self, process: Any, requests: asyncio.WriteTransport, answers: _Answers) -> None:
        self.process = process
        self.requests = requests
        self.answers = answers
        self.waiting = answers.waiting

    @classmethod
    async def start(cls, limits: Limits) -> _Worker:
        context = children.context()
        request_read, request_write = context.Pipe(duplex=False)
        answer_read, answer_write = context.Pipe(duplex=False)
        process = context.Process(
            target=serve,
            args=(request_read, answer_write, limits),
            name="segd-normalize",
            daemon=True,
        )
        try:
            # On a thread: forking (and the fork server's first start) blocks.
            await asyncio.to_thread(process.start)
        except BaseException:
            request_write.close()
            answer_read.close()
            raise
        finally:
            request_read.close()
            answer_write.close()
        loop = asyncio.get_running_loop()
        answers = _Answers()
        await loop.connect_read_pipe(lambda: answers, answer_read)
        requests, _ = await loop.connect_write_pipe(asyncio.Protocol, request_write)
        return cls(process, requests, answers)

    def submit(self, request: bytes, now_ns: int) -> asyncio.Future[list[Any]]:
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self.requests.write(_HEADER.pack(_NOW.size + len(request)) + _NOW.pack(now_ns))
        self.requests.write(request)
        return future

    def fail_waiting(self) -> None:
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerUnavailable("the normalising worker exited"))

    def close(self) -> None:
        """Close the request pipe: the worker's signal to exit."""
        self.requests.close()


class NormalizePool:
    """Worker processes that normalise SendBatchRequests; `workers` of them, kept running."""

    def __init__(self, workers: int, limits: Limits) -> None:
        self._size = workers
        self._limits = limits
        self._workers: list[_Worker] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    def start(self) -> None:
        """Start the workers in the background: until one is up, callers normalise."""
        for _ in range(self._size):
            self._tasks.append(asyncio.create_task(self._keep_worker(), name="normalize-worker"))

    async def normalize(self, request: bytes, now_ns: int) -> Sequence[Rejection | Normalized]:
        """Normalise every event of a SendBatchRequest (its bytes) in a worker."""
        if not self._workers:
            raise WorkerUnavailable("no normalising worker is running")
        worker = min(self._workers, key=lambda w: len(w.waiting))
        # Cancelled, the future stays in the queue: its answer still comes, in its turn.
        return await worker.submit(request, now_ns)

    async def close(self) -> None:
        """Let the workers finish what they have and exit; end those that do not."""
        self._closing = True
        for worker in self._workers:
            worker.close()
        if not self._tasks:
            return
        _, running = await asyncio.wait(self._tasks, timeout=CLOSE_TIMEOUT_SECONDS)
        if running:
            for worker in self._workers:
                log.warning("normalize.worker_killed", pid=worker.process.pid)
                worker.process.kill()
            await asyncio.wait(running)

    async def _keep_worker(self) -> None:
        """Keep one worker running: start it, and when it ends fail what it had and
        start another (unless closing)."""
        while not self._closing:
            try:
                worker = await _Worker.start(self._limits)
            except Exception:
                log.exception("normalize.worker_start_failed")
                await asyncio.sleep(RESTART_DELAY_SECONDS)
                continue
            log.info("normalize.worker_started", pid=worker.process.pid)
            self._workers.append(worker)
            if self._closing:  # close() came while it started
                worker.close()
            await worker.answers.closed
            self._workers.remove(worker)
            worker.fail_waiting()
            worker.requests.close()
            await asyncio.to_thread(worker.process.join)
            if self._closing:
                return
            log.error(
                "normalize.worker_exited",
                pid=worker.process.pid,
                exit_code=worker.process.exitcode,
            )
            await asyncio.sleep(RESTART_DELAY_SECONDS)

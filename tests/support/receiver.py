"""A real webhook receiver on 127.0.0.1 (aiohttp.web in a thread of its own).

Tests set how it answers (`ok`, `fail(status, retry_after)`, `hang()`), make it refuse
connections (`refuse()`, then `accept()` on the same port), and read what it accepted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]
    at: float  # time.time() of receipt

    def events(self) -> list[dict[str, Any]]:
        """The Segment calls in the body (one, or a batch mode array)."""
        data = json.loads(self.body)
        return data if isinstance(data, list) else [data]


class Receiver:
    def __init__(self) -> None:
        self.accepted: list[Received] = []
        self.attempts = 0
        self.port = 0
        self._status = 200
        self._retry_after: str | None = None
        self._hang = 0.0
        #: Seconds each accepted request takes to answer (a slow but healthy receiver).
        self.delay = 0.0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        #: Called with each accepted request (from the receiver's thread).
        self.on_accept: Callable[[Received], None] | None = None
        #: False: accepted requests are only passed to `on_accept` (long benchmarks).
        self.keep = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        self.accept()
        return self

    def close(self) -> None:
        self._hang = 0.0
        self._call(self._stop_site())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(10)

    # -- behaviour --------------------------------------------------------------

    def ok(self) -> None:
        self._status, self._retry_after, self._hang = 200, None, 0.0

    def fail(self, status: int, retry_after: str | None = None) -> None:
        self._status, self._retry_after, self._hang = status, retry_after, 0.0

    def hang(self, seconds: float = 30.0) -> None:
        """Answer nothing for `seconds` (then 503): past any sensible client timeout."""
        self._hang = seconds

    def refuse(self) -> None:
        """Stop listening: connections are refused until `accept`."""
        self._hang = 0.0
        self._call(self._stop_site())

    def accept(self) -> None:
        self._call(self._start_site())

    # -- reading ----------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for request in self.accepted for event in request.events()]

    def message_ids(self) -> set[str]:
        return {str(event["messageId"]) for event in self.events()}

    def wait_for(self, done: Callable[[Receiver], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not done(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"receiver: condition not met in {timeout} s;"
                    f" {len(self.events())} events accepted, {self.attempts} attempts"
                )
            time.sleep(0.05)

    def wait_for_ids(self, ids: set[str], timeout: float = 15.0) -> None:
        self.wait_for(lambda r: ids <= r.message_ids(), timeout)

    # -- the server -------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._lock:
            self.attempts += 1
        if self._hang:
            # Until the hang is over or the behaviour changes (so that shutdown is quick).
            deadline = time.monotonic() + self._hang
            while self._hang and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            return web.Response(status=503)
        if self._status >= 300:
            headers = {"Retry-After": self._retry_after} if self._retry_after else {}
            return web.Response(status=self._status, text="failing on purpose", headers=headers)
        if self.delay:
            await asyncio.sleep(self.delay)
        received = Received(body, dict(request.headers), time.time())
        if self.keep:
            with self._lock:
                self.accepted.append(received)
        if self.on_accept is not None:
            self.on_accept(received)
        return web.Response(text="ok")

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = int(self._runner.addresses[0][1])

    async def _stop_site(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

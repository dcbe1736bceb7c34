"""The Segment-compatible HTTP Tracking API: a second front door to the same Collector.

Built on aiohttp's server: asyncio-native like the rest of the daemon, maintained,
and it lets us switch off its own request decompression so that the bound on a
gzip body's decompressed size is ours (segd/server/tracking_api.py).

Handlers are thin: read the body, let tracking_api turn it into events, call
`Collector.send_batch` (the path gRPC takes), and answer as Segment does:
200 {"success": true} once the events are committed, errors as
{"success": false, "code": ..., "message": ...} with the status from
segd/server/status.py.
"""

from __future__ import annotations

import asyncio
import json
import math
import ssl
import time
from collections.abc import Callable

import structlog
from aiohttp import web, web_response

from segd.collector import Collector
from segd.config import HttpConfig, Limits
from segd.errors import (
    ConfigError,
    Overloaded,
    RateLimited,
    RequestTooLarge,
    SegdError,
    Unauthenticated,
    Unavailable,
)
from segd.server.ratelimit import RateLimiter
from segd.server.status import http_status_for
from segd.server.tracking_api import (
    CALLS,
    METRICS_PATH,
    batch_calls,
    convert,
    decode_body,
    parse_body,
    write_key_of,
)

log = structlog.get_logger(__name__)

# aiohttp names itself and Python's version in the Server header of every response,
# including those it makes itself for requests it cannot parse (which no hook of the
# application sees); the version of a server is nobody's business.
web_response.SERVER_SOFTWARE = "segd"  # type: ignore[attr-defined]

SUCCESS = b'{"success": true}'
JSON = "application/json"
#: Headers a browser may send cross-origin; the browser library uses text/plain
#: bodies to avoid preflights, other clients send these.
ALLOWED_HEADERS = "Content-Type, Authorization, Content-Encoding"
#: Answered when the writer is overloaded or the daemon is going away.
RETRY_AFTER_SECONDS = 1
#: How long new requests get 503 on shutdown before the listener closes, so that
#: clients on kept-alive connections hear "retry" rather than a reset.
DRAIN_SECONDS = 0.5


def split_listen(listen: str) -> tuple[str, int]:
    """'127.0.0.1:8088' → ('127.0.0.1', 8088); '[::1]:0' → ('::1', 0)."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"http.listen must be HOST:PORT, not {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


class HttpServer:
    """The HTTP listener; `start` binds, `stop` refuses new requests and drains the rest."""

    def __init__(
        self,
        config: HttpConfig,
        limits: Limits,
        collector: Collector,
        clock: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` (segd.server.tls) makes the port speak HTTPS only."""
        self._config = config
        self._ssl_context = ssl_context
        self._limits = limits
        self._collector = collector
        self._clock = clock
        rate = config.rate_limit_per_second
        self._limiter = (
            RateLimiter(rate, config.rate_limit_burst or math.ceil(rate)) if rate > 0 else None
        )
        # Slightly above the batch limit, for gzip's framing; the limit proper is
        # checked on the decompressed body.
        app = web.Application(client_max_size=limits.max_batch_bytes + 4096)
        app.router.add_post("/v1/{call}", self.post)
        app.router.add_route("OPTIONS", "/v1/{call}", self.preflight)
        # Everything else gets our JSON error rather than aiohttp's plain-text page.
        app.router.add_route("*", "/{tail:.*}", self.elsewhere)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            auto_decompress=False,
            shutdown_timeout=config.shutdown_grace_seconds,
        )
        self.host, self.port = split_listen(config.listen)
        self._draining = False
        self._in_flight = 0

    async def start(self) -> int:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self._ssl_context)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(f"cannot listen on {self._config.listen}: {exc}") from exc
        self.port = int(self._runner.addresses[0][1])
        return self.port

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    async def stop(self) -> None:
        """Answer new requests 503 for a moment, then stop listening, close idle
        connections and let in-flight requests finish within the grace period."""
        self._draining = True
        await asyncio.sleep(min(DRAIN_SECONDS, self._config.shutdown_grace_seconds))
        await self._runner.cleanup()

    async def post(self, request: web.Request) -> web.Response:
        """POST /v1/{call}: one call, a batch, or the browser library's metrics."""
        name = request.match_info["call"]
        try:
            if self._draining:
                raise Unavailable("the daemon is shutting down; retry")
            if name == METRICS_PATH:
                return _reply(request, 200, SUCCESS)
            if name not in CALLS:
                return _error(request, 404, "not_found", f"no such endpoint: /v1/{name}")
            # Refused before the body is read: under overload a refusal costs next to
            # nothing, and the bodies held in memory are bounded.
            if self._in_flight >= self._config.max_concurrent_requests:
                raise Overloaded("too many requests at once; retry later")
            self._collector.check_load()
            self._in_flight += 1
            try:
                return await self._track(request, name)
            finally:
                self._in_flight -= 1
        except SegdError as exc:
            status, code = http_status_for(exc)
            headers = {}
            if isinstance(exc, RateLimited):
                seconds = str(max(1, math.ceil(exc.retry_after)))
                headers = {"Retry-After": seconds, "X-RateLimit-Reset": seconds}
            elif isinstance(exc, Overloaded | Unavailable):
                headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            return _error(request, status, code, str(exc), headers)
        except Exception:
            log.exception("http.handler_failed", path=request.path)
            return _error(request, 500, "internal", "internal error; see the daemon's log")

    async def _track(self, request: web.Request, name: str) -> web.Response:
        call = CALLS[name]
        is_batch = call is None
        limit = self._limits.max_batch_bytes if is_batch else self._limits.max_event_bytes
        if request.content_length is not None and request.content_length > limit + 4096:
            raise RequestTooLarge(f"the request body is over the limit of {limit} bytes")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge as exc:
            raise RequestTooLarge(f"the request body is over the limit of {limit} bytes") from exc
        body = decode_body(raw, request.headers.get("Content-Encoding"), limit)
        fields = parse_body(body)
        write_key = write_key_of(request.headers.get("Authorization"), fields)
        if not write_key:
            raise Unauthenticated(
                "no write key: send it as the Basic auth username or as writeKey in the body"
            )
        if self._limiter is not None:
            wait = self._limiter.take(write_key, self._clock())
            if wait > 0:
                raise RateLimited("this write key is over its rate limit; retry later", wait)
        events, rejected = convert(batch_calls(fields) if is_batch else [fields], call)
        result = await self._collector.send_batch(write_key, events, len(body), rejected)
        if not is_batch and result.rejections:
            # A single call has nothing else to answer for: say why, as a 400.
            _, rejection = result.rejections[0]
            return _error(request, 400, rejection.reason, rejection.message)
        return _reply(request, 200, SUCCESS)

    async def elsewhere(self, request: web.Request) -> web.Response:
        """Any other path, or a method other than POST on a tracking path."""
        if request.path.startswith("/v1/") and request.path.count("/") == 2:
            response = _error(request, 405, "method_not_allowed", "use POST")
            response.headers["Allow"] = "POST, OPTIONS"
            return response
        return _error(request, 404, "not_found", "no such endpoint")

    async def preflight(self, request: web.Request) -> web.Response:
        """A browser's CORS preflight: any origin may POST to the tracking API."""
        response = web.Response(status=204)
        _allow_origin(request, response)
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", ALLOWED_HEADERS
        )
        response.headers["Access-Control-Max-Age"] = "86400"
        return response


def _allow_origin(request: web.Request, response: web.Response) -> None:
    # The write key is the credential (cookies are never read), so every origin is
    # welcome: the browser library runs on the customer's pages, wherever they are.
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers["Vary"] = "Origin"


def _reply(
    request: web.Request, status: int, body: bytes, headers: dict[str, str] | None = None
) -> web.Response:
    response = web.Response(status=status, body=body, content_type=JSON, headers=headers)
    _allow_origin(request, response)
    return response


def _error(
    request: web.Request,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = json.dumps({"success": False, "code": code, "message": message}).encode()
    return _reply(request, status, body, headers)

"""The Webhooks destination: POST each event's Segment JSON to up to five URLs.

Like Segment's webhook destination, a request carries the JSON of one call with
Content-Type application/json; in batch mode a request carries a JSON array of the
batch's calls instead. With a shared secret, `X-Signature` is the hex HMAC-SHA256 of
the exact request body, so a receiver can check that the request came from this
daemon and was not altered (see the README for the receiving side).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import Field, HttpUrl, SecretStr, field_validator

from segd.destinations import http
from segd.destinations.base import (
    BatchResult,
    Category,
    Destination,
    DestinationSettings,
    Failure,
    OutboundEvent,
)

#: Headers the destination sets itself; custom headers may not replace them.
RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "x-signature"})
_SECRET_WORDS = ("auth", "key", "token", "secret", "cookie", "signature")
#: Most of a response body read; the rest is not needed for the delivery view.
_READ_LIMIT = 64 * 1024


class WebhookSettings(DestinationSettings):
    urls: list[HttpUrl] = Field(
        min_length=1,
        max_length=5,
        title="Webhook URLs",
        description="Each event is POSTed to every URL (at most 5).",
    )
    headers: dict[str, SecretStr] = Field(
        default_factory=dict,
        title="Custom headers",
        description="Extra request headers, such as Authorization; values are kept secret.",
    )
    shared_secret: SecretStr | None = Field(
        None,
        title="Shared secret",
        description="Signs each request: X-Signature is the hex HMAC-SHA256 of the body.",
    )
    timeout_seconds: float = Field(
        10.0, gt=0.0, le=300.0, title="Timeout", description="Seconds to wait for an answer."
    )
    batch_mode: bool = Field(
        False,
        title="Batch mode",
        description="POST each batch as one JSON array instead of one request per event.",
    )
    max_connections: int = Field(
        16, ge=1, le=256, title="Connections", description="Most requests open at once."
    )

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, headers: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, value in headers.items():
            if not name or not all(
                33 <= ord(c) < 127 and c not in '()<>@,;:\\"/[]?={}' for c in name
            ):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"the {name} header is set by the destination itself")
            if any(c in value.get_secret_value() for c in "\r\n"):
                raise ValueError(f"the value of {name} must be on one line")
        return headers


def sign(secret: str, body: bytes) -> str:
    """The X-Signature of a body: hex HMAC-SHA256 with the shared secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class Webhook(Destination):
    name = "webhook"
    display_name = "Webhooks"
    category = Category.OTHER
    description = "POSTs each event's JSON to your URLs, signed with a shared secret."
    Settings = WebhookSettings

    def __init__(self, settings: DestinationSettings) -> None:
        super().__init__(settings)
        assert isinstance(settings, WebhookSettings)
        self.config = settings
        self._urls = [str(url) for url in settings.urls]
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.config.max_connections),
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_batch(self, events: Sequence[OutboundEvent]) -> BatchResult:
        if self.config.batch_mode:
            failure = await self._post_everywhere(encode([e.body for e in events]))
            return BatchResult.all_failed(len(events), failure) if failure else BatchResult()
        failures = await asyncio.gather(*(self._post_everywhere(encode(e.body)) for e in events))
        return BatchResult({i: f for i, f in enumerate(failures) if f is not None})

    async def _post_everywhere(self, body: bytes) -> Failure | None:
        """Deliver one body to every URL; a retryable failure wins over a permanent one."""
        if len(self._urls) == 1:
            return await self._post(self._urls[0], body)
        failures = [
            f for f in await asyncio.gather(*(self._post(u, body) for u in self._urls)) if f
        ]
        if not failures:
            return None
        retryable = [f for f in failures if f.retryable]
        if not retryable:
            return failures[0]
        waits = [f.retry_after for f in retryable if f.retry_after is not None]
        first = retryable[0]
        return Failure(
            True, first.error, max(waits, default=None), first.request_sample, first.response_sample
        )

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        headers.update({k: v.get_secret_value() for k, v in self.config.headers.items()})
        if self.config.shared_secret is not None:
            headers["X-Signature"] = sign(self.config.shared_secret.get_secret_value(), body)
        return headers

    async def _post(self, url: str, body: bytes) -> Failure | None:
        assert self._session is not None, "open() was not called"
        headers = self._headers(body)
        try:
            async with self._session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                content = await response.content.read(_READ_LIMIT)
                if http.is_success(response.status):
                    return None
                retryable = http.is_retryable_status(response.status)
                wait = None
                if retryable:
                    wait = http.parse_retry_after(
                        response.headers.get("Retry-After"), datetime.now(UTC)
                    )
                sample = http.response_sample(
                    response.status, response.reason or "", response.headers, content
                )
                error = f"HTTP {response.status} from {url}"
                return Failure(retryable, error, wait, self._sample(url, headers, body), sample)
        except TimeoutError:
            error = f"no answer from {url} within {self.config.timeout_seconds:g} s"
            return Failure(True, error, None, self._sample(url, headers, body))
        except aiohttp.ClientError as exc:
            error = f"cannot reach {url}: {exc or type(exc).__name__}"
            return Failure(True, error, None, self._sample(url, headers, body))

    def _sample(self, url: str, headers: dict[str, str], body: bytes) -> str:
        """The request for the delivery view: the value of every custom header (they are
        settings secrets) and of any header named like a credential is hidden."""
        custom = {name.lower() for name in self.config.headers}
        hidden = {n.lower() for n in headers if any(w in n.lower() for w in _SECRET_WORDS)} | custom
        return http.request_sample("POST", url, headers, body, hidden)

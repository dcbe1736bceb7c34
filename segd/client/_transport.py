"""Sending batches over gRPC, with retries that keep each event's messageId.

Retried: UNAVAILABLE (daemon restarting, shutting down, low on disk),
RESOURCE_EXHAUSTED (overloaded or rate limited) and DEADLINE_EXCEEDED (the daemon
may have stored the batch without our hearing back). A retry resends the same
events, so the daemon's deduplication stores each once whatever happened to the
earlier attempt. Everything else (an unknown write key, a malformed request) fails
at once: retrying cannot help.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc

from segd.api.v1 import collector_pb2, collector_pb2_grpc, event_pb2

RETRYABLE = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
    }
)
#: A batch of SendBatch stays under the daemon's 500 KB limit with room to spare.
MAX_BATCH_BYTES = 450 * 1024
#: The channel's own reconnection backoff is capped low, so a restarted daemon is
#: found again within our retries rather than after gRPC's default of two minutes.
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.max_receive_message_length", 4 * 1024 * 1024),
]


class DeliveryError(Exception):
    """A batch could not be delivered: `code` is the gRPC status, after any retries."""

    def __init__(self, code: grpc.StatusCode, message: str, attempts: int) -> None:
        super().__init__(f"{code.name}: {message} (after {attempts} attempt(s))")
        self.code = code
        self.attempts = attempts


class EventRejected(Exception):
    """The daemon refused one event (see `reason`); the others of its batch went on."""

    def __init__(self, message_id: str, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.message_id = message_id
        self.reason = reason


def backoff_delay(
    attempt: int, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Seconds before retry number `attempt` (1, 2, ...): doubling, capped, jittered.

    The jitter takes up to half the delay off ("equal jitter"), so that many clients
    cut off together do not come back in step.
    """
    delay: float = min(cap, base * 2.0 ** (attempt - 1))
    return delay / 2 + rand() * delay / 2


PEM = bytes | str | Path


def _pem(value: PEM | None) -> bytes | None:
    """PEM bytes as given, or read from the file they name."""
    return Path(value).read_bytes() if isinstance(value, str | Path) else value


def credentials(
    root_certificates: PEM | None,
    client_certificate: PEM | None = None,
    client_key: PEM | None = None,
) -> grpc.ChannelCredentials:
    """TLS credentials: the given PEM roots, else the system's; and, for a daemon that
    asks for one (mutual TLS), a client certificate chain with its private key.

    Each is PEM bytes or the path of a PEM file.
    """
    if (client_certificate is None) != (client_key is None):
        raise ValueError("a client certificate needs its private key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_pem(root_certificates),
        private_key=_pem(client_key),
        certificate_chain=_pem(client_certificate),
    )


def batches(events: Sequence[event_pb2.Event], size: int) -> list[list[int]]:
    """Positions of `events` cut into batches of at most `size` events and MAX_BATCH_BYTES."""
    out: list[list[int]] = []
    current: list[int] = []
    total = 0
    for index, event in enumerate(events):
        nbytes = event.ByteSize() + 8
        if current and (len(current) >= size or total + nbytes > MAX_BATCH_BYTES):
            out.append(current)
            current, total = [], 0
        current.append(index)
        total += nbytes
    if current:
        out.append(current)
    return out


class Transport:
    """A blocking SendBatch with retries, on one channel."""

    def __init__(
        self,
        host: str,
        write_key: str,
        *,
        timeout: float,
        max_retries: int,
        tls: bool = False,
        root_certificates: PEM | None = None,
        client_certificate: PEM | None = None,
        client_key: PEM | None = None,
        backoff_base: float = 0.1,
        backoff_cap: float = 5.0,
    ) -> None:
        if tls or any(v is not None for v in (root_certificates, client_certificate, client_key)):
            tls_credentials = credentials(root_certificates, client_certificate, client_key)
            self._channel = grpc.secure_channel(host, tls_credentials, options=CHANNEL_OPTIONS)
        else:
            self._channel = grpc.insecure_channel(host, options=CHANNEL_OPTIONS)
        self._stub = collector_pb2_grpc.CollectorStub(self._channel)
        self._write_key = write_key
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff = (backoff_base, backoff_cap)

    def send(self, events: Sequence[event_pb2.Event]) -> collector_pb2.SendBatchResponse:
        """Send one batch; DeliveryError when it cannot be delivered after the retries."""
        attempt = 0
        while True:
            attempt += 1
            for event in events:
                event.sent_at.GetCurrentTime()
            request = collector_pb2.SendBatchRequest(write_key=self._write_key, events=events)
            try:
                reply: collector_pb2.SendBatchResponse = self._stub.SendBatch(
                    request, timeout=self._timeout
                )
                return reply
            except grpc.RpcError as exc:
                code = exc.code()  # type: ignore[attr-defined]
                details = exc.details() or ""  # type: ignore[attr-defined]
                if code not in RETRYABLE or attempt > self._max_retries:
                    raise DeliveryError(code, details, attempt) from exc
                time.sleep(backoff_delay(attempt, *self._backoff))

    def close(self) -> None:
        self._channel.close()

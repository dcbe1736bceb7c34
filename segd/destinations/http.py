"""HTTP answers as delivery outcomes: pure helpers shared by HTTP-based destinations.

Retryable: connection errors and timeouts (decided by the caller), 408, 429 and 5xx.
Every other non-2xx status is permanent: sending the same request again cannot help.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

#: Longest Retry-After honoured; a larger one is read as this.
MAX_RETRY_AFTER = 24 * 3600.0
SAMPLE_CHARS = 2000


def is_success(status: int) -> bool:
    return 200 <= status < 300


def is_retryable_status(status: int) -> bool:
    return status in (408, 429) or 500 <= status < 600


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max((when - now).total_seconds(), 0.0), MAX_RETRY_AFTER)


def sample(text: str | bytes, limit: int = SAMPLE_CHARS) -> str:
    """The start of a request or response body, for the delivery view."""
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more)"


def request_sample(
    method: str, url: str, headers: Mapping[str, str], body: bytes, secret_headers: set[str]
) -> str:
    """A request as text, header values named in `secret_headers` hidden."""
    lines = [f"{method} {url}"]
    for name, value in headers.items():
        shown = "********" if name.lower() in secret_headers else value
        lines.append(f"{name}: {shown}")
    return "\n".join(lines) + "\n\n" + sample(body)


def response_sample(status: int, reason: str, headers: Mapping[str, str], body: bytes) -> str:
    lines = [f"HTTP {status} {reason}".rstrip()]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n\n" + sample(body)

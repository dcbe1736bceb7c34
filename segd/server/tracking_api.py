"""Segment's HTTP Tracking API requests, read without I/O: body, write key, calls.

Everything here is a pure function of the request's bytes and headers, so each rule
has one table in tests/test_tracking_api.py. The handlers in segd/server/http.py
only move bytes in and out.

Rules, as Segment documents them:
- the write key is the username of HTTP Basic auth (password empty), or `writeKey`
  in the JSON body;
- a body may be gzip-compressed (Content-Encoding: gzip);
- /v1/batch carries `batch`, a list of calls each naming its `type`; the batch's own
  `context` and `integrations` merge into each call's, and its `sentAt` (which
  Segment's server libraries send once per batch) applies to calls without one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import zlib
from typing import Any

from segd.api.v1 import event_pb2
from segd.errors import InvalidRequest, RequestTooLarge
from segd.events import EventFormatError, from_json
from segd.normalize import Rejection, describe_json_error

#: The path after /v1/ → the call it makes; None for a batch. The one-letter paths
#: are the browser library's.
CALLS: dict[str, str | None] = {
    "identify": "identify",
    "track": "track",
    "page": "page",
    "screen": "screen",
    "group": "group",
    "alias": "alias",
    "batch": None,
    "import": None,  # the batch endpoint's older name, still documented
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
    "b": None,
}
#: The browser library's own metrics: accepted and ignored.
METRICS_PATH = "m"

#: Batch-level parts merged into each call of a batch.
MERGED_PARTS = ("context", "integrations")


def decode_body(raw: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The request body, decompressed, and at most `limit` bytes once decompressed.

    Raises RequestTooLarge past the limit (decompression stops there, so a small
    gzip bomb costs at most `limit` bytes of memory) and InvalidRequest for a body
    that is not gzip as declared or an encoding other than gzip.
    """
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        body = raw
    elif encoding in ("gzip", "x-gzip"):
        body = _gunzip(raw, limit)
    else:
        raise InvalidRequest(f"Content-Encoding {encoding!r} is not supported; use gzip")
    if len(body) > limit:
        raise RequestTooLarge(f"the request body is over the limit of {limit} bytes")
    return body


def _gunzip(data: bytes, limit: int) -> bytes:
    out = bytearray()
    # A gzip stream may hold several members one after the other; read them all.
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise InvalidRequest("the body is not valid gzip") from exc
        if len(out) > limit:
            raise RequestTooLarge(
                f"the request body is over the limit of {limit} bytes once decompressed"
            )
        if not inflater.eof:
            raise InvalidRequest("the gzip body is truncated")
        data = inflater.unused_data
    return bytes(out)


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request; InvalidRequest for anything else."""
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise InvalidRequest("the body is nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise InvalidRequest(f"the body is not valid JSON: {describe_json_error(exc)}") from exc
    if not isinstance(value, dict):
        raise InvalidRequest("the body must be a JSON object")
    return value


def basic_auth_user(authorization: str | None) -> str | None:
    """The username of an HTTP Basic Authorization header, or None without one.

    Segment's write key goes in the username with an empty password ("key:"); a
    key encoded without the colon is accepted too, as Segment still does.
    """
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest("the Authorization header is not valid Basic credentials") from exc
    return decoded.partition(":")[0]


def write_key_of(authorization: str | None, body: dict[str, Any]) -> str:
    """The write key: Basic auth first, then `writeKey` in the body; "" when neither."""
    user = basic_auth_user(authorization)
    if user:
        return user
    key = body.get("writeKey")
    return key if isinstance(key, str) else ""


def merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` laid over `base`, objects merged key by key at every depth; `own` wins."""
    merged = dict(base)
    for key, value in own.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            merged[key] = merge(below, value)
        else:
            merged[key] = value
    return merged


def batch_calls(body: dict[str, Any]) -> list[Any]:
    """The calls of a /v1/batch body with the batch-level fields applied to each."""
    calls = body.get("batch")
    if not isinstance(calls, list):
        raise InvalidRequest("batch must be a JSON array of calls")
    shared: dict[str, dict[str, Any]] = {}
    for part in MERGED_PARTS:
        value = body.get(part)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InvalidRequest(f"the batch's {part} must be a JSON object")
        if value:
            shared[part] = value
    sent_at = body.get("sentAt")
    if not shared and sent_at is None:
        return calls
    completed: list[Any] = []
    for call in calls:
        if isinstance(call, dict):
            call = dict(call)
            for part, value in shared.items():
                own = call.get(part)
                if own is None:
                    call[part] = value
                elif isinstance(own, dict):
                    call[part] = merge(value, own)
                # anything else stays as sent, for the conversion to reject
            if sent_at is not None and call.get("sentAt") is None:
                call["sentAt"] = sent_at
        completed.append(call)
    return completed


def convert(
    calls: list[Any], default_type: str | None
) -> tuple[list[event_pb2.Event], dict[int, Rejection]]:
    """Events for the calls; a call that cannot become one gets a placeholder and a rejection."""
    events: list[event_pb2.Event] = []
    rejected: dict[int, Rejection] = {}
    for index, call in enumerate(calls):
        try:
            events.append(from_json(call, default_type))
        except EventFormatError as exc:
            rejected[index] = Rejection(exc.reason, str(exc))
            events.append(_placeholder(call))
    return events, rejected


def _placeholder(call: Any) -> event_pb2.Event:
    """What can be told of a call that is no event: its ids, for the debugger to show."""
    event = event_pb2.Event()
    if isinstance(call, dict):
        for field, key in (
            ("message_id", "messageId"),
            ("user_id", "userId"),
            ("anonymous_id", "anonymousId"),
        ):
            value = call.get(key)
            if isinstance(value, str):
                # An id with an unpaired surrogate cannot be shown, as it cannot be stored.
                with contextlib.suppress(UnicodeEncodeError):
                    setattr(event, field, value[:200])
    return event

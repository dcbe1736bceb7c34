"""Events shaped like real ones, as request bytes for the load and as rows for the log.

A Segment SDK sends track, identify and page calls with a random uuid4 messageId, a
`context` full of library, page, user-agent and campaign details, and a handful of
properties or traits: about 500 bytes serialized. `EventShapes` makes a pool of such
event bodies (everything but the messageId) from a seed, so every target of a run
sees the same events; each event then gets a fresh messageId.

Requests are assembled from bytes rather than built as protobuf objects: a
SendBatchRequest is its write key followed by length-prefixed events, and an event
is its messageId field followed by the rest of its fields, which protobuf accepts in
any order. That keeps the load generator's own cost small next to the server's.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from segd.api.v1 import event_pb2
from segd.config import Limits
from segd.normalize import normalize
from segd.store import LogRow

TRACK = event_pb2.EVENT_TYPE_TRACK
IDENTIFY = event_pb2.EVENT_TYPE_IDENTIFY
PAGE = event_pb2.EVENT_TYPE_PAGE

_EVENT_NAMES = [
    "Order Completed",
    "Product Viewed",
    "Product Added",
    "Checkout Started",
    "Signed Up",
    "Cart Viewed",
    "Coupon Applied",
    "Video Playback Started",
]
_PAGES = ["/", "/pricing", "/docs/getting-started", "/blog/launch", "/products/shoes"]
_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15",
]


def _compact(value: object) -> str:
    """JSON as the SDKs send it (JSON.stringify: no spaces)."""
    return json.dumps(value, separators=(",", ":"))


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(tag: int, data: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(tag << 3 | 2) + _varint(len(data)) + data


def message_id_field(message_id: str) -> bytes:
    return _field(2, message_id.encode())  # Event.message_id = 2


def new_message_id() -> str:
    """A random uuid4, as the Segment SDKs make them."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Shape:
    """One event body: the serialized Event without its messageId, and its log columns."""

    body: bytes
    type: int
    name: str
    user_id: str
    anonymous_id: str


class EventShapes:
    """A seeded pool of event bodies (without messageIds) like the Segment SDKs send."""

    def __init__(self, seed: int = 1, count: int = 1000) -> None:
        rng = random.Random(seed)
        self._events = [self._make(rng, i) for i in range(count)]
        self.shapes = [self._shape(event) for event in self._events]

    @staticmethod
    def _make(rng: random.Random, index: int) -> event_pb2.Event:
        user = f"user-{rng.randrange(1_000_000):06d}"
        anonymous = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        path = rng.choice(_PAGES)
        context = {
            "library": {"name": "analytics.js", "version": "5.2.1"},
            "ip": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "userAgent": rng.choice(_AGENTS),
            "page": {
                "path": path,
                "referrer": "https://google.com/",
                "url": f"https://example.com{path}",
            },
        }
        event = event_pb2.Event(
            user_id=user, anonymous_id=anonymous, context=_compact(context), version=2
        )
        kind = (TRACK, TRACK, TRACK, PAGE, IDENTIFY)[index % 5]
        event.type = kind
        if kind == TRACK:
            event.event = rng.choice(_EVENT_NAMES)
            event.properties = _compact(
                {
                    "order_id": f"ord_{rng.randrange(10**8)}",
                    "revenue": round(rng.uniform(5, 500), 2),
                    "currency": "USD",
                    "sku": f"SKU-{rng.randrange(10**4)}",
                }
            )
        elif kind == PAGE:
            event.name = "Product Page"
            event.properties = _compact({"path": path, "search": "", "category": "shoes"})
        else:
            event.traits = _compact(
                {"email": f"{user}@example.com", "plan": "pro", "logins": rng.randrange(100)}
            )
        sent = time.time_ns() - rng.randrange(10**9)
        event.original_timestamp.FromNanoseconds(sent - rng.randrange(10**9))
        event.sent_at.FromNanoseconds(sent)
        return event

    @staticmethod
    def _shape(event: event_pb2.Event) -> Shape:
        name = event.event if event.type == TRACK else event.name
        return Shape(event.SerializeToString(), event.type, name, event.user_id, event.anonymous_id)

    def requests(self, write_key: str, batch: int, events: int) -> list[bytes]:
        """SendBatchRequest bytes (also valid SendRequest bytes when batch is 1)."""
        head = _field(1, write_key.encode())  # write_key = 1
        shapes = self.shapes
        out = []
        for start in range(0, events, batch):
            parts = [head]
            for i in range(start, start + batch):
                event = message_id_field(new_message_id()) + shapes[i % len(shapes)].body
                parts.append(_field(2, event))  # events = 2 (SendRequest.event = 2)
            out.append(b"".join(parts))
        return out

    def log_rows(self, source_id: int, first_seq: int, count: int) -> Iterator[LogRow]:
        """Rows as the daemon would store them: normalised events with fresh messageIds."""
        now_ns = time.time_ns()
        received_ms = now_ns // 1_000_000
        stored = []
        for event in self._events:
            copy = event_pb2.Event()
            copy.CopyFrom(event)
            copy.message_id = "x"
            assert normalize(copy, now_ns, Limits()) is None
            copy.ClearField("message_id")
            stored.append((self._shape(copy), copy.SerializeToString()))
        for offset in range(count):
            shape, payload = stored[offset % len(stored)]
            message_id = new_message_id()
            yield (
                first_seq + offset, source_id, message_id, shape.type, shape.name,
                shape.user_id, shape.anonymous_id, received_ms,
                message_id_field(message_id) + payload,
            )  # fmt: skip

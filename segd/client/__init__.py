"""A Python client for segd's Collector over gRPC, with Segment's library's interface.

Switching from Segment's `segment.analytics` takes a different import and a host::

    from segd.client import Client

    client = Client("WRITE_KEY", host="127.0.0.1:50051")
    client.track("user-1", "Order Completed", {"revenue": 42.5})
    client.shutdown()  # delivers what is queued

Errors, as on_error(error, messages) receives them (or sync_mode raises them)::

    Exception
    ├── DeliveryError    a batch not delivered: a non-retryable status, or retries spent
    └── EventRejected    one event refused by the daemon (its reason), the others stored

Arguments Segment's library would refuse (no user_id or anonymous_id, a track
without an event name) raise ValueError at the call.

From asyncio code the calls are fine as they are: they only check and queue. Call
`flush` and `shutdown`, which block, through `asyncio.to_thread`.
"""

from segd.client._client import Client, ErrorCallback, Message
from segd.client._transport import DeliveryError, EventRejected

__all__ = ["Client", "DeliveryError", "ErrorCallback", "EventRejected", "Message"]

"""The client: Segment's Python library's interface, sending to segd over gRPC.

Calls are checked and given their messageId at once, then put on a bounded queue;
one background thread takes up to `upload_size` events (or what arrived within
`upload_interval` seconds) and sends them as one SendBatch, retrying as
_transport explains. `sync_mode` sends each call before returning, for scripts
and tests.

The client logs through the standard `logging` module (logger "segd.client"), as a
library should: the application decides where those lines go.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from segd.api.v1 import event_pb2
from segd.client._messages import build
from segd.client._transport import DeliveryError, EventRejected, Transport, batches

Message = dict[str, Any]
#: on_error(error, messages): a DeliveryError for a batch that could not be
#: delivered, or an EventRejected for one event the daemon refused.
ErrorCallback = Callable[[Exception, list[Message]], object]

log = logging.getLogger("segd.client")


class Client:
    """Send Segment calls to segd; the interface of Segment's `analytics.Client`.

    Args:
        write_key: the source's write key.
        host: the daemon's gRPC address, HOST:PORT.
        on_error: called from the sending thread with (error, messages) for events
            that could not be delivered after the retries, or that the daemon refused.
        sync_mode: send each call before returning from it; errors are raised.
        send: False to build and check messages without sending them.
        max_queue_size: events waiting at most; a call beyond it returns (False, msg).
        upload_size: most events in one batch.
        upload_interval: seconds to wait for a batch to fill before sending it anyway.
        max_retries: retries of a batch on UNAVAILABLE, RESOURCE_EXHAUSTED and
            DEADLINE_EXCEEDED, with jittered exponential backoff in between.
        timeout: seconds one attempt may take.
        tls: use TLS (with the system's root certificates unless given).
        root_certificates: PEM root certificates (bytes, or a file path); implies TLS.
        client_certificate, client_key: a PEM certificate chain and its private key
            (bytes, or file paths), for a daemon that requires client certificates
            (mutual TLS); imply TLS.
        debug: log at debug level.
    """

    def __init__(
        self,
        write_key: str,
        host: str = "127.0.0.1:50051",
        debug: bool = False,
        max_queue_size: int = 10_000,
        send: bool = True,
        on_error: ErrorCallback | None = None,
        max_retries: int = 10,
        sync_mode: bool = False,
        timeout: float = 15.0,
        upload_size: int = 100,
        upload_interval: float = 0.5,
        tls: bool = False,
        root_certificates: bytes | str | Path | None = None,
        client_certificate: bytes | str | Path | None = None,
        client_key: bytes | str | Path | None = None,
    ) -> None:
        if not isinstance(write_key, str) or not write_key:
            raise ValueError("write_key must be a non-empty string")
        if upload_size < 1 or max_queue_size < 1:
            raise ValueError("upload_size and max_queue_size must be at least 1")
        if debug:
            log.setLevel(logging.DEBUG)
        self.write_key = write_key
        self.host = host
        self.on_error = on_error
        self.send = send
        self.sync_mode = sync_mode
        self.upload_size = upload_size
        self.upload_interval = upload_interval
        self.queue: queue.Queue[tuple[Message, event_pb2.Event]] = queue.Queue(max_queue_size)
        self._transport = Transport(
            host,
            write_key,
            timeout=timeout,
            max_retries=max_retries,
            tls=tls,
            root_certificates=root_certificates,
            client_certificate=client_certificate,
            client_key=client_key,
        )
        self._running = False
        self._thread: threading.Thread | None = None
        if send and not sync_mode:
            self._running = True
            self._thread = threading.Thread(target=self._drain, name="segd-client", daemon=True)
            self._thread.start()
            # A normal exit delivers what is queued; call shutdown() to choose when.
            atexit.register(self.shutdown)

    def identify(
        self,
        user_id: str | None = None,
        traits: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        anonymous_id: str | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Tie a user to their traits."""
        return self._enqueue(
            "identify",
            userId=user_id, anonymousId=anonymous_id, traits=traits, context=context,
            timestamp=timestamp, integrations=integrations, messageId=message_id,
        )  # fmt: skip

    def track(
        self,
        user_id: str | None = None,
        event: str | None = None,
        properties: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        anonymous_id: str | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Record an action the user performed."""
        return self._enqueue(
            "track",
            userId=user_id, anonymousId=anonymous_id, event=event, properties=properties,
            context=context, timestamp=timestamp, integrations=integrations,
            messageId=message_id,
        )  # fmt: skip

    def page(
        self,
        user_id: str | None = None,
        category: str | None = None,
        name: str | None = None,
        properties: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        anonymous_id: str | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Record a page view."""
        return self._enqueue(
            "page",
            userId=user_id, anonymousId=anonymous_id, category=category, name=name,
            properties=properties, context=context, timestamp=timestamp,
            integrations=integrations, messageId=message_id,
        )  # fmt: skip

    def screen(
        self,
        user_id: str | None = None,
        category: str | None = None,
        name: str | None = None,
        properties: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        anonymous_id: str | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Record a screen view in a mobile app."""
        return self._enqueue(
            "screen",
            userId=user_id, anonymousId=anonymous_id, category=category, name=name,
            properties=properties, context=context, timestamp=timestamp,
            integrations=integrations, messageId=message_id,
        )  # fmt: skip

    def group(
        self,
        user_id: str | None = None,
        group_id: str | None = None,
        traits: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        anonymous_id: str | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Associate a user with a group (a company, a team) and its traits."""
        return self._enqueue(
            "group",
            userId=user_id, anonymousId=anonymous_id, groupId=group_id, traits=traits,
            context=context, timestamp=timestamp, integrations=integrations,
            messageId=message_id,
        )  # fmt: skip

    def alias(
        self,
        previous_id: str | None = None,
        user_id: str | None = None,
        context: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
        integrations: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> tuple[bool, Message]:
        """Merge the identity `previous_id` into `user_id`."""
        return self._enqueue(
            "alias",
            previousId=previous_id, userId=user_id, context=context, timestamp=timestamp,
            integrations=integrations, messageId=message_id,
        )  # fmt: skip

    def flush(self) -> None:
        """Block until every queued event has been delivered or reported to on_error."""
        self.queue.join()

    def join(self) -> None:
        """Stop the sending thread once it has finished its current batch."""
        self._running = False
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def shutdown(self) -> None:
        """Deliver what is queued, stop the sending thread and close the channel."""
        atexit.unregister(self.shutdown)
        self.flush()
        self.join()
        self._transport.close()

    def _enqueue(self, call: str, **fields: Any) -> tuple[bool, Message]:
        message, event = build(call, fields)
        if not self.send:
            return True, message
        if self.sync_mode:
            self._deliver([(message, event)], raise_errors=True)
            return True, message
        try:
            self.queue.put_nowait((message, event))
        except queue.Full:
            log.warning("segd.client: the queue is full; %s call dropped", call)
            return False, message
        return True, message

    def _drain(self) -> None:
        while self._running:
            items = self._next_batch()
            if not items:
                continue
            try:
                self._deliver(items, raise_errors=False)
            except Exception as exc:  # the thread must outlive any one batch
                log.exception("segd.client: sending a batch failed")
                self._report(exc, [message for message, _ in items])
            finally:
                for _ in items:
                    self.queue.task_done()

    def _next_batch(self) -> list[tuple[Message, event_pb2.Event]]:
        items: list[tuple[Message, event_pb2.Event]] = []
        deadline = time.monotonic() + self.upload_interval
        while len(items) < self.upload_size:
            remaining = deadline - time.monotonic()
            try:
                items.append(self.queue.get(timeout=max(remaining, 0.001)))
            except queue.Empty:
                break
        return items

    def _deliver(self, items: list[tuple[Message, event_pb2.Event]], raise_errors: bool) -> None:
        for positions in batches([event for _, event in items], self.upload_size):
            chunk = [items[i] for i in positions]
            try:
                reply = self._transport.send([event for _, event in chunk])
            except DeliveryError as exc:
                if raise_errors:
                    raise
                log.error("segd.client: %d event(s) not delivered: %s", len(chunk), exc)
                self._report(exc, [message for message, _ in chunk])
                continue
            log.debug("segd.client: sent %d event(s)", len(chunk))
            for rejection in reply.rejections:
                message = chunk[rejection.index][0]
                error = EventRejected(message["messageId"], rejection.reason, rejection.message)
                if raise_errors:
                    raise error
                log.warning("segd.client: event %s rejected: %s", message["messageId"], error)
                self._report(error, [message])

    def _report(self, error: Exception, messages: list[Message]) -> None:
        if self.on_error is None:
            return
        try:
            self.on_error(error, messages)
        except Exception:
            log.exception("segd.client: the on_error callback failed")

"""Domain errors → status codes: one table per front door, side by side.

`GRPC_STATUS` for the gRPC services (and the `handler` wrapper that uses it),
`HTTP_STATUS` for the Segment-compatible HTTP Tracking API. The HTTP statuses are
Segment's: an oversized request is a 400 there, not a 413.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import grpc
import structlog
from google.protobuf.message import DecodeError, Message

from segd import errors

log = structlog.get_logger(__name__)

GRPC_STATUS: dict[type[errors.SegdError], grpc.StatusCode] = {
    errors.InvalidRequest: grpc.StatusCode.INVALID_ARGUMENT,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Overloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.RequestTooLarge: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}

#: HTTP status and the machine-readable `code` of the JSON error body Segment's
#: libraries read (`{"code": ..., "message": ...}`).
HTTP_STATUS: dict[type[errors.SegdError], tuple[int, str]] = {
    errors.InvalidRequest: (400, "invalid_request"),
    errors.RequestTooLarge: (400, "request_too_large"),
    errors.Unauthenticated: (401, "unauthenticated"),
    errors.PermissionDenied: (403, "permission_denied"),
    errors.NotFound: (404, "not_found"),
    errors.AlreadyExists: (409, "already_exists"),
    errors.RateLimited: (429, "rate_limited"),
    errors.Overloaded: (429, "overloaded"),
    errors.Unavailable: (503, "unavailable"),
}

M = TypeVar("M", bound=Message)
R = TypeVar("R")


def parse(message_type: type[M], data: bytes) -> M:
    """Decode a request ourselves: grpc's own decoder answers UNKNOWN with internals."""
    message = message_type()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise errors.InvalidRequest(
            f"the request is not a valid {message_type.DESCRIPTOR.name} message"
        ) from exc
    return message


def _lookup(table: dict[type[errors.SegdError], R], exc: errors.SegdError, default: R) -> R:
    """The entry of the most specific class of `exc` in `table`."""
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]  # type: ignore[index]
    return default


def status_for(exc: errors.SegdError) -> grpc.StatusCode:
    return _lookup(GRPC_STATUS, exc, grpc.StatusCode.INTERNAL)


def http_status_for(exc: errors.SegdError) -> tuple[int, str]:
    """(HTTP status, error code) for a domain error; 500 for one missing from the table."""
    return _lookup(HTTP_STATUS, exc, (500, "internal"))


async def abort_for(context: grpc.aio.ServicerContext[Any, Any], exc: BaseException) -> NoReturn:
    """End the call with the status for `exc` (INTERNAL, and a log line, if unexpected)."""
    if isinstance(exc, errors.SegdError):
        await context.abort(status_for(exc), str(exc))
    log.exception("grpc.handler_failed")
    await context.abort(grpc.StatusCode.INTERNAL, "internal error; see the daemon's log")
    raise AssertionError("unreachable")  # abort always raises


def handler(
    fn: Callable[[Any, bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[R]],
) -> Callable[[Any, bytes, grpc.aio.ServicerContext[Any, Any]], Awaitable[R]]:
    """Turn domain errors into their status codes and anything else into a bare INTERNAL."""

    @functools.wraps(fn)
    async def wrapper(self: Any, request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> R:
        try:
            return await fn(self, request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as exc:
            await abort_for(context, exc)

    return wrapper

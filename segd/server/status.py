"""Domain errors → status codes: one table per front door, side by side.

`GRPC_STATUS` for the gRPC services (and the `handler` wrapper that uses it),
`HTTP_STATUS` for the Segment-compatible HTTP Tracking API. The HTTP statuses are
Segment's: an oversized request is a 400 there, not a 413. An `InvalidFields` error
also carries its violations as a google.rpc.Status (see `rich_status`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import grpc
import structlog
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import DecodeError, Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from segd import errors
from segd.api.v1 import admin_pb2

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


def rich_status(exc: errors.InvalidFields) -> grpc.Status:
    """INVALID_ARGUMENT with a google.rpc.Status whose details are a google.rpc.BadRequest
    (one violation per field) and a TextPosition for each violation that has a position;
    clients read it with `grpc_status.rpc_status.from_call`."""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in exc.violations
        ]
    )
    details = [bad_request]
    details += [
        admin_pb2.TextPosition(field=v.field, position=v.position)
        for v in exc.violations
        if v.position is not None
    ]
    packed = []
    for detail in details:
        any_detail = AnyMessage()
        any_detail.Pack(detail)
        packed.append(any_detail)
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(exc), details=packed)
    )


async def abort_for(context: grpc.aio.ServicerContext[Any, Any], exc: BaseException) -> NoReturn:
    """End the call with the status for `exc` (INTERNAL, and a log line, if unexpected)."""
    if isinstance(exc, errors.InvalidFields):
        rich = rich_status(exc)
        await context.abort(rich.code, rich.details, rich.trailing_metadata)
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

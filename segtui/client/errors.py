"""gRPC failures as segtui's errors, with the field problems segd sends along."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import grpc
import grpc.aio
from google.rpc import error_details_pb2, status_pb2

from segd.api.v1 import admin_pb2 as pb
from segtui.errors import BadToken, ClientError, Disconnected, NotAllowed, Rejected, ServerError

_DISCONNECTED = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED,
}
_REJECTED = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


def error_from_rpc(exc: grpc.RpcError, addr: str) -> ClientError:
    """The segtui error for a failed call, with a message for people."""
    code = exc.code() if isinstance(exc, grpc.aio.AioRpcError | grpc.Call) else None
    details = (exc.details() if isinstance(exc, grpc.aio.AioRpcError | grpc.Call) else "") or ""
    if code in _DISCONNECTED:
        return Disconnected(f"segd at {addr} is not answering ({details or code})")
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return BadToken(f"segd at {addr} refused the token: {details or 'unauthenticated'}")
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return NotAllowed(details or "your roles do not allow this")
    if code in _REJECTED:
        violations, positions = _field_problems(exc)
        return Rejected(details or str(code), violations, positions)
    if code is grpc.StatusCode.UNIMPLEMENTED:
        return ServerError(f"segd at {addr} does not offer this call (an older version?)")
    return ServerError(f"segd failed: {details or code}")


def _field_problems(exc: grpc.RpcError) -> tuple[dict[str, str], dict[str, int]]:
    """The field violations and text positions segd puts in the status details."""
    trailing = exc.trailing_metadata() if isinstance(exc, grpc.aio.AioRpcError) else None
    pairs = cast(Iterable[tuple[str, object]], trailing or ())
    raw = next((v for k, v in pairs if k == "grpc-status-details-bin"), None)
    violations: dict[str, str] = {}
    positions: dict[str, int] = {}
    if not isinstance(raw, bytes):
        return violations, positions
    status = status_pb2.Status.FromString(raw)
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                violations.setdefault(violation.field, violation.description)
        elif detail.Is(pb.TextPosition.DESCRIPTOR):
            where = pb.TextPosition()
            detail.Unpack(where)
            positions[where.field] = where.position
    return violations, positions

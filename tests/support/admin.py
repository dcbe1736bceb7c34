"""A small client for the Admin service in tests: each call carries a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from segd.api.v1 import admin_pb2, admin_pb2_grpc

SERVICE = admin_pb2.DESCRIPTOR.services_by_name["Admin"]
METHODS = {method.name: method for method in SERVICE.methods}


def request_type(method: str) -> type[Message]:
    return GetMessageClass(METHODS[method].input_type)


class AdminClient:
    """`client.CreateSource(name="Web")` calls the method with a request made of the
    keyword arguments (or `client.CreateSource(request)`), authenticated by `token`."""

    def __init__(self, channel: grpc.Channel, token: str | None) -> None:
        self._stub = admin_pb2_grpc.AdminStub(channel)
        self.token = token

    def metadata(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token}")] if self.token is not None else []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in METHODS:
            raise AttributeError(name)
        method = getattr(self._stub, name)

        def call(request: Message | None = None, timeout: float = 10, **fields: Any) -> Any:
            if request is None:
                request = request_type(name)(**fields)
            return method(request, metadata=self.metadata(), timeout=timeout)

        return call

    def as_token(self, token: str | None) -> AdminClient:
        other = AdminClient.__new__(AdminClient)
        other._stub = self._stub
        other.token = token
        return other


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    """field → description of the google.rpc.BadRequest in an error's status details."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "the error carries no status details"
    found: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.update({v.field: v.description for v in bad_request.field_violations})
    return found


def text_positions(error: grpc.RpcError) -> dict[str, int]:
    """field → position of the TextPosition details of an error."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, "the error carries no status details"
    found: dict[str, int] = {}
    for detail in status.details:
        if detail.Is(admin_pb2.TextPosition.DESCRIPTOR):
            position = admin_pb2.TextPosition()
            detail.Unpack(position)
            found[position.field] = position.position
    return found


def member_with(owner: AdminClient, email: str, *grants: admin_pb2.RoleGrant) -> AdminClient:
    """A new member with `grants`, invited by `owner`, calling as themselves."""
    invite = owner.CreateInvites(emails=[email], grants=grants).invites[0].token
    return owner.as_token(owner.AcceptInvite(invite_token=invite).token)

"""A small client for the Admin service in tests: each call carries a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

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

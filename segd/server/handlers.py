"""Every method segd serves, in one table whose handlers are wrapped once, not per call.

Decoding errors (segd.server.decoding) and draining (segd.server.drain) concern every
call, but grpc's server interceptors pick each call's handler through a chain of
coroutines, every time: two of them, passing every call through, added about 5% to the
CPU a single-event call costs a server that does nothing else. Here each handler is
wrapped when it is first served, and all a call costs is a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import grpc

from segd.server.decoding import decoding
from segd.server.drain import refusing

Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"


class HandlerTable(grpc.GenericRpcHandler):  # type: ignore[type-arg]
    """Takes services as a grpc.aio server would, and serves them to it as one handler.

    Once `draining` is set, every method but those under `keep_serving` (health
    checks) is answered UNAVAILABLE.
    """

    def __init__(self, keep_serving: tuple[str, ...] = ("/grpc.health.v1.Health/",)) -> None:
        self.draining = False
        self._keep_serving = keep_serving
        self._generic: list[grpc.GenericRpcHandler] = []  # type: ignore[type-arg]
        self._serving: dict[str, Handler] = {}
        self._refusing: dict[str, Handler] = {}

    # The two ways generated code and grpc's own services register themselves.

    def add_generic_rpc_handlers(self, handlers: Iterable[grpc.GenericRpcHandler]) -> None:  # type: ignore[type-arg]
        self._generic.extend(handlers)

    def add_registered_method_handlers(self, service: str, handlers: Mapping[str, Handler]) -> None:
        for name, handler in handlers.items():
            self._add(f"/{service}/{name}", handler)

    def _add(self, method: str, handler: Handler) -> None:
        self._serving[method] = (
            decoding(handler) if handler.request_deserializer is not None else handler
        )
        self._refusing[method] = (
            self._serving[method] if method.startswith(self._keep_serving) else refusing(handler)
        )

    def service(self, handler_call_details: Any) -> Handler | None:
        method: str = handler_call_details.method
        table = self._refusing if self.draining else self._serving
        handler = table.get(method)
        if handler is None:
            # First call of a method a generic handler serves (an unknown one: every call).
            for generic in self._generic:
                found = generic.service(handler_call_details)
                if found is not None:
                    self._add(method, found)
                    return table[method]
        return handler

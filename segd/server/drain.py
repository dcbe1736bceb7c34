"""Draining before stop: new calls get UNAVAILABLE while in-flight ones finish.

grpc's own graceful stop cancels calls that arrived but were not yet handed to a
handler, and the client sees CANCELLED (grpc/grpc#41785), which clients do not retry.
So shutdown first drains: the interceptor answers every new call UNAVAILABLE ("retry
elsewhere or later") for a moment, then the server stops with its grace period.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

UNAVAILABLE_MESSAGE = "the daemon is shutting down; retry"


async def _refuse(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)


async def _refuse_stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)
    yield  # pragma: no cover - makes this an async generator, as streaming handlers are


def _refusing(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:  # type: ignore[type-arg]
    if handler.response_streaming:
        make = (
            grpc.stream_stream_rpc_method_handler
            if handler.request_streaming
            else grpc.unary_stream_rpc_method_handler
        )
        return make(_refuse_stream)  # type: ignore[no-any-return]
    make = (
        grpc.stream_unary_rpc_method_handler
        if handler.request_streaming
        else grpc.unary_unary_rpc_method_handler
    )
    return make(_refuse)  # type: ignore[no-any-return]


class DrainInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Refuses new calls with UNAVAILABLE once `draining` is set (health checks excepted)."""

    def __init__(self, keep_serving: tuple[str, ...] = ("/grpc.health.v1.Health/",)) -> None:
        self.draining = False
        self._keep_serving = keep_serving

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],  # type: ignore[type-arg]
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:  # type: ignore[type-arg]
        handler = await continuation(handler_call_details)
        method = handler_call_details.method or ""
        if not self.draining or handler is None or method.startswith(self._keep_serving):
            return handler
        return _refusing(handler)

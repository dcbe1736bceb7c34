"""Draining before stop: new calls get UNAVAILABLE while in-flight ones finish.

grpc's own graceful stop cancels calls that arrived but were not yet handed to a
handler, and the client sees CANCELLED (grpc/grpc#41785), which clients do not retry.
So shutdown first drains: every new call is answered UNAVAILABLE ("retry elsewhere or
later") for a moment, by the handler `refusing` makes, then the server stops with its
grace period.
"""

from __future__ import annotations

from typing import Any

import grpc

UNAVAILABLE_MESSAGE = "the daemon is shutting down; retry"


async def _refuse(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)


async def _refuse_stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await context.abort(grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)
    yield  # pragma: no cover - makes this an async generator, as streaming handlers are


def refusing(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:  # type: ignore[type-arg]
    """A handler of the same kind as `handler` that answers every call UNAVAILABLE."""
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

"""Undecodable requests to the standard services are INVALID_ARGUMENT, not UNKNOWN.

segd's own services take raw bytes and decode them in `status.parse`. The standard
health and reflection services let grpc decode their requests, and grpc answers a
request it cannot decode with UNKNOWN and a message naming Python classes
("Unexpected <class 'google.protobuf.message.DecodeError'>..."). `decoding` takes the
decoding over for a handler that has a deserializer: a request that does not decode
gets INVALID_ARGUMENT and a plain sentence, whatever the service.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

Context = grpc.aio.ServicerContext[Any, Any]
MESSAGE = "the request is not a valid message for this method"


async def _decode(parse: Callable[[bytes], Any], raw: bytes, context: Context) -> Any:
    try:
        return parse(raw)
    except Exception:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, MESSAGE)


async def _decode_all(
    parse: Callable[[bytes], Any], raws: AsyncIterator[bytes], context: Context
) -> AsyncIterator[Any]:
    async for raw in raws:
        yield await _decode(parse, raw, context)


async def _result(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _stream_out(value: Any, context: Context) -> None:
    """Send what a streaming handler makes: an async generator's items, or nothing more
    (a coroutine that writes with `context.write` itself)."""
    if inspect.isasyncgen(value):
        async for item in value:
            await context.write(item)
    else:
        await _result(value)


def decoding(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:  # type: ignore[type-arg]
    """`handler`, decoding its requests itself (it must have a deserializer)."""
    # The stubs type handlers for the synchronous server; here they are asyncio ones.
    parse: Callable[[bytes], Any] = handler.request_deserializer  # type: ignore[assignment]
    serialize = handler.response_serializer
    behaviour: Callable[..., Awaitable[Any]]
    inner_uu: Any = handler.unary_unary
    inner_us: Any = handler.unary_stream
    inner_su: Any = handler.stream_unary
    inner_ss: Any = handler.stream_stream
    if inner_uu is not None:

        async def unary_unary(raw: bytes, context: Context) -> Any:
            return await _result(inner_uu(await _decode(parse, raw, context), context))

        behaviour = unary_unary
        make = grpc.unary_unary_rpc_method_handler
    elif inner_us is not None:

        async def unary_stream(raw: bytes, context: Context) -> None:
            await _stream_out(inner_us(await _decode(parse, raw, context), context), context)

        behaviour = unary_stream
        make = grpc.unary_stream_rpc_method_handler
    elif inner_su is not None:

        async def stream_unary(raws: AsyncIterator[bytes], context: Context) -> Any:
            return await _result(inner_su(_decode_all(parse, raws, context), context))

        behaviour = stream_unary
        make = grpc.stream_unary_rpc_method_handler
    else:

        async def stream_stream(raws: AsyncIterator[bytes], context: Context) -> None:
            await _stream_out(inner_ss(_decode_all(parse, raws, context), context), context)

        behaviour = stream_stream
        make = grpc.stream_stream_rpc_method_handler
    return make(behaviour, response_serializer=serialize)  # type: ignore[no-any-return]

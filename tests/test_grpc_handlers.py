"""The handler table on a real grpc.aio server: what it serves, and how it drains."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from segd.server.drain import UNAVAILABLE_MESSAGE
from segd.server.handlers import HandlerTable


async def _echo(request: bytes, context: Any) -> bytes:
    return request


async def _call(channel: grpc.aio.Channel, method: str) -> tuple[grpc.StatusCode, str]:
    try:
        reply = await channel.unary_unary(method)(b"hello", timeout=5)
    except grpc.aio.AioRpcError as exc:
        return exc.code(), exc.details() or ""
    return grpc.StatusCode.OK, reply.decode()


async def _drain_scenario() -> list[tuple[str, grpc.StatusCode, str]]:
    table = HandlerTable()
    methods = {"Say": grpc.unary_unary_rpc_method_handler(_echo)}
    table.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Echo", methods),))
    servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]
    health_pb2_grpc.add_HealthServicer_to_server(servicer, table)
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((table,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    seen: list[tuple[str, grpc.StatusCode, str]] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            check = health_pb2_grpc.HealthStub(channel).Check
            for phase in ("serving", "draining"):
                table.draining = phase == "draining"
                seen.append((phase, *await _call(channel, "/test.Echo/Say")))
                seen.append((phase, *await _call(channel, "/test.Echo/Nothing")))
                reply = await check(health_pb2.HealthCheckRequest(service=""), timeout=5)
                seen.append((phase, grpc.StatusCode.OK, str(reply.status)))
    finally:
        await server.stop(None)
    return seen


def test_draining_refuses_new_calls_but_answers_health_checks() -> None:
    unknown = "Method not found!"
    assert asyncio.run(_drain_scenario()) == [
        ("serving", grpc.StatusCode.OK, "hello"),
        ("serving", grpc.StatusCode.UNIMPLEMENTED, unknown),
        ("serving", grpc.StatusCode.OK, str(health_pb2.HealthCheckResponse.SERVING)),
        ("draining", grpc.StatusCode.UNAVAILABLE, UNAVAILABLE_MESSAGE),
        ("draining", grpc.StatusCode.UNIMPLEMENTED, unknown),
        ("draining", grpc.StatusCode.OK, str(health_pb2.HealthCheckResponse.SERVING)),
    ]

"""Shedding load: refusals come before the costly work, and requests in memory are bounded.

The overload scenario (tests/test_reliability.py, bench/reliability/overload.py)
measures the whole; these pin down the two rules it rests on.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections import Counter
from pathlib import Path

import grpc
import pytest

from segd.api.v1 import admin_pb2, admin_pb2_grpc, collector_pb2_grpc
from segd.api.v1 import collector_pb2 as C
from tests.support.daemon import Daemon, track
from tests.support.http import basic_auth, request

Workspace = tuple[Path, str, str]


def start(workspace: Workspace, tmp_path: Path, text: str) -> Daemon:
    config = tmp_path / "segd.toml"
    config.write_text(text)
    return Daemon(workspace[0], config=config).start()


def test_http_requests_beyond_the_cap_get_429_before_their_body_is_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    daemon = start(workspace, tmp_path, "[http]\nmax_concurrent_requests = 1\n")
    try:
        host, port = daemon.http_address.rsplit(":", 1)
        body = json.dumps({"userId": "u1", "event": "Slow", "messageId": "slow-1"}).encode()
        auth = basic_auth(workspace[2])["Authorization"]
        # One request sends its headers and half its body, and stays in flight.
        with socket.create_connection((host, int(port)), timeout=10) as slow:
            slow.sendall(
                f"POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            url = f"{daemon.http_url}/v1/track"
            call = {"userId": "u1", "event": "Refused"}
            for _ in range(50):  # until the slow one has reached its handler
                reply = request(url, call, basic_auth(workspace[2]))
                if reply.status == 429:
                    break
            assert (reply.status, reply.json["code"]) == (429, "overloaded")
            assert "too many requests at once" in reply.json["message"]
            assert reply.headers["Retry-After"] == "1"
            slow.sendall(body[10:])
            assert slow.recv(1024).startswith(b"HTTP/1.1 200")
        # The slot is free again.
        assert request(url, call, basic_auth(workspace[2])).status == 200
    finally:
        daemon.kill()


def test_grpc_calls_beyond_max_concurrent_calls_get_resource_exhausted(
    workspace: Workspace, tmp_path: Path
) -> None:
    _, token, write_key = workspace
    daemon = start(workspace, tmp_path, "[grpc]\nmax_concurrent_calls = 1\n")
    try:
        with daemon.channel() as channel:
            # A debugger stream stays open: it is the one call being served.
            admin = admin_pb2_grpc.AdminStub(channel)
            sources = admin.ListSources(
                admin_pb2.ListSourcesRequest(), metadata=[("authorization", f"Bearer {token}")]
            )
            tail = admin.TailEvents(
                admin_pb2.TailEventsRequest(source_id=sources.sources[0].id),
                metadata=[("authorization", f"Bearer {token}")],
            )
            tail.initial_metadata()
            with pytest.raises(grpc.RpcError) as caught:
                daemon.collector(channel).SendBatch(
                    C.SendBatchRequest(write_key=write_key, events=[track()]), timeout=5
                )
            assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            tail.cancel()
    finally:
        daemon.kill()


def test_calls_that_pile_up_behind_a_stalled_daemon_are_refused_not_cancelled(
    workspace: Workspace,
) -> None:
    """A stopped process stands in for a starved event loop: when it runs again, grpc
    holds thousands of calls it has not handed over. Each must end OK or
    RESOURCE_EXHAUSTED (which clients retry), never CANCELLED (which they do not)."""
    daemon = Daemon(workspace[0]).start()
    try:
        assert daemon.proc is not None
        codes = asyncio.run(_burst_while_stopped(daemon, workspace[2], calls=3000))
        assert set(codes) <= {"OK", "RESOURCE_EXHAUSTED"}, codes
        assert codes["OK"] > 0
    finally:
        daemon.kill()


async def _burst_while_stopped(daemon: Daemon, write_key: str, calls: int) -> Counter[str]:
    assert daemon.proc is not None
    codes: Counter[str] = Counter()
    async with grpc.aio.insecure_channel(daemon.address) as channel:
        stub = collector_pb2_grpc.CollectorStub(channel)

        async def one(n: int) -> None:
            request = C.SendBatchRequest(
                write_key=write_key, events=[track(message_id=f"b{n}-{i}") for i in range(10)]
            )
            try:
                await stub.SendBatch(request, timeout=60)
                codes["OK"] += 1
            except grpc.aio.AioRpcError as error:
                codes[error.code().name] += 1

        await stub.SendBatch(C.SendBatchRequest(write_key=write_key, events=[track()]))
        daemon.proc.send_signal(signal.SIGSTOP)
        try:
            tasks = [asyncio.create_task(one(n)) for n in range(calls)]
            await asyncio.sleep(1.0)
        finally:
            daemon.proc.send_signal(signal.SIGCONT)
        await asyncio.gather(*tasks)
    return codes

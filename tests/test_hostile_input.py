"""Regressions found by the hostile-input scenario (bench/reliability/hostile.py).

- The standard health and reflection services answered undecodable requests with
  UNKNOWN and a message naming Python classes.
- An event with a time outside years 1-9999, or an unpaired surrogate escape in its
  JSON, was accepted over gRPC and then stopped its destinations for good.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_health.v1 import health_pb2

from segd.api.v1 import collector_pb2 as C
from tests.support.daemon import Daemon, track
from tests.support.delivery import add_webhook, fast_config
from tests.support.http import request
from tests.support.receiver import Receiver

GARBAGE = b"\xff\xff\xff"


@pytest.mark.parametrize(
    ("method", "kind"),
    [
        ("/grpc.health.v1.Health/Check", "unary"),
        ("/grpc.health.v1.Health/Watch", "server-streaming"),
        ("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "bidi"),
    ],
)
def test_undecodable_requests_to_standard_services_are_invalid_argument(
    daemon: Daemon, method: str, kind: str
) -> None:
    with daemon.channel() as channel, pytest.raises(grpc.RpcError) as caught:
        if kind == "unary":
            channel.unary_unary(method)(GARBAGE, timeout=5)
        elif kind == "server-streaming":
            next(channel.unary_stream(method)(GARBAGE, timeout=5))
        else:
            next(channel.stream_stream(method)(iter([GARBAGE]), timeout=5))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "the request is not a valid message for this method"


def test_health_watch_still_streams(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        watch = channel.unary_stream(
            "/grpc.health.v1.Health/Watch",
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver().start()
    yield made
    made.close()


def test_events_no_consumer_could_read_are_refused_and_delivery_goes_on(
    workspace: tuple[Path, str, str], tmp_path: Path, receiver: Receiver
) -> None:
    data_dir, _, write_key = workspace
    add_webhook(data_dir, "hook", receiver.url, batch_mode=True)
    daemon = Daemon(data_dir, config=fast_config(tmp_path / "segd.toml")).start()
    try:
        far_future, bad_nanos = track(message_id="far-future"), track(message_id="bad-nanos")
        far_future.original_timestamp.CopyFrom(Timestamp(seconds=10**15))
        bad_nanos.timestamp.CopyFrom(Timestamp(seconds=5, nanos=-7))
        poison = [
            far_future,
            bad_nanos,
            track(message_id="surrogate", properties='{"a": "\\ud800"}'),
        ]
        good = [track(message_id=f"good-{i}", properties=json.dumps({"i": i})) for i in range(3)]
        with daemon.channel() as channel:
            reply = daemon.collector(channel).SendBatch(
                C.SendBatchRequest(write_key=write_key, events=[*poison, *good]), timeout=10
            )
        assert list(reply.outcomes) == [C.OUTCOME_REJECTED] * 3 + [C.OUTCOME_ACCEPTED] * 3
        assert [r.reason for r in reply.rejections] == [
            "invalid_timestamp",
            "invalid_timestamp",
            "invalid_unicode",
        ]
        receiver.wait_for_ids({"good-0", "good-1", "good-2"})
        assert not [e for e in daemon.logs if e.get("level") == "error"]
    finally:
        daemon.kill()


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/track", 405, "method_not_allowed"),
        ("PUT", "/v1/batch", 405, "method_not_allowed"),
        ("GET", "/", 404, "not_found"),
        ("POST", "/v2/track", 404, "not_found"),
    ],
)
def test_http_answers_every_path_with_a_json_error(
    daemon: Daemon, method: str, path: str, status: int, code: str
) -> None:
    reply = request(f"{daemon.http_url}{path}", None, {}, method)
    assert (reply.status, reply.json["code"]) == (status, code)
    assert reply.headers["Server"] == "segd"


def test_http_requests_aiohttp_cannot_parse_do_not_name_the_server(daemon: Daemon) -> None:
    host, port = daemon.http_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        head = sock.recv(65536).split(b"\r\n\r\n")[0].decode()
    assert head.startswith("HTTP/1.0 400")
    assert "Server: segd" in head.split("\r\n")
    assert "aiohttp" not in head and "Python" not in head

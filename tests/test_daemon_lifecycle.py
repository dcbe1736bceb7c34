"""The daemon as a service: health and reflection.

SIGKILL and SIGTERM under load and a filling disk are scenarios of the reliability
suite (bench/reliability), whose short versions run in tests/test_reliability.py.
"""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from tests.support.daemon import Daemon


def test_health_and_reflection(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "segd.api.v1.Collector"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        services = ProtoReflectionDescriptorDatabase(channel).get_services()
        assert "segd.api.v1.Collector" in services


def test_reflection_can_be_switched_off(workspace: tuple[Path, str, str], tmp_path: Path) -> None:
    config = tmp_path / "segd.toml"
    config.write_text('[grpc]\nreflection = "off"\n')
    daemon = Daemon(workspace[0], config=config).start()
    try:
        with daemon.channel() as channel, pytest.raises(grpc.RpcError) as caught:
            ProtoReflectionDescriptorDatabase(channel).get_services()
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        daemon.kill()

"""The daemon as a service: health, reflection, SIGTERM, SIGKILL, a filling disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from segd.api.v1 import collector_pb2 as C
from tests.support.daemon import Daemon, init_workspace, track
from tests.support.logdb import integrity, stored_message_ids


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


class Sender:
    """Sends batches of fresh events in a thread and records what was acknowledged."""

    def __init__(self, daemon: Daemon, write_key: str, batch: int = 20) -> None:
        self.daemon, self.write_key, self.batch = daemon, write_key, batch
        self.acked: list[str] = []
        self.errors: list[grpc.StatusCode] = []
        self.details: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sender:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        with grpc.insecure_channel(self.daemon.address) as channel:
            stub = self.daemon.collector(channel)
            while not self._stop.is_set():
                events = [track(message_id=str(uuid.uuid4())) for _ in range(self.batch)]
                try:
                    reply = stub.SendBatch(
                        C.SendBatchRequest(write_key=self.write_key, events=events), timeout=5
                    )
                except grpc.RpcError as error:
                    self.errors.append(error.code())
                    self.details.append(error.details() or "")
                    if error.code() == grpc.StatusCode.UNAVAILABLE:
                        return
                    continue
                self.acked += [
                    e.message_id
                    for e, outcome in zip(events, reply.outcomes, strict=True)
                    if outcome == C.OUTCOME_ACCEPTED
                ]

    def wait_for(self, count: int) -> None:
        while len(self.acked) < count and self._thread.is_alive():
            self._stop.wait(0.02)


def test_sigkill_loses_no_acknowledged_event(daemon: Daemon) -> None:
    acked: list[str] = []
    for _ in range(3):
        with Sender(daemon, daemon.write_key) as sender:  # type: ignore[attr-defined]
            sender.wait_for(len(acked) + 400)
            daemon.kill()
        acked += sender.acked
        assert integrity(daemon.data_dir) == "ok"
        daemon.start()
    stored = stored_message_ids(daemon.data_dir)
    assert len(stored) == len(set(stored)), "a messageId was stored twice"
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged events were lost"
    # Resending what was acknowledged is answered as duplicates, never stored again.
    with daemon.channel() as channel:
        reply = daemon.collector(
            channel
        ).SendBatch(
            C.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[track(message_id=m) for m in acked[-100:]],
            )
        )
    assert set(reply.outcomes) == {C.OUTCOME_DUPLICATE}


def test_sigterm_finishes_in_flight_calls_and_exits_zero(daemon: Daemon) -> None:
    with Sender(daemon, daemon.write_key, batch=200) as sender:  # type: ignore[attr-defined]
        sender.wait_for(1000)
        assert daemon.stop() == 0
    assert "segd.stopped" in {str(entry.get("event")) for entry in daemon.logs}
    assert sender.errors and set(sender.errors) == {grpc.StatusCode.UNAVAILABLE}, sender.details
    assert set(sender.acked) <= set(stored_message_ids(daemon.data_dir))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB tmpfs for the data directory (needs root, as on CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the full-disk test needs root and mount(8) under CI")
        pytest.skip("mounting a small tmpfs needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_low_disk_refuses_writes_then_resumes(small_disk: Path, tmp_path: Path) -> None:
    data_dir = small_disk / "data"
    _, write_key = init_workspace(data_dir)
    config = tmp_path / "segd.toml"
    config.write_text("[storage]\nmin_free_bytes = 8388608\n")  # 8 MiB
    daemon = Daemon(data_dir, config=config).start()
    try:
        ok = Sender(daemon, write_key)
        with ok:
            ok.wait_for(200)
        ballast = small_disk / "ballast"
        free = shutil.disk_usage(small_disk).free
        ballast.write_bytes(b"\0" * (free - 4 * 1024 * 1024))
        with daemon.channel() as channel:
            stub = daemon.collector(channel)
            request = C.SendBatchRequest(write_key=write_key, events=[track()])
            with pytest.raises(grpc.RpcError) as caught:
                # The guard looks at the disk at most every 250 ms.
                for _ in range(50):
                    stub.SendBatch(request, timeout=5)
                    threading.Event().wait(0.05)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "disk" in (caught.value.details() or "")
            ballast.unlink()
            threading.Event().wait(0.3)
            assert list(stub.SendBatch(request, timeout=5).outcomes) == [C.OUTCOME_ACCEPTED]
        assert set(ok.acked) <= set(stored_message_ids(data_dir))
        assert integrity(data_dir) == "ok"
    finally:
        daemon.kill()


def test_disk_full_inside_sqlite_is_unavailable_and_recovers(
    small_disk: Path, tmp_path: Path
) -> None:
    """With no watermark, SQLite itself hits the full disk: the batch is refused, not lost."""
    data_dir = small_disk / "data"
    _, write_key = init_workspace(data_dir)
    config = tmp_path / "segd.toml"
    config.write_text("[storage]\nmin_free_bytes = 0\n")
    daemon = Daemon(data_dir, config=config).start()
    try:
        ballast = small_disk / "ballast"
        ballast.write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 256 * 1024))
        acked: list[str] = []
        with daemon.channel() as channel:
            stub = daemon.collector(channel)
            with pytest.raises(grpc.RpcError) as caught:
                for _ in range(200):
                    events = [track(message_id=str(uuid.uuid4()), properties='{"p":"' + "x" * 4000 + '"}') for _ in range(50)]  # fmt: skip
                    stub.SendBatch(
                        C.SendBatchRequest(write_key=write_key, events=events), timeout=10
                    )
                    acked += [e.message_id for e in events]
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
            assert daemon.wait_for_log("log.append_failed")["disk_full"] is True
            ballast.unlink()
            reply = stub.SendBatch(
                C.SendBatchRequest(write_key=write_key, events=[track()]), timeout=10
            )
            assert list(reply.outcomes) == [C.OUTCOME_ACCEPTED]
        assert daemon.proc is not None and daemon.proc.poll() is None
        assert set(acked) <= set(stored_message_ids(data_dir))
        assert integrity(data_dir) == "ok"
    finally:
        daemon.kill()

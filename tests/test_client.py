"""segd.client against a real daemon: delivery, errors, TLS, and a restart mid-stream."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
import pytest

from segd.client import Client, DeliveryError, EventRejected
from tests.support.daemon import Daemon, init_workspace
from tests.support.tls import make_pki


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def logged_message_ids(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(data_dir / "segd.db")) as db:
        return [row[0] for row in db.execute("SELECT message_id FROM events")]


def test_every_call_is_delivered_in_batches(daemon: Daemon) -> None:
    errors: list[Any] = []
    client = Client(
        daemon.write_key,  # type: ignore[attr-defined]
        host=daemon.address,
        upload_size=3,
        upload_interval=0.01,
        on_error=lambda error, messages: errors.append(error),
    )
    sent = [
        client.identify("u1", {"email": "ada@example.com"}),
        client.track("u1", "Order Completed", {"revenue": 42.5}),
        client.page("u1", "Docs", "Install", {"path": "/docs"}),
        client.screen(anonymous_id="a1", name="Settings"),
        client.group("u1", "g1", {"name": "Initech"}),
        client.alias("a1", "u1"),
        client.track("u1", "Signed Up", message_id="chosen-id", integrations={"All": False}),
    ]
    client.shutdown()
    assert errors == []
    stored = {e["messageId"]: e for e in daemon.stored_events()}
    assert set(stored) == {message["messageId"] for _, message in sent}
    for ok, message in sent:
        assert ok
        event = stored[message["messageId"]]
        for key, value in message.items():
            if key not in ("timestamp", "context"):
                assert event[key] == value, key
        assert event["context"]["library"]["name"] == "segd-client"
    assert stored["chosen-id"]["integrations"] == {"All": False}


def test_sync_mode_sends_before_returning_and_raises(daemon: Daemon) -> None:
    client = Client(daemon.write_key, host=daemon.address, sync_mode=True)  # type: ignore[attr-defined]
    ok, message = client.track("u1", "Now")
    assert ok
    assert message["messageId"] in {e["messageId"] for e in daemon.stored_events()}
    with pytest.raises(EventRejected, match="event_too_large") as rejected:
        client.track("u1", "Huge", {"blob": "x" * 40_000})
    assert rejected.value.reason == "event_too_large"
    client.shutdown()

    stranger = Client("no-such-key", host=daemon.address, sync_mode=True)
    with pytest.raises(DeliveryError, match="unknown write key") as failed:
        stranger.track("u1", "Now")
    assert failed.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert failed.value.attempts == 1  # not worth retrying
    stranger.shutdown()


def test_a_rejected_event_is_reported_and_the_rest_stored(daemon: Daemon) -> None:
    errors: list[tuple[Exception, list[dict[str, Any]]]] = []
    client = Client(
        daemon.write_key,  # type: ignore[attr-defined]
        host=daemon.address,
        upload_interval=0.01,
        on_error=lambda error, messages: errors.append((error, messages)),
    )
    _, good = client.track("u1", "Fine")
    _, huge = client.track("u1", "Huge", {"blob": "x" * 40_000})
    client.shutdown()
    assert [(type(e).__name__, getattr(e, "reason", ""), m) for e, m in errors] == [
        ("EventRejected", "event_too_large", [huge])
    ]
    assert good["messageId"] in {e["messageId"] for e in daemon.stored_events()}


def test_an_unreachable_daemon_is_reported_after_the_retries() -> None:
    errors: list[tuple[Exception, list[dict[str, Any]]]] = []
    client = Client(
        "key",
        host=f"127.0.0.1:{free_port()}",
        upload_interval=0.01,
        max_retries=2,
        max_queue_size=1,
        on_error=lambda error, messages: errors.append((error, messages)),
    )
    _, first = client.track("u1", "One")
    time.sleep(0.1)  # the thread has taken it and is retrying
    assert client.track("u1", "Two")[0] is True  # waits in the queue
    ok, _ = client.track("u1", "Three")
    assert ok is False  # the queue is full: dropped, as Segment's library does
    client.shutdown()
    error, messages = errors[0]
    assert isinstance(error, DeliveryError)
    assert error.code == grpc.StatusCode.UNAVAILABLE
    assert error.attempts == 3
    assert messages == [first]


def test_tls_with_given_root_certificates(workspace: tuple[Path, str, str], tmp_path: Path) -> None:
    data_dir, _, write_key = workspace
    pki = make_pki(tmp_path / "pki")
    config = tmp_path / "segd.toml"
    config.write_text(pki.grpc_config())
    daemon = Daemon(data_dir, config=config).start()
    try:
        host = f"localhost:{daemon.address.rsplit(':', 1)[1]}"
        client = Client(write_key, host=host, sync_mode=True, root_certificates=pki.ca)
        _, message = client.track("u1", "Over TLS")
        client.shutdown()
        # Without our root the certificate is not trusted: nothing is sent.
        untrusting = Client(
            write_key, host=host, sync_mode=True, tls=True, max_retries=0, timeout=5
        )
        with pytest.raises(DeliveryError) as failed:
            untrusting.track("u1", "Not sent")
        untrusting.shutdown()
        assert failed.value.code == grpc.StatusCode.UNAVAILABLE
        assert [e["event"] for e in daemon.stored_events()] == ["Over TLS"]
        assert daemon.stored_events()[0]["messageId"] == message["messageId"]
    finally:
        daemon.kill()


def segd_send(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "segd", "send", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_mutual_tls_client_certificates(workspace: tuple[Path, str, str], tmp_path: Path) -> None:
    """The client library and `segd send` present a client certificate when given one."""
    data_dir, _, write_key = workspace
    pki = make_pki(tmp_path / "pki")
    config = tmp_path / "segd.toml"
    config.write_text(pki.grpc_config(mutual=True))
    daemon = Daemon(data_dir, config=config).start()
    try:
        host = f"localhost:{daemon.address.rsplit(':', 1)[1]}"
        mine = {"client_certificate": pki.client_cert, "client_key": pki.client_key.read_bytes()}
        client = Client(write_key, host=host, sync_mode=True, root_certificates=pki.ca, **mine)
        client.track("u1", "With a certificate")
        client.shutdown()
        # The same without one: the handshake fails, nothing is sent.
        bare = Client(write_key, host=host, sync_mode=True, root_certificates=pki.ca, max_retries=0)
        with pytest.raises(DeliveryError) as failed:
            bare.track("u1", "Not sent")
        bare.shutdown()
        assert failed.value.code == grpc.StatusCode.UNAVAILABLE
        with pytest.raises(ValueError, match="needs its private key"):
            Client(write_key, host=host, send=False, client_certificate=pki.client_cert)

        base = ["track", "From the shell", "--write-key", write_key, "--addr", host]
        base += ["--user-id", "u2", "--ca", str(pki.ca)]
        sent = segd_send(*base, "--cert", str(pki.client_cert), "--key", str(pki.client_key))
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout.startswith("accepted: messageId ")
        refused = segd_send(*base)
        assert refused.returncode == 1
        assert refused.stderr.startswith("segd send: UNAVAILABLE")
        unpaired = segd_send(*base, "--cert", str(pki.client_cert))
        assert (unpaired.returncode, unpaired.stderr.strip()) == (
            2,
            "segd send: a client certificate needs its private key, and a key its certificate",
        )
        assert [e["event"] for e in daemon.stored_events()] == [
            "With a certificate",
            "From the shell",
        ]
    finally:
        daemon.kill()


@pytest.mark.parametrize("how", ["graceful", "killed"])
def test_a_daemon_restart_mid_stream_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, how: str
) -> None:
    data_dir = tmp_path / "data"
    _, write_key = init_workspace(data_dir)
    port = free_port()
    daemon = Daemon(data_dir, extra_args=("--grpc", f"127.0.0.1:{port}")).start()
    errors: list[Any] = []
    client = Client(
        write_key,
        host=f"127.0.0.1:{port}",
        upload_size=25,
        upload_interval=0.005,
        max_retries=30,
        on_error=lambda error, messages: errors.append(error),
    )
    total = 3000
    sent: list[str] = []

    def produce() -> None:
        for i in range(total):
            sent.append(client.track(f"user-{i % 7}", "Tick", {"i": i})[1]["messageId"])
            if i % 10 == 0:
                time.sleep(0.002)

    producer = threading.Thread(target=produce)
    try:
        producer.start()
        while len(logged_message_ids(data_dir)) < total // 4:
            time.sleep(0.01)
        if how == "killed":
            daemon.kill()  # batches in flight may be stored without their answer
        else:
            daemon.stop()
        before_restart = len(logged_message_ids(data_dir))
        daemon.start()
        producer.join(60)
        client.shutdown()
    finally:
        daemon.kill()
    assert errors == []
    assert 0 < before_restart < total
    logged = Counter(logged_message_ids(data_dir))
    assert set(logged) == set(sent)
    assert len(sent) == total
    assert [m for m, n in logged.items() if n > 1] == []

"""TLS and mutual TLS on the daemon's own ports, with certificates made by the test."""

from __future__ import annotations

import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest

from segd import config
from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import collector_pb2_grpc
from segd.errors import ConfigError
from tests.support.daemon import Daemon, track
from tests.support.http import basic_auth
from tests.support.logdb import stored_message_ids
from tests.support.tls import Pki, make_pki

Workspace = tuple[Path, str, str]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def send(
    address: str, write_key: str, message_id: str, creds: grpc.ChannelCredentials | None
) -> grpc.StatusCode:
    """Send one event over a TLS channel (or a plaintext one without `creds`)."""
    target = f"localhost:{address.rsplit(':', 1)[1]}"
    channel = grpc.secure_channel(target, creds) if creds else grpc.insecure_channel(target)
    with channel:
        try:
            collector_pb2_grpc.CollectorStub(channel).Send(
                C.SendRequest(write_key=write_key, event=track(message_id=message_id)), timeout=5
            )
        except grpc.RpcError as error:
            return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def start(workspace: Workspace, tmp_path: Path, text: str) -> Daemon:
    path = tmp_path / "segd.toml"
    path.write_text(text)
    return Daemon(workspace[0], config=path).start()


def test_tls_port_serves_trusting_clients_and_refuses_plaintext(
    workspace: Workspace, tmp_path: Path, pki: Pki
) -> None:
    daemon = start(workspace, tmp_path, pki.grpc_config())
    try:
        key = workspace[2]
        assert daemon.wait_for_log("segd.listening")["grpc_tls"] == "on"
        assert send(daemon.address, key, "tls", pki.channel_credentials()) == grpc.StatusCode.OK
        assert send(daemon.address, key, "plain", None) == grpc.StatusCode.UNAVAILABLE
        # The client's own root store does not hold the test CA: the server is not trusted.
        untrusting = grpc.ssl_channel_credentials()
        assert send(daemon.address, key, "untrusted", untrusting) == grpc.StatusCode.UNAVAILABLE
        assert stored_message_ids(workspace[0]) == ["tls"]
    finally:
        daemon.kill()


def test_mutual_tls_requires_a_client_certificate_from_the_configured_ca(
    workspace: Workspace, tmp_path: Path, pki: Pki
) -> None:
    daemon = start(workspace, tmp_path, pki.grpc_config(mutual=True))
    try:
        key = workspace[2]
        assert daemon.wait_for_log("segd.listening")["grpc_tls"] == "mutual"
        outcomes = {
            who: send(
                daemon.address, key, who, pki.channel_credentials(who if who != "none" else None)
            )
            for who in ("client", "rogue", "none")
        }
        outcomes["plain"] = send(daemon.address, key, "plain", None)
        assert outcomes == {
            "client": grpc.StatusCode.OK,
            "rogue": grpc.StatusCode.UNAVAILABLE,
            "none": grpc.StatusCode.UNAVAILABLE,
            "plain": grpc.StatusCode.UNAVAILABLE,
        }
        assert stored_message_ids(workspace[0]) == ["client"]
    finally:
        daemon.kill()


def test_https_on_the_tracking_api(workspace: Workspace, tmp_path: Path, pki: Pki) -> None:
    text = f'[http]\ntls_cert = "{pki.server_cert}"\ntls_key = "{pki.server_key}"\n'
    daemon = start(workspace, tmp_path, text)
    try:
        port = daemon.http_address.rsplit(":", 1)[1]
        body = b'{"userId": "u1", "event": "Over HTTPS", "messageId": "https-1"}'
        headers = {**basic_auth(workspace[2]), "Content-Type": "application/json"}
        trusting = ssl.create_default_context(cafile=str(pki.ca))
        request = urllib.request.Request(f"https://localhost:{port}/v1/track", body, headers)
        with urllib.request.urlopen(request, timeout=10, context=trusting) as reply:
            assert reply.status == 200
        plain = urllib.request.Request(f"http://localhost:{port}/v1/track", body, headers)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(plain, timeout=10)
        assert stored_message_ids(workspace[0]) == ["https-1"]
    finally:
        daemon.kill()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[grpc]\ntls_cert = "c.pem"\n', "grpc.tls_cert and grpc.tls_key go together"),
        ('[http]\ntls_key = "k.pem"\n', "http.tls_cert and http.tls_key go together"),
        ('[grpc]\ntls_client_ca = "ca.pem"\n', "grpc.tls_client_ca needs grpc.tls_cert"),
    ],
)
def test_tls_settings_that_do_not_fit_together(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


@pytest.mark.parametrize(
    ("section", "cert", "key", "client_ca", "words"),
    [
        ("grpc", "missing.pem", "server_key", "", "grpc.tls_cert: cannot read"),
        ("grpc", "server_cert", "client_key", "", "are not a PEM certificate and its private key"),
        ("grpc", "server_cert", "server_key", "server_key", "grpc.tls_client_ca"),
        ("http", "ca", "server_key", "", "http.tls_cert and http.tls_key are not"),
    ],
)
def test_unusable_tls_files_stop_the_daemon_with_the_setting_named(
    workspace: Workspace,
    tmp_path: Path,
    pki: Pki,
    section: str,
    cert: str,
    key: str,
    client_ca: str,
    words: str,
) -> None:
    def path(name: str) -> str:
        return str(getattr(pki, name)) if hasattr(pki, name) else str(tmp_path / name)

    lines = [f"[{section}]", f'tls_cert = "{path(cert)}"', f'tls_key = "{path(key)}"']
    if client_ca:
        lines.append(f'tls_client_ca = "{path(client_ca)}"')
    config_file = tmp_path / "segd.toml"
    config_file.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "segd", "serve", "--data-dir", str(workspace[0]),
         "--config", str(config_file), "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr

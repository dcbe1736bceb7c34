"""segtui over TLS (`--tls --ca FILE`), against a real gRPC server with a test certificate.

segd itself listens in plain text (TLS is for a proxy in front of it), so the server
here is a bare grpc.aio server: it answers every call UNIMPLEMENTED, which proves the
TLS handshake went through, while a failed handshake shows as Disconnected.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import grpc
import grpc.aio
import pytest

from segtui.client import AdminClient
from segtui.errors import Disconnected, ServerError
from segtui.settings import ConnectionSettings


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.mark.parametrize(
    ("tls", "use_ca", "error"),
    [
        (True, True, ServerError),  # handshake fine: the bare server has no Admin service
        (True, False, Disconnected),  # not signed by a trusted authority
        (False, False, Disconnected),  # plain text to a TLS port
    ],
)
def test_tls_with_a_ca_file(
    certificate: tuple[Path, Path], tls: bool, use_ca: bool, error: type
) -> None:
    key, cert = certificate

    async def scenario() -> None:
        server = grpc.aio.server()
        credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
        port = server.add_secure_port("127.0.0.1:0", credentials)
        await server.start()
        settings = ConnectionSettings(
            f"127.0.0.1:{port}", "t", tls=tls, ca=cert if use_ca else None
        )
        client = AdminClient(settings)
        try:
            with pytest.raises(error) as raised:
                await client.whoami()
            if error is ServerError:
                assert "does not offer this call" in str(raised.value)
        finally:
            await client.close()
            await server.stop(None)

    asyncio.run(scenario())

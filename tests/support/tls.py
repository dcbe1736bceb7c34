"""Certificates for TLS tests, made with the openssl command: a CA, a server certificate
for localhost and 127.0.0.1, a client certificate it signed, and a client certificate
of another CA (which a mutual-TLS port must refuse). EC keys: quick to make."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import grpc

KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    rogue_cert: Path
    rogue_key: Path

    def grpc_config(self, mutual: bool = False) -> str:
        """The [grpc] lines of a segd.toml serving TLS (mutual: client certificates too)."""
        lines = ["[grpc]", f'tls_cert = "{self.server_cert}"', f'tls_key = "{self.server_key}"']
        if mutual:
            lines.append(f'tls_client_ca = "{self.ca}"')
        return "\n".join(lines) + "\n"

    def channel_credentials(self, client: str | None = None) -> grpc.ChannelCredentials:
        """Trusting our CA; `client` is "client", "rogue" or None (no client certificate)."""
        cert_chain = private_key = None
        if client is not None:
            cert_chain = getattr(self, f"{client}_cert").read_bytes()
            private_key = getattr(self, f"{client}_key").read_bytes()
        return grpc.ssl_channel_credentials(self.ca.read_bytes(), private_key, cert_chain)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def _ca(directory: Path, name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    _openssl(
        "req", "-x509", *KEY, "-days", "1", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    return cert, key


def _leaf(directory: Path, name: str, ca: tuple[Path, Path], extensions: str) -> tuple[Path, Path]:
    cert, key, csr = (directory / f"{name}{ext}" for ext in (".pem", ".key", ".csr"))
    ext_file = directory / f"{name}.ext"
    ext_file.write_text(extensions)
    _openssl("req", *KEY, "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(csr))
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-CAcreateserial", "-days", "1", "-extfile", str(ext_file), "-out", str(cert),
    )  # fmt: skip
    return cert, key


def make_pki(directory: Path) -> Pki:
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed to make test certificates")
    directory.mkdir(parents=True, exist_ok=True)
    ca, rogue_ca = _ca(directory, "test-ca"), _ca(directory, "rogue-ca")
    server = _leaf(
        directory,
        "server",
        ca,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    client = _leaf(directory, "client", ca, "extendedKeyUsage=clientAuth\n")
    rogue = _leaf(directory, "rogue", rogue_ca, "extendedKeyUsage=clientAuth\n")
    return Pki(ca[0], *server, *client, *rogue)

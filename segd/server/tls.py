"""TLS for the listeners: PEM files read and checked at start-up, credentials built.

A certificate and key make the gRPC port (or the HTTP port) speak TLS only; a client
CA on the gRPC port also makes it require a client certificate signed by that CA
(mutual TLS). The files are checked with the standard `ssl` module first, so that a
wrong path, a key that does not match or a file that is not PEM stops the daemon
with a message naming the setting, rather than failing each handshake later.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc

from segd.errors import ConfigError


def _read(path: str, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot read {path}: {exc.strerror}") from exc


def _checked_context(cert: str, key: str, section: str) -> ssl.SSLContext:
    """A server context holding the pair; ConfigError when they are unusable."""
    _read(cert, f"{section}.tls_cert")
    _read(key, f"{section}.tls_key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise ConfigError(
            f"{section}.tls_cert and {section}.tls_key are not a PEM certificate and"
            f" its private key: {exc.reason or exc}"
        ) from exc
    return context


def grpc_credentials(cert: str, key: str, client_ca: str) -> grpc.ServerCredentials | None:
    """Server credentials for [grpc], or None when TLS is off (no certificate)."""
    if not cert:
        return None
    context = _checked_context(cert, key, "grpc")
    roots = None
    if client_ca:
        roots = _read(client_ca, "grpc.tls_client_ca")
        try:
            context.load_verify_locations(cadata=roots.decode("ascii", "replace"))
        except ssl.SSLError as exc:
            raise ConfigError(
                f"grpc.tls_client_ca: {client_ca} holds no PEM certificate: {exc.reason or exc}"
            ) from exc
    return grpc.ssl_server_credentials(
        [(_read(key, "grpc.tls_key"), _read(cert, "grpc.tls_cert"))],
        root_certificates=roots,
        require_client_auth=roots is not None,
    )


def http_context(cert: str, key: str) -> ssl.SSLContext | None:
    """The SSL context for [http], or None when TLS is off (no certificate)."""
    if not cert:
        return None
    return _checked_context(cert, key, "http")


def mode(cert: str, client_ca: str = "") -> str:
    """How a listener is secured, for the start-up log line."""
    if not cert:
        return "off"
    return "mutual" if client_ca else "on"

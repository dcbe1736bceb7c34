"""segtui over TLS and mutual TLS (`--ca`, `--cert`, `--key`), against a real segd that
serves gRPC with a test certificate and requires client certificates from its CA."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from segtui.client import AdminClient
from segtui.errors import Disconnected
from segtui.settings import ConnectionSettings
from tests.support.daemon import Daemon
from tests.support.tls import Pki, make_pki


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.fixture
def mutual_daemon(workspace: tuple[Path, str, str], tmp_path: Path, pki: Pki) -> Iterator[Daemon]:
    data_dir, token, _ = workspace
    config = tmp_path / "segd.toml"
    config.write_text(pki.grpc_config(mutual=True))
    daemon = Daemon(data_dir, config=config).start()
    daemon.owner_token = token  # type: ignore[attr-defined]
    try:
        yield daemon
    finally:
        daemon.kill()


async def _whoami(settings: ConnectionSettings) -> str:
    client = AdminClient(settings)
    try:
        return (await client.whoami()).email
    finally:
        await client.close()


@pytest.mark.parametrize(
    "presents",
    [
        None,  # TLS trusting our CA, but no client certificate
        "rogue",  # a client certificate of another CA
        "plain",  # no TLS at all
    ],
)
def test_mutual_tls(mutual_daemon: Daemon, pki: Pki, presents: str | None) -> None:
    addr = f"localhost:{mutual_daemon.address.rsplit(':', 1)[1]}"
    token = mutual_daemon.owner_token  # type: ignore[attr-defined]
    ours = ConnectionSettings(addr, token, ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    assert asyncio.run(_whoami(ours)) == "owner@localhost"

    if presents == "plain":
        other = ConnectionSettings(addr, token)
    elif presents == "rogue":
        other = ConnectionSettings(addr, token, ca=pki.ca, cert=pki.rogue_cert, key=pki.rogue_key)
    else:
        other = ConnectionSettings(addr, token, ca=pki.ca)
    with pytest.raises(Disconnected):
        asyncio.run(_whoami(other))

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from segd import config
from segd.errors import ConfigError
from tests.support.daemon import Daemon

EXAMPLE = Path(__file__).parent.parent / "contrib" / "segd.toml"


def test_the_example_file_is_the_defaults() -> None:
    loaded = config.load(EXAMPLE, data_dir="d")
    assert loaded == config.load(None, data_dir="d")


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[grpc]\nlisten = "0.0.0.0:1"\n[storage]\ndurability = "normal"\n')
    loaded = config.load(path, data_dir="x", **{"grpc.listen": "127.0.0.1:0"})
    assert loaded.grpc.listen == "127.0.0.1:0"
    assert loaded.storage.durability == "normal"
    assert loaded.data_dir == Path("x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[storage]\ndurability = 'fast'\n", "durability"),
        ("[storage]\nretention_days = 0\n", "retention_days"),
        ("[storage]\nretention_days = 'x'\n", "retention_days"),
        ("[grpc]\nreflection = 'maybe'\n", "reflection"),
        ("[grpc]\nnormalize_workers = -1\n", "grpc.normalize_workers cannot be negative"),
        ("[grpc]\nlisten = 5\n", "grpc.listen"),
        ("[nope]\n", "nope"),
        ("[grpc]\nlistn = 'x'\n", "grpc.listn"),
        ("grpc = 3\n", "grpc"),
        ("[grpc\n", "c.toml"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        config.load(tmp_path / "absent.toml")


def test_systemd_notify_ready_and_stopping(
    workspace: tuple[Path, str, str], tmp_path: Path
) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(20)
        daemon = Daemon(workspace[0], env={"NOTIFY_SOCKET": str(path)}).start()
        try:
            assert sock.recv(64) == b"READY=1"
            assert daemon.stop() == 0
            assert sock.recv(64) == b"STOPPING=1"
        finally:
            daemon.kill()

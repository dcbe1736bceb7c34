"""The [http] settings: defaults, bad values, the --http flag, an address in use."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from segd import config
from segd.errors import ConfigError
from segd.server.http import split_listen


def test_defaults() -> None:
    http = config.load(None, data_dir="d").http
    assert (http.enabled, http.listen, http.rate_limit_per_second) == (True, "127.0.0.1:8088", 0)


def test_the_flag_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[http]\nlisten = "0.0.0.0:80"\nrate_limit_per_second = 5\n')
    loaded = config.load(path, **{"http.listen": "127.0.0.1:0"})
    assert loaded.http.listen == "127.0.0.1:0"
    assert loaded.http.rate_limit_per_second == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[http]\nenabled = 'yes'\n", "http.enabled must be true or false"),
        ("[http]\nrate_limit_per_second = -1\n", "rate_limit_per_second"),
        ("[http]\nrate_limit_burst = -1\n", "rate_limit_burst"),
        ("[http]\nrate_limit_burst = 1.5\n", "http.rate_limit_burst"),
        ("[http]\nlisten = 8088\n", "http.listen"),
        ("[http]\nport = 8088\n", "http.port"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(path)


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("127.0.0.1:8088", ("127.0.0.1", 8088)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
        ("[::1]:8088", ("::1", 8088)),
        ("localhost:1", ("localhost", 1)),
        (":8088", ("0.0.0.0", 8088)),
    ],
)
def test_split_listen(listen: str, expected: tuple[str, int]) -> None:
    assert split_listen(listen) == expected


@pytest.mark.parametrize("listen", ["8088", "host:", "host:http", "host:70000", ""])
def test_split_listen_refuses(listen: str) -> None:
    with pytest.raises(ConfigError, match=r"http\.listen must be HOST:PORT"):
        split_listen(listen)


def test_an_address_in_use_is_a_clear_error(workspace: tuple[Path, str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "segd", "serve", "--data-dir", str(workspace[0]),
             "--grpc", "127.0.0.1:0", "--http", f"127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout

"""segtui's connection settings: flags over environment over config file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from segtui.errors import SettingsError
from segtui.settings import ConnectionSettings, config_path, read_config, resolve, save_config


@pytest.mark.parametrize(
    ("flags", "env", "config", "expected"),
    [
        ({}, {}, {}, ConnectionSettings()),
        ({}, {}, {"addr": "h:1", "token": "c"}, ConnectionSettings("h:1", "c")),
        (
            {},
            {"SEGTUI_ADDR": "e:2", "SEGTUI_TOKEN": "e"},
            {"addr": "h:1", "token": "c"},
            ConnectionSettings("e:2", "e"),
        ),
        (
            {"addr": "f:3", "token": "f"},
            {"SEGTUI_ADDR": "e:2", "SEGTUI_TOKEN": "e"},
            {"addr": "h:1"},
            ConnectionSettings("f:3", "f"),
        ),
        ({}, {"SEGTUI_TOKEN": ""}, {"token": "c"}, ConnectionSettings(token="c")),
        ({"tls": True}, {}, {}, ConnectionSettings(tls=True)),
        (
            {},
            {},
            {"tls": True, "ca": "/etc/ca.pem"},
            ConnectionSettings(tls=True, ca=Path("/etc/ca.pem")),
        ),
        ({"ca": Path("/x.pem")}, {}, {}, ConnectionSettings(ca=Path("/x.pem"))),
        ({"addr": "[::1]:50051"}, {}, {}, ConnectionSettings("[::1]:50051")),
    ],
)
def test_precedence(flags, env, config, expected):
    assert resolve(env=env, config=config, **flags) == expected


def test_ca_implies_tls():
    assert resolve(env={}, ca=Path("/x.pem")).uses_tls
    assert not resolve(env={}).uses_tls


def test_a_client_certificate_implies_tls_and_needs_its_key():
    assert resolve(env={}, cert=Path("/c.pem"), key=Path("/c.key")).uses_tls
    from_file = resolve(env={}, config={"cert": "/c.pem", "key": "/c.key"})
    assert (from_file.cert, from_file.key) == (Path("/c.pem"), Path("/c.key"))
    for alone in ({"cert": Path("/c.pem")}, {"key": Path("/c.key")}):
        with pytest.raises(SettingsError, match="needs its key"):
            resolve(env={}, **alone)


@pytest.mark.parametrize(
    "addr", ["localhost", "host:", ":50051", "host:port", "host:0", "host:70000"]
)
def test_bad_addr_is_a_clear_error(addr):
    with pytest.raises(SettingsError, match="HOST:PORT"):
        resolve(env={}, addr=addr)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"XDG_CONFIG_HOME": "/cfg"}, Path("/cfg/segtui/config.toml")),
        ({"XDG_CONFIG_HOME": ""}, Path.home() / ".config/segtui/config.toml"),
        ({"XDG_CONFIG_HOME": "relative"}, Path.home() / ".config/segtui/config.toml"),
        ({}, Path.home() / ".config/segtui/config.toml"),
    ],
)
def test_config_path(env, expected):
    assert config_path(env) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("addr = ", "not valid TOML"),
        ("adress = 'x:1'", "unknown key 'adress'"),
        ("tls = 'yes'", "tls must be a bool"),
        ("token = 5", "token must be a str"),
    ],
)
def test_bad_config_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        read_config(path)


def test_missing_config_file_is_empty(tmp_path):
    assert read_config(tmp_path / "none.toml") == {}


def test_saved_config_reads_back_and_is_private(tmp_path):
    path = tmp_path / "segtui" / "config.toml"
    settings = ConnectionSettings(
        'h"st:1', 'tok\\en "é"', tls=True, ca=Path("/ca.pem"), cert=Path("/c.pem"), key=Path("/k")
    )
    save_config(path, settings)
    assert resolve(env={}, config=read_config(path)) == settings
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

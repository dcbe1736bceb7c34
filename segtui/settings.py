"""Where segtui connects and with which token: flags, then environment, then config file.

The config file lives in the user's config directory (``$XDG_CONFIG_HOME/segtui/
config.toml``, by default ``~/.config/segtui/config.toml``) so that a daily user types
just ``segtui``. It holds a personal token, so it is written with mode 0600.

Keys (all optional)::

    addr = "127.0.0.1:50051"
    token = "…"
    tls = false
    ca = "/path/to/ca.pem"
    cert = "/path/to/client.pem"   # with key: a client certificate, for mutual TLS
    key = "/path/to/client.key"
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from segtui.errors import SettingsError

DEFAULT_ADDR = "127.0.0.1:50051"
ENV_ADDR = "SEGTUI_ADDR"
ENV_TOKEN = "SEGTUI_TOKEN"
_KEYS = {"addr": str, "token": str, "tls": bool, "ca": str, "cert": str, "key": str}
#: The keys that name files.
_FILES = ("ca", "cert", "key")


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Everything needed to open a channel to segd."""

    addr: str = DEFAULT_ADDR
    token: str = ""
    tls: bool = False
    #: PEM file of the certificate authorities to trust (implies TLS); None: system roots.
    ca: Path | None = None
    #: PEM files of a client certificate chain and its private key, for a segd that
    #: requires client certificates (mutual TLS); imply TLS.
    cert: Path | None = None
    key: Path | None = None

    @property
    def uses_tls(self) -> bool:
        return self.tls or self.ca is not None or self.cert is not None


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The config file: $XDG_CONFIG_HOME/segtui/config.toml, else ~/.config/segtui/…."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "segtui" / "config.toml"


def read_config(path: Path) -> dict[str, object]:
    """The config file's keys; {} when there is no file. SettingsError when it is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from exc
    for key, value in data.items():
        expected = _KEYS.get(key)
        if expected is None:
            raise SettingsError(f"{path}: unknown key {key!r} (known: {', '.join(_KEYS)})")
        if not isinstance(value, expected):
            raise SettingsError(f"{path}: {key} must be a {expected.__name__}")
    return data


def resolve(
    *,
    addr: str | None = None,
    token: str | None = None,
    tls: bool = False,
    ca: Path | None = None,
    cert: Path | None = None,
    key: Path | None = None,
    env: Mapping[str, str] | None = None,
    config: Mapping[str, object] | None = None,
) -> ConnectionSettings:
    """Flags win over the environment, which wins over the config file."""
    env = os.environ if env is None else env
    config = config or {}
    settings = ConnectionSettings()
    if "addr" in config:
        settings = replace(settings, addr=str(config["addr"]))
    if "token" in config:
        settings = replace(settings, token=str(config["token"]))
    if config.get("tls"):
        settings = replace(settings, tls=True)
    in_file = {n: Path(str(config[n])).expanduser() for n in _FILES if config.get(n)}
    settings = replace(
        settings, ca=in_file.get("ca"), cert=in_file.get("cert"), key=in_file.get("key")
    )
    if env.get(ENV_ADDR):
        settings = replace(settings, addr=env[ENV_ADDR])
    if env.get(ENV_TOKEN):
        settings = replace(settings, token=env[ENV_TOKEN])
    if addr:
        settings = replace(settings, addr=addr)
    if token:
        settings = replace(settings, token=token)
    if tls:
        settings = replace(settings, tls=True)
    if ca is not None:
        settings = replace(settings, ca=ca)
    if cert is not None:
        settings = replace(settings, cert=cert)
    if key is not None:
        settings = replace(settings, key=key)
    if (settings.cert is None) != (settings.key is None):
        raise SettingsError("a client certificate (cert) needs its key (key), and a key its cert")
    check_addr(settings.addr)
    return settings


def check_addr(addr: str) -> None:
    """HOST:PORT with a port in range; SettingsError otherwise."""
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{addr!r} is not HOST:PORT")


def save_config(path: Path, settings: ConnectionSettings) -> None:
    """Write the settings to `path` (mode 0600, it holds a token), replacing the file."""
    lines = [f"addr = {_toml_string(settings.addr)}"]
    if settings.token:
        lines.append(f"token = {_toml_string(settings.token)}")
    if settings.tls:
        lines.append("tls = true")
    for name in _FILES:
        value = getattr(settings, name)
        if value is not None:
            lines.append(f"{name} = {_toml_string(str(value))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    os.replace(temporary, path)


def _toml_string(value: str) -> str:
    # A JSON string without \u escapes of non-ASCII text is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)

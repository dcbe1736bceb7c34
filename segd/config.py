"""Settings: one TOML file, every key with a default, command-line flags on top.

The README documents every key; keep the two in agreement.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from segd.errors import ConfigError

Durability = Literal["full", "normal"]


@dataclass(frozen=True)
class Limits:
    """Segment's limits on what one call may carry."""

    max_event_bytes: int = 32 * 1024
    max_batch_bytes: int = 500 * 1024
    max_batch_events: int = 2500
    max_message_id_chars: int = 100
    max_json_depth: int = 32


@dataclass(frozen=True)
class StorageConfig:
    """The embedded SQLite event log."""

    #: "full": synchronous=FULL, an acknowledged event survives power loss.
    #: "normal": synchronous=NORMAL, it survives the process being killed, and the
    #: last transactions may be lost if the machine loses power.
    durability: Durability = "full"
    #: Events older than this are pruned; deduplication covers the same window.
    retention_days: int = 30
    #: Below this much free space on the data directory's filesystem, sends get
    #: UNAVAILABLE until space returns.
    min_free_bytes: int = 256 * 1024 * 1024
    #: Most events written in one group commit.
    max_group_events: int = 10_000
    #: Most events waiting to be written; beyond it sends get RESOURCE_EXHAUSTED. It
    #: bounds the memory they hold and how long an admitted call waits (two group
    #: commits' worth: about 2 s on a small 2-core machine with durability "full").
    max_pending_events: int = 20_000


@dataclass(frozen=True)
class GrpcConfig:
    """The gRPC listener (Collector and, later, Admin services)."""

    listen: str = "127.0.0.1:50051"
    #: "auto" turns server reflection on only when listening on a loopback address.
    reflection: Literal["auto", "on", "off"] = "auto"
    #: Seconds in-flight calls get to finish on SIGTERM.
    shutdown_grace_seconds: float = 10.0
    #: Most calls served at once; more get RESOURCE_EXHAUSTED.
    max_concurrent_calls: int = 1000
    #: Worker processes that normalise SendBatch calls of 16 events or more, off the
    #: daemon's GIL; 0 normalises every call in the daemon itself.
    normalize_workers: int = 1
    #: PEM certificate (chain) and private key: with both, the port speaks TLS only.
    tls_cert: str = ""
    tls_key: str = ""
    #: PEM certificates of the CAs that sign client certificates: when set, every
    #: client must present one (mutual TLS). Needs tls_cert and tls_key.
    tls_client_ca: str = ""


@dataclass(frozen=True)
class HttpConfig:
    """The Segment-compatible HTTP Tracking API listener (/v1/track, /v1/batch, ...)."""

    #: false: no HTTP listener, gRPC only.
    enabled: bool = True
    listen: str = "127.0.0.1:8088"
    #: Requests per second each write key may make; more get 429 with Retry-After.
    #: 0 turns rate limiting off.
    rate_limit_per_second: float = 0.0
    #: Requests a write key may make at once above its rate (the bucket's size);
    #: 0 means one second's worth.
    rate_limit_burst: int = 0
    #: Seconds in-flight requests get to finish on SIGTERM.
    shutdown_grace_seconds: float = 10.0
    #: Most requests served at once; more get 429 before their body is read.
    max_concurrent_requests: int = 1000
    #: PEM certificate (chain) and private key: with both, the port speaks HTTPS only.
    tls_cert: str = ""
    tls_key: str = ""


@dataclass(frozen=True)
class RouterConfig:
    """Delivery to destinations: retries, reloads, shutdown."""

    #: Seconds between looks at the database for new, changed or removed destinations.
    reload_seconds: float = 2.0
    #: Failed events are retried for this long after their receipt, then dead-lettered.
    retry_window_seconds: float = 4 * 3600.0
    #: The first retry comes within this many seconds; each later one doubles it (with
    #: full jitter) up to `retry_max_delay_seconds`.
    retry_base_seconds: float = 1.0
    retry_max_delay_seconds: float = 300.0
    #: Longest a worker waits before looking for due retries (such as replays).
    retry_poll_seconds: float = 1.0
    #: A worker writes its cursor and counters at most this often.
    commit_interval_seconds: float = 0.2
    #: On shutdown, in-flight deliveries get this long to finish; the rest are sent
    #: again after the restart.
    drain_seconds: float = 5.0
    #: Longest a destination plugin may take over one batch before the router gives up on
    #: it and retries the batch: a plugin that never answers would otherwise hold a
    #: delivery slot for good and stop the destination without an error. Generous by
    #: default, since a warehouse load can take minutes.
    send_timeout_seconds: float = 300.0


@dataclass(frozen=True)
class LogConfig:
    #: "debug" logs one line per request batch.
    level: str = "info"
    #: "auto": JSON when stdout is not a terminal, readable when it is.
    format: Literal["auto", "json", "console"] = "auto"


@dataclass(frozen=True)
class AdminConfig:
    """The Admin service."""

    #: How long an invite stays valid when the inviter does not say.
    invite_ttl_hours: float = 72.0
    #: The HTTP API's base URL as clients reach it, for the setup snippets; empty:
    #: http:// (https:// with http.tls_cert) and the address the HTTP listener is bound to.
    public_http_url: str = ""
    #: The gRPC address as clients reach it, for the snippets; empty: where segd listens.
    public_grpc_address: str = ""


@dataclass(frozen=True)
class SmtpConfig:
    """Email delivery of invites; with no host, the inviter gets the token to pass on."""

    host: str = ""
    port: int = 587
    #: "starttls" (upgrade a plain connection), "ssl" (TLS from the start) or "none".
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password: str = ""
    from_address: str = "segd@localhost"
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class DebuggerConfig:
    """The live debugger and event search."""

    #: Recent events kept in memory per source, for a new stream to start with.
    ring_size: int = 200
    #: Events a stream may fall behind by before it skips (and says how many).
    subscriber_buffer: int = 1000
    #: A search looks through at most this many of the most recent stored events.
    search_scan_events: int = 100_000


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    storage: StorageConfig = field(default_factory=StorageConfig)
    grpc: GrpcConfig = field(default_factory=GrpcConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    limits: Limits = field(default_factory=Limits)
    log: LogConfig = field(default_factory=LogConfig)
    router: RouterConfig = field(default_factory=RouterConfig)
    admin: AdminConfig = field(default_factory=AdminConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    debugger: DebuggerConfig = field(default_factory=DebuggerConfig)

    @property
    def database_path(self) -> Path:
        return self.data_dir / "segd.db"


def default_data_dir() -> Path:
    """systemd's StateDirectory when run as a unit, else ./data."""
    state = os.environ.get("STATE_DIRECTORY")
    return Path(state.split(":")[0]) if state else Path("data")


def load(path: Path | None = None, **overrides: Any) -> Config:
    """Read the TOML file (if any) and apply flag overrides given as dotted keys.

    ``load(path, **{"grpc.listen": "127.0.0.1:0"})``; a value of None means "not given".
    """
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path}: {exc}") from exc
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, key = dotted.rpartition(".")
        target = raw.setdefault(section, {}) if section else raw
        target[key] = value
    raw.setdefault("data_dir", default_data_dir())
    config: Config = _build(Config, raw, "")
    return config


def _build(cls: Any, raw: dict[str, Any], where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{where}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(raw) - set(fields)
    if unknown:
        name = f"{where}.{sorted(unknown)[0]}" if where else sorted(unknown)[0]
        raise ConfigError(f"unknown setting {name!r}")
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, value in raw.items():
        current = getattr(defaults, name)
        key = f"{where}.{name}" if where else name
        if dataclasses.is_dataclass(current):
            kwargs[name] = _build(type(current), value, key)
        elif isinstance(current, Path):
            kwargs[name] = Path(value)
        elif isinstance(current, bool) or not isinstance(current, int | float | str):
            kwargs[name] = value
        elif isinstance(current, float) and isinstance(value, int | float):
            kwargs[name] = float(value)
        elif type(value) is not type(current):
            raise ConfigError(f"setting {key!r} must be a {type(current).__name__}")
        else:
            kwargs[name] = value
    config = cls(**kwargs)
    _check(config, where)
    return config


def _check(config: Any, where: str) -> None:
    if isinstance(config, StorageConfig):
        if config.durability not in ("full", "normal"):
            raise ConfigError('storage.durability must be "full" or "normal"')
        if config.retention_days < 1:
            raise ConfigError("storage.retention_days must be at least 1")
    if isinstance(config, GrpcConfig) and config.reflection not in ("auto", "on", "off"):
        raise ConfigError('grpc.reflection must be "auto", "on" or "off"')
    if isinstance(config, GrpcConfig | HttpConfig):
        section = "grpc" if isinstance(config, GrpcConfig) else "http"
        if bool(config.tls_cert) != bool(config.tls_key):
            raise ConfigError(f"{section}.tls_cert and {section}.tls_key go together")
    if isinstance(config, GrpcConfig) and config.tls_client_ca and not config.tls_cert:
        raise ConfigError("grpc.tls_client_ca needs grpc.tls_cert and grpc.tls_key")
    if isinstance(config, GrpcConfig) and config.normalize_workers < 0:
        raise ConfigError("grpc.normalize_workers cannot be negative")
    if isinstance(config, HttpConfig):
        if not isinstance(config.enabled, bool):
            raise ConfigError("http.enabled must be true or false")
        if config.rate_limit_per_second < 0 or config.rate_limit_burst < 0:
            raise ConfigError("http.rate_limit_per_second and http.rate_limit_burst must be >= 0")
        if config.max_concurrent_requests < 1:
            raise ConfigError("http.max_concurrent_requests must be at least 1")
    if isinstance(config, RouterConfig):
        for name in (
            "reload_seconds",
            "retry_base_seconds",
            "retry_poll_seconds",
            "send_timeout_seconds",
        ):
            if getattr(config, name) <= 0:
                raise ConfigError(f"router.{name} must be more than 0")
        if config.retry_max_delay_seconds < config.retry_base_seconds:
            raise ConfigError("router.retry_max_delay_seconds must be at least retry_base_seconds")
        for name in ("retry_window_seconds", "commit_interval_seconds", "drain_seconds"):
            if getattr(config, name) < 0:
                raise ConfigError(f"router.{name} cannot be negative")
    if isinstance(config, LogConfig) and config.format not in ("auto", "json", "console"):
        raise ConfigError('log.format must be "auto", "json" or "console"')
    if isinstance(config, AdminConfig) and config.invite_ttl_hours <= 0:
        raise ConfigError("admin.invite_ttl_hours must be more than 0")
    if isinstance(config, SmtpConfig) and config.security not in ("starttls", "ssl", "none"):
        raise ConfigError('smtp.security must be "starttls", "ssl" or "none"')
    if isinstance(config, DebuggerConfig):
        for name in ("ring_size", "subscriber_buffer", "search_scan_events"):
            if getattr(config, name) < 1:
                raise ConfigError(f"debugger.{name} must be at least 1")

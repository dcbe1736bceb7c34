"""What can go wrong talking to segd, as the screens see it (never a gRPC status).

SegtuiError
├── SettingsError      bad flag, environment variable or config file
└── ClientError        a call to segd failed
    ├── Disconnected   segd is down, restarting or unreachable: retry later
    ├── BadToken       no token, or one segd does not know (revoked, mistyped)
    ├── NotAllowed     the caller's roles do not allow the call
    ├── Rejected       segd refused the request as given (invalid, not found, ...)
    └── ServerError    anything else: segd failed on its side
"""

from __future__ import annotations


class SegtuiError(Exception):
    """Base of segtui's errors; the message is meant for people."""


class SettingsError(SegtuiError):
    """A connection setting is missing or malformed."""


class ClientError(SegtuiError):
    """A call to segd failed."""


class Disconnected(ClientError):
    """segd cannot be reached right now."""


class BadToken(ClientError):
    """segd refused the token."""


class NotAllowed(ClientError):
    """The token is fine, but its member may not do this."""


class Rejected(ClientError):
    """The request was refused as given; the message says why.

    `violations` maps a field's path ("name", "settings.urls[0]", "spec.condition") to
    what is wrong with it, and `positions` a text field's path to the 0-based place of
    the problem in it (an FQL condition), when segd said so.
    """

    def __init__(
        self,
        message: str,
        violations: dict[str, str] | None = None,
        positions: dict[str, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.violations = violations or {}
        self.positions = positions or {}


class ServerError(ClientError):
    """segd failed on its side."""

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
    """The request was refused as given; the message says why."""


class ServerError(ClientError):
    """segd failed on its side."""

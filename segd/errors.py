"""The domain exceptions of segd, in one tree.

    SegdError
    ├── ConfigError            a setting is missing or wrong (raised at start-up)
    ├── InvalidRequest         the request as a whole is malformed        → INVALID_ARGUMENT
    │   └── InvalidFields      named fields are wrong (each with why, and where in its text)
    ├── Unauthenticated        unknown write key or token                 → UNAUTHENTICATED
    ├── PermissionDenied       disabled source, missing role              → PERMISSION_DENIED
    ├── NotFound               the named thing does not exist             → NOT_FOUND
    ├── AlreadyExists          the name is taken                          → ALREADY_EXISTS
    ├── Conflict               the state forbids it (the last owner)      → FAILED_PRECONDITION
    ├── Overloaded             too much pending work                      → RESOURCE_EXHAUSTED
    │   └── RateLimited        a write key over its configured rate       → RESOURCE_EXHAUSTED
    ├── RequestTooLarge        a batch over the size limits               → RESOURCE_EXHAUSTED
    └── Unavailable            shutting down, disk low or full            → UNAVAILABLE

Front doors (gRPC, HTTP) map these to their status codes in one table each; messages
are written for the client and never carry internals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SegdError(Exception):
    """Base of every error segd raises on purpose."""


class ConfigError(SegdError):
    """A configuration value is missing or invalid."""


class InvalidRequest(SegdError):
    """The request is malformed as a whole (not one event of a batch)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One wrong field of a request: a dotted path ("settings.urls[0]", "condition"), why,
    and for a text field, the 0-based character the problem is at (None: the whole value)."""

    field: str
    description: str
    position: int | None = None


class InvalidFields(InvalidRequest):
    """Named fields of the request are wrong; a form can show each problem by its field."""

    def __init__(self, message: str, violations: Sequence[Violation]) -> None:
        super().__init__(message)
        self.violations = tuple(violations)


class Unauthenticated(SegdError):
    """The caller's credentials are unknown."""


class PermissionDenied(SegdError):
    """The caller is known but may not do this."""


class NotFound(SegdError):
    """The named resource does not exist."""


class AlreadyExists(SegdError):
    """A resource with that name or key exists already."""


class Conflict(SegdError):
    """The request is well formed but the workspace's state forbids it."""


class Overloaded(SegdError):
    """Too much work is pending; the client should back off and retry."""


class RateLimited(Overloaded):
    """The caller sends faster than its configured rate; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTooLarge(SegdError):
    """The request exceeds a size limit."""


class Unavailable(SegdError):
    """The daemon cannot take writes now (shutting down, disk low); retry later."""

"""The destination plugin contract.

A destination is a class with a unique `name`, a `display_name` (the key users write
in an event's `integrations` object), a `category`, and a `Settings` model (pydantic)
that validates its settings and produces the JSON Schema the TUI renders as a form.
The router owns batching, backoff and attempt counting; a plugin only sends and says,
for each event that failed, whether trying again could help.

Plugins register under the entry-point group ``segd.destinations``, built-ins too::

    [project.entry-points."segd.destinations"]
    webhook = "segd.destinations.webhook:Webhook"
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Category(StrEnum):
    ANALYTICS = "Analytics"
    ADVERTISING = "Advertising"
    EMAIL_MARKETING = "Email Marketing"
    LIVE_CHAT = "Live Chat"
    WAREHOUSE = "Warehouse"
    STORAGE = "Storage"
    OTHER = "Other"


class DestinationSettings(BaseModel):
    """Base of every plugin's settings: unknown keys are errors, not silently ignored.

    Mark secrets with `pydantic.SecretStr`; the schema then says ``"format": "password"``
    and ``"writeOnly": true``, and the admin API never returns their values.
    """

    model_config = ConfigDict(extra="forbid")

    # Delivery options the router applies to every destination (a plugin may change
    # the defaults by redeclaring a field).
    batch_size: int = Field(
        100,
        ge=1,
        le=10_000,
        title="Batch size",
        description="Most events handed to the destination in one batch.",
    )
    batch_max_wait_seconds: float = Field(
        0.0,
        ge=0.0,
        le=3600.0,
        title="Batch wait",
        description="How long an event may wait (from its receipt) for its batch to fill;"
        " 0 sends what is there as soon as the destination can take it.",
    )
    max_in_flight: int = Field(
        2,
        ge=1,
        le=64,
        title="Concurrent batches",
        description="Most batches being delivered at once.",
    )


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    """One event as a destination receives it."""

    seq: int
    source_id: int
    source_slug: str
    message_id: str
    received_at_ms: int
    #: The Segment JSON of the call (segd.events.to_json), after destination filters.
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one event was not delivered, with samples for the delivery view."""

    retryable: bool
    error: str
    #: Seconds the destination asked us to wait (Retry-After), if it said.
    retry_after: float | None = None
    request_sample: str = ""
    response_sample: str = ""


@dataclass(slots=True)
class BatchResult:
    """What became of a batch: every event not in `failures` was delivered.

    `failures` maps positions in the batch to their Failure, so a plugin can report
    partial success.
    """

    failures: dict[int, Failure] = field(default_factory=dict)

    @classmethod
    def all_failed(cls, count: int, failure: Failure) -> BatchResult:
        return cls({index: failure for index in range(count)})


class Destination(abc.ABC):
    """Base class of destination plugins."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    category: ClassVar[Category]
    description: ClassVar[str] = ""
    Settings: ClassVar[type[DestinationSettings]]
    #: segd's data directory, set by the router before `open`: where a plugin keeps
    #: local files (the warehouse's DuckDB file). None outside a daemon.
    data_dir: Path | None = None

    def __init__(self, settings: DestinationSettings) -> None:
        self.settings = settings

    @classmethod
    def settings_schema(cls) -> dict[str, Any]:
        """The JSON Schema of this destination's settings."""
        return cls.Settings.model_json_schema()

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Acquire connections and resources before the first batch."""

    @abc.abstractmethod
    async def send_batch(self, events: Sequence[OutboundEvent]) -> BatchResult:
        """Deliver `events` in order.

        Returns:
            A BatchResult naming the events that failed; the rest count as delivered.
        Raises:
            Nothing on delivery failure: failures are reported in the result. An
            exception escaping here is treated as a retryable failure of the batch.
        """

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what `open` acquired."""

    async def healthcheck(self) -> str | None:
        """None when the destination is reachable, else what is wrong."""
        return None

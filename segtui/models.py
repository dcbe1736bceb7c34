"""Plain view models: what segtui/client.py returns and the screens display.

Nothing here knows about gRPC or protobuf; times are aware datetimes in UTC.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Roles after Segment's access management; resource roles add up."""

    WORKSPACE_OWNER = "workspace_owner"
    WORKSPACE_MEMBER = "workspace_member"
    SOURCE_ADMIN = "source_admin"
    SOURCE_READ_ONLY = "source_read_only"
    TRACKING_PLAN_ADMIN = "tracking_plan_admin"
    TRACKING_PLAN_READ_ONLY = "tracking_plan_read_only"
    WAREHOUSE_ADMIN = "warehouse_admin"
    WAREHOUSE_READ_ONLY = "warehouse_read_only"
    PERSONAS_ADMIN = "personas_admin"
    PERSONAS_READ_ONLY = "personas_read_only"

    @property
    def label(self) -> str:
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.WORKSPACE_OWNER: "Workspace Owner",
    Role.WORKSPACE_MEMBER: "Workspace Member",
    Role.SOURCE_ADMIN: "Source Admin",
    Role.SOURCE_READ_ONLY: "Source Read-only",
    Role.TRACKING_PLAN_ADMIN: "Tracking Plan Admin",
    Role.TRACKING_PLAN_READ_ONLY: "Tracking Plan Read-only",
    Role.WAREHOUSE_ADMIN: "Warehouse Admin",
    Role.WAREHOUSE_READ_ONLY: "Warehouse Read-only",
    Role.PERSONAS_ADMIN: "Personas Admin",
    Role.PERSONAS_READ_ONLY: "Personas Read-only",
}


#: The plugin category whose destinations the warehouse roles cover.
WAREHOUSE_CATEGORY = "Warehouse"


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """One role; for source roles, the sources it covers (None: all sources)."""

    role: Role
    source_ids: frozenset[int] | None = None

    def covers(self, source_id: int) -> bool:
        return self.source_ids is None or source_id in self.source_ids

    def describe(self, source_names: dict[int, str] | None = None) -> str:
        if self.source_ids is None:
            return self.role.label
        names = source_names or {}
        listed = ", ".join(names.get(i, f"#{i}") for i in sorted(self.source_ids))
        return f"{self.role.label} ({listed})"


@dataclass(frozen=True, slots=True)
class RoleInfo:
    role: Role
    title: str
    description: str
    source_scoped: bool


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    email: str
    created_at: datetime | None
    grants: tuple[RoleGrant, ...]
    group_ids: tuple[int, ...]
    effective_grants: tuple[RoleGrant, ...]

    @property
    def permissions(self) -> Permissions:
        return Permissions(self.effective_grants)


@dataclass(frozen=True, slots=True)
class Permissions:
    """What the caller may do, worked out from their effective grants.

    The daemon decides every call; this mirrors its policy so that screens can show
    what is not allowed up front instead of failing after the fact.
    """

    grants: tuple[RoleGrant, ...] = ()

    def _grant(self, role: Role) -> RoleGrant | None:
        return next((g for g in self.grants if g.role is role), None)

    @property
    def is_owner(self) -> bool:
        return self._grant(Role.WORKSPACE_OWNER) is not None

    @property
    def can_manage_members(self) -> bool:
        return self.is_owner

    @property
    def can_create_sources(self) -> bool:
        admin = self._grant(Role.SOURCE_ADMIN)
        return self.is_owner or (admin is not None and admin.source_ids is None)

    def can_admin_source(self, source_id: int) -> bool:
        admin = self._grant(Role.SOURCE_ADMIN)
        return self.is_owner or (admin is not None and admin.covers(source_id))

    def can_read_source(self, source_id: int) -> bool:
        read = self._grant(Role.SOURCE_READ_ONLY)
        return self.can_admin_source(source_id) or (read is not None and read.covers(source_id))

    def can_admin_destination(self, source_ids: Collection[int], warehouse: bool = False) -> bool:
        """Managing a destination needs Source Admin on every source it touches (all
        sources when it touches none); a warehouse, Warehouse Admin will do. Connecting
        or disconnecting a source needs `can_admin_source` on it besides."""
        admin = self._grant(Role.SOURCE_ADMIN)
        if self.is_owner or (warehouse and self._grant(Role.WAREHOUSE_ADMIN) is not None):
            return True
        if admin is None:
            return False
        return admin.source_ids is None or (
            bool(source_ids) and all(admin.covers(i) for i in source_ids)
        )

    def can_add_destination(self, category: str) -> bool:
        """Adding a destination of a plugin in `category`: Source Admin (of the sources it
        connects), or for a warehouse Warehouse Admin."""
        if self.is_owner or self._grant(Role.SOURCE_ADMIN) is not None:
            return True
        return category == WAREHOUSE_CATEGORY and self._grant(Role.WAREHOUSE_ADMIN) is not None

    @property
    def can_add_destinations(self) -> bool:
        return self.can_add_destination(WAREHOUSE_CATEGORY)

    def summary(self) -> str:
        """The roles for a status line, such as "Source Admin, Warehouse Read-only"."""
        shown = [g for g in self.grants if g.role is not Role.WORKSPACE_MEMBER]
        return ", ".join(g.describe() for g in shown) or Role.WORKSPACE_MEMBER.label


@dataclass(frozen=True, slots=True)
class Invite:
    id: int
    email: str
    grants: tuple[RoleGrant, ...]
    group_ids: tuple[int, ...]
    created_at: datetime | None
    expires_at: datetime | None
    invited_by: str
    emailed: bool


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    invite: Invite
    #: The token to pass on when it was not emailed; shown once.
    token: str
    email_error: str


@dataclass(frozen=True, slots=True)
class AcceptedInvite:
    member: Member
    token: str


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    name: str
    grants: tuple[RoleGrant, ...]
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SourceType:
    id: str
    title: str
    category: str
    description: str
    setup_snippet: str
    snippet_language: str

    def snippet_for(self, write_key: str) -> str:
        return self.setup_snippet.replace("<WRITE_KEY>", write_key)


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    name: str
    slug: str
    enabled: bool
    type: str
    created_at: datetime | None

    @property
    def status(self) -> str:
        return "enabled" if self.enabled else "disabled"


@dataclass(frozen=True, slots=True)
class CreatedSource:
    source: Source
    write_key: str


@dataclass(frozen=True, slots=True)
class RetiredWriteKey:
    write_key: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class WriteKeys:
    write_key: str
    retired: tuple[RetiredWriteKey, ...] = ()


@dataclass(frozen=True, slots=True)
class DebugEvent:
    """One event as the debugger lists and shows it."""

    #: "track", "identify", ...
    type: str
    #: track: the event name; page, screen: the name; else "".
    name: str
    user_id: str
    anonymous_id: str
    message_id: str
    received_at: datetime | None
    #: "accepted", "duplicate" or "rejected".
    status: str
    reason: str = ""
    error: str = ""
    #: The Segment JSON as received (before normalisation).
    raw_json: str = ""
    #: The Segment JSON after normalisation, as stored.
    normalized_json: str = ""
    from_log: bool = False

    @property
    def user(self) -> str:
        return self.user_id or self.anonymous_id


@dataclass(frozen=True, slots=True)
class Skipped:
    """The stream dropped this many events because the client read too slowly."""

    count: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    events: tuple[DebugEvent, ...]
    scanned: int


@dataclass(frozen=True, slots=True)
class SchemaProperty:
    key: str
    types: tuple[str, ...]
    count: int


@dataclass(frozen=True, slots=True)
class SchemaEvent:
    type: str
    name: str
    count_today: int
    count_7_days: int
    count_all_time: int
    first_seen: datetime | None
    last_seen: datetime | None
    properties: tuple[SchemaProperty, ...]
    properties_limit_reached: bool


@dataclass(frozen=True, slots=True)
class Schema:
    events: tuple[SchemaEvent, ...] = ()
    events_limit_reached: bool = False

    @property
    def volume_today(self) -> int:
        return sum(e.count_today for e in self.events)

    @property
    def volume_7_days(self) -> int:
        return sum(e.count_7_days for e in self.events)


@dataclass(frozen=True, slots=True)
class GettingStartedTask:
    id: str
    title: str
    done: bool
    detail: str


@dataclass(frozen=True, slots=True)
class GettingStartedGroup:
    title: str
    tasks: tuple[GettingStartedTask, ...] = field(default_factory=tuple)

    @property
    def done_count(self) -> int:
        return sum(1 for t in self.tasks if t.done)


@dataclass(frozen=True, slots=True)
class DestinationType:
    """An installed destination plugin."""

    name: str
    display_name: str
    category: str
    description: str
    #: The JSON Schema of its settings (pydantic's), for the generated form.
    settings_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Destination:
    id: int
    name: str
    type: str
    display_name: str
    enabled: bool
    source_ids: tuple[int, ...]
    #: Every setting with defaults filled in; secrets are "**********".
    settings: dict[str, Any]
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def status(self) -> str:
        return "enabled" if self.enabled else "disabled"


#: Filter kinds with what they do, in Segment's order of application.
FILTER_KINDS = {
    "sample": "Sample: keep a share of the matching events",
    "drop": "Drop the matching events",
    "only": "Only send the matching events",
    "drop_properties": "Drop these fields from the matching events",
    "allow_properties": "Only keep these fields of the matching events",
}


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """What a destination filter does."""

    kind: str
    #: FQL; empty or "all" matches every event.
    condition: str = ""
    #: drop_properties, allow_properties: dotted paths.
    fields: tuple[str, ...] = ()
    #: sample: the share kept, 0 to 1.
    percent: float | None = None
    #: sample: the field hashed (empty: messageId).
    path: str = ""
    title: str = ""
    disabled: bool = False

    def describe(self) -> str:
        """One line for a list: what it does, to which events."""
        what = {
            "sample": f"keep {round((self.percent or 0) * 100, 2):g}%"
            + (f" by {self.path}" if self.path else ""),
            "drop": "drop",
            "only": "only send",
            "drop_properties": f"drop {', '.join(self.fields)}",
            "allow_properties": f"keep only {', '.join(self.fields)}",
        }.get(self.kind, self.kind)
        where = self.condition if self.condition not in ("", "all") else "every event"
        return f"{what} · {where}"


@dataclass(frozen=True, slots=True)
class DestinationFilter:
    id: int
    destination_id: int
    spec: FilterSpec
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryError:
    time: datetime | None
    seq: int
    message_id: str
    retryable: bool
    error: str
    request_sample: str
    response_sample: str


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    destination_id: int
    delivered: int
    filtered: int
    retrying: int
    dead: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_window_minutes: int
    recent_errors: tuple[DeliveryError, ...]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    seq: int
    source_id: int
    message_id: str
    received_at: datetime | None
    body_json: str
    attempts: int
    error: str
    request_sample: str
    response_sample: str
    failed_at: datetime | None


@dataclass(frozen=True, slots=True)
class WarehouseTable:
    schema: str
    table: str
    rows_loaded: int
    last_loaded_at: datetime | None


@dataclass(frozen=True, slots=True)
class WarehouseStatus:
    """A warehouse destination's sync status, from the warehouse's own bookkeeping."""

    destination_id: int
    #: Where the warehouse is ("duckdb /var/lib/segd/warehouse.duckdb"); no password.
    warehouse: str
    last_sync_at: datetime | None
    last_sync_events: int
    last_sync_rows: int
    syncs: int
    events_loaded: int
    #: Values that did not fit their column, kept in the `discards` tables.
    discarded: int
    tables: tuple[WarehouseTable, ...]
    last_error: str | None
    last_error_at: datetime | None

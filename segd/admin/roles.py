"""Roles, grants and what they allow: pure, so one table tests every rule.

A grant is a role, and for source roles the sources it covers (None: all of them).
A member's effective grants are their own plus those of their user groups; grants of
the same role add up.

Destinations are reached through sources: a source role covers the destinations
connected to its sources. The warehouse roles cover destinations whose plugin is in
the Warehouse category, and nothing else: Warehouse Admin stands for the warehouse's
end of a connection, so connecting or disconnecting a source still needs Source Admin
on that source (it decides whose data flows out).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from segd.errors import InvalidRequest


class Role(StrEnum):
    """The stored name of each role (member_roles.role, group_roles.role)."""

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


@dataclass(frozen=True, slots=True)
class RoleInfo:
    role: Role
    title: str
    description: str
    source_scoped: bool = False


ROLES: tuple[RoleInfo, ...] = (
    RoleInfo(
        Role.WORKSPACE_OWNER,
        "Workspace Owner",
        "Everything, including members, user groups and the audit log.",
    ),
    RoleInfo(
        Role.WORKSPACE_MEMBER,
        "Workspace Member",
        "Sees the workspace; nothing more by itself. Every member has it.",
    ),
    RoleInfo(
        Role.SOURCE_ADMIN,
        "Source Admin",
        "Edit, enable, delete and see the write key of all sources or the listed ones, and"
        " manage the destinations connected to them; with all sources, also create sources.",
        source_scoped=True,
    ),
    RoleInfo(
        Role.SOURCE_READ_ONLY,
        "Source Read-only",
        "See all sources or the listed ones, their debugger, schema and destinations.",
        source_scoped=True,
    ),
    RoleInfo(Role.TRACKING_PLAN_ADMIN, "Tracking Plan Admin", "Edit tracking plans."),
    RoleInfo(Role.TRACKING_PLAN_READ_ONLY, "Tracking Plan Read-only", "See tracking plans."),
    RoleInfo(
        Role.WAREHOUSE_ADMIN,
        "Warehouse Admin",
        "Edit, enable, delete and create warehouse destinations, with their filters and"
        " dead letters; connecting a source to one also needs Source Admin on it.",
    ),
    RoleInfo(
        Role.WAREHOUSE_READ_ONLY,
        "Warehouse Read-only",
        "See warehouse destinations, their settings, filters, delivery and sync status.",
    ),
    RoleInfo(Role.PERSONAS_ADMIN, "Personas Admin", "Edit profiles, traits and audiences."),
    RoleInfo(Role.PERSONAS_READ_ONLY, "Personas Read-only", "See profiles and audiences."),
)
SOURCE_SCOPED = frozenset(info.role for info in ROLES if info.source_scoped)


@dataclass(frozen=True, slots=True)
class Grant:
    """One role; `source_ids` is None for all sources (and for roles without scope)."""

    role: Role
    source_ids: frozenset[int] | None = None

    def covers(self, source_id: int) -> bool:
        return self.source_ids is None or source_id in self.source_ids


def merge(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """One grant per role: scopes add up, and "all sources" absorbs any list."""
    scopes: dict[Role, frozenset[int] | None] = {}
    for grant in grants:
        if grant.role not in scopes:
            scopes[grant.role] = grant.source_ids
            continue
        current = scopes[grant.role]
        if current is None or grant.source_ids is None:
            scopes[grant.role] = None
        else:
            scopes[grant.role] = current | grant.source_ids
    return tuple(Grant(role, scopes[role]) for role in Role if role in scopes)


def check_grants(grants: Iterable[Grant], existing_sources: Iterable[int]) -> tuple[Grant, ...]:
    """Grants as given by a client, checked: scopes only on source roles, sources exist."""
    known = set(existing_sources)
    checked = []
    for grant in grants:
        if grant.source_ids is not None and grant.role not in SOURCE_SCOPED:
            raise InvalidRequest(f"the role {grant.role.value} does not take a list of sources")
        missing = sorted((grant.source_ids or frozenset()) - known)
        if missing:
            raise InvalidRequest(f"no source with id {missing[0]}")
        checked.append(grant)
    return merge(checked)


def to_rows(grants: Iterable[Grant]) -> list[tuple[str, int | None]]:
    """Grants as (role, resource_id) rows; resource_id NULL covers all sources."""
    rows: list[tuple[str, int | None]] = []
    for grant in grants:
        if grant.source_ids is None:
            rows.append((grant.role.value, None))
        else:
            rows.extend((grant.role.value, source_id) for source_id in sorted(grant.source_ids))
    return rows


def from_rows(rows: Iterable[tuple[str, int | None]]) -> tuple[Grant, ...]:
    """The inverse of `to_rows`; unknown role names (from a newer version) are skipped."""
    grants = []
    for role_name, resource_id in rows:
        try:
            role = Role(role_name)
        except ValueError:
            continue
        grants.append(Grant(role, None if resource_id is None else frozenset({resource_id})))
    return merge(grants)


class Need(Enum):
    """What a method asks of its caller (the right-hand side of the policy table)."""

    #: No token at all (AcceptInvite takes its own credential).
    PUBLIC = "public"
    #: Any member with a valid token.
    MEMBER = "member"
    #: A Workspace Owner.
    OWNER = "owner"
    #: Source Read-only or Source Admin covering the request's source.
    SOURCE_READ = "source_read"
    #: Source Admin covering the request's source.
    SOURCE_ADMIN = "source_admin"
    #: Source Admin on all sources (creating sources).
    SOURCE_ADMIN_ALL = "source_admin_all"
    #: Source Read-only or Source Admin covering at least one of the sources the call
    #: touches (those it names, and the destination's); all sources if it touches none.
    #: On a warehouse, Warehouse Read-only or Warehouse Admin too.
    DESTINATION_READ = "destination_read"
    #: Source Admin covering every source the call touches (those it names, and the
    #: destination's); all sources if it touches none. On a warehouse, Warehouse Admin
    #: with Source Admin covering the sources the call names (if it names any).
    DESTINATION_ADMIN = "destination_admin"


DESTINATION_NEEDS = frozenset({Need.DESTINATION_READ, Need.DESTINATION_ADMIN})


@dataclass(frozen=True, slots=True)
class DestinationScope:
    """What a destination call touches, as far as access to it goes."""

    #: The sources the destination is connected to now (none for one being created).
    connected: frozenset[int] = field(default_factory=frozenset)
    #: The sources the request connects, disconnects or creates the destination with.
    named: frozenset[int] = field(default_factory=frozenset)
    #: Whether the destination's plugin is in the Warehouse category.
    warehouse: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    """A member authenticated by a token, with their effective (merged) grants."""

    member_id: int
    email: str
    grants: tuple[Grant, ...]

    def _grant(self, role: Role) -> Grant | None:
        return next((g for g in self.grants if g.role is role), None)

    @property
    def is_owner(self) -> bool:
        return self._grant(Role.WORKSPACE_OWNER) is not None

    def can_read_source(self, source_id: int) -> bool:
        return self.allows(Need.SOURCE_READ, source_id)

    def allows_destination(self, need: Need, scope: DestinationScope) -> bool:
        """Whether this principal may do what a destination `need` asks on `scope`: by
        its source roles, or on a warehouse by its warehouse roles."""
        if need not in DESTINATION_NEEDS:
            raise ValueError(f"{need} is not about a destination")
        if self.is_owner:
            return True
        if scope.warehouse and self._allows_warehouse(need, scope.named):
            return True
        return self.allows_sources(need, scope.connected | scope.named)

    def _allows_warehouse(self, need: Need, named: Collection[int]) -> bool:
        """Warehouse roles on a warehouse: either one reads; Warehouse Admin manages, and
        connects or disconnects only sources its Source Admin grant covers."""
        warehouse_admin = self._grant(Role.WAREHOUSE_ADMIN)
        if need is Need.DESTINATION_READ:
            return warehouse_admin is not None or self._grant(Role.WAREHOUSE_READ_ONLY) is not None
        source_admin = self._grant(Role.SOURCE_ADMIN)
        return warehouse_admin is not None and all(
            source_admin is not None and source_admin.covers(i) for i in named
        )

    def allows_sources(self, need: Need, source_ids: Collection[int]) -> bool:
        """Whether this principal's source roles allow what a destination `need` asks,
        when the call touches `source_ids` (every source needs admin; any one source
        allows reading). Warehouse roles do not count here: see `allows_destination`."""
        if need not in DESTINATION_NEEDS:
            raise ValueError(f"{need} is not about a set of sources")
        if self.is_owner:
            return True
        admin = self._grant(Role.SOURCE_ADMIN)
        read = self._grant(Role.SOURCE_READ_ONLY)
        if not source_ids:
            # Touching no source (an unconnected destination) needs the role on all of them.
            grants = (admin,) if need is Need.DESTINATION_ADMIN else (admin, read)
            return any(g is not None and g.source_ids is None for g in grants)
        if need is Need.DESTINATION_ADMIN:
            return admin is not None and all(admin.covers(i) for i in source_ids)
        return any(self.can_read_source(i) for i in source_ids)

    def allows(self, need: Need, source_id: int | None = None) -> bool:
        """Whether this principal may do what `need` asks, on `source_id` if it names one."""
        if need in DESTINATION_NEEDS:
            return self.allows_sources(need, () if source_id is None else (source_id,))
        if need in (Need.PUBLIC, Need.MEMBER) or self.is_owner:
            return True
        if need is Need.OWNER:
            return False
        admin = self._grant(Role.SOURCE_ADMIN)
        if need is Need.SOURCE_ADMIN_ALL:
            return admin is not None and admin.source_ids is None
        if source_id is None:
            return False
        if admin is not None and admin.covers(source_id):
            return True
        read = self._grant(Role.SOURCE_READ_ONLY)
        return need is Need.SOURCE_READ and read is not None and read.covers(source_id)

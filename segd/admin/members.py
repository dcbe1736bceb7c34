"""Members, their personal tokens and user groups; and authenticating a token.

Owners manage members and groups; nothing may leave the workspace without an owner
(removing, demoting or regrouping the last one is refused).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from segd.admin.roles import Grant, Principal, Role, check_grants, from_rows, merge, to_rows
from segd.errors import Conflict, InvalidRequest, NotFound, Unauthenticated
from segd.store import Store
from segd.store.access import GrantRow, GroupRow, MemberRow, TokenRow
from segd.workspace import Actor, hash_token, new_secret, now_ms

MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    email: str
    created_at_ms: int
    grants: tuple[Grant, ...]
    group_ids: tuple[int, ...]
    #: Direct and inherited grants, merged.
    effective: tuple[Grant, ...]


@dataclass(frozen=True, slots=True)
class GroupView:
    id: int
    name: str
    created_at_ms: int
    grants: tuple[Grant, ...]
    member_ids: tuple[int, ...]


def owner_ids(
    direct: Mapping[int, Iterable[GrantRow]],
    group_grants: Mapping[int, Iterable[GrantRow]],
    memberships: Iterable[tuple[int, int]],
) -> set[int]:
    """Members who are Workspace Owners, directly or through a group.

    `direct` maps each member to their own grant rows, `group_grants` each group to
    its rows, and `memberships` holds (group id, member id) pairs.
    """
    owner = Role.WORKSPACE_OWNER.value
    owning = {gid for gid, rows in group_grants.items() if any(r == owner for r, _ in rows)}
    owners = {mid for mid, rows in direct.items() if any(r == owner for r, _ in rows)}
    owners.update(mid for gid, mid in memberships if gid in owning and mid in direct)
    return owners


def grants_json(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    """Grants as the audit log records them."""
    return [
        {"role": g.role.value, "sources": None if g.source_ids is None else sorted(g.source_ids)}
        for g in grants
    ]


def _view(row: MemberRow, groups: dict[int, GroupRow]) -> MemberView:
    direct = from_rows(row.grant_rows)
    inherited = [grant for gid in row.group_ids for grant in from_rows(groups[gid].grant_rows)]
    return MemberView(
        row.id, row.email, row.created_at_ms, direct, row.group_ids, merge([*direct, *inherited])
    )


def _group_view(row: GroupRow) -> GroupView:
    return GroupView(row.id, row.name, row.created_at_ms, from_rows(row.grant_rows), row.member_ids)


class Members:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- authentication and the caller's own tokens --------------------------------

    async def authenticate(self, token: str) -> Principal:
        """The member a bearer token belongs to; Unauthenticated if none (or revoked)."""
        if not token:
            raise Unauthenticated("missing bearer token (metadata authorization: Bearer <token>)")
        digest = hash_token(token)
        found = await self._store.access.token_owner(digest)
        # The lookup is by hash; the comparison is constant-time regardless.
        if found is None or not hmac.compare_digest(found[2], digest):
            raise Unauthenticated("unknown or revoked token")
        member_id, email, _ = found
        rows = await self._store.access.effective_grant_rows(member_id)
        return Principal(member_id, email, from_rows(rows))

    async def create_token(self, caller: Principal, name: str) -> tuple[TokenRow, str]:
        """A new token for the caller: (its record, the secret shown once)."""
        name = _name(name or "token", "a token")
        secret = new_secret()
        audit = actor_of(caller).audit(
            "token.create", f"member:{caller.member_id}", after={"name": name}
        )
        row = await self._store.access.insert_token(
            caller.member_id, name, hash_token(secret), audit, now_ms()
        )
        return row, secret

    async def tokens(self, caller: Principal) -> list[TokenRow]:
        return await self._store.access.tokens(caller.member_id)

    async def revoke_token(self, caller: Principal, token_id: int) -> None:
        audit = actor_of(caller).audit(
            "token.revoke", f"token:{token_id}", before={"revoked": False}, after={"revoked": True}
        )
        if not await self._store.access.revoke_token(caller.member_id, token_id, audit, now_ms()):
            raise NotFound(f"you have no working token with id {token_id}")

    # ---- members ---------------------------------------------------------------------

    async def who(self, caller: Principal) -> MemberView:
        return await self.get(caller.member_id)

    async def all(self) -> list[MemberView]:
        groups = {g.id: g for g in await self._store.access.groups()}
        return [_view(row, groups) for row in await self._store.access.members()]

    async def get(self, member_id: int) -> MemberView:
        rows = await self._store.access.members(member_id)
        if not rows:
            raise NotFound(f"no member with id {member_id}")
        groups = {g.id: g for g in await self._store.access.groups()}
        return _view(rows[0], groups)

    async def update(
        self, actor: Actor, member_id: int, grants: Sequence[Grant], group_ids: Sequence[int]
    ) -> MemberView:
        """Replace a member's direct roles and groups."""
        before = await self.get(member_id)
        checked = await self.check_grants(grants)
        groups = await self.check_groups(group_ids)
        await self._keep_an_owner(member=(member_id, (to_rows(checked), groups)))
        audit = actor.audit(
            "member.update",
            f"member:{member_id}",
            {"grants": grants_json(before.grants), "groups": list(before.group_ids)},
            {"grants": grants_json(checked), "groups": list(groups)},
        )
        if not await self._store.access.replace_member(
            member_id, to_rows(checked), groups, audit, now_ms()
        ):
            raise NotFound(f"no member with id {member_id}")
        return await self.get(member_id)

    async def remove(self, actor: Actor, member_id: int) -> None:
        before = await self.get(member_id)
        await self._keep_an_owner(member=(member_id, None))
        audit = actor.audit(
            "member.remove",
            f"member:{member_id}",
            {"email": before.email, "grants": grants_json(before.grants)},
        )
        if not await self._store.access.delete_member(member_id, audit, now_ms()):
            raise NotFound(f"no member with id {member_id}")

    # ---- user groups -----------------------------------------------------------------

    async def groups(self) -> list[GroupView]:
        return [_group_view(row) for row in await self._store.access.groups()]

    async def group(self, group_id: int) -> GroupView:
        rows = await self._store.access.groups(group_id)
        if not rows:
            raise NotFound(f"no user group with id {group_id}")
        return _group_view(rows[0])

    async def create_group(
        self, actor: Actor, name: str, grants: Sequence[Grant], member_ids: Sequence[int]
    ) -> GroupView:
        name = _name(name, "a user group")
        checked = await self.check_grants(grants)
        members = await self._check_members(member_ids)
        after = {"name": name, "grants": grants_json(checked), "members": list(members)}
        group_id = await self._store.access.insert_group(
            name,
            to_rows(checked),
            members,
            lambda gid: actor.audit("group.create", f"group:{gid}", None, after),
            now_ms(),
        )
        return await self.group(group_id)

    async def update_group(
        self,
        actor: Actor,
        group_id: int,
        name: str,
        grants: Sequence[Grant],
        member_ids: Sequence[int],
    ) -> GroupView:
        before = await self.group(group_id)
        name = _name(name, "a user group")
        checked = await self.check_grants(grants)
        members = await self._check_members(member_ids)
        await self._keep_an_owner(group=(group_id, (to_rows(checked), members)))
        audit = actor.audit(
            "group.update",
            f"group:{group_id}",
            {
                "name": before.name,
                "grants": grants_json(before.grants),
                "members": list(before.member_ids),
            },
            {"name": name, "grants": grants_json(checked), "members": list(members)},
        )
        if not await self._store.access.replace_group(
            group_id, name, to_rows(checked), members, audit, now_ms()
        ):
            raise NotFound(f"no user group with id {group_id}")
        return await self.group(group_id)

    async def delete_group(self, actor: Actor, group_id: int) -> None:
        before = await self.group(group_id)
        await self._keep_an_owner(group=(group_id, None))
        audit = actor.audit(
            "group.delete",
            f"group:{group_id}",
            {
                "name": before.name,
                "grants": grants_json(before.grants),
                "members": list(before.member_ids),
            },
        )
        if not await self._store.access.delete_group(group_id, audit, now_ms()):
            raise NotFound(f"no user group with id {group_id}")

    # ---- checks shared with invites --------------------------------------------------

    async def check_grants(self, grants: Sequence[Grant]) -> tuple[Grant, ...]:
        sources = [s.id for s in await self._store.workspace.list_sources()]
        return check_grants(grants, sources)

    async def check_groups(self, group_ids: Sequence[int]) -> tuple[int, ...]:
        known = {g.id for g in await self._store.access.groups()}
        missing = sorted(set(group_ids) - known)
        if missing:
            raise InvalidRequest(f"no user group with id {missing[0]}")
        return tuple(sorted(set(group_ids)))

    async def _check_members(self, member_ids: Sequence[int]) -> tuple[int, ...]:
        known = {m.id for m in await self._store.access.members()}
        missing = sorted(set(member_ids) - known)
        if missing:
            raise InvalidRequest(f"no member with id {missing[0]}")
        return tuple(sorted(set(member_ids)))

    async def _keep_an_owner(
        self,
        member: tuple[int, tuple[Sequence[GrantRow], Sequence[int]] | None] | None = None,
        group: tuple[int, tuple[Sequence[GrantRow], Sequence[int]] | None] | None = None,
    ) -> None:
        """Refuse a change after which no member would be an owner.

        `member` is (id, (grant rows, group ids) after the change, or None if removed);
        `group` is (id, (grant rows, member ids) after, or None if deleted).
        """
        members = await self._store.access.members()
        direct: dict[int, Sequence[GrantRow]] = {m.id: m.grant_rows for m in members}
        groups: dict[int, Sequence[GrantRow]] = {
            g.id: g.grant_rows for g in await self._store.access.groups()
        }
        pairs = {(gid, m.id) for m in members for gid in m.group_ids}
        if member is not None:
            member_id, after = member
            pairs = {(g, m) for g, m in pairs if m != member_id}
            direct.pop(member_id, None)
            if after is not None:
                direct[member_id] = after[0]
                pairs.update((gid, member_id) for gid in after[1])
        if group is not None:
            group_id, after = group
            pairs = {(g, m) for g, m in pairs if g != group_id}
            groups.pop(group_id, None)
            if after is not None:
                groups[group_id] = after[0]
                pairs.update((group_id, mid) for mid in after[1])
        if not owner_ids(direct, groups, pairs):
            raise Conflict("the workspace must keep at least one Workspace Owner")


def actor_of(principal: Principal) -> Actor:
    """The audit log's name for a caller."""
    return Actor(principal.member_id, principal.email)


def _name(name: str, what: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidRequest(f"{what} needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(f"the name is longer than {MAX_NAME_CHARS} characters")
    return name

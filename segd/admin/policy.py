"""The one table that decides every Admin call: method → what it needs of the caller.

A method missing from the table is refused (deny by default); tests enumerate the
service's methods from its descriptor against every role, so a new method without a
line here fails them.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from segd.admin.roles import Need, Principal

SERVICE = "segd.api.v1.Admin"


@dataclass(frozen=True, slots=True)
class Rule:
    need: Need
    #: The request field naming the source the call acts on, for source-scoped needs.
    source_field: str | None = None


_PUBLIC = Rule(Need.PUBLIC)
_MEMBER = Rule(Need.MEMBER)
_OWNER = Rule(Need.OWNER)
_SOURCE_READ = Rule(Need.SOURCE_READ, "source_id")
_SOURCE_ADMIN = Rule(Need.SOURCE_ADMIN, "source_id")

#: Keyed by the method's full name in the service descriptor.
POLICY: dict[str, Rule] = {
    f"{SERVICE}.{method}": rule
    for method, rule in {
        "WhoAmI": _MEMBER,
        "ListRoles": _MEMBER,
        "CreateToken": _MEMBER,
        "ListTokens": _MEMBER,
        "RevokeToken": _MEMBER,
        "ListMembers": _OWNER,
        "UpdateMember": _OWNER,
        "RemoveMember": _OWNER,
        "CreateInvites": _OWNER,
        "ListInvites": _OWNER,
        "RevokeInvite": _OWNER,
        "AcceptInvite": _PUBLIC,
        "CreateGroup": _OWNER,
        "ListGroups": _OWNER,
        "UpdateGroup": _OWNER,
        "DeleteGroup": _OWNER,
        "ListAuditLog": _OWNER,
        "ListSourceCatalog": _MEMBER,
        "CreateSource": Rule(Need.SOURCE_ADMIN_ALL),
        # Answers with the sources the caller may read (possibly none).
        "ListSources": _MEMBER,
        "GetSource": _SOURCE_READ,
        "RenameSource": _SOURCE_ADMIN,
        "SetSourceEnabled": _SOURCE_ADMIN,
        "DeleteSource": _SOURCE_ADMIN,
        "RotateWriteKey": _SOURCE_ADMIN,
        "GetWriteKey": _SOURCE_ADMIN,
        "TailEvents": _SOURCE_READ,
        "SearchEvents": _SOURCE_READ,
        "GetSchema": _SOURCE_READ,
        "GetGettingStarted": _MEMBER,
    }.items()
}


def rule_for(method: str) -> Rule | None:
    return POLICY.get(method)


def permits(principal: Principal, rule: Rule, request: Message) -> bool:
    """Whether `principal` may make this call under `rule`."""
    source_id = None
    if rule.source_field is not None:
        source_id = int(getattr(request, rule.source_field))
    return principal.allows(rule.need, source_id)

"""The one table that decides every Admin call: method → what it needs of the caller.

A method missing from the table is refused (deny by default); tests enumerate the
service's methods from its descriptor against every role, so a new method without a
line here fails them.

Destination rules name the sources a call touches: those in the request
(`sources_field`) and, for a call on an existing destination (`destination_field`), the
sources it is connected to now. Managing needs Source Admin on every one of them, so
connecting a source to a destination needs admin on both; seeing needs a source role on
any one of them.

On a warehouse (a destination whose plugin is in the Warehouse category: the one the
request names, or for `plugin_field` the plugin it creates one of) the warehouse roles
count too: Warehouse Read-only or Admin sees it, and Warehouse Admin is admin on the
warehouse's end, so it manages it alone and connects or disconnects a source with
Source Admin on that source. The caller resolves the destination's current sources and
category (`DestinationScope`); the decision is made here, from the request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from google.protobuf.message import Message

from segd.admin.roles import DESTINATION_NEEDS, DestinationScope, Need, Principal

SERVICE = "segd.api.v1.Admin"
#: What is known of the destination of a call that names none (or of a caller for whom
#: it does not matter, such as an owner).
NO_DESTINATION = DestinationScope()


@dataclass(frozen=True, slots=True)
class Rule:
    need: Need
    #: The request field naming the source the call acts on, for source-scoped needs.
    source_field: str | None = None
    #: The request field listing the sources a destination call names.
    sources_field: str | None = None
    #: The request field naming a destination: its current sources count as touched.
    destination_field: str | None = None
    #: The request field naming the plugin of a destination to create (a warehouse's
    #: plugin lets the warehouse roles in).
    plugin_field: str | None = None


_PUBLIC = Rule(Need.PUBLIC)
_MEMBER = Rule(Need.MEMBER)
_OWNER = Rule(Need.OWNER)
_SOURCE_READ = Rule(Need.SOURCE_READ, "source_id")
_SOURCE_ADMIN = Rule(Need.SOURCE_ADMIN, "source_id")
_DESTINATION_READ = Rule(Need.DESTINATION_READ, destination_field="destination_id")
_DESTINATION_ADMIN = Rule(Need.DESTINATION_ADMIN, destination_field="destination_id")
_DESTINATION_SOURCES = Rule(
    Need.DESTINATION_ADMIN, sources_field="source_ids", destination_field="destination_id"
)

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
        "ListDestinationCatalog": _MEMBER,
        "CreateDestination": Rule(
            Need.DESTINATION_ADMIN, sources_field="source_ids", plugin_field="type"
        ),
        # Answers with the destinations the caller may see (possibly none).
        "ListDestinations": _MEMBER,
        "GetDestination": _DESTINATION_READ,
        "UpdateDestination": _DESTINATION_ADMIN,
        "SetDestinationEnabled": _DESTINATION_ADMIN,
        "ConnectDestinationSources": _DESTINATION_SOURCES,
        "DisconnectDestinationSources": _DESTINATION_SOURCES,
        "DeleteDestination": _DESTINATION_ADMIN,
        "ListDestinationFilters": _DESTINATION_READ,
        "CreateDestinationFilter": _DESTINATION_ADMIN,
        "UpdateDestinationFilter": _DESTINATION_ADMIN,
        "DeleteDestinationFilter": _DESTINATION_ADMIN,
        "GetDeliveryStatus": _DESTINATION_READ,
        "ListDeadLetters": _DESTINATION_READ,
        "ReplayDeadLetters": _DESTINATION_ADMIN,
        "GetWarehouseStatus": _DESTINATION_READ,
        "TailEvents": _SOURCE_READ,
        "SearchEvents": _SOURCE_READ,
        "GetSchema": _SOURCE_READ,
        "GetGettingStarted": _MEMBER,
    }.items()
}


def rule_for(method: str) -> Rule | None:
    return POLICY.get(method)


def permits(
    principal: Principal,
    rule: Rule,
    request: Message,
    destination: DestinationScope = NO_DESTINATION,
) -> bool:
    """Whether `principal` may make this call under `rule`; `destination` is what the
    caller resolved of the destination the request names or creates (its current sources,
    whether it is a warehouse), for a rule with a `destination_field` or `plugin_field`;
    the sources the request itself names are added here."""
    if rule.need in DESTINATION_NEEDS:
        named = destination.named
        if rule.sources_field is not None:
            named |= {int(i) for i in getattr(request, rule.sources_field)}
        return principal.allows_destination(rule.need, replace(destination, named=named))
    source_id = None
    if rule.source_field is not None:
        source_id = int(getattr(request, rule.source_field))
    return principal.allows(rule.need, source_id)

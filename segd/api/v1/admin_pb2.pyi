import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from segd.api.v1 import event_pb2 as _event_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_WORKSPACE_OWNER: _ClassVar[Role]
    ROLE_WORKSPACE_MEMBER: _ClassVar[Role]
    ROLE_SOURCE_ADMIN: _ClassVar[Role]
    ROLE_SOURCE_READ_ONLY: _ClassVar[Role]
    ROLE_TRACKING_PLAN_ADMIN: _ClassVar[Role]
    ROLE_TRACKING_PLAN_READ_ONLY: _ClassVar[Role]
    ROLE_WAREHOUSE_ADMIN: _ClassVar[Role]
    ROLE_WAREHOUSE_READ_ONLY: _ClassVar[Role]
    ROLE_PERSONAS_ADMIN: _ClassVar[Role]
    ROLE_PERSONAS_READ_ONLY: _ClassVar[Role]

class FilterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILTER_KIND_UNSPECIFIED: _ClassVar[FilterKind]
    FILTER_KIND_SAMPLE: _ClassVar[FilterKind]
    FILTER_KIND_DROP: _ClassVar[FilterKind]
    FILTER_KIND_ONLY: _ClassVar[FilterKind]
    FILTER_KIND_DROP_PROPERTIES: _ClassVar[FilterKind]
    FILTER_KIND_ALLOW_PROPERTIES: _ClassVar[FilterKind]

class DebugStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEBUG_STATUS_UNSPECIFIED: _ClassVar[DebugStatus]
    DEBUG_STATUS_ACCEPTED: _ClassVar[DebugStatus]
    DEBUG_STATUS_DUPLICATE: _ClassVar[DebugStatus]
    DEBUG_STATUS_REJECTED: _ClassVar[DebugStatus]
ROLE_UNSPECIFIED: Role
ROLE_WORKSPACE_OWNER: Role
ROLE_WORKSPACE_MEMBER: Role
ROLE_SOURCE_ADMIN: Role
ROLE_SOURCE_READ_ONLY: Role
ROLE_TRACKING_PLAN_ADMIN: Role
ROLE_TRACKING_PLAN_READ_ONLY: Role
ROLE_WAREHOUSE_ADMIN: Role
ROLE_WAREHOUSE_READ_ONLY: Role
ROLE_PERSONAS_ADMIN: Role
ROLE_PERSONAS_READ_ONLY: Role
FILTER_KIND_UNSPECIFIED: FilterKind
FILTER_KIND_SAMPLE: FilterKind
FILTER_KIND_DROP: FilterKind
FILTER_KIND_ONLY: FilterKind
FILTER_KIND_DROP_PROPERTIES: FilterKind
FILTER_KIND_ALLOW_PROPERTIES: FilterKind
DEBUG_STATUS_UNSPECIFIED: DebugStatus
DEBUG_STATUS_ACCEPTED: DebugStatus
DEBUG_STATUS_DUPLICATE: DebugStatus
DEBUG_STATUS_REJECTED: DebugStatus

class RoleGrant(_message.Message):
    __slots__ = ("role", "source_ids")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    role: Role
    source_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., source_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class RoleInfo(_message.Message):
    __slots__ = ("role", "title", "description", "source_scoped")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_SCOPED_FIELD_NUMBER: _ClassVar[int]
    role: Role
    title: str
    description: str
    source_scoped: bool
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., source_scoped: _Optional[bool] = ...) -> None: ...

class ListRolesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRolesResponse(_message.Message):
    __slots__ = ("roles",)
    ROLES_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedCompositeFieldContainer[RoleInfo]
    def __init__(self, roles: _Optional[_Iterable[_Union[RoleInfo, _Mapping]]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("id", "email", "created_at", "grants", "group_ids", "effective_grants")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_GRANTS_FIELD_NUMBER: _ClassVar[int]
    id: int
    email: str
    created_at: _timestamp_pb2.Timestamp
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    effective_grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    def __init__(self, id: _Optional[int] = ..., email: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., group_ids: _Optional[_Iterable[int]] = ..., effective_grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ...) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMembersResponse(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ...) -> None: ...

class UpdateMemberRequest(_message.Message):
    __slots__ = ("member_id", "grants", "group_ids")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    member_id: int
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, member_id: _Optional[int] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., group_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class UpdateMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class RemoveMemberRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: int
    def __init__(self, member_id: _Optional[int] = ...) -> None: ...

class RemoveMemberResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Token(_message.Message):
    __slots__ = ("id", "name", "created_at", "revoked_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    created_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateTokenResponse(_message.Message):
    __slots__ = ("token", "secret")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    token: Token
    secret: str
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListTokensRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    def __init__(self, tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ...) -> None: ...

class RevokeTokenRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class RevokeTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Invite(_message.Message):
    __slots__ = ("id", "email", "grants", "group_ids", "created_at", "expires_at", "invited_by", "emailed")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    INVITED_BY_FIELD_NUMBER: _ClassVar[int]
    EMAILED_FIELD_NUMBER: _ClassVar[int]
    id: int
    email: str
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    invited_by: str
    emailed: bool
    def __init__(self, id: _Optional[int] = ..., email: _Optional[str] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., group_ids: _Optional[_Iterable[int]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., invited_by: _Optional[str] = ..., emailed: _Optional[bool] = ...) -> None: ...

class CreateInvitesRequest(_message.Message):
    __slots__ = ("emails", "grants", "group_ids", "expires_in_seconds")
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedScalarFieldContainer[str]
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    group_ids: _containers.RepeatedScalarFieldContainer[int]
    expires_in_seconds: int
    def __init__(self, emails: _Optional[_Iterable[str]] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., group_ids: _Optional[_Iterable[int]] = ..., expires_in_seconds: _Optional[int] = ...) -> None: ...

class CreatedInvite(_message.Message):
    __slots__ = ("invite", "token", "email_error")
    INVITE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EMAIL_ERROR_FIELD_NUMBER: _ClassVar[int]
    invite: Invite
    token: str
    email_error: str
    def __init__(self, invite: _Optional[_Union[Invite, _Mapping]] = ..., token: _Optional[str] = ..., email_error: _Optional[str] = ...) -> None: ...

class CreateInvitesResponse(_message.Message):
    __slots__ = ("invites",)
    INVITES_FIELD_NUMBER: _ClassVar[int]
    invites: _containers.RepeatedCompositeFieldContainer[CreatedInvite]
    def __init__(self, invites: _Optional[_Iterable[_Union[CreatedInvite, _Mapping]]] = ...) -> None: ...

class ListInvitesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListInvitesResponse(_message.Message):
    __slots__ = ("invites",)
    INVITES_FIELD_NUMBER: _ClassVar[int]
    invites: _containers.RepeatedCompositeFieldContainer[Invite]
    def __init__(self, invites: _Optional[_Iterable[_Union[Invite, _Mapping]]] = ...) -> None: ...

class RevokeInviteRequest(_message.Message):
    __slots__ = ("invite_id",)
    INVITE_ID_FIELD_NUMBER: _ClassVar[int]
    invite_id: int
    def __init__(self, invite_id: _Optional[int] = ...) -> None: ...

class RevokeInviteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AcceptInviteRequest(_message.Message):
    __slots__ = ("invite_token",)
    INVITE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    invite_token: str
    def __init__(self, invite_token: _Optional[str] = ...) -> None: ...

class AcceptInviteResponse(_message.Message):
    __slots__ = ("member", "token")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    member: Member
    token: str
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ("id", "name", "grants", "member_ids", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    member_ids: _containers.RepeatedScalarFieldContainer[int]
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., member_ids: _Optional[_Iterable[int]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("name", "grants", "member_ids")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    member_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, name: _Optional[str] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., member_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class ListGroupsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListGroupsResponse(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    def __init__(self, groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ...) -> None: ...

class UpdateGroupRequest(_message.Message):
    __slots__ = ("group_id", "name", "grants", "member_ids")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    name: str
    grants: _containers.RepeatedCompositeFieldContainer[RoleGrant]
    member_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, group_id: _Optional[int] = ..., name: _Optional[str] = ..., grants: _Optional[_Iterable[_Union[RoleGrant, _Mapping]]] = ..., member_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class UpdateGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: Group
    def __init__(self, group: _Optional[_Union[Group, _Mapping]] = ...) -> None: ...

class DeleteGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: int
    def __init__(self, group_id: _Optional[int] = ...) -> None: ...

class DeleteGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("id", "time", "actor_member_id", "actor", "action", "target", "before_json", "after_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    BEFORE_JSON_FIELD_NUMBER: _ClassVar[int]
    AFTER_JSON_FIELD_NUMBER: _ClassVar[int]
    id: int
    time: _timestamp_pb2.Timestamp
    actor_member_id: int
    actor: str
    action: str
    target: str
    before_json: str
    after_json: str
    def __init__(self, id: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_member_id: _Optional[int] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., target: _Optional[str] = ..., before_json: _Optional[str] = ..., after_json: _Optional[str] = ...) -> None: ...

class ListAuditLogRequest(_message.Message):
    __slots__ = ("limit", "before_id")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_ID_FIELD_NUMBER: _ClassVar[int]
    limit: int
    before_id: int
    def __init__(self, limit: _Optional[int] = ..., before_id: _Optional[int] = ...) -> None: ...

class ListAuditLogResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ...) -> None: ...

class SourceType(_message.Message):
    __slots__ = ("id", "title", "category", "description", "setup_snippet", "snippet_language")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SETUP_SNIPPET_FIELD_NUMBER: _ClassVar[int]
    SNIPPET_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    category: str
    description: str
    setup_snippet: str
    snippet_language: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., setup_snippet: _Optional[str] = ..., snippet_language: _Optional[str] = ...) -> None: ...

class ListSourceCatalogRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSourceCatalogResponse(_message.Message):
    __slots__ = ("types",)
    TYPES_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedCompositeFieldContainer[SourceType]
    def __init__(self, types: _Optional[_Iterable[_Union[SourceType, _Mapping]]] = ...) -> None: ...

class Source(_message.Message):
    __slots__ = ("id", "name", "slug", "enabled", "type", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    slug: str
    enabled: bool
    type: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., slug: _Optional[str] = ..., enabled: _Optional[bool] = ..., type: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSourceRequest(_message.Message):
    __slots__ = ("name", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class CreateSourceResponse(_message.Message):
    __slots__ = ("source", "write_key")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    WRITE_KEY_FIELD_NUMBER: _ClassVar[int]
    source: Source
    write_key: str
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ..., write_key: _Optional[str] = ...) -> None: ...

class ListSourcesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSourcesResponse(_message.Message):
    __slots__ = ("sources",)
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    sources: _containers.RepeatedCompositeFieldContainer[Source]
    def __init__(self, sources: _Optional[_Iterable[_Union[Source, _Mapping]]] = ...) -> None: ...

class GetSourceRequest(_message.Message):
    __slots__ = ("source_id",)
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    def __init__(self, source_id: _Optional[int] = ...) -> None: ...

class GetSourceResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: Source
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class RenameSourceRequest(_message.Message):
    __slots__ = ("source_id", "name")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    name: str
    def __init__(self, source_id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class RenameSourceResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: Source
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class SetSourceEnabledRequest(_message.Message):
    __slots__ = ("source_id", "enabled")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    enabled: bool
    def __init__(self, source_id: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class SetSourceEnabledResponse(_message.Message):
    __slots__ = ("source",)
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    source: Source
    def __init__(self, source: _Optional[_Union[Source, _Mapping]] = ...) -> None: ...

class DeleteSourceRequest(_message.Message):
    __slots__ = ("source_id",)
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    def __init__(self, source_id: _Optional[int] = ...) -> None: ...

class DeleteSourceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RotateWriteKeyRequest(_message.Message):
    __slots__ = ("source_id", "grace_seconds")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    grace_seconds: int
    def __init__(self, source_id: _Optional[int] = ..., grace_seconds: _Optional[int] = ...) -> None: ...

class RetiredWriteKey(_message.Message):
    __slots__ = ("write_key", "expires_at")
    WRITE_KEY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    write_key: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, write_key: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RotateWriteKeyResponse(_message.Message):
    __slots__ = ("write_key", "retired")
    WRITE_KEY_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    write_key: str
    retired: RetiredWriteKey
    def __init__(self, write_key: _Optional[str] = ..., retired: _Optional[_Union[RetiredWriteKey, _Mapping]] = ...) -> None: ...

class GetWriteKeyRequest(_message.Message):
    __slots__ = ("source_id",)
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    def __init__(self, source_id: _Optional[int] = ...) -> None: ...

class GetWriteKeyResponse(_message.Message):
    __slots__ = ("write_key", "retired")
    WRITE_KEY_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    write_key: str
    retired: _containers.RepeatedCompositeFieldContainer[RetiredWriteKey]
    def __init__(self, write_key: _Optional[str] = ..., retired: _Optional[_Iterable[_Union[RetiredWriteKey, _Mapping]]] = ...) -> None: ...

class TextPosition(_message.Message):
    __slots__ = ("field", "position")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    field: str
    position: int
    def __init__(self, field: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class DestinationType(_message.Message):
    __slots__ = ("name", "display_name", "category", "description", "settings_schema_json")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    category: str
    description: str
    settings_schema_json: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., settings_schema_json: _Optional[str] = ...) -> None: ...

class ListDestinationCatalogRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDestinationCatalogResponse(_message.Message):
    __slots__ = ("types",)
    TYPES_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedCompositeFieldContainer[DestinationType]
    def __init__(self, types: _Optional[_Iterable[_Union[DestinationType, _Mapping]]] = ...) -> None: ...

class Destination(_message.Message):
    __slots__ = ("id", "name", "type", "display_name", "enabled", "source_ids", "settings_json", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_JSON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    type: str
    display_name: str
    enabled: bool
    source_ids: _containers.RepeatedScalarFieldContainer[int]
    settings_json: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., display_name: _Optional[str] = ..., enabled: _Optional[bool] = ..., source_ids: _Optional[_Iterable[int]] = ..., settings_json: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateDestinationRequest(_message.Message):
    __slots__ = ("name", "type", "source_ids", "settings_json", "enabled")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_JSON_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    source_ids: _containers.RepeatedScalarFieldContainer[int]
    settings_json: str
    enabled: bool
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., source_ids: _Optional[_Iterable[int]] = ..., settings_json: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class CreateDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class ListDestinationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListDestinationsResponse(_message.Message):
    __slots__ = ("destinations",)
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    destinations: _containers.RepeatedCompositeFieldContainer[Destination]
    def __init__(self, destinations: _Optional[_Iterable[_Union[Destination, _Mapping]]] = ...) -> None: ...

class GetDestinationRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    def __init__(self, destination_id: _Optional[int] = ...) -> None: ...

class GetDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class UpdateDestinationRequest(_message.Message):
    __slots__ = ("destination_id", "name", "settings_json")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_JSON_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    name: str
    settings_json: str
    def __init__(self, destination_id: _Optional[int] = ..., name: _Optional[str] = ..., settings_json: _Optional[str] = ...) -> None: ...

class UpdateDestinationResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class SetDestinationEnabledRequest(_message.Message):
    __slots__ = ("destination_id", "enabled")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    enabled: bool
    def __init__(self, destination_id: _Optional[int] = ..., enabled: _Optional[bool] = ...) -> None: ...

class SetDestinationEnabledResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class ConnectDestinationSourcesRequest(_message.Message):
    __slots__ = ("destination_id", "source_ids")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    source_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, destination_id: _Optional[int] = ..., source_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ConnectDestinationSourcesResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class DisconnectDestinationSourcesRequest(_message.Message):
    __slots__ = ("destination_id", "source_ids")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    source_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, destination_id: _Optional[int] = ..., source_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class DisconnectDestinationSourcesResponse(_message.Message):
    __slots__ = ("destination",)
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    destination: Destination
    def __init__(self, destination: _Optional[_Union[Destination, _Mapping]] = ...) -> None: ...

class DeleteDestinationRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    def __init__(self, destination_id: _Optional[int] = ...) -> None: ...

class DeleteDestinationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FilterSpec(_message.Message):
    __slots__ = ("kind", "condition", "fields", "percent", "path", "title", "disabled")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    kind: FilterKind
    condition: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    percent: float
    path: str
    title: str
    disabled: bool
    def __init__(self, kind: _Optional[_Union[FilterKind, str]] = ..., condition: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., percent: _Optional[float] = ..., path: _Optional[str] = ..., title: _Optional[str] = ..., disabled: _Optional[bool] = ...) -> None: ...

class DestinationFilter(_message.Message):
    __slots__ = ("id", "destination_id", "spec", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    destination_id: int
    spec: FilterSpec
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., destination_id: _Optional[int] = ..., spec: _Optional[_Union[FilterSpec, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDestinationFiltersRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    def __init__(self, destination_id: _Optional[int] = ...) -> None: ...

class ListDestinationFiltersResponse(_message.Message):
    __slots__ = ("filters",)
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    filters: _containers.RepeatedCompositeFieldContainer[DestinationFilter]
    def __init__(self, filters: _Optional[_Iterable[_Union[DestinationFilter, _Mapping]]] = ...) -> None: ...

class CreateDestinationFilterRequest(_message.Message):
    __slots__ = ("destination_id", "spec")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    spec: FilterSpec
    def __init__(self, destination_id: _Optional[int] = ..., spec: _Optional[_Union[FilterSpec, _Mapping]] = ...) -> None: ...

class CreateDestinationFilterResponse(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: DestinationFilter
    def __init__(self, filter: _Optional[_Union[DestinationFilter, _Mapping]] = ...) -> None: ...

class UpdateDestinationFilterRequest(_message.Message):
    __slots__ = ("destination_id", "filter_id", "spec")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    filter_id: int
    spec: FilterSpec
    def __init__(self, destination_id: _Optional[int] = ..., filter_id: _Optional[int] = ..., spec: _Optional[_Union[FilterSpec, _Mapping]] = ...) -> None: ...

class UpdateDestinationFilterResponse(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: DestinationFilter
    def __init__(self, filter: _Optional[_Union[DestinationFilter, _Mapping]] = ...) -> None: ...

class DeleteDestinationFilterRequest(_message.Message):
    __slots__ = ("destination_id", "filter_id")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    filter_id: int
    def __init__(self, destination_id: _Optional[int] = ..., filter_id: _Optional[int] = ...) -> None: ...

class DeleteDestinationFilterResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeliveryError(_message.Message):
    __slots__ = ("time", "seq", "message_id", "retryable", "error", "request_sample", "response_sample")
    TIME_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    time: _timestamp_pb2.Timestamp
    seq: int
    message_id: str
    retryable: bool
    error: str
    request_sample: str
    response_sample: str
    def __init__(self, time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., seq: _Optional[int] = ..., message_id: _Optional[str] = ..., retryable: _Optional[bool] = ..., error: _Optional[str] = ..., request_sample: _Optional[str] = ..., response_sample: _Optional[str] = ...) -> None: ...

class DeliveryStatus(_message.Message):
    __slots__ = ("destination_id", "delivered", "filtered", "retrying", "dead", "latency_p50_ms", "latency_p95_ms", "latency_window_minutes", "recent_errors", "cursor")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    FILTERED_FIELD_NUMBER: _ClassVar[int]
    RETRYING_FIELD_NUMBER: _ClassVar[int]
    DEAD_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_WINDOW_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RECENT_ERRORS_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    delivered: int
    filtered: int
    retrying: int
    dead: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_window_minutes: int
    recent_errors: _containers.RepeatedCompositeFieldContainer[DeliveryError]
    cursor: int
    def __init__(self, destination_id: _Optional[int] = ..., delivered: _Optional[int] = ..., filtered: _Optional[int] = ..., retrying: _Optional[int] = ..., dead: _Optional[int] = ..., latency_p50_ms: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., latency_window_minutes: _Optional[int] = ..., recent_errors: _Optional[_Iterable[_Union[DeliveryError, _Mapping]]] = ..., cursor: _Optional[int] = ...) -> None: ...

class GetDeliveryStatusRequest(_message.Message):
    __slots__ = ("destination_id", "errors")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    errors: int
    def __init__(self, destination_id: _Optional[int] = ..., errors: _Optional[int] = ...) -> None: ...

class GetDeliveryStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: DeliveryStatus
    def __init__(self, status: _Optional[_Union[DeliveryStatus, _Mapping]] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("id", "seq", "source_id", "message_id", "received_at", "body_json", "attempts", "error", "request_sample", "response_sample", "failed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    BODY_JSON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REQUEST_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    seq: int
    source_id: int
    message_id: str
    received_at: _timestamp_pb2.Timestamp
    body_json: str
    attempts: int
    error: str
    request_sample: str
    response_sample: str
    failed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., seq: _Optional[int] = ..., source_id: _Optional[int] = ..., message_id: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., body_json: _Optional[str] = ..., attempts: _Optional[int] = ..., error: _Optional[str] = ..., request_sample: _Optional[str] = ..., response_sample: _Optional[str] = ..., failed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("destination_id", "limit")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    limit: int
    def __init__(self, destination_id: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters",)
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ...) -> None: ...

class ReplayDeadLettersRequest(_message.Message):
    __slots__ = ("destination_id", "ids")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, destination_id: _Optional[int] = ..., ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ReplayDeadLettersResponse(_message.Message):
    __slots__ = ("replayed",)
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    replayed: int
    def __init__(self, replayed: _Optional[int] = ...) -> None: ...

class WarehouseTable(_message.Message):
    __slots__ = ("schema", "table", "rows_loaded", "last_loaded_at")
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    ROWS_LOADED_FIELD_NUMBER: _ClassVar[int]
    LAST_LOADED_AT_FIELD_NUMBER: _ClassVar[int]
    schema: str
    table: str
    rows_loaded: int
    last_loaded_at: _timestamp_pb2.Timestamp
    def __init__(self, schema: _Optional[str] = ..., table: _Optional[str] = ..., rows_loaded: _Optional[int] = ..., last_loaded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WarehouseStatus(_message.Message):
    __slots__ = ("destination_id", "warehouse", "last_sync_at", "last_sync_events", "last_sync_rows", "syncs", "events_loaded", "discarded", "tables", "last_error", "last_error_at")
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    WAREHOUSE_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_ROWS_FIELD_NUMBER: _ClassVar[int]
    SYNCS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_LOADED_FIELD_NUMBER: _ClassVar[int]
    DISCARDED_FIELD_NUMBER: _ClassVar[int]
    TABLES_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_AT_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    warehouse: str
    last_sync_at: _timestamp_pb2.Timestamp
    last_sync_events: int
    last_sync_rows: int
    syncs: int
    events_loaded: int
    discarded: int
    tables: _containers.RepeatedCompositeFieldContainer[WarehouseTable]
    last_error: str
    last_error_at: _timestamp_pb2.Timestamp
    def __init__(self, destination_id: _Optional[int] = ..., warehouse: _Optional[str] = ..., last_sync_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sync_events: _Optional[int] = ..., last_sync_rows: _Optional[int] = ..., syncs: _Optional[int] = ..., events_loaded: _Optional[int] = ..., discarded: _Optional[int] = ..., tables: _Optional[_Iterable[_Union[WarehouseTable, _Mapping]]] = ..., last_error: _Optional[str] = ..., last_error_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetWarehouseStatusRequest(_message.Message):
    __slots__ = ("destination_id",)
    DESTINATION_ID_FIELD_NUMBER: _ClassVar[int]
    destination_id: int
    def __init__(self, destination_id: _Optional[int] = ...) -> None: ...

class GetWarehouseStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: WarehouseStatus
    def __init__(self, status: _Optional[_Union[WarehouseStatus, _Mapping]] = ...) -> None: ...

class DebugEvent(_message.Message):
    __slots__ = ("type", "name", "user_id", "anonymous_id", "message_id", "received_at", "status", "reason", "error", "raw_json", "normalized_json", "from_log")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RAW_JSON_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_JSON_FIELD_NUMBER: _ClassVar[int]
    FROM_LOG_FIELD_NUMBER: _ClassVar[int]
    type: _event_pb2.EventType
    name: str
    user_id: str
    anonymous_id: str
    message_id: str
    received_at: _timestamp_pb2.Timestamp
    status: DebugStatus
    reason: str
    error: str
    raw_json: str
    normalized_json: str
    from_log: bool
    def __init__(self, type: _Optional[_Union[_event_pb2.EventType, str]] = ..., name: _Optional[str] = ..., user_id: _Optional[str] = ..., anonymous_id: _Optional[str] = ..., message_id: _Optional[str] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[DebugStatus, str]] = ..., reason: _Optional[str] = ..., error: _Optional[str] = ..., raw_json: _Optional[str] = ..., normalized_json: _Optional[str] = ..., from_log: _Optional[bool] = ...) -> None: ...

class TailEventsRequest(_message.Message):
    __slots__ = ("source_id", "recent", "types", "names")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    RECENT_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    recent: int
    types: _containers.RepeatedScalarFieldContainer[_event_pb2.EventType]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source_id: _Optional[int] = ..., recent: _Optional[int] = ..., types: _Optional[_Iterable[_Union[_event_pb2.EventType, str]]] = ..., names: _Optional[_Iterable[str]] = ...) -> None: ...

class TailEventsResponse(_message.Message):
    __slots__ = ("event", "skipped")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    event: DebugEvent
    skipped: int
    def __init__(self, event: _Optional[_Union[DebugEvent, _Mapping]] = ..., skipped: _Optional[int] = ...) -> None: ...

class SearchEventsRequest(_message.Message):
    __slots__ = ("source_id", "query", "limit")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    query: str
    limit: int
    def __init__(self, source_id: _Optional[int] = ..., query: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class SearchEventsResponse(_message.Message):
    __slots__ = ("events", "scanned")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[DebugEvent]
    scanned: int
    def __init__(self, events: _Optional[_Iterable[_Union[DebugEvent, _Mapping]]] = ..., scanned: _Optional[int] = ...) -> None: ...

class SchemaProperty(_message.Message):
    __slots__ = ("key", "types", "count")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    key: str
    types: _containers.RepeatedScalarFieldContainer[str]
    count: int
    def __init__(self, key: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ...) -> None: ...

class SchemaEvent(_message.Message):
    __slots__ = ("type", "name", "count_today", "count_7_days", "count_all_time", "first_seen", "last_seen", "properties", "properties_limit_reached")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_TODAY_FIELD_NUMBER: _ClassVar[int]
    COUNT_7_DAYS_FIELD_NUMBER: _ClassVar[int]
    COUNT_ALL_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_LIMIT_REACHED_FIELD_NUMBER: _ClassVar[int]
    type: _event_pb2.EventType
    name: str
    count_today: int
    count_7_days: int
    count_all_time: int
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    properties: _containers.RepeatedCompositeFieldContainer[SchemaProperty]
    properties_limit_reached: bool
    def __init__(self, type: _Optional[_Union[_event_pb2.EventType, str]] = ..., name: _Optional[str] = ..., count_today: _Optional[int] = ..., count_7_days: _Optional[int] = ..., count_all_time: _Optional[int] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., properties: _Optional[_Iterable[_Union[SchemaProperty, _Mapping]]] = ..., properties_limit_reached: _Optional[bool] = ...) -> None: ...

class GetSchemaRequest(_message.Message):
    __slots__ = ("source_id",)
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    source_id: int
    def __init__(self, source_id: _Optional[int] = ...) -> None: ...

class GetSchemaResponse(_message.Message):
    __slots__ = ("events", "events_limit_reached", "cursor")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_LIMIT_REACHED_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[SchemaEvent]
    events_limit_reached: bool
    cursor: int
    def __init__(self, events: _Optional[_Iterable[_Union[SchemaEvent, _Mapping]]] = ..., events_limit_reached: _Optional[bool] = ..., cursor: _Optional[int] = ...) -> None: ...

class GettingStartedTask(_message.Message):
    __slots__ = ("id", "title", "done", "detail")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    done: bool
    detail: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., done: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class GettingStartedGroup(_message.Message):
    __slots__ = ("title", "tasks")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    title: str
    tasks: _containers.RepeatedCompositeFieldContainer[GettingStartedTask]
    def __init__(self, title: _Optional[str] = ..., tasks: _Optional[_Iterable[_Union[GettingStartedTask, _Mapping]]] = ...) -> None: ...

class GetGettingStartedRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetGettingStartedResponse(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[GettingStartedGroup]
    def __init__(self, groups: _Optional[_Iterable[_Union[GettingStartedGroup, _Mapping]]] = ...) -> None: ...

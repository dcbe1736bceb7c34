"""Admin methods round-tripping on a real daemon, with their effects and their errors."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from segd import config
from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import collector_pb2, event_pb2
from segd.errors import ConfigError
from tests.support.admin import AdminClient
from tests.support.daemon import Daemon, segd_command, track


@pytest.fixture
def owner(daemon: Daemon) -> Iterator[AdminClient]:
    with daemon.channel() as channel:
        yield AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]


def refused(call: Callable[[], object], code: grpc.StatusCode, text: str = "") -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    assert text in (caught.value.details() or "")


def send_with(daemon: Daemon, write_key: str) -> grpc.StatusCode:
    with daemon.channel() as channel:
        try:
            daemon.collector(channel).Send(
                collector_pb2.SendRequest(write_key=write_key, event=track())
            )
        except grpc.RpcError as exc:
            return exc.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_who_am_i_roles_and_tokens(owner: AdminClient) -> None:
    assert owner.WhoAmI().member.email == "owner@localhost"
    roles = owner.ListRoles().roles
    assert len(roles) == 10
    assert {r.role for r in roles if r.source_scoped} == {
        pb.ROLE_SOURCE_ADMIN,
        pb.ROLE_SOURCE_READ_ONLY,
    }
    created = owner.CreateToken(name="laptop")
    assert len(created.secret) >= 43  # 256 bits, URL-safe base64
    listed = owner.ListTokens().tokens
    assert [t.name for t in listed] == ["first", "laptop"]
    assert created.secret.encode() not in owner.ListTokens().SerializeToString()
    laptop = owner.as_token(created.secret)
    assert laptop.WhoAmI().member.email == "owner@localhost"
    laptop.RevokeToken(token_id=created.token.id)
    refused(laptop.WhoAmI, grpc.StatusCode.UNAUTHENTICATED, "unknown or revoked")
    assert owner.ListTokens().tokens[1].HasField("revoked_at")
    refused(lambda: owner.RevokeToken(token_id=created.token.id), grpc.StatusCode.NOT_FOUND)
    refused(lambda: owner.CreateToken(name="x" * 201), grpc.StatusCode.INVALID_ARGUMENT)


def test_source_changes_reach_the_collector_at_once(daemon: Daemon, owner: AdminClient) -> None:
    created = owner.CreateSource(name="Web Site", type="javascript")
    source, key = created.source, created.write_key
    assert (source.slug, source.type, source.enabled) == ("web_site", "javascript", True)
    assert send_with(daemon, key) == grpc.StatusCode.OK

    renamed = owner.RenameSource(source_id=source.id, name="Marketing site").source
    assert (renamed.name, renamed.slug) == ("Marketing site", "web_site")
    assert owner.GetSource(source_id=source.id).source.name == "Marketing site"

    owner.SetSourceEnabled(source_id=source.id, enabled=False)
    assert send_with(daemon, key) == grpc.StatusCode.PERMISSION_DENIED
    owner.SetSourceEnabled(source_id=source.id, enabled=True)
    assert send_with(daemon, key) == grpc.StatusCode.OK

    rotated = owner.RotateWriteKey(source_id=source.id, grace_seconds=2)
    assert rotated.retired.write_key == key and rotated.write_key != key
    assert send_with(daemon, rotated.write_key) == grpc.StatusCode.OK
    assert send_with(daemon, key) == grpc.StatusCode.OK  # within its grace period
    keys = owner.GetWriteKey(source_id=source.id)
    assert keys.write_key == rotated.write_key
    assert [r.write_key for r in keys.retired] == [key]
    time.sleep(2.1)
    assert send_with(daemon, key) == grpc.StatusCode.UNAUTHENTICATED
    assert owner.GetWriteKey(source_id=source.id).retired == []

    again = owner.RotateWriteKey(source_id=source.id, grace_seconds=0)
    assert send_with(daemon, rotated.write_key) == grpc.StatusCode.UNAUTHENTICATED
    assert send_with(daemon, again.write_key) == grpc.StatusCode.OK

    owner.DeleteSource(source_id=source.id)
    assert send_with(daemon, again.write_key) == grpc.StatusCode.UNAUTHENTICATED
    refused(lambda: owner.GetSource(source_id=source.id), grpc.StatusCode.NOT_FOUND)
    assert source.id not in [s.id for s in owner.ListSources().sources]
    # Its events stay in the log until retention.
    with sqlite3.connect(f"file:{daemon.data_dir / 'segd.db'}?mode=ro", uri=True) as db:
        (stored,) = db.execute(
            "SELECT count(*) FROM events WHERE source_id = ?", (source.id,)
        ).fetchone()
    assert stored == 5
    # A new source may take the same name; the old slug stays with the old events.
    assert owner.CreateSource(name="Web Site").source.slug == "web_site_2"


def test_deleting_a_source_drops_the_roles_that_named_it(owner: AdminClient) -> None:
    kept = owner.ListSources().sources[0].id
    doomed = owner.CreateSource(name="Doomed").source.id
    scoped = pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN, source_ids=[kept, doomed])
    invite = owner.CreateInvites(emails=["s@example.com"], grants=[scoped]).invites[0]
    late = owner.CreateInvites(emails=["late@example.com"], grants=[scoped]).invites[0]
    member = owner.as_token(None).AcceptInvite(invite_token=invite.token).member
    group = owner.CreateGroup(name="Scoped", grants=[scoped]).group
    owner.DeleteSource(source_id=doomed)
    members = {m.id: m for m in owner.ListMembers().members}
    assert [list(g.source_ids) for g in members[member.id].grants] == [[kept]]
    assert [list(g.source_ids) for g in owner.ListGroups().groups[0].grants] == [[kept]]
    assert group.id == owner.ListGroups().groups[0].id
    # An invite made before the deletion grants what is left when accepted.
    accepted = owner.as_token(None).AcceptInvite(invite_token=late.token).member
    assert [list(g.source_ids) for g in accepted.grants] == [[kept]]


def test_deleting_a_source_disconnects_its_destinations(daemon: Daemon, owner: AdminClient) -> None:
    source = owner.ListSources().sources[0]
    segd_command(
        "destination", "add", "crm", "--type", "webhook", "--source", source.slug,
        "--settings", '{"urls": ["http://127.0.0.1:9/hook"]}',
        data_dir=daemon.data_dir,
    )  # fmt: skip
    listed = segd_command("destination", "list", data_dir=daemon.data_dir).split("\t")
    assert listed[3] == source.slug
    owner.DeleteSource(source_id=source.id)
    listed = segd_command("destination", "list", data_dir=daemon.data_dir).split("\t")
    assert listed[3] == "-"  # no sources


def test_source_bad_inputs(daemon: Daemon, owner: AdminClient) -> None:
    source_id = owner.ListSources().sources[0].id
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    refused(lambda: owner.CreateSource(name="  "), invalid, "needs a name")
    refused(lambda: owner.CreateSource(name="!!!"), invalid, "no letters or digits")
    refused(lambda: owner.CreateSource(name="x", type="cobol"), invalid, "no source type 'cobol'")
    refused(lambda: owner.CreateSource(name="x" * 201), invalid, "longer than 200")
    refused(lambda: owner.RenameSource(source_id=source_id, name=""), invalid, "needs a name")
    for grace in (-1, 31 * 86400):
        refused(
            lambda g=grace: owner.RotateWriteKey(source_id=source_id, grace_seconds=g),
            invalid,
            "grace_seconds",
        )
    for method in ("GetSource", "GetWriteKey", "RenameSource", "DeleteSource", "GetSchema"):
        refused(
            lambda m=method: getattr(owner, m)(
                source_id=999, **({"name": "n"} if m == "RenameSource" else {})
            ),
            grpc.StatusCode.NOT_FOUND,
            "no source with id 999",
        )
    # A request that is not a protobuf message at all.
    with daemon.channel() as channel:
        raw = channel.unary_unary("/segd.api.v1.Admin/GetSource")
        refused(
            lambda: raw(
                b"\xff\xff\xff",
                metadata=[("authorization", f"Bearer {owner.token}")],
                timeout=5,
            ),
            invalid,
            "not a valid GetSourceRequest",
        )


def test_catalog_snippets_point_at_this_daemon(daemon: Daemon, owner: AdminClient) -> None:
    catalog = {t.id: t for t in owner.ListSourceCatalog().types}
    expected = {
        "Website": {"javascript"},
        "Mobile": {"ios", "android", "react_native"},
        "Server": {"python", "node", "go", "java", "ruby", "php", "http_api", "grpc"},
    }
    for category, ids in expected.items():
        assert {i for i, t in catalog.items() if t.category == category} == ids
    for entry in catalog.values():
        assert "<WRITE_KEY>" in entry.setup_snippet
        assert "{{" not in entry.setup_snippet
        assert entry.title and entry.snippet_language
    assert daemon.address in catalog["grpc"].setup_snippet
    assert f"http://{daemon.http_address}/v1/track" in catalog["http_api"].setup_snippet


def test_members_groups_and_the_last_owner(owner: AdminClient) -> None:
    source_id = owner.ListSources().sources[0].id
    invite = owner.CreateInvites(emails=["bob@example.com"]).invites[0]
    bob = owner.as_token(None).AcceptInvite(invite_token=invite.token)
    bob_client = owner.as_token(bob.token)
    assert bob_client.ListSources().sources == []

    group = owner.CreateGroup(
        name="Readers",
        grants=[pb.RoleGrant(role=pb.ROLE_SOURCE_READ_ONLY, source_ids=[source_id])],
        member_ids=[bob.member.id],
    ).group
    assert list(group.member_ids) == [bob.member.id]
    assert [s.id for s in bob_client.ListSources().sources] == [source_id]
    member = {m.email: m for m in owner.ListMembers().members}["bob@example.com"]
    assert list(member.group_ids) == [group.id] and list(member.grants) == []
    assert [g.role for g in member.effective_grants] == [pb.ROLE_SOURCE_READ_ONLY]

    updated = owner.UpdateMember(
        member_id=bob.member.id,
        grants=[pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN, source_ids=[source_id])],
        group_ids=[],
    ).member
    assert [(g.role, list(g.source_ids)) for g in updated.grants] == [
        (pb.ROLE_SOURCE_ADMIN, [source_id])
    ]
    assert bob_client.GetWriteKey(source_id=source_id).write_key

    renamed = owner.UpdateGroup(
        group_id=group.id,
        name="Owners",
        grants=[pb.RoleGrant(role=pb.ROLE_WORKSPACE_OWNER)],
        member_ids=[bob.member.id],
    ).group
    assert renamed.name == "Owners"
    assert [g.name for g in owner.ListGroups().groups] == ["Owners"]
    assert [m.email for m in bob_client.ListMembers().members] == [
        "owner@localhost",
        "bob@example.com",
    ]

    precondition = grpc.StatusCode.FAILED_PRECONDITION
    me = owner.WhoAmI().member.id
    # Bob owns through the group, so the first owner may step down ...
    owner.UpdateMember(member_id=me, grants=[])
    # ... but then the group is the last way anyone owns the workspace.
    refused(lambda: bob_client.DeleteGroup(group_id=group.id), precondition, "at least one")
    refused(
        lambda: bob_client.UpdateGroup(group_id=group.id, name="Owners", member_ids=[]),
        precondition,
    )
    refused(lambda: bob_client.RemoveMember(member_id=bob.member.id), precondition)
    bob_client.UpdateMember(member_id=me, grants=[pb.RoleGrant(role=pb.ROLE_WORKSPACE_OWNER)])
    owner.DeleteGroup(group_id=group.id)
    owner.RemoveMember(member_id=bob.member.id)
    refused(bob_client.WhoAmI, grpc.StatusCode.UNAUTHENTICATED)
    refused(lambda: owner.RemoveMember(member_id=me), precondition)

    missing = grpc.StatusCode.NOT_FOUND
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    refused(lambda: owner.UpdateMember(member_id=999), missing, "no member with id 999")
    refused(lambda: owner.RemoveMember(member_id=999), missing)
    refused(lambda: owner.UpdateGroup(group_id=999, name="x"), missing, "no user group")
    refused(lambda: owner.DeleteGroup(group_id=999), missing)
    refused(lambda: owner.UpdateMember(member_id=me, group_ids=[5]), invalid, "no user group")
    refused(lambda: owner.CreateGroup(name=""), invalid, "needs a name")
    refused(lambda: owner.CreateGroup(name="G", member_ids=[99]), invalid, "no member with id 99")
    owner.CreateGroup(name="G")
    refused(lambda: owner.CreateGroup(name="G"), grpc.StatusCode.ALREADY_EXISTS)


def test_changes_are_audited(daemon: Daemon, owner: AdminClient) -> None:
    source_id = owner.ListSources().sources[0].id
    owner.RenameSource(source_id=source_id, name="Renamed")
    owner.SetSourceEnabled(source_id=source_id, enabled=False)
    owner.RotateWriteKey(source_id=source_id, grace_seconds=60)
    invite = owner.CreateInvites(emails=["eve@example.com"]).invites[0]
    owner.as_token(None).AcceptInvite(invite_token=invite.token)
    segd_command("source", "add", "From the shell", data_dir=daemon.data_dir)

    entries = owner.ListAuditLog().entries
    actions = [(e.actor, e.action, e.target) for e in entries]
    assert actions == [
        ("cli", "source.create", "source:2"),
        ("eve@example.com", "invite.accept", "member:2"),
        ("owner@localhost", "invite.create", "invite:1"),
        ("owner@localhost", "source.rotate_write_key", f"source:{source_id}"),
        ("owner@localhost", "source.disable", f"source:{source_id}"),
        ("owner@localhost", "source.rename", f"source:{source_id}"),
        ("cli", "source.create", f"source:{source_id}"),
        ("cli", "workspace.init", "workspace"),
    ]
    rename = entries[5]
    assert json.loads(rename.before_json)["name"] == "Test Source"
    assert json.loads(rename.after_json)["name"] == "Renamed"
    assert rename.actor_member_id == owner.WhoAmI().member.id
    assert entries[0].actor_member_id == 0
    assert rename.time.seconds > 0
    # Secrets never appear in the audit log.
    text = owner.ListAuditLog().SerializeToString()
    assert invite.token.encode() not in text
    assert owner.GetWriteKey(source_id=source_id).write_key.encode() not in text
    # Paging: older than the third entry.
    page = owner.ListAuditLog(limit=2, before_id=entries[2].id).entries
    assert [e.id for e in page] == [entries[3].id, entries[4].id]
    refused(lambda: owner.ListAuditLog(limit=1001), grpc.StatusCode.INVALID_ARGUMENT)


def test_cli_source_shows_in_the_api_and_works_at_once(daemon: Daemon, owner: AdminClient) -> None:
    out = segd_command("source", "add", "Backend", "--type", "python", data_dir=daemon.data_dir)
    key = out.split("Write key:")[1].strip()
    assert send_with(daemon, key) == grpc.StatusCode.OK
    [backend] = [s for s in owner.ListSources().sources if s.slug == "backend"]
    assert backend.type == "python"


def test_getting_started_follows_real_state(daemon: Daemon, owner: AdminClient) -> None:
    def done() -> dict[str, bool]:
        groups = owner.GetGettingStarted().groups
        assert [g.title for g in groups] == ["Basics", "Instrumentation", "Optimization"]
        return {t.id: t.done for g in groups for t in g.tasks}

    assert {k for k, v in done().items() if v} == {"add_source"}
    owner.CreateInvites(emails=["team@example.com"])
    source_id = owner.ListSources().sources[0].id
    stream = owner.TailEvents(source_id=source_id)
    stream.initial_metadata()  # the server sends headers once the stream is open
    stream.cancel()
    with daemon.channel() as channel:
        daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[
                    track(properties='{"order_id": "1"}'),
                    event_pb2.Event(type=event_pb2.EVENT_TYPE_PAGE, anonymous_id="a", name="Home"),
                    event_pb2.Event(type=event_pb2.EVENT_TYPE_IDENTIFY, user_id="u"),
                ],
            )
        )
    owner.CreateSource(name="Second")
    segd_command(
        "destination", "add", "hook", "--type", "webhook", "--source", "test_source",
        "--settings", '{"urls": ["http://127.0.0.1:9/hook"]}',
        data_dir=daemon.data_dir,
    )  # fmt: skip
    deadline = time.monotonic() + 5
    while not done()["identify_received"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {k for k, v in done().items() if v} == {
        "invite_teammates",
        "add_source",
        "page_or_screen_received",
        "add_destination",
        "debugger_opened",
        "identify_received",
        "track_received",
        "naming",
        "two_sources",
    }
    naming = next(t for g in owner.GetGettingStarted().groups for t in g.tasks if t.id == "naming")
    assert naming.detail == (
        "1 of 1 event names follow Object Action; 1 of 1 properties are snake_case"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[admin]\ninvite_ttl_hours = 0\n", "admin.invite_ttl_hours must be more than 0"),
        ("[admin]\npublic_http_url = 8\n", "admin.public_http_url"),
        ('[smtp]\nsecurity = "tls"\n', 'smtp.security must be "starttls", "ssl" or "none"'),
        ('[smtp]\nport = "25"\n', "smtp.port"),
        ("[debugger]\nring_size = 0\n", "debugger.ring_size must be at least 1"),
        ("[debugger]\nsubscriber_buffer = -3\n", "debugger.subscriber_buffer must be at least 1"),
        ("[debugger]\nsearch_scan_events = 0\n", "debugger.search_scan_events must be at least"),
    ],
)
def test_config_errors_are_clear(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "segd.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        config.load(path)

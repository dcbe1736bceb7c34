"""Invites on a real daemon: single use, expiry, revocation, email delivery."""

from __future__ import annotations

import argparse
import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from segd.api.v1 import admin_pb2 as pb
from segd.workspace import new_secret
from tests.support.admin import AdminClient
from tests.support.daemon import Daemon
from tests.support.smtp import smtp_server


@pytest.fixture
def owner(daemon: Daemon) -> Iterator[AdminClient]:
    with daemon.channel() as channel:
        yield AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]


def refused(call: object, code: grpc.StatusCode, text: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code() == code
    assert text in (caught.value.details() or "")


def test_invite_is_accepted_once(owner: AdminClient) -> None:
    created = owner.CreateInvites(
        emails=["Ada@Example.com"],
        grants=[pb.RoleGrant(role=pb.ROLE_SOURCE_READ_ONLY)],
    ).invites[0]
    # No SMTP settings: the inviter gets the token to pass on.
    assert created.token and not created.invite.emailed and not created.email_error
    assert created.invite.email == "ada@example.com"
    assert created.invite.invited_by == "owner@localhost"
    hours = (created.invite.expires_at.seconds - created.invite.created_at.seconds) / 3600
    assert hours == pytest.approx(72, abs=0.01)
    assert [i.id for i in owner.ListInvites().invites] == [created.invite.id]

    anonymous = owner.as_token(None)
    accepted = anonymous.AcceptInvite(invite_token=created.token)
    assert accepted.member.email == "ada@example.com"
    assert [g.role for g in accepted.member.grants] == [pb.ROLE_SOURCE_READ_ONLY]
    me = owner.as_token(accepted.token).WhoAmI().member
    assert me.id == accepted.member.id
    assert owner.ListInvites().invites == []

    refused(
        lambda: anonymous.AcceptInvite(invite_token=created.token),
        grpc.StatusCode.PERMISSION_DENIED,
        "used already",
    )


def test_expired_and_revoked_invites_are_refused(owner: AdminClient) -> None:
    anonymous = owner.as_token(None)
    short = owner.CreateInvites(emails=["late@example.com"], expires_in_seconds=1).invites[0]
    revoked = owner.CreateInvites(emails=["gone@example.com"]).invites[0]
    owner.RevokeInvite(invite_id=revoked.invite.id)
    assert [i.email for i in owner.ListInvites().invites] == ["late@example.com"]
    refused(
        lambda: anonymous.AcceptInvite(invite_token=revoked.token),
        grpc.StatusCode.PERMISSION_DENIED,
        "revoked",
    )
    time.sleep(1.1)
    assert owner.ListInvites().invites == []
    refused(
        lambda: anonymous.AcceptInvite(invite_token=short.token),
        grpc.StatusCode.PERMISSION_DENIED,
        "expired",
    )
    refused(
        lambda: anonymous.AcceptInvite(invite_token="not-a-token"),
        grpc.StatusCode.UNAUTHENTICATED,
        "unknown invite token",
    )
    refused(
        lambda: anonymous.AcceptInvite(invite_token=""),
        grpc.StatusCode.INVALID_ARGUMENT,
        "invite token is required",
    )
    # Neither could be revoked again.
    refused(
        lambda: owner.RevokeInvite(invite_id=revoked.invite.id),
        grpc.StatusCode.NOT_FOUND,
        "no pending invite",
    )


def test_two_accepts_at_once_make_one_member(owner: AdminClient) -> None:
    token = owner.CreateInvites(emails=["race@example.com"]).invites[0].token
    anonymous = owner.as_token(None)

    def accept() -> str:
        try:
            return str(anonymous.AcceptInvite(invite_token=token).token)
        except grpc.RpcError as exc:
            return str(exc.code())

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: accept(), range(4)))
    assert sum(1 for r in results if not r.startswith("StatusCode")) == 1
    emails = [m.email for m in owner.ListMembers().members]
    assert emails.count("race@example.com") == 1


def test_several_emails_groups_and_bad_inputs(owner: AdminClient) -> None:
    group = owner.CreateGroup(
        name="Analysts", grants=[pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN)]
    ).group
    created = owner.CreateInvites(
        emails=["a@example.com, b@example.com", "a@example.com"], group_ids=[group.id]
    ).invites
    assert [c.invite.email for c in created] == ["a@example.com", "b@example.com"]
    member = owner.as_token(None).AcceptInvite(invite_token=created[1].token).member
    assert list(member.group_ids) == [group.id]
    assert [g.role for g in member.effective_grants] == [pb.ROLE_SOURCE_ADMIN]

    bad = [
        ({"emails": []}, grpc.StatusCode.INVALID_ARGUMENT, "at least one email"),
        ({"emails": ["not an email"]}, grpc.StatusCode.INVALID_ARGUMENT, "not an email"),
        ({"emails": ["owner@localhost"]}, grpc.StatusCode.ALREADY_EXISTS, "a member already"),
        ({"emails": ["b@example.com"]}, grpc.StatusCode.ALREADY_EXISTS, "a member already"),
        ({"emails": ["a@example.com"]}, grpc.StatusCode.ALREADY_EXISTS, "pending invite"),
        (
            {"emails": ["c@example.com"], "expires_in_seconds": 31 * 86400},
            grpc.StatusCode.INVALID_ARGUMENT,
            "expires_in_seconds",
        ),
        (
            {"emails": ["c@example.com"], "expires_in_seconds": -1},
            grpc.StatusCode.INVALID_ARGUMENT,
            "expires_in_seconds",
        ),
        (
            {"emails": ["c@example.com"], "group_ids": [999]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "no user group",
        ),
        (
            {"emails": ["c@example.com"], "grants": [pb.RoleGrant()]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "needs a role",
        ),
        (
            {
                "emails": ["c@example.com"],
                "grants": [pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN, source_ids=[42])],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "no source with id 42",
        ),
        (
            {
                "emails": ["c@example.com"],
                "grants": [pb.RoleGrant(role=pb.ROLE_PERSONAS_ADMIN, source_ids=[1])],
            },
            grpc.StatusCode.INVALID_ARGUMENT,
            "does not take a list of sources",
        ),
        (
            {"emails": ["c@example.com"], "grants": [pb.RoleGrant(role=77)]},
            grpc.StatusCode.INVALID_ARGUMENT,
            "needs a role",
        ),
    ]
    for fields, code, text in bad:
        refused(lambda fields=fields: owner.CreateInvites(**fields), code, text)


def _smtp_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "segd.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'from_address = "segd@example.com"\n'
    )
    return config


def test_invites_are_emailed_when_smtp_is_set(
    workspace: tuple[Path, str, str], tmp_path: Path
) -> None:
    data_dir, token, _ = workspace
    with smtp_server() as mailbox:
        running = Daemon(data_dir, config=_smtp_config(tmp_path, mailbox.port)).start()
        try:
            with running.channel() as channel:
                owner = AdminClient(channel, token)
                created = owner.CreateInvites(emails=["grace@example.com"]).invites[0]
                # Emailed: the inviter does not see the token.
                assert created.invite.emailed and created.token == ""
                [mail] = mailbox.messages
                assert mail.recipients == ["grace@example.com"]
                assert "From: segd@example.com" in mail.data
                invite_token = next(
                    line.strip() for line in mail.data.splitlines() if len(line.strip()) == 43
                )
                accepted = owner.as_token(None).AcceptInvite(invite_token=invite_token)
                assert accepted.member.email == "grace@example.com"
        finally:
            running.kill()


def test_failed_email_hands_the_token_to_the_inviter(
    workspace: tuple[Path, str, str], tmp_path: Path
) -> None:
    data_dir, token, _ = workspace
    with smtp_server() as mailbox:
        port = mailbox.port  # closed when the block ends: nothing listens there after
    running = Daemon(data_dir, config=_smtp_config(tmp_path, port)).start()
    try:
        with running.channel() as channel:
            owner = AdminClient(channel, token)
            created = owner.CreateInvites(emails=["h@example.com"]).invites[0]
            assert not created.invite.emailed
            assert created.token and "could not be sent" in created.email_error
            owner.as_token(None).AcceptInvite(invite_token=created.token)
    finally:
        running.kill()


def test_secrets_never_start_with_a_dash_so_a_command_line_takes_them_as_values() -> None:
    """Invites, tokens and write keys follow options (`segtui --accept-invite TOKEN`);
    one URL-safe token in 64 used to start with "-" and was taken for an option."""
    assert not [s for s in (new_secret() for _ in range(2000)) if s.startswith("-")]
    parser = argparse.ArgumentParser()
    parser.add_argument("--accept-invite")
    token = new_secret()
    assert parser.parse_args(["--accept-invite", token]).accept_invite == token

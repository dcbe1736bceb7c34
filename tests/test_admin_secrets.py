"""Admin and invite tokens are never stored in clear: search every file for them."""

from __future__ import annotations

from pathlib import Path

from segd.api.v1 import admin_pb2 as pb
from tests.support.admin import AdminClient
from tests.support.daemon import Daemon


def files_holding(data_dir: Path, secrets: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for secret in secrets:
            if secret.encode() in content:
                found.append((path.name, secret[:6]))
    return found


def test_tokens_are_not_in_the_data_directory(daemon: Daemon) -> None:
    owner_token: str = daemon.owner_token  # type: ignore[attr-defined]
    with daemon.channel() as channel:
        owner = AdminClient(channel, owner_token)
        personal = owner.CreateToken(name="ci").secret
        pending = owner.CreateInvites(emails=["p@example.com"]).invites[0].token
        used = (
            owner.CreateInvites(
                emails=["u@example.com"], grants=[pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN)]
            )
            .invites[0]
            .token
        )
        member_token = owner.as_token(None).AcceptInvite(invite_token=used).token
        revoked = owner.CreateInvites(emails=["r@example.com"]).invites[0]
        owner.RevokeInvite(invite_id=revoked.invite.id)
        # The write key is shown to admins on purpose; it is stored, as a control
        # that the search below finds what is there.
        write_key = owner.GetWriteKey(source_id=owner.ListSources().sources[0].id).write_key
    secrets = [owner_token, personal, pending, used, member_token, revoked.token]
    assert all(len(s) >= 43 for s in secrets)

    # While running (the WAL holds the latest pages) and after a clean stop.
    assert files_holding(daemon.data_dir, secrets) == []
    assert files_holding(daemon.data_dir, [write_key])
    assert daemon.stop() == 0
    assert files_holding(daemon.data_dir, secrets) == []
    # Nor does the daemon log them.
    log_text = "".join(daemon.raw_output)
    assert not [s for s in secrets if s in log_text]

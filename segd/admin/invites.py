"""Invites: single-use, expiring, stored hashed, revocable; emailed when SMTP is set."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from segd.admin.mail import InviteMailer
from segd.admin.members import Members, MemberView, grants_json
from segd.admin.roles import Grant, to_rows
from segd.errors import AlreadyExists, InvalidRequest, NotFound, PermissionDenied, Unauthenticated
from segd.store import AuditRecord, Store
from segd.store.invites import InviteRow, NewInvite
from segd.workspace import Actor, hash_token, new_secret, now_ms

log = structlog.get_logger(__name__)

EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+|[^@\s,;]+@localhost")
MAX_EMAILS = 100
MAX_EXPIRY_SECONDS = 30 * 86_400

_REFUSALS = {
    "accepted": "this invite has been used already",
    "revoked": "this invite was revoked",
    "expired": "this invite has expired",
}


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    invite: InviteRow
    #: The token to pass on, when it was not emailed; else empty.
    token: str
    email_error: str = ""


def parse_emails(emails: Sequence[str]) -> list[str]:
    """Addresses from a list whose items may each be comma-separated; trimmed,
    lower-cased, duplicates dropped, each checked."""
    found: list[str] = []
    for item in emails:
        for part in item.split(","):
            email = part.strip().lower()
            if not email:
                continue
            if not EMAIL.fullmatch(email):
                raise InvalidRequest(f"{email!r} is not an email address")
            if email not in found:
                found.append(email)
    if not found:
        raise InvalidRequest("an invite needs at least one email address")
    if len(found) > MAX_EMAILS:
        raise InvalidRequest(f"at most {MAX_EMAILS} invites at once")
    return found


class Invites:
    def __init__(
        self, store: Store, members: Members, mailer: InviteMailer, default_ttl_seconds: float
    ) -> None:
        self._store = store
        self._members = members
        self._mailer = mailer
        self._default_ttl_ms = int(default_ttl_seconds * 1000)

    async def create(
        self,
        actor: Actor,
        emails: Sequence[str],
        grants: Sequence[Grant],
        group_ids: Sequence[int],
        expires_in_seconds: int = 0,
    ) -> list[CreatedInvite]:
        addresses = parse_emails(emails)
        if not 0 <= expires_in_seconds <= MAX_EXPIRY_SECONDS:
            raise InvalidRequest(
                f"expires_in_seconds must be between 0 (the default) and {MAX_EXPIRY_SECONDS}"
            )
        checked = await self._members.check_grants(grants)
        groups = await self._members.check_groups(group_ids)
        taken = {m.email.lower() for m in await self._store.access.members()}
        now = now_ms()
        pending = {i.email for i in await self._store.invites.pending(now)}
        for email in addresses:
            if email in taken:
                raise AlreadyExists(f"{email} is a member already")
            if email in pending:
                raise AlreadyExists(f"{email} has a pending invite; revoke it to invite again")
        ttl_ms = expires_in_seconds * 1000 or self._default_ttl_ms
        tokens = [new_secret() for _ in addresses]
        new = [
            NewInvite(
                email, hash_token(token), tuple(to_rows(checked)), groups, actor.name, now + ttl_ms
            )
            for email, token in zip(addresses, tokens, strict=True)
        ]

        def audit(invite_id: int, invite: NewInvite) -> AuditRecord:
            return actor.audit(
                "invite.create",
                f"invite:{invite_id}",
                None,
                {
                    "email": invite.email,
                    "grants": grants_json(checked),
                    "groups": list(groups),
                    "expires_at": invite.expires_at_ms,
                },
            )

        ids = await self._store.invites.insert(new, audit, now)
        created = []
        for invite_id, email, token in zip(ids, addresses, tokens, strict=True):
            created.append(await self._deliver(invite_id, email, token, actor, now + ttl_ms))
        return created

    async def _deliver(
        self, invite_id: int, email: str, token: str, actor: Actor, expires_at_ms: int
    ) -> CreatedInvite:
        """Email the invite if SMTP is set; otherwise (or on failure) hand back the token."""
        error = ""
        if self._mailer.enabled:
            try:
                await self._mailer.send(email, token, actor.name, expires_at_ms)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"the invite email could not be sent: {exc}"
                log.warning("invite.email_failed", to=email, error=str(exc))
            else:
                await self._store.invites.mark_emailed(invite_id)
                token = ""
        [row] = await self._store.invites.get(invite_id)
        return CreatedInvite(row, token, error)

    async def pending(self) -> list[InviteRow]:
        return await self._store.invites.pending(now_ms())

    async def revoke(self, actor: Actor, invite_id: int) -> None:
        audit = actor.audit(
            "invite.revoke", f"invite:{invite_id}", {"state": "pending"}, {"state": "revoked"}
        )
        if not await self._store.invites.revoke(invite_id, audit, now_ms()):
            raise NotFound(f"no pending invite with id {invite_id}")

    async def accept(self, invite_token: str) -> tuple[MemberView, str]:
        """Use an invite: the new member, and their personal token (shown once)."""
        if not invite_token:
            raise InvalidRequest("an invite token is required")
        personal = new_secret()
        invite, member_id = await self._store.invites.accept(
            hash_token(invite_token),
            hash_token(personal),
            lambda mid, inv: Actor(mid, inv.email).audit(
                "invite.accept",
                f"member:{mid}",
                {"invite": inv.id},
                {"email": inv.email, "invite": inv.id},
            ),
            now_ms(),
        )
        if invite is None:
            raise Unauthenticated("unknown invite token")
        if member_id is None:
            raise PermissionDenied(_REFUSALS[invite.state(now_ms())])
        log.info("invite.accepted", invite=invite.id, member=member_id)
        return await self._members.get(member_id), personal

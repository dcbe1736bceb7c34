"""Emailing invites through SMTP (stdlib smtplib, in a worker thread)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage

import structlog

from segd.config import SmtpConfig

log = structlog.get_logger(__name__)


def invite_message(
    config: SmtpConfig, to: str, token: str, inviter: str, expires_at_ms: int
) -> EmailMessage:
    expires = datetime.fromtimestamp(expires_at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    message = EmailMessage()
    message["From"] = config.from_address
    message["To"] = to
    message["Subject"] = "You are invited to a segd workspace"
    message.set_content(
        f"{inviter} invited you to their segd workspace.\n\n"
        f"Your invite token (it works once, until {expires}):\n\n    {token}\n\n"
        "Accept it in segtui, or with the Admin service's AcceptInvite call; you will\n"
        "get your personal access token in return.\n"
    )
    return message


class InviteMailer:
    """Sends invite emails when SMTP is configured (`enabled`)."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    @property
    def enabled(self) -> bool:
        return bool(self._config.host)

    async def send(self, to: str, token: str, inviter: str, expires_at_ms: int) -> None:
        """Deliver one invite; raises OSError or smtplib.SMTPException when that fails."""
        message = invite_message(self._config, to, token, inviter, expires_at_ms)
        # smtplib blocks; a thread keeps the event loop (and ingestion) running.
        await asyncio.to_thread(self._deliver, message)
        log.info("invite.emailed", to=to)

    def _deliver(self, message: EmailMessage) -> None:
        config = self._config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=context)
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)

"""Workspace operations shared by the CLI and the Admin API: one copy of each.

Also the write-key directory the collector authenticates against.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from segd.admin.catalog import source_type
from segd.errors import InvalidRequest, PermissionDenied, Unauthenticated
from segd.store import AuditRecord, Source, Store, WriteKey

OWNER_ROLE = "workspace_owner"
DEFAULT_SOURCE_TYPE = "http_api"

#: Seconds a write key the database does not know is refused without asking it again.
#: A client retrying a wrong or revoked key in a loop (or someone probing) then costs one
#: database round trip per window, not one per call. Short, because a key that another
#: process (`segd source add`) creates after it was tried is refused this long; it is
#: also the period of the daemon's own refresh, which forgets these keys anyway.
UNKNOWN_KEY_SECONDS = 2.0
#: Unknown keys remembered at most; the oldest are forgotten first, so that a stream of
#: random keys cannot grow memory without limit.
UNKNOWN_KEY_LIMIT = 4096


def hash_token(token: str) -> bytes:
    """Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).digest()


def new_secret() -> str:
    """A fresh random token (256 bits), URL-safe, and never starting with "-": one in 64
    did, and a command line then took it for an option (`--accept-invite -Gh8k...`)."""
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


def slugify(name: str) -> str:
    """'My Web Site!' → 'my_web_site': also a valid SQL schema name for warehouses."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if slug and slug[0].isdigit():
        slug = f"s_{slug}"
    return slug[:63]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, for the audit log: a member, or the command line (no id)."""

    member_id: int | None
    name: str

    def audit(
        self,
        action: str,
        target: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditRecord:
        return AuditRecord(self.member_id, self.name, action, target, before, after)


CLI = Actor(None, "cli")


@dataclass(frozen=True)
class OwnerCredentials:
    email: str
    token: str


async def init_workspace(store: Store, owner_email: str) -> OwnerCredentials | None:
    """Create the owner and their admin token; None if the workspace has one already."""
    if await store.workspace.has_members():
        return None
    token = new_secret()
    await store.access.insert_member(
        owner_email,
        [(OWNER_ROLE, None)],
        hash_token(token),
        now_ms(),
        CLI.audit("workspace.init", "workspace", after={"owner": owner_email}),
    )
    return OwnerCredentials(owner_email, token)


def source_fields(source: Source) -> dict[str, Any]:
    """A source as the audit log records it (never its write key)."""
    return {
        "name": source.name,
        "slug": source.slug,
        "type": source.type,
        "enabled": source.enabled,
    }


async def create_source(
    store: Store, name: str, type_: str = DEFAULT_SOURCE_TYPE, actor: Actor = CLI
) -> Source:
    """A new, enabled source named `name` with a fresh write key."""
    name = name.strip()
    if not name:
        raise InvalidRequest("a source needs a name")
    if source_type(type_) is None:
        raise InvalidRequest(f"there is no source type {type_!r} in the catalog")
    slug = slugify(name)
    if not slug:
        raise InvalidRequest(f"{name!r} has no letters or digits to make a slug from")
    taken = await store.workspace.slugs()
    base, n = slug, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    after = {"name": name, "slug": slug, "type": type_, "enabled": True}
    return await store.workspace.insert_source(
        name,
        slug,
        new_secret(),
        now_ms(),
        type_,
        actor.audit("source.create", "source", None, after),
    )


class SourceDirectory:
    """Write key → source, cached in memory; the collector asks it on every call.

    The daemon's own changes (source creation, rename, disable, delete, key rotation)
    call `refresh` before answering, so the collector sees them at once. Changes made by
    another process (the CLI) show on a miss, which asks the database, or at the periodic
    `refresh`. Retired keys are accepted until they expire.

    A key the database does not know either is remembered as unknown for
    `unknown_key_seconds` (at most `unknown_key_limit` of them, oldest forgotten first),
    and refused without a lookup meanwhile; `refresh` forgets them all. So a key that
    another process creates is accepted at once unless it was tried just before, and
    then at most that long afterwards.
    """

    def __init__(
        self,
        store: Store,
        clock: Callable[[], int] = now_ms,
        unknown_key_seconds: float = UNKNOWN_KEY_SECONDS,
        unknown_key_limit: int = UNKNOWN_KEY_LIMIT,
    ) -> None:
        self._store = store
        self._clock = clock
        self._by_key: dict[str, WriteKey] = {}
        # Unknown key -> when the database said so (ms), oldest first.
        self._unknown: OrderedDict[str, int] = OrderedDict()
        self._unknown_ms = int(unknown_key_seconds * 1000)
        self._unknown_limit = unknown_key_limit
        # Refreshes run one at a time, so a slow one that read the database before a
        # change cannot overwrite the result of a later one that read it after.
        self._lock = asyncio.Lock()
        self._generation = 0

    async def refresh(self) -> None:
        async with self._lock:
            keys = await self._store.workspace.write_keys(self._clock())
            self._by_key = {key.write_key: key for key in keys}
            self._unknown.clear()
            self._generation += 1

    async def authenticate(self, write_key: str) -> Source:
        """The enabled source of `write_key`; Unauthenticated or PermissionDenied otherwise."""
        now = self._clock()
        key = self._by_key.get(write_key)
        if key is None and write_key and not self._recently_unknown(write_key, now):
            generation = self._generation
            key = await self._store.workspace.write_key(write_key, now)
            # A refresh that finished meanwhile may know better than this lookup.
            if generation == self._generation:
                if key is not None:
                    self._by_key[write_key] = key
                else:
                    self._remember_unknown(write_key, now)
        if key is None or (key.expires_at_ms is not None and key.expires_at_ms <= now):
            raise Unauthenticated("unknown write key")
        if not key.source.enabled:
            raise PermissionDenied(f"source {key.source.slug!r} is disabled")
        return key.source

    def _recently_unknown(self, write_key: str, now: int) -> bool:
        """Whether the database said `write_key` is unknown less than the window ago."""
        said_at = self._unknown.get(write_key)
        if said_at is None:
            return False
        # A clock that went back does not stretch the window.
        if 0 <= now - said_at < self._unknown_ms:
            return True
        del self._unknown[write_key]
        return False

    def _remember_unknown(self, write_key: str, now: int) -> None:
        self._unknown[write_key] = now
        self._unknown.move_to_end(write_key)
        while len(self._unknown) > self._unknown_limit:
            self._unknown.popitem(last=False)

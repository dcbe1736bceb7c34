"""Workspace operations shared by the CLI and the Admin API: one copy of each.

Also the write-key directory the collector authenticates against.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass

from segd.errors import InvalidRequest, PermissionDenied, Unauthenticated
from segd.store import Source, Store

OWNER_ROLE = "workspace_owner"


def hash_token(token: str) -> bytes:
    """Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).digest()


def new_secret() -> str:
    """A fresh random token (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def slugify(name: str) -> str:
    """'My Web Site!' → 'my_web_site': also a valid SQL schema name for warehouses."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if slug and slug[0].isdigit():
        slug = f"s_{slug}"
    return slug[:63]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class OwnerCredentials:
    email: str
    token: str


async def init_workspace(store: Store, owner_email: str) -> OwnerCredentials | None:
    """Create the owner and their admin token; None if the workspace has one already."""
    if await store.workspace.has_members():
        return None
    token = new_secret()
    await store.workspace.insert_member(owner_email, [OWNER_ROLE], hash_token(token), _now_ms())
    return OwnerCredentials(owner_email, token)


async def create_source(store: Store, name: str) -> Source:
    """A new, enabled source named `name` with a fresh write key."""
    name = name.strip()
    if not name:
        raise InvalidRequest("a source needs a name")
    slug = slugify(name)
    if not slug:
        raise InvalidRequest(f"{name!r} has no letters or digits to make a slug from")
    taken = await store.workspace.slugs()
    base, n = slug, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return await store.workspace.insert_source(name, slug, new_secret(), _now_ms())


class SourceDirectory:
    """Write key → source, cached in memory; the collector asks it on every call.

    Sources change rarely and may be changed by another process (the CLI), so a miss
    asks the database, and `refresh` (called periodically by the daemon) reloads all.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._by_key: dict[str, Source] = {}

    async def refresh(self) -> None:
        self._by_key = {s.write_key: s for s in await self._store.workspace.list_sources()}

    async def authenticate(self, write_key: str) -> Source:
        """The enabled source of `write_key`; Unauthenticated or PermissionDenied otherwise."""
        source = self._by_key.get(write_key)
        if source is None and write_key:
            source = await self._store.workspace.source_by_write_key(write_key)
            if source is not None:
                self._by_key[write_key] = source
        if source is None:
            raise Unauthenticated("unknown write key")
        if not source.enabled:
            raise PermissionDenied(f"source {source.slug!r} is disabled")
        return source

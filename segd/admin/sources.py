"""Sources: the catalog, and each source's life (create, rename, enable, delete, keys).

Every change refreshes the collector's write-key directory before it returns, so a
disabled, deleted or re-keyed source behaves accordingly from the next request on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from segd.admin.catalog import CATALOG, SourceType, render
from segd.admin.roles import Principal
from segd.debugger import DebuggerHub
from segd.errors import InvalidRequest, NotFound
from segd.store import Source, Store
from segd.workspace import (
    DEFAULT_SOURCE_TYPE,
    Actor,
    SourceDirectory,
    create_source,
    new_secret,
    now_ms,
    source_fields,
)

MAX_GRACE_SECONDS = 30 * 86_400
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class WriteKeys:
    current: str
    #: (key, expires_at_ms) of retired keys still accepted.
    retired: list[tuple[str, int]]


class Sources:
    def __init__(
        self,
        store: Store,
        directory: SourceDirectory,
        debugger: DebuggerHub,
        addresses: Callable[[], tuple[str, str]],
    ) -> None:
        """`addresses` gives (public HTTP URL, public gRPC address) for the snippets."""
        self._store = store
        self._directory = directory
        self._debugger = debugger
        self._addresses = addresses

    def catalog(self) -> list[tuple[SourceType, str]]:
        """Each source type with its snippet filled in for this daemon."""
        http_url, grpc_address = self._addresses()
        return [(entry, render(entry.snippet, http_url, grpc_address)) for entry in CATALOG]

    async def create(self, actor: Actor, name: str, type_: str) -> Source:
        _check_name(name)
        source = await create_source(self._store, name, type_ or DEFAULT_SOURCE_TYPE, actor)
        await self._directory.refresh()
        return source

    async def readable(self, caller: Principal) -> list[Source]:
        """The sources the caller may read."""
        sources = await self._store.workspace.list_sources()
        return [s for s in sources if caller.can_read_source(s.id)]

    async def get(self, source_id: int) -> Source:
        source = await self._store.workspace.source(source_id)
        if source is None:
            raise NotFound(f"no source with id {source_id}")
        return source

    async def rename(self, actor: Actor, source_id: int, name: str) -> Source:
        name = _check_name(name)
        return await self._update(actor, source_id, "source.rename", name=name)

    async def set_enabled(self, actor: Actor, source_id: int, enabled: bool) -> Source:
        action = "source.enable" if enabled else "source.disable"
        return await self._update(actor, source_id, action, enabled=enabled)

    async def _update(
        self,
        actor: Actor,
        source_id: int,
        action: str,
        *,
        name: str | None = None,
        enabled: bool | None = None,
    ) -> Source:
        before = await self.get(source_id)
        after = source_fields(before)
        if name is not None:
            after["name"] = name
        if enabled is not None:
            after["enabled"] = enabled
        source = await self._store.workspace.update_source(
            source_id,
            actor.audit(action, f"source:{source_id}", source_fields(before), after),
            now_ms(),
            name=name,
            enabled=enabled,
        )
        if source is None:
            raise NotFound(f"no source with id {source_id}")
        await self._directory.refresh()
        return source

    async def delete(self, actor: Actor, source_id: int) -> None:
        before = await self.get(source_id)
        audit = actor.audit("source.delete", f"source:{source_id}", source_fields(before))
        if not await self._store.workspace.delete_source(source_id, audit, now_ms()):
            raise NotFound(f"no source with id {source_id}")
        await self._directory.refresh()
        self._debugger.forget(source_id)

    async def rotate_write_key(
        self, actor: Actor, source_id: int, grace_seconds: int
    ) -> tuple[str, tuple[str, int]]:
        """A new key; returns it and (old key, until when the old key works)."""
        if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
            raise InvalidRequest(f"grace_seconds must be between 0 and {MAX_GRACE_SECONDS}")
        now = now_ms()
        expires = now + grace_seconds * 1000
        new_key = new_secret()
        audit = actor.audit(
            "source.rotate_write_key",
            f"source:{source_id}",
            None,
            {"old_key_expires_at": expires, "grace_seconds": grace_seconds},
        )
        old_key = await self._store.workspace.rotate_write_key(
            source_id, new_key, expires, audit, now
        )
        if old_key is None:
            raise NotFound(f"no source with id {source_id}")
        await self._directory.refresh()
        return new_key, (old_key, expires)

    async def write_keys(self, source_id: int) -> WriteKeys:
        source = await self.get(source_id)
        return WriteKeys(
            source.write_key, await self._store.workspace.retired_keys(source_id, now_ms())
        )


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidRequest("a source needs a name")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(f"the name is longer than {MAX_NAME_CHARS} characters")
    return name

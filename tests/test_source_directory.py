"""The write-key directory on a real store: unknown keys are remembered for a short while."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from segd.errors import Unauthenticated
from segd.store import Store, WriteKey
from segd.workspace import UNKNOWN_KEY_LIMIT, UNKNOWN_KEY_SECONDS, SourceDirectory, now_ms

WINDOW_MS = int(UNKNOWN_KEY_SECONDS * 1000)

T = TypeVar("T")


class Clock:
    """A clock the test moves by hand (ms, near the real time: keys expire against it)."""

    def __init__(self) -> None:
        self.ms = now_ms()

    def __call__(self) -> int:
        return self.ms


class Lookups:
    """The store's one-key lookup, counted: each call is a round trip to the database."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.keys: list[str] = []
        lookup = store.workspace.write_key

        async def counted(key: str, now: int) -> WriteKey | None:
            self.keys.append(key)
            return await lookup(key, now)

        monkeypatch.setattr(store.workspace, "write_key", counted)


async def refused(directory: SourceDirectory, key: str) -> None:
    with pytest.raises(Unauthenticated):
        await directory.authenticate(key)


async def watched(
    store: Store, monkeypatch: pytest.MonkeyPatch, unknown_key_limit: int = UNKNOWN_KEY_LIMIT
) -> tuple[Clock, SourceDirectory, Lookups]:
    """A refreshed directory on a hand-moved clock, and the database lookups it makes."""
    clock = Clock()
    directory = SourceDirectory(store, clock, unknown_key_limit=unknown_key_limit)
    await directory.refresh()
    return clock, directory, Lookups(store, monkeypatch)


def with_store(tmp_path: Path, scenario: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await Store.open(tmp_path, "normal")
        try:
            return await scenario(store)
        finally:
            await store.close()

    return asyncio.run(run())


def test_a_repeated_unknown_key_is_looked_up_once_a_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(store: Store) -> None:
        clock, directory, lookups = await watched(store, monkeypatch)

        for _ in range(20):
            await refused(directory, "wrong")
            clock.ms += WINDOW_MS // 40
        assert lookups.keys == ["wrong"]
        clock.ms += WINDOW_MS // 2
        await refused(directory, "wrong")
        assert lookups.keys == ["wrong", "wrong"]
        # The empty key is never looked up at all.
        await refused(directory, "")
        assert lookups.keys == ["wrong", "wrong"]

    with_store(tmp_path, scenario)


def test_a_key_another_process_creates_is_accepted_after_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(store: Store) -> None:
        clock, directory, lookups = await watched(store, monkeypatch)
        await refused(directory, "early-key")

        # As `segd source add` does, in its own process: the directory is not told.
        source = await store.workspace.insert_source("CLI", "cli", "early-key", clock.ms)
        clock.ms += WINDOW_MS - 1
        await refused(directory, "early-key")
        assert len(lookups.keys) == 1
        clock.ms += 1
        assert await directory.authenticate("early-key") == source
        assert len(lookups.keys) == 2
        # Known now: no more lookups.
        assert await directory.authenticate("early-key") == source
        assert len(lookups.keys) == 2

    with_store(tmp_path, scenario)


def test_refresh_forgets_unknown_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(store: Store) -> None:
        clock, directory, lookups = await watched(store, monkeypatch)
        await refused(directory, "new-key")
        await refused(directory, "other-key")

        # As the Admin API's CreateSource does: create, then refresh before answering.
        source = await store.workspace.insert_source("API", "api", "new-key", clock.ms)
        await directory.refresh()
        assert await directory.authenticate("new-key") == source
        # The other key is asked about again too, in the same instant.
        await refused(directory, "other-key")
        assert lookups.keys == ["new-key", "other-key", "other-key"]

    with_store(tmp_path, scenario)


def test_unknown_keys_are_bounded_oldest_forgotten_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(store: Store) -> None:
        _, directory, lookups = await watched(store, monkeypatch, unknown_key_limit=3)
        for key in ("k0", "k1", "k2", "k3"):
            await refused(directory, key)
        for key in ("k3", "k2", "k1"):
            await refused(directory, key)
        assert lookups.keys == ["k0", "k1", "k2", "k3"]
        # k0 was the oldest of four: it is looked up again, and then k1 is the oldest.
        await refused(directory, "k0")
        await refused(directory, "k1")
        assert lookups.keys == ["k0", "k1", "k2", "k3", "k0", "k1"]

    with_store(tmp_path, scenario)


def test_a_clock_that_goes_back_does_not_stretch_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario(store: Store) -> None:
        clock, directory, lookups = await watched(store, monkeypatch)
        await refused(directory, "wrong")
        clock.ms -= 60_000
        await refused(directory, "wrong")
        assert lookups.keys == ["wrong", "wrong"]

    with_store(tmp_path, scenario)

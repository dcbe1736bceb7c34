from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Daemon, init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, str, str]:
    """An initialised data directory: (data_dir, owner token, write key)."""
    data_dir = tmp_path / "data"
    token, write_key = init_workspace(data_dir)
    return data_dir, token, write_key


@pytest.fixture
def daemon(workspace: tuple[Path, str, str]) -> Iterator[Daemon]:
    """A running daemon on a fresh workspace; `daemon.write_key` sends to its source."""
    data_dir, token, write_key = workspace
    running = Daemon(data_dir).start()
    running.write_key = write_key  # type: ignore[attr-defined]
    running.owner_token = token  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.kill()

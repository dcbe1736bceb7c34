"""The Archive destination: gzip-compressed newline-delimited JSON files on local disk.

Files live in ``<directory>/<source slug>/`` and are named by the hour (UTC) the events
were received in and a counter: ``2025-01-31T14-0001.ndjson.gz``. A file is closed for
good when it reaches `max_file_bytes` or its hour ends. Each batch is appended as one
complete gzip member and fsynced before the batch counts as delivered, so a crash can
at worst leave a torn last member in the file being written then; a new run never
appends to a file from an earlier one. Any gzip reader (`zcat`, Python's gzip) reads the
concatenated members as one stream.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field, field_validator

from segd.destinations.base import (
    BatchResult,
    Category,
    Destination,
    DestinationSettings,
    Failure,
    OutboundEvent,
)

_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{4,})\.ndjson\.gz$")


class ArchiveSettings(DestinationSettings):
    directory: str = Field(
        title="Directory",
        description="Absolute path of the directory the files are written to.",
    )
    max_file_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        le=16 * 1024**3,
        title="File size",
        description="A file is closed and a new one started past this many (compressed) bytes.",
    )
    fsync: bool = Field(
        True,
        title="Sync to disk",
        description="fsync each batch before counting it delivered (survives power loss).",
    )
    batch_size: int = Field(1000, ge=1, le=10_000, title="Batch size")
    batch_max_wait_seconds: float = Field(1.0, ge=0.0, le=3600.0, title="Batch wait")

    @field_validator("directory")
    @classmethod
    def _absolute(cls, directory: str) -> str:
        if not Path(directory).is_absolute():
            raise ValueError("directory must be an absolute path")
        return directory


def hour_of(received_at_ms: int) -> str:
    return datetime.fromtimestamp(received_at_ms / 1000, UTC).strftime("%Y-%m-%dT%H")


class Archive(Destination):
    name = "archive"
    display_name = "Archive"
    category = Category.STORAGE
    description = "Keeps every event in gzip NDJSON files, rotated by size and by hour."
    Settings = ArchiveSettings

    def __init__(self, settings: DestinationSettings) -> None:
        super().__init__(settings)
        assert isinstance(settings, ArchiveSettings)
        self.config = settings
        self.root = Path(settings.directory)
        #: (source slug, hour) → the file being written for it in this run.
        self._current: dict[tuple[str, str], Path] = {}

    async def open(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def send_batch(self, events: Sequence[OutboundEvent]) -> BatchResult:
        groups: dict[tuple[str, str], list[bytes]] = {}
        for event in events:
            line = json.dumps(event.body, ensure_ascii=False, separators=(",", ":")) + "\n"
            key = (event.source_slug, hour_of(event.received_at_ms))
            groups.setdefault(key, []).append(line.encode())
        try:
            await asyncio.to_thread(self._write, groups)
        except OSError as exc:
            # A full or read-only disk may recover; the router retries.
            return BatchResult.all_failed(
                len(events), Failure(True, f"cannot write to {self.root}: {exc.strerror or exc}")
            )
        return BatchResult()

    def _write(self, groups: dict[tuple[str, str], list[bytes]]) -> None:
        if len(self._current) > 256:  # past hours: their files are done with
            self._current = {k: v for k, v in self._current.items() if k in groups}
        for key, lines in groups.items():
            path = self._file_for(key)
            member = gzip.compress(b"".join(lines), compresslevel=6)
            with open(path, "ab") as file:
                file.write(member)
                file.flush()
                if self.config.fsync:
                    os.fsync(file.fileno())

    def _file_for(self, key: tuple[str, str]) -> Path:
        """The file to append to: this run's own, until it outgrows `max_file_bytes`."""
        path = self._current.get(key)
        if path is not None and path.stat().st_size < self.config.max_file_bytes:
            return path
        source, hour = key
        folder = self.root / (source or "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        used = [
            int(m.group(2))
            for m in map(_NAME.match, os.listdir(folder))
            if m is not None and m.group(1) == hour
        ]
        path = folder / f"{hour}-{max(used, default=0) + 1:04d}.ndjson.gz"
        self._current[key] = path
        return path

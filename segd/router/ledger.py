"""The ordered record of a worker's batches, which decides how far its cursor may move.

Batches finish out of order (several are in flight at once), but the cursor may only
pass a batch when that batch and every one before it are finished: delivered, parked
for retry or dead-lettered. What finished is handed to the writer as one `Progress`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from segd.store import Progress


@dataclass(slots=True)
class Entry:
    upto_seq: int
    filtered: int
    progress: Progress | None = None


class Ledger:
    def __init__(self) -> None:
        self._entries: deque[Entry] = deque()
        #: Progress not tied to the log's order (retries), or given back after a failed write.
        self._loose = Progress()

    def open(self, upto_seq: int, filtered: int = 0) -> Entry:
        """A batch covering the log up to `upto_seq` is on its way."""
        entry = Entry(upto_seq, filtered)
        self._entries.append(entry)
        return entry

    def skip(self, upto_seq: int, filtered: int) -> None:
        """Events up to `upto_seq` were read and none of them goes to the destination."""
        self.close(self.open(upto_seq, filtered), Progress())

    def close(self, entry: Entry, progress: Progress) -> None:
        progress.filtered += entry.filtered
        entry.progress = progress

    def add(self, progress: Progress) -> None:
        """Progress that does not move the cursor (the outcome of retries)."""
        self._loose.merge(progress)

    def give_back(self, progress: Progress) -> None:
        """A `take` that could not be written: it goes first in the next one."""
        progress.merge(self._loose)
        self._loose = progress

    def take(self) -> Progress:
        """Everything finished so far, the cursor at the end of the finished prefix."""
        taken, self._loose = self._loose, Progress()
        while self._entries and self._entries[0].progress is not None:
            entry = self._entries.popleft()
            assert entry.progress is not None
            taken.merge(entry.progress)
            taken.cursor = entry.upto_seq
        return taken

    @property
    def in_flight(self) -> int:
        return len(self._entries)

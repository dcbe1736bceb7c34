"""Reading a data directory's event log directly, as an auditor would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from segd.api.v1 import event_pb2


def stored_events(data_dir: Path) -> list[event_pb2.Event]:
    with sqlite3.connect(data_dir / "segd.db") as conn:
        rows = conn.execute("SELECT payload FROM events ORDER BY seq").fetchall()
    return [event_pb2.Event.FromString(payload) for (payload,) in rows]


def stored_message_ids(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "segd.db") as conn:
        return [m for (m,) in conn.execute("SELECT message_id FROM events ORDER BY seq")]

"""Segment's own Python library (segment-analytics-python), pointed at segd by host only."""

from __future__ import annotations

from typing import Any

import pytest
from segment.analytics import Client

from tests.support.daemon import Daemon


@pytest.mark.parametrize("gzip", [False, True])
def test_official_sdk_delivers_every_call(daemon: Daemon, gzip: bool) -> None:
    errors: list[Any] = []
    client = Client(
        daemon.write_key,  # type: ignore[attr-defined]
        host=daemon.http_url,
        gzip=gzip,
        on_error=lambda error, batch: errors.append(error),
        upload_interval=0.05,
        max_retries=1,
    )
    sent = [
        client.identify("u1", {"email": "ada@example.com", "plan": "pro"}),
        client.track("u1", "Order Completed", {"revenue": 42.5, "items": [1, 2]}),
        client.page("u1", "Docs", "Install", {"path": "/docs/install"}),
        client.screen("u1", "App", "Settings"),
        client.group("u1", "g1", {"name": "Initech"}),
        client.alias("anon-1", "u1"),
        client.track(anonymous_id="anon-2", event="Viewed", integrations={"All": False}),
    ]
    client.shutdown()
    assert errors == []
    assert all(ok for ok, _ in sent)
    stored = {e["messageId"]: e for e in daemon.stored_events()}
    for _, message in sent:
        event = stored[message["messageId"]]
        assert event["type"] == message["type"]
        assert event["context"]["library"]["name"] == "analytics-python"
        for key in ("userId", "anonymousId", "event", "name", "category", "groupId",
                    "previousId", "traits", "properties", "integrations"):  # fmt: skip
            assert event.get(key) == message.get(key), key
    assert len(stored) == len(sent)


def test_official_sdk_reports_an_unknown_write_key(daemon: Daemon) -> None:
    errors: list[Any] = []
    client = Client(
        "no-such-key",
        host=daemon.http_url,
        sync_mode=True,
        on_error=lambda error, batch: errors.append(error),
    )
    with pytest.raises(Exception, match="unknown write key") as raised:
        client.track("u1", "Order Completed")
    assert getattr(raised.value, "status", None) == 401
    assert daemon.stored_events() == []

"""The built-in plugins on their own: settings, signing, HTTP outcomes, archive files."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic
import pytest

from segd.destinations import http
from segd.destinations.archive import Archive, ArchiveSettings
from segd.destinations.base import BatchResult, OutboundEvent
from segd.destinations.webhook import Webhook, WebhookSettings, sign
from segd.errors import ConfigError
from segd.router import registry
from tests.support.receiver import Receiver

HOUR_MS = 3_600_000
T0 = 1_735_732_800_000  # 2025-01-01T12:00:00Z


def outbound(seq: int, received_at_ms: int = T0, source: str = "web") -> OutboundEvent:
    body = {"type": "track", "event": "E", "messageId": f"m-{seq}", "userId": "u"}
    return OutboundEvent(seq, 1, source, f"m-{seq}", received_at_ms, body)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.close()


def test_registry_lists_the_builtins() -> None:
    assert {"webhook", "archive"} <= set(registry.installed())
    assert registry.plugin("webhook") is Webhook


def test_a_plugin_installed_while_running_is_found_at_the_next_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scans of the entry points are kept for RESCAN_SECONDS (each costs milliseconds on
    the event loop); a plugin installed meanwhile shows once that has passed."""
    monkeypatch.setattr(registry, "_found", None)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "late" not in registry.installed()
    # Installed as pip would leave it: a module and its distribution's entry point.
    (tmp_path / "late_plugin.py").write_text(
        "from segd.destinations.webhook import Webhook\n\nclass Late(Webhook):\n    name = 'late'\n"
    )
    dist = tmp_path / "late_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: late-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[segd.destinations]\nlate = late_plugin:Late\n")
    assert "late" not in registry.installed()  # within the window: the last scan stands
    monkeypatch.setattr(registry, "RESCAN_SECONDS", 0.0)
    assert registry.installed()["late"].name == "late"


def test_unknown_plugin_names_the_installed_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown destination type 'nope'; installed: .*webhook"):
        registry.plugin("nope")


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({}, "urls"),
        ({"urls": []}, "at least 1"),
        ({"urls": [f"http://h{i}.example/" for i in range(6)]}, "at most 5"),
        ({"urls": ["not a url"]}, "URL"),
        ({"urls": ["ftp://x.example/"]}, "URL scheme"),
        ({"urls": ["http://x.example/"], "timeout_seconds": 0}, "greater than 0"),
        (
            {"urls": ["http://x.example/"], "headers": {"X-Signature": "x"}},
            "set by the destination",
        ),
        ({"urls": ["http://x.example/"], "headers": {"Bad Name": "x"}}, "not a valid header name"),
        ({"urls": ["http://x.example/"], "headers": {"X-A": "a\r\nB: c"}}, "on one line"),
        ({"urls": ["http://x.example/"], "surprise": 1}, "Extra inputs"),
        ({"urls": ["http://x.example/"], "batch_size": 0}, "greater than or equal to 1"),
    ],
)
def test_webhook_settings_are_checked(settings: dict[str, Any], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        WebhookSettings.model_validate(settings)


def test_webhook_schema_marks_secrets() -> None:
    schema = Webhook.settings_schema()
    secret = schema["properties"]["shared_secret"]["anyOf"][0]
    assert secret["format"] == "password" and secret["writeOnly"] is True
    assert schema["properties"]["urls"]["maxItems"] == 5
    assert schema["properties"]["batch_size"]["title"] == "Batch size"


def test_signature_is_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"type":"track"}'
    assert sign("s3cret", body) == hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("5", 5.0),
        (" 120 ", 120.0),
        ("999999", 86400.0),
        ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0),
        ("Wed, 01 Jan 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("-3", None),
        ("", None),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert http.parse_retry_after(value, now) == expected


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(408, True), (429, True), (500, True), (503, True), (599, True), (400, False),
     (401, False), (404, False), (413, False), (302, False)],
)  # fmt: skip
def test_status_classes(status: int, retryable: bool) -> None:
    assert http.is_retryable_status(status) is retryable


async def send(settings: dict[str, Any], events: list[OutboundEvent]) -> BatchResult:
    webhook = Webhook(WebhookSettings.model_validate(settings))
    await webhook.open()
    try:
        return await webhook.send_batch(events)
    finally:
        await webhook.close()


def test_webhook_posts_signed_json_with_custom_headers(receiver: Receiver) -> None:
    settings = {"urls": [receiver.url], "shared_secret": "k", "headers": {"Authorization": "B t"}}
    result = asyncio.run(send(settings, [outbound(1), outbound(2)]))
    assert result.failures == {}
    assert sorted(e["messageId"] for e in receiver.events()) == ["m-1", "m-2"]
    request = receiver.accepted[0]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == "B t"
    assert hmac.compare_digest(request.headers["X-Signature"], sign("k", request.body))


def test_webhook_batch_mode_posts_one_array(receiver: Receiver) -> None:
    settings = {"urls": [receiver.url, receiver.url + "?second"], "batch_mode": True}
    result = asyncio.run(send(settings, [outbound(1), outbound(2), outbound(3)]))
    assert result.failures == {}
    assert len(receiver.accepted) == 2
    assert all(len(json.loads(r.body)) == 3 for r in receiver.accepted)


@pytest.mark.parametrize(
    ("behaviour", "retryable", "retry_after", "error"),
    [
        (lambda r: r.fail(500), True, None, "HTTP 500"),
        (lambda r: r.fail(503, "7"), True, 7.0, "HTTP 503"),
        (lambda r: r.fail(429, "2"), True, 2.0, "HTTP 429"),
        (lambda r: r.fail(408), True, None, "HTTP 408"),
        (lambda r: r.fail(400), False, None, "HTTP 400"),
        (lambda r: r.fail(404, "5"), False, None, "HTTP 404"),  # Retry-After only when retryable
        (lambda r: r.refuse(), True, None, "cannot reach"),
        (lambda r: r.hang(5), True, None, "no answer from"),
    ],
)
def test_webhook_failures(
    receiver: Receiver, behaviour: Any, retryable: bool, retry_after: float | None, error: str
) -> None:
    behaviour(receiver)
    settings = {
        "urls": [receiver.url],
        "timeout_seconds": 0.3,
        "shared_secret": "zzz",
        "headers": {"X-Team": "yyy"},
    }
    result = asyncio.run(send(settings, [outbound(1)]))
    failure = result.failures[0]
    assert (failure.retryable, failure.retry_after) == (retryable, retry_after)
    assert error in failure.error
    assert failure.request_sample.startswith(f"POST {receiver.url}")
    assert "zzz" not in failure.request_sample and "X-Signature: ********" in failure.request_sample
    # Custom header values are settings secrets, whatever the header is called.
    assert "yyy" not in failure.request_sample and "X-Team: ********" in failure.request_sample
    if error.startswith("HTTP"):
        assert "failing on purpose" in failure.response_sample


def read_archive(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as file:
        return [json.loads(line) for line in file]


def test_archive_rotates_by_hour_and_size(tmp_path: Path) -> None:
    settings = ArchiveSettings(directory=str(tmp_path / "arch"), max_file_bytes=1024)

    async def write(batches: list[list[OutboundEvent]]) -> None:
        archive = Archive(settings)
        await archive.open()
        for batch in batches:
            assert (await archive.send_batch(batch)).failures == {}
        await archive.close()

    asyncio.run(write([[outbound(1), outbound(2, T0 + HOUR_MS)], [outbound(3, source="app")]]))
    files = sorted(
        p.relative_to(tmp_path / "arch").as_posix() for p in (tmp_path / "arch").rglob("*")
    )
    assert files == [
        "app", "app/2025-01-01T12-0001.ndjson.gz",
        "web", "web/2025-01-01T12-0001.ndjson.gz", "web/2025-01-01T13-0001.ndjson.gz",
    ]  # fmt: skip
    # A new run starts new files; big batches roll over past max_file_bytes.
    big = [[outbound(100 + i)] for i in range(60)]
    asyncio.run(write(big))
    noon = sorted((tmp_path / "arch" / "web").glob("2025-01-01T12-*"))
    assert len(noon) > 2
    seqs = [e["messageId"] for path in noon for e in read_archive(path)]
    assert seqs == ["m-1"] + [f"m-{100 + i}" for i in range(60)]


def test_archive_reports_a_write_failure_as_retryable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    archive = Archive(ArchiveSettings(directory=str(blocker)))
    result = asyncio.run(archive.send_batch([outbound(1)]))
    assert result.failures[0].retryable and "cannot write" in result.failures[0].error


def test_archive_needs_an_absolute_directory() -> None:
    with pytest.raises(pydantic.ValidationError, match="absolute path"):
        ArchiveSettings(directory="relative/dir")

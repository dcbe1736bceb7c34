"""The HTTP Tracking API against a real daemon, with plain HTTP requests."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from segd.api.v1 import collector_pb2
from tests.support.daemon import Daemon, init_workspace, segd_command, track
from tests.support.http import Reply, basic_auth, request


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for the module's tests: each test uses its own messageIds."""
    data_dir = tmp_path_factory.mktemp("http") / "data"
    _, write_key = init_workspace(data_dir)
    running = Daemon(data_dir).start()
    running.write_key = write_key  # type: ignore[attr-defined]
    try:
        yield running
    finally:
        running.kill()


def post(daemon: Daemon, path: str, body: Any, **headers: str) -> Reply:
    auth = basic_auth(daemon.write_key)  # type: ignore[attr-defined]
    return request(f"{daemon.http_url}{path}", body, {**auth, **headers})


def stored(daemon: Daemon, *message_ids: str) -> dict[str, dict[str, Any]]:
    wanted = set(message_ids)
    return {e["messageId"]: e for e in daemon.stored_events() if e["messageId"] in wanted}


def mid() -> str:
    return f"m-{uuid.uuid4()}"


CALLS = {
    "identify": {"userId": "u1", "traits": {"email": "a@example.com"}},
    "track": {"userId": "u1", "event": "Order Completed", "properties": {"revenue": 9.5}},
    "page": {"anonymousId": "a1", "name": "Home", "properties": {"path": "/"}},
    "screen": {"userId": "u1", "name": "Settings"},
    "group": {"userId": "u1", "groupId": "g1", "traits": {"name": "Initech"}},
    "alias": {"userId": "u1", "previousId": "a1"},
}
PATHS = [(name, name) for name in CALLS] + [(name[0], name) for name in CALLS]


def test_every_path_stores_its_call(daemon: Daemon) -> None:
    sent: dict[str, str] = {}
    for path, call in PATHS:
        message_id = mid()
        reply = post(daemon, f"/v1/{path}", {**CALLS[call], "messageId": message_id})
        assert (reply.status, reply.json) == (200, {"success": True}), path
        sent[message_id] = call
    events = stored(daemon, *sent)
    assert {m: e["type"] for m, e in events.items()} == sent
    for b in ("batch", "b", "import"):
        message_id = mid()
        body = {"batch": [{**CALLS["track"], "type": "track", "messageId": message_id}]}
        assert post(daemon, f"/v1/{b}", body).status == 200, b
        assert stored(daemon, message_id)[message_id]["event"] == "Order Completed"


def test_the_browser_metrics_path_is_accepted_and_ignored(daemon: Daemon) -> None:
    before = len(daemon.stored_events())
    reply = request(f"{daemon.http_url}/v1/m", {"series": [{"type": "Counter", "value": 1}]})
    assert (reply.status, reply.json) == (200, {"success": True})
    assert len(daemon.stored_events()) == before


def test_write_key_in_the_body(daemon: Daemon) -> None:
    message_id = mid()
    body = {**CALLS["track"], "messageId": message_id, "writeKey": daemon.write_key}  # type: ignore[attr-defined]
    reply = request(f"{daemon.http_url}/v1/track", body)
    assert reply.status == 200
    assert message_id in stored(daemon, message_id)


def test_batch_merges_context_and_integrations_and_corrects_the_clock(daemon: Daemon) -> None:
    ids = [mid(), mid()]
    client_clock = datetime.now(UTC) - timedelta(hours=1)  # an hour slow
    body = {
        "batch": [
            {"type": "track", "userId": "u", "event": "A", "messageId": ids[0],
             "context": {"ip": "10.0.0.9", "library": {"version": "2"}},
             "timestamp": (client_clock - timedelta(seconds=30)).isoformat()},
            {"type": "identify", "userId": "u", "messageId": ids[1],
             "integrations": {"Mixpanel": True}},
        ],
        "context": {"ip": "10.0.0.1", "library": {"name": "lib", "version": "1"}},
        "integrations": {"All": False},
        "sentAt": client_clock.isoformat(),
    }  # fmt: skip
    assert post(daemon, "/v1/batch", body).status == 200
    events = stored(daemon, *ids)
    first, second = events[ids[0]], events[ids[1]]
    assert first["context"] == {"ip": "10.0.0.9", "library": {"name": "lib", "version": "2"}}
    assert first["integrations"] == {"All": False}
    assert second["context"] == {"ip": "10.0.0.1", "library": {"name": "lib", "version": "1"}}
    assert second["integrations"] == {"All": False, "Mixpanel": True}
    # timestamp = receivedAt - (sentAt - originalTimestamp): 30 s before it arrived.
    received = datetime.fromisoformat(first["receivedAt"])
    assert datetime.fromisoformat(first["timestamp"]) == received - timedelta(seconds=30)


def test_bad_events_in_a_batch_do_not_fail_the_others(daemon: Daemon) -> None:
    good, no_identity, not_an_object = mid(), mid(), mid()
    body = {
        "batch": [
            {"type": "track", "userId": "u", "event": "Fine", "messageId": good},
            {"type": "track", "event": "Who?", "messageId": no_identity},
            {"type": "identify", "userId": "u", "traits": [1, 2], "messageId": not_an_object},
        ]
    }
    reply = post(daemon, "/v1/batch", body)
    assert (reply.status, reply.json) == (200, {"success": True})
    assert set(stored(daemon, good, no_identity, not_an_object)) == {good}
    entry = daemon.wait_for_log("collector.event_rejected")
    rejections = {
        e["message_id"]: e["reason"]
        for e in daemon.logs
        if e.get("event") == "collector.event_rejected"
    }
    assert entry["source"] == "test_source"
    assert rejections[no_identity] == "missing_identity"
    assert rejections[not_an_object] == "not_an_object"


def test_a_rejected_single_call_is_a_400_with_its_reason(daemon: Daemon) -> None:
    reply = post(daemon, "/v1/track", {"userId": "u1"})
    assert reply.status == 400
    assert reply.json["code"] == "missing_event"
    assert "event name" in reply.json["message"]


def test_gzip_body(daemon: Daemon) -> None:
    message_id = mid()
    body = json.dumps({"batch": [{**CALLS["page"], "type": "page", "messageId": message_id}]})
    reply = post(daemon, "/v1/batch", gzip.compress(body.encode()), **{"Content-Encoding": "gzip"})
    assert reply.status == 200
    assert stored(daemon, message_id)[message_id]["name"] == "Home"


def test_same_message_id_through_both_doors_is_stored_once(daemon: Daemon) -> None:
    message_id = mid()
    with daemon.channel() as channel:
        reply = daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,  # type: ignore[attr-defined]
                events=[track(message_id=message_id)],
            )
        )
    assert list(reply.outcomes) == [collector_pb2.OUTCOME_ACCEPTED]
    assert post(daemon, "/v1/track", {**CALLS["track"], "messageId": message_id}).status == 200
    assert [e["messageId"] for e in daemon.stored_events()].count(message_id) == 1


def test_cors(daemon: Daemon) -> None:
    origin = "https://shop.example"
    preflight = request(
        f"{daemon.http_url}/v1/t",
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type"
    # The browser library posts text/plain to avoid preflights; that is fine too.
    reply = post(
        daemon, "/v1/t", {**CALLS["track"]}, Origin=origin, **{"Content-Type": "text/plain"}
    )
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == origin


BIG = "x" * 600_000


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code", "words"),
    [
        ("/v1/batch", b"{not json", {}, 400, "invalid_request", "not valid JSON"),
        ("/v1/track", b"[]", {}, 400, "invalid_request", "JSON object"),
        ("/v1/batch", {"batch": "nope"}, {}, 400, "invalid_request", "batch must be"),
        ("/v1/batch", {"batch": [], "pad": BIG}, {}, 400, "request_too_large", "limit"),
        ("/v1/track", {**CALLS["track"], "pad": "x" * 40_000}, {}, 400, "request_too_large", ""),
        ("/v1/batch", gzip.compress(bytes(50_000_000)), {"Content-Encoding": "gzip"},
         400, "request_too_large", "decompressed"),
        ("/v1/batch", b"\x1f\x8b garbage", {"Content-Encoding": "gzip"},
         400, "invalid_request", "gzip"),
        ("/v1/batch", b"{}", {"Content-Encoding": "br"}, 400, "invalid_request", "gzip"),
        ("/v1/nope", {}, {}, 404, "not_found", "/v1/nope"),
        ("/v1/batch", {"batch": [{}] * 2501}, {}, 400, "invalid_request", "2500"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_json_error(
    daemon: Daemon,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str,
    words: str,
) -> None:
    reply = post(daemon, path, body, **headers)
    assert reply.status == status
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json["code"] == code
    assert words in reply.json["message"]
    assert reply.json["success"] is False


@pytest.mark.parametrize(
    ("headers", "body", "words"),
    [
        (basic_auth("no-such-key"), CALLS["track"], "unknown write key"),
        ({}, {**CALLS["track"], "writeKey": "no-such-key"}, "unknown write key"),
        ({}, CALLS["track"], "no write key"),
        ({"Authorization": "Basic %%%"}, CALLS["track"], "Basic credentials"),
    ],
)
def test_unknown_or_missing_write_key(
    daemon: Daemon, headers: dict[str, str], body: dict[str, Any], words: str
) -> None:
    reply = request(f"{daemon.http_url}/v1/track", body, headers)
    assert reply.status == (400 if "Basic" in words else 401)
    assert words in reply.json["message"]


def _write_config(data_dir: Path, text: str) -> Path:
    path = data_dir.parent / "segd.toml"
    path.write_text(text)
    return path


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _, write_key = init_workspace(data_dir)
    config = _write_config(data_dir, "[http]\nrate_limit_per_second = 0.5\nrate_limit_burst = 2\n")
    running = Daemon(data_dir, config=config).start()
    try:
        url = f"{running.http_url}/v1/track"
        replies = [request(url, CALLS["track"], basic_auth(write_key)) for _ in range(3)]
        assert [r.status for r in replies] == [200, 200, 429]
        assert replies[2].json["code"] == "rate_limited"
        assert replies[2].headers["Retry-After"] == "2"
        # Another write key has its own bucket (and an unknown one is still a 401).
        assert request(url, CALLS["track"], basic_auth("other")).status == 401
    finally:
        running.kill()


def test_disabled_source_is_403_and_low_disk_is_503(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _, write_key = init_workspace(data_dir)
    out = segd_command("source", "add", "Old Site", data_dir=data_dir)
    disabled_key = out.split("Write key:")[1].strip()
    with contextlib.closing(sqlite3.connect(data_dir / "segd.db")) as db, db:
        db.execute("UPDATE sources SET enabled = 0 WHERE write_key = ?", (disabled_key,))
    # More free space than any disk has: every write is refused as "low on disk".
    config = _write_config(data_dir, "[storage]\nmin_free_bytes = 1000000000000000000\n")
    running = Daemon(data_dir, config=config).start()
    try:
        url = f"{running.http_url}/v1/track"
        reply = request(url, CALLS["track"], basic_auth(disabled_key))
        assert (reply.status, reply.json["code"]) == (403, "permission_denied")
        reply = request(url, CALLS["track"], basic_auth(write_key))
        assert (reply.status, reply.json["code"]) == (503, "unavailable")
        assert reply.headers["Retry-After"] == "1"
    finally:
        running.kill()


def test_an_overloaded_writer_answers_429(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _, write_key = init_workspace(data_dir)
    config = _write_config(data_dir, "[storage]\nmax_pending_events = 5\n")
    running = Daemon(data_dir, config=config).start()
    try:
        calls = [{**CALLS["track"], "type": "track"} for _ in range(6)]
        reply = request(f"{running.http_url}/v1/batch", {"batch": calls}, basic_auth(write_key))
        assert (reply.status, reply.json["code"]) == (429, "overloaded")
        assert reply.headers["Retry-After"] == "1"
        assert running.stored_events() == []
    finally:
        running.kill()


def test_http_can_be_turned_off(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init_workspace(data_dir)
    config = _write_config(data_dir, "[http]\nenabled = false\n")
    running = Daemon(data_dir, config=config).start()
    try:
        assert running.http_address == ""
        assert running.wait_for_log("segd.listening")["http"] is None
    finally:
        running.kill()


def test_shutdown_answers_503_then_exits_zero(workspace: tuple[Path, str, str]) -> None:
    data_dir, _, write_key = workspace
    running = Daemon(data_dir).start()
    try:
        host, port = running.http_address.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {**basic_auth(write_key), "Content-Type": "application/json"}

        def send() -> tuple[int, dict[str, str], Any]:
            connection.request("POST", "/v1/track", json.dumps(CALLS["track"]), headers)
            response = connection.getresponse()
            return response.status, dict(response.headers), json.loads(response.read())

        assert send()[0] == 200
        assert running.proc is not None
        running.proc.send_signal(signal.SIGTERM)
        running.wait_for_log("segd.stopping")
        status, reply_headers, body = send()  # on the kept-alive connection
        assert (status, body["code"]) == (503, "unavailable")
        assert reply_headers["Retry-After"] == "1"
        assert running.proc.wait(30) == 0
        connection.close()
    finally:
        running.kill()

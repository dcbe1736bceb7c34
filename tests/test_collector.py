"""The Collector service against a real daemon: round trips, per-event answers, bad input."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import event_pb2 as E
from segd.workspace import UNKNOWN_KEY_SECONDS
from tests.support.daemon import Daemon, segd_command, track
from tests.support.logdb import stored_events, stored_message_ids

ACCEPTED, DUPLICATE, REJECTED = C.OUTCOME_ACCEPTED, C.OUTCOME_DUPLICATE, C.OUTCOME_REJECTED


def send_batch(
    daemon: Daemon, events: list[E.Event], write_key: str | None = None
) -> C.SendBatchResponse:
    key = daemon.write_key if write_key is None else write_key  # type: ignore[attr-defined]
    with daemon.channel() as channel:
        return daemon.collector(channel).SendBatch(
            C.SendBatchRequest(write_key=key, events=events), timeout=10
        )


def call_error(fn: object, *args: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        fn(*args, timeout=10)  # type: ignore[operator]
    return caught.value


def assert_clean(error: grpc.RpcError) -> None:
    """No internals in what a client sees."""
    details = error.details() or ""
    for leak in ("Traceback", "Error:", "segd.", ".py", "Exception"):
        assert leak not in details, details


NESTED = {"a": {"b": [1, 2.5, "three", True, None, {"c": []}]}, "n": 12345678901234567, "f": 0.1}


def all_six() -> list[E.Event]:
    sent = Timestamp(seconds=1_700_000_100)
    original = Timestamp(seconds=1_700_000_090, nanos=500_000_000)
    common = {"context": json.dumps({"library": {"name": "t"}, "ip": "1.2.3.4"}),
              "integrations": json.dumps({"All": True, "Webhook": False}),
              "sent_at": sent, "original_timestamp": original, "version": 2}  # fmt: skip
    return [
        E.Event(type=E.EVENT_TYPE_IDENTIFY, user_id="u1", traits=json.dumps(NESTED), **common),
        E.Event(
            type=E.EVENT_TYPE_TRACK,
            user_id="u1",
            event="Order Completed",
            properties=json.dumps(NESTED),
            **common,
        ),
        E.Event(
            type=E.EVENT_TYPE_PAGE,
            anonymous_id="a1",
            name="Home",
            category="Docs",
            properties=json.dumps({"url": "https://x.test/"}),
            **common,
        ),
        E.Event(type=E.EVENT_TYPE_SCREEN, user_id="u1", name="Settings", **common),
        E.Event(
            type=E.EVENT_TYPE_GROUP,
            user_id="u1",
            group_id="g1",
            traits=json.dumps({"plan": "pro"}),
            **common,
        ),
        E.Event(type=E.EVENT_TYPE_ALIAS, user_id="u1", previous_id="a1", **common),
    ]


def test_all_six_calls_round_trip(daemon: Daemon) -> None:
    sent = all_six()
    before = time.time()
    reply = send_batch(daemon, sent)
    assert list(reply.outcomes) == [ACCEPTED] * 6
    stored = stored_events(daemon.data_dir)
    assert [e.message_id for e in stored] == list(reply.message_ids)
    for original, event in zip(sent, stored, strict=True):
        for field in ("type", "user_id", "anonymous_id", "event", "name", "category",
                      "group_id", "previous_id", "version"):  # fmt: skip
            assert getattr(event, field) == getattr(original, field), field
        for part in ("context", "integrations", "properties", "traits"):
            assert json.loads(getattr(event, part) or "null") == json.loads(
                getattr(original, part) or "null"
            )
        assert event.original_timestamp == original.original_timestamp
        assert before - 1 <= event.received_at.seconds <= time.time() + 1
        # Corrected for the client's clock: received - (sent - original) = received - 9.5 s.
        skew = event.received_at.ToNanoseconds() - event.timestamp.ToNanoseconds()
        assert skew == 9_500_000_000
    assert json.loads(stored[1].properties)["n"] == 12345678901234567


def test_mixed_batch_answers_per_event(daemon: Daemon) -> None:
    events = [track(), E.Event(type=E.EVENT_TYPE_TRACK, user_id="u"), track(message_id="m" * 101),
              E.Event(type=E.EVENT_TYPE_PAGE, anonymous_id="a", properties="{nope"), track()]  # fmt: skip
    reply = send_batch(daemon, events)
    assert list(reply.outcomes) == [ACCEPTED, REJECTED, REJECTED, REJECTED, ACCEPTED]
    assert [(r.index, r.reason) for r in reply.rejections] == [
        (1, "missing_event"),
        (2, "message_id_too_long"),
        (3, "invalid_json"),
    ]
    assert all(r.message for r in reply.rejections)
    assert reply.message_ids[1] == "" and reply.message_ids[0] and reply.message_ids[4]
    assert len(stored_message_ids(daemon.data_dir)) == 2


def test_duplicates_are_stored_once_and_reported(daemon: Daemon) -> None:
    first = send_batch(daemon, [track(message_id="dup-1"), track(message_id="dup-1")])
    assert list(first.outcomes) == [ACCEPTED, DUPLICATE]
    again = send_batch(daemon, [track(message_id="dup-1"), track(message_id="new-1")])
    assert list(again.outcomes) == [DUPLICATE, ACCEPTED]
    daemon.restart()
    after_restart = send_batch(daemon, [track(message_id="dup-1"), track(message_id="new-1")])
    assert list(after_restart.outcomes) == [DUPLICATE, DUPLICATE]
    assert sorted(stored_message_ids(daemon.data_dir)) == ["dup-1", "new-1"]


def test_same_message_id_in_two_sources_is_not_a_duplicate(daemon: Daemon) -> None:
    line = segd_command("source", "add", "Second", data_dir=daemon.data_dir)
    other_key = line.split("Write key:")[1].strip()
    assert list(send_batch(daemon, [track(message_id="same")]).outcomes) == [ACCEPTED]
    assert list(send_batch(daemon, [track(message_id="same")], other_key).outcomes) == [ACCEPTED]


def sqlite3_exec(daemon: Daemon, sql: str) -> None:
    with sqlite3.connect(daemon.data_dir / "segd.db") as conn:
        conn.execute(sql)


def test_single_send(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        stub = daemon.collector(channel)
        reply = stub.Send(C.SendRequest(write_key=daemon.write_key, event=track(message_id="s1")))  # type: ignore[attr-defined]
        assert (reply.outcome, reply.message_id) == (ACCEPTED, "s1")
        reply = stub.Send(C.SendRequest(write_key=daemon.write_key, event=track(message_id="s1")))  # type: ignore[attr-defined]
        assert reply.outcome == DUPLICATE
        error = call_error(
            stub.Send,
            C.SendRequest(write_key=daemon.write_key, event=E.Event(type=E.EVENT_TYPE_TRACK)),
        )  # type: ignore[attr-defined]
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "missing_identity" in (error.details() or "")
        assert_clean(error)


def raw_call(daemon: Daemon, method: str, payload: bytes) -> grpc.RpcError:
    with daemon.channel() as channel:
        call = channel.unary_unary(f"/segd.api.v1.Collector/{method}")
        return call_error(call, payload)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xff\xff\xff\xff\xff", grpc.StatusCode.INVALID_ARGUMENT),  # garbage
        (C.SendBatchRequest(write_key="k", events=[track()]).SerializeToString()[:-3],
         grpc.StatusCode.INVALID_ARGUMENT),  # truncated
        (b"\x0a\x02\xc3\x28", grpc.StatusCode.INVALID_ARGUMENT),  # write_key not UTF-8
        (b"\x12" + b"\xff" * 12_000_000, grpc.StatusCode.RESOURCE_EXHAUSTED),  # far too large
    ],
    # Short ids: pytest puts the id in PYTEST_CURRENT_TEST, which the daemon inherits,
    # and a 12 MB one is past what exec accepts (pytest 8 does not shorten it).
    ids=["garbage", "truncated", "not-utf8", "too-large"],
)  # fmt: skip
def test_malformed_requests(daemon: Daemon, payload: bytes, code: grpc.StatusCode) -> None:
    for method in ("SendBatch", "Send"):
        error = raw_call(daemon, method, payload)
        assert error.code() == code, (method, error.details())
        assert_clean(error)


def test_batch_limits(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        stub = daemon.collector(channel)
        too_many = C.SendBatchRequest(write_key=daemon.write_key, events=[track()] * 2501)  # type: ignore[attr-defined]
        error = call_error(stub.SendBatch, too_many)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "2501" in (error.details() or "")
        # Just over 500 KB of events: refused whole, nothing stored.
        big = [track(properties=json.dumps({"s": "x" * 20_000})) for _ in range(26)]
        error = call_error(
            stub.SendBatch, C.SendBatchRequest(write_key=daemon.write_key, events=big)
        )  # type: ignore[attr-defined]
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert_clean(error)
        # 2,500 small events are fine.
        ok = stub.SendBatch(C.SendBatchRequest(write_key=daemon.write_key, events=[track()] * 2500))  # type: ignore[attr-defined]
        assert list(ok.outcomes) == [ACCEPTED] * 2500
    assert len(stored_message_ids(daemon.data_dir)) == 2500


def test_unknown_and_disabled_write_keys(daemon: Daemon) -> None:
    for key in ("", "not-a-key"):
        with daemon.channel() as channel:
            error = call_error(daemon.collector(channel).SendBatch,
                               C.SendBatchRequest(write_key=key, events=[track()]))  # fmt: skip
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        assert_clean(error)
    sqlite3_exec(daemon, "UPDATE sources SET enabled = 0")
    deadline = time.monotonic() + 10
    while True:
        with daemon.channel() as channel:
            try:
                daemon.collector(channel).SendBatch(
                    C.SendBatchRequest(write_key=daemon.write_key, events=[track()]),
                    timeout=10,  # type: ignore[attr-defined]
                )
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.PERMISSION_DENIED
                assert "disabled" in (error.details() or "")
                break
        assert time.monotonic() < deadline, "the disabled source still accepts events"
        time.sleep(0.2)


def test_a_key_refused_before_another_process_made_it_works_soon(daemon: Daemon) -> None:
    key = "made-after-it-was-tried"
    for _ in range(3):
        with pytest.raises(grpc.RpcError) as refused:
            send_batch(daemon, [track()], key)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # What `segd source add` writes, with a key chosen here so that it can be tried first.
    with sqlite3.connect(daemon.data_dir / "segd.db") as conn:
        conn.execute(
            "INSERT INTO sources (name, slug, write_key, created_at) VALUES (?, ?, ?, ?)",
            ("Later", "later", key, int(time.time() * 1000)),
        )
    created = time.monotonic()
    while True:
        try:
            reply = send_batch(daemon, [track()], key)
            break
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        # The daemon remembers an unknown key for UNKNOWN_KEY_SECONDS; a second for the call.
        assert time.monotonic() - created < UNKNOWN_KEY_SECONDS + 1, "the new key is refused"
        time.sleep(0.05)
    assert list(reply.outcomes) == [ACCEPTED]


def test_restart_keeps_everything(daemon: Daemon) -> None:
    ids = list(send_batch(daemon, [track() for _ in range(50)]).message_ids)
    assert daemon.stop() == 0
    wal = Path(daemon.data_dir) / "segd.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was not checkpointed on exit"
    daemon.start()
    ids += list(send_batch(daemon, [track() for _ in range(50)]).message_ids)
    assert stored_message_ids(daemon.data_dir) == ids


def test_too_much_pending_work_is_resource_exhausted(
    workspace: tuple[Path, str, str], tmp_path: Path
) -> None:
    config = tmp_path / "segd.toml"
    config.write_text("[storage]\nmax_pending_events = 100\n")
    daemon = Daemon(workspace[0], config=config).start()
    try:
        with daemon.channel() as channel:
            stub = daemon.collector(channel)
            error = call_error(
                stub.SendBatch, C.SendBatchRequest(write_key=workspace[2], events=[track()] * 101)
            )
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert_clean(error)
            ok = stub.SendBatch(C.SendBatchRequest(write_key=workspace[2], events=[track()] * 100))
            assert list(ok.outcomes) == [ACCEPTED] * 100
    finally:
        daemon.kill()

from __future__ import annotations

from segd.api.v1 import collector_pb2
from tests.support.daemon import Daemon, track


def test_batch_round_trip(daemon: Daemon) -> None:
    with daemon.channel() as channel:
        reply = daemon.collector(channel).SendBatch(
            collector_pb2.SendBatchRequest(
                write_key=daemon.write_key,
                events=[track(), track(message_id="m-1")],  # type: ignore[attr-defined]
            )
        )
    assert list(reply.outcomes) == [collector_pb2.OUTCOME_ACCEPTED] * 2
    assert reply.message_ids[1] == "m-1"

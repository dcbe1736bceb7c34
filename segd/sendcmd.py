"""`segd send`: one event over gRPC, to try a daemon out from the shell."""

from __future__ import annotations

import argparse
import sys

import grpc

from segd.api.v1 import collector_pb2, collector_pb2_grpc, event_pb2
from segd.client._transport import credentials


def _channel(args: argparse.Namespace) -> grpc.Channel:
    """Plaintext, or TLS when asked for (--tls) or implied (--ca, --cert and --key)."""
    if args.tls or args.ca or args.cert or args.key:
        return grpc.secure_channel(args.addr, credentials(args.ca, args.cert, args.key))
    return grpc.insecure_channel(args.addr)


def send_one(args: argparse.Namespace) -> int:
    kind = getattr(event_pb2, f"EVENT_TYPE_{args.type.upper()}")
    event = event_pb2.Event(
        type=kind,
        user_id=args.user_id,
        anonymous_id=args.anonymous_id,
        properties=args.properties,
        traits=args.traits,
        group_id=args.group_id,
        previous_id=args.previous_id,
    )
    if args.type == "track":
        event.event = args.name
    else:
        event.name = args.name
    event.original_timestamp.GetCurrentTime()
    event.sent_at.CopyFrom(event.original_timestamp)
    try:
        channel = _channel(args)
    except (OSError, ValueError) as exc:
        print(f"segd send: {exc}", file=sys.stderr)
        return 2
    with channel:
        stub = collector_pb2_grpc.CollectorStub(channel)
        try:
            reply = stub.Send(
                collector_pb2.SendRequest(write_key=args.write_key, event=event), timeout=10
            )
        except grpc.RpcError as exc:
            print(f"segd send: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    outcome = collector_pb2.Outcome.Name(reply.outcome).removeprefix("OUTCOME_").lower()
    print(f"{outcome}: messageId {reply.message_id}")
    return 0

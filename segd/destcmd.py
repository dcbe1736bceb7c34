"""`segd destination ...`: manage destinations from the shell, through the same core
functions as the Admin API (segd.destinations_core)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from segd import destinations_core as core
from segd.errors import InvalidRequest
from segd.router.filters import KINDS, FilterError, FilterSpec, compile_filter
from segd.store import Store


def add_commands(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the `destination` command and its subcommands to the CLI's parser."""
    destination = commands.add_parser("destination", help="manage destinations")
    sub = destination.add_subparsers(dest="destination_command", required=True)

    def command(name: str, help_text: str, named: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
        common(parser)
        if named:
            parser.add_argument("name", help="the destination's name")
        return parser

    command("types", "list the installed destination types", named=False)
    add = command("add", "create a destination")
    add.add_argument("--type", required=True, dest="type_name", help="plugin, such as webhook")
    add.add_argument("--source", action="append", required=True, help="source slug (repeatable)")
    add.add_argument("--settings", default="{}", help="settings as a JSON object")
    add.add_argument("--disabled", action="store_true", help="create it disabled")
    command("list", "list destinations", named=False)
    command("enable", "enable a destination (it starts from new events)")
    command("disable", "disable a destination")
    update = command("update", "change a destination's settings or sources")
    update.add_argument("--settings", help="JSON object merged over the current settings")
    update.add_argument("--source", action="append", help="replace the sources (repeatable)")
    command("remove", "delete a destination, its filters, retries and dead letters")
    command("status", "delivery counts, latency and the last errors")
    dead = command("dead-letters", "list dead letters not yet replayed")
    dead.add_argument("--limit", type=int, default=20)
    replay = command("replay", "send dead letters again (all, or those given)")
    replay.add_argument("--id", type=int, action="append", dest="ids", help="dead letter id")
    add_filter = command("filter-add", "add a destination filter")
    add_filter.add_argument("--kind", required=True, choices=KINDS)
    add_filter.add_argument("--if", dest="condition", default="", help="FQL condition")
    add_filter.add_argument("--fields", default="", help="comma-separated dotted paths")
    add_filter.add_argument("--percent", type=float, help="sample: the share kept, 0..1")
    add_filter.add_argument("--path", default="messageId", help="sample: the field hashed")
    add_filter.add_argument("--title", default="")
    command("filter-list", "list a destination's filters")
    remove_filter = command("filter-remove", "delete a destination filter")
    remove_filter.add_argument("filter_id", type=int)


def _json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(f"--settings is not valid JSON: {exc}") from exc


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


async def run(args: argparse.Namespace, store: Store) -> int:
    name = getattr(args, "name", "")
    match args.destination_command:
        case "types":
            for plugin in core.catalog():
                print(
                    f"{plugin.name}\t{plugin.display_name}\t{plugin.category}\t{plugin.description}"
                )
        case "add":
            info = await core.create_destination(
                store,
                name,
                args.type_name,
                args.source,
                _json_object(args.settings),
                enabled=not args.disabled,
            )
            sources = ", ".join(info.source_slugs)
            print(f"Destination {info.name!r} ({info.type}) created for {sources}.")
        case "list":
            for info in await core.list_destinations(store):
                state = "enabled" if info.enabled else "disabled"
                sources = ",".join(info.source_slugs) or "-"
                print(f"{info.name}\t{info.type}\t{state}\t{sources}\t{json.dumps(info.settings)}")
        case "enable" | "disable":
            info = await core.set_enabled(store, name, args.destination_command == "enable")
            print(f"Destination {info.name!r} {args.destination_command}d.")
        case "update":
            settings = None if args.settings is None else _json_object(args.settings)
            await core.update_destination(store, name, settings, args.source)
            print(f"Destination {name!r} updated.")
        case "remove":
            await core.delete_destination(store, name)
            print(f"Destination {name!r} deleted.")
        case "status":
            _print_status(await core.delivery_status(store, name))
        case "dead-letters":
            for dead in await core.list_dead_letters(store, name, args.limit):
                print(f"{dead.id}\t{_when(dead.failed_at_ms)}\t{dead.message_id}\t{dead.error}")
        case "replay":
            count = await core.replay_dead_letters(store, name, args.ids)
            print(f"{count} dead letters queued for delivery.")
        case "filter-add":
            fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
            spec = FilterSpec(
                args.kind, args.condition, fields, args.percent, args.path, args.title
            )
            try:
                compile_filter(spec)
            except FilterError as exc:
                print(f"segd: {exc}", file=sys.stderr)
                if exc.position is not None:
                    print(f"  {args.condition}\n  {' ' * exc.position}^", file=sys.stderr)
                return 1
            row = await core.add_filter(store, name, spec)
            print(f"Filter {row.id} added to {name!r}.")
        case "filter-list":
            for f in await core.list_filters(store, name):
                extra = (
                    f"percent={f.percent} path={f.path}"
                    if f.kind == "sample"
                    else ",".join(f.fields)
                )
                print(f"{f.id}\t{f.kind}\t{f.condition or 'all'}\t{extra}\t{f.title}")
        case "filter-remove":
            await core.remove_filter(store, name, args.filter_id)
            print(f"Filter {args.filter_id} removed from {name!r}.")
    return 0


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _print_status(status: core.DeliveryStatus) -> None:
    c = status.counts
    print(f"destination: {status.destination}")
    print(
        f"delivered: {c.delivered}  filtered: {c.filtered}  retrying: {c.retrying}  dead: {c.dead}"
    )
    print(
        f"latency (last hour): p50 {_ms(status.latency_p50_ms)}  p95 {_ms(status.latency_p95_ms)}"
    )
    print(f"cursor: {c.cursor}")
    for error in status.last_errors:
        kind = "retryable" if error.retryable else "permanent"
        print(f"- {_when(error.at_ms)} {kind}: {error.error} (messageId {error.message_id})")
        for label, text in (("request", error.request_sample), ("response", error.response_sample)):
            if text:
                print(f"    {label}: " + text.replace("\n", "\n    "))

"""`segd destination ...`: manage destinations from the shell, through the same core
functions as the Admin API (segd.destinations_core)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segd import destinations_core as core
from segd.errors import InvalidFields, InvalidRequest
from segd.router.filters import KINDS, FilterSpec
from segd.store import Store

if TYPE_CHECKING:
    from segd.warehouse import SyncStatus


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
    update = command("update", "change a destination's name, settings or sources")
    update.add_argument("--name", dest="new_name", help="rename it")
    update.add_argument("--settings", help="JSON object merged over the current settings")
    update.add_argument("--source", action="append", help="replace the sources (repeatable)")
    connect = command("connect", "connect sources to a destination")
    connect.add_argument("--source", action="append", required=True, help="slug (repeatable)")
    disconnect = command("disconnect", "disconnect sources from a destination")
    disconnect.add_argument("--source", action="append", required=True, help="slug (repeatable)")
    command("remove", "delete a destination, its filters, retries and dead letters")
    command("status", "delivery counts, latency and the last errors")
    command("warehouse-status", "a warehouse's last sync, rows per table, discards, last error")
    dead = command("dead-letters", "list dead letters not yet replayed")
    dead.add_argument("--limit", type=int, default=20)
    replay = command("replay", "send dead letters again (all, or those given)")
    replay.add_argument("--id", type=int, action="append", dest="ids", help="dead letter id")
    add_filter = command("filter-add", "add a destination filter")
    _filter_arguments(add_filter)
    update_filter = command("filter-update", "replace what a destination filter does")
    update_filter.add_argument("filter_id", type=int)
    _filter_arguments(update_filter)
    command("filter-list", "list a destination's filters")
    remove_filter = command("filter-remove", "delete a destination filter")
    remove_filter.add_argument("filter_id", type=int)


def _filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", required=True, choices=KINDS)
    parser.add_argument("--if", dest="condition", default="", help="FQL condition")
    parser.add_argument("--fields", default="", help="comma-separated dotted paths")
    parser.add_argument("--percent", type=float, help="sample: the share kept, 0..1")
    parser.add_argument("--path", default="messageId", help="sample: the field hashed")
    parser.add_argument("--title", default="")
    parser.add_argument("--disabled", action="store_true", help="save it without applying it")


def _filter_spec(args: argparse.Namespace) -> FilterSpec:
    fields = tuple(f.strip() for f in args.fields.split(",") if f.strip())
    return FilterSpec(
        args.kind, args.condition, fields, args.percent, args.path, args.title, not args.disabled
    )


def _json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(f"--settings is not valid JSON: {exc}") from exc


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


async def run(args: argparse.Namespace, store: Store, data_dir: Path) -> int:
    name = getattr(args, "name", "")
    command = args.destination_command
    if command == "types":
        for plugin in core.catalog():
            print(f"{plugin.name}\t{plugin.display_name}\t{plugin.category}\t{plugin.description}")
    elif command == "add":
        info = await core.create_destination(
            store,
            name,
            args.type_name,
            await core.source_ids(store, args.source),
            _json_object(args.settings),
            enabled=not args.disabled,
        )
        sources = ", ".join(info.source_slugs)
        print(f"Destination {info.name!r} ({info.type}) created for {sources}.")
    elif command == "list":
        for info in await core.list_destinations(store):
            state = "enabled" if info.enabled else "disabled"
            sources = ",".join(info.source_slugs) or "-"
            print(f"{info.name}\t{info.type}\t{state}\t{sources}\t{json.dumps(info.settings)}")
    elif command == "warehouse-status":
        from segd.warehouse_status import warehouse_status

        _print_warehouse_status(await warehouse_status(store, name, data_dir))
    elif command.startswith("filter-"):
        return await _filter_command(args, store, await core.destination_id(store, name))
    else:
        await _named_command(args, store, await core.destination_id(store, name))
    return 0


async def _named_command(args: argparse.Namespace, store: Store, destination: int) -> None:
    """The commands about one destination (named on the command line, here its id)."""
    name = args.name
    match args.destination_command:
        case "enable" | "disable":
            info = await core.set_enabled(store, destination, args.destination_command == "enable")
            print(f"Destination {info.name!r} {args.destination_command}d.")
        case "update":
            settings = None if args.settings is None else _json_object(args.settings)
            sources = None if args.source is None else await core.source_ids(store, args.source)
            info = await core.update_destination(
                store, destination, name=args.new_name, settings=settings, sources=sources
            )
            print(f"Destination {info.name!r} updated.")
        case "connect" | "disconnect":
            connect = args.destination_command == "connect"
            change = core.connect_sources if connect else core.disconnect_sources
            info = await change(store, destination, await core.source_ids(store, args.source))
            slugs = ", ".join(info.source_slugs) or "no source"
            print(f"Destination {info.name!r} now receives from {slugs}.")
        case "remove":
            await core.delete_destination(store, destination)
            print(f"Destination {name!r} deleted.")
        case "status":
            _print_status(await core.delivery_status(store, destination))
        case "dead-letters":
            for dead in await core.list_dead_letters(store, destination, args.limit):
                print(f"{dead.id}\t{_when(dead.failed_at_ms)}\t{dead.message_id}\t{dead.error}")
        case "replay":
            count = await core.replay_dead_letters(store, destination, args.ids)
            print(f"{count} dead letters queued for delivery.")


async def _filter_command(args: argparse.Namespace, store: Store, destination: int) -> int:
    name = args.name
    match args.destination_command:
        case "filter-add" | "filter-update":
            try:
                if args.destination_command == "filter-add":
                    row = await core.add_filter(store, destination, _filter_spec(args))
                    print(f"Filter {row.id} added to {name!r}.")
                else:
                    row = await core.update_filter(
                        store, destination, args.filter_id, _filter_spec(args)
                    )
                    print(f"Filter {row.id} of {name!r} updated.")
            except InvalidFields as exc:
                print(f"segd: {exc}", file=sys.stderr)
                for violation in exc.violations:
                    if violation.position is not None:
                        caret = " " * violation.position + "^"
                        print(f"  {args.condition}\n  {caret}", file=sys.stderr)
                return 1
        case "filter-list":
            for f in await core.list_filters(store, destination):
                extra = (
                    f"percent={f.percent} path={f.path}"
                    if f.kind == "sample"
                    else ",".join(f.fields)
                )
                state = "" if f.enabled else "\t(disabled)"
                print(f"{f.id}\t{f.kind}\t{f.condition or 'all'}\t{extra}\t{f.title}{state}")
        case "filter-remove":
            await core.remove_filter(store, destination, args.filter_id)
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


def _print_warehouse_status(status: SyncStatus) -> None:
    state = status.state
    last = state.last_sync_at.isoformat(timespec="seconds") if state.last_sync_at else "never"
    print(f"warehouse: {status.warehouse}")
    print(f"last sync: {last}  ({state.last_sync_events} events, {state.last_sync_rows} rows)")
    print(
        f"syncs: {state.syncs}  events loaded: {state.events_loaded}  discards: {status.discards}"
    )
    for table in state.tables:
        print(f"  {table.schema}.{table.table}\t{table.rows_loaded}")
    if status.last_error is not None and status.last_error_at is not None:
        print(
            f"last error: {status.last_error_at.isoformat(timespec='seconds')} {status.last_error}"
        )

"""The `segd` command: init, source, destination, serve, send."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from segd import config as config_module
from segd import log as log_setup
from segd.errors import ConfigError, SegdError
from segd.store import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segd", description="A self-hosted customer data platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, help="TOML config file")
        p.add_argument("--data-dir", type=Path, help="data directory (default: ./data)")

    init = commands.add_parser("init", help="create the workspace and the owner's admin token")
    common(init)
    init.add_argument("--owner-email", default="owner@localhost")
    init.add_argument("--if-missing", action="store_true", help="do nothing if it exists")
    init.add_argument("--first-source", metavar="NAME", help="also create a first source")

    source = commands.add_parser("source", help="manage sources")
    source_commands = source.add_subparsers(dest="source_command", required=True)
    add = source_commands.add_parser("add", help="create a source and print its write key")
    common(add)
    add.add_argument("name")
    add.add_argument(
        "--type", default="http_api", help="a source type from the catalog (default: http_api)"
    )
    listing = source_commands.add_parser("list", help="list sources and their write keys")
    common(listing)

    from segd.destcmd import add_commands

    add_commands(commands, common)

    serve = commands.add_parser("serve", help="run the daemon")
    common(serve)
    serve.add_argument("--grpc", metavar="HOST:PORT", help="gRPC listen address")
    serve.add_argument(
        "--http", metavar="HOST:PORT", help="HTTP Tracking API listen address (port 0: any)"
    )

    send = commands.add_parser("send", help="send one event (for trying things out)")
    send.add_argument("type", choices=["identify", "track", "page", "screen", "group", "alias"])
    send.add_argument("name", nargs="?", default="", help="track: event name; page/screen: name")
    send.add_argument("--write-key", required=True)
    send.add_argument("--addr", default="127.0.0.1:50051")
    send.add_argument("--user-id", default="")
    send.add_argument("--anonymous-id", default="")
    send.add_argument("--properties", default="", help="JSON object")
    send.add_argument("--traits", default="", help="JSON object")
    send.add_argument("--group-id", default="")
    send.add_argument("--previous-id", default="")
    send.add_argument("--tls", action="store_true", help="connect with TLS (system roots)")
    send.add_argument("--ca", type=Path, help="CA certificates to trust (PEM); implies --tls")
    send.add_argument("--cert", type=Path, help="client certificate chain (PEM), for mutual TLS")
    send.add_argument("--key", type=Path, help="the client certificate's private key (PEM)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "send":
            from segd.sendcmd import send_one

            return send_one(args)
        config = config_module.load(
            args.config,
            data_dir=args.data_dir,
            **{
                "grpc.listen": getattr(args, "grpc", None),
                "http.listen": getattr(args, "http", None),
            },
        )
        log_setup.configure(config.log.level, config.log.format)
        if args.command == "serve":
            return _serve(config)
        return asyncio.run(_workspace_command(args, config))
    except ConfigError as exc:
        print(f"segd: config: {exc}", file=sys.stderr)
        return 2
    except SegdError as exc:
        print(f"segd: {exc}", file=sys.stderr)
        return 1


def _serve(config: config_module.Config) -> int:
    from segd.app import Daemon

    if not config.database_path.exists():
        raise ConfigError(
            f"no workspace in {config.data_dir};"
            f" create one with: segd init --data-dir {config.data_dir}"
        )
    asyncio.run(Daemon(config).run())
    return 0


async def _workspace_command(args: argparse.Namespace, config: config_module.Config) -> int:
    from segd import workspace

    existed = config.database_path.exists()
    store = await Store.open(config.data_dir, config.storage.durability)
    try:
        if args.command == "init":
            owner = await workspace.init_workspace(store, args.owner_email)
            if owner is None:
                if args.if_missing:
                    return 0
                print(f"segd: a workspace exists already in {config.data_dir}", file=sys.stderr)
                return 1
            print(f"Workspace created in {config.data_dir}.")
            print(f"Owner admin token for {owner.email} (shown once, keep it safe):")
            print(f"  {owner.token}")
            if args.first_source:
                _print_source(await workspace.create_source(store, args.first_source))
            return 0
        if not existed:
            raise ConfigError(f"no workspace in {config.data_dir}; run: segd init")
        if args.command == "destination":
            from segd.destcmd import run

            return await run(args, store, config.data_dir)
        if args.source_command == "add":
            _print_source(await workspace.create_source(store, args.name, args.type))
        else:
            for source in await store.workspace.list_sources():
                state = "enabled" if source.enabled else "disabled"
                print(f"{source.slug}\t{source.name}\t{state}\t{source.write_key}")
        return 0
    finally:
        await store.close()


def _print_source(source: object) -> None:
    print(f"Source {source.name!r} created (slug {source.slug}).")  # type: ignore[attr-defined]
    print(f"Write key: {source.write_key}")  # type: ignore[attr-defined]

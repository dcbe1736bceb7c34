"""The `segtui` command: connect to segd and run the UI, or accept an invite."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from segtui import settings as settings_module
from segtui.errors import ClientError, SegtuiError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segtui",
        description="The terminal UI of a segd workspace.",
        epilog=(
            f"Settings come from flags, then {settings_module.ENV_ADDR} and"
            f" {settings_module.ENV_TOKEN}, then the config file"
            " ($XDG_CONFIG_HOME/segtui/config.toml)."
        ),
    )
    parser.add_argument("--addr", metavar="HOST:PORT", help="segd's gRPC address")
    parser.add_argument("--token", help="your personal admin token")
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument(
        "--ca", type=Path, metavar="FILE", help="CA certificates (PEM); implies --tls"
    )
    parser.add_argument(
        "--cert", type=Path, metavar="FILE", help="client certificate (PEM), for mutual TLS"
    )
    parser.add_argument("--key", type=Path, metavar="FILE", help="its private key (PEM)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file to use instead")
    parser.add_argument(
        "--accept-invite",
        metavar="INVITE_TOKEN",
        help="accept an invite, save your personal token in the config file, and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = args.config or settings_module.config_path()
    try:
        for flag in ("ca", "cert", "key"):
            given = getattr(args, flag)
            if given is not None and not given.is_file():
                raise SegtuiError(f"--{flag} {given}: no such file")
        settings = settings_module.resolve(
            addr=args.addr,
            token=args.token,
            tls=args.tls,
            ca=args.ca,
            cert=args.cert,
            key=args.key,
            config=settings_module.read_config(path),
        )
        if args.accept_invite:
            return _accept(settings, args.accept_invite, path)
        if not settings.token:
            raise SegtuiError(
                'no token: give --token, set SEGTUI_TOKEN, put token = "…" in'
                f" {path}, or join with --accept-invite INVITE_TOKEN"
            )
    except SegtuiError as exc:
        print(f"segtui: {exc}", file=sys.stderr)
        return 2
    from segtui.app import SegtuiApp
    from segtui.client import AdminClient

    SegtuiApp(AdminClient(settings)).run()
    return 0


def _accept(settings: settings_module.ConnectionSettings, invite: str, path: Path) -> int:
    from segtui.client import accept_invite

    try:
        accepted = asyncio.run(accept_invite(settings, invite.strip()))
    except ClientError as exc:
        print(f"segtui: the invite was not accepted: {exc}", file=sys.stderr)
        return 1
    settings_module.save_config(path, replace(settings, token=accepted.token))
    print(f"Welcome, {accepted.member.email}. Your personal token is saved in {path};")
    print("run `segtui` to start.")
    return 0

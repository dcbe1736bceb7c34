"""Run every benchmark: `python -m bench [--quick] [NAME ...]` (what `make bench` runs).

Each module bench/<name>.py (names starting with `_` are helpers) has
`main(argv) -> int` and also runs alone as `python -m bench.<name>`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import bench


def benchmark_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.name.startswith("_") and not info.ispkg
    )


def main(argv: list[str] | None = None) -> int:
    names = benchmark_names()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (passed to each)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"only these, of: {names}")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(names)
    if unknown:
        parser.error(f"no benchmark named {sorted(unknown)[0]!r}; there are: {', '.join(names)}")
    failed = []
    for name in args.names or names:
        print(f"== bench.{name}", flush=True)
        started = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        code = module.main(["--quick"] if args.quick else [])
        print(f"== bench.{name}: exit {code} in {time.monotonic() - started:.0f} s\n", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`python -m bench.reliability [--quick] [--only 1,4]`: run the scenarios, print their lines.

Exits 1 if any scenario found something wrong (or could not run), 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType

from bench.reliability import disk, hostile, kill, outage, overload, security, sigterm
from bench.reliability.harness import Result, load_average

SCENARIOS: dict[int, tuple[str, ModuleType]] = {
    1: ("kill -9 under load", kill),
    2: ("destination outage", outage),
    3: ("full disk", disk),
    4: ("overload at 2x capacity", overload),
    5: ("SIGTERM under load", sigterm),
    6: ("hostile input", hostile),
    7: ("security", security),
}


def run_one(number: int, workdir: Path, quick: bool) -> Result:
    name, module = SCENARIOS[number]
    started = time.monotonic()
    try:
        result: Result = module.run(workdir / f"s{number}", quick=quick)
    except Exception as exc:  # a scenario that cannot run is a failed scenario
        result = Result(number, name)
        result.check(False, f"could not run: {exc!r}")
        traceback.print_exc()
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the short versions (seconds each)")
    parser.add_argument("--only", help="scenario numbers, such as 1,4")
    args = parser.parse_args(argv)
    numbers = [int(n) for n in args.only.split(",")] if args.only else sorted(SCENARIOS)
    print(
        f"segd reliability suite ({'short' if args.quick else 'full'}): {os.cpu_count()} cores,"
        f" load average {load_average()} at the start, 127.0.0.1 only",
        flush=True,
    )
    started = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory(prefix="segd-reliability-") as tmp:
        for number in numbers:
            result = run_one(number, Path(tmp), args.quick)
            results.append(result)
            print(result.line(), flush=True)
    failed = [r.number for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)} of {len(results)} scenarios ok in"
        f" {time.monotonic() - started:.0f} s; load average {load_average()} at the end"
        + (f"; FAILED: {failed}" if failed else ""),
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The reliability and security suite, small: each scenario in a few seconds.

The same scenario code runs full size with `make reliability`; here it runs with its
QUICK parameters against real daemons on 127.0.0.1, and every check it makes must
hold. `pytest -m reliability` runs only these.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.reliability.__main__ import SCENARIOS, run_one

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize(
    "number",
    sorted(SCENARIOS),
    ids=[module.__name__.rsplit(".", 1)[-1] for _, (_, module) in sorted(SCENARIOS.items())],
)
def test_scenario(number: int, tmp_path: Path) -> None:
    if number == 3 and (os.geteuid() != 0 or shutil.which("mount") is None):
        if os.environ.get("CI") == "true":
            pytest.fail("the full-disk scenario needs root and mount(8) under CI")
        pytest.skip("the full-disk scenario mounts a tmpfs: it needs root")
    result = run_one(number, tmp_path, quick=True)
    assert result.ok, result.line()

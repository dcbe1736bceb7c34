"""The fork server every child process of the daemon is forked from.

Children are never forked from the daemon itself (its threads would be forked with it).
The fork server is started once, by whichever child comes first, with every child's
module imported, so that starting any of them later is cheap.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

#: The modules whose functions run as the daemon's children.
PRELOAD = ["segd.schema.process", "segd.normalize_pool", "segd.warehouse.worker"]


def context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context

"""Finding destination plugins: every class registered under the `segd.destinations`
entry-point group, the built-ins included (see pyproject.toml).

Reading the entry points scans every installed distribution, milliseconds on the
daemon's event loop; an Admin call asks for plugins once per destination it answers
about. So what a scan found is kept for `RESCAN_SECONDS`: a plugin installed while the
daemon runs is found that much later at most.
"""

from __future__ import annotations

import time
from importlib.metadata import entry_points

import structlog

from segd.destinations.base import Destination
from segd.errors import ConfigError

GROUP = "segd.destinations"
#: Seconds the plugins found by one scan of the entry points are kept.
RESCAN_SECONDS = 10.0

log = structlog.get_logger(__name__)

#: (monotonic time of the scan, what it found).
_found: tuple[float, dict[str, type[Destination]]] | None = None


def installed() -> dict[str, type[Destination]]:
    """name → plugin class, for every plugin that loads; a broken one is logged and left out."""
    global _found
    now = time.monotonic()
    if _found is None or now - _found[0] >= RESCAN_SECONDS:
        _found = (now, _scan())
    return dict(_found[1])


def _scan() -> dict[str, type[Destination]]:
    found: dict[str, type[Destination]] = {}
    for entry in entry_points(group=GROUP):
        try:
            plugin = entry.load()
        except Exception as exc:
            log.error("destination.plugin_failed_to_load", entry_point=entry.name, error=str(exc))
            continue
        if not (isinstance(plugin, type) and issubclass(plugin, Destination)):
            log.error("destination.plugin_not_a_destination", entry_point=entry.name)
            continue
        if plugin.name != entry.name:
            log.error("destination.plugin_name_mismatch", entry_point=entry.name, name=plugin.name)
            continue
        found[entry.name] = plugin
    return dict(sorted(found.items()))


def plugin(name: str) -> type[Destination]:
    """The plugin class called `name`.

    Raises:
        ConfigError: no installed plugin has that name; the message lists those that do.
    """
    plugins = installed()
    if name not in plugins:
        names = ", ".join(plugins) or "none"
        raise ConfigError(f"unknown destination type {name!r}; installed: {names}")
    return plugins[name]

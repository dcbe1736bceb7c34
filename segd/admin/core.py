"""The face of workspace management that the Admin servicer calls."""

from __future__ import annotations

from collections.abc import Callable

from segd.admin.destinations import Destinations
from segd.admin.insight import Insight
from segd.admin.invites import Invites
from segd.admin.mail import InviteMailer
from segd.admin.members import Members
from segd.admin.sources import Sources
from segd.config import Config
from segd.debugger import DebuggerHub
from segd.destinations.base import Destination
from segd.errors import InvalidRequest
from segd.store import Store
from segd.store.audit import AuditEntry
from segd.workspace import SourceDirectory

MAX_AUDIT_PAGE = 1000


class AdminCore:
    """Members, invites, sources, destinations, the debugger and the schema, over one
    store."""

    def __init__(
        self,
        store: Store,
        config: Config,
        directory: SourceDirectory,
        debugger: DebuggerHub,
        grpc_address: Callable[[], str],
        http_address: Callable[[], str | None],
        destinations_changed: Callable[[], None] = lambda: None,
        running_plugin: Callable[[int], Destination | None] = lambda _: None,
    ) -> None:
        """`grpc_address` and `http_address` give where the listeners are bound (the
        latter None without an HTTP listener), for the snippets unless the config says;
        `destinations_changed` is called after every change to destinations, and
        `running_plugin` gives a destination's plugin while the router runs it."""
        admin = config.admin
        scheme = "https" if config.http.tls_cert else "http"
        self._store = store
        self.members = Members(store)
        self.invites = Invites(
            store, self.members, InviteMailer(config.smtp), admin.invite_ttl_hours * 3600
        )
        self.sources = Sources(
            store,
            directory,
            debugger,
            lambda: (
                admin.public_http_url or f"{scheme}://{http_address() or config.http.listen}",
                admin.public_grpc_address or grpc_address(),
            ),
        )
        self.destinations = Destinations(
            store, destinations_changed, config.data_dir, running_plugin
        )
        self.insight = Insight(store, debugger, config.debugger.search_scan_events)

    async def audit_log(self, limit: int, before_id: int) -> list[AuditEntry]:
        if not 0 <= limit <= MAX_AUDIT_PAGE:
            raise InvalidRequest(f"limit must be between 0 (the default) and {MAX_AUDIT_PAGE}")
        return await self._store.audit.list(limit or 100, before_id)

"""Command palette: open any source by name (the sections come from the app)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from segtui.errors import ClientError
from segtui.models import Source

if TYPE_CHECKING:
    from segtui.app import SegtuiApp


class SourcesCommands(Provider):
    """ "Open source: <name>" for each source the caller may see."""

    async def startup(self) -> None:
        app = cast("SegtuiApp", self.app)
        try:
            self.sources: list[Source] = await app.client.list_sources()
        except ClientError:
            self.sources = []

    def _open(self, source: Source) -> object:
        async def open_it() -> None:
            from segtui.screens.sources import SourcesScreen

            app = cast("SegtuiApp", self.app)
            await app.goto("sources")
            if isinstance(app.screen, SourcesScreen):
                app.screen.open_source(source)

        return open_it

    async def discover(self) -> Hits:
        for source in self.sources:
            yield DiscoveryHit(f"Open source: {source.name}", self._open(source))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for source in self.sources:
            title = f"Open source: {source.name}"
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._open(source), help=source.slug)  # type: ignore[arg-type]

"""The help screen: every key the screen underneath answers to, and the global ones."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from segtui.keys import key_label

GLOBAL_KEYS = (
    ("ctrl+p", "Command palette: go anywhere, open a source by name"),
    ("tab / shift+tab", "Move between fields and lists"),
    ("escape", "Back / close"),
)


def binding_rows(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key, description) of the bindings active on `screen`, its focused widget first."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.description in seen:
            continue
        if not _ours(active.node, binding):
            continue  # Textual's own widget keys (cursor moves...) need no listing here
        seen.add(binding.description)
        rows.append((key_label(key), binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    """Keys of the screen underneath, then the keys that work everywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.rows = binding_rows(under)
        self.title_text = getattr(under, "SECTION", "") or under.__class__.__name__

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"Keys — {self.title_text}", classes="dialog-title")
            with VerticalScroll():
                yield Static(_table(self.rows), id="help-keys")
                yield Static("Everywhere", classes="help-heading")
                yield Static(_table(list(GLOBAL_KEYS)), id="help-global")
            yield Static("escape to close", classes="dialog-hint")


def _ours(node: object, binding: Binding) -> bool:
    """Whether a segtui class (not Textual itself) declared the binding."""
    return any(
        binding in cls.__dict__.get("BINDINGS", ())
        for cls in type(node).__mro__
        if cls.__module__.startswith("segtui")
    )


def _table(rows: list[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{k:<{width}}  {d}" for k, d in rows)

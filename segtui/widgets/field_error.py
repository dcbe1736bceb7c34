"""A form's error line: shown while it says something, out of the way otherwise."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class FieldError(Static):
    """An error line, hidden while empty.

    Not done in CSS: `:empty` matches a widget without child widgets, which a Static
    always is, so `.field-error:empty { display: none; }` hid every error for good.
    """

    DEFAULT_CLASSES = "field-error"

    def __init__(self, *, id: str, classes: str = "") -> None:
        # Messages are plain text: one that holds [brackets] must not be read as markup.
        super().__init__("", id=id, classes=classes, markup=False)
        self.display = False

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        self.display = bool(content)

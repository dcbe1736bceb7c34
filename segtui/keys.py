"""How keys are written for people (help screen)."""

from __future__ import annotations

_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "escape",
    "enter": "enter",
}


def key_label(key: str) -> str:
    """'question_mark' → '?', 'ctrl+r' stays, 'R' → 'shift+r'."""
    if key in _NAMES:
        return _NAMES[key]
    if len(key) == 1 and key.isupper():
        return f"shift+{key.lower()}"
    return key

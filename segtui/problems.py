"""segd's answers about bad fields, turned into what a form shows next to each field.

segd names each bad field by its path ("name", "settings.urls[0]", "spec.condition")
and, for an FQL condition, the place of the problem; these pure helpers map the paths
onto form fields and draw a caret under the place.
"""

from __future__ import annotations

import re

_PATH = re.compile(r"([^.\[]+)(?:\[(\d+)\])?")


def settings_errors(violations: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Errors by settings field ("settings.urls[1]" → "urls": "line 2: …"), and the rest.

    The rest are violations of other fields, as "path: description" lines.
    """
    by_field: dict[str, str] = {}
    other: list[str] = []
    for path, description in violations.items():
        if not path.startswith("settings."):
            other.append(f"{path}: {description}" if path else description)
            continue
        match = _PATH.match(path.removeprefix("settings."))
        if match is None:
            other.append(f"{path}: {description}")
            continue
        name, index = match.group(1), match.group(2)
        message = f"line {int(index) + 1}: {description}" if index is not None else description
        by_field.setdefault(name, message)
    return by_field, other


def caret(text: str, position: int, message: str) -> str:
    """The line of `text` holding `position`, a caret under it, and the message.

    >>> print(caret("type = 'track' and", 18, "expected a condition"))
    type = 'track' and
                      ^ expected a condition
    """
    position = max(0, min(position, len(text)))
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end != -1 else len(text)]
    column = position - start
    return f"{line}\n{' ' * column}^ {message}"

"""A destination's settings: checked against its plugin's model, shown with secrets
masked, and merged on update so that a secret left out (or sent back masked) is kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pydantic

from segd.destinations.base import Destination
from segd.errors import InvalidFields, Violation

#: How a secret's value is shown (pydantic's rendering of SecretStr), and the value a
#: client may send back to mean "keep the secret as it is".
MASK = "**********"


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a path: ("urls", 0) → "urls[0]"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def settings_violations(exc: pydantic.ValidationError) -> list[Violation]:
    """One violation per problem, its field a path under "settings"."""
    violations = []
    for error in exc.errors():
        path = field_path(error["loc"])
        violations.append(Violation(f"settings.{path}" if path else "settings", error["msg"]))
    return violations


def validate_settings(plugin: type[Destination], settings: Any) -> pydantic.BaseModel:
    """The plugin's settings model for `settings`.

    Raises:
        InvalidFields: not a JSON object, or values the model refuses; each violation
            names its setting ("settings.urls[0]").
    """
    if not isinstance(settings, dict):
        raise InvalidFields(
            "settings must be a JSON object", [Violation("settings", "must be a JSON object")]
        )
    try:
        return plugin.Settings.model_validate(settings)
    except pydantic.ValidationError as exc:
        violations = settings_violations(exc)
        problems = "; ".join(
            f"{v.field.removeprefix('settings.')}: {v.description}" for v in violations
        )
        raise InvalidFields(f"invalid {plugin.name} settings: {problems}", violations) from exc


def public_settings(plugin: type[Destination], settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as they may be shown: defaults filled in, every secret's value masked.
    Settings the plugin no longer accepts show as {} rather than risk showing a secret."""
    try:
        model = plugin.Settings.model_validate(settings)
    except pydantic.ValidationError:
        return {}
    shown: dict[str, Any] = model.model_dump(mode="json")
    return shown


def _keep_masked(new: Any, old: Any) -> Any:
    """`new`, with every MASK standing where `old` has a string replaced by that string."""
    if new == MASK and isinstance(old, str):
        return old
    if isinstance(new, dict) and isinstance(old, Mapping):
        return {key: _keep_masked(value, old.get(key)) for key, value in new.items()}
    if isinstance(new, list) and isinstance(old, list):
        return [_keep_masked(v, old[i] if i < len(old) else None) for i, v in enumerate(new)]
    return new


def merge_settings(current: dict[str, Any], change: Any) -> dict[str, Any]:
    """`change` laid over `current`, key by key: a key left out keeps its value, a secret
    sent back as MASK keeps its value (in nested objects, such as custom headers, and in
    lists, by position)."""
    if not isinstance(change, dict):
        raise InvalidFields(
            "settings must be a JSON object", [Violation("settings", "must be a JSON object")]
        )
    return {**current, **_keep_masked(change, current)}

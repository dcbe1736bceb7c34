"""The pure parts of destination settings: error paths, masking, merging on update."""

from __future__ import annotations

from typing import Any

import pytest

from segd.destinations.webhook import Webhook
from segd.destinations_core import MASK, merge_settings, public_settings, validate_settings
from segd.destinations_core._settings import field_path
from segd.errors import InvalidFields

SECRETS = {
    "urls": ["http://a/"],
    "shared_secret": "s",
    "headers": {"Authorization": "t", "X-Team": "u"},
}


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("urls", 0), "urls[0]"),
        (("headers", "X-Team"), "headers.X-Team"),
        (("a", 1, "b", 2), "a[1].b[2]"),
        ((), ""),
        (("timeout_seconds",), "timeout_seconds"),
    ],
)
def test_field_path(loc: tuple[int | str, ...], path: str) -> None:
    assert field_path(loc) == path


@pytest.mark.parametrize(
    ("change", "merged"),
    [
        # A key left out keeps its value, secrets included.
        ({"batch_mode": True}, {**SECRETS, "batch_mode": True}),
        # A secret sent back masked keeps its value, in nested objects too.
        ({"shared_secret": MASK}, SECRETS),
        (
            {"headers": {"Authorization": MASK, "X-New": "v"}},
            {**SECRETS, "headers": {"Authorization": "t", "X-New": "v"}},
        ),
        # A new value replaces; null clears; a mask with nothing behind it stays a mask.
        ({"shared_secret": "new"}, {**SECRETS, "shared_secret": "new"}),
        ({"shared_secret": None}, {**SECRETS, "shared_secret": None}),
        ({"headers": {"X-Other": MASK}}, {**SECRETS, "headers": {"X-Other": MASK}}),
        ({}, SECRETS),
        # In lists, by position.
        ({"keys": [MASK, "b2", MASK]}, {**SECRETS, "keys": ["a", "b2", MASK]}),
    ],
)
def test_merge_settings(change: dict[str, Any], merged: dict[str, Any]) -> None:
    current = {**SECRETS, "keys": ["a", "b"]} if "keys" in change else SECRETS
    assert merge_settings(current, change) == merged


@pytest.mark.parametrize("change", [[1], "text", 3, None])
def test_merge_settings_wants_an_object(change: Any) -> None:
    with pytest.raises(InvalidFields, match="settings must be a JSON object") as caught:
        merge_settings(SECRETS, change)
    assert [v.field for v in caught.value.violations] == ["settings"]


def test_public_settings_mask_every_secret_and_fill_defaults() -> None:
    shown = public_settings(Webhook, SECRETS)
    assert shown["shared_secret"] == MASK
    assert shown["headers"] == {"Authorization": MASK, "X-Team": MASK}
    assert shown["urls"] == ["http://a/"] and shown["batch_size"] == 100
    # Settings the plugin refuses show nothing rather than something secret.
    assert public_settings(Webhook, {**SECRETS, "unknown": 1}) == {}


@pytest.mark.parametrize(
    ("settings", "violations"),
    [
        ({"urls": ["x"]}, {"settings.urls[0]"}),
        ({"urls": [], "timeout_seconds": 0}, {"settings.urls", "settings.timeout_seconds"}),
        ({"urls": ["http://a/"], "headers": {"Bad Name": "v"}}, {"settings.headers"}),
        ({"urls": ["http://a/"], "headers": {"X": 1}}, {"settings.headers.X"}),
        ({}, {"settings.urls"}),
        ([], {"settings"}),
    ],
)
def test_validate_settings_names_each_field(settings: Any, violations: set[str]) -> None:
    with pytest.raises(InvalidFields) as caught:
        validate_settings(Webhook, settings)
    assert {v.field for v in caught.value.violations} == violations
    assert all(v.position is None for v in caught.value.violations)

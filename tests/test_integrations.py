from __future__ import annotations

from typing import Any

import pytest

from segd.router.integrations import wants


@pytest.mark.parametrize(
    ("integrations", "expected"),
    [
        (None, True),
        ({}, True),
        ({"All": True}, True),
        ({"All": False}, False),
        ({"All": False, "Webhooks": True}, True),
        ({"All": False, "Webhooks": {"option": 1}}, True),  # an object enables, with options
        ({"All": True, "Webhooks": False}, False),
        ({"Webhooks": False}, False),
        ({"Mixpanel": False}, True),
        ({"All": False, "Mixpanel": True}, False),
        ({"All": False, "webhooks": True}, False),  # keys are case-sensitive
        ({"webhooks": False}, True),
        ({"All": None}, True),  # only false disables
        ({"Webhooks": 0}, True),
        ({"All": False, "Webhooks": "yes"}, True),
    ],
)
def test_integrations(integrations: dict[str, Any] | None, expected: bool) -> None:
    assert wants(integrations, "Webhooks") is expected

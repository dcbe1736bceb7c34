"""The debugger's Pretty view (the call as made) and Raw view (the complete JSON)."""

from __future__ import annotations

import json

import pytest

from segtui.models import DebugEvent
from segtui.pretty import call_of, pretty, raw


@pytest.mark.parametrize(
    ("body", "call"),
    [
        (
            {"type": "track", "event": "Order Completed", "properties": {"revenue": 42}},
            'analytics.track("Order Completed", {\n  "revenue": 42\n})',
        ),
        ({"type": "track", "event": "Signed Up", "properties": {}}, 'analytics.track("Signed Up")'),
        (
            {"type": "identify", "userId": "u1", "traits": {"email": "a@b.c"}},
            'analytics.identify("u1", {\n  "email": "a@b.c"\n})',
        ),
        (
            {"type": "identify", "anonymousId": "a1", "traits": {"plan": "pro"}},
            'analytics.identify({\n  "plan": "pro"\n})',
        ),
        ({"type": "identify", "userId": "u1"}, 'analytics.identify("u1")'),
        ({"type": "page", "name": "Home"}, 'analytics.page("Home")'),
        (
            {"type": "page", "category": "Docs", "name": "Setup", "properties": {"path": "/d"}},
            'analytics.page("Docs", "Setup", {\n  "path": "/d"\n})',
        ),
        ({"type": "page"}, "analytics.page()"),
        (
            {"type": "page", "properties": {"path": "/"}},
            'analytics.page(null, {\n  "path": "/"\n})',
        ),
        ({"type": "screen", "name": "Cart"}, 'analytics.screen("Cart")'),
        (
            {"type": "group", "groupId": "g1", "traits": {"name": "Acme"}},
            'analytics.group("g1", {\n  "name": "Acme"\n})',
        ),
        ({"type": "alias", "userId": "u2", "previousId": "a1"}, 'analytics.alias("u2", "a1")'),
        ({"type": "track", "event": "Crème brûlée"}, 'analytics.track("Crème brûlée")'),
    ],
)
def test_call_as_made(body, call):
    assert call_of(body) == call


def test_unknown_type_shows_the_json():
    assert call_of({"type": "weird"}).startswith("// an event of unknown type 'weird'")


def debug_event(**fields) -> DebugEvent:
    base = dict(
        type="track",
        name="Order Completed",
        user_id="u1",
        anonymous_id="",
        message_id="m1",
        received_at=None,
        status="accepted",
    )
    return DebugEvent(**{**base, **fields})


def test_pretty_names_the_user_and_uses_the_normalised_event():
    body = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "properties": {"revenue": 42},
    }
    text = pretty(debug_event(anonymous_id="a9", normalized_json=json.dumps(body), raw_json="{}"))
    assert text.splitlines()[0] == "// userId u1 · anonymousId a9"
    assert 'analytics.track("Order Completed", {' in text


def test_pretty_of_a_rejected_event_says_why_from_the_raw_json():
    text = pretty(
        debug_event(
            status="rejected",
            reason="missing_identity",
            error="userId or anonymousId is required",
            user_id="",
            raw_json='{"type": "track", "event": "X"}',
        )
    )
    assert "// no user" in text
    assert "// rejected (missing_identity): userId or anonymousId is required" in text
    assert 'analytics.track("X")' in text


def test_pretty_of_unreadable_json():
    assert "not readable" in pretty(debug_event(raw_json="{nope"))


@pytest.mark.parametrize(
    ("fields", "as_received", "expected"),
    [
        (
            {"normalized_json": '{"b":1,"a":"é"}', "raw_json": '{"b":1}'},
            False,
            '{\n  "b": 1,\n  "a": "é"\n}',
        ),
        ({"normalized_json": '{"b":1,"a":2}', "raw_json": '{"b":1}'}, True, '{\n  "b": 1\n}'),
        (
            {"normalized_json": "", "raw_json": '{"x":[1,2]}'},
            False,
            '{\n  "x": [\n    1,\n    2\n  ]\n}',
        ),
        ({"normalized_json": "", "raw_json": "not json"}, False, "not json"),
    ],
)
def test_raw_is_the_complete_json_indented(fields, as_received, expected):
    assert raw(debug_event(**fields), as_received) == expected

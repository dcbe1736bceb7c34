"""The Getting Started checklist and the catalog's snippets, as pure functions."""

from __future__ import annotations

import pytest

from segd.admin.catalog import CATALOG, render
from segd.admin.getting_started import (
    Facts,
    checklist,
    follows_object_action,
    is_snake_case,
    naming,
)
from segd.api.v1 import event_pb2


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Order Completed", True),
        ("Product List Viewed", True),
        ("Signed Up", True),
        ("Step 2 Viewed", False),
        ("order completed", False),
        ("Order completed", False),
        ("OrderCompleted", False),
        ("Order_Completed", False),
        ("Completed", False),
        ("", False),
    ],
)
def test_object_action(name: str, ok: bool) -> None:
    assert follows_object_action(name) is ok


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("order_id", True),
        ("total", True),
        ("address.zip_code", True),
        ("item2_price", True),
        ("orderId", False),
        ("Order_id", False),
        ("order__id", False),
        ("_private", False),
        ("order-id", False),
        ("address.zipCode", False),
    ],
)
def test_snake_case(key: str, ok: bool) -> None:
    assert is_snake_case(key) is ok


@pytest.mark.parametrize(
    ("names", "keys", "done", "detail"),
    [
        ((), (), False, "no track events yet"),
        (("Order Completed",), (), True, "1 of 1 event names follow Object Action"),
        (
            ("Order Completed", "signup"),
            ("order_id",),
            False,
            "1 of 2 event names follow Object Action; 1 of 1 properties are snake_case",
        ),
        (
            ("Order Completed",),
            ("order_id", "orderTotal"),
            False,
            "1 of 1 event names follow Object Action; 1 of 2 properties are snake_case",
        ),
    ],
)
def test_naming_share(
    names: tuple[str, ...], keys: tuple[str, ...], done: bool, detail: str
) -> None:
    facts = Facts(track_names=frozenset(names), track_property_keys=frozenset(keys))
    assert naming(facts) == (done, detail)


PAGE, SCREEN = event_pb2.EVENT_TYPE_PAGE, event_pb2.EVENT_TYPE_SCREEN
IDENTIFY, TRACK = event_pb2.EVENT_TYPE_IDENTIFY, event_pb2.EVENT_TYPE_TRACK


@pytest.mark.parametrize(
    ("facts", "done"),
    [
        (Facts(), set()),
        (Facts(members=2), {"invite_teammates"}),
        (Facts(invites=1), {"invite_teammates"}),
        (Facts(sources=1), {"add_source"}),
        (Facts(sources=2), {"add_source", "two_sources"}),
        (Facts(types_seen=frozenset({SCREEN})), {"page_or_screen_received"}),
        (
            Facts(types_seen=frozenset({PAGE, IDENTIFY})),
            {"page_or_screen_received", "identify_received"},
        ),
        (
            Facts(types_seen=frozenset({TRACK}), track_names=frozenset({"Signed Up"})),
            {"track_received", "naming"},
        ),
        (Facts(debugger_opened=True), {"debugger_opened"}),
        (Facts(destinations=1), {"add_destination"}),
        (
            Facts(destinations=2, warehouses=1),
            {"add_destination", "two_destinations", "add_warehouse"},
        ),
    ],
)
def test_checklist(facts: Facts, done: set[str]) -> None:
    groups = checklist(facts)
    assert [g.title for g in groups] == ["Basics", "Instrumentation", "Optimization"]
    assert {t.id for g in groups for t in g.tasks if t.done} == done
    assert sum(len(g.tasks) for g in groups) == 15


def test_render_fills_every_placeholder() -> None:
    for entry in CATALOG:
        text = render(entry.snippet, "https://collect.example.com:8443/", "10.0.0.1:50051")
        assert "{{" not in text and "<WRITE_KEY>" in text
    ruby = render(next(e for e in CATALOG if e.id == "ruby").snippet, "http://h:81", "g:1")
    assert "host: 'h', port: 81" in ruby
    http = render(next(e for e in CATALOG if e.id == "http_api").snippet, "http://h:81/", "g:1")
    assert "curl http://h:81/v1/track" in http
    js = render(CATALOG[0].snippet, "https://c.example.com", "g:1")
    assert "apiHost: 'c.example.com/v1', protocol: 'https'" in js

from __future__ import annotations

from typing import Any

import pytest

from segd.router.fql import FqlError, parse

EVENT: dict[str, Any] = {
    "type": "track",
    "event": "Button Clicked",
    "userId": "u-1",
    "context": {"library": {"name": "analytics.js", "version": "1.0"}},
    "properties": {
        "total": 150,
        "price": 19.5,
        "features": ["discounts", "dark-mode"],
        "enabled": True,
        "product 1": {"price": "19.99"},
        "empty": "",
    },
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('event = "Button Clicked"', True),
        ("event = 'Screen Tapped'", False),
        ("context.path.path = '/login'", False),
        ("type = 'identify' or type = 'track'", True),
        ("event = 'Button Clicked' and type = 'track'", True),
        ("match(context.library.version, '1.*')", True),
        ("match(context.library.version, '2.*')", False),
        ("type = 'track' and (event = 'Click' or match(event, 'Button *'))", True),
        ("!contains(context.library.name, 'js')", False),
        ("not contains(context.library.name, 'js')", False),
        ("'dark-mode' in properties.features", True),
        ("'blink' in properties.features", False),
        ("properties.total > 100", True),
        ("properties.total >= 150", True),
        ("properties.total < 150", False),
        ("properties.total <= 150", True),
        ("properties.price < 20", True),
        ("properties.total != 150", False),
        ("properties.total = 150.0", True),
        ("properties.total = '150'", False),  # same type only
        ("properties.missing = null", True),
        ("properties.missing != null", False),
        ("properties.missing > 1", False),  # null is not a number
        ("properties.total > '100'", False),  # strings are not ordered
        ("properties.enabled", True),
        ("properties.enabled = true", True),
        ("properties.enabled = 1", False),  # a bool is not a number
        ("properties.product\\ 1.price = '19.99'", True),
        ("length(properties.features) = 2", True),
        ("length(userId) > 0", True),
        ("length(properties.missing) = 0", True),
        ("lowercase(event) = 'button clicked'", True),
        ("uppercase(type) = 'TRACK'", True),
        ("typeof(properties.total) = 'number'", True),
        ("typeof(properties.missing) = 'null'", True),
        ("contains(properties.missing, 'x')", False),
        ("match(properties.missing, '*')", False),
        ("match('ab*d', 'ab\\\\*d')", True),
        ("match(event, 'Button [cC]licked')", True),
        ("match(event, 'button*')", False),  # case-sensitive
        ("!(type in ['track', 'identify'])", False),
        ("type in ['page', 'screen']", False),
        ("properties.features = ['discounts', 'dark-mode']", True),
        ("properties.total > -5 and properties.total < 1e3", True),
        ("not not (type = 'track')", True),
        ("properties.empty = ''", True),
        ("true", True),
        ("false or null", False),
        ("'track'", False),  # a value that is not true does not match
        ('type = "tr\\"ack"', False),
    ],
)
def test_evaluation(expression: str, expected: bool) -> None:
    assert parse(expression)(EVENT) is expected


@pytest.mark.parametrize(
    ("expression", "position", "reason"),
    [
        ("", 0, "the expression is empty"),
        ("   ", 3, "the expression is empty"),
        ("type =", 6, "expected a value"),
        ('userId = oops"', 13, "the string is not closed"),
        ("type = 'track' and", 18, "expected a value"),
        ("type = 'track' event", 15, "expected and, or or the end"),
        ("(type = 'track'", 15, "expected a closing parenthesis"),
        ("type = 'track')", 14, "expected and, or or the end"),
        ("type == 'track'", 6, "expected a value"),
        ("type = 'track' & event = 'x'", 15, "unexpected character '&'"),
        ("frobnicate(event)", 0, "unknown function 'frobnicate'"),
        ("contains(event)", 0, "contains takes 2 arguments, not 1"),
        ("length(event, 'x')", 0, "length takes 1 argument, not 2"),
        ("match(event, '[abc')", 13, "bad glob pattern"),
        ("match(event, '[z-a]')", 13, "bad glob pattern"),
        ("properties. = 1", 11, "a field name must follow the dot"),
        ("type in [1, 2", 13, "expected a comma or ]"),
        ("properties.total > 1e999", 19, "is not a finite number"),
        ("properties.total > 12abc", 19, "is not a number"),
        ("event = 'x' or", 14, "expected a value"),
        ("!", 1, "expected a value"),
        ("a and and b", 6, "expected a value"),
        ("type = 'a' ; drop table", 11, "unexpected character ';'"),
        ("__import__('os')", 0, "unknown function '__import__'"),
        ("(" * 100 + "true" + ")" * 100, 64, "nested more than 64 levels"),
    ],
)
def test_errors_point_at_the_problem(expression: str, position: int, reason: str) -> None:
    with pytest.raises(FqlError) as caught:
        parse(expression)
    assert caught.value.position == position
    assert reason in str(caught.value)
    assert str(caught.value).endswith(f"at position {position}")


def test_caret_points_under_the_error() -> None:
    with pytest.raises(FqlError) as caught:
        parse("type = 'track' and")
    assert caught.value.caret() == "type = 'track' and\n" + " " * 18 + "^"


def test_too_long_is_refused() -> None:
    with pytest.raises(FqlError, match="longer than"):
        parse("true or " * 2000 + "true")


def test_evaluation_never_raises_on_odd_events() -> None:
    predicate = parse("properties.a.b > 1 or contains(properties.a, 'x') or match(event, event)")
    for event in ({}, {"properties": None}, {"properties": {"a": [1]}}, {"event": "[a"}):
        assert predicate(event) is False

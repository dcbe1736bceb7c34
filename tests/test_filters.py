from __future__ import annotations

from typing import Any

import pytest

from segd.router.filters import (
    FilterError,
    FilterSpec,
    apply_filters,
    compile_filter,
    in_segment_order,
    sample_score,
)


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "track",
        "event": "Order Completed",
        "messageId": "m-1",
        "userId": "u-1",
        "properties": {"total": 150, "email": "a@b.c", "items": {"sku": "x", "qty": 2}},
        "context": {"ip": "1.2.3.4", "library": {"name": "py"}},
        "traits": {"email": "a@b.c", "plan": "pro"},
    }
    base.update(overrides)
    return base


def run(specs: list[FilterSpec], evt: dict[str, Any]) -> dict[str, Any] | None:
    return apply_filters(evt, in_segment_order([compile_filter(s) for s in specs]))


TRACK_BIG = "type = 'track' and properties.total > 100"


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        # drop
        ([FilterSpec("drop", TRACK_BIG)], None),
        ([FilterSpec("drop", "properties.total > 1000")], event()),
        ([FilterSpec("drop", "")], None),
        ([FilterSpec("drop", "all")], None),
        ([FilterSpec("drop", TRACK_BIG, enabled=False)], event()),
        # only send
        ([FilterSpec("only", "event = 'Order Completed'")], event()),
        ([FilterSpec("only", "event = 'Signed Up'")], None),
        ([FilterSpec("only", "event = 'Signed Up'", enabled=False)], event()),
        # sample: 0 keeps nothing, 1 keeps everything
        ([FilterSpec("sample", "", percent=0.0)], None),
        ([FilterSpec("sample", "", percent=1.0)], event()),
        ([FilterSpec("sample", "type = 'page'", percent=0.0)], event()),
        # drop properties
        (
            [FilterSpec("drop_properties", "", ("properties.email", "context.ip"))],
            event(
                properties={"total": 150, "items": {"sku": "x", "qty": 2}},
                context={"library": {"name": "py"}},
            ),
        ),
        (
            [FilterSpec("drop_properties", "", ("properties.items.qty", "traits.nope"))],
            event(properties={"total": 150, "email": "a@b.c", "items": {"sku": "x"}}),
        ),
        ([FilterSpec("drop_properties", "type = 'page'", ("properties.email",))], event()),
        # allow properties
        (
            [FilterSpec("allow_properties", "", ("properties.total", "properties.items.sku"))],
            event(properties={"total": 150, "items": {"sku": "x"}}),
        ),
        (
            [FilterSpec("allow_properties", "", ("traits.plan", "properties.nope"))],
            event(traits={"plan": "pro"}, properties={}),
        ),
        # Segment's order: sample before drop, drop before property filters,
        # drop-properties before allow-properties, whatever the order of creation.
        (
            [
                FilterSpec("allow_properties", "", ("properties.total", "properties.email")),
                FilterSpec("drop_properties", "", ("properties.email",)),
            ],
            event(properties={"total": 150}),
        ),
        (
            [
                FilterSpec("drop_properties", "", ("properties.total",)),
                FilterSpec("drop", "properties.total > 100"),
            ],
            None,
        ),
        (
            [
                FilterSpec("drop_properties", "", ("properties.total",)),
                FilterSpec("only", "properties.total = 150"),
            ],
            event(properties={"email": "a@b.c", "items": {"sku": "x", "qty": 2}}),
        ),
    ],
)
def test_filters(specs: list[FilterSpec], expected: dict[str, Any] | None) -> None:
    original = event()
    assert run(specs, original) == expected
    assert original == event(), "the input event is never modified"


def test_sampling_is_deterministic_and_proportional() -> None:
    spec = FilterSpec("sample", "", percent=0.3)
    kept = [run([spec], event(messageId=f"m-{i}")) is not None for i in range(4000)]
    assert 0.25 < sum(kept) / len(kept) < 0.35
    again = [run([spec], event(messageId=f"m-{i}")) is not None for i in range(4000)]
    assert kept == again


def test_sampling_by_user_keeps_whole_users() -> None:
    spec = FilterSpec("sample", "", percent=0.5, path="userId")
    for user in range(50):
        outcomes = {
            run([spec], event(userId=f"u{user}", messageId=f"m{i}")) is None for i in range(5)
        }
        assert len(outcomes) == 1


def test_sample_score_range() -> None:
    scores = [sample_score(f"x{i}") for i in range(1000)]
    assert all(0.0 <= s < 1.0 for s in scores)


@pytest.mark.parametrize(
    ("spec", "message", "field", "position"),
    [
        (FilterSpec("explode", ""), "unknown filter kind 'explode'", "kind", None),
        (FilterSpec("drop", "type = "), "condition: expected a value", "condition", 7),
        (FilterSpec("drop", "type = 'a' or or"), "condition: expected a value", "condition", 14),
        (FilterSpec("sample", ""), "needs a percent between 0 and 1", "percent", None),
        (FilterSpec("sample", "", percent=1.5), "needs a percent between 0 and 1", "percent", None),
        (FilterSpec("sample", "", percent=0.5, path=""), "needs a path", "path", None),
        (FilterSpec("drop_properties", ""), "needs at least one field", "fields", None),
        (
            FilterSpec("allow_properties", "", ("email",)),
            "must name an object and a key",
            "fields",
            None,
        ),
        (
            FilterSpec("drop_properties", "", ("properties.",)),
            "must name an object",
            "fields",
            None,
        ),
    ],
)
def test_bad_filters_are_refused(
    spec: FilterSpec, message: str, field: str, position: int | None
) -> None:
    with pytest.raises(FilterError, match=message) as caught:
        compile_filter(spec)
    assert (caught.value.field, caught.value.position) == (field, position)

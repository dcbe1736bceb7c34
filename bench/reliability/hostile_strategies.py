"""Hypothesis strategies for scenario 6: Event messages, JSON values and calls."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import strategies as st

from bench.reliability.hostile_cases import nested
from segd.api.v1 import event_pb2 as E


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


def json_texts() -> st.SearchStrategy[str]:
    """Text for the JSON parts: mostly JSON (NaN included), sometimes anything at all."""
    return st.one_of(
        st.just(""),
        st.dictionaries(st.text(max_size=8), json_values(), max_size=5).map(json.dumps),
        json_values().map(json.dumps),
        st.text(max_size=60),
        st.sampled_from(['{"a": "\\ud800"}', nested(40), '{"a": 1e999}', "{", "null"]),
    )


UNICODE = st.characters(blacklist_categories=["Cs"])  # a proto string must be Unicode


def timestamps() -> st.SearchStrategy[Timestamp | None]:
    return st.one_of(
        st.none(),
        st.builds(
            Timestamp,
            seconds=st.one_of(
                st.integers(1_600_000_000, 1_900_000_000),
                st.integers(-(2**63), 2**63 - 1),
            ),
            nanos=st.one_of(st.integers(0, 999_999_999), st.integers(-(2**31), 2**31 - 1)),
        ),
    )


def events() -> st.SearchStrategy[E.Event]:
    """A valid event of any type with up to four of its fields replaced by anything."""

    def text(max_size: int) -> st.SearchStrategy[str]:
        return st.text(UNICODE, max_size=max_size)

    fields: dict[str, st.SearchStrategy[Any]] = {
        "type": st.integers(-3, 9),
        "message_id": st.one_of(st.just(""), text(110)),
        "user_id": text(30),
        "anonymous_id": text(10),
        "event": text(20),
        "name": text(10),
        "group_id": text(5),
        "previous_id": text(5),
        "properties": json_texts(),
        "context": json_texts(),
        "traits": json_texts(),
        "integrations": json_texts(),
        "timestamp": timestamps(),
        "original_timestamp": timestamps(),
        "sent_at": timestamps(),
        "version": st.integers(-(2**31), 2**31 - 1),
    }

    def build(kind: int, changes: dict[str, Any]) -> E.Event:
        made = E.Event(
            type=kind,  # type: ignore[arg-type]
            user_id="user-1",
            event="Generated",
            group_id="g1",
            previous_id="p1",
            properties='{"plan": "pro"}',
        )
        for key, value in changes.items():
            if isinstance(value, Timestamp):
                getattr(made, key).CopyFrom(value)
            elif value is None:
                made.ClearField(key)
            else:
                setattr(made, key, value)
        return made

    changes = st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: fields[name] for name in names})
    )
    return st.builds(build, st.sampled_from(sorted(E.EventType.values())[1:]), changes)


def http_calls() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(
        ["type", "userId", "anonymousId", "messageId", "event", "properties", "context",
         "traits", "integrations", "timestamp", "sentAt", "version", "groupId", "previousId"]
    )  # fmt: skip
    return st.dictionaries(keys, json_values(), max_size=8)

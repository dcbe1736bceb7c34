"""The Getting Started checklist, computed from facts about the workspace (pure).

Tasks about features segd does not have yet (tracking plans, cloud sources, personas)
stay not done until those features supply a fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from segd.api.v1 import event_pb2

OBJECT_ACTION = re.compile(r"[A-Z][A-Za-z0-9]*( [A-Z][A-Za-z0-9]*)+")
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class Facts:
    members: int = 1
    invites: int = 0
    sources: int = 0
    #: Event types received on any live source.
    types_seen: frozenset[int] = frozenset()
    track_names: frozenset[str] = frozenset()
    #: Property keys seen on track events (dotted for nested ones).
    track_property_keys: frozenset[str] = frozenset()
    debugger_opened: bool = False
    destinations: int = 0
    #: Destinations whose plugin is in the Warehouse category.
    warehouses: int = 0


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    title: str
    done: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TaskGroup:
    title: str
    tasks: list[Task] = field(default_factory=list)


def follows_object_action(name: str) -> bool:
    """ "Order Completed": an object then an action, each word capitalised."""
    return OBJECT_ACTION.fullmatch(name) is not None


def is_snake_case(key: str) -> bool:
    """ "order_id" (and "address.zip_code" for nested keys)."""
    return all(SNAKE_CASE.fullmatch(part) for part in key.split("."))


def _share(items: Iterable[str], good: Callable[[str], bool]) -> tuple[int, int]:
    values = list(items)
    return sum(1 for v in values if good(v)), len(values)


def naming(facts: Facts) -> tuple[bool, str]:
    """Done when every track event name and property key follows the conventions."""
    names_ok, names = _share(facts.track_names, follows_object_action)
    keys_ok, keys = _share(facts.track_property_keys, is_snake_case)
    if names == 0:
        return False, "no track events yet"
    detail = f"{names_ok} of {names} event names follow Object Action"
    if keys:
        detail += f"; {keys_ok} of {keys} properties are snake_case"
    return names_ok == names and keys_ok == keys, detail


def _received(facts: Facts, *kinds: int) -> bool:
    return any(kind in facts.types_seen for kind in kinds)


def _later(_facts: Facts) -> tuple[bool, str]:
    """A task for a feature segd does not have yet."""
    return False, ""


Rule = Callable[[Facts], tuple[bool, str]]

GROUPS: tuple[tuple[str, tuple[tuple[str, str, Rule], ...]], ...] = (
    (
        "Basics",
        (
            ("invite_teammates", "Invite teammates", lambda f: (f.members + f.invites > 1, "")),
            ("add_source", "Add a source", lambda f: (f.sources > 0, "")),
            (
                "page_or_screen_received",
                "Receive page or screen events",
                lambda f: (
                    _received(f, event_pb2.EVENT_TYPE_PAGE, event_pb2.EVENT_TYPE_SCREEN),
                    "",
                ),
            ),
            ("add_destination", "Add a destination", lambda f: (f.destinations > 0, "")),
            ("debugger_opened", "Open the debugger", lambda f: (f.debugger_opened, "")),
        ),
    ),
    (
        "Instrumentation",
        (
            (
                "identify_received",
                "Receive identify events",
                lambda f: (_received(f, event_pb2.EVENT_TYPE_IDENTIFY), ""),
            ),
            (
                "track_received",
                "Receive track events",
                lambda f: (_received(f, event_pb2.EVENT_TYPE_TRACK), ""),
            ),
            ("tracking_plan", "Create a tracking plan", _later),
            ("naming", "Name events Object Action, properties snake_case", naming),
            ("add_warehouse", "Add a warehouse", lambda f: (f.warehouses > 0, "")),
            (
                "two_destinations",
                "Add two or more destinations",
                lambda f: (f.destinations >= 2, ""),
            ),
        ),
    ),
    (
        "Optimization",
        (
            ("two_sources", "Add two or more sources", lambda f: (f.sources >= 2, "")),
            ("cloud_source", "Add a cloud source", _later),
            ("tracking_plan_enforced", "Connect and enforce a tracking plan", _later),
            ("personas", "Use personas", _later),
        ),
    ),
)


def checklist(facts: Facts) -> list[TaskGroup]:
    groups = []
    for title, tasks in GROUPS:
        group = TaskGroup(title)
        for task_id, task_title, rule in tasks:
            done, detail = rule(facts)
            group.tasks.append(Task(task_id, task_title, done, detail))
        groups.append(group)
    return groups

"""segtui's pure rules: permissions, emails, Getting Started targets; and its boundaries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from segtui.models import Permissions, Role, RoleGrant
from segtui.problems import caret, settings_errors
from segtui.screens.destinations import sources_text
from segtui.screens.getting_started import progress_bar, target_of
from segtui.screens.members import chosen_grants, parse_emails

OWNER = (RoleGrant(Role.WORKSPACE_OWNER), RoleGrant(Role.WORKSPACE_MEMBER))
ADMIN_ALL = (RoleGrant(Role.WORKSPACE_MEMBER), RoleGrant(Role.SOURCE_ADMIN))
ADMIN_1 = (RoleGrant(Role.SOURCE_ADMIN, frozenset({1})),)
READ_ALL = (RoleGrant(Role.SOURCE_READ_ONLY),)
READ_2_ADMIN_1 = (
    RoleGrant(Role.SOURCE_READ_ONLY, frozenset({2})),
    RoleGrant(Role.SOURCE_ADMIN, frozenset({1})),
)
MEMBER = (RoleGrant(Role.WORKSPACE_MEMBER),)


@pytest.mark.parametrize(
    ("grants", "members", "create", "admin_1", "admin_2", "read_1", "read_2"),
    [
        (OWNER, True, True, True, True, True, True),
        (ADMIN_ALL, False, True, True, True, True, True),
        (ADMIN_1, False, False, True, False, True, False),
        (READ_ALL, False, False, False, False, True, True),
        (READ_2_ADMIN_1, False, False, True, False, True, True),
        (MEMBER, False, False, False, False, False, False),
        ((), False, False, False, False, False, False),
    ],
)
def test_permissions_mirror_the_daemons_policy(
    grants, members, create, admin_1, admin_2, read_1, read_2
):
    p = Permissions(grants)
    assert p.can_manage_members is members
    assert p.can_create_sources is create
    assert (p.can_admin_source(1), p.can_admin_source(2)) == (admin_1, admin_2)
    assert (p.can_read_source(1), p.can_read_source(2)) == (read_1, read_2)


@pytest.mark.parametrize(
    ("grants", "sources", "allowed"),
    [
        (OWNER, (), True),
        (OWNER, (1, 2), True),
        (ADMIN_ALL, (), True),
        (ADMIN_ALL, (1, 2), True),
        (ADMIN_1, (1,), True),
        (ADMIN_1, (1, 2), False),
        (ADMIN_1, (), False),  # an unconnected destination needs admin on all sources
        (READ_ALL, (1,), False),
        (MEMBER, (), False),
    ],
)
def test_destination_admin_needs_admin_on_every_source_it_touches(grants, sources, allowed):
    assert Permissions(grants).can_admin_destination(sources) is allowed


@pytest.mark.parametrize(
    ("grants", "summary"),
    [
        (OWNER, "Workspace Owner"),
        (MEMBER, "Workspace Member"),
        (READ_2_ADMIN_1, "Source Read-only (#2), Source Admin (#1)"),
    ],
)
def test_permission_summary(grants, summary):
    assert Permissions(grants).summary() == summary


@pytest.mark.parametrize(
    ("text", "good", "bad"),
    [
        ("ada@example.com", ["ada@example.com"], []),
        ("ada@example.com, grace@example.org", ["ada@example.com", "grace@example.org"], []),
        (
            "ada@example.com,,grace@example.org ; x@y.io",
            ["ada@example.com", "grace@example.org", "x@y.io"],
            [],
        ),
        ("ada@example.com, ADA@example.com", ["ada@example.com"], []),
        ("ada, @example.com, b@c", [], ["ada", "@example.com", "b@c"]),
        ("", [], []),
    ],
)
def test_parse_emails(text, good, bad):
    assert parse_emails(text) == (good, bad)


def test_kept_roles_keep_their_source_scope():
    previous = (RoleGrant(Role.SOURCE_ADMIN, frozenset({3})), RoleGrant(Role.WAREHOUSE_ADMIN))
    assert chosen_grants([Role.SOURCE_ADMIN, Role.SOURCE_READ_ONLY], previous) == [
        RoleGrant(Role.SOURCE_ADMIN, frozenset({3})),
        RoleGrant(Role.SOURCE_READ_ONLY),
    ]


@pytest.mark.parametrize(
    ("task", "mode", "action"),
    [
        ("invite_teammates", "members", "invite"),
        ("add_source", "sources", "add"),
        ("track_received", "sources", "debugger"),
        ("debugger_opened", "sources", "debugger"),
        ("naming", "sources", "schema"),
        ("add_destination", "destinations", "add"),
        ("tracking_plan", "", ""),
        ("something_new", "", ""),
    ],
)
def test_getting_started_tasks_lead_where_they_are_done(task, mode, action):
    target = target_of(task)
    assert (target.mode, target.action) == (mode, action)
    assert target.mode or target.note


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [(0, 5, "─" * 12), (5, 5, "━" * 12), (1, 4, "━━━" + "─" * 9), (0, 0, "─" * 12)],
)
def test_progress_bar(done, total, bar):
    assert progress_bar(done, total) == bar


SEGTUI = Path(__file__).resolve().parent.parent / "segtui"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(SEGTUI.rglob("*.py")), ids=lambda p: str(p.relative_to(SEGTUI))
)
def test_segtui_talks_to_segd_only_through_the_generated_api_in_one_package(path):
    imports = _imports(path)
    daemon = {name for name in imports if name.split(".")[0] == "segd"}
    assert all(name.startswith("segd.api.v1") for name in daemon), daemon
    wire = {name for name in imports if name.split(".")[0] in ("grpc", "google", "segd")}
    if path.parent.name != "client":
        assert not wire, f"only segtui/client/ may use gRPC and protobuf: {wire}"


def test_nothing_in_segd_imports_textual():
    for path in (SEGTUI.parent / "segd").rglob("*.py"):
        assert not any(n.split(".")[0] in ("textual", "segtui") for n in _imports(path)), path


@pytest.mark.parametrize(
    ("violations", "by_field", "other"),
    [
        ({"settings.urls[0]": "not a URL"}, {"urls": "line 1: not a URL"}, []),
        ({"settings.urls[2]": "bad", "settings.urls[0]": "worse"}, {"urls": "line 3: bad"}, []),
        ({"settings.timeout_seconds": "must be > 0"}, {"timeout_seconds": "must be > 0"}, []),
        ({"settings.headers.X-Key": "bad header"}, {"headers": "bad header"}, []),
        ({"name": "taken", "settings.batch_mode": "no"}, {"batch_mode": "no"}, ["name: taken"]),
        ({"": "something"}, {}, ["something"]),
    ],
)
def test_settings_errors_land_on_their_fields(violations, by_field, other):
    assert settings_errors(violations) == (by_field, other)


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("type = 'track' and", 18, "type = 'track' and\n                  ^ expected a condition"),
        ("event = ", 0, "event = \n^ expected a condition"),
        ("a = 1\nand b ==", 12, "and b ==\n      ^ expected a condition"),
        ("short", 99, "short\n     ^ expected a condition"),
    ],
)
def test_caret_points_at_the_place(text, position, expected):
    assert caret(text, position, "expected a condition") == expected


@pytest.mark.parametrize(
    ("ids", "shown"),
    [((), "—"), ((1,), "Website"), ((1, 2, 3), "Website +2"), ((9,), "#9")],
)
def test_destination_sources_column(ids, shown):
    assert sources_text(ids, {1: "Website", 2: "API", 3: "iOS"}) == shown

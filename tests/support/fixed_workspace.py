"""A stand-in for segd with fixed data, only for snapshot tests.

A snapshot compares rendered screens byte for byte, so what they show must not change
from run to run: a real daemon makes fresh write keys, tokens and timestamps each
time. Everything else about segtui is tested against a real daemon (test_tui_app.py);
this fake answers the read calls of the main screens with the same data every time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta

from segtui import models
from segtui.client import AdminClient
from segtui.models import Role, RoleGrant
from segtui.settings import ConnectionSettings

T0 = datetime(2024, 5, 14, 9, 30, tzinfo=UTC)

OWNER = models.Member(
    1,
    "owner@example.com",
    T0,
    (RoleGrant(Role.WORKSPACE_OWNER),),
    (),
    (RoleGrant(Role.WORKSPACE_OWNER), RoleGrant(Role.WORKSPACE_MEMBER)),
)
CATALOG = [
    models.SourceType(
        "javascript",
        "JavaScript",
        "Website",
        "Analytics.js in the browser.",
        "analytics.load('<WRITE_KEY>')",
        "javascript",
    ),
    models.SourceType(
        "ios",
        "iOS",
        "Mobile",
        "Analytics-Swift in an iOS app.",
        'Configuration(writeKey: "<WRITE_KEY>")',
        "swift",
    ),
    models.SourceType(
        "python",
        "Python",
        "Server",
        "analytics-python on a server.",
        "analytics.write_key = '<WRITE_KEY>'\nanalytics.host = 'http://127.0.0.1:8080'",
        "python",
    ),
    models.SourceType(
        "http_api",
        "HTTP API",
        "Server",
        "Any HTTP client.",
        "curl -u '<WRITE_KEY>:' http://127.0.0.1:8080/v1/track",
        "shell",
    ),
]
SOURCES = [
    models.Source(1, "Website", "website", True, "javascript", T0),
    models.Source(2, "Checkout API", "checkout_api", True, "python", T0),
    models.Source(3, "Legacy import", "legacy_import", False, "http_api", T0),
]
WRITE_KEY = "wk_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"


def _schema_event(
    type_: str, name: str, today: int, props: Iterable[tuple[str, str]]
) -> models.SchemaEvent:
    return models.SchemaEvent(
        type_,
        name,
        today,
        today * 6,
        today * 30,
        T0 - timedelta(days=30),
        T0,
        tuple(models.SchemaProperty(k, (t,), today * 30) for k, t in props),
        False,
    )


SCHEMA = models.Schema(
    (
        _schema_event(
            "track", "Order Completed", 120, [("revenue", "number"), ("currency", "string")]
        ),
        _schema_event("track", "Product Viewed", 900, [("product_id", "string")]),
        _schema_event("identify", "", 45, [("email", "string"), ("plan", "string")]),
        _schema_event("page", "Home", 2000, [("path", "string")]),
    )
)


def _event(
    n: int, type_: str, name: str, user: str, body: str, status: str = "accepted"
) -> models.DebugEvent:
    return models.DebugEvent(
        type_,
        name,
        user,
        "",
        f"msg-{n:04d}",
        T0 + timedelta(seconds=n),
        status,
        "missing_identity" if status == "rejected" else "",
        "userId or anonymousId is required" if status == "rejected" else "",
        body,
        body,
    )


EVENTS = [
    _event(
        1,
        "identify",
        "",
        "user-42",
        '{"type":"identify","userId":"user-42","traits":{"plan":"pro"}}',
    ),
    _event(2, "page", "Home", "user-42", '{"type":"page","userId":"user-42","name":"Home"}'),
    _event(
        3,
        "track",
        "Product Viewed",
        "user-42",
        '{"type":"track","userId":"user-42","event":"Product Viewed","properties":{"product_id":"p-7"}}',
    ),
    _event(
        4,
        "track",
        "Order Completed",
        "user-42",
        '{"type":"track","userId":"user-42","event":"Order Completed","messageId":"msg-0004",'
        '"properties":{"revenue":42.5,"currency":"EUR"},"receivedAt":"2024-05-14T09:30:04Z"}',
    ),
    _event(
        5,
        "track",
        "Checkout Started",
        "",
        '{"type":"track","event":"Checkout Started"}',
        "rejected",
    ),
]
MEMBERS = [
    OWNER,
    models.Member(
        2,
        "ada@example.com",
        T0,
        (RoleGrant(Role.SOURCE_ADMIN),),
        (1,),
        (RoleGrant(Role.SOURCE_ADMIN), RoleGrant(Role.WORKSPACE_MEMBER)),
    ),
    models.Member(
        3,
        "grace@example.com",
        T0,
        (RoleGrant(Role.SOURCE_READ_ONLY, frozenset({2})),),
        (),
        (RoleGrant(Role.SOURCE_READ_ONLY, frozenset({2})),),
    ),
]
INVITES = [
    models.Invite(
        7,
        "linus@example.com",
        (RoleGrant(Role.SOURCE_READ_ONLY),),
        (),
        T0,
        T0 + timedelta(hours=72),
        "owner@example.com",
        False,
    ),
]
GROUPS = [models.Group(1, "Analysts", (RoleGrant(Role.SOURCE_READ_ONLY),), (2,))]
ROLES = [
    models.RoleInfo(r, r.label, "", r in (Role.SOURCE_ADMIN, Role.SOURCE_READ_ONLY)) for r in Role
]


def _task(task_id: str, title: str, done: bool, detail: str = "") -> models.GettingStartedTask:
    return models.GettingStartedTask(task_id, title, done, detail)


GETTING_STARTED = [
    models.GettingStartedGroup(
        "Basics",
        (
            _task("invite_teammates", "Invite teammates", True),
            _task("add_source", "Add a source", True),
            _task("page_or_screen_received", "Receive page or screen events", True),
            _task("add_destination", "Add a destination", False),
            _task("debugger_opened", "Open the debugger", True),
        ),
    ),
    models.GettingStartedGroup(
        "Instrumentation",
        (
            _task("identify_received", "Receive identify events", True),
            _task("track_received", "Receive track events", True),
            _task("tracking_plan", "Create a tracking plan", False),
            _task(
                "naming",
                "Name events Object Action, properties snake_case",
                False,
                "3 of 4 event names",
            ),
            _task("add_warehouse", "Add a warehouse", False),
            _task("two_destinations", "Add two or more destinations", False),
        ),
    ),
    models.GettingStartedGroup(
        "Optimization",
        (
            _task("two_sources", "Add two or more sources", True),
            _task("cloud_source", "Add a cloud source", False),
            _task("tracking_plan_enforced", "Connect and enforce a tracking plan", False),
            _task("personas", "Use personas", False),
        ),
    ),
]


WEBHOOK_SCHEMA = {
    "type": "object",
    "title": "WebhookSettings",
    "required": ["urls"],
    "properties": {
        "urls": {
            "type": "array",
            "items": {"type": "string", "format": "uri"},
            "minItems": 1,
            "maxItems": 5,
            "title": "Webhook URLs",
            "description": "Each event is POSTed to every URL (at most 5).",
        },
        "shared_secret": {
            "anyOf": [
                {"type": "string", "format": "password", "writeOnly": True},
                {"type": "null"},
            ],
            "default": None,
            "title": "Shared secret",
        },
        "timeout_seconds": {
            "type": "number",
            "default": 10.0,
            "exclusiveMinimum": 0,
            "maximum": 300,
            "title": "Timeout",
        },
        "batch_mode": {"type": "boolean", "default": False, "title": "Batch mode"},
    },
}
DESTINATION_TYPES = [
    models.DestinationType(
        "webhook", "Webhooks", "Other", "POSTs each event's JSON to your URLs.", WEBHOOK_SCHEMA
    ),
    models.DestinationType(
        "archive",
        "Archive",
        "Storage",
        "Gzipped JSON lines, one file an hour.",
        {"type": "object", "properties": {}},
    ),
]
DESTINATIONS = [
    models.Destination(
        10,
        "Orders hook",
        "webhook",
        "Webhooks",
        True,
        (1, 2),
        {
            "urls": ["https://hooks.example.com/orders"],
            "shared_secret": "**********",
            "timeout_seconds": 10.0,
            "batch_mode": False,
        },
        3,
        T0,
        T0,
    ),
    models.Destination(11, "Cold storage", "archive", "Archive", False, (1,), {}, 1, T0, T0),
]
#: Not in the destinations list (its snapshot stays as it is): its page is opened directly.
WAREHOUSE = models.Destination(
    12, "Analytics warehouse", "warehouse", "Data Warehouse", True, (1, 2), {}, 2, T0, T0
)
WAREHOUSE_STATUS = models.WarehouseStatus(
    12,
    "duckdb /var/lib/segd/warehouse.duckdb",
    T0 + timedelta(minutes=9),
    1_250,
    2_730,
    42,
    51_318,
    3,
    tuple(
        models.WarehouseTable(schema, table, rows, T0 + timedelta(minutes=9))
        for schema, table, rows in (
            ("checkout_api", "order_completed", 8_112),
            ("checkout_api", "tracks", 8_112),
            ("website", "discards", 3),
            ("website", "identifies", 2_406),
            ("website", "pages", 40_800),
            ("website", "users", 1_984),
        )
    ),
    "cannot open /var/lib/segd/warehouse.duckdb: Could not set lock on file",
    T0 + timedelta(minutes=7),
)
DELIVERY = models.DeliveryStatus(
    10,
    18_240,
    312,
    4,
    1,
    38.0,
    212.0,
    60,
    (
        models.DeliveryError(
            T0 + timedelta(minutes=5),
            991,
            "msg-0991",
            False,
            "HTTP 400 from https://hooks.example.com/orders",
            "POST /orders HTTP/1.1\nContent-Type: application/json\n\n{...}",
            'HTTP/1.1 400 Bad Request\n\n{"error": "unknown field"}',
        ),
        models.DeliveryError(
            T0 + timedelta(minutes=3),
            977,
            "msg-0977",
            True,
            "HTTP 503 from https://hooks.example.com/orders",
            "",
            "",
        ),
    ),
)
DEAD = [
    models.DeadLetter(
        5,
        991,
        1,
        "msg-0991",
        T0,
        '{"type":"track"}',
        1,
        "HTTP 400 from https://hooks.example.com/orders",
        "",
        "",
        T0 + timedelta(minutes=5),
    ),
]
FILTERS = [
    models.DestinationFilter(
        1, 10, models.FilterSpec("drop", "event = 'Test Event'", title="No test events"), T0
    ),
    models.DestinationFilter(
        2,
        10,
        models.FilterSpec("drop_properties", "all", fields=("context.ip",), title="No IPs"),
        T0,
    ),
]


class FixedWorkspace(AdminClient):
    """The Admin API's read calls answered from the constants above; no network."""

    def __init__(self) -> None:
        super().__init__(ConnectionSettings(addr="127.0.0.1:50051", token="fixed"))

    async def close(self) -> None:
        return None

    async def whoami(self) -> models.Member:
        return OWNER

    async def getting_started(self) -> list[models.GettingStartedGroup]:
        return GETTING_STARTED

    async def list_sources(self) -> list[models.Source]:
        return SOURCES

    async def source_catalog(self) -> list[models.SourceType]:
        return CATALOG

    async def get_source(self, source_id: int) -> models.Source:
        return next(s for s in SOURCES if s.id == source_id)

    async def schema(self, source_id: int) -> models.Schema:
        return SCHEMA if source_id != 3 else models.Schema()

    async def write_keys(self, source_id: int) -> models.WriteKeys:
        return models.WriteKeys(WRITE_KEY)

    async def tail_events(
        self, source_id: int, recent: int = 100, types: Iterable[str] = ()
    ) -> AsyncIterator[models.DebugEvent | models.Skipped]:
        for event in EVENTS:
            yield event
        await asyncio.Event().wait()  # a quiet stream: nothing more arrives

    async def list_members(self) -> list[models.Member]:
        return MEMBERS

    async def list_invites(self) -> list[models.Invite]:
        return INVITES

    async def list_groups(self) -> list[models.Group]:
        return GROUPS

    async def list_roles(self) -> list[models.RoleInfo]:
        return ROLES

    async def destination_catalog(self) -> list[models.DestinationType]:
        return DESTINATION_TYPES

    async def list_destinations(self) -> list[models.Destination]:
        return DESTINATIONS

    async def get_destination(self, destination_id: int) -> models.Destination:
        return next(d for d in [*DESTINATIONS, WAREHOUSE] if d.id == destination_id)

    async def delivery_status(self, destination_id: int, errors: int = 10) -> models.DeliveryStatus:
        return (
            DELIVERY
            if destination_id == 10
            else models.DeliveryStatus(destination_id, 0, 0, 0, 0, None, None, 60, ())
        )

    async def dead_letters(self, destination_id: int, limit: int = 100) -> list[models.DeadLetter]:
        return DEAD if destination_id == 10 else []

    async def list_filters(self, destination_id: int) -> list[models.DestinationFilter]:
        return FILTERS if destination_id == 10 else []

    async def warehouse_status(self, destination_id: int) -> models.WarehouseStatus:
        return WAREHOUSE_STATUS

"""Destination methods of the Admin API on a real daemon: round trips, secrets, errors
that name their field, filters, audit, who may do what, Getting Started."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from segd.api.v1 import admin_pb2 as pb
from tests.support.admin import AdminClient, field_violations, member_with, text_positions
from tests.support.daemon import Daemon, segd_command

SECRET = "hmac-key-7f3a9c"
TOKEN = "Bearer tok-51d0e2"
HOOK = {
    "urls": ["http://127.0.0.1:9/hook"],
    "shared_secret": SECRET,
    "headers": {"Authorization": TOKEN, "X-Team": "growth"},
}


@pytest.fixture
def owner(daemon: Daemon) -> Iterator[AdminClient]:
    with daemon.channel() as channel:
        yield AdminClient(channel, daemon.owner_token)  # type: ignore[attr-defined]


@pytest.fixture
def s1(owner: AdminClient) -> int:
    return int(owner.ListSources().sources[0].id)


def failure(call: Callable[[], object], code: grpc.StatusCode) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    return caught.value


def create(owner: AdminClient, name: str, sources: list[int], **settings: Any) -> pb.Destination:
    return owner.CreateDestination(
        name=name,
        type="webhook",
        source_ids=sources,
        settings_json=json.dumps({**HOOK, **settings}),
        enabled=False,  # no worker: these tests are about configuration
    ).destination


def stored_settings(data_dir: Path, destination_id: int) -> dict[str, Any]:
    with sqlite3.connect(data_dir / "segd.db") as conn:
        (text,) = conn.execute(
            "SELECT settings FROM destinations WHERE id = ?", (destination_id,)
        ).fetchone()
    return dict(json.loads(text))


def no_secret_in(message: Any) -> None:
    data = message.SerializeToString()
    assert SECRET.encode() not in data and TOKEN.encode() not in data


def test_catalog_lists_the_installed_plugins_with_their_schemas(owner: AdminClient) -> None:
    types = {t.name: t for t in owner.ListDestinationCatalog().types}
    assert {"webhook", "archive", "warehouse"} <= set(types)
    webhook = types["webhook"]
    assert (webhook.display_name, webhook.category) == ("Webhooks", "Other")
    assert types["warehouse"].category == "Warehouse"
    assert webhook.description.startswith("POSTs each event")
    schema = json.loads(webhook.settings_schema_json)
    assert schema["required"] == ["urls"]
    secret = schema["properties"]["shared_secret"]["anyOf"][0]
    assert secret["writeOnly"] is True and secret["format"] == "password"
    assert schema["properties"]["batch_size"]["default"] == 100


def test_a_destination_round_trips_and_its_secrets_never_come_back(
    daemon: Daemon, owner: AdminClient, s1: int
) -> None:
    s2 = owner.CreateSource(name="Mobile").source.id
    created = create(owner, "crm", [s1])
    no_secret_in(created)
    assert (created.name, created.type, created.display_name) == ("crm", "webhook", "Webhooks")
    assert (list(created.source_ids), created.enabled) == ([s1], False)
    shown = json.loads(created.settings_json)
    assert shown["shared_secret"] == "**********"
    assert shown["headers"] == {"Authorization": "**********", "X-Team": "**********"}
    assert shown["timeout_seconds"] == 10.0  # defaults filled in
    assert created.HasField("created_at") and created.version == 1

    got = owner.GetDestination(destination_id=created.id).destination
    assert got == created
    assert [d.name for d in owner.ListDestinations().destinations] == ["crm"]

    # Rename and change a setting: the secrets left out are kept; one sent back masked too.
    updated = owner.UpdateDestination(
        destination_id=created.id,
        name="CRM hook",
        settings_json=json.dumps(
            {"timeout_seconds": 3, "headers": {"Authorization": "**********", "X-Env": "prod"}}
        ),
    ).destination
    no_secret_in(updated)
    assert updated.name == "CRM hook" and updated.version > created.version
    assert json.loads(updated.settings_json)["timeout_seconds"] == 3
    stored = stored_settings(daemon.data_dir, created.id)
    assert stored["shared_secret"] == SECRET
    assert stored["headers"] == {"Authorization": TOKEN, "X-Env": "prod"}
    # null takes an optional secret away.
    cleared = owner.UpdateDestination(
        destination_id=created.id, settings_json='{"shared_secret": null}'
    ).destination
    assert json.loads(cleared.settings_json)["shared_secret"] is None

    enabled = owner.SetDestinationEnabled(destination_id=created.id, enabled=True).destination
    assert enabled.enabled
    connected = owner.ConnectDestinationSources(destination_id=created.id, source_ids=[s2, s1])
    assert list(connected.destination.source_ids) == [s1, s2]
    disconnected = owner.DisconnectDestinationSources(destination_id=created.id, source_ids=[s1])
    assert list(disconnected.destination.source_ids) == [s2]

    for reply in (owner.ListDestinations(), owner.GetDestination(destination_id=created.id)):
        no_secret_in(reply)
    owner.DeleteDestination(destination_id=created.id)
    failure(lambda: owner.GetDestination(destination_id=created.id), grpc.StatusCode.NOT_FOUND)
    assert not owner.ListDestinations().destinations


def test_every_change_is_audited_with_secrets_masked(
    daemon: Daemon, owner: AdminClient, s1: int
) -> None:
    d = create(owner, "audited", [s1])
    owner.UpdateDestination(destination_id=d.id, settings_json='{"batch_mode": true}')
    owner.SetDestinationEnabled(destination_id=d.id, enabled=True)
    s2 = owner.CreateSource(name="Two").source.id
    owner.ConnectDestinationSources(destination_id=d.id, source_ids=[s2])
    owner.DisconnectDestinationSources(destination_id=d.id, source_ids=[s2])
    spec = pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="event = 'A'")
    f = owner.CreateDestinationFilter(destination_id=d.id, spec=spec).filter
    spec.condition = "event = 'B'"
    owner.UpdateDestinationFilter(destination_id=d.id, filter_id=f.id, spec=spec)
    owner.DeleteDestinationFilter(destination_id=d.id, filter_id=f.id)
    owner.ReplayDeadLetters(destination_id=d.id)
    owner.DeleteDestination(destination_id=d.id)

    log = owner.ListAuditLog()
    no_secret_in(log)
    entries = [e for e in reversed(log.entries) if e.target.startswith("destination:")]
    target, filter_target = f"destination:{d.id}", f"destination:{d.id}/filter:{f.id}"
    assert [(e.action, e.target) for e in entries] == [
        ("destination.create", target),
        ("destination.update", target),
        ("destination.enable", target),
        ("destination.connect", target),
        ("destination.disconnect", target),
        ("filter.create", filter_target),
        ("filter.update", filter_target),
        ("filter.delete", filter_target),
        ("destination.replay", target),
        ("destination.delete", target),
    ]
    assert all(e.actor == "owner@localhost" for e in entries)
    create_entry, update_entry = entries[0], entries[1]
    assert create_entry.before_json == ""
    after = json.loads(create_entry.after_json)
    assert after["settings"]["shared_secret"] == "**********" and after["source_ids"] == [s1]
    before, after = json.loads(update_entry.before_json), json.loads(update_entry.after_json)
    assert (before["settings"]["batch_mode"], after["settings"]["batch_mode"]) == (False, True)
    assert json.loads(entries[3].after_json)["source_ids"] == [s1, s2]
    assert json.loads(entries[6].before_json)["condition"] == "event = 'A'"
    assert json.loads(entries[6].after_json)["condition"] == "event = 'B'"
    assert json.loads(entries[8].after_json) == {"dead_letter_ids": "all", "replayed": 0}
    assert entries[-1].after_json == "" and json.loads(entries[-1].before_json)["name"] == "audited"


def test_cli_changes_are_audited_as_cli(daemon: Daemon, owner: AdminClient) -> None:
    segd_command(
        "destination", "add", "from shell", "--type", "webhook", "--source", "test_source",
        "--settings", json.dumps(HOOK), "--disabled", data_dir=daemon.data_dir,
    )  # fmt: skip
    segd_command("destination", "update", "from shell", "--name", "renamed",
                 data_dir=daemon.data_dir)  # fmt: skip
    entries = [e for e in owner.ListAuditLog().entries if e.target.startswith("destination:")]
    assert [(e.action, e.actor) for e in entries] == [
        ("destination.update", "cli"),
        ("destination.create", "cli"),
    ]
    assert json.loads(entries[0].after_json)["name"] == "renamed"
    no_secret_in(owner.ListAuditLog())


@pytest.mark.parametrize(
    ("request_fields", "violations"),
    [
        (
            {"settings_json": '{"urls": ["not a url", "http://ok/"], "timeout_seconds": -1}'},
            {
                "settings.urls[0]": "Input should be a valid URL, relative URL without a base",
                "settings.timeout_seconds": "Input should be greater than 0",
            },
        ),
        ({"settings_json": '{"urls": []}'}, {"settings.urls": "List should have at least 1 item"}),
        ({"settings_json": "{}"}, {"settings.urls": "Field required"}),
        (
            {"settings_json": '{"urls": ["http://a/"], "bogus": 1}'},
            {"settings.bogus": "Extra inputs are not permitted"},
        ),
        (
            {"settings_json": '{"urls": ["http://a/"], "headers": {"Host": "x"}}'},
            {"settings.headers": "Value error, the Host header is set by the destination itself"},
        ),
        ({"settings_json": "{oops"}, {"settings": "not valid JSON"}),
        ({"settings_json": "[1]"}, {"settings": "must be a JSON object"}),
        ({"type": "nope"}, {"type": "unknown destination type 'nope'"}),
        ({"name": "  "}, {"name": "a destination needs a name of 1 to 100 characters"}),
        ({"name": "x" * 101}, {"name": "a destination needs a name of 1 to 100 characters"}),
    ],
)  # fmt: skip
def test_bad_settings_name_their_fields(
    owner: AdminClient, s1: int, request_fields: dict[str, Any], violations: dict[str, str]
) -> None:
    fields = {"name": "x", "type": "webhook", "source_ids": [s1], **request_fields}
    error = failure(lambda: owner.CreateDestination(**fields), grpc.StatusCode.INVALID_ARGUMENT)
    found = field_violations(error)
    assert set(found) == set(violations)
    for field, description in violations.items():
        assert description in found[field]
        assert field.removeprefix("settings.") in (error.details() or "")
    assert not owner.ListDestinations().destinations


def test_bad_updates_name_their_fields_and_change_nothing(
    daemon: Daemon, owner: AdminClient, s1: int
) -> None:
    d = create(owner, "hook", [s1])
    create(owner, "other", [s1])
    error = failure(
        lambda: owner.UpdateDestination(
            destination_id=d.id, settings_json='{"max_connections": 0}'
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violations(error) == {
        "settings.max_connections": "Input should be greater than or equal to 1"
    }
    failure(
        lambda: owner.UpdateDestination(destination_id=d.id, name="other"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    failure(lambda: create(owner, "hook", [s1]), grpc.StatusCode.ALREADY_EXISTS)
    error = failure(
        lambda: owner.ConnectDestinationSources(destination_id=d.id),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violations(error) == {"source_ids": "name one or more sources"}
    failure(
        lambda: owner.ConnectDestinationSources(destination_id=d.id, source_ids=[999]),
        grpc.StatusCode.NOT_FOUND,
    )
    failure(lambda: create(owner, "ghost", [999]), grpc.StatusCode.NOT_FOUND)
    for call in (
        lambda: owner.GetDestination(destination_id=999),
        lambda: owner.SetDestinationEnabled(destination_id=999, enabled=True),
        lambda: owner.DeleteDestination(destination_id=999),
        lambda: owner.GetDeliveryStatus(destination_id=999),
        lambda: owner.ListDeadLetters(destination_id=999),
        lambda: owner.ReplayDeadLetters(destination_id=999),
        lambda: owner.ListDestinationFilters(destination_id=999),
    ):
        failure(call, grpc.StatusCode.NOT_FOUND)
    for call in (
        lambda: owner.GetDeliveryStatus(destination_id=d.id, errors=21),
        lambda: owner.ListDeadLetters(destination_id=d.id, limit=1001),
        lambda: owner.ListDeadLetters(destination_id=d.id, limit=-1),
    ):
        failure(call, grpc.StatusCode.INVALID_ARGUMENT)
    after = owner.GetDestination(destination_id=d.id).destination
    assert (after.name, after.version) == ("hook", d.version)
    assert stored_settings(daemon.data_dir, d.id) == HOOK


CONDITION = "type = 'track' and (event = 'A' or)"


@pytest.mark.parametrize(
    ("spec", "field", "description", "position"),
    [
        (pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition=CONDITION), "spec.condition",
         "expected a value, found ')' at position 34", 34),
        (pb.FilterSpec(kind=pb.FILTER_KIND_ONLY, condition="event = "), "spec.condition",
         "expected a value", 8),
        (pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="properties.x ~ 1"), "spec.condition",
         "", 13),
        (pb.FilterSpec(condition="all"), "spec.kind", "choose a filter kind", None),
        (pb.FilterSpec(kind=pb.FILTER_KIND_SAMPLE), "spec.percent", "between 0 and 1", None),
        (pb.FilterSpec(kind=pb.FILTER_KIND_SAMPLE, percent=1.5), "spec.percent", "between 0 and 1",
         None),
        (pb.FilterSpec(kind=pb.FILTER_KIND_DROP_PROPERTIES), "spec.fields", "at least one field",
         None),
        (pb.FilterSpec(kind=pb.FILTER_KIND_ALLOW_PROPERTIES, fields=["email"]), "spec.fields",
         "must name an object and a key", None),
    ],
)  # fmt: skip
def test_bad_filters_name_their_field_and_fql_errors_their_position(
    owner: AdminClient,
    s1: int,
    spec: pb.FilterSpec,
    field: str,
    description: str,
    position: int | None,
) -> None:
    d = create(owner, "filtered", [s1])
    kept = owner.CreateDestinationFilter(
        destination_id=d.id, spec=pb.FilterSpec(kind=pb.FILTER_KIND_DROP, condition="event = 'Z'")
    ).filter
    for call in (
        lambda: owner.CreateDestinationFilter(destination_id=d.id, spec=spec),
        lambda: owner.UpdateDestinationFilter(destination_id=d.id, filter_id=kept.id, spec=spec),
    ):
        error = failure(call, grpc.StatusCode.INVALID_ARGUMENT)
        violations = field_violations(error)
        assert list(violations) == [field] and description in violations[field]
        expected_positions = {} if position is None else {field: position}
        assert text_positions(error) == expected_positions
    assert list(owner.ListDestinationFilters(destination_id=d.id).filters) == [kept]


def test_filters_round_trip(owner: AdminClient, s1: int) -> None:
    d = create(owner, "filtered", [s1])
    other = create(owner, "other", [s1])
    sample = pb.FilterSpec(
        kind=pb.FILTER_KIND_SAMPLE,
        condition="type = 'page'",
        percent=0.25,
        path="userId",
        title="a quarter of pages",
    )
    created = owner.CreateDestinationFilter(destination_id=d.id, spec=sample).filter
    assert (created.destination_id, created.spec) == (d.id, sample)
    assert created.HasField("created_at")
    dropped = pb.FilterSpec(
        kind=pb.FILTER_KIND_DROP_PROPERTIES,
        fields=["properties.email", "context.ip"],
        disabled=True,
    )
    second = owner.CreateDestinationFilter(destination_id=d.id, spec=dropped).filter
    # The sample path defaults to messageId.
    assert second.spec.path == "messageId"
    assert [f.id for f in owner.ListDestinationFilters(destination_id=d.id).filters] == [
        created.id,
        second.id,
    ]

    edited = pb.FilterSpec(kind=pb.FILTER_KIND_ONLY, condition="event = 'Order Completed'")
    updated = owner.UpdateDestinationFilter(
        destination_id=d.id, filter_id=created.id, spec=edited
    ).filter
    assert (updated.id, updated.spec.kind, updated.spec.condition) == (
        created.id,
        pb.FILTER_KIND_ONLY,
        "event = 'Order Completed'",
    )
    assert not updated.spec.HasField("percent")
    assert owner.ListDestinationFilters(destination_id=d.id).filters[0] == updated
    assert owner.GetDestination(destination_id=d.id).destination.version > d.version

    # A filter is reached through its own destination only.
    for call in (
        lambda: owner.UpdateDestinationFilter(
            destination_id=other.id, filter_id=created.id, spec=edited
        ),
        lambda: owner.DeleteDestinationFilter(destination_id=other.id, filter_id=created.id),
    ):
        failure(call, grpc.StatusCode.NOT_FOUND)
    owner.DeleteDestinationFilter(destination_id=d.id, filter_id=created.id)
    failure(
        lambda: owner.DeleteDestinationFilter(destination_id=d.id, filter_id=created.id),
        grpc.StatusCode.NOT_FOUND,
    )
    assert [f.id for f in owner.ListDestinationFilters(destination_id=d.id).filters] == [second.id]


def grant(role: int, *sources: int) -> pb.RoleGrant:
    return pb.RoleGrant(role=role, source_ids=sources)  # type: ignore[arg-type]


def test_a_destination_of_two_sources_needs_admin_on_both(owner: AdminClient, s1: int) -> None:
    s2 = owner.CreateSource(name="Two").source.id
    both = create(owner, "both", [s1, s2])
    only_s1 = create(owner, "only one", [s1])
    unconnected = create(owner, "unconnected", [])
    admin_s1 = member_with(owner, "a1@example.com", grant(pb.ROLE_SOURCE_ADMIN, s1))
    admin_all = member_with(owner, "all@example.com", grant(pb.ROLE_SOURCE_ADMIN))
    reader_s2 = member_with(owner, "r2@example.com", grant(pb.ROLE_SOURCE_READ_ONLY, s2))
    denied = grpc.StatusCode.PERMISSION_DENIED

    # Seeing needs a role on any of its sources; managing needs admin on all of them.
    assert admin_s1.GetDestination(destination_id=both.id).destination.name == "both"
    failure(lambda: admin_s1.UpdateDestination(destination_id=both.id, name="x"), denied)
    failure(lambda: admin_s1.DeleteDestination(destination_id=both.id), denied)
    failure(
        lambda: admin_s1.DisconnectDestinationSources(destination_id=both.id, source_ids=[s2]),
        denied,
    )
    failure(
        lambda: admin_s1.ConnectDestinationSources(destination_id=only_s1.id, source_ids=[s2]),
        denied,
    )
    failure(lambda: admin_s1.CreateDestination(name="x", type="webhook", source_ids=[s2]), denied)
    admin_s1.UpdateDestination(destination_id=only_s1.id, name="renamed by a1")
    # Once disconnected from S2, the destination is S1's: its admin may manage it.
    admin_all.DisconnectDestinationSources(destination_id=both.id, source_ids=[s2])
    admin_s1.SetDestinationEnabled(destination_id=both.id, enabled=False)
    failure(lambda: reader_s2.GetDestination(destination_id=both.id), denied)

    # A destination without sources needs the role on all sources.
    failure(lambda: admin_s1.GetDestination(destination_id=unconnected.id), denied)
    failure(lambda: admin_s1.CreateDestination(name="y", type="webhook"), denied)
    assert admin_all.GetDestination(destination_id=unconnected.id).destination.id == unconnected.id

    def names(client: AdminClient) -> set[str]:
        return {d.name for d in client.ListDestinations().destinations}

    assert names(admin_s1) == {"both", "renamed by a1"}
    assert names(reader_s2) == set()
    assert names(admin_all) == names(owner) == {"both", "renamed by a1", "unconnected"}
    # Read-only roles see, and are refused any change.
    reader_s1 = member_with(owner, "r1@example.com", grant(pb.ROLE_SOURCE_READ_ONLY, s1))
    assert reader_s1.GetDeliveryStatus(destination_id=both.id).status.destination_id == both.id
    assert not reader_s1.ListDeadLetters(destination_id=both.id).dead_letters
    failure(lambda: reader_s1.ReplayDeadLetters(destination_id=both.id), denied)
    failure(
        lambda: reader_s1.CreateDestinationFilter(
            destination_id=both.id, spec=pb.FilterSpec(kind=pb.FILTER_KIND_DROP)
        ),
        denied,
    )


def test_getting_started_counts_destinations_made_through_the_api(
    owner: AdminClient, s1: int
) -> None:
    def done() -> dict[str, bool]:
        groups = owner.GetGettingStarted().groups
        return {t.id: t.done for g in groups for t in g.tasks}

    assert not any(done()[t] for t in ("add_destination", "two_destinations", "add_warehouse"))
    first = create(owner, "first", [s1])
    assert done()["add_destination"] and not done()["two_destinations"]
    create(owner, "second", [s1])
    assert done()["two_destinations"] and not done()["add_warehouse"]
    warehouse = owner.CreateDestination(
        name="warehouse", type="warehouse", source_ids=[s1], enabled=False
    ).destination
    assert done()["add_warehouse"]
    owner.DeleteDestination(destination_id=warehouse.id)
    owner.DeleteDestination(destination_id=first.id)
    assert done()["add_destination"] and not done()["two_destinations"]
    assert not done()["add_warehouse"]

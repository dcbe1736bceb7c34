"""A warehouse destination's sync status through the Admin API: a real daemon loads
events sent to its collector into DuckDB, and GetWarehouseStatus reports the load."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import grpc
import pytest

from segd.api.v1 import admin_pb2 as pb
from tests.support.admin import AdminClient, member_with
from tests.support.daemon import Daemon
from tests.support.delivery import SOURCE, eventually, fast_config, send

#: Sync within a fraction of a second, so that the test does not wait a minute.
QUICK_SYNC = {"batch_max_wait_seconds": 0.2, "batch_size": 500}


@pytest.fixture
def fast_daemon(workspace: tuple[Path, str, str], tmp_path: Path) -> Iterator[Daemon]:
    data_dir, token, write_key = workspace
    daemon = Daemon(data_dir, config=fast_config(tmp_path / "segd.toml")).start()
    daemon.write_key = write_key  # type: ignore[attr-defined]
    daemon.owner_token = token  # type: ignore[attr-defined]
    yield daemon
    daemon.kill()


@pytest.fixture
def owner(fast_daemon: Daemon) -> Iterator[AdminClient]:
    with fast_daemon.channel() as channel:
        yield AdminClient(channel, fast_daemon.owner_token)  # type: ignore[attr-defined]


def create(owner: AdminClient, name: str, type_name: str, settings: object) -> pb.Destination:
    source = owner.ListSources().sources[0].id
    return owner.CreateDestination(
        name=name, type=type_name, source_ids=[source], settings_json=json.dumps(settings)
    ).destination


def warehouse_status(client: AdminClient, destination: pb.Destination) -> pb.WarehouseStatus:
    return client.GetWarehouseStatus(destination_id=destination.id).status


def loads(daemon: Daemon) -> int:
    """How many loads the daemon has committed to the warehouse."""
    return sum(entry.get("event") == "warehouse.loaded" for entry in list(daemon.logs))


def rows_by_table(status: pb.WarehouseStatus) -> dict[str, int]:
    return {f"{t.schema}.{t.table}": t.rows_loaded for t in status.tables}


def refused(call: Callable[[], object], code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


def test_the_status_reports_the_rows_each_sync_loaded(
    fast_daemon: Daemon, owner: AdminClient
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    warehouse = create(owner, "wh", "warehouse", QUICK_SYNC)
    before = warehouse_status(owner, warehouse)
    assert before.destination_id == warehouse.id and before.syncs == 0
    assert not before.HasField("last_sync_at") and not before.tables

    # Wait on the daemon's log, not by asking for the status over and over: each read
    # opens the DuckDB file, and a load that finds it held fails (and is retried).
    send(fast_daemon, ["oc-1", "oc-2", "oc-3"], properties='{"total": 30}')
    eventually(lambda: loads(fast_daemon) == 1, what="a first load")
    status = warehouse_status(owner, warehouse)
    tables = rows_by_table(status)
    assert tables[f"{SOURCE}.tracks"] == 3 and tables[f"{SOURCE}.order_completed"] == 3
    assert status.HasField("last_sync_at")
    assert started <= status.last_sync_at.ToDatetime(tzinfo=UTC) <= datetime.now(UTC)
    assert (status.syncs, status.events_loaded, status.discarded) == (1, 3, 0)
    assert (status.last_sync_events, status.last_sync_rows) == (3, 6)
    assert status.warehouse == f"duckdb {fast_daemon.data_dir / 'warehouse.duckdb'}"
    assert not status.HasField("last_error") and not status.HasField("last_error_at")

    # A value that does not fit its column goes to the discards table, and is counted.
    send(fast_daemon, ["oc-4"], properties='{"total": "thirty"}')
    eventually(lambda: loads(fast_daemon) == 2, what="a second load")
    status = warehouse_status(owner, warehouse)
    assert (status.syncs, status.events_loaded) == (2, 4)
    assert rows_by_table(status)[f"{SOURCE}.order_completed"] == 4
    assert status.discarded == 1 and rows_by_table(status)[f"{SOURCE}.discards"] == 1


def test_asking_for_the_status_while_loading_never_fails_a_load(
    fast_daemon: Daemon, owner: AdminClient
) -> None:
    """The daemon answers from the running destination: it never opens the DuckDB file
    behind the loader's back, which would make the next load fail."""
    warehouse = create(owner, "wh", "warehouse", QUICK_SYNC)
    asking = threading.Event()
    answers: list[pb.WarehouseStatus] = []

    def ask() -> None:
        with fast_daemon.channel() as channel:
            reader = AdminClient(channel, fast_daemon.owner_token)  # type: ignore[attr-defined]
            while not asking.is_set():
                answers.append(warehouse_status(reader, warehouse))

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        for wave in range(5):
            send(fast_daemon, [f"w{wave}-{i}" for i in range(20)])
            eventually(partial(lambda n: loads(fast_daemon) > n, wave), what=f"load {wave + 1}")
    finally:
        asking.set()
        asker.join()
    failed = [e for e in fast_daemon.logs if e.get("event") == "warehouse.load_failed"]
    assert failed == []
    assert len(answers) > 20
    status = warehouse_status(owner, warehouse)
    assert not status.HasField("last_error")
    assert rows_by_table(status)["test_source.tracks"] == 100


def test_only_a_warehouse_has_a_sync_status(fast_daemon: Daemon, owner: AdminClient) -> None:
    hook = create(owner, "hook", "webhook", {"urls": ["http://127.0.0.1:9/"]})
    message = refused(lambda: warehouse_status(owner, hook), grpc.StatusCode.INVALID_ARGUMENT)
    assert message == "destination 'hook' is a webhook destination, not a warehouse"
    unknown = pb.Destination(id=hook.id + 100)
    message = refused(lambda: warehouse_status(owner, unknown), grpc.StatusCode.NOT_FOUND)
    assert message == f"no destination with id {unknown.id}"


def test_reading_it_needs_what_reading_delivery_status_needs(
    fast_daemon: Daemon, owner: AdminClient
) -> None:
    warehouse = create(owner, "wh", "warehouse", QUICK_SYNC)
    s1 = warehouse.source_ids[0]
    s2 = owner.CreateSource(name="Other").source.id

    def reader_of(email: str, *sources: int) -> AdminClient:
        grant = pb.RoleGrant(role=pb.ROLE_SOURCE_READ_ONLY, source_ids=sources)
        return member_with(owner, email, grant)

    assert warehouse_status(reader_of("r1@example.com", s1), warehouse).syncs == 0
    for stranger in (member_with(owner, "m@example.com"), reader_of("r2@example.com", s2)):
        for call in (
            partial(warehouse_status, stranger, warehouse),
            partial(stranger.GetDeliveryStatus, destination_id=warehouse.id),
        ):
            refused(call, grpc.StatusCode.PERMISSION_DENIED)


def test_a_warehouse_reader_sees_what_it_loaded_and_no_other_destination(
    fast_daemon: Daemon, owner: AdminClient
) -> None:
    warehouse = create(owner, "wh", "warehouse", QUICK_SYNC)
    hook = owner.CreateDestination(
        name="hook", type="webhook", source_ids=list(warehouse.source_ids), enabled=False,
        settings_json=json.dumps({"urls": ["http://127.0.0.1:9/"]}),
    ).destination  # fmt: skip
    reader = member_with(owner, "wr@example.com", pb.RoleGrant(role=pb.ROLE_WAREHOUSE_READ_ONLY))
    send(fast_daemon, ["wr-1", "wr-2"])
    eventually(lambda: loads(fast_daemon) == 1, what="a first load")

    assert [d.id for d in reader.ListDestinations().destinations] == [warehouse.id]
    assert reader.GetDestination(destination_id=warehouse.id).destination.name == "wh"
    assert rows_by_table(warehouse_status(reader, warehouse))[f"{SOURCE}.tracks"] == 2
    reader.GetDeliveryStatus(destination_id=warehouse.id)
    reader.ListDeadLetters(destination_id=warehouse.id)
    reader.ListDestinationFilters(destination_id=warehouse.id)
    denied = grpc.StatusCode.PERMISSION_DENIED
    # Seeing is all it may do with the warehouse, and of the webhook it sees nothing
    # (not even that it is not a warehouse).
    refused(lambda: reader.UpdateDestination(destination_id=warehouse.id, name="x"), denied)
    refused(lambda: reader.ReplayDeadLetters(destination_id=warehouse.id), denied)
    refused(lambda: warehouse_status(reader, hook), denied)
    refused(lambda: reader.GetDestination(destination_id=hook.id), denied)
    refused(lambda: reader.GetDeliveryStatus(destination_id=hook.id), denied)
    # Nor the sources whose data it holds: that is for source roles.
    assert not reader.ListSources().sources
    refused(lambda: reader.GetSource(source_id=warehouse.source_ids[0]), denied)


def test_a_warehouse_admin_connects_only_the_sources_it_administers(owner: AdminClient) -> None:
    s1 = owner.ListSources().sources[0].id
    s2 = owner.CreateSource(name="Two").source.id
    warehouse_admin = pb.RoleGrant(role=pb.ROLE_WAREHOUSE_ADMIN)
    admin = member_with(owner, "wa@example.com", warehouse_admin)
    admin_s2 = member_with(
        owner, "wa2@example.com", warehouse_admin,
        pb.RoleGrant(role=pb.ROLE_SOURCE_ADMIN, source_ids=[s2]),
    )  # fmt: skip
    denied = grpc.StatusCode.PERMISSION_DENIED

    # A warehouse of no source: Warehouse Admin alone creates and edits it...
    created = admin.CreateDestination(name="wh", type="warehouse", enabled=False).destination
    admin.UpdateDestination(destination_id=created.id, settings_json='{"batch_size": 5000}')
    # ...but which sources flow into it is decided by their Source Admins too.
    refused(lambda: admin.CreateDestination(name="x", type="warehouse", source_ids=[s1]), denied)
    connect = pb.ConnectDestinationSourcesRequest(destination_id=created.id, source_ids=[s1])
    refused(lambda: admin.ConnectDestinationSources(connect), denied)
    refused(lambda: admin_s2.ConnectDestinationSources(connect), denied)
    owner.ConnectDestinationSources(connect)
    admin_s2.ConnectDestinationSources(destination_id=created.id, source_ids=[s2])
    # Connected to S1, which neither administers, it is still theirs to manage.
    admin.UpdateDestination(destination_id=created.id, name="warehouse")
    admin.CreateDestinationFilter(
        destination_id=created.id, spec=pb.FilterSpec(kind=pb.FILTER_KIND_DROP)
    )
    disconnect = pb.DisconnectDestinationSourcesRequest(destination_id=created.id, source_ids=[s1])
    refused(lambda: admin_s2.DisconnectDestinationSources(disconnect), denied)
    admin_s2.DisconnectDestinationSources(destination_id=created.id, source_ids=[s2])
    assert list(admin.GetDestination(destination_id=created.id).destination.source_ids) == [s1]

    # A webhook is none of its business, with or without sources.
    refused(lambda: admin.CreateDestination(name="h", type="webhook", settings_json=HOOK), denied)
    hook = owner.CreateDestination(
        name="hook", type="webhook", source_ids=[s2], settings_json=HOOK, enabled=False
    ).destination
    assert [d.name for d in admin.ListDestinations().destinations] == ["warehouse"]
    refused(lambda: admin.UpdateDestination(destination_id=hook.id, name="x"), denied)
    # Source Admin of S2 manages S2's webhook as before, warehouse role or not.
    admin_s2.UpdateDestination(destination_id=hook.id, name="hook of two")
    admin.DeleteDestination(destination_id=created.id)
    actors = {e.actor for e in owner.ListAuditLog().entries if e.action.startswith("destination.")}
    assert {"wa@example.com", "wa2@example.com"} <= actors


HOOK = '{"urls": ["http://127.0.0.1:9/hook"]}'

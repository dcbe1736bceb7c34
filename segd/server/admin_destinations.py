"""The Admin service's destination, filter and delivery methods: each converts the
request, awaits one core function (the same the CLI calls) and converts the answer.
Changes go through `Destinations.change`, which tells the router at once."""

from __future__ import annotations

from segd import destinations_core as core
from segd.admin.core import AdminCore
from segd.admin.members import actor_of
from segd.admin.roles import Principal
from segd.api.v1 import admin_pb2 as pb
from segd.server import destination_convert as convert
from segd.warehouse_status import warehouse_status_by_id


class DestinationMethods:
    _core: AdminCore

    async def list_destination_catalog(
        self, req: pb.ListDestinationCatalogRequest, caller: Principal
    ) -> pb.ListDestinationCatalogResponse:
        return pb.ListDestinationCatalogResponse(
            types=[convert.destination_type_pb(p) for p in core.catalog()]
        )

    async def create_destination(
        self, req: pb.CreateDestinationRequest, caller: Principal
    ) -> pb.CreateDestinationResponse:
        destinations = self._core.destinations
        info = await destinations.change(
            core.create_destination(
                destinations.store,
                req.name,
                req.type,
                req.source_ids,
                convert.settings_from_json(req.settings_json),
                req.enabled if req.HasField("enabled") else True,
                actor=actor_of(caller),
            )
        )
        return pb.CreateDestinationResponse(destination=convert.destination_pb(info))

    async def list_destinations(
        self, req: pb.ListDestinationsRequest, caller: Principal
    ) -> pb.ListDestinationsResponse:
        infos = await self._core.destinations.readable(caller)
        return pb.ListDestinationsResponse(destinations=[convert.destination_pb(i) for i in infos])

    async def get_destination(
        self, req: pb.GetDestinationRequest, caller: Principal
    ) -> pb.GetDestinationResponse:
        info = await core.get_destination(self._core.destinations.store, req.destination_id)
        return pb.GetDestinationResponse(destination=convert.destination_pb(info))

    async def update_destination(
        self, req: pb.UpdateDestinationRequest, caller: Principal
    ) -> pb.UpdateDestinationResponse:
        destinations = self._core.destinations
        settings = None
        if req.HasField("settings_json"):
            settings = convert.settings_from_json(req.settings_json)
        info = await destinations.change(
            core.update_destination(
                destinations.store,
                req.destination_id,
                name=req.name if req.HasField("name") else None,
                settings=settings,
                actor=actor_of(caller),
            )
        )
        return pb.UpdateDestinationResponse(destination=convert.destination_pb(info))

    async def set_destination_enabled(
        self, req: pb.SetDestinationEnabledRequest, caller: Principal
    ) -> pb.SetDestinationEnabledResponse:
        destinations = self._core.destinations
        info = await destinations.change(
            core.set_enabled(
                destinations.store, req.destination_id, req.enabled, actor=actor_of(caller)
            )
        )
        return pb.SetDestinationEnabledResponse(destination=convert.destination_pb(info))

    async def connect_destination_sources(
        self, req: pb.ConnectDestinationSourcesRequest, caller: Principal
    ) -> pb.ConnectDestinationSourcesResponse:
        destinations = self._core.destinations
        info = await destinations.change(
            core.connect_sources(
                destinations.store, req.destination_id, req.source_ids, actor=actor_of(caller)
            )
        )
        return pb.ConnectDestinationSourcesResponse(destination=convert.destination_pb(info))

    async def disconnect_destination_sources(
        self, req: pb.DisconnectDestinationSourcesRequest, caller: Principal
    ) -> pb.DisconnectDestinationSourcesResponse:
        destinations = self._core.destinations
        info = await destinations.change(
            core.disconnect_sources(
                destinations.store, req.destination_id, req.source_ids, actor=actor_of(caller)
            )
        )
        return pb.DisconnectDestinationSourcesResponse(destination=convert.destination_pb(info))

    async def delete_destination(
        self, req: pb.DeleteDestinationRequest, caller: Principal
    ) -> pb.DeleteDestinationResponse:
        destinations = self._core.destinations
        await destinations.change(
            core.delete_destination(destinations.store, req.destination_id, actor=actor_of(caller))
        )
        return pb.DeleteDestinationResponse()

    # ---- filters --------------------------------------------------------------------

    async def list_destination_filters(
        self, req: pb.ListDestinationFiltersRequest, caller: Principal
    ) -> pb.ListDestinationFiltersResponse:
        rows = await core.list_filters(self._core.destinations.store, req.destination_id)
        return pb.ListDestinationFiltersResponse(filters=[convert.filter_pb(r) for r in rows])

    async def create_destination_filter(
        self, req: pb.CreateDestinationFilterRequest, caller: Principal
    ) -> pb.CreateDestinationFilterResponse:
        destinations = self._core.destinations
        row = await destinations.change(
            core.add_filter(
                destinations.store,
                req.destination_id,
                convert.filter_spec_from_pb(req.spec),
                actor=actor_of(caller),
            )
        )
        return pb.CreateDestinationFilterResponse(filter=convert.filter_pb(row))

    async def update_destination_filter(
        self, req: pb.UpdateDestinationFilterRequest, caller: Principal
    ) -> pb.UpdateDestinationFilterResponse:
        destinations = self._core.destinations
        row = await destinations.change(
            core.update_filter(
                destinations.store,
                req.destination_id,
                req.filter_id,
                convert.filter_spec_from_pb(req.spec),
                actor=actor_of(caller),
            )
        )
        return pb.UpdateDestinationFilterResponse(filter=convert.filter_pb(row))

    async def delete_destination_filter(
        self, req: pb.DeleteDestinationFilterRequest, caller: Principal
    ) -> pb.DeleteDestinationFilterResponse:
        destinations = self._core.destinations
        await destinations.change(
            core.remove_filter(
                destinations.store, req.destination_id, req.filter_id, actor=actor_of(caller)
            )
        )
        return pb.DeleteDestinationFilterResponse()

    # ---- delivery -------------------------------------------------------------------

    async def get_delivery_status(
        self, req: pb.GetDeliveryStatusRequest, caller: Principal
    ) -> pb.GetDeliveryStatusResponse:
        status = await core.delivery_status(
            self._core.destinations.store, req.destination_id, req.errors
        )
        return pb.GetDeliveryStatusResponse(status=convert.delivery_status_pb(status))

    async def list_dead_letters(
        self, req: pb.ListDeadLettersRequest, caller: Principal
    ) -> pb.ListDeadLettersResponse:
        dead = await core.list_dead_letters(
            self._core.destinations.store, req.destination_id, req.limit
        )
        return pb.ListDeadLettersResponse(dead_letters=[convert.dead_letter_pb(d) for d in dead])

    async def replay_dead_letters(
        self, req: pb.ReplayDeadLettersRequest, caller: Principal
    ) -> pb.ReplayDeadLettersResponse:
        destinations = self._core.destinations
        replayed = await destinations.change(
            core.replay_dead_letters(
                destinations.store,
                req.destination_id,
                list(req.ids) or None,
                actor=actor_of(caller),
            )
        )
        return pb.ReplayDeadLettersResponse(replayed=replayed)

    async def get_warehouse_status(
        self, req: pb.GetWarehouseStatusRequest, caller: Principal
    ) -> pb.GetWarehouseStatusResponse:
        destinations = self._core.destinations
        status = await warehouse_status_by_id(
            destinations.store,
            req.destination_id,
            destinations.data_dir,
            running=destinations.running_plugin(req.destination_id),
        )
        return pb.GetWarehouseStatusResponse(
            status=convert.warehouse_status_pb(req.destination_id, status)
        )

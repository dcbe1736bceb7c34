"""The Collector gRPC service."""

from __future__ import annotations

from typing import Any

import grpc

from segd.api.v1 import collector_pb2
from segd.collector import BatchResult, Collector
from segd.errors import InvalidRequest
from segd.server.status import handler, parse

SERVICE = collector_pb2.DESCRIPTOR.services_by_name["Collector"]
Context = grpc.aio.ServicerContext[Any, Any]


def batch_response(result: BatchResult) -> collector_pb2.SendBatchResponse:
    response = collector_pb2.SendBatchResponse(
        outcomes=result.outcomes,  # type: ignore[arg-type]
        message_ids=result.message_ids,
    )
    for index, rejection in result.rejections:
        response.rejections.add(index=index, reason=rejection.reason, message=rejection.message)
    return response


class CollectorService:
    def __init__(self, collector: Collector) -> None:
        self._collector = collector

    @handler
    async def send_batch(self, request: bytes, context: Context) -> collector_pb2.SendBatchResponse:
        req = parse(collector_pb2.SendBatchRequest, request)
        result = await self._collector.send_batch(
            req.write_key, req.events, len(request), request=request
        )
        return batch_response(result)

    @handler
    async def send(self, request: bytes, context: Context) -> collector_pb2.SendResponse:
        req = parse(collector_pb2.SendRequest, request)
        result = await self._collector.send_batch(req.write_key, [req.event], len(request))
        if result.rejections:
            _, rejection = result.rejections[0]
            raise InvalidRequest(f"{rejection.reason}: {rejection.message}")
        return collector_pb2.SendResponse(
            outcome=result.outcomes[0],  # type: ignore[arg-type]
            message_id=result.message_ids[0],
        )

    def rpc_handler(self) -> grpc.GenericRpcHandler:  # type: ignore[type-arg]
        """Handlers that take the raw request bytes, so that `parse` owns decoding errors."""
        methods = {
            "SendBatch": grpc.unary_unary_rpc_method_handler(
                self.send_batch,
                response_serializer=collector_pb2.SendBatchResponse.SerializeToString,
            ),
            "Send": grpc.unary_unary_rpc_method_handler(
                self.send, response_serializer=collector_pb2.SendResponse.SerializeToString
            ),
        }
        return grpc.method_handlers_generic_handler(SERVICE.full_name, methods)

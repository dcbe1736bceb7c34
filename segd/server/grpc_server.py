"""Building the gRPC server: services, health checking, reflection, message limits."""

from __future__ import annotations

import asyncio
import ipaddress

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

from segd.config import GrpcConfig, Limits
from segd.errors import ConfigError
from segd.server.admin import SERVICE as ADMIN
from segd.server.admin import AdminService
from segd.server.collector import SERVICE as COLLECTOR
from segd.server.collector import CollectorService
from segd.server.handlers import HandlerTable

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
#: How long new calls are refused with UNAVAILABLE before the server stops listening.
DRAIN_SECONDS = 0.5


def is_loopback(listen: str) -> bool:
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GrpcServer:
    """The gRPC listener; `start` binds, `stop` drains in-flight calls within the grace."""

    def __init__(
        self,
        config: GrpcConfig,
        limits: Limits,
        collector: CollectorService,
        admin: AdminService | None = None,
        credentials: grpc.ServerCredentials | None = None,
    ) -> None:
        """`credentials` (segd.server.tls) make the port speak TLS only; None: plaintext."""
        self._config = config
        self._credentials = credentials
        self._handlers = HandlerTable()
        # Just above the batch limit: a bigger request is refused before it is read
        # into memory, with RESOURCE_EXHAUSTED.
        #
        # Calls wait in grpc's core until the event loop takes them; when it falls
        # behind (a busy or starved CPU), past 1,000 waiting calls grpc drops some, and
        # their clients see CANCELLED, which they do not retry. With room for more, the
        # loop reaches each and refuses it itself (RESOURCE_EXHAUSTED: too many calls,
        # or too many events waiting), which clients do retry.
        waiting = 10 * config.max_concurrent_calls
        self._server = grpc.aio.server(
            maximum_concurrent_rpcs=config.max_concurrent_calls,
            options=[
                ("grpc.max_receive_message_length", limits.max_batch_bytes + 4096),
                ("grpc.so_reuseport", 0),
                ("grpc.server.max_pending_requests", waiting),
                ("grpc.server.max_pending_requests_hard_limit", 2 * waiting),
            ],
        )
        # Services register with the table, which the server serves as one handler.
        handlers = self._handlers
        handlers.add_generic_rpc_handlers((collector.rpc_handler(),))
        services = [COLLECTOR.full_name, health.SERVICE_NAME]
        if admin is not None:
            handlers.add_generic_rpc_handlers((admin.rpc_handler(),))
            services.append(ADMIN.full_name)
        self.health = health.aio.HealthServicer()  # type: ignore[attr-defined]
        health_pb2_grpc.add_HealthServicer_to_server(self.health, handlers)
        reflect = config.reflection == "on" or (
            config.reflection == "auto" and is_loopback(config.listen)
        )
        if reflect:
            # What enable_server_reflection does for an asyncio server, given the table.
            names = [*services, reflection.SERVICE_NAME]
            reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
                reflection.aio.ReflectionServicer(names),  # type: ignore[attr-defined]
                handlers,
            )
        self._server.add_generic_rpc_handlers((handlers,))
        self._services = services
        self.port = 0

    async def start(self) -> int:
        listen = self._config.listen
        try:
            if self._credentials is None:
                self.port = self._server.add_insecure_port(listen)
            else:
                self.port = self._server.add_secure_port(listen, self._credentials)
        except RuntimeError as exc:
            raise ConfigError(f"cannot listen on {self._config.listen}: {exc}") from exc
        await self._server.start()
        for name in ["", *self._services]:
            await self.health.set(name, SERVING)
        return self.port

    @property
    def address(self) -> str:
        return f"{self._config.listen.rsplit(':', 1)[0]}:{self.port}"

    async def stop(self) -> None:
        """Health NOT_SERVING, refuse new calls, let in-flight ones finish within the grace."""
        await self.health.enter_graceful_shutdown()
        self._handlers.draining = True
        await asyncio.sleep(min(DRAIN_SECONDS, self._config.shutdown_grace_seconds))
        await self._server.stop(self._config.shutdown_grace_seconds)

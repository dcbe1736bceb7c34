"""The one place segtui talks gRPC: the Admin API behind plain async methods.

`AdminClient` returns view models from segtui.models and raises the errors of
segtui.errors; screens never see protobuf or gRPC status codes. `convert` maps
messages to view models, `errors` maps failed calls to segtui's errors.
"""

from segtui.client.admin import AdminClient, accept_invite, open_channel
from segtui.client.errors import error_from_rpc

__all__ = ["AdminClient", "accept_invite", "error_from_rpc", "open_channel"]

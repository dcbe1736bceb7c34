"""Workspace management: the core behind the Admin gRPC service.

Small modules by responsibility (roles and policy are pure); `core.AdminCore` is the
face the servicer calls. This package file imports nothing, so that segd.workspace
can use the catalog without an import cycle.
"""

"""Consumers of the event log that deliver to destinations: `Router` runs one `Worker`
per enabled destination instance. Pure parts (FQL, filters, `integrations`, backoff,
outcomes) live in their own modules and are tested by tables."""

from segd.router.supervisor import Router

__all__ = ["Router"]

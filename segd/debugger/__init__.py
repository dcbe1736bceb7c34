"""The live debugger: a fan-out hub between the collector and debugger streams.

The collector publishes every batch it processed (accepted, duplicate and rejected
events, with the reason) with each event as received and as normalised. The hub
keeps the most recent `ring_size` events per source, so that a new stream starts
with them, and copies each event into the bounded buffer of every subscriber of its
source.

`publish` never waits: a subscriber whose buffer is full loses the event, and its
stream later says how many it lost. So a slow reader never slows ingestion, and the
hub's memory is bounded by ring_size (plus one batch) and buffer_size.

Ingestion pays little for this: a batch is kept as published, and turned into
`DebugItem`s (and those into JSON) only when a stream reads them.
"""

from segd.debugger.hub import DebuggerHub, Subscription, TailFilter
from segd.debugger.items import DebugItem, LoggedEvents, PublishedBatch, Skipped, Status

__all__ = [
    "DebugItem",
    "DebuggerHub",
    "LoggedEvents",
    "PublishedBatch",
    "Skipped",
    "Status",
    "Subscription",
    "TailFilter",
]

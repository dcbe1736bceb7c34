"""Latency histograms: log-scale buckets so percentiles can be kept in a few rows.

Bucket i holds latencies in [GROWTH^i - 1, GROWTH^(i+1) - 1) milliseconds, so a reported
percentile is within about 10% of the true value, from 1 ms up to days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

GROWTH = 1.2


def bucket_of(latency_ms: float) -> int:
    """The bucket a latency falls in."""
    return int(math.log(max(latency_ms, 0.0) + 1.0, GROWTH))


def bucket_value(bucket: int) -> float:
    """A representative latency for a bucket: the geometric middle of its bounds, in ms."""
    low, high = GROWTH**bucket - 1.0, GROWTH ** (bucket + 1) - 1.0
    return math.sqrt(max(low, 0.5) * high) if bucket > 0 else high / 2


def percentile(counts: Mapping[int, int], q: float) -> float | None:
    """The q-th quantile (0..1) of a histogram, in ms; None when it is empty."""
    total = sum(counts.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return bucket_value(bucket)
    return bucket_value(max(counts))


def histogram(latencies_ms: Iterable[float]) -> dict[int, int]:
    """Count latencies by bucket."""
    counts: dict[int, int] = {}
    for latency in latencies_ms:
        bucket = bucket_of(latency)
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts

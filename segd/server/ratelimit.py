"""A token bucket per key (the write key), with the clock passed in."""

from __future__ import annotations

from collections import OrderedDict


class RateLimiter:
    """`rate` requests per second per key, with bursts of up to `burst` requests.

    Keys come from the network, so the number of buckets is bounded: past
    `max_keys` the least recently used bucket is forgotten (it starts full again
    when its key returns, which only ever errs on the side of letting a request in).
    """

    def __init__(self, rate: float, burst: int, max_keys: int = 10_000) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._rate = rate
        self._burst = float(max(burst, 1))
        self._max_keys = max_keys
        # key → (tokens left, when they were counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float) -> float:
        """Take one token for `key`: 0.0 when allowed, else seconds until one is free."""
        tokens, then = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
        self._buckets.move_to_end(key)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait

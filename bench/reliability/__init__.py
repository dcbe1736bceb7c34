"""The reliability and security suite: seven scenarios against real daemons on 127.0.0.1.

    make reliability                      # all seven, full size (about 10-15 minutes)
    python -m bench.reliability --quick   # the short versions (what `make test` runs)
    python -m bench.reliability --only 1,4

Each scenario (a module here) starts its own daemon with its own data directory,
drives it with real clients, checks what it promises and prints one line of figures:

1. kill      SIGKILL at random moments under load from resending clients
2. outage    a webhook that fails (500, refused, hangs, 429) and recovers
3. disk      a full disk on a small tmpfs (needs root)
4. overload  twice the measured capacity
5. sigterm   SIGTERM under load
6. hostile   hand-made and property-based hostile input over gRPC and HTTP
7. security  Admin authorisation, secrets at rest and in logs, TLS and mutual TLS

The same code runs in `make test` with small parameters (tests/test_reliability.py),
so the full run and the short one cannot drift apart.
"""

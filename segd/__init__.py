"""segd: a self-hosted customer data platform daemon (Segment spec compatible)."""

__version__ = "0.1.0"

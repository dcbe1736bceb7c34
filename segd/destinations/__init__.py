"""Destination plugins and the registry that finds them through entry points."""

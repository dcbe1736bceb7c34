"""The schema of each source: event names, counts and property keys, kept by a log consumer."""

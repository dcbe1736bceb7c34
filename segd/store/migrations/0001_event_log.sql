-- The event log: append-only, ordered by seq. Consumers follow it by seq; nothing
-- updates a row. No secondary index: deduplication lives in its own file (dedup.db).
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id    INTEGER NOT NULL,
    message_id   TEXT    NOT NULL,
    type         INTEGER NOT NULL,   -- segd.api.v1.EventType
    name         TEXT    NOT NULL,   -- track: event; page, screen: name; else ''
    user_id      TEXT    NOT NULL,
    anonymous_id TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,   -- unix milliseconds
    payload      BLOB    NOT NULL    -- the normalised segd.api.v1.Event
);

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    slug       TEXT    NOT NULL UNIQUE,
    write_key  TEXT    NOT NULL UNIQUE,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE members (
    id         INTEGER PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- A member's roles; resource_id narrows a resource role to one resource.
CREATE TABLE member_roles (
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    resource_id INTEGER,
    UNIQUE (member_id, role, resource_id)
);

-- Personal admin tokens, stored as SHA-256 of the random token, never in clear.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    token_hash BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

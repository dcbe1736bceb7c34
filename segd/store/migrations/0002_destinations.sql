-- Destinations and their delivery state. A destination instance follows the event log
-- from its own cursor; failed events wait in delivery_retries, given-up ones in
-- dead_letters. Deleting a destination deletes all of it.
CREATE TABLE destinations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,            -- the plugin's name (entry point)
    settings   TEXT    NOT NULL,            -- JSON as given, secrets included (plugins need them)
    enabled    INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,  -- bumped by every change; the daemon reloads on it
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE destination_sources (
    destination_id INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    PRIMARY KEY (destination_id, source_id)
) WITHOUT ROWID;

CREATE TABLE destination_filters (
    id             INTEGER PRIMARY KEY,
    destination_id INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL,  -- sample | drop | only | drop_properties | allow_properties
    condition      TEXT    NOT NULL,  -- FQL; '' matches every event
    fields         TEXT    NOT NULL,  -- JSON list of dotted paths
    percent        REAL,
    path           TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL
);
CREATE INDEX destination_filters_by_destination ON destination_filters (destination_id, id);

-- The consumer's cursor (the last seq it has finished) and its running totals.
CREATE TABLE delivery_state (
    destination_id INTEGER PRIMARY KEY REFERENCES destinations(id) ON DELETE CASCADE,
    cursor_seq     INTEGER NOT NULL,
    delivered      INTEGER NOT NULL DEFAULT 0,
    filtered       INTEGER NOT NULL DEFAULT 0
);

-- Events waiting for their next attempt. `body` is the JSON as the destination gets it
-- (after filters), so a retry needs nothing from the log.
CREATE TABLE delivery_retries (
    id              INTEGER PRIMARY KEY,
    destination_id  INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    source_id       INTEGER NOT NULL,
    message_id      TEXT    NOT NULL,
    received_at     INTEGER NOT NULL,
    window_start    INTEGER NOT NULL,  -- the retry window runs from here (receipt, or replay)
    replay          INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    body            TEXT    NOT NULL,
    last_error      TEXT    NOT NULL
);
CREATE INDEX delivery_retries_due ON delivery_retries (destination_id, next_attempt_at);

CREATE TABLE dead_letters (
    id               INTEGER PRIMARY KEY,
    destination_id   INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    source_id        INTEGER NOT NULL,
    message_id       TEXT    NOT NULL,
    received_at      INTEGER NOT NULL,
    body             TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    error            TEXT    NOT NULL,
    request_sample   TEXT    NOT NULL,
    response_sample  TEXT    NOT NULL,
    failed_at        INTEGER NOT NULL,
    replayed_at      INTEGER             -- set when replayed; the row stays for the record
);
CREATE INDEX dead_letters_by_destination ON dead_letters (destination_id, id);

-- Delivery latency (receivedAt to delivered) per minute, as log-scale histogram buckets.
CREATE TABLE delivery_latency (
    destination_id INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    minute         INTEGER NOT NULL,  -- unix minutes
    bucket         INTEGER NOT NULL,  -- segd.router.stats.bucket_of
    count          INTEGER NOT NULL,
    PRIMARY KEY (destination_id, minute, bucket)
) WITHOUT ROWID;

-- The last failures of each destination, with request and response samples.
CREATE TABLE delivery_errors (
    id              INTEGER PRIMARY KEY,
    destination_id  INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    message_id      TEXT    NOT NULL,
    retryable       INTEGER NOT NULL,
    error           TEXT    NOT NULL,
    request_sample  TEXT    NOT NULL,
    response_sample TEXT    NOT NULL
);
CREATE INDEX delivery_errors_by_destination ON delivery_errors (destination_id, id);

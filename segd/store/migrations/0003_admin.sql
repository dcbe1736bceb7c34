-- Workspace management: source lifecycle, key rotation, tokens with names, user
-- groups, invites, the audit log and a few workspace facts.

-- The catalog type the source was created from (segd.admin.catalog).
ALTER TABLE sources ADD COLUMN type TEXT NOT NULL DEFAULT 'http_api';
-- Deleted sources stay (their events are kept until retention) but stop working.
ALTER TABLE sources ADD COLUMN deleted_at INTEGER;

-- Write keys replaced by a rotation, accepted until they expire.
CREATE TABLE retired_write_keys (
    write_key  TEXT    PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES sources(id),
    expires_at INTEGER NOT NULL         -- unix milliseconds
);

ALTER TABLE tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';

CREATE TABLE user_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- A group's roles, which its members inherit; resource_id as in member_roles.
CREATE TABLE group_roles (
    group_id    INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    resource_id INTEGER
);

CREATE TABLE group_members (
    group_id  INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, member_id)
);

-- Single-use invites; the token is stored as its SHA-256, never in clear.
CREATE TABLE invites (
    id                 INTEGER PRIMARY KEY,
    email              TEXT    NOT NULL,
    token_hash         BLOB    NOT NULL UNIQUE,
    grants             TEXT    NOT NULL,   -- JSON: [[role, resource_id or null], ...]
    group_ids          TEXT    NOT NULL,   -- JSON: [id, ...]
    invited_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    emailed            INTEGER NOT NULL DEFAULT 0,
    accepted_at        INTEGER,
    accepted_member_id INTEGER,
    revoked_at         INTEGER
);

-- Every change to the workspace: who, what, when, before and after (JSON).
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    actor_member_id INTEGER,             -- NULL: the command line
    actor           TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    before          TEXT    NOT NULL,
    after           TEXT    NOT NULL
);

-- Facts about the workspace that no other table records ("debugger_opened_at").
CREATE TABLE workspace_facts (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Accounts (DESIGN.md §6): users with one role each, teams, and the devices
-- a user enrolled. Passwords are Argon2id PHC strings; device tokens are
-- stored only as their SHA-256, so a copy of this table opens nothing.

CREATE TABLE users (
    id              UUID PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('peer', 'supervisor', 'admin')),
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    -- The user's caseload index document (DESIGN.md §3), kept by the server.
    caseload_index  UUID NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at     TIMESTAMPTZ
);

CREATE TABLE teams (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A peer is a member of their team; a supervisor supervises the teams they
-- belong to here (one or more).
CREATE TABLE team_members (
    team_id  UUID NOT NULL REFERENCES teams (id),
    user_id  UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

CREATE TABLE devices (
    id              UUID PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES users (id),
    name            TEXT NOT NULL,
    token_hash      BYTEA NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    rotated_at      TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    last_seen_at    TIMESTAMPTZ,
    last_seen_addr  TEXT
);
CREATE INDEX devices_by_user ON devices (user_id);

-- Failed sign-ins, per account ('user:<name>') and per address
-- ('addr:<ip>'). A key over the limit is locked until `locked_until`; an
-- admin clears it by deleting the row.
CREATE TABLE login_throttle (
    key               TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    first_failure_at  TIMESTAMPTZ NOT NULL,
    locked_until      TIMESTAMPTZ
);

-- Supervisor console sessions (DESIGN.md §6): the browser holds a random
-- session id in a cookie; only its SHA-256 is stored here, so a copy of
-- this table signs nobody in. A session ends when it is signed out
-- (`ended_at`), when it has been idle longer than the console's idle
-- timeout (checked against `last_seen_at` on every request), or when it
-- reaches its absolute lifetime (`expires_at`).

CREATE TABLE console_sessions (
    id_hash       BYTEA PRIMARY KEY,
    user_id       UUID NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    address       TEXT
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

-- The audit trail (DESIGN.md §6): every read and write of participant data
-- and every account action. Append-only and hash-chained: each row's hash
-- covers its fields and the previous row's hash, and `audit_head` holds the
-- last sequence number and hash, so `alongside-server admin audit verify`
-- finds an altered, deleted or truncated row. Triggers refuse UPDATE and
-- DELETE to the application role.

CREATE TABLE audit_events (
    seq          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    user_id      UUID,
    username     TEXT,
    device_id    UUID,
    document_id  UUID,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    address      TEXT,
    prev_hash    BYTEA NOT NULL,
    hash         BYTEA NOT NULL
);
CREATE INDEX audit_events_by_document ON audit_events (document_id, seq);
CREATE INDEX audit_events_by_user ON audit_events (user_id, seq);

CREATE TABLE audit_head (
    singleton  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    seq        BIGINT NOT NULL,
    hash       BYTEA NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Who may see what (DESIGN.md §4, §6). Every stored document has one row:
-- its kind, and for a participant record the peer it is assigned to; an
-- accompaniment log follows the participant it references; a caseload
-- index belongs to its user. The row is written in the same transaction as
-- the document's first chunk, so no node can load a document whose access
-- it cannot know.

CREATE TABLE document_access (
    document_id  UUID PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('participant', 'accompaniment', 'caseload-index')),
    owner_id     UUID REFERENCES users (id),
    participant  UUID,
    assigned_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'accompaniment') = (participant IS NOT NULL)),
    CHECK ((kind = 'accompaniment') OR (owner_id IS NOT NULL))
);
CREATE INDEX document_access_by_owner ON document_access (owner_id);
CREATE INDEX document_access_by_participant ON document_access (participant);

-- Each Automerge actor id belongs to the device that first sent a change
-- under it (NULL: the server's own edits); another device using it is
-- refused.
CREATE TABLE actor_bindings (
    actor       BYTEA PRIMARY KEY,
    device_id   UUID REFERENCES devices (id),
    bound_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Writes refused by validation or access rules, kept for an administrator.
-- Never merged into a document.
CREATE TABLE quarantine (
    id           BIGSERIAL PRIMARY KEY,
    document_id  UUID NOT NULL,
    user_id      UUID REFERENCES users (id),
    device_id    UUID REFERENCES devices (id),
    address      TEXT,
    reason       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_by_document ON quarantine (document_id);

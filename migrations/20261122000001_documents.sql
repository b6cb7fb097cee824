-- Storage of Automerge documents (DESIGN.md §5): per document a compacted
-- snapshot plus append-only chunks received since, and one row per change
-- with who sent it and when. History is never dropped: a snapshot is a full
-- automerge save, which keeps every change.

CREATE TABLE documents (
    id          UUID PRIMARY KEY,
    kind        TEXT,
    snapshot    BYTEA,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    compacted_at TIMESTAMPTZ
);

CREATE TABLE document_chunks (
    id           BIGSERIAL PRIMARY KEY,
    document_id  UUID NOT NULL REFERENCES documents (id),
    data         BYTEA NOT NULL,
    peer         TEXT,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX document_chunks_by_document ON document_chunks (document_id, id);

CREATE TABLE changes (
    document_id  UUID NOT NULL REFERENCES documents (id),
    hash         BYTEA NOT NULL,
    actor        BYTEA NOT NULL,
    seq          BIGINT NOT NULL,
    deps         BYTEA NOT NULL, -- the 32-byte hashes, concatenated
    peer         TEXT,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, hash)
);
CREATE INDEX changes_by_actor ON changes (actor);

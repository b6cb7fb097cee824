-- The projection (DESIGN.md §5): relational rows derived from the merged
-- documents, rewritten in the same transaction as each merge, so that
-- supervisors, reports and exports query SQL instead of decoding CRDTs.
-- Rebuildable at any time from the documents (alongside-server projection
-- rebuild). Times are the documents' own timestamps.

CREATE TABLE participants (
    document_id   UUID PRIMARY KEY REFERENCES documents (id),
    display_name  TEXT NOT NULL,
    pronouns      TEXT,
    projected_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE notes (
    document_id          UUID NOT NULL REFERENCES participants (document_id) ON DELETE CASCADE,
    note_id              UUID NOT NULL,
    author_id            TEXT NOT NULL,
    device_id            TEXT NOT NULL,
    service_date         DATE NOT NULL,
    encounter_at         TIMESTAMPTZ NOT NULL,
    encounter_end_at     TIMESTAMPTZ NOT NULL,
    billing_units        INTEGER NOT NULL,
    setting              TEXT NOT NULL,
    service_code         TEXT NOT NULL,
    status               TEXT NOT NULL,
    part2                BOOLEAN NOT NULL,
    intervention         TEXT NOT NULL,
    purpose              TEXT NOT NULL,
    response             TEXT NOT NULL,
    plan                 TEXT NOT NULL,
    participant_comment  TEXT,
    accompaniment_id     TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    submitted_at         TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ,
    PRIMARY KEY (document_id, note_id)
);
CREATE INDEX notes_by_author ON notes (author_id, status);

CREATE TABLE reviews (
    document_id  UUID NOT NULL REFERENCES participants (document_id) ON DELETE CASCADE,
    review_id    UUID NOT NULL,
    note_id      UUID NOT NULL,
    state        TEXT NOT NULL,
    comment      TEXT NOT NULL,
    reviewer_id  TEXT NOT NULL,
    reviewed_at  TIMESTAMPTZ NOT NULL,
    heads        TEXT[] NOT NULL,
    PRIMARY KEY (document_id, review_id)
);

CREATE TABLE accompaniments (
    document_id     UUID PRIMARY KEY REFERENCES documents (id),
    participant_id  TEXT NOT NULL,
    peer_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    place           TEXT NOT NULL,
    provider        TEXT NOT NULL,
    scheduled_at    TIMESTAMPTZ,
    departed_at     TIMESTAMPTZ,
    arrived_at      TIMESTAMPTZ,
    started_at      TIMESTAMPTZ,
    ended_at        TIMESTAMPTZ,
    returned_at     TIMESTAMPTZ,
    transport       TEXT,
    purpose         TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    barriers        TEXT NOT NULL,
    status          TEXT NOT NULL,
    note_id         TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    projected_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX accompaniments_by_peer ON accompaniments (peer_id, created_at);

CREATE TABLE follow_ups (
    document_id   UUID NOT NULL REFERENCES accompaniments (document_id) ON DELETE CASCADE,
    follow_up_id  UUID NOT NULL,
    text          TEXT NOT NULL,
    due_on        DATE,
    done          BOOLEAN NOT NULL,
    done_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, follow_up_id)
);

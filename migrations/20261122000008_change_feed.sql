-- The change feed behind `GET /api/v1/changes` (DESIGN.md §4): a device
-- that reconnects asks which documents changed since its cursor instead of
-- syncing every document it holds.
--
-- Each document row carries the id of the last transaction that appended
-- to it. A cursor is the xmin of the snapshot a listing was read in: every
-- transaction below it had finished, so anything not yet visible then has
-- an id at or above it and is listed next time.
ALTER TABLE documents ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX documents_by_changed_xid ON documents (changed_xid);

-- Names this database's history. Cursors carry it; a cursor from another
-- epoch (another database, or this one restored from a backup after the
-- epoch was renewed) is answered with "sync everything".
CREATE TABLE sync_epoch (
    only_row  BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    epoch     UUID NOT NULL
);
INSERT INTO sync_epoch (epoch) VALUES (gen_random_uuid());

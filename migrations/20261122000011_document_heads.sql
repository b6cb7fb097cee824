-- The heads of each stored document, kept by every persist (DESIGN.md §5).
--
-- A document can have more than one writer at once: the sync driver merging
-- device changes, the console writing a review, another server node. Each
-- computes the projection from its own copy; a copy that lacks another
-- writer's committed changes would overwrite their rows with older ones.
-- Under the document's row lock, a persist compares the heads its
-- projection was computed from with the stored heads: when they differ it
-- projects the stored document instead.
--
-- Stored changes are causally closed (a writer persists a change only after
-- everything it depends on), so the heads are the changes that no stored
-- change depends on, and a persist updates them from the changes it adds.
ALTER TABLE documents ADD COLUMN heads BYTEA[] NOT NULL DEFAULT '{}';

UPDATE documents d
SET heads = COALESCE(
    (SELECT array_agg(c.hash ORDER BY c.hash)
     FROM changes c
     WHERE c.document_id = d.id
       AND c.hash NOT IN (
           SELECT substring(o.deps FROM i * 32 + 1 FOR 32)
           FROM changes o,
                generate_series(0, length(o.deps) / 32 - 1) AS i
           WHERE o.document_id = d.id)),
    '{}');

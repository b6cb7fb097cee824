-- The last chunk a compaction folded into each document's snapshot
-- (DESIGN.md §5, several server nodes).
--
-- A node keeps its copy of a resident document in step with the store by
-- reading the chunks after the last one it has merged: per document,
-- chunk ids grow in commit order, because a persist holds the document's
-- row lock from before its first chunk until it commits. A compaction
-- deletes chunks; when it folded some that a node had not read yet, the
-- node must read the snapshot instead, and this column tells it so.
ALTER TABLE documents ADD COLUMN compacted_through BIGINT NOT NULL DEFAULT 0;

-- Documents compacted before this column existed: every chunk id handed
-- out so far may have been folded (an overestimate only costs a node one
-- read of the whole document).
UPDATE documents
SET compacted_through = (SELECT last_value FROM document_chunks_id_seq)
WHERE snapshot IS NOT NULL;

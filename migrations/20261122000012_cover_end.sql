-- A cover can be granted until a time (`admin cover --until DATE`): the
-- colleague's access ends by itself then, as when an administrator ends it
-- (their devices are told to purge the record). NULL: until ended by hand.
ALTER TABLE coverage ADD COLUMN ends_at TIMESTAMPTZ;
CREATE INDEX coverage_by_end ON coverage (ends_at) WHERE ends_at IS NOT NULL;

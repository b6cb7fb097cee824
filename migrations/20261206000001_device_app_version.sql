-- The version of the app each device runs (issue 15), as it last reported
-- it — at enrolment or on a `/sync` connection — and when. The server
-- checks the shape before storing (server/src/http/app_version.rs); the
-- length check here keeps a bug there from storing anything large.
ALTER TABLE devices
    ADD COLUMN app_version TEXT CHECK (char_length(app_version) BETWEEN 1 AND 64),
    ADD COLUMN app_version_seen_at TIMESTAMPTZ;

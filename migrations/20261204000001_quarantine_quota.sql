-- A device's quarantined bytes are bounded (a per-device quota, checked
-- when a refused write or a purge hand-over is kept): counting them per
-- device needs this index.
CREATE INDEX quarantine_by_device ON quarantine (device_id);

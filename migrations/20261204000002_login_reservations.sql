-- Sign-in attempts take a slot before their password is checked (issue 13),
-- so a burst of concurrent attempts cannot all pass a check made before any
-- of them failed. `in_flight` counts attempts holding a slot and not yet
-- answered; `failures` stays the count of answered failures. An attempt is
-- let through only while failures + in_flight stay within the limit.
-- `first_failure_at` keeps its name (nodes still running the previous
-- release read it) and now marks the start of the counting window: the
-- first attempt counted in it.
ALTER TABLE login_throttle ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;

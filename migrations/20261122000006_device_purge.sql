-- A revoked device is told to purge on its next contact (DESIGN.md §6):
-- when it last presented its token and was answered with the purge
-- instruction.
ALTER TABLE devices ADD COLUMN purge_instructed_at TIMESTAMPTZ;

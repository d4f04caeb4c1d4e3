-- 022-warm.sql -- a job may ask to start from a saved VM of the same
-- kernel and machine instead of booting (--warm, docs/PERFORMANCE.md
-- section 2, "Boot once, test many"); 0 for every job from before, which
-- all booted.
ALTER TABLE jobs ADD COLUMN warm INTEGER NOT NULL DEFAULT 0;

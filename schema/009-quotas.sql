-- 009: sharing the machine (docs/LAB.md section 4).
--
-- One row per user the daemon has something to remember about: their
-- decayed usage for fair share, the quotas an admin set for them, and the
-- blob bytes they uploaded today.  A user without a row has used nothing
-- and has the daemon's default quotas.

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    -- Slot-milliseconds of their runs, each weighed down by how long ago
    -- it was (halving every --fair-share-half-life), as of usage_at_ms.
    usage_slot_ms REAL NOT NULL DEFAULT 0,
    usage_at_ms INTEGER NOT NULL DEFAULT 0,
    -- Quotas set by an admin; NULL = the daemon's default, 0 = no limit.
    quota_running_slots INTEGER,
    quota_queued_jobs INTEGER,
    quota_blob_bytes_per_day INTEGER,
    -- Blob bytes uploaded on UTC day blob_day (days since the epoch).
    blob_day INTEGER NOT NULL DEFAULT 0,
    blob_bytes INTEGER NOT NULL DEFAULT 0
);

-- Priorities are three classes now (low, normal, high); an older job's
-- integer priority keeps its sign.
UPDATE jobs SET priority = CASE WHEN priority > 0 THEN 1 WHEN priority < 0 THEN -1 ELSE 0 END
    WHERE priority NOT IN (-1, 0, 1);

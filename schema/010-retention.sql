-- 010-retention.sql -- keeping the disk in budget (docs/LAB.md section 5).
--
-- pkvmd prunes the directories of old finished jobs (console, artifacts,
-- coverage, initrd) when they are older than --keep-days or when job
-- directories use more than --keep-bytes.  The job's row and everything
-- in the database (results, crash reports, coverage numbers) stay; the
-- row only records that its files are gone, and when.

-- A pinned job's directory is never pruned (POST /v1/jobs/ID/pin).
ALTER TABLE jobs ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
-- When the job's directory was pruned; NULL while it is there.
ALTER TABLE jobs ADD COLUMN pruned_ms INTEGER;
-- A pass reads the jobs still holding a directory, the oldest finished first.
CREATE INDEX jobs_unpruned ON jobs (finished_ms, id) WHERE pruned_ms IS NULL;

-- 018-attempts.sql -- a job's attempts (issue 16).  A failure of the
-- infrastructure, not of the kernel under test (qemu that would not start,
-- qemu killed by the host, pkvmd restarted during the run), runs the whole
-- job again, up to its max_attempts; each attempt that ended so is kept
-- here with what ended it, and is never reported as a test failure.
ALTER TABLE jobs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 2
    CHECK (max_attempts BETWEEN 1 AND 10);
CREATE TABLE job_attempts (
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	result      TEXT    NOT NULL CHECK (result IN ('error', 'interrupted')),
	message     TEXT    NOT NULL,
	started_ms  INTEGER NOT NULL,
	finished_ms INTEGER NOT NULL,
	PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;

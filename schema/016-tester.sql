-- 016-tester.sql -- the pKVM tester's remaining pieces (issue 13, section 4).
--
-- stop_on_failure: after the first test that fails, /init skips the rest
-- (pkvmctl submit --stop-on-failure).  job_stream_paths: guest files that
-- /init streams into the job's artifacts while the tests run, besides the
-- hypervisor's log, in the order given.
ALTER TABLE jobs ADD COLUMN stop_on_failure INTEGER NOT NULL DEFAULT 0;

CREATE TABLE job_stream_paths (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	path   TEXT    NOT NULL,
	PRIMARY KEY (job_id, seq)
);

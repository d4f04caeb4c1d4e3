-- 019-outcomes.sql -- flakiness, stored (issue 16).  A test (or sub-test)
-- is flaky when it both passed and failed on the same kernel with the same
-- test files.  A row is made the first time a test fails on a kernel and
-- test files (with the passes it had there before), and counted on after
-- that as each run of it ends: a test that never failed there has no row,
-- so the table grows with failures, not with every result of every run.
-- tests_key is the sha256 of a job's test files (executables and
-- payloads, and the extra tree's files: names and blobs), set at submit;
-- jobs from before have none and count for nothing here.
ALTER TABLE jobs ADD COLUMN tests_key TEXT;
CREATE INDEX jobs_tests_key ON jobs (kernel, tests_key) WHERE tests_key IS NOT NULL;
CREATE TABLE test_outcomes (
	kernel     TEXT    NOT NULL,
	tests_key  TEXT    NOT NULL,
	test       TEXT    NOT NULL,   -- the name, then the sub-test path, joined by ' / '
	passes     INTEGER NOT NULL DEFAULT 0,
	fails      INTEGER NOT NULL DEFAULT 0,   -- fail, error or timeout
	last_job   INTEGER NOT NULL,
	PRIMARY KEY (kernel, tests_key, test)
) WITHOUT ROWID;
-- `pkvmctl flaky`: the flaky ones, newest first.
CREATE INDEX test_outcomes_flaky ON test_outcomes (last_job) WHERE passes > 0 AND fails > 0;

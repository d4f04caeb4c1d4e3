-- 020-flaky.sql -- reruns of failing tests (issue 16, --retry-failed).
--
-- A job may ask /init to run each test that failed again, up to
-- retry_failed times, in the same boot, with the same seed unless
-- new_seed.  A test (or sub-test) that failed and then passed on a rerun
-- gets the verdict 'flaky'; one that failed every time stays 'fail'.  A
-- job whose only failures are flaky passes, unless strict.
--
-- The verdict CHECKs change, so tests and subtests are copied as in
-- 005-not-run.sql (child with parent, old pair dropped child first; ids,
-- and so every reference, kept), with tests' kernel_age (007) and its
-- index.
ALTER TABLE jobs ADD COLUMN retry_failed INTEGER NOT NULL DEFAULT 0
    CHECK (retry_failed BETWEEN 0 AND 10);
ALTER TABLE jobs ADD COLUMN new_seed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN strict INTEGER NOT NULL DEFAULT 0;

CREATE TABLE tests_v4 (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,   -- run order within the attempt
	name        TEXT    NOT NULL,
	verdict     TEXT    NOT NULL
	            CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	                'skip', 'timeout', 'not-run', 'flaky')),
	exit_code   INTEGER,            -- NULL when it never exited by itself
	duration_ms INTEGER NOT NULL DEFAULT 0,
	message     TEXT,               -- why it is not a pass, or a note
	format      TEXT    NOT NULL DEFAULT 'none',  -- "tap", "ktap", ...
	first_line  INTEGER NOT NULL DEFAULT 0,       -- its part of the console
	last_line   INTEGER NOT NULL DEFAULT 0,
	kernel_age  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, attempt, seq)
);
INSERT INTO tests_v4 (id, job_id, attempt, seq, name, verdict, exit_code,
    duration_ms, message, format, first_line, last_line, kernel_age)
    SELECT id, job_id, attempt, seq, name, verdict, exit_code, duration_ms,
        message, format, first_line, last_line, kernel_age
    FROM tests;

CREATE TABLE subtests_v4 (
	id        INTEGER PRIMARY KEY,
	test_id   INTEGER NOT NULL REFERENCES tests_v4 (id) ON DELETE CASCADE,
	parent_id INTEGER REFERENCES subtests_v4 (id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,     -- order among its siblings, from 1
	name      TEXT    NOT NULL,
	verdict   TEXT    NOT NULL
	          CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	              'skip', 'timeout', 'flaky')),
	message   TEXT,
	line      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO subtests_v4 (id, test_id, parent_id, seq, name, verdict, message, line)
    SELECT id, test_id, parent_id, seq, name, verdict, message, line
    FROM subtests ORDER BY id;

DROP TABLE subtests;
DROP TABLE tests;
ALTER TABLE tests_v4 RENAME TO tests;
ALTER TABLE subtests_v4 RENAME TO subtests;
CREATE INDEX subtests_test ON subtests (test_id, id);
CREATE INDEX subtests_parent ON subtests (parent_id);
CREATE INDEX tests_kernel ON tests (name, kernel_age, job_id);

-- Each rerun of a test, in order: what it did, and where on the console.
-- Its sub-results are not kept apart: each sub-test that failed in the
-- test's first run and passed in a rerun is marked 'flaky' there.
CREATE TABLE test_retries (
	test_id     INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
	retry       INTEGER NOT NULL,   -- 1 for the first rerun
	verdict     TEXT    NOT NULL,
	exit_code   INTEGER,
	duration_ms INTEGER NOT NULL DEFAULT 0,
	message     TEXT,
	first_line  INTEGER NOT NULL DEFAULT 0,
	last_line   INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (test_id, retry)
) WITHOUT ROWID;

-- 005-not-run.sql -- every test a job was given appears in its results
-- (issue 9): those that never ran, because the kernel crashed or the time
-- ran out first, get the verdict 'not-run' with the reason as message.
--
-- A verdict CHECK only changes by copying the table.  subtests references
-- tests with ON DELETE CASCADE and foreign keys are on, so dropping tests
-- would empty subtests: subtests is copied too, onto the new tests, and
-- the old pair dropped child first.  The renames that follow carry the
-- references along (sqlite rewrites them), and ids are kept.
CREATE TABLE tests_v3 (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,   -- run order within the attempt
	name        TEXT    NOT NULL,
	verdict     TEXT    NOT NULL
	            CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	                'skip', 'timeout', 'not-run')),
	exit_code   INTEGER,            -- NULL when it never exited by itself
	duration_ms INTEGER NOT NULL DEFAULT 0,
	message     TEXT,               -- why it is not a pass, or a note
	format      TEXT    NOT NULL DEFAULT 'none',  -- "tap", "ktap", ...
	first_line  INTEGER NOT NULL DEFAULT 0,       -- its part of the console
	last_line   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, attempt, seq)
);
INSERT INTO tests_v3 (id, job_id, attempt, seq, name, verdict, exit_code,
    duration_ms, message, format, first_line, last_line)
    SELECT id, job_id, attempt, seq, name, verdict, exit_code, duration_ms,
        message, format, first_line, last_line
    FROM tests;

CREATE TABLE subtests_v3 (
	id        INTEGER PRIMARY KEY,
	test_id   INTEGER NOT NULL REFERENCES tests_v3 (id) ON DELETE CASCADE,
	parent_id INTEGER REFERENCES subtests_v3 (id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,     -- order among its siblings, from 1
	name      TEXT    NOT NULL,
	verdict   TEXT    NOT NULL
	          CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	              'skip', 'timeout')),
	message   TEXT,
	line      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO subtests_v3 (id, test_id, parent_id, seq, name, verdict, message, line)
    SELECT id, test_id, parent_id, seq, name, verdict, message, line
    FROM subtests ORDER BY id;

DROP TABLE subtests;
DROP TABLE tests;
ALTER TABLE tests_v3 RENAME TO tests;
ALTER TABLE subtests_v3 RENAME TO subtests;
CREATE INDEX subtests_test ON subtests (test_id, id);
-- Deleting a node finds its children through this.
CREATE INDEX subtests_parent ON subtests (parent_id);

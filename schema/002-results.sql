-- 002-results.sql -- what a job found: test details and sub-results, crash
-- reports, artifacts; and the job fields of issue 3 (per-test timeouts,
-- executable arguments and environment, modules, the --extra tree).
--
-- Like the tests, crash reports and artifacts belong to one attempt of a
-- job: the API shows those of the current attempt only, and a requeued job
-- starts its new attempt with none.  Rows of earlier attempts stay, so the
-- crash groups (GET /v1/crashes) still count what an interrupted run saw.
--
-- Crash kinds and output formats are stored as names without a CHECK:
-- both lists will grow, and sqlite cannot change a CHECK without
-- rebuilding the table, as the tests table must be rebuilt below.

-- tests: verdicts "skip" and "timeout" are new, and the verdict CHECK can
-- only change by copying the table.  Nothing references tests yet, so the
-- copy, drop and rename need no care for foreign keys; the ids are kept.
CREATE TABLE tests_v2 (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,   -- run order within the attempt
	name        TEXT    NOT NULL,
	verdict     TEXT    NOT NULL
	            CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	                'skip', 'timeout')),
	exit_code   INTEGER,            -- NULL when it never exited by itself
	duration_ms INTEGER NOT NULL DEFAULT 0,
	message     TEXT,               -- why it is not a pass, or a note
	format      TEXT    NOT NULL DEFAULT 'none',  -- "tap", "ktap", ...
	first_line  INTEGER NOT NULL DEFAULT 0,       -- its part of the console
	last_line   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, attempt, seq)
);
INSERT INTO tests_v2 (id, job_id, attempt, seq, name, verdict, exit_code,
    duration_ms)
    SELECT id, job_id, attempt, seq, name, verdict, exit_code, duration_ms
    FROM tests;
DROP TABLE tests;
ALTER TABLE tests_v2 RENAME TO tests;

-- The sub-result tree of a test (TAP, KTAP, LTP, kvm-unit-tests lines),
-- one row per node.  Rows are written parent before children, so reading
-- them by id gives every parent before its children.
CREATE TABLE subtests (
	id        INTEGER PRIMARY KEY,
	test_id   INTEGER NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
	parent_id INTEGER REFERENCES subtests (id) ON DELETE CASCADE,
	seq       INTEGER NOT NULL,     -- order among its siblings, from 1
	name      TEXT    NOT NULL,
	verdict   TEXT    NOT NULL
	          CHECK (verdict IN ('running', 'pass', 'fail', 'error',
	              'skip', 'timeout')),
	message   TEXT,
	line      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subtests_test ON subtests (test_id, id);
-- Deleting a node finds its children through this.
CREATE INDEX subtests_parent ON subtests (parent_id);

-- Kernel and hypervisor crash reports, one row per report.
CREATE TABLE crashes (
	id         INTEGER PRIMARY KEY,
	job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt    INTEGER NOT NULL,
	test       TEXT,                -- running then; NULL at boot or init
	kind       TEXT    NOT NULL,    -- "panic", "oops", "warning", ...
	title      TEXT    NOT NULL,    -- no addresses, so equal across runs
	fatal      INTEGER NOT NULL DEFAULT 0,
	report     TEXT    NOT NULL DEFAULT '',
	first_line INTEGER NOT NULL DEFAULT 0,
	last_line  INTEGER NOT NULL DEFAULT 0,
	time_ms    INTEGER NOT NULL
);
CREATE INDEX crashes_job ON crashes (job_id, attempt, first_line);
-- Grouping by title reads only this index.
CREATE INDEX crashes_title ON crashes (title, time_ms, job_id);

-- Files the tests sent back, checked against their announced size and
-- sha256.  A second report of the same file replaces the first.
CREATE TABLE artifacts (
	id      INTEGER PRIMARY KEY,
	job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt INTEGER NOT NULL,
	test    TEXT    NOT NULL,       -- test name, or "_system"
	path    TEXT    NOT NULL,       -- relative to the test's PKVM_OUTPUT
	size    INTEGER NOT NULL,
	sha256  TEXT    NOT NULL,
	status  TEXT    NOT NULL
	        CHECK (status IN ('ok', 'corrupt', 'incomplete')),
	UNIQUE (job_id, attempt, test, path)
);

-- New job fields.  timings is the guest's JSON object of timing marks for
-- the current attempt, NULL until the guest reported them.
ALTER TABLE jobs ADD COLUMN test_timeout_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN fail_on_warn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN timings TEXT;

-- An executable's own timeout, 0 = the job's test_timeout.
ALTER TABLE job_exes ADD COLUMN timeout_s INTEGER NOT NULL DEFAULT 0;

-- An executable's arguments and KEY=VALUE environment, in order.
CREATE TABLE job_exe_args (
	job_id  INTEGER NOT NULL,
	exe_seq INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	arg     TEXT    NOT NULL,
	PRIMARY KEY (job_id, exe_seq, seq),
	FOREIGN KEY (job_id, exe_seq) REFERENCES job_exes (job_id, seq)
	    ON DELETE CASCADE
);
CREATE TABLE job_exe_env (
	job_id  INTEGER NOT NULL,
	exe_seq INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	entry   TEXT    NOT NULL,
	PRIMARY KEY (job_id, exe_seq, seq),
	FOREIGN KEY (job_id, exe_seq) REFERENCES job_exes (job_id, seq)
	    ON DELETE CASCADE
);

-- Kernel modules loaded before the tests, in order.
CREATE TABLE job_modules (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	name   TEXT    NOT NULL,
	PRIMARY KEY (job_id, seq)
);

-- The --extra tree: files (a blob), directories and symlinks.
CREATE TABLE job_extra (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	path   TEXT    NOT NULL,
	kind   TEXT    NOT NULL CHECK (kind IN ('file', 'dir', 'symlink')),
	blob   TEXT,                    -- sha256 hex of a file, else NULL
	mode   INTEGER NOT NULL DEFAULT 0,
	size   INTEGER NOT NULL DEFAULT 0,
	target TEXT,                    -- where a symlink points, else NULL
	PRIMARY KEY (job_id, seq),
	CHECK ((kind = 'file') = (blob IS NOT NULL)),
	CHECK ((kind = 'symlink') = (target IS NOT NULL))
);
-- Blob garbage collection asks which blobs are still referenced.
CREATE INDEX job_extra_blob ON job_extra (blob) WHERE blob IS NOT NULL;

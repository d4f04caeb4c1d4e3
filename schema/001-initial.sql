-- 001-initial.sql -- the first schema: jobs and what they own.
--
-- Migrations are numbered files, applied in order by store_open() each in
-- its own transaction together with PRAGMA user_version = <number>.  They
-- are compiled into pkvmd (scripts/embed-schema.py), so a shipped file is
-- never edited: a change is a new, higher-numbered file.
--
-- States, results and verdicts are stored as their wire names ("queued",
-- "passed", "pass") rather than enum numbers, so the database reads well
-- in the sqlite3 shell and does not depend on the order of a C enum.
-- Timestamps are unix milliseconds supplied by the caller; 0 = not yet.

CREATE TABLE jobs (
	id             INTEGER PRIMARY KEY,
	owner          TEXT    NOT NULL,
	state          TEXT    NOT NULL
	               CHECK (state IN ('queued', 'running', 'done')),
	-- NULL until the job is done; then set, and only then.
	result         TEXT
	               CHECK (result IN ('passed', 'failed', 'timeout',
	                   'crashed', 'cancelled', 'error', 'interrupted')),
	message        TEXT,
	created_ms     INTEGER NOT NULL,
	started_ms     INTEGER NOT NULL DEFAULT 0,
	finished_ms    INTEGER NOT NULL DEFAULT 0,

	-- What was asked for.
	kernel         TEXT    NOT NULL,   -- sha256 hex of the kernel blob
	smp            INTEGER NOT NULL,
	mem_mb         INTEGER NOT NULL,
	append         TEXT    NOT NULL DEFAULT '',
	timeout_s      INTEGER NOT NULL,
	idle_timeout_s INTEGER NOT NULL,
	debug_port     INTEGER NOT NULL DEFAULT 0,
	coverage       INTEGER NOT NULL DEFAULT 1,
	uefi           INTEGER NOT NULL DEFAULT 0,
	seed           TEXT,
	priority       INTEGER NOT NULL DEFAULT 0,

	-- How the current attempt is going.  attempt starts at 1 and grows
	-- each time a daemon restart puts a running job back in the queue.
	attempt        INTEGER NOT NULL DEFAULT 1,
	exit_status    INTEGER,            -- qemu exit code or -signal
	console_bytes  INTEGER NOT NULL DEFAULT 0,
	-- The qemu of a running job, so a restarted daemon can tell a
	-- survivor from a recycled pid (/proc/PID/stat field 22).
	pid            INTEGER NOT NULL DEFAULT 0,
	pid_starttime  INTEGER NOT NULL DEFAULT 0,

	-- Counters for the current attempt, kept in step with the tests
	-- table by the store so listing jobs needs no aggregate query.
	tests_total    INTEGER NOT NULL DEFAULT 0,
	tests_passed   INTEGER NOT NULL DEFAULT 0,
	tests_failed   INTEGER NOT NULL DEFAULT 0,

	CHECK ((state = 'done') = (result IS NOT NULL))
);

-- The scheduler's question: queued jobs by priority, then FIFO.
CREATE INDEX jobs_queue ON jobs (state, priority DESC, id);
CREATE INDEX jobs_owner ON jobs (owner, id);
-- Blob garbage collection asks which blobs are still referenced.
CREATE INDEX jobs_kernel ON jobs (kernel);

-- Tags are a set per job; rowid keeps the order they were given in.
CREATE TABLE job_tags (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	tag    TEXT    NOT NULL,
	PRIMARY KEY (job_id, tag)
);
CREATE INDEX job_tags_tag ON job_tags (tag, job_id);

-- Test executables copied into the guest, in the order given.
CREATE TABLE job_exes (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	name   TEXT    NOT NULL,
	blob   TEXT    NOT NULL,   -- sha256 hex
	mode   INTEGER NOT NULL,
	size   INTEGER NOT NULL,
	PRIMARY KEY (job_id, seq),
	UNIQUE (job_id, name)
);
CREATE INDEX job_exes_blob ON job_exes (blob);

-- Extra qemu arguments, one row each, in order.
CREATE TABLE job_qemu_args (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	arg    TEXT    NOT NULL,
	PRIMARY KEY (job_id, seq)
);

-- One row per test run in one attempt of a job.  The surrogate id is what
-- later tables (sub-results, crash reports, coverage) will reference.
CREATE TABLE tests (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,   -- run order within the attempt, from 1
	name        TEXT    NOT NULL,
	verdict     TEXT    NOT NULL
	            CHECK (verdict IN ('running', 'pass', 'fail', 'error')),
	exit_code   INTEGER,
	duration_ms INTEGER NOT NULL DEFAULT 0,
	UNIQUE (job_id, attempt, seq)
);

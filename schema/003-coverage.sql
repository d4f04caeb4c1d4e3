-- 003-coverage.sql -- coverage: the job fields of issue 4 and the numbers
-- the host captured from a job's .gcda data (docs/COVERAGE.md).
--
-- Coverage belongs to one attempt of a job, like tests, crash reports and
-- artifacts: the API shows the current attempt's, and a requeued job
-- starts its new attempt without any.  A job has at most one coverage row
-- per attempt, which holds its status and totals; the per-file numbers
-- hang off that row and go with it.
--
-- A job with no coverage row for its current attempt has none stored yet;
-- store.h says what status that reads as.

-- Where the server finds the .gcno files (NULL: next to the .gcda paths)
-- and which gcov to run (NULL: detect from the .gcda version stamp).
ALTER TABLE jobs ADD COLUMN build_dir TEXT;
ALTER TABLE jobs ADD COLUMN gcov_tool TEXT;

-- Extra guest paths whose .gcda files are shipped, in order.
CREATE TABLE job_coverage_paths (
	job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	path   TEXT    NOT NULL,
	PRIMARY KEY (job_id, seq)
);

-- The coverage of one attempt: its status and, when "ok", its totals
-- (zero otherwise).  message says why for "error".
CREATE TABLE coverage (
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	attempt     INTEGER NOT NULL,
	status      TEXT    NOT NULL
	            CHECK (status IN ('disabled', 'none', 'pending', 'running',
	                'ok', 'error')),
	message     TEXT,
	lines_hit   INTEGER NOT NULL DEFAULT 0,
	lines_total INTEGER NOT NULL DEFAULT 0,
	fn_hit      INTEGER NOT NULL DEFAULT 0,
	fn_total    INTEGER NOT NULL DEFAULT 0,
	br_hit      INTEGER NOT NULL DEFAULT 0,
	br_total    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, attempt)
);

-- The same numbers per source file.  The key is also the index the
-- per-job listing walks: one attempt's rows, already in file order.  A
-- kernel job has thousands of rows, so the table is stored in that key's
-- order (WITHOUT ROWID) instead of beside a second copy of it.
CREATE TABLE coverage_files (
	job_id      INTEGER NOT NULL,
	attempt     INTEGER NOT NULL,
	file        TEXT    NOT NULL,
	lines_hit   INTEGER NOT NULL DEFAULT 0,
	lines_total INTEGER NOT NULL DEFAULT 0,
	fn_hit      INTEGER NOT NULL DEFAULT 0,
	fn_total    INTEGER NOT NULL DEFAULT 0,
	br_hit      INTEGER NOT NULL DEFAULT 0,
	br_total    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, attempt, file),
	FOREIGN KEY (job_id, attempt) REFERENCES coverage (job_id, attempt)
	    ON DELETE CASCADE
) WITHOUT ROWID;

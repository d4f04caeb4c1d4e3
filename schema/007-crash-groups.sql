-- 007-crash-groups.sql -- grouping crash reports across jobs (issue 9):
-- which kernels a crash title was seen on, and whether a newer kernel
-- stopped showing it (docs/API.md, GET /v1/crashes).
--
-- A kernel is its blob's sha256.  pkvmd cannot order kernels by their
-- source (a version string is free text, and a rebuild keeps it), so a
-- kernel's age is its first job: a kernel is newer than another when its
-- first job was submitted later.  The kernels table keeps that first job,
-- written when a job is inserted, and the version the kernel printed
-- ("Linux version X" on the console, X as `uname -r` shows it) once a
-- console showed it: a blob always prints the same banner, so it is kept
-- once per kernel, with the job whose console it came from.
CREATE TABLE kernels (
	sha256      TEXT    PRIMARY KEY,   -- the kernel blob
	first_job   INTEGER NOT NULL,      -- the first job that used it: its age
	version     TEXT,                  -- NULL until a console showed it
	version_job INTEGER                -- the job whose console showed it
) WITHOUT ROWID;
-- "Kernels newer than this one" is a range of this index.
CREATE INDEX kernels_first_job ON kernels (first_job);
INSERT INTO kernels (sha256, first_job) SELECT kernel, min(id) FROM jobs GROUP BY kernel;

-- The kernel a report came from, copied from its job when the report is
-- stored: the kernels of a title, and whether a kernel ever showed it,
-- are then one index range or one seek instead of a lookup of every
-- report's job.
ALTER TABLE crashes ADD COLUMN kernel TEXT NOT NULL DEFAULT '';
UPDATE crashes SET kernel = (SELECT kernel FROM jobs WHERE jobs.id = crashes.job_id);
-- A title's kernels in order, and with kind at its end the index covers
-- the grouping (count, jobs, first and last time) with ?kind= too.
CREATE INDEX crashes_title_kernel ON crashes (title, kernel, time_ms, job_id, kind);

-- Whether a newer kernel stopped showing a title asks, kernel by kernel,
-- whether a later job on it ran the title's test to its end: with the
-- kernel's age on each test row (its first job, as in kernels), that is
-- one seek of this index per kernel, whatever the number of runs.
ALTER TABLE tests ADD COLUMN kernel_age INTEGER NOT NULL DEFAULT 0;
UPDATE tests SET kernel_age = ifnull((SELECT k.first_job FROM jobs j
    JOIN kernels k ON k.sha256 = j.kernel WHERE j.id = tests.job_id), 0);
CREATE INDEX tests_kernel ON tests (name, kernel_age, job_id);
-- The same for a report outside any test, which a later job clears by
-- running through (its result passed or failed): one seek per kernel.
CREATE INDEX jobs_kernel_through ON jobs (kernel, id) WHERE result IN ('passed', 'failed');

-- 006-symbols.sql -- file:line for the frames of crash reports (issue 9,
-- docs/SYMBOLS.md).
--
-- A job may name the vmlinux of its kernel (a blob, like the kernel).
-- When it is done, its crash reports are symbolized off the event loop and
-- each report gets a symbolized copy; the report as the console printed
-- it stays as it was.

-- sha256 hex of the job's vmlinux blob, NULL when none was given.
ALTER TABLE jobs ADD COLUMN vmlinux TEXT;
-- Blob garbage collection asks which blobs are still referenced.
CREATE INDEX jobs_vmlinux ON jobs (vmlinux) WHERE vmlinux IS NOT NULL;

-- Each report's symbolization: NULL until its job is done (and for
-- reports stored before this migration); 'none' when there was nothing
-- to do (no vmlinux known for the kernel, or no frame in the report),
-- 'pending' while queued or running, 'ok' with the symbolized copy,
-- 'error' with a message.  symbols_message may also say, for 'ok' or
-- 'none', what was left out (a module without debug info).
ALTER TABLE crashes ADD COLUMN symbols TEXT
	CHECK (symbols IN ('none', 'pending', 'ok', 'error'));
ALTER TABLE crashes ADD COLUMN symbols_message TEXT;
ALTER TABLE crashes ADD COLUMN symbolized TEXT;
-- What a restarted pkvmd finds to finish.
CREATE INDEX crashes_symbols_pending ON crashes (job_id) WHERE symbols = 'pending';

-- The vmlinux blobs jobs have named, by GNU build id: a later job whose
-- kernel Image carries one of these ids finds its vmlinux here without
-- naming one.  A build id may have several blobs (the same vmlinux with
-- and without debug info keeps its id); the newest is tried.
CREATE TABLE vmlinux_builds (
	build_id TEXT    NOT NULL,      -- lower-case hex
	blob     TEXT    NOT NULL,      -- sha256 hex of the vmlinux blob
	seen_ms  INTEGER NOT NULL,      -- when a job last named it
	PRIMARY KEY (build_id, blob)
);

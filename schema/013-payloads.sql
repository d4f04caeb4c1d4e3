-- 013-payloads.sql -- payload jobs: bare binaries booted without a kernel.
--
-- A payload job (docs/PAYLOADS.md) boots kvm-unit-tests' .flat files or
-- EFI apps, each in a qemu of its own.  Its payloads are job_exes rows
-- (name, blob, size, timeout: a payload is one test of the job, and blob
-- retention already keeps what job_exes names); what a payload has beyond
-- an executable is here, one row per payload, same seq.  A job with rows
-- here is a payload job.
CREATE TABLE job_payloads (
	job_id  INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	format  TEXT    NOT NULL CHECK (format IN ('flat', 'efi')),
	smp     INTEGER NOT NULL,
	mem_mb  INTEGER NOT NULL DEFAULT 0,   -- 0: the job's
	append  TEXT    NOT NULL DEFAULT '',  -- the test's arguments (-append)
	machine TEXT    NOT NULL DEFAULT '',  -- extra -machine properties
	groups  TEXT    NOT NULL DEFAULT '',  -- kvm-unit-tests groups
	PRIMARY KEY (job_id, seq),
	FOREIGN KEY (job_id, seq) REFERENCES job_exes (job_id, seq) ON DELETE CASCADE
);

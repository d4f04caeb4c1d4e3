-- 014-disks.sql -- a job's disk images and the root it boots (issue 13, 2).
--
-- job_disks: each --disk in order (/dev/vda first): the blob, its format
-- as pkvmd read it from the header at submit ('raw' or 'qcow2'; qemu is
-- always told it, never left to probe), whether it is attached read-only
-- (no overlay), and its size.  jobs.root: the guest device /init mounts
-- and switches root to (NULL: the tests run from the initramfs as
-- before); jobs.keep_disk: keep the writable disks' overlays as job files.
CREATE TABLE job_disks (
	job_id   INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	seq      INTEGER NOT NULL,
	blob     TEXT    NOT NULL,
	format   TEXT    NOT NULL CHECK (format IN ('raw', 'qcow2')),
	readonly INTEGER NOT NULL DEFAULT 0,
	size     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (job_id, seq)
);
CREATE INDEX job_disks_blob ON job_disks (blob);
ALTER TABLE jobs ADD COLUMN root TEXT;
ALTER TABLE jobs ADD COLUMN keep_disk INTEGER NOT NULL DEFAULT 0;

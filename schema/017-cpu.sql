-- 017-cpu.sql -- a job's CPU model (issue 15): qemu's -cpu, a model and
-- its properties.  Set at submit, to the submitter's choice or the
-- server's --default-cpu then, so a job shows what it ran on even after
-- the default changes.  Jobs from before ran on 'max', qemu's default
-- here until now.
ALTER TABLE jobs ADD COLUMN cpu TEXT NOT NULL DEFAULT 'max';

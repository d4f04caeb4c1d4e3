-- 015-interactive.sql -- jobs that end in a shell on the console (issue 13).
--
-- An interactive job's guest runs its tests as any other, then starts a
-- busybox shell on the serial console instead of powering off; the runner
-- keeps no idle watchdog for it (docs/INTERACTIVE.md).  The flag is stored
-- so that a job requeued after a restart of pkvmd is interactive again.
ALTER TABLE jobs ADD COLUMN interactive INTEGER NOT NULL DEFAULT 0;

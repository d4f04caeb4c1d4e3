-- 021-placement.sql -- where a job's guest runs when pkvmd hands it to
-- another scheduler (issue 17, --executor slurm): "Slurm job 12 on node
-- n1", set once the guest runs, cleared when a new attempt starts; NULL
-- for a local qemu.
ALTER TABLE jobs ADD COLUMN placement TEXT;

-- 005-reserved.sql -- a placeholder: migration 005 belongs to a branch
-- developed alongside this one (issue 9), and migrations must be numbered
-- without gaps (scripts/embed-schema.py).  When the two branches meet,
-- this file goes and theirs takes the number; it changes nothing.
SELECT 1;

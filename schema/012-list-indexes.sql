-- 012-list-indexes.sql -- the job list by state, newest first, as an index
-- walk (GET /v1/jobs?state=done&limit=25, the dashboard's Finished table).
--
-- With only jobs_queue (state, priority DESC, id), SQLite read every job of
-- the state and sorted them for ORDER BY id DESC: 120 ms for a page of 25
-- at 100,000 finished jobs (bench/dashboard).  These walk (state, id) and
-- (owner, state, id) from the page cursor down and stop at LIMIT.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_owner_state ON jobs (owner, state, id);

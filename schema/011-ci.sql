-- 011-ci.sql -- CI webhooks in, commit statuses out (docs/CI.md).
--
-- Every webhook delivery is recorded, whatever became of it: a job queued,
-- ignored (an event the project does not want, with the reason), refused
-- (a bad signature, an unknown project) or failed (the artifact could not
-- be fetched).  A delivery id that was accepted once is never taken
-- again: forges redeliver, and a redelivery must not make a second job.
-- A refused one may come again (after the secret was fixed), and so may a
-- failed one (the forge was down: "Redeliver" is how a user retries).
CREATE TABLE ci_deliveries (
	id           INTEGER PRIMARY KEY,
	project      TEXT    NOT NULL,        -- '' when no project matched
	forge        TEXT    NOT NULL CHECK (forge IN ('github', 'gitlab', 'generic')),
	delivery     TEXT    NOT NULL,        -- X-GitHub-Delivery, GitLab's event UUID, the body's id
	event        TEXT    NOT NULL DEFAULT '',
	received_ms  INTEGER NOT NULL,
	outcome      TEXT    NOT NULL
	             CHECK (outcome IN ('pending', 'queued', 'ignored', 'refused', 'failed')),
	reason       TEXT,                    -- why ignored, refused or failed
	job_id       INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
	ref          TEXT,
	commit_sha   TEXT
);
CREATE UNIQUE INDEX ci_deliveries_once ON ci_deliveries (forge, delivery)
	WHERE outcome NOT IN ('refused', 'failed');
CREATE INDEX ci_deliveries_project ON ci_deliveries (project, id);

-- Which jobs a CI project queued, for what push: statuses go to that
-- commit, and a newer push to the same branch supersedes the older jobs.
CREATE TABLE ci_jobs (
	job_id        INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
	project       TEXT    NOT NULL,
	ref           TEXT    NOT NULL,       -- branch (or tag) of the push
	commit_sha    TEXT    NOT NULL,
	delivery_id   INTEGER REFERENCES ci_deliveries (id),
	callback_url  TEXT,                   -- generic hooks: where the finished job goes
	superseded_by TEXT                    -- the commit that replaced it
);
CREATE INDEX ci_jobs_branch ON ci_jobs (project, ref, job_id);

-- Status updates on their way to the forge, sent in order per commit,
-- retried with backoff on network errors and 5xx, kept across restarts.
-- A row is done when sent, rejected (a 4xx: not retried) or given up.
CREATE TABLE ci_outbox (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL,
	project     TEXT    NOT NULL,
	commit_sha  TEXT    NOT NULL,
	kind        TEXT    NOT NULL DEFAULT 'status' CHECK (kind IN ('status', 'callback')),
	state       TEXT    NOT NULL,         -- the forge's word: pending, running, success, ...
	description TEXT    NOT NULL DEFAULT '',
	target_url  TEXT,
	created_ms  INTEGER NOT NULL,
	next_ms     INTEGER NOT NULL,         -- not before this time
	attempts    INTEGER NOT NULL DEFAULT 0,
	done_ms     INTEGER NOT NULL DEFAULT 0,
	outcome     TEXT    CHECK (outcome IN ('sent', 'rejected', 'gave-up')),
	http_status INTEGER,
	last_error  TEXT,
	CHECK ((done_ms = 0) = (outcome IS NULL))
);
CREATE INDEX ci_outbox_pending ON ci_outbox (done_ms, project, commit_sha, id);
CREATE INDEX ci_outbox_job ON ci_outbox (job_id, id);

-- 008-tokens.sql -- bearer tokens for TCP callers, and how each job came
-- (issue 10, the lab server; docs/API.md "Authentication").
--
-- A token is "pkvm_KEY_SECRET": KEY is 16 random hex digits that name
-- the row (not a secret: it is how the daemon finds the row without
-- comparing secrets), SECRET is 256 random bits.  Only the sha256 of the
-- whole token is kept, in hex; the daemon compares it in constant time.
-- A plain hash is enough because the secret is random and long: there is
-- nothing to guess, so a slow password hash would only cost CPU on every
-- request.  Revoking keeps the row (revoked_ms) so that jobs' via
-- ("token:ID") still names a token that existed.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	key          TEXT    NOT NULL UNIQUE, -- the public lookup part
	hash         TEXT    NOT NULL,        -- sha256 hex of the whole token
	user         TEXT    NOT NULL,        -- whose jobs it acts for
	scopes       TEXT    NOT NULL,        -- "read,submit,admin", a subset
	created_by   TEXT    NOT NULL,        -- the user who made it
	created_ms   INTEGER NOT NULL,
	expires_ms   INTEGER,                 -- NULL: never
	last_used_ms INTEGER,                 -- NULL: never; kept to the minute
	revoked_ms   INTEGER                  -- NULL: live
);
CREATE INDEX tokens_user ON tokens (user, id);

-- How each job came: "socket", "token:ID", later "webhook:PROJECT".
-- Jobs from before this migration did not record it: NULL.
ALTER TABLE jobs ADD COLUMN via TEXT;

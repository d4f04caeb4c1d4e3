/*
 * tokens.c -- the SQL of bearer tokens (schema/008-tokens.sql).
 *
 * The store keeps what the HTTP layer needs to check a token and to list
 * it, and nothing it could be used with: a row has the token's public
 * key (the part that finds the row), the sha256 of the whole token, its
 * user and scopes, and its times.  The token itself is shown once, by the
 * handler that made it, and never reaches this file.  Making tokens,
 * hashing them and comparing hashes is the HTTP layer's work (http/bearer.c);
 * here are only rows.
 *
 * Revoking keeps the row: a job's via ("token:ID") keeps naming a token
 * that existed, and the list shows when it was revoked.  last_used_ms is
 * written by store_token_touch(), which auth.c calls at most once a minute
 * per token, so checking a token is a read and not a write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

/* The columns read_token() reads, in its order. */
#define TOKEN_COLS \
	"id, key, hash, user, scopes, created_by, created_ms, expires_ms, last_used_ms, " \
	"revoked_ms"

const struct stmt_def st_token_stmts[] = {
	{ .id = STMT_TOKEN_INSERT,
	    .sql = "INSERT INTO tokens (key, hash, user, scopes, created_by, created_ms,"
		   " expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
	{ .id = STMT_TOKEN_BY_KEY, .sql = "SELECT " TOKEN_COLS " FROM tokens WHERE key = ?1" },
	{ .id = STMT_TOKEN_GET, .sql = "SELECT " TOKEN_COLS " FROM tokens WHERE id = ?1" },
	{ .id = STMT_TOKEN_LIST, .sql = "SELECT " TOKEN_COLS " FROM tokens ORDER BY id DESC" },
	{ .id = STMT_TOKEN_LIST_USER,
	    .sql = "SELECT " TOKEN_COLS " FROM tokens WHERE user = ?1 ORDER BY id DESC" },
	/* The first revocation is the one kept: revoking twice is harmless. */
	{ .id = STMT_TOKEN_REVOKE,
	    .sql = "UPDATE tokens SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1" },
	{ .id = STMT_TOKEN_TOUCH, .sql = "UPDATE tokens SET last_used_ms = ?2 WHERE id = ?1" },
};
const size_t st_token_nstmts = NELEM(st_token_stmts);

/* A column that may be NULL, as 0 when it is. */
static int64_t
col_time(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

static int
read_token(sqlite3_stmt *s, void *elem, void *arg)
{
	struct token_record *t = elem;
	int r;

	(void)arg;
	t->id = sqlite3_column_int64(s, 0);
	st_col_copy(s, 1, t->key, sizeof(t->key));
	st_col_copy(s, 2, t->hash, sizeof(t->hash));
	if ((r = st_col_dup(s, 3, &t->user)) < 0 || (r = st_col_dup(s, 4, &t->scopes)) < 0 ||
	    (r = st_col_dup(s, 5, &t->created_by)) < 0)
		return r;
	t->created_ms = sqlite3_column_int64(s, 6);
	t->expires_ms = col_time(s, 7);
	t->last_used_ms = col_time(s, 8);
	t->revoked_ms = col_time(s, 9);
	return 0;
}

static void
clear_token(void *elem)
{
	store_token_clear(elem);
}

static const struct st_list_kind token_kind = {
	.elem = sizeof(struct token_record),
	.read = read_token,
	.clear = clear_token,
};

void
store_token_clear(struct token_record *t)
{
	free(t->user);
	free(t->scopes);
	free(t->created_by);
	memset(t, 0, sizeof(*t));
}

int
store_token_insert(struct store *st, struct token_record *t)
{
	sqlite3_stmt *s = st->stmt[STMT_TOKEN_INSERT];
	int r;

	st_bind_text(s, 1, t->key);
	st_bind_text(s, 2, t->hash);
	st_bind_text(s, 3, t->user);
	st_bind_text(s, 4, t->scopes);
	st_bind_text(s, 5, t->created_by);
	sqlite3_bind_int64(s, 6, t->created_ms);
	if (t->expires_ms != 0)
		sqlite3_bind_int64(s, 7, t->expires_ms);
	else
		sqlite3_bind_null(s, 7);
	if ((r = st_step_changes(st, s, __func__)) < 0)
		return r;
	t->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* The one row statement ID finds with KEY bound (text when KEY_TEXT, else
 * KEY_ID) into *OUT: 0, -ENOENT, or another negative errno. */
static int
token_find(struct store *st, enum stmt_id id, const char *key_text, int64_t key_id,
    struct token_record *out, const char *fn)
{
	sqlite3_stmt *s = st->stmt[id];
	int r;

	memset(out, 0, sizeof(*out));
	if (key_text != NULL)
		st_bind_text(s, 1, key_text);
	else
		sqlite3_bind_int64(s, 1, key_id);
	if ((r = st_step_row(st, s, fn)) == 0 && (r = read_token(s, out, NULL)) < 0)
		store_token_clear(out);
	st_stmt_done(s);
	return r;
}

int
store_token_by_key(struct store *st, const char *key, struct token_record *out)
{
	return token_find(st, STMT_TOKEN_BY_KEY, key, 0, out, __func__);
}

int
store_token_get(struct store *st, int64_t id, struct token_record *out)
{
	return token_find(st, STMT_TOKEN_GET, NULL, id, out, __func__);
}

int
store_token_list(struct store *st, const char *user, struct token_record **out, size_t *n)
{
	sqlite3_stmt *s = st->stmt[user != NULL ? STMT_TOKEN_LIST_USER : STMT_TOKEN_LIST];

	if (user != NULL)
		st_bind_text(s, 1, user);
	return st_collect(st, s, &token_kind, NULL, (void **)out, n, __func__);
}

void
store_token_list_free(struct token_record *t, size_t n)
{
	st_list_free(&token_kind, t, n);
}

int
store_token_revoke(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_TOKEN_REVOKE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	return st_step_one(st, s, __func__);
}

int
store_token_touch(struct store *st, int64_t id, int64_t now_ms)
{
	sqlite3_stmt *s = st->stmt[STMT_TOKEN_TOUCH];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now_ms);
	return st_step_one(st, s, __func__);
}

/*
 * test-store-tokens.c -- the store's bearer tokens (store/tokens.c) and
 * the jobs' via column, against real database files.
 *
 * The store keeps rows and never sees a token: these tests give it made-up
 * keys and hashes and check they come back as they went in, that a key is
 * unique, that revoking keeps the row and its first time, and that
 * last-used is written only when asked.  The fixtures are test-store.h's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-store.h"

#define HASH_A "aa00000000000000000000000000000000000000000000000000000000000001"
#define HASH_B "bb00000000000000000000000000000000000000000000000000000000000002"

/* A token record for USER with KEY and HASH, made by "root" at T0. */
static struct token_record
token_make(const char *key, const char *hash, const char *user, const char *scopes,
    int64_t expires_ms)
{
	struct token_record t = { 0 };

	snprintf(t.key, sizeof(t.key), "%s", key);
	snprintf(t.hash, sizeof(t.hash), "%s", hash);
	t.user = (char *)user;
	t.scopes = (char *)scopes;
	t.created_by = (char *)"root";
	t.created_ms = T0;
	t.expires_ms = expires_ms;
	return t;
}

static void
test_a_token_round_trips_by_key_and_by_id(void)
{
	struct store *st = open_ok(db_path());
	struct token_record t = token_make("0123456789abcdef", HASH_A, "alice", "read,submit",
	    T0 + 3600000);
	struct token_record got;

	CHECK_INT(store_token_insert(st, &t), 0);
	CHECK(t.id > 0);
	CHECK_INT(store_token_by_key(st, "0123456789abcdef", &got), 0);
	CHECK_INT(got.id, t.id);
	CHECK_STR(got.key, "0123456789abcdef");
	CHECK_STR(got.hash, HASH_A);
	CHECK_STR(got.user, "alice");
	CHECK_STR(got.scopes, "read,submit");
	CHECK_STR(got.created_by, "root");
	CHECK_INT(got.created_ms, T0);
	CHECK_INT(got.expires_ms, T0 + 3600000);
	CHECK_INT(got.last_used_ms, 0);
	CHECK_INT(got.revoked_ms, 0);
	store_token_clear(&got);
	CHECK_INT(store_token_get(st, t.id, &got), 0);
	CHECK_STR(got.user, "alice");
	CHECK_STR(got.hash, HASH_A);
	store_token_clear(&got);
	store_free(st);
}

static void
test_no_expiry_reads_as_zero(void)
{
	struct store *st = open_ok(db_path());
	struct token_record t = token_make("1111111111111111", HASH_A, "bob", "read", 0);
	struct token_record got;

	CHECK_INT(store_token_insert(st, &t), 0);
	CHECK_INT(store_token_get(st, t.id, &got), 0);
	CHECK_INT(got.expires_ms, 0);
	store_token_clear(&got);
	store_free(st);
}

static void
test_unknown_key_or_id_is_enoent(void)
{
	struct store *st = open_ok(db_path());
	struct token_record got;

	CHECK_INT(store_token_by_key(st, "ffffffffffffffff", &got), -ENOENT);
	CHECK_STR(got.user, NULL);
	CHECK_INT(store_token_get(st, 42, &got), -ENOENT);
	CHECK_INT(store_token_revoke(st, 42, T0), -ENOENT);
	CHECK_INT(store_token_touch(st, 42, T0), -ENOENT);
	store_free(st);
}

static void
test_a_key_is_unique(void)
{
	struct store *st = open_ok(db_path());
	struct token_record a = token_make("2222222222222222", HASH_A, "alice", "read", 0);
	struct token_record b = token_make("2222222222222222", HASH_B, "bob", "admin", 0);
	struct token_record *list = NULL;
	size_t n = 0;

	CHECK_INT(store_token_insert(st, &a), 0);
	CHECK_INT(store_token_insert(st, &b), -EEXIST);
	CHECK_INT(store_token_list(st, NULL, &list, &n), 0);
	CHECK_INT(n, 1);
	store_token_list_free(list, n);
	store_free(st);
}

static void
test_list_is_newest_first_and_by_user(void)
{
	struct store *st = open_ok(db_path());
	struct token_record a = token_make("3333333333333331", HASH_A, "alice", "read", 0);
	struct token_record b = token_make("3333333333333332", HASH_B, "bob", "read", 0);
	struct token_record c = token_make("3333333333333333", HASH_B, "alice", "submit", 0);
	struct token_record *list = NULL;
	size_t n = 0;

	CHECK_INT(store_token_insert(st, &a), 0);
	CHECK_INT(store_token_insert(st, &b), 0);
	CHECK_INT(store_token_insert(st, &c), 0);
	CHECK_INT(store_token_list(st, NULL, &list, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(list[0].id, c.id);
		CHECK_INT(list[1].id, b.id);
		CHECK_INT(list[2].id, a.id);
	}
	store_token_list_free(list, n);
	CHECK_INT(store_token_list(st, "alice", &list, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(list[0].scopes, "submit");
		CHECK_STR(list[1].scopes, "read");
	}
	store_token_list_free(list, n);
	CHECK_INT(store_token_list(st, "carol", &list, &n), 0);
	CHECK_INT(n, 0);
	CHECK(list == NULL);
	store_token_list_free(list, n);
	store_free(st);
}

static void
test_revoking_keeps_the_row_and_its_first_time(void)
{
	struct store *st = open_ok(db_path());
	struct token_record t = token_make("4444444444444444", HASH_A, "alice", "read", 0);
	struct token_record got;

	CHECK_INT(store_token_insert(st, &t), 0);
	CHECK_INT(store_token_revoke(st, t.id, T0 + 10), 0);
	CHECK_INT(store_token_revoke(st, t.id, T0 + 20), 0);
	CHECK_INT(store_token_by_key(st, "4444444444444444", &got), 0);
	CHECK_INT(got.revoked_ms, T0 + 10);
	store_token_clear(&got);
	store_free(st);
}

static void
test_touch_sets_last_used(void)
{
	struct store *st = open_ok(db_path());
	struct token_record t = token_make("5555555555555555", HASH_A, "alice", "read", 0);
	struct token_record got;

	CHECK_INT(store_token_insert(st, &t), 0);
	CHECK_INT(store_token_touch(st, t.id, T0 + 60000), 0);
	CHECK_INT(store_token_get(st, t.id, &got), 0);
	CHECK_INT(got.last_used_ms, T0 + 60000);
	store_token_clear(&got);
	store_free(st);
}

static void
test_the_database_holds_only_the_hash(void)
{
	const char *path = db_path();
	struct store *st = open_ok(path);
	struct token_record t = token_make("6666666666666666", HASH_A, "alice", "read", 0);
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	CHECK_INT(store_token_insert(st, &t), 0);
	store_free(st);
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "SELECT * FROM tokens", -1, &s, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_step(s), SQLITE_ROW);
	/* id, key, hash, user, scopes, created_by and the four times: no
	 * column for a token in clear. */
	CHECK_INT(sqlite3_column_count(s), 10);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void
test_a_jobs_via_round_trips(void)
{
	struct store *st = open_ok(db_path());
	struct job *j = job_make("alice", 0, 0), *got;
	int64_t plain = insert(st, "bob", 0, NULL);

	j->via = strdup("token:7");
	CHECK_INT(store_job_insert(st, j), 0);
	if ((got = get(st, j->id)) != NULL)
		CHECK_STR(got->via, "token:7");
	job_free(got);
	if ((got = get(st, plain)) != NULL)
		CHECK_STR(got->via, NULL);
	job_free(got);
	job_free(j);
	store_free(st);
}

/* A database of migration 007 gets the tokens table and keeps its jobs,
 * whose via is unknown (NULL). */
static void
test_a_007_database_migrates_with_no_via(void)
{
	static const char *const schema[] = { "001-initial.sql", "002-results.sql",
		"003-coverage.sql", "004-net.sql", "005-not-run.sql", "006-symbols.sql",
		"007-crash-groups.sql", NULL };
	const char *path = db_path();
	struct token_record *list = NULL;
	struct store *st;
	struct job *j;
	size_t n = 0;

	make_old_database(path, schema, 7,
	    "INSERT INTO jobs (id, owner, state, created_ms, kernel, smp, mem_mb, append,"
	    " timeout_s, idle_timeout_s, attempt)"
	    " VALUES (3, 'alice', 'queued', 1763749200000, '" KERNEL "', 1, 1024, '', 600, 120,"
	    " 1)");
	st = open_ok(path);
	CHECK_INT(store_schema_version(st), SCHEMA_LATEST);
	if ((j = get(st, 3)) != NULL) {
		CHECK_STR(j->owner, "alice");
		CHECK_STR(j->via, NULL);
	}
	job_free(j);
	CHECK_INT(store_token_list(st, NULL, &list, &n), 0);
	CHECK_INT(n, 0);
	store_token_list_free(list, n);
	store_free(st);
}

int
main(void)
{
	if (store_test_setup() < 0)
		return 1;
	RUN(test_a_token_round_trips_by_key_and_by_id);
	RUN(test_no_expiry_reads_as_zero);
	RUN(test_unknown_key_or_id_is_enoent);
	RUN(test_a_key_is_unique);
	RUN(test_list_is_newest_first_and_by_user);
	RUN(test_revoking_keeps_the_row_and_its_first_time);
	RUN(test_touch_sets_last_used);
	RUN(test_the_database_holds_only_the_hash);
	RUN(test_a_jobs_via_round_trips);
	RUN(test_a_007_database_migrates_with_no_via);
	cleanup();
	return UNIT_DONE();
}

/*
 * fuzz_sqlrewrite.c - libFuzzer target for sqlrewrite(), the Athena-to-
 * SQLite rewriter that sees every query a user types or pastes.
 *
 * The input (at most MAX_SQL bytes, so each run stays fast) is the query,
 * NUL-terminated like a C string from argv or the SQL pane.
 *
 * Invariants checked:
 *   - sqlrewrite_at() returns a string or NULL, never both or neither of
 *     result and *err; on failure the message reads "at position N: ..."
 *     with N equal to *err_offset and within the query;
 *   - sqlrewrite() (no offset) agrees with sqlrewrite_at() byte for byte;
 *   - a rewritten query is a fixed point: rewriting it again succeeds and
 *     changes nothing (every Athena form was replaced, nothing new made);
 *   - the result prepares (errors are fine) on an in-memory SQLite
 *     database with the real flowlens schema (store_open(":memory:")) and
 *     the sqlfn functions registered, without crashing or leaking.
 * Statements are only prepared, never stepped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlfn.h"
#include "sqlrewrite.h"
#include "store.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_SQL 4096

static struct store *store;
static sqlite3 *db;

/*
 * Preparing some PRAGMAs changes connection flags (at prepare time, not
 * step), and ATTACH names files: deny both so that every run sees the same
 * connection and nothing outside memory is touched.
 */
static int
authorize(void *arg, int action, const char *a, const char *b,
    const char *dbname, const char *trigger)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)dbname;
	(void)trigger;
	switch (action) {
	case SQLITE_PRAGMA:
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

static void
init_db(void)
{
	char *err = NULL;

	if (db != NULL)
		return;
	/* The real DDL: flow_logs with every column, the other tables. */
	if (store_open(&store, ":memory:", &err) < 0) {
		fprintf(stderr, "fuzz_sqlrewrite: %s\n", err);
		abort();
	}
	db = store_db(store);
	CHECK(sqlfn_register(db) == SQLITE_OK);
	sqlite3_set_authorizer(db, authorize, NULL);
}

/* Prepare every statement in sql; stop at the first error. */
static void
prepare_all(const char *sql)
{
	const char *tail = sql, *end = sql + strlen(sql);

	while (*tail) {
		sqlite3_stmt *st = NULL;
		const char *prev = tail;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
			sqlite3_finalize(st);
			break;
		}
		sqlite3_finalize(st);
		CHECK(tail > prev && tail <= end);
	}
}

static size_t
parse_position(const char *err)
{
	const char *p = err + strlen("at position ");
	size_t n = 0;

	CHECK(*p >= '0' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (size_t)(*p++ - '0');
	CHECK(p[0] == ':' && p[1] == ' ');
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql, *out, *out2, *again, *err = NULL, *err2 = NULL;
	size_t off = (size_t)-1;

	if (size > MAX_SQL)
		return 0;
	init_db();
	sql = malloc(size + 1);
	memcpy(sql, data, size);
	sql[size] = '\0';

	out = sqlrewrite_at(sql, &err, &off);
	CHECK((out == NULL) != (err == NULL));
	out2 = sqlrewrite(sql, &err2);
	CHECK((out2 == NULL) == (out == NULL));
	if (out == NULL) {
		CHECK(strncmp(err, "at position ", 12) == 0);
		CHECK(parse_position(err) == off);
		CHECK(off <= strlen(sql));
		CHECK(strcmp(err, err2) == 0);
		/* err may be NULL when the caller only wants the verdict. */
		CHECK(sqlrewrite(sql, NULL) == NULL);
		free(err);
		free(err2);
		free(sql);
		return 0;
	}
	CHECK(strcmp(out, out2) == 0);
	free(out2);

	again = sqlrewrite(out, &err2);
	CHECK(again != NULL);
	CHECK(strcmp(again, out) == 0);
	free(again);

	prepare_all(out);
	free(out);
	free(sql);
	return 0;
}

/*
 * fuzz_tui_filter.c - libFuzzer target for the terminal UI's filter and
 * time-range parsers (ui/filter.c), whose input a user types.
 *
 * Invariants checked:
 *   - filter_parse() returns 0 or -1; on -1 *err is a non-empty message
 *     that names a column and *out is untouched; on 0 the SQL is
 *     non-empty and prepares, inside a WHERE clause, on a flow_logs table
 *     (and, when metric_ok, on a flow_metrics table): whatever was typed, the
 *     filter stays one well-formed boolean expression (no SQL injection);
 *   - range_parse() returns 0 or -1 with a message; on 0, range_bounds()
 *     gives lo <= hi with lo a multiple of 60.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "filter.h"
#include "sqlfn.h"
#include "util.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static sqlite3 *db;

static void
setup(void)
{
	if (db)
		return;
	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	CHECK(sqlfn_register(db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE flow_logs(action TEXT, protocol "
	    "INTEGER, srcaddr TEXT, dstaddr TEXT, srcport INTEGER, dstport "
	    "INTEGER, interface_id TEXT, account_id TEXT, vpc_id TEXT, "
	    "log_status TEXT, start INTEGER);"
	    "CREATE TABLE flow_metrics(action TEXT, protocol INTEGER, "
	    "window_start INTEGER);", NULL, NULL, NULL) == SQLITE_OK);
}

static int
prepares(const char *table, const char *cond)
{
	char *sql = xasprintf("SELECT count(*) FROM %s WHERE (%s)", table, cond);
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int ok;

	ok = sqlite3_prepare_v2(db, sql, -1, &st, &tail) == SQLITE_OK &&
	    st != NULL && tail && *tail == '\0';
	if (st)
		ok = ok && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	free(sql);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter f, untouched;
	struct time_range r;
	char *text, *err = NULL;
	int64_t lo, hi;

	if (size > 4096)
		return 0;
	setup();
	text = xstrndup((const char *)data, size);
	memset(&untouched, 0x5a, sizeof untouched);
	f = untouched;
	if (filter_parse(text, &f, &err) == 0) {
		CHECK(err == NULL);
		CHECK(f.sql && *f.sql && f.text && strcmp(f.text, text) == 0);
		CHECK(prepares("flow_logs", f.sql));
		if (f.metric_ok)
			CHECK(prepares("flow_metrics", f.sql));
		filter_free(&f);
	} else {
		CHECK(err && strstr(err, "filter: at column "));
		CHECK(memcmp(&f, &untouched, sizeof f) == 0);
		free(err);
		err = NULL;
	}
	if (range_parse(text, &r, &err) == 0) {
		range_bounds(&r, 1767225600, &lo, &hi);
		CHECK(lo <= hi);
		CHECK(lo % 60 == 0);
	} else {
		CHECK(err && *err);
		free(err);
	}
	free(text);
	return 0;
}

/*
 * fuzz_query.c - libFuzzer target for the user-SQL path end to end:
 * query_run() on a real, read-only flowlens store (rewriter, authorizer,
 * read-only checks, the sqlfn functions, error reporting).
 *
 * Once per process a small store is built in a fresh directory under
 * $TMPDIR (or /tmp) the way ingest builds one: store_open() creates the
 * schema, and a batch of parsed records (default and custom formats, so
 * `extra` is used), one rejected line and a checkpoint is written with
 * store_begin() / store_write_batch() / store_commit().  The store is then
 * opened with query_open(), and every input (at most MAX_SQL bytes) is run
 * through query_run() with a sink that reads every column of every row.
 *
 * Invariants checked after every run:
 *   - the result is QUERY_OK (no message), QUERY_ERROR or QUERY_CANCELLED
 *     (with a non-empty message); stats.rows_returned equals the rows the
 *     sink saw;
 *   - the engine never writes: its connection made no changes and holds no
 *     open transaction, and a separate connection sees the same
 *     data_version and the same row counts in flow_logs, ingest_errors,
 *     ingest_state and flow_metrics as before the first run.
 *
 * Long statements (recursive CTEs, cross joins) are bounded with
 * query_watch_flag(): a watchdog thread - no alarm(), no signals - sets the
 * flag once a run has taken RUN_BUDGET seconds, and the engine's own
 * progress handler then cancels the statement.  Inputs are not filtered
 * (WITH and RECURSIVE are allowed), so the cancel path is fuzzed too; a
 * statement that does not reach the progress handler for -timeout seconds
 * is a real finding (the UI could not cancel it either).  The sink also
 * stops a result after MAX_ROWS rows, and the connection's string/blob
 * length limit is lowered to MAX_LENGTH so that zeroblob(1e9) and friends
 * fail fast instead of hitting the RSS limit: both are bounds on the
 * harness, not properties under test.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "batch.h"
#include "format.h"
#include "parse.h"
#include "query.h"
#include "store.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_SQL    2048
#define RUN_BUDGET 0.25			/* seconds before the flag is set */
#define MAX_ROWS   10000
#define MAX_LENGTH (1024 * 1024)

/* Seed records: a v2 file, NODATA/SKIPDATA rows, times in milliseconds. */
static const char *const v2_lines[] = {
	"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 "
	    "20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
	"2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 "
	    "49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
	"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 "
	    "1431280934 - NODATA",
	"2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 "
	    "1431280934 - SKIPDATA",
	"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100::1 "
	    "2001:db8:1234:a102::2 443 49152 6 10 8000 1700000000000 "
	    "1700000060000 ACCEPT OK",
	"2 123456789010 eni-aaaa 10.0.0.1 10.0.0.2 1 2 17 3 4 1700000000 "
	    "1700000060 REJECT OK",
	"2 123456789010 eni-aaaa 10.0.0.3 10.0.0.2 0 0 1 1 84 1700000100 "
	    "1700000160 REJECT OK",
};

/* A custom format with undocumented and column-less fields (-> extra). */
static const char custom_spec[] =
    "version vpc-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status tgw-id new-field reject-reason";
static const char *const custom_lines[] = {
	"5 vpc-0a1b 10.1.1.1 10.1.1.2 443 50000 6 10 8000 1700000200 "
	    "1700000260 ACCEPT OK tgw-0123 \"quoted\\value\" -",
	"5 vpc-0a1b 10.1.1.9 10.1.1.2 22 50001 6 1 40 1700000200 1700000260 "
	    "REJECT OK - - unauthorized",
};

static const char *const counted_tables[] = {
	"flow_logs", "ingest_errors", "ingest_state", "flow_metrics",
};
#define NCOUNTED (sizeof counted_tables / sizeof counted_tables[0])

static struct query_engine *engine;
static sqlite3 *checker;		/* independent read-only connection */
static int64_t base_counts[NCOUNTED];
static int64_t base_version;
static char store_dir[4096], store_path[4200];

/* The watchdog's view of the current run. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static int watch_armed;
static struct timespec watch_start;
static atomic_int cancel_flag;

struct sink_state {
	int64_t  rows;
	int      columns;
	uint64_t sum;
};

static void
die(const char *what, char *err)
{
	fprintf(stderr, "fuzz_query: %s: %s\n", what, err ? err : "?");
	abort();
}

static double
elapsed(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	    (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void *
watchdog(void *arg)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	(void)arg;
	for (;;) {
		nanosleep(&nap, NULL);
		pthread_mutex_lock(&watch_lock);
		if (watch_armed && elapsed(&watch_start) > RUN_BUDGET)
			atomic_store(&cancel_flag, 1);
		pthread_mutex_unlock(&watch_lock);
	}
	return NULL;
}

static void
arm(int on)
{
	pthread_mutex_lock(&watch_lock);
	atomic_store(&cancel_flag, 0);
	watch_armed = on;
	clock_gettime(CLOCK_MONOTONIC, &watch_start);
	pthread_mutex_unlock(&watch_lock);
}

static int64_t
checker_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	CHECK(sqlite3_prepare_v2(checker, sql, -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t
count_rows(const char *table)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return checker_int(sql);
}

static void
add_lines(struct batch *b, const char *spec, const char *const *lines,
    size_t n)
{
	struct flow_format fmt;
	struct flow_record rec;
	char reason[256], *err = NULL;
	size_t i;

	if (format_parse(spec, &fmt, &err) < 0)
		die("format", err);
	memset(&rec, 0, sizeof rec);
	for (i = 0; i < n; i++) {
		if (parse_line(&fmt, lines[i], strlen(lines[i]), &rec, reason,
		    sizeof reason) < 0)
			die("seed line", reason);
		batch_add_record(b, &rec);
	}
	record_free(&rec);
	format_free(&fmt);
}

static void
cleanup(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[4300];
	size_t i;

	query_close(engine);
	sqlite3_close(checker);
	for (i = 0; i < ARRAY_LEN(suffix); i++) {
		snprintf(path, sizeof path, "%s%s", store_path, suffix[i]);
		unlink(path);
	}
	rmdir(store_dir);
}

static void
build_store(void)
{
	static const char bad[] = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 "
	    "70000 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
	const char *tmp = getenv("TMPDIR");
	struct store *s;
	struct batch b;
	char *err = NULL;
	int64_t id;

	snprintf(store_dir, sizeof store_dir, "%s/flowlens-fuzz-query.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(store_dir) == NULL)
		die("mkdtemp", store_dir);
	snprintf(store_path, sizeof store_path, "%s/store.db", store_dir);

	if (store_open(&s, store_path, &err) < 0)
		die("store_open", err);
	if (store_source_create(s, "fuzz-seed.log", "file", "abc123", 1024,
	    &id, &err) < 0)
		die("store_source_create", err);
	memset(&b, 0, sizeof b);
	b.origin = id;
	add_lines(&b, FORMAT_DEFAULT_V2, v2_lines, ARRAY_LEN(v2_lines));
	add_lines(&b, custom_spec, custom_lines, ARRAY_LEN(custom_lines));
	batch_add_error(&b, "fuzz-seed.log:8", "field 6 \"srcport\": \"70000\" "
	    "is out of range 0..65535", bad, sizeof bad - 1);
	batch_add_error(&b, "fuzz-seed.log:9", "binary", "\x01\x00\x02", 3);
	b.cp.source_id = id;
	b.cp.offset = 4096;
	b.cp.line = 9;
	b.cp.raw_size = 4096;
	if (store_begin(s, &err) < 0 ||
	    store_write_batch(s, &b, "fuzz-seed.log", &err) < 0 ||
	    store_commit(s, &err) < 0)
		die("writing the seed batch", err);
	batch_free(&b);
	store_close(s);
}

static void
init(void)
{
	static int done;
	pthread_t t;
	char *err = NULL;
	size_t i;

	if (done)
		return;
	done = 1;
	build_store();
	if (query_open(&engine, store_path, &err) < 0)
		die("query_open", err);
	query_watch_flag(engine, &cancel_flag);
	sqlite3_limit(query_db(engine), SQLITE_LIMIT_LENGTH, MAX_LENGTH);

	if (sqlite3_open_v2(store_path, &checker, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK)
		die("checker", (char *)sqlite3_errmsg(checker));
	for (i = 0; i < NCOUNTED; i++)
		base_counts[i] = count_rows(counted_tables[i]);
	CHECK(base_counts[0] == ARRAY_LEN(v2_lines) + ARRAY_LEN(custom_lines));
	CHECK(base_counts[1] == 2);
	base_version = checker_int("PRAGMA data_version");
	atexit(cleanup);
	if (pthread_create(&t, NULL, watchdog, NULL) != 0)
		die("pthread_create", NULL);
	pthread_detach(t);
}

static int
sink_begin(void *arg, sqlite3_stmt *st)
{
	struct sink_state *s = arg;
	int i;

	s->columns = sqlite3_column_count(st);
	CHECK(s->columns > 0);
	for (i = 0; i < s->columns; i++) {
		const char *name = sqlite3_column_name(st, i);
		const char *type = sqlite3_column_decltype(st, i);

		if (name)
			s->sum += strlen(name);
		if (type)
			s->sum += strlen(type);
	}
	return 0;
}

static int
sink_row(void *arg, sqlite3_stmt *st)
{
	struct sink_state *s = arg;
	int i;

	CHECK(sqlite3_column_count(st) == s->columns);
	for (i = 0; i < s->columns; i++) {
		const unsigned char *p = NULL;
		int n, k;

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			s->sum += (uint64_t)sqlite3_column_int64(st, i);
			break;
		case SQLITE_FLOAT: {
			/* The bits: converting 1e300 to an integer is UB. */
			double d = sqlite3_column_double(st, i);
			uint64_t bits;

			memcpy(&bits, &d, sizeof bits);
			s->sum += bits;
			break;
		}
		case SQLITE_TEXT:
			p = sqlite3_column_text(st, i);
			break;
		case SQLITE_BLOB:
			p = sqlite3_column_blob(st, i);
			break;
		default:
			break;
		}
		n = sqlite3_column_bytes(st, i);
		CHECK(n >= 0);
		for (k = 0; p != NULL && k < n; k++)
			s->sum += p[k];
	}
	return ++s->rows >= MAX_ROWS;
}

static void
sink_end(void *arg)
{
	struct sink_state *s = arg;

	s->columns = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink_state ss;
	struct query_sink sink = { &ss, sink_begin, sink_row, sink_end };
	struct query_stats stats;
	sqlite3 *qdb;
	char *sql, *err = NULL;
	size_t i;
	int rc;

	if (size > MAX_SQL)
		return 0;
	init();
	sql = malloc(size + 1);
	memcpy(sql, data, size);
	sql[size] = '\0';
	memset(&ss, 0, sizeof ss);

	arm(1);
	rc = query_run(engine, sql, &sink, &stats, &err);
	arm(0);

	CHECK(rc == QUERY_OK || rc == QUERY_ERROR || rc == QUERY_CANCELLED);
	if (rc == QUERY_OK)
		CHECK(err == NULL);
	else
		CHECK(err != NULL && err[0] != '\0');
	free(err);
	CHECK(stats.rows_returned == ss.rows);
	CHECK(stats.statements >= 0 && stats.seconds >= 0);
	CHECK(stats.vm_steps >= 0 && stats.rows_scanned >= 0);

	/* The engine must never write, whatever the SQL said. */
	qdb = query_db(engine);
	CHECK(sqlite3_total_changes(qdb) == 0);
	CHECK(sqlite3_get_autocommit(qdb));
	CHECK(checker_int("PRAGMA data_version") == base_version);
	for (i = 0; i < NCOUNTED; i++)
		CHECK(count_rows(counted_tables[i]) == base_counts[i]);
	free(sql);
	return 0;
}

/* Unit tests: store, writer thread, metrics and the query engine against a
 * real SQLite file (src/store.c, writer.c, metrics.c, query.c). */
#include "unit.h"

#include <sys/stat.h>

#include <pthread.h>
#include <unistd.h>

#include "archive.h"
#include "format.h"
#include "parse.h"
#include "query.h"
#include "store.h"
#include "walsync.h"
#include "writer.h"

static char db_path[64];

static void
fresh_db(void)
{
	char p[80];

	snprintf(db_path, sizeof db_path, "/tmp/flowlens-unit-%d.db",
	    (int)getpid());
	unlink(db_path);
	snprintf(p, sizeof p, "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db_path);
	unlink(p);
}

static int64_t
scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -999;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
fill_batch(struct batch *b, int64_t origin, int n)
{
	struct flow_format v2;
	struct flow_record rec;
	char *err = NULL, line[200], reason[200];
	int i;

	memset(&rec, 0, sizeof rec);
	format_parse(FORMAT_DEFAULT_V2, &v2, &err);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof line, "2 1 eni-1 10.0.0.%d 10.0.1.1 %d "
		    "22 6 %d 100 %d %d %s OK", i % 250, 1000 + i, i + 1,
		    1700000000 + i * 30, 1700000030 + i * 30,
		    i % 4 ? "ACCEPT" : "REJECT");
		CHECK_INT(parse_line(&v2, line, strlen(line), &rec, reason,
		    sizeof reason), 0);
		batch_add_record(b, &rec);
	}
	batch_add_error(b, "f.log:9", "field 6 \"srcport\": bad", "raw\0x", 5);
	b->origin = origin;
	b->cp.source_id = origin;
	b->cp.offset = 1234;
	b->cp.line = 9;
	record_free(&rec);
	format_free(&v2);
}

static void
test_batch_roundtrip_and_metrics(void)
{
	struct store *s;
	struct writer *w;
	struct writer_stats ws;
	struct batch *b;
	char *err = NULL;
	int64_t id;
	sqlite3 *db;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "/x/f.log", "file", "fp", 10, &id,
	    &err), 0);
	w = writer_start(s);
	b = writer_batch(w);
	fill_batch(b, id, 100);
	CHECK_INT(writer_submit(w, b, "/x/f.log", &err), 0);
	CHECK_INT(writer_finish(w, &ws, &err), 0);
	CHECK_INT(ws.records, 100);
	CHECK_INT(ws.rejected, 1);
	db = store_db(s);
	CHECK_INT(scalar(db, "SELECT count(*) FROM flow_logs"), 100);
	CHECK_INT(scalar(db, "SELECT count(*) FROM flow_logs WHERE origin = 1 "
	    "AND vpc_id IS NULL AND extra IS NULL"), 100);
	CHECK_INT(scalar(db, "SELECT offset FROM ingest_state"), 1234);
	CHECK_INT(scalar(db, "SELECT records FROM ingest_state"), 100);
	CHECK_INT(scalar(db, "SELECT newest_start = (SELECT max(start) FROM "
	    "flow_logs) FROM ingest_state"), 1);
	CHECK_INT(scalar(db, "SELECT typeof(raw) = 'blob' AND length(raw) = 5 "
	    "FROM ingest_errors"), 1);
	/* metrics equal the aggregation of the rows, for both windows */
	CHECK_INT(scalar(db, "SELECT count(*) FROM (SELECT window_seconds, "
	    "window_start, protocol, action, flows, packets, bytes FROM "
	    "flow_metrics EXCEPT SELECT w, start - start % w, protocol, action,"
	    " count(*), sum(packets), sum(bytes) FROM flow_logs, (SELECT 60 AS "
	    "w UNION ALL SELECT 900) GROUP BY 1, 2, 3, 4)"), 0);
	CHECK_INT(scalar(db, "SELECT sum(flows) FROM flow_metrics WHERE "
	    "window_seconds = 900"), 100);
	/* forgetting the source removes records, errors and metrics */
	CHECK_INT(store_source_forget(s, id, &err), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM flow_logs"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM flow_metrics"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM ingest_errors"), 0);
	store_close(s);
}

struct sink_count {
	int64_t rows;
};

static int
count_row(void *arg, sqlite3_stmt *st)
{
	(void)st;
	((struct sink_count *)arg)->rows++;
	return 0;
}

static void
test_readers_do_not_block_the_writer(void)
{
	struct store *s;
	struct batch b;
	struct query_engine *q;
	struct query_stats stats;
	struct sink_count n = { 0 };
	struct query_sink sink = { &n, NULL, count_row, NULL };
	char *err = NULL;
	int64_t id;

	fresh_db();
	memset(&b, 0, sizeof b);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "a", "file", NULL, 0, &id, &err), 0);
	fill_batch(&b, id, 10);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "a", &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(query_open(&q, db_path, &err), 0);
	/* a write transaction is open while the reader reads */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "a", &err), 0);
	CHECK_INT(query_run(q, "SELECT * FROM vpc_flow_logs.flow_logs", &sink,
	    &stats, &err), QUERY_OK);
	CHECK_INT(n.rows, 10);		/* sees the committed state only */
	CHECK(stats.rows_scanned >= 9);	/* SQLite counts steps, n - 1 */
	CHECK_INT(store_commit(s, &err), 0);
	n.rows = 0;
	CHECK_INT(query_run(q, "SELECT * FROM flow_logs", &sink, &stats, &err),
	    QUERY_OK);
	CHECK_INT(n.rows, 20);
	/* the engine refuses to write, whatever the statement */
	CHECK_INT(query_run(q, "UPDATE flow_logs SET packets = 0", &sink,
	    &stats, &err), QUERY_ERROR);
	CHECK(err && strstr(err, "read-only"));
	free(err);
	err = NULL;
	CHECK_INT(query_run(q, "WITH x AS (SELECT 1) DELETE FROM flow_logs",
	    &sink, &stats, &err), QUERY_ERROR);
	free(err);
	err = NULL;
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM flow_logs"), 20);
	query_close(q);
	store_close(s);
	batch_free(&b);
}

static void *
cancel_later(void *arg)
{
	usleep(200 * 1000);
	query_cancel(arg);
	return NULL;
}

static void
test_cancel(void)
{
	struct store *s;
	struct query_engine *q;
	struct query_stats stats;
	pthread_t t;
	char *err = NULL;
	double t0;
	int rc;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	store_close(s);
	CHECK_INT(query_open(&q, db_path, &err), 0);
	pthread_create(&t, NULL, cancel_later, q);
	t0 = now_monotonic();
	rc = query_run(q, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
	    "i + 1 FROM n) SELECT count(*) FROM n", NULL, &stats, &err);
	pthread_join(t, NULL);
	CHECK_INT(rc, QUERY_CANCELLED);
	CHECK(now_monotonic() - t0 < 5.0);
	free(err);
	query_close(q);
	unlink(db_path);
}

/* Firehose request ids commit with their batch, once. */
static void
test_request_ids(void)
{
	struct store *s;
	struct batch b;
	char *err = NULL;
	int64_t origin;
	int committed = -1;

	fresh_db();
	memset(&b, 0, sizeof b);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "firehose:0", "firehose", NULL, 0,
	    &origin, &err), 0);
	CHECK_INT(store_request_committed(s, "req-1", &committed, &err), 0);
	CHECK_INT(committed, 0);
	fill_batch(&b, origin, 10);
	batch_add_request(&b, "req-1", 10);
	batch_add_request(&b, "req-2", 0);
	/* Rolled back: not committed. */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "firehose:0", &err), 0);
	store_rollback(s);
	CHECK_INT(store_request_committed(s, "req-1", &committed, &err), 0);
	CHECK_INT(committed, 0);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "firehose:0", &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(store_request_committed(s, "req-1", &committed, &err), 0);
	CHECK_INT(committed, 1);
	CHECK_INT(store_request_committed(s, "req-2", &committed, &err), 0);
	CHECK_INT(committed, 1);
	CHECK_INT(scalar(store_db(s), "SELECT records FROM firehose_requests "
	    "WHERE request_id = 'req-1'"), 10);
	/* The same id again fails the write: never stored twice. */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "firehose:0", &err), -1);
	CHECK(err && strstr(err, "Firehose request id"));
	free(err);
	store_rollback(s);
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM flow_logs"), 10);
	/* Reset forgets the ids. */
	batch_reset(&b);
	CHECK_INT(b.nrequests, 0);
	batch_free(&b);
	store_close(s);
	fresh_db();
}

/*
 * A store written before ingest_state.newest_start existed gets the column
 * when a writer opens it, keeps its rows, and fills the column from then
 * on; a batch with no records leaves it as it was.
 */
static void
test_upgrade_adds_columns(void)
{
	struct store *s;
	struct writer *w;
	struct writer_stats ws;
	struct batch *b;
	char *err = NULL;
	sqlite3 *db;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	db = store_db(s);
	CHECK_INT(sqlite3_exec(db, "INSERT INTO ingest_state (source, kind, "
	    "created_at, updated_at, records) VALUES ('old', 'file', 1, 1, 7);"
	    "ALTER TABLE ingest_state DROP COLUMN newest_start", NULL, NULL,
	    NULL), SQLITE_OK);
	store_close(s);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	db = store_db(s);
	CHECK_INT(scalar(db, "SELECT count(*) FROM pragma_table_info("
	    "'ingest_state') WHERE name = 'newest_start'"), 1);
	CHECK_INT(scalar(db, "SELECT records FROM ingest_state"), 7);
	CHECK_INT(scalar(db, "SELECT newest_start IS NULL FROM ingest_state"),
	    1);
	w = writer_start(s);
	b = writer_batch(w);
	b->cp.source_id = 1;	/* a checkpoint with no records */
	CHECK_INT(writer_submit(w, b, "old", &err), 0);
	b = writer_batch(w);
	fill_batch(b, 1, 10);
	CHECK_INT(writer_submit(w, b, "old", &err), 0);
	b = writer_batch(w);
	b->cp.source_id = 1;
	CHECK_INT(writer_submit(w, b, "old", &err), 0);
	CHECK_INT(writer_finish(w, &ws, &err), 0);
	CHECK_INT(scalar(db, "SELECT newest_start FROM ingest_state"),
	    1700000000 + 9 * 30);
	store_close(s);
}

/*
 * A store whose REJECT index starts with start (before it began with
 * protocol) gets it rebuilt when a writer opens it, keeps its rejects in
 * it, and gets the planner statistics; a search of the last hour of
 * rejects is then a skip-scan over the protocols, grouped without a sort.
 */
static void
test_upgrade_rebuilds_reject_index(void)
{
	struct store *s;
	struct writer *w;
	struct writer_stats ws;
	struct batch *b;
	char *err = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	int skip = 0, sorts = 0;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM sqlite_stat1 "
	    "WHERE tbl = 'flow_logs'"), 2);
	w = writer_start(s);
	b = writer_batch(w);
	fill_batch(b, 0, 40);
	CHECK_INT(writer_submit(w, b, "t", &err), 0);
	CHECK_INT(writer_finish(w, &ws, &err), 0);
	db = store_db(s);
	CHECK_INT(sqlite3_exec(db, "DROP INDEX flow_logs_reject; "
	    "CREATE INDEX flow_logs_reject ON flow_logs(start, protocol, "
	    "srcaddr, dstaddr, dstport, packets) WHERE action = 'REJECT'; "
	    "DELETE FROM sqlite_stat1", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	db = store_db(s);
	CHECK_INT(scalar(db, "SELECT sql LIKE '%(protocol, start, %' FROM "
	    "sqlite_schema WHERE name = 'flow_logs_reject'"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM flow_logs INDEXED BY "
	    "flow_logs_reject WHERE action = 'REJECT'"),
	    scalar(db, "SELECT count(*) FROM flow_logs NOT INDEXED WHERE "
	    "action = 'REJECT'"));
	CHECK(scalar(db, "SELECT count(*) FROM flow_logs WHERE action = "
	    "'REJECT'") > 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM sqlite_stat1 WHERE "
	    "tbl = 'flow_logs'"), 2);
	store_close(s);
	/* A new connection reads the statistics with the schema. */
	CHECK_INT(sqlite3_open(db_path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_prepare_v2(db, "EXPLAIN QUERY PLAN SELECT protocol, "
	    "count(*) FROM flow_logs WHERE action = 'REJECT' AND start >= 10 "
	    "GROUP BY protocol", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		skip |= d && strstr(d, "ANY(protocol) AND start>?") != NULL;
		sorts |= d && strstr(d, "TEMP B-TREE") != NULL;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECK(skip);
	CHECK(!sorts);
}

/* meta.columns_used: the columns of committed rows, nothing from a
 * rolled-back batch, and all columns for a store older than the key. */
static void
test_columns_used(void)
{
	struct store *s;
	struct batch b;
	char *err = NULL;
	uint64_t mask, v2 = 0;
	int64_t id;
	int c;

	for (c = 0; c < 14; c++)	/* the v2 format: columns 0-13 */
		v2 |= (uint64_t)1 << c;
	fresh_db();
	memset(&b, 0, sizeof b);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_columns_used(store_db(s), &mask), 0);
	CHECK(mask == 0);		/* a new store: no rows yet */
	CHECK_INT(store_source_create(s, "a", "file", NULL, 0, &id, &err), 0);
	fill_batch(&b, id, 5);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "a", &err), 0);
	store_rollback(s);
	CHECK_INT(store_columns_used(store_db(s), &mask), 0);
	CHECK(mask == 0);		/* rolled back: nothing noted */
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "a", &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(store_columns_used(store_db(s), &mask), 0);
	CHECK(mask == v2);
	/* another process added a column: the OR keeps it */
	CHECK_INT(sqlite3_exec(store_db(s), "UPDATE meta SET value = "
	    "CAST(value AS INTEGER) | (1 << 20) WHERE key = 'columns_used'",
	    NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(store_begin(s, &err), 0);
	CHECK_INT(store_write_batch(s, &b, "a", &err), 0);
	CHECK_INT(store_commit(s, &err), 0);
	CHECK_INT(store_columns_used(store_db(s), &mask), 0);
	CHECK(mask == (v2 | (uint64_t)1 << 20));
	/* an older store, rows but no key: every column may have values */
	CHECK_INT(sqlite3_exec(store_db(s), "DELETE FROM meta WHERE key = "
	    "'columns_used'", NULL, NULL, NULL), SQLITE_OK);
	store_close(s);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_columns_used(store_db(s), &mask), 0);
	CHECK(mask == ~(uint64_t)0);
	store_close(s);
	batch_free(&b);
}

/*
 * The background checkpointer copies WAL pages into the database while the
 * writer goes on, and the WAL starts over instead of growing with the
 * ingest: 40 commits of 2,000 records of 2 KB (160 MB in all) pass the
 * writer's 128 MB mark.
 */
static void
test_background_checkpoint(void)
{
	struct store *s;
	struct writer *w;
	struct writer_stats ws;
	struct flow_format v2;
	struct flow_record rec;
	char *err = NULL, line[200], reason[200], path[96];
	struct stat st;
	int64_t id;
	int i, j, waited;

	fresh_db();
	memset(&rec, 0, sizeof rec);
	CHECK_INT(format_parse(FORMAT_DEFAULT_V2, &v2, &err), 0);
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "big", "file", NULL, 0, &id, &err),
	    0);
	w = writer_start(s);
	for (i = 0; i < 40; i++) {
		struct batch *b = writer_batch(w);

		for (j = 0; j < 2000; j++) {
			snprintf(line, sizeof line, "2 1 eni-1 10.0.0.1 10.0.1.1 "
			    "%d 22 6 1 100 %d %d ACCEPT OK", j,
			    1700000000 + i * 60, 1700000001 + i * 60);
			CHECK_INT(parse_line(&v2, line, strlen(line), &rec,
			    reason, sizeof reason), 0);
			sbuf_reset(&rec.extra);
			sbuf_appends(&rec.extra, "{\"pad\":\"");
			while (rec.extra.len < 2000)
				sbuf_appends(&rec.extra, "0123456789abcdef");
			sbuf_appends(&rec.extra, "\"}");
			batch_add_record(b, &rec);
		}
		b->origin = id;
		CHECK_INT(writer_submit(w, b, "big", &err), 0);
		/* one commit per batch, as a live source makes them */
		for (waited = 0; waited < 3000; waited++) {
			writer_stats(w, &ws);
			if (ws.records == (i + 1) * 2000)
				break;
			usleep(1000);
		}
	}
	/* checkpoints run beside the writer: wait for one, up to 10 s */
	for (waited = 0; waited < 1000; waited++) {
		writer_stats(w, &ws);
		if (ws.checkpoints > 0)
			break;
		usleep(10000);
	}
	CHECK(ws.checkpoints > 0);
	CHECK_INT(writer_finish(w, &ws, &err), 0);
	CHECK_INT(ws.records, 80000);
	CHECK(ws.wal_restarts >= 1);
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM flow_logs WHERE "
	    "length(extra) > 2000"), 80000);
	/* and the WAL is left empty */
	snprintf(path, sizeof path, "%s-wal", db_path);
	CHECK(stat(path, &st) != 0 || st.st_size == 0);
	store_close(s);
	record_free(&rec);
	format_free(&v2);
}

/* Wait until the writer has committed `records` records (up to 10 s). */
static void
wait_committed_records(struct writer *w, int64_t records)
{
	struct writer_stats ws;
	int i;

	for (i = 0; i < 10000; i++) {
		writer_stats(w, &ws);
		if (ws.records >= records)
			return;
		usleep(1000);
	}
	CHECK(!"the writer committed in time");
}

/* Start an archiver (archive beside the test store) and a writer tapped by
 * it. */
static void
start_tapped(struct store *s, struct archiver **a, struct writer **w)
{
	struct archive_options o;
	char *err = NULL, dir[96];

	snprintf(dir, sizeof dir, "%s.archive", db_path);
	archive_options_init(&o);
	o.dir = dir;
	CHECK_INT(archiver_start(a, db_path, &o, &err), 0);
	CHECK(*a != NULL);
	*w = writer_start(s);
	archiver_attach(*a, *w);
}

/*
 * The writer hands its batches to the archiver: rows another connection
 * inserts between them (another process ingesting into the same store) are
 * read back from the store; every committed row is sealed exactly once.
 */
static void
test_archive_handoff_and_gaps(void)
{
	struct store *s;
	struct writer *w;
	struct archiver *a;
	struct archiver_stats st;
	sqlite3 *other;
	char *err = NULL;
	int64_t id, expect = 0;
	int i;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "f", "file", NULL, 0, &id, &err), 0);
	CHECK_INT(sqlite3_open(db_path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 10000);
	start_tapped(s, &a, &w);
	for (i = 0; i < 20; i++) {
		struct batch *b = writer_batch(w);

		fill_batch(b, id, 500 + i);
		expect += 500 + i;
		CHECK_INT(writer_submit(w, b, "f", &err), 0);
		if (i % 5 == 4) {
			wait_committed_records(w, expect);
			CHECK_INT(sqlite3_exec(other, "INSERT INTO flow_logs "
			    "(version, account_id, start, \"end\", action) "
			    "VALUES (2, '7', 1700000000, 1700000001, 'ACCEPT'),"
			    " (2, '7', 1700003600, 1700003601, 'REJECT'), "
			    "(2, NULL, NULL, NULL, NULL)", NULL, NULL, NULL),
			    SQLITE_OK);
		}
	}
	CHECK_INT(writer_finish(w, NULL, &err), 0);
	CHECK_INT(archiver_finish(a, &st, &err), 0);
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM flow_logs"),
	    expect + 12);
	CHECK_INT(st.sealed_rows, expect + 12);
	CHECK_INT(st.handed_rows + st.read_rows, expect + 12);
	CHECK(st.handed_rows > 0);
	CHECK(st.read_rows >= 12);
	CHECK_INT(scalar(store_db(s), "SELECT sum(rows) FROM archive_files"),
	    expect + 12);
	CHECK_INT(scalar(store_db(s), "SELECT (SELECT max(through_rowid) FROM "
	    "archive_files) = (SELECT max(rowid) FROM flow_logs)"), 1);
	sqlite3_close(other);
	store_close(s);
}

/*
 * A transaction rolled back after the archiver took its first batch: the
 * archive holds exactly the committed rows, none of the rolled-back ones.
 */
static void
test_archive_handoff_rollback(void)
{
	struct store *s;
	struct writer *w;
	struct archiver *a;
	struct archiver_stats st;
	struct batch *b;
	sqlite3 *other;
	char *err = NULL;
	int64_t id;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	CHECK_INT(store_source_create(s, "fh", "firehose", NULL, 0, &id,
	    &err), 0);
	CHECK_INT(sqlite3_open(db_path, &other), SQLITE_OK);
	/* The archiver may hold the write lock a moment (its own state). */
	sqlite3_busy_timeout(other, 10000);
	start_tapped(s, &a, &w);
	b = writer_batch(w);
	fill_batch(b, id, 300);
	batch_add_request(b, "req-1", 300);
	CHECK_INT(writer_submit(w, b, "fh", &err), 0);
	wait_committed_records(w, 300);
	/* Hold the write lock so that the next two batches queue up and go
	 * into one transaction: the first is written and handed over, the
	 * second repeats req-1 and fails, so the transaction rolls back. */
	CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	b = writer_batch(w);
	fill_batch(b, id, 400);
	CHECK_INT(writer_submit(w, b, "fh", &err), 0);
	b = writer_batch(w);
	fill_batch(b, id, 50);
	batch_add_request(b, "req-1", 50);
	CHECK_INT(writer_submit(w, b, "fh", &err), 0);
	usleep(200000);
	CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(writer_finish(w, NULL, &err), -1);
	CHECK(err && strstr(err, "Firehose request id"));
	free(err);
	err = NULL;
	CHECK_INT(archiver_finish(a, &st, &err), 0);
	CHECK_INT(scalar(store_db(s), "SELECT count(*) FROM flow_logs"), 300);
	CHECK_INT(st.sealed_rows, 300);
	/* The first 300 reach the archiver by one of two correct paths: the
	 * writer's hand-off, or - when the writer commits between the
	 * archiver's look at its hand-offs and its read of committed rows
	 * (archive_loop) - read back from the store, after which the hand-off
	 * adds nothing.  Which one is thread timing (under load the read
	 * happened in 1 run of 40 even when the test waited for the hand-off),
	 * so the test requires that every committed row came by one of them;
	 * exactly once, and none of the rolled-back ones, is checked by the
	 * sealed counts around this. */
	CHECK(st.handed_rows + st.read_rows >= 300);
	CHECK_INT(scalar(store_db(s), "SELECT sum(rows) FROM archive_files"),
	    300);
	CHECK_INT(scalar(store_db(s), "SELECT max(through_rowid) FROM "
	    "archive_files"), 300);
	sqlite3_close(other);
	store_close(s);
}

/*
 * batch_order_by_start: records come out by start (none first), ties in
 * input order, every value and the extra text carried with its record;
 * the store then inserts them in that order.  Starts spread wide (the
 * merge sort) and within a few seconds (the counting sort).
 */
enum { N_ORDERED = 8 };

static void
check_order_by_start(const int *starts)
{
	enum { N = N_ORDERED };
	struct flow_format v2;
	struct flow_record rec, out;
	struct batch b;
	char *err = NULL, line[200], reason[200], want[32];
	int64_t last = INT64_MIN, last_port = 0;
	size_t pos = 0;
	int i, n = 0;

	memset(&b, 0, sizeof b);
	memset(&rec, 0, sizeof rec);
	format_parse(FORMAT_DEFAULT_V2, &v2, &err);
	for (i = 0; i < N; i++) {
		if (starts[i] < 0)
			snprintf(line, sizeof line, "2 1 eni-%d - - - - - - - "
			    "- - - NODATA", i);
		else
			snprintf(line, sizeof line, "2 1 eni-%d 10.0.0.%d 10.0.1.1"
			    " %d 22 6 1 100 %d %d ACCEPT OK", i, i, 1000 + i,
			    starts[i], starts[i] + 60);
		CHECK_INT(parse_line(&v2, line, strlen(line), &rec, reason,
		    sizeof reason), 0);
		sbuf_reset(&rec.extra);
		if (i % 3 == 0)
			sbuf_printf(&rec.extra, "{\"n\":%d}", i);
		batch_add_record(&b, &rec);
	}
	for (int round = 0; round < 2; round++) {	/* sorted: unchanged */
		batch_order_by_start(&b);
		pos = 0, n = 0, last = INT64_MIN, last_port = 0;
		while (batch_next_record(&b, &pos, &out)) {
			int64_t start = record_has(&out, COL_START) ?
			    out.ival[COL_START] : INT64_MIN;
			int k = out.sptr[COL_INTERFACE_ID][4] - '0';

			CHECK_INT(out.slen[COL_INTERFACE_ID], 5);	/* eni-K */
			CHECK(start >= last);
			CHECK_INT(start, starts[k] < 0 ? INT64_MIN : starts[k]);
			if (start == last && start != INT64_MIN)
				CHECK(out.ival[COL_SRCPORT] > last_port);
			if (starts[k] >= 0)
				CHECK_INT(out.ival[COL_SRCPORT], 1000 + k);
			snprintf(want, sizeof want, "{\"n\":%d}", k);
			CHECK_INT((int64_t)out.extra.len,
			    k % 3 == 0 ? (int64_t)strlen(want) : 0);
			if (k % 3 == 0)
				CHECK(memcmp(out.extra.data, want,
				    out.extra.len) == 0);
			last = start;
			last_port = record_has(&out, COL_SRCPORT) ?
			    out.ival[COL_SRCPORT] : 0;
			n++;
		}
		CHECK_INT(n, N);
	}
	record_free(&rec);
	format_free(&v2);
	batch_free(&b);
}

static void
test_batch_order_by_start(void)
{
	static const int wide[N_ORDERED] = { 500, 100, -1, 300, 100, 900, -1,
	    200 };
	static const int narrow[N_ORDERED] = { 105, 101, -1, 103, 101, 109, -1,
	    102 };

	check_order_by_start(wide);
	check_order_by_start(narrow);
}

/* walsync: callbacks after the sync, in order; NORMAL while running and
 * FULL again after; nothing to do for a database without a file. */
static int synced[8], nsynced;

static void
on_synced(void *arg, int ok)
{
	synced[nsynced++] = ok ? (int)(intptr_t)arg : -1;
}

static void
test_walsync(void)
{
	struct walsync *ws;
	struct store *s;
	sqlite3 *db, *mem;
	char *err = NULL;
	intptr_t i;

	fresh_db();
	CHECK_INT(store_open(&s, db_path, &err), 0);
	db = store_db(s);
	CHECK_INT(scalar(db, "PRAGMA synchronous"), 2);
	ws = walsync_start(db);
	CHECK(ws != NULL);
	CHECK_INT(scalar(db, "PRAGMA synchronous"), 1);
	for (i = 1; i <= 3; i++) {
		CHECK_INT(sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS ws(x);"
		    "INSERT INTO ws VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
		walsync_after_commit(ws, on_synced, (void *)i);
	}
	CHECK_INT(walsync_stop(ws, db, &err), 0);
	CHECK_INT(nsynced, 3);
	CHECK_INT(synced[0], 1);
	CHECK_INT(synced[1], 2);
	CHECK_INT(synced[2], 3);
	CHECK_INT(scalar(db, "PRAGMA synchronous"), 2);
	store_close(s);
	CHECK_INT(sqlite3_open(":memory:", &mem), SQLITE_OK);
	CHECK(walsync_start(mem) == NULL);
	CHECK_INT(scalar(mem, "PRAGMA synchronous"), 2);
	sqlite3_close(mem);
}

UNIT_MAIN(UNIT_CASE(test_batch_roundtrip_and_metrics),
    UNIT_CASE(test_walsync),
    UNIT_CASE(test_batch_order_by_start),
    UNIT_CASE(test_columns_used),
    UNIT_CASE(test_upgrade_adds_columns),
    UNIT_CASE(test_upgrade_rebuilds_reject_index),
    UNIT_CASE(test_request_ids),
    UNIT_CASE(test_readers_do_not_block_the_writer), UNIT_CASE(test_cancel),
    UNIT_CASE(test_background_checkpoint),
    UNIT_CASE(test_archive_handoff_and_gaps),
    UNIT_CASE(test_archive_handoff_rollback))

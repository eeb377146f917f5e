/*
 * store.c - see store.h.
 */
#include "store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "field.h"
#include "util.h"

/*
 * Record inserts name only the columns a record has (a format fixes them, so
 * a handful of shapes cover a whole file): binding 27 NULLs per default-format
 * row was a tenth of the insert cost.  Shapes are cached, least recently used
 * replaced.
 */
#define INSERT_SHAPES 32
_Static_assert(FLOW_COL_COUNT < 63, "record columns fit a shape mask");
/*
 * Records of one shape are inserted INSERT_ROWS at a time by one
 * multi-row INSERT: one statement run per INSERT_ROWS rows instead of one
 * per row saves the per-run work (opening and closing the table and index
 * cursors, resetting the statement), about a fifth of the writer's time.
 * The rest of a run goes in statements of 16, 8, 4, 2 and 1 rows: NODATA
 * and SKIPDATA lines cut runs short (a run of ~80 rows in generated data),
 * and inserting the tails row by row cost a sixth of the writer's time.
 * INSERT_ROWS must be a power of two.
 */
#define INSERT_ROWS 32

struct insert_shape {
	uint64_t      shape;	/* present | STORE_EXTRA_COLUMN_BIT if extra */
	int           rows;	/* rows per statement: a power of two */
	sqlite3_stmt *st;	/* NULL: slot unused */
	uint64_t      used;	/* LRU clock */
};

struct store {
	sqlite3      *db;
	char         *path;
	struct insert_shape shapes[INSERT_SHAPES];
	uint64_t      clock;
	sqlite3_stmt *insert_error;	/* INSERT INTO ingest_errors */
	sqlite3_stmt *upsert_metric;	/* flow_metrics += delta */
	sqlite3_stmt *update_checkpoint;/* ingest_state checkpoint */
	sqlite3_stmt *insert_request;	/* INSERT INTO firehose_requests */
	sqlite3_stmt *find_request;	/* is a request id committed? */
	int64_t       batch_newest;	/* largest start in the batch being
					 * written, or INT64_MIN */
	uint64_t      batch_shapes;	/* union of its records' shapes */
	uint64_t      columns_known;	/* committed in meta.columns_used */
	uint64_t      columns_pending;	/* added by the open transaction */
	int64_t       rowid_first;	/* rowids the last batch's records */
	int64_t       rowid_last;	/* got (0: none yet) ... */
	int           rowid_dense;	/* ... and whether they follow on */
};

static int
fail_db(sqlite3 *db, char **err, const char *what)
{
	*err = xasprintf("%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static int
exec_sql(sqlite3 *db, const char *sql, char **err, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xasprintf("%s: %s", what, msg ? msg : "unknown error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * flow_logs DDL, generated from the field catalogue so the schema cannot
 * drift from the parser.  `origin` follows the v2 columns: SQLite drops
 * trailing NULL columns from a row, so default-format records pay nothing for
 * the 26 later columns.
 */
static char *
flow_logs_ddl(void)
{
	struct sbuf b = { 0 };
	int col;

	sbuf_appends(&b, "CREATE TABLE IF NOT EXISTS flow_logs (\n");
	for (col = 0; col < FLOW_COL_COUNT; col++) {
		const struct field_def *f = field_for_column(col);

		sbuf_printf(&b, "  \"%s\" %s,\n", f->column, field_sql_type(f));
		if (col == FLOW_COL_BEFORE_ORIGIN)
			sbuf_appends(&b, "  origin INTEGER,\n");
	}
	sbuf_appends(&b, "  extra TEXT\n);\n");
	return b.data;
}

/*
 * Indexes, chosen by measurement (README, "Performance"): time ranges must
 * never scan the table, and rejected traffic - what the panels and most
 * canned queries ask about - gets a partial covering index that holds only
 * REJECT rows (about 4% of the store's bytes for 10-20% rejects), so a last
 * hour of rejects is read without touching the table.  It starts with
 * protocol: with the planner statistics below, SQLite reads a time range
 * of it as one range per protocol (a skip-scan), in protocol order, so
 * GROUP BY protocol needs no sort (rejected-last-hour 36 -> 22 ms on 10 M
 * records).
 */
#define REJECT_INDEX_COLUMNS \
    "protocol, start, srcaddr, dstaddr, dstport, packets"
#define REJECT_INDEX_SQL "CREATE INDEX flow_logs_reject ON flow_logs(" \
    REJECT_INDEX_COLUMNS ") WHERE action = 'REJECT'"
static const char schema_rest[] =
    "CREATE INDEX IF NOT EXISTS flow_logs_start ON flow_logs(start);\n"
    "CREATE INDEX IF NOT EXISTS flow_logs_reject ON flow_logs("
    REJECT_INDEX_COLUMNS ") WHERE action = 'REJECT';\n"
    "CREATE TABLE IF NOT EXISTS flow_metrics (\n"
    "  window_seconds INTEGER NOT NULL,\n"
    "  window_start INTEGER NOT NULL,\n"
    "  protocol INTEGER NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  flows INTEGER NOT NULL,\n"
    "  packets INTEGER NOT NULL,\n"
    "  bytes INTEGER NOT NULL,\n"
    "  PRIMARY KEY (window_seconds, window_start, protocol, action)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS ingest_state (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  source TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  fingerprint TEXT,\n"
    "  fp_len INTEGER NOT NULL DEFAULT 0,\n"
    "  raw_size INTEGER NOT NULL DEFAULT 0,\n"
    "  offset INTEGER NOT NULL DEFAULT 0,\n"
    "  line INTEGER NOT NULL DEFAULT 0,\n"
    "  records INTEGER NOT NULL DEFAULT 0,\n"
    "  errors INTEGER NOT NULL DEFAULT 0,\n"
    "  skipped INTEGER NOT NULL DEFAULT 0,\n"
    "  cursor TEXT,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  newest_start INTEGER\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS ingest_state_source ON ingest_state(source);\n"
    "CREATE TABLE IF NOT EXISTS ingest_errors (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  origin INTEGER,\n"
    "  source TEXT NOT NULL,\n"
    "  location TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  raw BLOB,\n"
    "  at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS firehose_requests (\n"
    "  request_id TEXT PRIMARY KEY,\n"
    "  origin INTEGER NOT NULL,\n"
    "  records INTEGER NOT NULL,\n"
    "  at INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS archive_files (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  path TEXT NOT NULL UNIQUE,\n"
    "  temp TEXT NOT NULL,\n"
    "  account TEXT NOT NULL,\n"
    "  region TEXT NOT NULL,\n"
    "  hour INTEGER NOT NULL,\n"
    "  after_rowid INTEGER NOT NULL,\n"
    "  through_rowid INTEGER NOT NULL,\n"
    "  rows INTEGER NOT NULL,\n"
    "  bytes INTEGER NOT NULL,\n"
    "  codec TEXT NOT NULL,\n"
    "  sealed_at INTEGER NOT NULL,\n"
    "  published INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS archive_state (\n"
    "  id INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "  archived_through INTEGER NOT NULL DEFAULT 0,\n"
    "  generation INTEGER NOT NULL DEFAULT 0,\n"
    "  flush_requested INTEGER NOT NULL DEFAULT 0,\n"
    "  dir TEXT,\n"
    "  buffered_rows INTEGER NOT NULL DEFAULT 0,\n"
    "  open_files INTEGER NOT NULL DEFAULT 0,\n"
    "  updated_at INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "INSERT OR IGNORE INTO archive_state (id) VALUES (1);\n"
    /* Uploads of sealed archive files to S3 (upload.h): one row per file
     * and destination; uploaded_at NULL while it is still to be retried. */
    "CREATE TABLE IF NOT EXISTS archive_uploads (\n"
    "  path TEXT NOT NULL,\n"
    "  dest TEXT NOT NULL,\n"
    "  key TEXT NOT NULL,\n"
    "  etag TEXT,\n"
    "  bytes INTEGER,\n"
    "  uploaded_at INTEGER,\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,\n"
    "  last_error TEXT,\n"
    "  next_try INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY (path, dest)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE IF NOT EXISTS meta (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT\n"
    ");\n";

/* The first column of `sql`'s result as text (owned), or NULL. */
static char *
query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *out = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/*
 * A store made before the REJECT index began with protocol gets it rebuilt
 * in the new order (once, in the upgrade transaction: a few seconds for
 * 10 M records).
 */
static int
upgrade_reject_index(struct store *s, char **err)
{
	char *sql = query_text(s->db, "SELECT sql FROM sqlite_schema WHERE "
	    "type = 'index' AND name = 'flow_logs_reject'");
	/* An index in the old order: seconds of work on a big store. */
	int old = sql != NULL && strstr(sql, "(" REJECT_INDEX_COLUMNS ")") ==
	    NULL, rc = 0;
	double t0 = now_monotonic();

	if (old)	/* silence would look like a hang (the UI logs stderr) */
		fprintf(stderr, "flowlens: upgrading the store %s: rebuilding "
		    "its REJECT index in protocol order, once (about a second "
		    "per million records)\n", s->path);
	if (sql == NULL || old)
		rc = exec_sql(s->db, "DROP INDEX IF EXISTS flow_logs_reject; "
		    REJECT_INDEX_SQL, err, "cannot rebuild the REJECT index");
	if (old && rc == 0)
		fprintf(stderr, "flowlens: the REJECT index was rebuilt in "
		    "%.1f s\n", now_monotonic() - t0);
	free(sql);
	return rc;
}

/*
 * Planner statistics (sqlite_stat1), written once and never measured:
 * SQLite only skip-scans an index whose first column it believes has few
 * values with many rows each, and only ANALYZE or these rows tell it so.
 * Fixed figures keep plans the same on every store and every day, where a
 * real ANALYZE would need rerunning as the store grows and could change a
 * plan under a running dashboard.  They describe a large store (10 M
 * records; a handful of protocols among the rejects; about 50 records a
 * second); a small store runs the same plans, which are right for it too.
 */
#define STAT_START  "10000000 50"
#define STAT_REJECT "1500000 300000 50 2 1 1 1"

static int
write_planner_stats(struct store *s, char **err)
{
	/* NULL also when sqlite_stat1 does not exist yet. */
	char *have = query_text(s->db, "SELECT group_concat(idx || ':' || "
	    "stat, ';') FROM (SELECT idx, stat FROM sqlite_stat1 "
	    "WHERE tbl = 'flow_logs' ORDER BY idx)");

	if (have && strcmp(have, "flow_logs_reject:" STAT_REJECT
	    ";flow_logs_start:" STAT_START) == 0) {
		free(have);
		return 0;
	}
	free(have);
	return exec_sql(s->db, "ANALYZE sqlite_schema; "	/* makes the table */
	    "DELETE FROM sqlite_stat1 WHERE tbl = 'flow_logs'; "
	    "INSERT INTO sqlite_stat1 VALUES "
	    "('flow_logs', 'flow_logs_start', '" STAT_START "'), "
	    "('flow_logs', 'flow_logs_reject', '" STAT_REJECT "');", err,
	    "cannot write the store's planner statistics");
}

/*
 * Columns added since schema version 1 was first written, for stores
 * created before them: added in place (ALTER TABLE ... ADD COLUMN only
 * appends, old rows read NULL), inside one write transaction so two
 * processes opening the same old store cannot both add a column.
 */
static int
upgrade_schema(struct store *s, char **err)
{
	static const char *const adds[][3] = {
		{ "ingest_state", "newest_start", "INTEGER" },
	};
	size_t i;
	int rc = exec_sql(s->db, "BEGIN IMMEDIATE", err,
	    "cannot upgrade the store's tables");

	for (i = 0; rc == 0 && i < sizeof adds / sizeof adds[0]; i++) {
		sqlite3_stmt *st;
		char *sql = xasprintf("SELECT 1 FROM pragma_table_info('%s') "
		    "WHERE name = '%s'", adds[i][0], adds[i][1]);
		int have;

		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
			free(sql);
			rc = fail_db(s->db, err, "cannot read the store's "
			    "columns");
			break;
		}
		free(sql);
		have = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (!have) {
			sql = xasprintf("ALTER TABLE %s ADD COLUMN %s %s",
			    adds[i][0], adds[i][1], adds[i][2]);
			rc = exec_sql(s->db, sql, err, "cannot add a column to "
			    "the store");
			free(sql);
		}
	}
	if (rc == 0)
		rc = upgrade_reject_index(s, err);
	if (rc == 0)
		rc = write_planner_stats(s, err);
	if (rc == 0)
		return exec_sql(s->db, "COMMIT", err,
		    "cannot upgrade the store's tables");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
create_schema(struct store *s, char **err)
{
	char *ddl = flow_logs_ddl(), *sql;
	int rc;

	sql = xasprintf("BEGIN IMMEDIATE;\n%s%s"
	    "INSERT OR IGNORE INTO meta VALUES ('schema_version', '%d');\n"
	    /* Only a store created empty can know which columns its rows
	     * use: an older one without the key counts as using all. */
	    "INSERT OR IGNORE INTO meta SELECT 'columns_used', '0' "
	    "WHERE NOT EXISTS (SELECT 1 FROM flow_logs);\n"
	    "COMMIT;", ddl, schema_rest, STORE_SCHEMA_VERSION);
	rc = exec_sql(s->db, sql, err, "cannot create the store's tables");
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	free(ddl);
	free(sql);
	return rc < 0 ? rc : upgrade_schema(s, err);
}

static int
check_schema_version(struct store *s, char **err)
{
	sqlite3_stmt *st;
	int version = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE "
	    "key = 'schema_version'", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot read the schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version != STORE_SCHEMA_VERSION) {
		*err = xasprintf("%s has store schema version %d; this flowlens "
		    "understands version %d. Use a flowlens of the matching "
		    "version, or a new --db path", s->path, version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/*
 * The INSERT of `rows` records with exactly this shape (each row's origin
 * bound first, then its present columns in column order, then extra).
 */
static sqlite3_stmt *
insert_for_shape(struct store *s, uint64_t shape, int rows, char **err)
{
	struct insert_shape *slot = &s->shapes[0];
	struct sbuf sql = { 0 };
	int col, params = 1, i, r, rc;

	for (i = 0; i < INSERT_SHAPES; i++) {
		if (s->shapes[i].st && s->shapes[i].shape == shape &&
		    s->shapes[i].rows == rows) {
			s->shapes[i].used = ++s->clock;
			return s->shapes[i].st;
		}
		if (s->shapes[i].used < slot->used)
			slot = &s->shapes[i];
	}
	sbuf_appends(&sql, "INSERT INTO flow_logs (origin");
	for (col = 0; col < FLOW_COL_COUNT; col++) {
		if ((shape >> col) & 1) {
			sbuf_printf(&sql, ", \"%s\"",
			    field_for_column(col)->column);
			params++;
		}
	}
	if (shape & STORE_EXTRA_COLUMN_BIT) {
		sbuf_appends(&sql, ", extra");
		params++;
	}
	sbuf_appends(&sql, ") VALUES ");
	for (r = 0; r < rows; r++) {
		sbuf_appends(&sql, r ? ", (?" : "(?");
		for (i = 1; i < params; i++)
			sbuf_appends(&sql, ", ?");
		sbuf_appends(&sql, ")");
	}
	sqlite3_finalize(slot->st);
	slot->st = NULL;
	rc = sqlite3_prepare_v3(s->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT,
	    &slot->st, NULL);
	sbuf_free(&sql);
	if (rc != SQLITE_OK) {
		fail_db(s->db, err, "cannot prepare the record insert");
		return NULL;
	}
	slot->shape = shape;
	slot->rows = rows;
	slot->used = ++s->clock;
	return slot->st;
}

static int
prepare(struct store *s, const char *sql, sqlite3_stmt **st, char **err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot prepare a store statement");
	return 0;
}

static int
prepare_statements(struct store *s, char **err)
{
	if (prepare(s, "INSERT INTO ingest_errors (origin, source, location, "
	    "reason, raw, at) VALUES (?, ?, ?, ?, ?, ?)", &s->insert_error,
	    err) < 0)
		return -1;
	if (prepare(s, "INSERT INTO flow_metrics VALUES (?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT DO UPDATE SET flows = flows + excluded.flows, "
	    "packets = packets + excluded.packets, "
	    "bytes = bytes + excluded.bytes", &s->upsert_metric, err) < 0)
		return -1;
	if (prepare(s, "UPDATE ingest_state SET offset = ?, line = ?, "
	    "raw_size = ?, cursor = ?, records = records + ?, "
	    "errors = errors + ?, skipped = skipped + ?, updated_at = ?, "
	    "newest_start = CASE WHEN ?10 IS NULL THEN newest_start "
	    "ELSE max(coalesce(newest_start, ?10), ?10) END "
	    "WHERE id = ?9", &s->update_checkpoint, err) < 0)
		return -1;
	if (prepare(s, "INSERT INTO firehose_requests (request_id, origin, "
	    "records, at) VALUES (?, ?, ?, ?)", &s->insert_request, err) < 0)
		return -1;
	if (prepare(s, "SELECT 1 FROM firehose_requests WHERE request_id = ?",
	    &s->find_request, err) < 0)
		return -1;
	return 0;
}

int
store_open(struct store **out, const char *path, char **err)
{
	struct store *s = xcalloc(1, sizeof *s);
	int rc;

	s->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open the store %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		store_close(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* Temporary tables in memory only after the schema: an upgrade that
	 * rebuilds an index sorts its whole content, in temporary files. */
	if (exec_sql(s->db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA cache_size = -16384;", err,
	    "cannot configure the store") < 0 ||
	    create_schema(s, err) < 0 || check_schema_version(s, err) < 0 ||
	    exec_sql(s->db, "PRAGMA temp_store = MEMORY", err,
	    "cannot configure the store") < 0 ||
	    prepare_statements(s, err) < 0) {
		char *inner = *err;

		*err = xasprintf("%s (store %s)", inner, path);
		free(inner);
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < INSERT_SHAPES; i++)
		sqlite3_finalize(s->shapes[i].st);
	sqlite3_finalize(s->insert_error);
	sqlite3_finalize(s->upsert_metric);
	sqlite3_finalize(s->update_checkpoint);
	sqlite3_finalize(s->insert_request);
	sqlite3_finalize(s->find_request);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

static char *
column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

int
store_source_rows(struct store *s, const char *source,
    struct source_row **rows, size_t *n, char **err)
{
	sqlite3_stmt *st;
	struct source_row *v = NULL;
	size_t count = 0;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT id, source, kind, fingerprint, "
	    "fp_len, raw_size, offset, line, records, errors, skipped, cursor "
	    "FROM ingest_state WHERE source = ? ORDER BY id DESC", -1, &st,
	    NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot read ingest_state");
	sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct source_row *r;

		v = xrealloc(v, (count + 1) * sizeof *v);
		r = &v[count++];
		r->id = sqlite3_column_int64(st, 0);
		r->source = column_strdup(st, 1);
		r->kind = column_strdup(st, 2);
		r->fingerprint = column_strdup(st, 3);
		r->fp_len = sqlite3_column_int64(st, 4);
		r->raw_size = sqlite3_column_int64(st, 5);
		r->offset = sqlite3_column_int64(st, 6);
		r->line = sqlite3_column_int64(st, 7);
		r->records = sqlite3_column_int64(st, 8);
		r->errors = sqlite3_column_int64(st, 9);
		r->skipped = sqlite3_column_int64(st, 10);
		r->cursor = column_strdup(st, 11);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_source_rows_free(v, count);
		return fail_db(s->db, err, "cannot read ingest_state");
	}
	*rows = v;
	*n = count;
	return 0;
}

void
store_source_rows_free_strings(struct source_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].source);
		free(rows[i].kind);
		free(rows[i].fingerprint);
		free(rows[i].cursor);
		memset(&rows[i], 0, sizeof rows[i]);
	}
}

void
store_source_rows_free(struct source_row *rows, size_t n)
{
	store_source_rows_free_strings(rows, n);
	free(rows);
}

int
store_source_create(struct store *s, const char *source, const char *kind,
    const char *fingerprint, int64_t fp_len, int64_t *id, char **err)
{
	sqlite3_stmt *st;
	int64_t now = now_epoch();
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO ingest_state (source, kind, "
	    "fingerprint, fp_len, created_at, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot add to ingest_state");
	sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	if (fingerprint)
		sqlite3_bind_text(st, 3, fingerprint, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, fp_len);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(s->db, err, "cannot add to ingest_state");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_source_forget(struct store *s, int64_t id, char **err)
{
	char *sql;
	int rc;

	/* Take the records' contributions out of every metric window first. */
	sql = xasprintf("BEGIN IMMEDIATE;"
	    "UPDATE flow_metrics AS m SET flows = m.flows - d.flows, "
	    "  packets = m.packets - d.packets, bytes = m.bytes - d.bytes "
	    "FROM (SELECT w.len AS len, start - start %% w.len AS ws, "
	    "        ifnull(protocol, -1) AS proto, CASE WHEN action IS NULL "
	    "        THEN '-' WHEN action IN ('ACCEPT', 'REJECT') THEN action "
	    "        ELSE 'OTHER' END AS act, count(*) AS flows, "
	    "        total(packets) AS packets, total(bytes) AS bytes "
	    "      FROM flow_logs, (SELECT 60 AS len UNION ALL SELECT 900) w "
	    "      WHERE origin = %lld AND start IS NOT NULL "
	    "      GROUP BY 1, 2, 3, 4) AS d "
	    "WHERE m.window_seconds = d.len AND m.window_start = d.ws "
	    "  AND m.protocol = d.proto AND m.action = d.act;"
	    "DELETE FROM flow_metrics WHERE flows <= 0;"
	    "DELETE FROM flow_logs WHERE origin = %lld;"
	    "DELETE FROM ingest_errors WHERE origin = %lld;"
	    "DELETE FROM ingest_state WHERE id = %lld;"
	    /* Rowids of deleted rows may be handed out again: never let the
	     * archive's watermark stand above them (archive.h). */
	    "UPDATE archive_state SET generation = generation + 1, "
	    "  archived_through = min(archived_through, "
	    "  (SELECT coalesce(max(rowid), 0) FROM flow_logs));"
	    "COMMIT;", (long long)id, (long long)id, (long long)id,
	    (long long)id);
	rc = exec_sql(s->db, sql, err, "cannot forget the source");
	if (rc < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	free(sql);
	return rc;
}

int
store_source_archived(struct store *s, int64_t id, int64_t *n, char **err)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM flow_logs WHERE "
	    "rowid <= (SELECT archived_through FROM archive_state) AND "
	    "origin = ?", -1, &st, NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot count archived records");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(s->db, err, "cannot count archived records");
	return 0;
}

static atomic_int write_waiters;	/* see store_want_write() */

void
store_want_write(int on)
{
	atomic_fetch_add(&write_waiters, on ? 1 : -1);
}

int
store_write_wanted(void)
{
	return atomic_load(&write_waiters) > 0;
}

int
store_begin(struct store *s, char **err)
{
	int i;

	for (i = 0; i < 1000 && atomic_load(&write_waiters) > 0; i++)
		usleep(1000);
	return exec_sql(s->db, "BEGIN IMMEDIATE", err,
	    "cannot start a store transaction");
}

int
store_commit(struct store *s, char **err)
{
	if (exec_sql(s->db, "COMMIT", err, "cannot commit to the store") < 0)
		return -1;
	s->columns_known |= s->columns_pending;
	s->columns_pending = 0;
	return 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->columns_pending = 0;
}

static int
step_reset(struct store *s, sqlite3_stmt *st, char **err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_db(s->db, err, what);
	return 0;
}

static uint64_t
record_shape(const struct flow_record *r)
{
	return r->present | (r->extra.len ? STORE_EXTRA_COLUMN_BIT : 0);
}

/* Bind record r's values from parameter *p on. */
static void
bind_record(sqlite3_stmt *st, int *p, int64_t origin,
    const struct flow_record *r)
{
	uint64_t text = field_text_columns(), bits;

	sqlite3_bind_int64(st, (*p)++, origin);
	for (bits = r->present; bits; bits &= bits - 1) {
		int col = column_lowest(bits);

		if ((text >> col) & 1)
			sqlite3_bind_text(st, (*p)++, r->sptr[col],
			    (int)r->slen[col], SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, (*p)++, r->ival[col]);
	}
	if (r->extra.len)
		sqlite3_bind_text(st, (*p)++, r->extra.data,
		    (int)r->extra.len, SQLITE_STATIC);
}

/*
 * After an INSERT of `rows` rows: track the rowids the batch's records get.
 * One statement's rows get consecutive rowids (max(rowid) + 1 on, under
 * the write lock); each later statement must carry straight on.
 */
static void
note_rowids(struct store *s, int rows)
{
	int64_t id = sqlite3_last_insert_rowid(s->db);

	if (s->rowid_last == 0)
		s->rowid_first = id - rows + 1;
	else if (id != s->rowid_last + rows)
		s->rowid_dense = 0;
	s->rowid_last = id;
}

/* Insert n records of one shape, in multi-row INSERTs of power-of-two
 * sizes. */
static int
insert_run(struct store *s, int64_t origin, const struct flow_record *run,
    int n, char **err)
{
	sqlite3_stmt *st;
	int i, p;

	while (n > 0) {
		int rows = INSERT_ROWS;

		while (rows > n)	/* the largest power of two <= n */
			rows >>= 1;
		if ((st = insert_for_shape(s, record_shape(&run[0]), rows,
		    err)) == NULL)
			return -1;
		p = 1;
		for (i = 0; i < rows; i++)
			bind_record(st, &p, origin, &run[i]);
		if (step_reset(s, st, err, "cannot insert records") < 0)
			return -1;
		note_rowids(s, rows);
		run += rows;
		n -= rows;
	}
	return 0;
}

/* The batch's records, in order, in runs of one shape. */
static int
write_records(struct store *s, const struct batch *b, char **err)
{
	struct flow_record run[INSERT_ROWS];
	size_t pos = 0;
	int n = 0;

	memset(run, 0, sizeof run);
	s->rowid_first = s->rowid_last = 0;
	s->rowid_dense = 1;
	s->batch_newest = INT64_MIN;
	s->batch_shapes = 0;
	while (batch_next_record(b, &pos, &run[n])) {
		s->batch_shapes |= record_shape(&run[n]);
		if (record_has(&run[n], COL_START) &&
		    run[n].ival[COL_START] > s->batch_newest)
			s->batch_newest = run[n].ival[COL_START];
		if (n > 0 && record_shape(&run[n]) != record_shape(&run[0])) {
			struct flow_record next = run[n];

			if (insert_run(s, b->origin, run, n, err) < 0)
				return -1;
			run[0] = next;
			n = 0;
		}
		if (++n == INSERT_ROWS) {
			if (insert_run(s, b->origin, run, n, err) < 0)
				return -1;
			n = 0;
		}
	}
	return insert_run(s, b->origin, run, n, err);
}

static int
write_errors(struct store *s, const struct batch *b, const char *source,
    char **err)
{
	sqlite3_stmt *st = s->insert_error;
	int64_t now = now_epoch();
	size_t i;

	for (i = 0; i < b->nerrors; i++) {
		const struct batch_error *e = &b->errors[i];
		const char *raw = b->arena.data + e->raw;

		sqlite3_bind_int64(st, 1, b->origin);
		sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->arena.data + e->location, -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, b->arena.data + e->reason, -1,
		    SQLITE_STATIC);
		if (e->raw_binary)
			sqlite3_bind_blob(st, 5, raw, (int)e->raw_len,
			    SQLITE_STATIC);
		else
			sqlite3_bind_text(st, 5, raw, (int)e->raw_len,
			    SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		if (step_reset(s, st, err, "cannot record a rejected line") < 0)
			return -1;
	}
	return 0;
}

struct metric_write {
	struct store *s;
	char        **err;
};

static int
write_metric_cell(const struct metric_cell *c, void *arg)
{
	struct metric_write *w = arg;
	sqlite3_stmt *st = w->s->upsert_metric;

	sqlite3_bind_int64(st, 1, c->window_seconds);
	sqlite3_bind_int64(st, 2, c->window_start);
	sqlite3_bind_int(st, 3, c->protocol);
	sqlite3_bind_text(st, 4, c->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->flows);
	sqlite3_bind_int64(st, 6, c->packets);
	sqlite3_bind_int64(st, 7, c->bytes);
	return step_reset(w->s, st, w->err, "cannot update flow_metrics");
}

static int
write_checkpoint(struct store *s, const struct batch *b, char **err)
{
	sqlite3_stmt *st = s->update_checkpoint;
	const struct checkpoint *cp = &b->cp;

	sqlite3_bind_int64(st, 1, cp->offset);
	sqlite3_bind_int64(st, 2, cp->line);
	sqlite3_bind_int64(st, 3, cp->raw_size);
	if (cp->cursor)
		sqlite3_bind_text(st, 4, cp->cursor, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, (int64_t)b->nrecords);
	sqlite3_bind_int64(st, 6, (int64_t)b->nerrors);
	sqlite3_bind_int64(st, 7, b->skipped);
	sqlite3_bind_int64(st, 8, now_epoch());
	sqlite3_bind_int64(st, 9, cp->source_id);
	if (s->batch_newest != INT64_MIN)
		sqlite3_bind_int64(st, 10, s->batch_newest);
	else
		sqlite3_bind_null(st, 10);
	return step_reset(s, st, err, "cannot save the checkpoint");
}

/* The deliveries this batch completes (see batch_add_request). */
static int
write_requests(struct store *s, const struct batch *b, char **err)
{
	sqlite3_stmt *st = s->insert_request;
	int64_t now = now_epoch();
	size_t i;

	for (i = 0; i < b->nrequests; i++) {
		sqlite3_bind_text(st, 1, b->arena.data + b->requests[i].id, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, b->origin);
		sqlite3_bind_int64(st, 3, b->requests[i].records);
		sqlite3_bind_int64(st, 4, now);
		if (step_reset(s, st, err, "cannot record a Firehose request "
		    "id") < 0)
			return -1;
	}
	return 0;
}

int
store_request_committed(struct store *s, const char *request_id,
    int *committed, char **err)
{
	sqlite3_stmt *st = s->find_request;
	int rc;

	sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail_db(s->db, err, "cannot read firehose_requests");
	*committed = rc == SQLITE_ROW;
	return 0;
}

/*
 * Add the batch's columns to meta.columns_used, in its transaction, when
 * they are not known to be there: the archiver reads only those columns.
 * The OR happens in SQL because another process may have added others.
 */
static int
note_columns(struct store *s, char **err)
{
	uint64_t add = s->batch_shapes & ~(s->columns_known |
	    s->columns_pending);
	sqlite3_stmt *st;
	int rc;

	if (add == 0)
		return 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE meta SET value = "
	    "CAST(value AS INTEGER) | ?1 WHERE key = 'columns_used'", -1, &st,
	    NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot note the columns in use");
	sqlite3_bind_int64(st, 1, (int64_t)add);
	rc = step_reset(s, st, err, "cannot note the columns in use");
	sqlite3_finalize(st);
	if (rc == 0)
		s->columns_pending |= add;
	return rc;
}

int
store_columns_used(sqlite3 *db, uint64_t *mask)
{
	sqlite3_stmt *st;
	int rc;

	*mask = ~(uint64_t)0;
	if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta "
	    "WHERE key = 'columns_used'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*mask = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_write_batch(struct store *s, const struct batch *b, const char *source,
    char **err)
{
	struct metric_write mw = { s, err };

	if (write_records(s, b, err) < 0 || note_columns(s, err) < 0 ||
	    write_errors(s, b, source, err) < 0 ||
	    write_requests(s, b, err) < 0)
		return -1;
	if (metrics_each(&b->metrics, write_metric_cell, &mw) != 0)
		return -1;
	if (b->cp.source_id > 0 && write_checkpoint(s, b, err) < 0)
		return -1;
	return 0;
}

int
store_batch_rowids(const struct store *s, int64_t *first, int64_t *last)
{
	*first = s->rowid_first;
	*last = s->rowid_last;
	return s->rowid_last > 0 && s->rowid_dense;
}

int
store_archive_generation(struct store *s, int64_t *gen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT generation FROM archive_state "
	    "WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*gen = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_count_records(struct store *s, int64_t *n, char **err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM flow_logs", -1,
	    &st, NULL) != SQLITE_OK)
		return fail_db(s->db, err, "cannot count records");
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

/*
 * query.c - see query.h.
 */
#include "query.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sqlfn.h"
#include "sqlrewrite.h"
#include "util.h"

/* The progress handler runs every this many VM steps. */
#define PROGRESS_STEPS 10000

struct query_engine {
	sqlite3               *db;
	atomic_int             cancel;
	atomic_int            *flag;
	char                   denied[160];	/* why the authorizer said no */
	int                    internal;	/* running flowlens' own SQL */
	int                    cache_kib;	/* page cache set; 0: SQLite's
						 * default, CACHE_KIB_DEFAULT */
};

static const char *
action_name(int action)
{
	switch (action) {
	case SQLITE_INSERT: return "INSERT";
	case SQLITE_UPDATE: return "UPDATE";
	case SQLITE_DELETE: return "DELETE";
	case SQLITE_ATTACH: return "ATTACH";
	case SQLITE_DETACH: return "DETACH";
	case SQLITE_ALTER_TABLE: return "ALTER TABLE";
	case SQLITE_REINDEX: return "REINDEX";
	case SQLITE_ANALYZE: return "ANALYZE";
	case SQLITE_CREATE_VTABLE: return "CREATE VIRTUAL TABLE";
	case SQLITE_DROP_VTABLE: return "DROP VIRTUAL TABLE";
	case SQLITE_PRAGMA: return "PRAGMA";
	case SQLITE_TRANSACTION: return "a transaction statement";
	case SQLITE_SAVEPOINT: return "SAVEPOINT";
	case SQLITE_DROP_TABLE: case SQLITE_DROP_INDEX:
	case SQLITE_DROP_VIEW: case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_TEMP_TABLE: case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_VIEW: case SQLITE_DROP_TEMP_TRIGGER:
		return "DROP";
	default: return "CREATE";
	}
}

/* Read-only PRAGMAs that only describe the schema are allowed. */
static int
pragma_allowed(const char *name, const char *arg)
{
	static const char *const ok[] = { "table_info", "table_xinfo",
	    "index_list", "index_info", "index_xinfo", "foreign_key_list",
	    "function_list", "compile_options", "database_list",
	    "collation_list", "table_list" };
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < ARRAY_LEN(ok); i++)
		if (sqlite3_stricmp(name, ok[i]) == 0)
			return 1;
	/* Other pragmas only when they read (no "= value"). */
	(void)arg;
	return 0;
}

static int
authorize(void *arg, int action, const char *a, const char *b,
    const char *db, const char *trigger)
{
	struct query_engine *q = arg;

	(void)db;
	(void)trigger;
	if (q->internal)
		return SQLITE_OK;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (pragma_allowed(a, b))
			return SQLITE_OK;
		break;
	default:
		break;
	}
	/* The first refusal names the statement (DROP TABLE also deletes
	 * from sqlite_schema, which would be reported second). */
	if (q->denied[0] == '\0')
		snprintf(q->denied, sizeof q->denied, "%s is not allowed: "
		    "flowlens queries are read-only", action_name(action));
	return SQLITE_DENY;
}

static int
progress(void *arg)
{
	struct query_engine *q = arg;

	return atomic_load(&q->cancel) || (q->flag && atomic_load(q->flag));
}

static int
is_flowlens_store(sqlite3 *db)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE "
	    "type = 'table' AND name = 'flow_logs'", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
query_open(struct query_engine **out, const char *path, char **err)
{
	struct query_engine *q;
	int rc;

	if (access(path, F_OK) != 0) {
		*err = xasprintf("there is no store at %s yet: run `flowlens "
		    "ingest FILE...` first, or point --db (or FLOWLENS_DB) at "
		    "an existing store", path);
		return -1;
	}
	q = xcalloc(1, sizeof *q);
	rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cannot open the store %s: %s", path,
		    q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
		query_close(q);
		return -1;
	}
	sqlite3_busy_timeout(q->db, 5000);
	sqlite3_exec(q->db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	/* "2026-11-01" is an identifier, never a string: otherwise a typo'd
	 * column name silently becomes text in a comparison. */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	if (!is_flowlens_store(q->db)) {
		*err = xasprintf("%s is not a flowlens store (it has no "
		    "flow_logs table): %s", path, sqlite3_errmsg(q->db));
		query_close(q);
		return -1;
	}
	if (sqlfn_register(q->db) != SQLITE_OK) {
		*err = xasprintf("cannot register SQL functions: %s",
		    sqlite3_errmsg(q->db));
		query_close(q);
		return -1;
	}
	sqlite3_set_authorizer(q->db, authorize, q);
	sqlite3_progress_handler(q->db, PROGRESS_STEPS, progress, q);
	*out = q;
	return 0;
}

void
query_close(struct query_engine *q)
{
	if (q == NULL)
		return;
	sqlite3_close(q->db);
	free(q);
}

void
query_cancel(struct query_engine *q)
{
	atomic_store(&q->cancel, 1);
	sqlite3_interrupt(q->db);
}

void
query_watch_flag(struct query_engine *q, atomic_int *flag)
{
	q->flag = flag;
}

sqlite3 *
query_db(struct query_engine *q)
{
	return q->db;
}

/* "at line L, column C (near "...")" for byte offset off of sql. */
static char *
where_in_sql(const char *sql, size_t off)
{
	int line = 1, col = 1;
	size_t i;

	for (i = 0; i < off && sql[i]; i++) {
		if (sql[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return xasprintf("at line %d, column %d (near \"%.30s\")", line, col,
	    sql + i);
}

/*
 * An error SQLite reported for the statement that starts at stmt inside
 * sql (its offsets count from the statement, ours from the whole text).
 */
static char *
sql_error(struct query_engine *q, const char *sql, const char *stmt,
    const char *what)
{
	int off = sqlite3_error_offset(q->db);

	if (off >= 0)
		off += (int)(stmt - sql);
	const char *msg = q->denied[0] ? q->denied : sqlite3_errmsg(q->db);
	char hint[96] = "", *where, *text;

	if (off < 0 || (size_t)off > strlen(sql))
		return xasprintf("%s: %s", what, msg);
	if (strstr(msg, "no such column") && sql[off] == '"') {
		size_t n = strcspn(sql + off + 1, "\"");

		snprintf(hint, sizeof hint, " (text is written in single "
		    "quotes: '%.*s')", (int)(n > 40 ? 40 : n), sql + off + 1);
	}
	where = where_in_sql(sql, (size_t)off);
	text = xasprintf("%s %s: %s%s", what, where, msg, hint);
	free(where);
	return text;
}

/* Rewrite Athena forms; errors located like SQLite's own. */
static char *
rewrite(const char *user_sql, char **err)
{
	size_t off = 0;
	char *msg = NULL, *sql = sqlrewrite_at(user_sql, &msg, &off);
	const char *reason;
	char *where;

	if (sql)
		return sql;
	/* The rewriter says "at position N: reason". */
	reason = msg ? strstr(msg, ": ") : NULL;
	reason = reason ? reason + 2 : (msg ? msg : "cannot rewrite the query");
	where = where_in_sql(user_sql, off);
	*err = xasprintf("SQL error %s: %s", where, reason);
	free(where);
	free(msg);
	return NULL;
}

/* SQLite's default page cache, which its sorter also takes as the size
 * of the sorted chunks it keeps in memory before spilling them. */
#define CACHE_KIB_DEFAULT 2000
#define CACHE_KIB_SEARCH_SORT 4096

/*
 * How statement st should sort, from its EXPLAIN QUERY PLAN: *threads,
 * the helper threads SQLite's sorter may start, and *cache_kib, the page
 * cache (and so the sorter's in-memory chunk size).  GROUP BY and ORDER BY
 * over many rows spill sorted chunks to temporary files; with helpers the
 * sort of each chunk overlaps the reading that fills the next, and the
 * chunks merge in parallel.  Measured on 10 M records (README,
 * "Performance"):
 *   - a sort after a full scan ("SCAN" and "TEMP B-TREE"): one helper per
 *     CPU, default cache (admin-ports 4.1-5.2 s with no helper, 2.9-3.9 s
 *     with two); small chunks keep the helpers busy from the start, and a
 *     4 MB cache made four of these queries 9-17 % slower;
 *   - a sort after an index search ("SEARCH" and "TEMP B-TREE"): helpers
 *     and a 4 MB cache.  The sort of an hour of rejects (56 k rows, ~3 MB)
 *     then stays in memory, where at 2 MB one spilled chunk made a
 *     threaded merge (rejected-last-hour: 55-66 ms without helpers, 66-73
 *     ms with them at 2 MB, 50-55 ms at 4 MB); a long range still spills,
 *     and its chunks sort in parallel (top-rejected-sources, two weeks:
 *     858-914 ms without helpers, 697-823 ms with them);
 *   - no sort: neither.
 * SQLite caps the helpers at its compile-time SQLITE_MAX_WORKER_THREADS.
 */
static void
sort_plan(sqlite3 *db, sqlite3_stmt *st, int *threads, int *cache_kib)
{
	sqlite3_stmt *plan;
	char *sql = xasprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
	int scan = 0, search = 0, sort = 0;
	long n;

	*threads = 0;
	*cache_kib = CACHE_KIB_DEFAULT;
	if (sqlite3_prepare_v2(db, sql, -1, &plan, NULL) != SQLITE_OK)
		plan = NULL;
	free(sql);
	while (plan && sqlite3_step(plan) == SQLITE_ROW) {
		const char *step = (const char *)sqlite3_column_text(plan, 3);

		if (step && strncmp(step, "SCAN ", 5) == 0)
			scan = 1;
		if (step && strncmp(step, "SEARCH ", 7) == 0)
			search = 1;
		if (step && strstr(step, "TEMP B-TREE"))
			sort = 1;
	}
	sqlite3_finalize(plan);
	if (!sort || (!scan && !search))
		return;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	*threads = n < 1 ? 0 : n > 8 ? 8 : (int)n;
	if (!scan)
		*cache_kib = CACHE_KIB_SEARCH_SORT;
}

/* Set the sort plan of the next statement on the query connection. */
static void
apply_sort_plan(struct query_engine *q, int threads, int cache_kib)
{
	sqlite3_limit(q->db, SQLITE_LIMIT_WORKER_THREADS, threads);
	if (cache_kib != (q->cache_kib ? q->cache_kib : CACHE_KIB_DEFAULT)) {
		char sql[48];

		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_kib);
		q->internal = 1;	/* our own pragma, not the user's */
		if (sqlite3_exec(q->db, sql, NULL, NULL, NULL) == SQLITE_OK)
			q->cache_kib = cache_kib;
		q->internal = 0;
	}
}

static int
run_statement(sqlite3_stmt *st,
    const struct query_sink *sink, struct query_stats *stats)
{
	int rc, stop = 0;

	if (sqlite3_column_count(st) > 0 && sink && sink->begin)
		stop = sink->begin(sink->arg, st);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		stats->rows_returned++;
		if (sink && sink->row)
			stop = sink->row(sink->arg, st);
	}
	if (stop)
		rc = SQLITE_DONE;
	if (sqlite3_column_count(st) > 0 && sink && sink->end)
		sink->end(sink->arg);
	stats->rows_scanned += sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
	stats->vm_steps += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP,
	    0);
	stats->statements++;
	return rc;
}

int
query_run(struct query_engine *q, const char *user_sql,
    const struct query_sink *sink, struct query_stats *stats, char **err)
{
	double t0 = now_monotonic();
	const char *tail;
	char *sql;
	int result = QUERY_OK;

	memset(stats, 0, sizeof *stats);
	atomic_store(&q->cancel, 0);
	q->denied[0] = '\0';
	sql = rewrite(user_sql, err);
	if (sql == NULL)
		return QUERY_ERROR;
	tail = sql;
	while (*tail) {
		const char *stmt = tail;
		sqlite3_stmt *st = NULL;
		int rc;

		rc = sqlite3_prepare_v2(q->db, tail, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			*err = sql_error(q, sql, stmt, "SQL error");
			result = QUERY_ERROR;
			break;
		}
		if (st == NULL)		/* only white space or comments */
			continue;
		if (!sqlite3_stmt_readonly(st)) {
			*err = xstrdup("this statement would change the store: "
			    "flowlens queries are read-only");
			sqlite3_finalize(st);
			result = QUERY_ERROR;
			break;
		}
		{
			int threads, cache_kib;

			sort_plan(q->db, st, &threads, &cache_kib);
			apply_sort_plan(q, threads, cache_kib);
		}
		rc = run_statement(st, sink, stats);
		if (rc == SQLITE_INTERRUPT || progress(q)) {
			result = QUERY_CANCELLED;
			*err = xstrdup("query cancelled");
		} else if (rc != SQLITE_DONE) {
			*err = sql_error(q, sql, stmt, "query failed");
			result = QUERY_ERROR;
		}
		sqlite3_finalize(st);
		if (result != QUERY_OK)
			break;
	}
	free(sql);
	stats->seconds = now_monotonic() - t0;
	return result;
}

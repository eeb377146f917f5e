/*
 * query.h - the query engine: read-only SQL over the store.
 *
 * `flowlens query`, the SQL pane and the tests all run SQL through this one
 * engine.  It opens its own read-only connection (readers never block the
 * writer in WAL mode), registers the Athena/Trino functions (sqlfn.h),
 * rewrites Athena forms to SQLite (sqlrewrite.h), and refuses every statement
 * that could write - whatever the SQL says - with a clear error.  A query can
 * be cancelled from another thread or a signal handler.  One engine per
 * thread; query_cancel() is the only call that may come from elsewhere.
 */
#ifndef FLOWLENS_QUERY_H
#define FLOWLENS_QUERY_H

#include <stdatomic.h>
#include <stdint.h>

#include <sqlite3.h>

struct query_engine;

/* Receives one result set at a time.  Any callback may be NULL. */
struct query_sink {
	void *arg;
	/* A statement produced columns: called once before its rows. */
	int (*begin)(void *arg, sqlite3_stmt *st);
	/* One row; return non-zero to stop (e.g. output error). */
	int (*row)(void *arg, sqlite3_stmt *st);
	/* The statement finished (also after an error or cancel). */
	void (*end)(void *arg);
};

struct query_stats {
	double  seconds;	/* wall time of all statements */
	int64_t rows_returned;	/* rows handed to the sink */
	int64_t rows_scanned;	/* table rows stepped in full scans */
	int64_t vm_steps;	/* SQLite virtual-machine steps (work done) */
	int     statements;	/* statements run */
};

/* Result codes of query_run(). */
enum {
	QUERY_OK = 0,
	QUERY_ERROR = -1,	/* SQL error: message in *err */
	QUERY_CANCELLED = -2,	/* interrupted by query_cancel() / flag */
};

/*
 * Open the store at path read-only.  Fails with a message that says what to
 * do when the file does not exist or is not a flowlens store.
 */
int query_open(struct query_engine **out, const char *path, char **err);
void query_close(struct query_engine *q);

/* Abort a running query as soon as possible.  Thread-safe. */
void query_cancel(struct query_engine *q);

/*
 * Also stop when *flag becomes non-zero (set by a SIGINT handler); NULL to
 * clear.
 */
void query_watch_flag(struct query_engine *q, atomic_int *flag);

/*
 * Run every statement in sql (Athena forms accepted).  Returns QUERY_OK,
 * QUERY_ERROR with *err (naming the position in the SQL when SQLite knows
 * it) or QUERY_CANCELLED.  Stats are filled in all cases.
 */
int query_run(struct query_engine *q, const char *sql,
    const struct query_sink *sink, struct query_stats *stats, char **err);

/* The underlying read-only connection (the UI reads the catalog from it). */
sqlite3 *query_db(struct query_engine *q);

#endif

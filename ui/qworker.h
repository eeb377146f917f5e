/*
 * qworker.h - the SQL pane's query worker: runs one query at a time on its
 * own thread and read-only connection (query.h), keeps the result in memory
 * for the grid, and can be cancelled at any moment.
 *
 * The UI thread submits SQL, polls progress (lock-free atomics) and takes
 * the finished result; it never waits for SQLite.  The worker writes one
 * byte to the wake pipe when a result is ready.
 */
#ifndef FLOWLENS_UI_QWORKER_H
#define FLOWLENS_UI_QWORKER_H

#include <stdint.h>

#include "query.h"

#define QRESULT_MAX_ROWS 200000	/* rows kept; more are counted only */

enum qcell_kind { QCELL_NULL, QCELL_INT, QCELL_REAL, QCELL_TEXT };

/* A finished query: every cell as text plus its kind.  Immutable. */
struct qresult {
	char     *sql;		/* as submitted (owned) */
	int       status;	/* QUERY_OK, QUERY_ERROR, QUERY_CANCELLED */
	char     *error;	/* message when status != QUERY_OK (owned) */
	int       error_line;	/* 1-based position named in error, or 0 */
	int       error_column;
	int       ncols;
	char    **colnames;	/* ncols names (owned) */
	int64_t   nrows;	/* rows kept */
	int64_t   total_rows;	/* rows returned, kept or not */
	char    **cells;	/* nrows * ncols, NULL for SQL NULL (owned) */
	unsigned char *kinds;	/* nrows * ncols qcell_kind */
	struct query_stats stats;
};

void qresult_free(struct qresult *r);

/* Catalog of the store: tables and their columns, for the sidebar and
 * completion.  Immutable once published. */
struct catalog_table {
	char  *name;
	int    ncols;
	char **cols;		/* column names */
	char **types;		/* declared types */
};

struct catalog {
	int                   ntables;
	struct catalog_table *tables;
};

void catalog_free(struct catalog *c);

struct qworker;

/* Start the worker for the store at db_path; wake_fd is written on events. */
struct qworker *qworker_start(const char *db_path, int wake_fd);
void qworker_stop(struct qworker *w);

/* Run sql (copied).  Returns -1 if a query is already running. */
int qworker_submit(struct qworker *w, const char *sql);

/* Cancel the running query, if any.  Any thread. */
void qworker_cancel(struct qworker *w);

/* 1 while a query runs; elapsed seconds, rows returned and rows scanned so
 * far (full-scan steps; read live from SQLite's progress handler). */
int qworker_progress(struct qworker *w, double *elapsed, int64_t *rows,
    int64_t *scanned);

/* The finished result, or NULL; the caller owns it. */
struct qresult *qworker_take(struct qworker *w);

/* The catalog once the store could be opened, or NULL; the caller owns it. */
struct catalog *qworker_take_catalog(struct qworker *w);

#endif

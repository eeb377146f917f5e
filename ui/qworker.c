/*
 * qworker.c - see qworker.h.
 */
#include "qworker.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handoff.h"
#include "util.h"

struct qworker {
	pthread_t              thread;
	pthread_mutex_t        lock;	/* guards job, stop, and the engine
					 * pointer for cancel */
	pthread_cond_t         wake;
	char                  *job;	/* SQL waiting to run */
	int                    stop;
	struct handoff         done;	/* finished qresult, not yet taken */
	struct handoff         catalog;	/* catalog read, not yet taken */
	int                    catalog_read;	/* worker thread only */
	char                  *db_path;
	int                    wake_fd;
	struct query_engine   *engine;	/* worker thread; NULL until open */
	atomic_int             cancel;	/* watched by query_run */
	atomic_int             running;
	atomic_llong           rows;	/* returned so far */
	atomic_llong           scanned;	/* full-scan steps so far */
	_Atomic double         started;	/* now_monotonic() at start */
	sqlite3_stmt          *current;	/* statement being stepped (worker) */
	int64_t                scanned_before;	/* earlier statements (worker) */
	struct qresult        *building;	/* worker */
	int64_t                cap;		/* rows allocated in building */
};

static void reset_building(struct qresult *r);

void
qresult_free(struct qresult *r)
{
	if (r == NULL)
		return;
	reset_building(r);
	free(r->sql);
	free(r->error);
	free(r);
}

void
catalog_free(struct catalog *c)
{
	int i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->ntables; i++) {
		for (j = 0; j < c->tables[i].ncols; j++) {
			free(c->tables[i].cols[j]);
			free(c->tables[i].types[j]);
		}
		free(c->tables[i].cols);
		free(c->tables[i].types);
		free(c->tables[i].name);
	}
	free(c->tables);
	free(c);
}

static void
wake_ui(struct qworker *w)
{
	char byte = 'q';

	if (write(w->wake_fd, &byte, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
}

/* Drop the result set built so far (a later statement has columns). */
static void
reset_building(struct qresult *r)
{
	int64_t i;

	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	for (i = 0; i < r->ncols; i++)
		free(r->colnames[i]);
	free(r->cells);
	free(r->kinds);
	free(r->colnames);
	r->cells = NULL;
	r->kinds = NULL;
	r->colnames = NULL;
	r->ncols = 0;
	r->nrows = r->total_rows = 0;
}

static int
sink_begin(void *arg, sqlite3_stmt *st)
{
	struct qworker *w = arg;
	struct qresult *r = w->building;
	int i;

	reset_building(r);
	w->cap = 0;
	w->current = st;
	r->ncols = sqlite3_column_count(st);
	r->colnames = xcalloc((size_t)r->ncols + 1, sizeof *r->colnames);
	for (i = 0; i < r->ncols; i++) {
		const char *name = sqlite3_column_name(st, i);

		r->colnames[i] = xstrdup(name ? name : "?");
	}
	return 0;
}

static int
sink_row(void *arg, sqlite3_stmt *st)
{
	struct qworker *w = arg;
	struct qresult *r = w->building;
	int i;

	r->total_rows++;
	atomic_store(&w->rows, r->total_rows);
	if (r->nrows >= QRESULT_MAX_ROWS)
		return 0;
	if (r->nrows == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		r->cells = xrealloc(r->cells, (size_t)(w->cap * r->ncols + 1) *
		    sizeof *r->cells);
		r->kinds = xrealloc(r->kinds, (size_t)(w->cap * r->ncols + 1));
	}
	for (i = 0; i < r->ncols; i++) {
		int64_t at = r->nrows * r->ncols + i;
		const unsigned char *text;

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			r->kinds[at] = QCELL_NULL;
			r->cells[at] = NULL;
			continue;
		case SQLITE_INTEGER: r->kinds[at] = QCELL_INT; break;
		case SQLITE_FLOAT: r->kinds[at] = QCELL_REAL; break;
		default: r->kinds[at] = QCELL_TEXT; break;
		}
		text = sqlite3_column_text(st, i);
		r->cells[at] = xstrdup(text ? (const char *)text : "");
	}
	r->nrows++;
	return 0;
}

static void
sink_end(void *arg)
{
	struct qworker *w = arg;

	if (w->current)
		w->scanned_before += sqlite3_stmt_status(w->current,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
	w->current = NULL;
}

/* Replaces query.c's handler: same cancel test, plus live progress. */
static int
on_progress(void *arg)
{
	struct qworker *w = arg;

	if (w->current)
		atomic_store(&w->scanned, w->scanned_before +
		    sqlite3_stmt_status(w->current,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0));
	return atomic_load(&w->cancel) != 0;
}

static struct catalog *
read_catalog(sqlite3 *db)
{
	struct catalog *c = xcalloc(1, sizeof *c);
	sqlite3_stmt *st, *cols;

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE "
	    "type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name = "
	    "'flow_logs' DESC, name", -1, &st, NULL) != SQLITE_OK)
		return c;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		struct catalog_table *t;
		char *sql;

		c->tables = xrealloc(c->tables, (size_t)(c->ntables + 1) *
		    sizeof *c->tables);
		t = &c->tables[c->ntables++];
		memset(t, 0, sizeof *t);
		t->name = xstrdup(name ? name : "?");
		sql = xasprintf("PRAGMA table_info(\"%s\")", t->name);
		if (sqlite3_prepare_v2(db, sql, -1, &cols, NULL) == SQLITE_OK) {
			while (sqlite3_step(cols) == SQLITE_ROW) {
				const unsigned char *cn, *ct;

				cn = sqlite3_column_text(cols, 1);
				ct = sqlite3_column_text(cols, 2);
				t->cols = xrealloc(t->cols, (size_t)(t->ncols +
				    1) * sizeof *t->cols);
				t->types = xrealloc(t->types, (size_t)(t->ncols +
				    1) * sizeof *t->types);
				t->cols[t->ncols] = xstrdup(cn ?
				    (const char *)cn : "?");
				t->types[t->ncols++] = xstrdup(ct && *ct ?
				    (const char *)ct : "ANY");
			}
			sqlite3_finalize(cols);
		}
		free(sql);
	}
	sqlite3_finalize(st);
	return c;
}

/* Open the engine if needed; NULL on success or an error message. */
static char *
ensure_engine(struct qworker *w)
{
	struct query_engine *q;
	char *err = NULL;

	if (w->engine)
		return NULL;
	if (query_open(&q, w->db_path, &err) < 0)
		return err;
	query_watch_flag(q, &w->cancel);
	sqlite3_progress_handler(query_db(q), 1000, on_progress, w);
	struct catalog *c = w->catalog_read ? NULL : read_catalog(query_db(q));

	pthread_mutex_lock(&w->lock);
	w->engine = q;
	pthread_mutex_unlock(&w->lock);
	if (c) {
		catalog_free(handoff_put(&w->catalog, c));
		w->catalog_read = 1;
	}
	wake_ui(w);
	return NULL;
}

static void
locate_error(struct qresult *r)
{
	const char *at = r->error ? strstr(r->error, "at line ") : NULL;

	if (at == NULL || sscanf(at, "at line %d, column %d", &r->error_line,
	    &r->error_column) != 2)
		r->error_line = r->error_column = 0;
}

static void
run_job(struct qworker *w, char *sql)
{
	struct qresult *r = xcalloc(1, sizeof *r);
	struct query_sink sink = { w, sink_begin, sink_row, sink_end };
	char *err;

	r->sql = sql;
	w->building = r;
	w->current = NULL;
	w->scanned_before = 0;
	err = ensure_engine(w);
	if (err) {
		r->status = QUERY_ERROR;
		r->error = err;
	} else {
		r->status = query_run(w->engine, sql, &sink, &r->stats,
		    &r->error);
		locate_error(r);
	}
	w->building = NULL;
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->running, 0);
	pthread_mutex_unlock(&w->lock);
	/* The UI submits nothing until it has taken this result. */
	qresult_free(handoff_put(&w->done, r));
	wake_ui(w);
}

static void *
worker_main(void *arg)
{
	struct qworker *w = arg;

	thread_set_name("fl-query");
	thread_lower_priority(5);	/* below the UI thread (tui.c) */

	/* Read the catalog early, so completion and the sidebar work
	 * before the first query; retried with each query otherwise. */
	free(ensure_engine(w));
	for (;;) {
		char *sql;

		pthread_mutex_lock(&w->lock);
		while (!w->stop && w->job == NULL) {
			struct timespec until;

			if (w->engine) {
				pthread_cond_wait(&w->wake, &w->lock);
				continue;
			}
			/* No store yet (an ingest may be creating it): retry
			 * each second so the catalog and completion appear
			 * without waiting for a first query. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec++;
			if (pthread_cond_timedwait(&w->wake, &w->lock,
			    &until) != 0 && w->job == NULL && !w->stop) {
				pthread_mutex_unlock(&w->lock);
				free(ensure_engine(w));
				pthread_mutex_lock(&w->lock);
			}
		}
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		sql = w->job;
		w->job = NULL;
		pthread_mutex_unlock(&w->lock);
		run_job(w, sql);
	}
	pthread_mutex_lock(&w->lock);
	query_close(w->engine);
	w->engine = NULL;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct qworker *
qworker_start(const char *db_path, int wake_fd)
{
	struct qworker *w = xcalloc(1, sizeof *w);

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	handoff_init(&w->done);
	handoff_init(&w->catalog);
	w->db_path = xstrdup(db_path);
	w->wake_fd = wake_fd;
	xthread_start(&w->thread, worker_main, w, "query");
	return w;
}

void
qworker_stop(struct qworker *w)
{
	qworker_cancel(w);
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	qresult_free(handoff_take(&w->done));
	catalog_free(handoff_take(&w->catalog));
	handoff_destroy(&w->done);
	handoff_destroy(&w->catalog);
	free(w->job);
	free(w->db_path);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}

int
qworker_submit(struct qworker *w, const char *sql)
{
	pthread_mutex_lock(&w->lock);
	if (atomic_load(&w->running) || w->job) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	atomic_store(&w->cancel, 0);
	w->job = xstrdup(sql);
	atomic_store(&w->rows, 0);
	atomic_store(&w->scanned, 0);
	atomic_store(&w->started, now_monotonic());
	atomic_store(&w->running, 1);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void
qworker_cancel(struct qworker *w)
{
	pthread_mutex_lock(&w->lock);
	if (atomic_load(&w->running)) {
		atomic_store(&w->cancel, 1);
		if (w->engine)
			query_cancel(w->engine);
	}
	pthread_mutex_unlock(&w->lock);
}

int
qworker_progress(struct qworker *w, double *elapsed, int64_t *rows,
    int64_t *scanned)
{
	*elapsed = now_monotonic() - atomic_load(&w->started);
	*rows = atomic_load(&w->rows);
	*scanned = atomic_load(&w->scanned);
	return atomic_load(&w->running);
}

struct qresult *
qworker_take(struct qworker *w)
{
	return handoff_take(&w->done);
}

struct catalog *
qworker_take_catalog(struct qworker *w)
{
	return handoff_take(&w->catalog);
}

/*
 * snapshot.c - see snapshot.h.
 *
 * All queries of one snapshot run inside one read transaction, so every
 * panel of a frame describes the same committed state of the store.
 */
#include "snapshot.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "filter.h"
#include "handoff.h"
#include "sqlfn.h"
#include "util.h"

/* Previous record count of a source, to turn counts into rates. */
struct rate_memory {
	int64_t id;
	int64_t records;
	double  at;
};

struct snap_worker {
	pthread_t          thread;
	pthread_mutex_t    lock;	/* guards params, changed, stop */
	pthread_cond_t     wake;
	struct snap_params params;
	int                changed;
	int                stop;
	struct handoff     latest;	/* published snapshot, not yet taken */
	uint64_t           generation;	/* worker thread only */
	char              *db_path;
	int                refresh_ms;
	int                wake_fd;
	sqlite3           *db;		/* worker thread only */
	struct snap_params full_params;	/* of the last complete snapshot */
	int                have_full;
	struct rate_memory rates[SNAP_SOURCES];
	int                nrates;
};

/* One query's SQL with the filter and range spliced in, run row by row. */
typedef void (*row_fn)(sqlite3_stmt *st, void *arg);

static int
run_rows(sqlite3 *db, const char *sql, int64_t a, int64_t b, row_fn fn,
    void *arg, char *status, size_t status_len)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(status, status_len, "panel query failed: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(st, arg);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(status, status_len, "panel query failed: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
open_store(struct snap_worker *w, struct snapshot *s)
{
	sqlite3_stmt *st;
	int found = 0;

	if (w->db == NULL) {
		if (access(w->db_path, F_OK) != 0) {
			snprintf(s->status, sizeof s->status, "waiting for the "
			    "store %s (nothing ingested yet)", w->db_path);
			return -1;
		}
		if (sqlite3_open_v2(w->db_path, &w->db, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			snprintf(s->status, sizeof s->status, "cannot open %s: "
			    "%s", w->db_path, sqlite3_errmsg(w->db));
			sqlite3_close(w->db);
			w->db = NULL;
			return -1;
		}
		sqlite3_busy_timeout(w->db, 2000);
		sqlfn_register(w->db);
	}
	if (sqlite3_prepare_v2(w->db, "SELECT 1 FROM sqlite_schema WHERE "
	    "name = 'flow_metrics'", -1, &st, NULL) == SQLITE_OK) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	if (!found) {
		snprintf(s->status, sizeof s->status, "%s is not a flowlens "
		    "store yet (no flow_metrics table)", w->db_path);
		return -1;
	}
	return 0;
}

static void
read_int(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(st, 0);
}

static void
read_totals(sqlite3_stmt *st, void *arg)
{
	struct snapshot *s = arg;

	s->flows = sqlite3_column_int64(st, 0);
	s->packets = sqlite3_column_int64(st, 1);
	s->bytes = sqlite3_column_int64(st, 2);
	s->accepted_flows = sqlite3_column_int64(st, 3);
	s->rejected_flows = sqlite3_column_int64(st, 4);
}

struct top_arg {
	struct snap_row *rows;
	int             *n;
};

static void
read_top(sqlite3_stmt *st, void *arg)
{
	struct top_arg *t = arg;
	struct snap_row *r;
	const unsigned char *key = sqlite3_column_text(st, 0);

	if (*t->n >= SNAP_TOP)
		return;
	r = &t->rows[(*t->n)++];
	snprintf(r->key, sizeof r->key, "%s", key ? (const char *)key : "-");
	r->flows = sqlite3_column_int64(st, 1);
	r->packets = sqlite3_column_int64(st, 2);
}

static void
read_protocol_total(sqlite3_stmt *st, void *arg)
{
	struct snapshot *s = arg;
	struct snap_series *p;
	const unsigned char *name = sqlite3_column_text(st, 2);

	if (s->nproto >= SNAP_PROTOS)
		return;
	p = &s->proto[s->nproto++];
	p->protocol = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 0);
	p->total = sqlite3_column_int64(st, 1);
	snprintf(p->name, sizeof p->name, "%s", name ? (const char *)name :
	    "none");
}

static void
add_to_series(struct snap_series *ser, int slot, int64_t v)
{
	ser->values[slot] += v;
}

static void
read_series_cell(sqlite3_stmt *st, void *arg)
{
	struct snapshot *s = arg;
	int64_t w = sqlite3_column_int64(st, 0);
	int proto = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(st, 1);
	int64_t v = sqlite3_column_int64(st, 2);
	int64_t idx = (w - s->last_window) / s->params.window +
	    (SNAP_SERIES_LEN - 1);
	int i;

	if (idx < 0 || idx >= SNAP_SERIES_LEN)
		return;
	if (proto == 6)
		add_to_series(&s->tcp, (int)idx, v);
	add_to_series(&s->all_rejected, (int)idx, v);
	for (i = 0; i < s->nproto; i++)
		if (s->proto[i].protocol == proto)
			add_to_series(&s->proto[i], (int)idx, v);
}

/*
 * Slide a series so values[0..count) holds the windows that lie in the
 * range (oldest first) and compute current/min/max.
 */
static void
finish_series(struct snap_series *ser, int count)
{
	int i, off = SNAP_SERIES_LEN - count;

	memmove(ser->values, ser->values + off,
	    (size_t)count * sizeof ser->values[0]);
	ser->count = count;
	ser->current = count ? ser->values[count - 1] : 0;
	ser->min = ser->max = ser->current;
	for (i = 0; i < count; i++) {
		if (ser->values[i] < ser->min)
			ser->min = ser->values[i];
		if (ser->values[i] > ser->max)
			ser->max = ser->values[i];
	}
}

static void
read_source(sqlite3_stmt *st, void *arg)
{
	struct snapshot *s = arg;
	struct snap_source *src;
	const unsigned char *t;

	if (s->nsources >= SNAP_SOURCES)
		return;
	src = &s->sources[s->nsources++];
	memset(src, 0, sizeof *src);
	src->id = sqlite3_column_int64(st, 0);
	t = sqlite3_column_text(st, 1);
	snprintf(src->source, sizeof src->source, "%s", t ? (const char *)t :
	    "");
	t = sqlite3_column_text(st, 2);
	snprintf(src->kind, sizeof src->kind, "%s", t ? (const char *)t : "");
	src->records = sqlite3_column_int64(st, 3);
	src->errors = sqlite3_column_int64(st, 4);
	src->updated_at = sqlite3_column_int64(st, 5);
	src->newest_start = sqlite3_column_int64(st, 6);
}

/* Does table have a column of that name? */
static int
has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int have = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) "
	    "WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return have;
}

static void
read_last_error(sqlite3_stmt *st, void *arg)
{
	struct snap_source *src = arg;
	const unsigned char *loc = sqlite3_column_text(st, 0);
	const unsigned char *why = sqlite3_column_text(st, 1);

	snprintf(src->last_error, sizeof src->last_error, "%s: %s",
	    loc ? (const char *)loc : "?", why ? (const char *)why : "?");
}

/* Records/s of each source since the previous snapshot. */
static void
update_rates(struct snap_worker *w, struct snapshot *s)
{
	double now = now_monotonic();
	struct rate_memory next[SNAP_SOURCES];
	int i, j;

	for (i = 0; i < s->nsources; i++) {
		struct snap_source *src = &s->sources[i];

		for (j = 0; j < w->nrates; j++)
			if (w->rates[j].id == src->id && now > w->rates[j].at)
				src->rate = (double)(src->records -
				    w->rates[j].records) / (now - w->rates[j].at);
		next[i].id = src->id;
		next[i].records = src->records;
		next[i].at = now;
	}
	memcpy(w->rates, next, sizeof next);
	w->nrates = s->nsources;
}

/* The SQL pieces that differ between flow_metrics and flow_logs. */
struct table_sql {
	const char *from;	/* table and fixed condition */
	const char *time;	/* time column */
	const char *flows;	/* expression counting flows */
};

static const struct table_sql metrics_sql = {
	"flow_metrics WHERE window_seconds = 60 AND ", "window_start", "flows"
};
static const struct table_sql logs_sql = {
	"flow_logs WHERE ", "start", "1"
};

static void
publish(struct snap_worker *w, struct snapshot *s)
{
	char byte = 's';

	s->generation = ++w->generation;
	free(handoff_put(&w->latest, s));
	if (write(w->wake_fd, &byte, 1) < 0) {
		/* a full pipe already holds a wake-up: nothing lost */
	}
}

static int
build(struct snap_worker *w, struct snapshot *s)
{
	struct time_range range;
	struct filter f;
	const struct table_sql *t;
	char *err = NULL, *sql;
	struct top_arg top;
	int64_t first, newest = 0;
	int rc = 0, i, count;
	const int64_t W = s->params.window;

	if (range_parse(s->params.range, &range, &err) < 0 ||
	    filter_parse(s->params.filter, &f, &err) < 0) {
		snprintf(s->status, sizeof s->status, "%s", err);
		free(err);
		return -1;
	}
	range_bounds(&range, s->now, &s->lo, &s->hi);
	t = f.metric_ok ? &metrics_sql : &logs_sql;
	sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL);

	rc |= run_rows(w->db, "SELECT max(start) FROM flow_logs", 0, 0,
	    read_int, &s->newest_start, s->status, sizeof s->status);
	sql = xasprintf("SELECT max(start) FROM flow_logs WHERE start >= ?1 "
	    "AND start < ?2");
	rc |= run_rows(w->db, sql, s->lo, s->hi, read_int, &newest,
	    s->status, sizeof s->status);
	free(sql);
	s->last_window = newest - newest % W;

	sql = xasprintf("SELECT coalesce(sum(%s), 0), coalesce(sum(packets), "
	    "0), coalesce(sum(bytes), 0), coalesce(sum(CASE WHEN action = "
	    "'ACCEPT' THEN %s END), 0), coalesce(sum(CASE WHEN action = "
	    "'REJECT' THEN %s END), 0) FROM %s %s >= ?1 AND %s < ?2 AND (%s)",
	    t->flows, t->flows, t->flows, t->from, t->time, t->time, f.sql);
	rc |= run_rows(w->db, sql, s->lo, s->hi, read_totals, s, s->status,
	    sizeof s->status);
	free(sql);

	sql = xasprintf("SELECT protocol, coalesce(sum(packets), 0), "
	    "protocol_name(nullif(protocol, -1)) FROM %s action = 'REJECT' "
	    "AND %s >= ?1 AND %s < ?2 AND (%s) GROUP BY protocol "
	    "ORDER BY 2 DESC, 1 LIMIT %d", t->from, t->time, t->time, f.sql,
	    SNAP_PROTOS);
	rc |= run_rows(w->db, sql, s->lo, s->hi, read_protocol_total, s,
	    s->status, sizeof s->status);
	free(sql);
	for (i = 0; i < s->nproto; i++)
		if (s->proto[i].protocol == 6)
			s->tcp.total = s->proto[i].total;
	snprintf(s->tcp.name, sizeof s->tcp.name, "TCP");
	s->tcp.protocol = 6;
	snprintf(s->all_rejected.name, sizeof s->all_rejected.name, "all");

	/* Per-window series: the SNAP_SERIES_LEN windows ending at the
	 * newest record in range, cut at the range start. */
	first = s->last_window - (int64_t)(SNAP_SERIES_LEN - 1) * W;
	if (first < s->lo - s->lo % W)
		first = s->lo - s->lo % W;
	count = newest ? (int)((s->last_window - first) / W) + 1 : 0;
	sql = xasprintf("SELECT %s - %s %% %lld, protocol, "
	    "coalesce(sum(packets), 0) FROM %s action = 'REJECT' AND "
	    "%s >= max(?1, %lld) AND %s < ?2 AND (%s) GROUP BY 1, 2",
	    t->time, t->time, (long long)W, t->from, t->time,
	    (long long)first, t->time, f.sql);
	if (count > 0)
		rc |= run_rows(w->db, sql, s->lo, s->hi, read_series_cell, s,
		    s->status, sizeof s->status);
	free(sql);
	finish_series(&s->tcp, count);
	finish_series(&s->all_rejected, count);
	for (i = 0; i < s->nproto; i++)
		finish_series(&s->proto[i], count);

	/* newest_start: a store written only by an older flowlens lacks it
	 * until a writer opens the store again. */
	sql = xasprintf("SELECT id, source, kind, records, errors, updated_at, "
	    "%s FROM ingest_state ORDER BY updated_at DESC, id DESC LIMIT 8",
	    has_column(w->db, "ingest_state", "newest_start") ?
	    "coalesce(newest_start, 0)" : "0");
	rc |= run_rows(w->db, sql, 0, 0, read_source, s, s->status,
	    sizeof s->status);
	free(sql);
	for (i = 0; i < s->nsources; i++)
		if (s->sources[i].errors > 0)
			rc |= run_rows(w->db, "SELECT location, reason FROM "
			    "ingest_errors WHERE origin = ?1 ORDER BY id DESC "
			    "LIMIT 1", s->sources[i].id, 0, read_last_error,
			    &s->sources[i], s->status, sizeof s->status);
	update_rates(w, s);
	/* The top lists scan the REJECT index over the whole range: on a
	 * large store with new parameters, show everything else first. */
	if (rc == 0 && (!w->have_full ||
	    memcmp(&w->full_params, &s->params, sizeof s->params) != 0)) {
		struct snapshot *early = xmalloc(sizeof *early);

		*early = *s;
		early->ok = 1;
		early->tops_pending = 1;
		publish(w, early);
	}
	{
		static const char *const cols[] = { "srcaddr", "dstaddr",
		    "dstport" };
		struct snap_row *rows[] = { s->top_src, s->top_dst,
		    s->top_port };
		int *ns[] = { &s->ntop_src, &s->ntop_dst, &s->ntop_port };

		for (i = 0; i < 3; i++) {
			sql = xasprintf("SELECT %s, count(*), "
			    "coalesce(sum(packets), 0) FROM flow_logs WHERE "
			    "action = 'REJECT' AND start >= ?1 AND start < ?2 "
			    "AND (%s) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %d",
			    cols[i], f.sql, SNAP_TOP);
			top.rows = rows[i];
			top.n = ns[i];
			rc |= run_rows(w->db, sql, s->lo, s->hi, read_top, &top,
			    s->status, sizeof s->status);
			free(sql);
		}
	}

	sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
	filter_free(&f);
	if (rc == 0) {
		w->full_params = s->params;
		w->have_full = 1;
	}
	return rc ? -1 : 0;
}

static void *
worker_main(void *arg)
{
	struct snap_worker *w = arg;

	thread_set_name("fl-snapshot");
	thread_lower_priority(5);	/* below the UI thread (tui.c) */

	for (;;) {
		struct snapshot *s = xcalloc(1, sizeof *s);
		double t0 = now_monotonic();
		struct timespec until;

		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			free(s);
			break;
		}
		s->params = w->params;
		w->changed = 0;
		pthread_mutex_unlock(&w->lock);
		s->now = now_epoch();
		if (open_store(w, s) == 0 && build(w, s) == 0)
			s->ok = 1;
		s->build_ms = (now_monotonic() - t0) * 1000;
		publish(w, s);

		/* Sleep the refresh period after the work, not on a fixed
		 * beat: a slow store then costs at most half a core. */
		until = deadline_after_ms(w->refresh_ms);
		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->changed &&
		    pthread_cond_timedwait(&w->wake, &w->lock, &until) == 0)
			;
		pthread_mutex_unlock(&w->lock);
	}
	sqlite3_close(w->db);
	return NULL;
}

struct snap_worker *
snap_start(const char *db_path, const struct snap_params *params,
    int refresh_ms, int wake_fd)
{
	struct snap_worker *w = xcalloc(1, sizeof *w);

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	handoff_init(&w->latest);
	w->params = *params;
	w->db_path = xstrdup(db_path);
	w->refresh_ms = refresh_ms;
	w->wake_fd = wake_fd;
	xthread_start(&w->thread, worker_main, w, "snapshot");
	return w;
}

void
snap_set_params(struct snap_worker *w, const struct snap_params *p)
{
	pthread_mutex_lock(&w->lock);
	w->params = *p;
	w->changed = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

struct snapshot *
snap_take(struct snap_worker *w)
{
	return handoff_take(&w->latest);
}

void
snap_stop(struct snap_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	free(handoff_take(&w->latest));
	handoff_destroy(&w->latest);
	free(w->db_path);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}

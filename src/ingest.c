/*
 * ingest.c - see ingest.h.
 */
#include "ingest.h"
#include "ingest_source.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "aws.h"
#include "cwlogs.h"
#include "envelope.h"
#include "firehose.h"
#include "format.h"
#include "gen.h"
#include "input.h"
#include "parse.h"
#include "s3src.h"
#include "store.h"
#include "upload.h"
#include "util.h"
#include "writer.h"

/* A batch is handed to the writer at the first unit end past either limit. */
#define BATCH_RECORDS 8192
#define BATCH_BYTES (4 * 1024 * 1024)
/* ...or when it has waited this long (live sources). */
#define BATCH_MAX_AGE 1.0
/* Bytes of a file that identify it (see ingest.h). */
#define FINGERPRINT_BYTES 4096

struct ingest {
	const struct ingest_options *opt;
	struct store          *store;		/* the writer's connection */
	struct store          *ctl;		/* checkpoints: ingest_source_state */
	pthread_mutex_t        lock;		/* ctl, fatal, sum, progress */
	struct writer         *writer;
	struct flow_format     user_format;	/* --log-format or v2 default */
	struct ingest_summary *sum;
	double                 started;
	double                 next_progress;
	_Atomic int64_t        parsed;		/* records parsed so far */
	_Atomic int64_t        bytes;		/* decoded bytes so far */
	atomic_int             failing;		/* fatal is set */
	char                  *fatal;		/* first fatal error */
};

/* Source kinds with a prefix; anything else is a path.  Live kinds run on
 * threads of their own. */
static int ingest_demo(struct ingest *ing, const char *spec);
static int check_demo(const char *spec, char **err);

static const struct source_kind source_kinds[] = {
	{ "demo:", 1, ingest_demo, check_demo },
	{ "cwlogs:", 1, cwlogs_run, cwlogs_check },
	{ "s3://", 1, s3src_run, s3src_check },
	{ "firehose:", 1, firehose_run, firehose_check },
};

static const struct flow_format *
active_format(const struct source_ctx *sc)
{
	return sc->have_header ? &sc->header : &sc->ing->user_format;
}

/* The progress line, at most every 0.25 s; now is now_monotonic(). */
static void
show_progress(struct ingest *ing, double now, int final)
{
	struct writer_stats ws;
	double elapsed = now - ing->started;

	if (!ing->opt->progress)
		return;
	if (pthread_mutex_trylock(&ing->lock) != 0)
		return;		/* another source is drawing it */
	if (!final && now < ing->next_progress) {
		pthread_mutex_unlock(&ing->lock);
		return;
	}
	ing->next_progress = now + 0.25;
	writer_stats(ing->writer, &ws);
	if (final)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\r\033[K  %lld records stored, %.0f records/s, "
		    "%.1f MB read, %lld rejected", (long long)ws.records,
		    elapsed > 0 ? (double)atomic_load(&ing->parsed) / elapsed :
		    0.0, (double)atomic_load(&ing->bytes) / 1e6,
		    (long long)ws.rejected);
	fflush(stderr);
	pthread_mutex_unlock(&ing->lock);
}

/* The source's name for error locations (see source_ctx.describe). */
static const char *
display_name(const struct source_ctx *sc, char *buf, size_t cap)
{
	if (sc->describe == NULL)
		return sc->display;
	sc->describe(sc->describe_arg, buf, cap);
	return buf;
}

static void
location_text(const struct source_ctx *sc, const struct unit_loc *loc,
    char *out, size_t cap)
{
	char name[448];
	int n = snprintf(out, cap, "%s:%lld",
	    display_name(sc, name, sizeof name), (long long)loc->line);

	if (n < 0 || (size_t)n >= cap)
		return;
	if (loc->kind == ENVELOPE_CLOUDWATCH && loc->event > 0)
		n += snprintf(out + n, cap - (size_t)n, " event %lld%s%.100s%s",
		    (long long)loc->event, loc->stream ? " (stream " : "",
		    loc->stream ? loc->stream : "", loc->stream ? ")" : "");
	if (n >= 0 && (size_t)n < cap && loc->part > 0)
		snprintf(out + n, cap - (size_t)n, " message line %lld",
		    (long long)loc->part);
}

/*
 * One line of a source: a record, a header, a blank line, or else an error
 * row.  With hold_bad, a line that would be an error row is left unread
 * instead (see on_tail): nothing is recorded and 0 is returned.  Returns 1
 * when the line was taken.
 */
static int
take_line(struct source_ctx *sc, const char *line, size_t len,
    const struct unit_loc *loc, int hold_bad)
{
	char reason[512], where[512];

	if (sc->discard)
		return 1;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (parse_is_blank(line, len)) {
		sc->batch->skipped++;
		return 1;
	}
	if (format_is_header(line, len)) {
		struct flow_format f;

		if (format_from_header(line, len, &f)) {
			if (sc->have_header)
				format_free(&sc->header);
			sc->header = f;
			sc->have_header = 1;
			sc->batch->skipped++;
			return 1;
		}
	}
	if (parse_line(active_format(sc), line, len, &sc->rec, reason,
	    sizeof reason) == 0) {
		batch_add_record(sc->batch, &sc->rec);
		sc->uncounted++;
		return 1;
	}
	location_text(sc, loc, where, sizeof where);
	if (hold_bad) {
		fprintf(stderr, "flowlens: %s: the last line has no newline and "
		    "is not a whole record (%s); left unread: the next run "
		    "reads it again once the file has grown\n", where, reason);
		return 0;
	}
	batch_add_error(sc->batch, where, reason,
	    loc->kind == ENVELOPE_FIREHOSE ? loc->raw : line,
	    loc->kind == ENVELOPE_FIREHOSE ? loc->raw_len : len);
	return 1;
}

static void
on_line(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	(void)take_line(ctx, line, len, loc, 0);
}

/*
 * envelope_sink.tail of a regular file: its last line has no newline, so
 * the file may still be being written.  A whole record (or a blank or
 * header line) is taken as on_line() would; anything else is left unread
 * - the checkpoint stays at its first byte and the next run reads it whole
 * once the file has grown - rather than stored as half a line now and the
 * rest as a second error later, the record lost.
 */
static int
on_tail(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	return take_line(ctx, line, len, loc, 1);
}

static void
on_reject(void *ctx, const struct unit_loc *loc, const char *reason,
    const char *raw, size_t raw_len)
{
	struct source_ctx *sc = ctx;
	char where[512];

	if (sc->discard)
		return;
	location_text(sc, loc, where, sizeof where);
	batch_add_error(sc->batch, where, reason, raw, raw_len);
}

static void
on_skip(void *ctx, const struct unit_loc *loc)
{
	struct source_ctx *sc = ctx;

	(void)loc;
	if (!sc->discard)
		sc->batch->skipped++;
}

/* Hand the current batch, with checkpoint, to the writer. */
static int
flush_batch(struct source_ctx *sc, int64_t offset, int64_t line, int final)
{
	struct ingest *ing = sc->ing;
	struct batch *b = sc->batch;
	char *err = NULL;

	b->origin = sc->origin;
	b->cp.source_id = sc->origin;
	b->cp.offset = offset;
	b->cp.line = line;
	/* raw_size marks "read to the end"; only the final batch may say so. */
	b->cp.raw_size = final ? sc->raw_size_at_end : 0;
	if (sc->cursor)
		b->cp.cursor = xstrdup(sc->cursor);
	else
		b->cp.cursor = sc->have_header ? xstrdup(sc->header.spec) : NULL;
	b->on_commit = sc->on_commit;
	b->on_commit_arg = sc->on_commit_arg;
	b->on_written = sc->on_written;
	sc->batch = writer_batch(ing->writer);
	sc->batch_started = now_monotonic();
	if (writer_submit(ing->writer, b, sc->label, &err) < 0) {
		ingest_fail(ing, err);
		return -1;
	}
	return 0;
}

int
source_flush(struct source_ctx *sc)
{
	return flush_batch(sc, sc->last_offset, sc->last_line, 0);
}

/*
 * Add what the source read and parsed since the last call to the run's
 * totals.  They are shared with the progress display, and atomic: once
 * every 64 units, not twice a line.
 */
static void
count_progress(struct source_ctx *sc)
{
	atomic_fetch_add_explicit(&sc->ing->bytes,
	    sc->last_offset - sc->counted_offset, memory_order_relaxed);
	atomic_fetch_add_explicit(&sc->ing->parsed, sc->uncounted,
	    memory_order_relaxed);
	sc->counted_offset = sc->last_offset;
	sc->uncounted = 0;
}

static int
on_unit_end(void *ctx, int64_t offset, int64_t line)
{
	struct source_ctx *sc = ctx;
	struct ingest *ing = sc->ing;
	struct batch *b = sc->batch;

	double now = 0;
	/* The clock is read every 64 units: at full speed, reading it per
	 * line cost more than the metrics. */
	int tick = (++sc->units & 63) == 0;
	size_t max_records = sc->max_records ? sc->max_records : BATCH_RECORDS;
	size_t max_bytes = sc->max_bytes ? sc->max_bytes : BATCH_BYTES;
	double max_age = sc->max_age > 0 ? sc->max_age : BATCH_MAX_AGE;

	if (sc->discard)
		return 1;

	sc->last_offset = offset;
	sc->last_line = line;
	if (tick) {
		now = now_monotonic();
		count_progress(sc);
	}
	if (b->nrecords >= max_records || batch_bytes(b) >= max_bytes ||
	    (tick && (b->nrecords || b->nerrors) &&
	    now - sc->batch_started > max_age)) {
		if (flush_batch(sc, offset, line, 0) < 0)
			return 1;
	}
	if (tick)
		show_progress(ing, now, 0);
	return ingest_stopping(ing);
}


void
source_begin(struct source_ctx *sc, struct ingest *ing, const char *label,
    const char *display, int64_t origin)
{
	memset(sc, 0, sizeof *sc);
	sc->ing = ing;
	sc->label = label;
	sc->display = display;
	sc->origin = origin;
	sc->sink = (struct envelope_sink){ sc, on_line, on_reject, on_skip,
	    on_unit_end, NULL };
	sc->batch = writer_batch(ing->writer);
	sc->batch_started = now_monotonic();
}

void
source_resume(struct source_ctx *sc, int64_t offset, int64_t line)
{
	sc->last_offset = sc->counted_offset = offset;
	sc->last_line = line;
}

int
source_end(struct source_ctx *sc)
{
	int rc = flush_batch(sc, sc->last_offset, sc->last_line, 1);

	count_progress(sc);
	writer_release(sc->ing->writer, sc->batch);
	sc->batch = NULL;
	if (sc->have_header)
		format_free(&sc->header);
	record_free(&sc->rec);
	return rc;
}

static void
fingerprint(const unsigned char *p, size_t n, char out[40])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 40, "fnv1a64:%016llx", (unsigned long long)h);
}

static long
read_input(void *src, void *buf, size_t cap, char **err)
{
	return (long)input_read(src, buf, cap, err);
}

/* A file read with --follow: at its end, wait for it to grow. */
struct tail {
	struct input      *in;
	struct source_ctx *sc;
	const char        *path;	/* to notice rotation */
	int                fd;
	int                stopped;	/* ended by stop, mid-unit maybe */
	int                rotated;	/* path now names another file */
};

/* 1 if `path` no longer names the open file, or the file shrank. */
static int
tail_rotated(const struct tail *t)
{
	struct stat a, b;

	if (fstat(t->fd, &a) < 0 || stat(t->path, &b) < 0)
		return 1;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev ||
	    (int64_t)a.st_size < input_raw_bytes(t->in);
}

/*
 * read_input for --follow: never reports the end of a plain file while the
 * ingest runs; it commits what was read (so records are visible within a
 * second), then polls.  Stopping ends the read with an error, so a partial
 * last line is not taken for a whole one; rotation ends it normally.
 */
static long
read_tail(void *src, void *buf, size_t cap, char **err)
{
	struct tail *t = src;
	struct batch *b;

	for (;;) {
		long n = (long)input_read(t->in, buf, cap, err);

		if (n != 0)
			return n;
		b = t->sc->batch;
		if ((b->nrecords || b->nerrors || b->skipped) &&
		    source_flush(t->sc) < 0)
			return 0;
		if (tail_rotated(t)) {
			t->rotated = 1;
			return 0;
		}
		if (ingest_sleep(t->sc->ing, 0.25)) {
			/* What the envelope still holds is a partial unit. */
			t->sc->discard = 1;
			t->stopped = 1;
			*err = xstrdup("stopped");
			return -1;
		}
	}
}

/* Record a stream failure (bad gzip, read error) as a rejected unit. */
static void
reject_stream(struct source_ctx *sc, int64_t line, const char *what)
{
	char where[512], name[448];

	snprintf(where, sizeof where, "%s:%lld",
	    display_name(sc, name, sizeof name), (long long)line + 1);
	batch_add_error(sc->batch, where, what, "", 0);
	fprintf(stderr, "flowlens: %s: %s\n", display_name(sc, name,
	    sizeof name), what);
}

/*
 * Find the checkpoint row of this file: same path, same first bytes.
 * Returns the row index in rows, or -1.
 */
static int
match_source_row(int fd, struct source_row *rows, size_t n)
{
	unsigned char head[FINGERPRINT_BYTES];
	ssize_t got = pread(fd, head, sizeof head, 0);
	size_t i;

	if (got < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char fp[40];

		if (rows[i].fp_len > got || rows[i].fingerprint == NULL)
			continue;
		fingerprint(head, (size_t)rows[i].fp_len, fp);
		if (strcmp(fp, rows[i].fingerprint) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Read one file descriptor.  resumable: a regular file with a checkpoint by
 * identity.  follow: keep reading as it grows; returns 1 when the path was
 * rotated (read it again as a new file).
 */
static int
ingest_fd(struct ingest *ing, int fd, const char *label, const char *display,
    const char *kind, int resumable, int follow)
{
	struct tail tail;
	struct source_row *rows = NULL;
	struct source_ctx sc;
	struct input *in = NULL;
	struct stat st;
	char *err = NULL, fp[40];
	int64_t origin = 0, offset = 0, line = 0;
	size_t nrows = 0;
	int idx = -1, rc;

	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	resumable = resumable && S_ISREG(st.st_mode);
	if (resumable) {
		pthread_mutex_lock(&ing->lock);
		rc = store_source_rows(ing->ctl, label, &rows, &nrows, &err);
		pthread_mutex_unlock(&ing->lock);
		if (rc < 0)
			goto fatal;
		idx = match_source_row(fd, rows, nrows);
	}
	if (idx >= 0) {
		if (rows[idx].raw_size == (int64_t)st.st_size && !follow) {
			pthread_mutex_lock(&ing->lock);
			ing->sum->unchanged++;
			pthread_mutex_unlock(&ing->lock);
			store_source_rows_free(rows, nrows);
			return 0;
		}
		origin = rows[idx].id;
		offset = rows[idx].offset;
		line = rows[idx].line;
	} else {
		unsigned char head[FINGERPRINT_BYTES];
		ssize_t got = resumable ? pread(fd, head, sizeof head, 0) : 0;

		if (got < 0)
			got = 0;
		fingerprint(head, (size_t)got, fp);
		pthread_mutex_lock(&ing->lock);
		rc = store_source_create(ing->ctl, label, kind,
		    resumable ? fp : NULL, got, &origin, &err);
		pthread_mutex_unlock(&ing->lock);
		if (rc < 0)
			goto fatal;
	}
	if (input_open(&in, fd, &err) < 0) {
		ingest_source_failed(ing, display, err);
		free(err);
		store_source_rows_free(rows, nrows);
		return 0;
	}
	source_begin(&sc, ing, label, display, origin);
	source_resume(&sc, offset, line);
	if (idx >= 0 && rows[idx].cursor) {
		char *ferr = NULL;

		if (format_parse(rows[idx].cursor, &sc.header, &ferr) == 0)
			sc.have_header = 1;
		free(ferr);
	}
	store_source_rows_free(rows, nrows);
	if (offset > 0 && input_skip(in, offset, &err) < 0) {
		reject_stream(&sc, line, err);
		free(err);
		err = NULL;
	} else {
		memset(&tail, 0, sizeof tail);
		tail.in = in;
		tail.sc = &sc;
		tail.path = label;
		tail.fd = fd;
		follow = follow && resumable && input_gzip_levels(in) == 0;
		/* A plain file read once can still be being written.  A gzip
		 * file that ends inside a line is damaged, and so is a
		 * followed file that was rotated (read_tail() reports its end
		 * only then): both are reported as such. */
		if (resumable && !follow && input_gzip_levels(in) == 0)
			sc.sink.tail = on_tail;
		if (envelope_run(follow ? read_tail : read_input,
		    follow ? (void *)&tail : (void *)in, offset, line, &sc.sink,
		    &err) < 0 && !tail.stopped)
			reject_stream(&sc, sc.last_line, err);
		free(err);
		err = NULL;
	}
	/* A followed file is never "read to its end": it may grow. */
	sc.raw_size_at_end = ingest_stopping(ing) || follow ? 0 :
	    (int64_t)st.st_size;
	rc = source_end(&sc);
	input_close(in);
	return rc < 0 ? rc : follow && tail.rotated;
fatal:
	store_source_rows_free(rows, nrows);
	ingest_fail(ing, err);
	return -1;
}

int
ingest_demo_params(const char *spec, double *rate, double *duration,
    int64_t *rows, uint64_t *seed, char **err)
{
	const char *p = spec + strlen("demo:");

	*rate = 200;
	*duration = 0;
	*rows = 0;
	*seed = 1;
	for (;;) {
		char key[32], value[64];
		int got = spec_param(&p, "&,", key, sizeof key, value,
		    sizeof value);

		if (got == 0)
			break;
		if (got < 0)
			goto bad;
		if (strcmp(key, "rate") == 0) {
			char *e;

			*rate = strtod(value, &e);
			if (*e || *rate <= 0 || *rate > 1e7)
				goto bad;
		} else if (strcmp(key, "duration") == 0) {
			int64_t secs;

			if (parse_duration(value, &secs) < 0)
				goto bad;
			*duration = (double)secs;
		} else if (strcmp(key, "rows") == 0) {
			char *e;

			*rows = strtoll(value, &e, 10);
			if (*e || *rows < 0)
				goto bad;
		} else if (strcmp(key, "seed") == 0) {
			char *e;

			*seed = strtoull(value, &e, 10);
			if (*e)
				goto bad;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	*err = xasprintf("bad demo source \"%s\": use demo: or "
	    "demo:rate=N,duration=D,rows=N,seed=S (rate in records/s, "
	    "duration like 30s, 5m, 1h)", spec);
	return -1;
}

static int
check_demo(const char *spec, char **err)
{
	double rate, duration;
	int64_t rows;
	uint64_t seed;

	return ingest_demo_params(spec, &rate, &duration, &rows, &seed, err);
}

/* Synthetic live traffic: records stamped with the current time. */
static int
ingest_demo(struct ingest *ing, const char *spec)
{
	struct gen_options go;
	struct source_ctx sc;
	struct unit_loc loc;
	struct gen *g;
	char *err = NULL, line[GEN_LINE_MAX];
	double rate, duration, t0;
	int64_t rows, origin, n = 0;
	uint64_t seed;

	struct source_row *row;

	if (ingest_demo_params(spec, &rate, &duration, &rows, &seed,
	    &err) < 0 ||
	    ingest_source_state(ing, spec, "demo", &row, &err) < 0) {
		ingest_fail(ing, err);
		return -1;
	}
	origin = row->id;
	store_source_rows_free(row, 1);
	memset(&go, 0, sizeof go);
	go.seed = seed;
	go.start = now_epoch();
	go.hours = 1;
	go.rows = 1;
	g = gen_new(&go);
	source_begin(&sc, ing, spec, "demo", origin);
	memset(&loc, 0, sizeof loc);
	t0 = now_monotonic();
	for (;;) {
		double elapsed = now_monotonic() - t0;
		size_t len;

		if ((duration > 0 && elapsed >= duration) ||
		    (rows > 0 && n >= rows) || ingest_stopping(ing))
			break;
		if ((double)n >= elapsed * rate) {
			ingest_sleep(ing, 0.02);
			if (on_unit_end(&sc, sc.last_offset, n))
				break;
			continue;
		}
		len = gen_line(g, now_epoch(), line, sizeof line);
		loc.line = ++n;
		loc.raw = line;
		loc.raw_len = len - 1;
		on_line(&sc, line, len - 1, &loc);
		if (on_unit_end(&sc, sc.last_offset + (int64_t)len, n))
			break;
	}
	gen_free(g);
	return source_end(&sc);
}

/* Forget what the store holds of a file, for --reread. */
static int
forget_file(struct ingest *ing, const char *resolved)
{
	struct source_row *rows;
	size_t n, i;
	char *err = NULL;
	int rc;

	pthread_mutex_lock(&ing->lock);
	rc = store_source_rows(ing->ctl, resolved, &rows, &n, &err);
	for (i = 0; rc == 0 && i < n; i++) {
		int64_t archived = 0;

		/* The archive is append-only: say so before re-reading. */
		rc = store_source_archived(ing->ctl, rows[i].id, &archived,
		    &err);
		if (rc == 0 && archived > 0)
			fprintf(stderr, "flowlens: --reread %s: %lld of its "
			    "records are already in the Parquet archive; "
			    "they will be archived again (the archive keeps "
			    "what it sealed)\n", resolved,
			    (long long)archived);
		if (rc == 0)
			rc = store_source_forget(ing->ctl, rows[i].id, &err);
	}
	pthread_mutex_unlock(&ing->lock);
	if (rc == 0)
		store_source_rows_free(rows, n);
	else
		ingest_fail(ing, err);
	return rc;
}

static const struct source_kind *
source_kind_of(const char *source)
{
	size_t i;

	for (i = 0; i < sizeof source_kinds / sizeof source_kinds[0]; i++)
		if (strncmp(source, source_kinds[i].prefix,
		    strlen(source_kinds[i].prefix)) == 0)
			return &source_kinds[i];
	return NULL;
}

int
ingest_check_source(const char *spec, char **err)
{
	const struct source_kind *k = source_kind_of(spec);

	return k && k->check ? k->check(spec, err) : 0;
}

/* Read one file or stdin source on the calling thread. */
static int
ingest_path_once(struct ingest *ing, const char *source, int reread)
{
	char resolved[PATH_MAX];
	int fd, rc;

	if (strcmp(source, "-") == 0)
		return ingest_fd(ing, 0, "-", "stdin", "stdin", 0, 0);
	fd = open(source, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		char why[256];

		snprintf(why, sizeof why, "cannot open: %s", strerror(errno));
		ingest_source_failed(ing, source, why);
		return 0;
	}
	if (realpath(source, resolved) == NULL)
		snprintf(resolved, sizeof resolved, "%s", source);
	if (reread && forget_file(ing, resolved) < 0) {
		close(fd);
		return -1;
	}
	rc = ingest_fd(ing, fd, resolved, source, "file", 1, ing->opt->follow);
	close(fd);
	return rc;
}

/* A path with --follow, on its own thread: read, and again after each
 * rotation, until the ingest stops. */
static int
ingest_path_follow(struct ingest *ing, const char *source)
{
	int rc = ingest_path_once(ing, source, ing->opt->reread);

	while (rc == 1 && !ingest_stopping(ing)) {
		/* Rotated: wait for the new file to appear, like tail -F. */
		while (access(source, F_OK) != 0)
			if (ingest_sleep(ing, 0.25))
				return 0;
		rc = ingest_path_once(ing, source, 0);
	}
	return rc < 0 ? -1 : 0;
}

/* A path or "-", read once on the calling thread. */
static int
ingest_path(struct ingest *ing, const char *source)
{
	return ingest_path_once(ing, source, ing->opt->reread);
}

struct live_thread {
	pthread_t      tid;
	struct ingest *ing;
	int          (*run)(struct ingest *, const char *);
	const char    *spec;
};

static void *
live_main(void *arg)
{
	struct live_thread *lt = arg;

	thread_set_name("fl-source");
	lt->run(lt->ing, lt->spec);
	return NULL;
}

/*
 * How a source is read: *run, and whether on a thread of its own (live
 * kinds; with --follow, files too, since they never end).
 */
static int
source_runner(const struct ingest *ing, const char *spec,
    int (**run)(struct ingest *, const char *))
{
	const struct source_kind *k = source_kind_of(spec);

	if (k) {
		*run = k->run;
		return k->live;
	}
	if (ing->opt->follow && strcmp(spec, "-") != 0) {
		*run = ingest_path_follow;
		return 1;
	}
	*run = ingest_path;
	return 0;
}

const struct ingest_options *
ingest_opts(const struct ingest *ing)
{
	return ing->opt;
}

int
ingest_stopping(const struct ingest *ing)
{
	return (ing->opt->stop && atomic_load(ing->opt->stop)) ||
	    atomic_load_explicit(&ing->failing, memory_order_relaxed);
}

void
ingest_fail(struct ingest *ing, char *err)
{
	pthread_mutex_lock(&ing->lock);
	if (ing->fatal == NULL) {
		ing->fatal = err;
		err = NULL;
	}
	atomic_store(&ing->failing, 1);
	pthread_mutex_unlock(&ing->lock);
	free(err);
}

void
ingest_source_failed(struct ingest *ing, const char *display,
    const char *why)
{
	pthread_mutex_lock(&ing->lock);
	ing->sum->failed++;
	if (ing->opt->progress)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "flowlens: %s: %s\n", display, why);
	pthread_mutex_unlock(&ing->lock);
}

int
ingest_sleep(struct ingest *ing, double seconds)
{
	double until = now_monotonic() + seconds;

	while (!ingest_stopping(ing)) {
		double left = until - now_monotonic();
		struct timespec ts;

		if (left <= 0)
			return 0;
		if (left > 0.05)
			left = 0.05;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
	return 1;
}

int
ingest_sleep_cb(void *ing, double seconds)
{
	return ingest_sleep(ing, seconds);
}

int
ingest_stopping_cb(void *ing)
{
	return ingest_stopping(ing);
}

int
ingest_source_state(struct ingest *ing, const char *label, const char *kind,
    struct source_row **row, char **err)
{
	struct source_row *rows = NULL;
	size_t n = 0;
	int64_t id;
	int rc;

	pthread_mutex_lock(&ing->lock);
	rc = store_source_rows(ing->ctl, label, &rows, &n, err);
	if (rc == 0 && n == 0) {
		free(rows);
		rc = store_source_create(ing->ctl, label, kind, NULL, 0, &id,
		    err);
		if (rc == 0)
			rc = store_source_rows(ing->ctl, label, &rows, &n, err);
		if (rc == 0 && n == 0) {
			free(rows);
			*err = xasprintf("ingest_state row for %s vanished",
			    label);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&ing->lock);
	if (rc < 0)
		return -1;
	/* Keep the newest (rows[0]); drop the older ones' strings. */
	store_source_rows_free_strings(rows + 1, n - 1);
	*row = rows;
	return 0;
}

int
source_feed(struct source_ctx *sc, const void *data, size_t len,
    int64_t line_base, char **err)
{
	return envelope_decode_buffer(data, len, sc->last_offset, line_base,
	    &sc->sink, err);
}

void
source_reject(struct source_ctx *sc, const char *location,
    const char *reason, const void *raw, size_t raw_len)
{
	batch_add_error(sc->batch, location, reason, raw, raw_len);
}

/*
 * Stop the uploader after a last pass of at most max_wait seconds and say
 * what it did: files left pending always (they are not lost), files
 * uploaded unless quiet.  A store error becomes *fatal if that is unset.
 */
static void
finish_uploads(struct uploader *u, double max_wait, int quiet, char **fatal)
{
	struct upload_report r;
	char *err = NULL;

	if (uploader_finish(u, max_wait, &r, &err) < 0) {
		if (fatal && *fatal == NULL)
			*fatal = err;
		else
			free(err);
	}
	if (r.pending > 0 && max_wait > 0)
		fprintf(stderr, "flowlens: archive upload: %lld sealed file%s "
		    "not uploaded yet; the next run with --archive-s3 (or "
		    "'flowlens archive flush --archive-s3') uploads them\n",
		    (long long)r.pending, r.pending == 1 ? "" : "s");
	if (r.uploaded > 0 && !quiet)
		fprintf(stderr, "flowlens: archive upload: %lld file%s "
		    "uploaded\n", (long long)r.uploaded,
		    r.uploaded == 1 ? "" : "s");
	upload_report_free(&r);
}

int
ingest_run(const struct ingest_options *opt, char *const *sources,
    int nsources, struct ingest_summary *sum, char **err)
{
	struct live_thread *live;
	struct writer_stats ws;
	struct ingest ing;
	struct archiver *archiver = NULL;
	struct uploader *uploader = NULL;
	struct aws_options aws_opt = { opt->aws_profile, opt->aws_region,
	    opt->aws_endpoint_url };
	char *werr = NULL;
	int i, nlive = 0, rc = 0;

	memset(sum, 0, sizeof *sum);
	memset(&ing, 0, sizeof ing);
	ing.opt = opt;
	ing.sum = sum;
	if (format_parse(opt->log_format ? opt->log_format :
	    FORMAT_DEFAULT_V2, &ing.user_format, err) < 0) {
		char *inner = *err;

		*err = xasprintf("--log-format: %s", inner);
		free(inner);
		return -1;
	}
	if (store_open(&ing.store, opt->db_path, err) < 0) {
		format_free(&ing.user_format);
		return -1;
	}
	if (store_open(&ing.ctl, opt->db_path, err) < 0) {
		store_close(ing.store);
		format_free(&ing.user_format);
		return -1;
	}
	if (opt->archive && opt->archive_s3 &&
	    uploader_start(&uploader, opt->db_path, opt->archive_s3, &aws_opt,
	    err) < 0) {
		store_close(ing.ctl);
		store_close(ing.store);
		format_free(&ing.user_format);
		return -1;
	}
	if (opt->archive && archiver_start(&archiver, opt->db_path,
	    opt->archive, err) < 0) {
		if (uploader)
			finish_uploads(uploader, 0, opt->quiet, NULL);
		store_close(ing.ctl);
		store_close(ing.store);
		format_free(&ing.user_format);
		return -1;
	}
	if (opt->archive && archiver == NULL) {	/* archived elsewhere */
		fprintf(stderr, "flowlens: %s\n", *err);
		free(*err);
		*err = NULL;
	}
	pthread_mutex_init(&ing.lock, NULL);
	ing.writer = writer_start(ing.store);
	if (archiver)
		archiver_attach(archiver, ing.writer);
	ing.started = now_monotonic();
	live = xcalloc((size_t)nsources + 1, sizeof *live);
	for (i = 0; i < nsources; i++) {
		struct live_thread *lt = &live[nlive];

		if (!source_runner(&ing, sources[i], &lt->run))
			continue;
		lt->ing = &ing;
		lt->spec = sources[i];
		if (pthread_create(&lt->tid, NULL, live_main, lt) != 0) {
			ingest_fail(&ing, xasprintf("cannot start a thread for "
			    "%s: %s", sources[i], strerror(errno)));
			break;
		}
		nlive++;
	}
	for (i = 0; i < nsources && !ingest_stopping(&ing); i++) {
		int (*run)(struct ingest *, const char *);

		if (source_runner(&ing, sources[i], &run))
			continue;
		if (run(&ing, sources[i]) < 0)
			break;
	}
	for (i = 0; i < nlive; i++)
		pthread_join(live[i].tid, NULL);
	free(live);
	show_progress(&ing, now_monotonic(), 1);
	if (writer_finish(ing.writer, &ws, &werr) < 0 && ing.fatal == NULL)
		ing.fatal = werr;
	else
		free(werr);
	/* The archiver seals what the writer committed (archive.h). */
	if (archiver) {
		struct archiver_stats as = { 0 };

		if (archiver_finish(archiver, &as, &werr) < 0) {
			if (ing.fatal == NULL)
				ing.fatal = werr;
			else
				free(werr);
		}
		sum->archived = as.sealed_rows;
		sum->archive_files = as.sealed_files;
	}
	/* Then the uploader tries to upload every sealed file (upload.h). */
	if (uploader)
		finish_uploads(uploader, INGEST_UPLOAD_WAIT, opt->quiet,
		    &ing.fatal);
	sum->records = ws.records;
	sum->rejected = ws.rejected;
	sum->skipped = ws.skipped;
	sum->seconds = now_monotonic() - ing.started;
	sum->bytes = atomic_load(&ing.bytes);
	sum->interrupted = opt->stop && atomic_load(opt->stop);
	store_close(ing.ctl);
	store_close(ing.store);
	pthread_mutex_destroy(&ing.lock);
	format_free(&ing.user_format);
	if (ing.fatal) {
		*err = ing.fatal;
		rc = -1;
	}
	return rc;
}

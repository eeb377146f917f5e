/*
 * ingest.c - see ingest.h.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "envelope.h"
#include "format.h"
#include "gen.h"
#include "input.h"
#include "parse.h"
#include "store.h"
#include "util.h"
#include "writer.h"

/* A batch is handed to the writer at the first unit end past either limit. */
#define BATCH_RECORDS 16384
#define BATCH_BYTES (4 * 1024 * 1024)
/* ...or when it has waited this long (live sources). */
#define BATCH_MAX_AGE 1.0
/* Bytes of a file that identify it (see ingest.h). */
#define FINGERPRINT_BYTES 4096

struct ingest {
	const struct ingest_options *opt;
	struct store          *store;
	struct writer         *writer;
	struct flow_format     user_format;	/* --log-format or v2 default */
	struct ingest_summary *sum;
	double                 started;
	double                 next_progress;
	int64_t                parsed;		/* records parsed so far */
	int64_t                bytes;		/* decoded bytes so far */
	unsigned               units;		/* unit ends seen (clock pacing) */
	char                  *fatal;		/* first fatal error */
};

/* Reading state of one source. */
struct source_ctx {
	struct ingest       *ing;
	const char          *label;	/* identity: ingest_errors.source */
	const char          *display;	/* name in locations */
	int64_t              origin;	/* ingest_state.id */
	struct flow_format   header;	/* format from the last header line */
	int                  have_header;
	struct batch        *batch;
	double               batch_started;
	struct flow_record   rec;
	int64_t              raw_size_at_end;	/* set when the input ended */
	int64_t              last_offset;	/* resume point after the last */
	int64_t              last_line;		/* complete unit */
	struct envelope_sink sink;		/* callbacks below, ctx = this */
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
	if (!final && now < ing->next_progress)
		return;
	ing->next_progress = now + 0.25;
	writer_stats(ing->writer, &ws);
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[K  %lld records stored, %.0f records/s, "
	    "%.1f MB read, %lld rejected", (long long)ws.records,
	    elapsed > 0 ? (double)ing->parsed / elapsed : 0.0,
	    (double)ing->bytes / 1e6, (long long)ws.rejected);
	fflush(stderr);
}

static void
location_text(const struct source_ctx *sc, const struct unit_loc *loc,
    char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s:%lld", sc->display,
	    (long long)loc->line);

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

static void
on_line(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	struct source_ctx *sc = ctx;
	char reason[512], where[512];

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (parse_is_blank(line, len)) {
		sc->batch->skipped++;
		return;
	}
	if (format_is_header(line, len)) {
		struct flow_format f;

		if (format_from_header(line, len, &f)) {
			if (sc->have_header)
				format_free(&sc->header);
			sc->header = f;
			sc->have_header = 1;
			sc->batch->skipped++;
			return;
		}
	}
	if (parse_line(active_format(sc), line, len, &sc->rec, reason,
	    sizeof reason) == 0) {
		batch_add_record(sc->batch, &sc->rec);
		sc->ing->parsed++;
		return;
	}
	location_text(sc, loc, where, sizeof where);
	batch_add_error(sc->batch, where, reason,
	    loc->kind == ENVELOPE_FIREHOSE ? loc->raw : line,
	    loc->kind == ENVELOPE_FIREHOSE ? loc->raw_len : len);
}

static void
on_reject(void *ctx, const struct unit_loc *loc, const char *reason,
    const char *raw, size_t raw_len)
{
	struct source_ctx *sc = ctx;
	char where[512];

	location_text(sc, loc, where, sizeof where);
	batch_add_error(sc->batch, where, reason, raw, raw_len);
}

static void
on_skip(void *ctx, const struct unit_loc *loc)
{
	struct source_ctx *sc = ctx;

	(void)loc;
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
	b->cp.cursor = sc->have_header ? xstrdup(sc->header.spec) : NULL;
	sc->batch = writer_batch(ing->writer);
	sc->batch_started = now_monotonic();
	if (writer_submit(ing->writer, b, sc->label, &err) < 0) {
		if (ing->fatal == NULL)
			ing->fatal = err;
		else
			free(err);
		return -1;
	}
	return 0;
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
	int tick = (++ing->units & 63) == 0;

	ing->bytes += offset - sc->last_offset;
	sc->last_offset = offset;
	sc->last_line = line;
	if (tick)
		now = now_monotonic();
	if (b->nrecords >= BATCH_RECORDS || batch_bytes(b) >= BATCH_BYTES ||
	    (tick && (b->nrecords || b->nerrors) &&
	    now - sc->batch_started > BATCH_MAX_AGE)) {
		if (flush_batch(sc, offset, line, 0) < 0)
			return 1;
	}
	if (tick)
		show_progress(ing, now, 0);
	return ing->opt->stop && *ing->opt->stop;
}


static void
source_begin(struct source_ctx *sc, struct ingest *ing, const char *label,
    const char *display, int64_t origin)
{
	memset(sc, 0, sizeof *sc);
	sc->ing = ing;
	sc->label = label;
	sc->display = display;
	sc->origin = origin;
	sc->sink = (struct envelope_sink){ sc, on_line, on_reject, on_skip,
	    on_unit_end };
	sc->batch = writer_batch(ing->writer);
	sc->batch_started = now_monotonic();
}

static int
source_end(struct source_ctx *sc, int64_t offset, int64_t line)
{
	int rc = flush_batch(sc, offset, line, 1);

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

/* Record a stream failure (bad gzip, read error) as a rejected unit. */
static void
reject_stream(struct source_ctx *sc, int64_t line, const char *what)
{
	char where[512];

	snprintf(where, sizeof where, "%s:%lld", sc->display,
	    (long long)line + 1);
	batch_add_error(sc->batch, where, what, "", 0);
	fprintf(stderr, "flowlens: %s: %s\n", sc->display, what);
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

static int
ingest_fd(struct ingest *ing, int fd, const char *label, const char *display,
    const char *kind, int resumable)
{
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
		if (store_source_rows(ing->store, label, &rows, &nrows,
		    &err) < 0)
			goto fatal;
		idx = match_source_row(fd, rows, nrows);
	}
	if (idx >= 0) {
		if (rows[idx].raw_size == (int64_t)st.st_size) {
			ing->sum->unchanged++;
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
		if (store_source_create(ing->store, label, kind,
		    resumable ? fp : NULL, got, &origin, &err) < 0)
			goto fatal;
	}
	if (input_open(&in, fd, &err) < 0) {
		fprintf(stderr, "flowlens: %s: %s\n", display, err);
		free(err);
		store_source_rows_free(rows, nrows);
		ing->sum->failed++;
		return 0;
	}
	source_begin(&sc, ing, label, display, origin);
	sc.last_offset = offset;
	sc.last_line = line;
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
	} else if (envelope_run(read_input, in, offset, line, &sc.sink, &err) < 0) {
		reject_stream(&sc, sc.last_line, err);
		free(err);
		err = NULL;
	}
	sc.raw_size_at_end = (ing->opt->stop && *ing->opt->stop) ? 0 :
	    (int64_t)st.st_size;
	rc = source_end(&sc, sc.last_offset, sc.last_line);
	input_close(in);
	return rc;
fatal:
	store_source_rows_free(rows, nrows);
	if (ing->fatal == NULL)
		ing->fatal = err;
	else
		free(err);
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
	while (*p) {
		char key[32], value[64];
		size_t klen, vlen;
		const char *eq, *end;

		while (*p == '?' || *p == '&' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, "&,");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL)
			goto bad;
		klen = (size_t)(eq - p);
		vlen = (size_t)(end - eq - 1);
		if (klen >= sizeof key || vlen >= sizeof value || vlen == 0)
			goto bad;
		memcpy(key, p, klen);
		key[klen] = '\0';
		memcpy(value, eq + 1, vlen);
		value[vlen] = '\0';
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
		p = end;
	}
	return 0;
bad:
	*err = xasprintf("bad demo source \"%s\": use demo: or "
	    "demo:rate=N,duration=D,rows=N,seed=S (rate in records/s, "
	    "duration like 30s, 5m, 1h)", spec);
	return -1;
}

static void
sleep_seconds(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
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

	if (ingest_demo_params(spec, &rate, &duration, &rows, &seed,
	    &err) < 0 ||
	    store_source_create(ing->store, spec, "demo", NULL, 0, &origin,
	    &err) < 0) {
		if (ing->fatal == NULL)
			ing->fatal = err;
		else
			free(err);
		return -1;
	}
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
		    (rows > 0 && n >= rows) || (ing->opt->stop &&
		    *ing->opt->stop) || ing->fatal)
			break;
		if ((double)n >= elapsed * rate) {
			sleep_seconds(0.02);
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
	return source_end(&sc, sc.last_offset, sc.last_line);
}

static int
ingest_one(struct ingest *ing, const char *source)
{
	char resolved[PATH_MAX];
	int fd, rc;

	if (strcmp(source, "-") == 0)
		return ingest_fd(ing, 0, "-", "stdin", "stdin", 0);
	if (strncmp(source, "demo:", 5) == 0)
		return ingest_demo(ing, source);
	fd = open(source, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "flowlens: cannot open %s: %s\n", source,
		    strerror(errno));
		ing->sum->failed++;
		return 0;
	}
	if (realpath(source, resolved) == NULL)
		snprintf(resolved, sizeof resolved, "%s", source);
	if (ing->opt->reread) {
		struct source_row *rows;
		size_t n, i;
		char *err = NULL;

		if (store_source_rows(ing->store, resolved, &rows, &n,
		    &err) < 0) {
			ing->fatal = err;
			close(fd);
			return -1;
		}
		for (i = 0; i < n && ing->fatal == NULL; i++)
			if (store_source_forget(ing->store, rows[i].id,
			    &err) < 0)
				ing->fatal = err;
		store_source_rows_free(rows, n);
		if (ing->fatal) {
			close(fd);
			return -1;
		}
	}
	rc = ingest_fd(ing, fd, resolved, source, "file", 1);
	close(fd);
	return rc;
}

int
ingest_run(const struct ingest_options *opt, char *const *sources,
    int nsources, struct ingest_summary *sum, char **err)
{
	struct writer_stats ws;
	struct ingest ing;
	struct archiver *archiver = NULL;
	char *werr = NULL;
	int i, rc = 0;

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
	if (opt->archive && archiver_start(&archiver, opt->db_path,
	    opt->archive, err) < 0) {
		store_close(ing.store);
		format_free(&ing.user_format);
		return -1;
	}
	if (opt->archive && archiver == NULL) {	/* archived elsewhere */
		fprintf(stderr, "flowlens: %s\n", *err);
		free(*err);
		*err = NULL;
	}
	ing.writer = writer_start(ing.store);
	ing.started = now_monotonic();
	for (i = 0; i < nsources && !ing.fatal; i++) {
		if (opt->stop && *opt->stop)
			break;
		if (ingest_one(&ing, sources[i]) < 0)
			break;
	}
	show_progress(&ing, now_monotonic(), 1);
	if (writer_finish(ing.writer, &ws, &werr) < 0 && ing.fatal == NULL)
		ing.fatal = werr;
	else
		free(werr);
	/* The archiver seals what the writer committed (archive.h). */
	if (archiver && archiver_finish(archiver, &werr) < 0) {
		if (ing.fatal == NULL)
			ing.fatal = werr;
		else
			free(werr);
	}
	sum->records = ws.records;
	sum->rejected = ws.rejected;
	sum->skipped = ws.skipped;
	sum->seconds = now_monotonic() - ing.started;
	sum->bytes = ing.bytes;
	sum->interrupted = opt->stop && *opt->stop;
	store_close(ing.store);
	format_free(&ing.user_format);
	if (ing.fatal) {
		*err = ing.fatal;
		rc = -1;
	}
	return rc;
}

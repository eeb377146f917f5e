/*
 * ingest_source.h - what a source module (cwlogs, firehose, s3, files, demo)
 * uses to feed the ingest path.  Internal to the ingest side of flowlens;
 * readers of the store never need it.
 *
 * One ingest_run() owns one `struct ingest`: the user's --log-format, the
 * store writer, a control connection for checkpoints, the totals.  Each
 * source reads its input into a `struct source_ctx`, whose envelope sink
 * decodes, parses and batches units; batches go to the writer with the
 * source's checkpoint and commit in one transaction (see batch.h).
 *
 * Threads: file and stdin sources run one after another on the thread that
 * called ingest_run(); every source kind marked `live` runs on a thread of
 * its own, so `cwlogs:/a firehose:8443 demo:` ingest side by side.  All
 * functions below are safe to call from any source thread; a source_ctx
 * belongs to one thread.
 */
#ifndef FLOWLENS_INGEST_SOURCE_H
#define FLOWLENS_INGEST_SOURCE_H

#include <stdint.h>

#include "envelope.h"
#include "format.h"
#include "ingest.h"
#include "record.h"
#include "store.h"

struct ingest;
struct batch;

/* Reading state of one source.  Fields are the source module's to read;
 * set `cursor`, `on_commit` and `on_commit_arg` before a flush. */
struct source_ctx {
	struct ingest       *ing;
	const char          *label;	/* identity: ingest_state.source and
					 * ingest_errors.source */
	const char          *display;	/* name in error locations */
	/* Optional: write that name into out instead (called only when a
	 * location is made, so a source whose name changes per unit does
	 * not format it for every unit). */
	void               (*describe)(void *arg, char *out, size_t cap);
	void                *describe_arg;
	int64_t              origin;	/* ingest_state.id */
	struct flow_format   header;	/* format from the last header line */
	int                  have_header;
	struct batch        *batch;	/* being filled */
	double               batch_started;
	struct flow_record   rec;
	unsigned             units;	/* unit ends seen (clock pacing) */
	int64_t              raw_size_at_end;	/* set when the input ended */
	int64_t              last_offset;	/* resume point after the last */
	int64_t              last_line;		/* complete unit */
	int64_t              counted_offset;	/* input bytes in the run's
						 * totals, and records parsed */
	int64_t              uncounted;		/* but not yet in them */
	/*
	 * Live sources: the checkpoint text (JSON, owned by the source) that
	 * each flushed batch carries to ingest_state.cursor, and a callback
	 * that runs once that batch's commit is on disk (ok = 1, on the WAL
	 * sync thread) or failed (ok = 0).  Every batch flushed while these
	 * are set carries them, including the automatic flushes of a full
	 * batch.
	 */
	const char          *cursor;
	void               (*on_commit)(void *arg, int ok);
	void                *on_commit_arg;
	void               (*on_written)(void *arg);	/* see batch.h */
	/* Auto-flush limits: the sink hands the batch to the writer at a
	 * unit end past any of them (0 = the defaults).  A source that must
	 * keep a delivery in one transaction sets all three out of reach
	 * (SIZE_MAX, SIZE_MAX, INFINITY) and calls source_flush() itself. */
	size_t               max_records;
	size_t               max_bytes;
	double               max_age;
	int                  discard;	/* 1: drop further units (the rest of
					 * the input is an unfinished unit) */
	struct envelope_sink sink;	/* decode into this source */
};

/* A kind of source, chosen by the prefix of its argument. */
struct source_kind {
	const char *prefix;	/* "cwlogs:", "firehose:", "s3://", "demo:" */
	int         live;	/* 1: runs on a thread of its own */
	/*
	 * Read the source `spec` until it ends, or until ingest_stopping()
	 * (live sources with --follow run until then).  Returns 0, or -1
	 * after ingest_fail() for an error that must stop the whole ingest;
	 * an error that only ends this source is reported with
	 * ingest_source_failed() and returns 0.
	 */
	int       (*run)(struct ingest *ing, const char *spec);
	/* Check the spec's syntax (see ingest_check_source), or NULL. */
	int       (*check)(const char *spec, char **err);
};

/*
 * Start reading a source: label is its identity, display its name in
 * error locations, origin its ingest_state.id.  Takes a batch from the
 * writer.  End with source_end().
 */
void source_begin(struct source_ctx *sc, struct ingest *ing,
    const char *label, const char *display, int64_t origin);

/*
 * Right after source_begin(), for input resumed at a checkpoint: the first
 * `offset` bytes and `line` lines are stored already (and not counted as
 * read in this run).
 */
void source_resume(struct source_ctx *sc, int64_t offset, int64_t line);

/*
 * Hand the batch being filled to the writer now, with the checkpoint
 * (offset, line, sc->cursor) and sc->on_commit, even if it holds nothing
 * (a checkpoint alone is worth committing).  Blocks while the writer's
 * queue is full.  Returns 0, or -1 when the writer failed (the ingest is
 * then stopping; ingest_fail() was called).
 */
int source_flush(struct source_ctx *sc);

/*
 * Flush what is left as the final batch (a file read to its end says so
 * through raw_size_at_end) and release the source's memory.  Returns as
 * source_flush().
 */
int source_end(struct source_ctx *sc);

/*
 * Decode one payload (a CloudWatch subscription message, a Firehose
 * record, an S3 object, gzip or not) into the source's batch, as units
 * of `kind` (see envelope.h); `line_base` numbers its units in error
 * locations.  Full batches flush automatically at unit ends.  Returns 0,
 * or -1 with *err when the payload itself is unreadable (the units before
 * the damage are kept; the caller decides whether to reject it).
 */
int source_feed(struct source_ctx *sc, const void *data, size_t len,
    int64_t line_base, char **err);

/* Add a rejected unit (location text, reason, raw bytes) to the batch. */
void source_reject(struct source_ctx *sc, const char *location,
    const char *reason, const void *raw, size_t raw_len);

/*
 * The ingest_state row for `label`: the newest one, created with `kind`
 * if there is none.  Sets *row to an allocated row (free it with
 * store_source_rows_free(*row, 1)).  Uses the control connection,
 * serialised with other sources.  Returns 0, or -1 with *err.
 */
int ingest_source_state(struct ingest *ing, const char *label,
    const char *kind, struct source_row **row, char **err);

/* The options ingest_run() was given. */
const struct ingest_options *ingest_opts(const struct ingest *ing);

/* 1 once the ingest should stop: Ctrl-C/SIGTERM or a fatal error. */
int ingest_stopping(const struct ingest *ing);

/*
 * Report a fatal error (takes ownership of err; the first one wins) and
 * make every source stop.
 */
void ingest_fail(struct ingest *ing, char *err);

/* Report that one source could not be read (message on stderr, counted
 * in summary->failed); the other sources go on. */
void ingest_source_failed(struct ingest *ing, const char *display,
    const char *why);

/*
 * Sleep up to `seconds`, waking early when the ingest stops.  Returns 1
 * if stopping.
 */
int ingest_sleep(struct ingest *ing, double seconds);

/* ingest_sleep and ingest_stopping as callbacks taking the ingest as void *
 * (for struct aws_request's sleep and stopping). */
int ingest_sleep_cb(void *ing, double seconds);
int ingest_stopping_cb(void *ing);

#endif

/*
 * batch.h - a self-contained unit of ingest work, handed from the parsing
 * thread to the store writer.
 *
 * A batch owns copies of everything it refers to (record text, rejected
 * lines), the metric deltas of its records, and the checkpoint the source
 * reaches once the batch is committed.  The store writes a batch - records,
 * errors, metrics, checkpoint - in one transaction, which is what makes
 * ingest exactly-once across crashes.  One thread owns a batch at a time.
 */
#ifndef FLOWLENS_BATCH_H
#define FLOWLENS_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "record.h"
#include "util.h"

/* One rejected unit: a line, a log event, or a payload that was unreadable. */
struct batch_error {
	size_t location;	/* offset of "file:line" text in arena */
	size_t reason;		/* offset of the reason text in arena */
	size_t raw;		/* offset of the raw bytes in arena */
	size_t raw_len;		/* raw bytes (may hold NULs: stored as BLOB) */
	int    raw_binary;	/* 1 if raw is not valid text */
};

/*
 * An upstream delivery whose records are all in this batch (a Firehose
 * requestId): recorded in the same transaction, so a retried delivery can
 * be recognised as committed.
 */
struct batch_request {
	size_t  id;		/* offset of the NUL-terminated id in arena */
	int64_t records;	/* records the delivery held */
};

/* Where a source stands after this batch: written in the same transaction. */
struct checkpoint {
	int64_t source_id;	/* ingest_state.id */
	int64_t offset;		/* bytes of decoded input consumed */
	int64_t line;		/* lines consumed (for messages) */
	int64_t raw_size;	/* size of the raw input read so far */
	char   *cursor;		/* owned JSON text for non-file sources, or NULL */
};

struct batch_key;

struct batch {
	struct sbuf          arena;	/* text of records and errors */
	uint64_t            *slots;	/* packed records, see batch.c */
	size_t               nslots, slots_cap;
	size_t               nrecords;	/* records in slots */
	struct batch_error  *errors;
	size_t               nerrors, errors_cap;
	struct batch_request *requests;	/* deliveries completed by this batch */
	size_t               nrequests, requests_cap;
	int64_t              skipped;	/* blank/header/control units */
	int64_t              origin;	/* ingest_state.id of the records */
	struct metrics_acc   metrics;	/* deltas for flow_metrics */
	struct checkpoint    cp;	/* valid when cp.source_id > 0 */
	char                *source;	/* owned label for ingest_errors.source,
					 * set by writer_submit() */
	size_t               input_bytes;	/* decoded bytes covered */
	/* Called once the batch's transaction is durable (ok = 1: on the WAL
	 * sync thread, see writer.h) or failed (ok = 0: on the writer
	 * thread); NULL for none.  Reset clears it. */
	void               (*on_commit)(void *arg, int ok);
	void                *on_commit_arg;
	/* Called on the writer thread, with on_commit_arg, as soon as the
	 * writer is done with the batch's transaction (committed, not yet
	 * durable, or failed), before on_commit; NULL for none.  Lets a
	 * source hand over its next batch just as the writer gets free. */
	void               (*on_written)(void *arg);
};

/* Copy rec into the batch and add it to the batch's metrics. */
void batch_add_record(struct batch *b, const struct flow_record *rec);

/* Record a rejected unit. raw may contain any bytes. */
void batch_add_error(struct batch *b, const char *location, const char *reason,
    const char *raw, size_t raw_len);

/*
 * Note that every record of the delivery `request_id` (`records` of them)
 * is in this batch: the store records the id with them.
 */
void batch_add_request(struct batch *b, const char *request_id,
    int64_t records);

/*
 * Iterate over the records: *pos starts at 0; fills *out and returns 1, or
 * returns 0 at the end.  *out is a view into the batch (its text and extra
 * are borrowed: never free or grow them), valid until the batch is reset.
 */
int batch_next_record(const struct batch *b, size_t *pos,
    struct flow_record *out);

/*
 * Reorder the records by `start` (records without one first), keeping
 * the input order among equal times.  The store inserts in this order, so
 * its time indexes grow at their right edge instead of splitting pages
 * all over the last minute or two of keys: flow logs arrive with starts
 * up to an aggregation interval out of order.  Cheap when already sorted.
 */
void batch_order_by_start(struct batch *b);

/* Size in bytes the batch holds (for flushing by size). */
size_t batch_bytes(const struct batch *b);

/* Empty the batch for reuse (keeps memory) / release everything. */
void batch_reset(struct batch *b);
void batch_free(struct batch *b);

#endif

/*
 * writer.h - the store writer thread.
 *
 * Producers (the parsing thread, later the network sources) fill batches and
 * submit them; one writer thread owns the store connection and commits them.
 * While batches are queued it groups several into one transaction (up to
 * WRITER_TXN_RECORDS records), so commit cost stays small at full speed and
 * latency stays low when traffic is light.  A batch's on_commit callback runs
 * once its transaction is durable - on the WAL sync thread after the
 * fdatasync that covers the commit (walsync.h), so the writer inserts the
 * next batch meanwhile - or at once, on the writer thread, if it failed:
 * that is the moment a source may acknowledge upstream.  Its on_written
 * callback runs on the writer thread before that, as soon as the writer is
 * done with the transaction: a source that gathers deliveries (Firehose)
 * hands over its next batch then, to be written while this one syncs.
 * The committed
 * totals in writer_stats likewise count durable transactions only.  The
 * queue is bounded, so memory is bounded by WRITER_QUEUE batches whatever
 * the input size.
 */
#ifndef FLOWLENS_WRITER_H
#define FLOWLENS_WRITER_H

#include <stdint.h>

#include "batch.h"
#include "store.h"

#define WRITER_QUEUE 3
#define WRITER_TXN_RECORDS 200000

struct writer;

/* Committed totals, safe to read from any thread at any time. */
struct writer_stats {
	int64_t records;
	int64_t rejected;
	int64_t skipped;
	int64_t commits;
	int64_t checkpoints;	/* background checkpoints that copied pages */
	int64_t wal_restarts;	/* times the WAL started over from its top */
};

/* Start the writer thread on an open store (the writer owns it until
 * writer_finish). */
struct writer *writer_start(struct store *s);

/*
 * A tap sees each batch right after its records were inserted, before the
 * transaction commits, so that the archiver can encode rows it would
 * otherwise read back from the store.  Called on the writer thread; none
 * may block for long.
 *   offer     batch b's records got the rowids first..last, in order, in
 *             a transaction that read archive generation gen.  Return 1 to
 *             keep b (hand it back with writer_release()), 0 to leave it.
 *   txn_end   the transaction committed (ok = 1; every row through
 *             last_rowid is committed) or was rolled back (ok = 0).
 *   detach    the writer is finishing: hand back every batch kept, before
 *             returning, and offer nothing more.
 */
struct writer_tap {
	int   (*offer)(void *arg, struct batch *b, int64_t first, int64_t last,
	    int64_t gen);
	void  (*txn_end)(void *arg, int ok, int64_t last_rowid);
	void  (*detach)(void *arg);
	void   *arg;
};

/* Install tap t (copied), before the first writer_submit(). */
void writer_set_tap(struct writer *w, const struct writer_tap *t);

/*
 * Get an empty batch to fill (reused memory when one is free).  Any thread.
 */
struct batch *writer_batch(struct writer *w);

/*
 * Queue a filled batch; blocks while the queue is full.  `source` labels
 * its rejected units (the batch keeps a copy).  Returns 0, or -1 with *err
 * if the writer has failed (the batch is dropped, not committed).
 */
int writer_submit(struct writer *w, struct batch *b, const char *source,
    char **err);

/* Return a batch obtained from writer_batch() without submitting it. */
void writer_release(struct writer *w, struct batch *b);

void writer_stats(struct writer *w, struct writer_stats *out);

/*
 * Commit everything queued, stop the thread, report the final totals in
 * *final (if not NULL) and free the writer.  Returns 0, or -1 with *err
 * describing the first failure.  The store stays open.
 */
int writer_finish(struct writer *w, struct writer_stats *final, char **err);

#endif

/*
 * writer.c - see writer.h.
 */
#include "writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "walsync.h"

struct queued {
	struct batch *batch;
	const char   *source;	/* batch->source */
};

struct writer {
	struct store   *store;
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  nonempty, nonfull;
	struct queued   queue[WRITER_QUEUE];
	int             head, count;
	struct batch   *spare[WRITER_QUEUE + 2];	/* reusable batches */
	int             nspare;
	int             closing;
	char           *error;	/* first failure; writer stops committing */
	struct writer_tap tap;	/* under mu; tap.offer NULL: none */
	_Atomic int64_t records, rejected, skipped, commits;
	_Atomic int64_t checkpoints, wal_restarts;
	int             wal_frames;	/* after the last commit (writer only) */
	int             wake_mark;	/* wal_frames at the last wake-up */
	int             rest_mark;	/* ... at the writer's last copy */
	/* background checkpointer (see checkpoint_main) */
	pthread_t       ckpt_thread;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t  ckpt_cv;
	int             ckpt_wanted, ckpt_stop, ckpt_running;
	int             ckpt_active;	/* a checkpoint is copying pages */
	sqlite3        *ckpt_db;
	struct walsync *sync;		/* group commit, or NULL: commits
					 * are synchronous */
};

/*
 * WAL frames (pages) after which the checkpointer is woken; after which the
 * writer copies what the checkpointer has not yet copied (usually its last
 * commit), so that its next transaction can start the WAL over; and after
 * which the writer waits for a complete checkpoint, so the WAL cannot grow
 * without bound.
 */
#define CKPT_WAKE_FRAMES 4000
#define CKPT_WRAP_FRAMES 32768
#define CKPT_FORCE_FRAMES 262144
/* Frames between two wake-ups, or two copies by the writer: each copy
 * ends with fsyncs, and a live source commits many times a second. */
#define CKPT_RETRY_FRAMES 4000
/*
 * How often the checkpointer starts writing the WAL back
 * (walsync_writeback).  A transaction larger than the page cache spills
 * pages into the WAL long before it commits; written back meanwhile, they
 * are no longer in the fsync that makes the commit durable (2 M records:
 * the writer's WAL fsyncs took 0.97 s without it, 0.64 s with it).
 */
#define WAL_FLUSH_MS 50

/*
 * Copy what the WAL holds into the database (PASSIVE: readers never make
 * it wait), on connection db.  Called with ckpt_mu held and no copy in
 * progress; the lock is released during the copy, which is marked active
 * so that no other copy starts.  Returns with ckpt_mu held, and whether
 * any page was copied.
 */
static int
copy_wal(struct writer *w, sqlite3 *db, const char *name)
{
	int copied = 0, rc;

	w->ckpt_active = 1;
	w->ckpt_wanted = 0;
	pthread_mutex_unlock(&w->ckpt_mu);
	rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, &copied);
	pthread_mutex_lock(&w->ckpt_mu);
	w->ckpt_active = 0;
	pthread_cond_broadcast(&w->ckpt_cv);
	return rc == SQLITE_OK && copied > 0;
}

/*
 * Checkpoints copy WAL pages into the database file and fsync it.  Done by
 * SQLite's autocheckpoint, that work sits on the writer's commit path; here
 * a second thread with its own connection does it, so the copy runs on the
 * other core while the writer inserts the next batch.  Between copies it
 * starts writeback of the WAL every WAL_FLUSH_MS.
 */
static void *
checkpoint_main(void *arg)
{
	struct writer *w = arg;

	thread_set_name("fl-checkpoint");
	pthread_mutex_lock(&w->ckpt_mu);
	while (!w->ckpt_stop) {
		struct timespec ts;

		if (w->ckpt_wanted && !w->ckpt_active) {
			if (copy_wal(w, w->ckpt_db, "main"))
				w->checkpoints++;
			continue;
		}
		ts = deadline_after_ms(WAL_FLUSH_MS);
		if (pthread_cond_timedwait(&w->ckpt_cv, &w->ckpt_mu,
		    &ts) != 0 && !w->ckpt_stop) {
			pthread_mutex_unlock(&w->ckpt_mu);
			walsync_writeback(w->sync);
			pthread_mutex_lock(&w->ckpt_mu);
		}
	}
	pthread_mutex_unlock(&w->ckpt_mu);
	return NULL;
}

/*
 * Under a steady stream of commits the checkpointer is always one commit
 * behind, and SQLite starts the WAL over only when a write transaction
 * begins with every frame copied.  So once the WAL is long, the writer
 * waits for the checkpointer's copy in progress, if any, and copies the
 * rest (its last commit) itself.
 */
static void
checkpoint_rest(struct writer *w, sqlite3 *db, const char *name)
{
	pthread_mutex_lock(&w->ckpt_mu);
	while (w->ckpt_active)
		pthread_cond_wait(&w->ckpt_cv, &w->ckpt_mu);
	(void)copy_wal(w, db, name);
	pthread_mutex_unlock(&w->ckpt_mu);
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct writer *w = arg;

	if (frames < w->wal_frames) {
		w->wal_restarts++;
		w->wake_mark = w->rest_mark = 0;
	}
	w->wal_frames = frames;
	if (frames >= CKPT_FORCE_FRAMES) {
		/* The checkpointer cannot keep up: wait for it, once. */
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART,
		    NULL, NULL);
	} else if (!w->ckpt_running) {
		return SQLITE_OK;
	} else if (frames >= CKPT_WRAP_FRAMES &&
	    frames - w->rest_mark >= CKPT_RETRY_FRAMES) {
		/* At most once per CKPT_RETRY_FRAMES: a reader that started
		 * before the copy keeps the WAL from starting over, and live
		 * sources commit many times a second. */
		w->rest_mark = frames;
		checkpoint_rest(w, db, name);
	} else if (frames >= CKPT_WAKE_FRAMES &&
	    frames - w->wake_mark >= CKPT_RETRY_FRAMES) {
		w->wake_mark = frames;
		pthread_mutex_lock(&w->ckpt_mu);
		w->ckpt_wanted = 1;
		pthread_cond_broadcast(&w->ckpt_cv);
		pthread_mutex_unlock(&w->ckpt_mu);
	}
	return SQLITE_OK;
}

static void
checkpointer_start(struct writer *w)
{
	sqlite3 *db = store_db(w->store);
	const char *path = sqlite3_db_filename(db, "main");

	pthread_mutex_init(&w->ckpt_mu, NULL);
	pthread_cond_init(&w->ckpt_cv, NULL);
	if (path && *path && sqlite3_open_v2(path, &w->ckpt_db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(w->ckpt_db, 1000);
		/* A connection learns that the database is in WAL mode on its
		 * first read (here: of the schema version); until then a
		 * checkpoint on it does nothing at all. */
		if (sqlite3_exec(w->ckpt_db, "PRAGMA schema_version", NULL,
		    NULL, NULL) == SQLITE_OK &&
		    pthread_create(&w->ckpt_thread, NULL, checkpoint_main,
		    w) == 0)
			w->ckpt_running = 1;
	}
	if (w->ckpt_running) {
		sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0", NULL, NULL,
		    NULL);
	} else {
		sqlite3_close(w->ckpt_db);
		w->ckpt_db = NULL;
	}
	sqlite3_wal_hook(db, wal_hook, w);
}

/* Stop the checkpointer and leave a small WAL behind. */
static void
checkpointer_stop(struct writer *w)
{
	sqlite3 *db = store_db(w->store);

	if (w->ckpt_running) {
		pthread_mutex_lock(&w->ckpt_mu);
		w->ckpt_stop = 1;
		pthread_cond_broadcast(&w->ckpt_cv);
		pthread_mutex_unlock(&w->ckpt_mu);
		pthread_join(w->ckpt_thread, NULL);
		sqlite3_close(w->ckpt_db);
		w->ckpt_running = 0;
	}
	sqlite3_wal_hook(db, NULL, NULL);
	sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 1000", NULL, NULL, NULL);
	sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL,
	    NULL);
	pthread_mutex_destroy(&w->ckpt_mu);
	pthread_cond_destroy(&w->ckpt_cv);
}

static struct queued
pop_locked(struct writer *w)
{
	struct queued q = w->queue[w->head];

	w->head = (w->head + 1) % WRITER_QUEUE;
	w->count--;
	pthread_cond_signal(&w->nonfull);
	return q;
}

static void
recycle(struct writer *w, struct batch *b)
{
	batch_reset(b);
	pthread_mutex_lock(&w->mu);
	if (w->nspare < (int)ARRAY_LEN(w->spare)) {
		w->spare[w->nspare++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&w->mu);
	if (b) {
		batch_free(b);
		free(b);
	}
}

/* What must happen after a batch's transaction ends. */
struct pending_ack {
	void (*on_commit)(void *arg, int ok);
	void (*on_written)(void *arg);
	void  *arg;
};

static struct pending_ack
pending_of(const struct batch *b)
{
	return (struct pending_ack){ b->on_commit, b->on_written,
	    b->on_commit_arg };
}

/* The writer is done with these batches' transaction. */
static void
written(struct pending_ack *acks, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (acks[i].on_written)
			acks[i].on_written(acks[i].arg);
}

/* The transaction is durable (ok) or failed; written() came first. */
static void
notify(struct pending_ack *acks, int n, int ok)
{
	int i;

	for (i = 0; i < n; i++)
		if (acks[i].on_commit)
			acks[i].on_commit(acks[i].arg, ok);
}

/* Add a durable transaction's totals to the stats. */
static void
count_stored(struct writer *w, int64_t records, int64_t rejected,
    int64_t skipped)
{
	w->records += records;
	w->rejected += rejected;
	w->skipped += skipped;
}

/* A committed transaction waiting for its WAL sync (see walsync.h). */
struct synced {
	struct writer     *w;
	int64_t            records, rejected, skipped;
	int                n;
	struct pending_ack acks[];
};

/*
 * The sync thread: the transaction is on disk (ok), or its sync failed -
 * then the writer stops, and its batches are answered as not stored
 * (a Firehose delivery is sent again, and found committed if it was).
 */
static void
txn_synced(void *arg, int ok)
{
	struct synced *d = arg;
	struct writer *w = d->w;

	if (ok) {
		count_stored(w, d->records, d->rejected, d->skipped);
	} else {
		pthread_mutex_lock(&w->mu);
		if (w->error == NULL)
			w->error = xstrdup("the store's write-ahead log could "
			    "not be synced to disk; stopped (what was not "
			    "acknowledged will be read or sent again)");
		pthread_cond_broadcast(&w->nonfull);
		pthread_mutex_unlock(&w->mu);
	}
	notify(d->acks, d->n, ok);
	free(d);
}

/*
 * Write one transaction: the first batch plus whatever else is queued, up to
 * WRITER_TXN_RECORDS records, or until another connection waits to write.
 * Each batch goes to the tap or is recycled as soon as SQLite has copied
 * it, so a long transaction does not hold batches in memory.
 */
static int
write_txn(struct writer *w, struct queued q, char **err)
{
	struct pending_ack acks[64];
	struct writer_tap tap;
	int n = 0, rc = -1;
	int64_t records = 0, rejected = 0, skipped = 0, gen = 0, last = 0;

	pthread_mutex_lock(&w->mu);
	tap = w->tap;
	pthread_mutex_unlock(&w->mu);
	if (store_begin(w->store, err) < 0) {
		acks[n++] = pending_of(q.batch);
		recycle(w, q.batch);
		goto out;
	}
	/* No generation, no offers (the archive reads the store instead). */
	if (tap.offer && store_archive_generation(w->store, &gen) < 0)
		tap.offer = NULL;
	for (;;) {
		struct batch *b = q.batch;
		int wrote = store_write_batch(w->store, b, q.source, err);
		int64_t first = 0, blast = 0;
		int dense;

		acks[n++] = pending_of(b);
		records += (int64_t)b->nrecords;
		rejected += (int64_t)b->nerrors;
		skipped += b->skipped;
		dense = wrote == 0 && store_batch_rowids(w->store, &first, &blast);
		if (wrote == 0 && blast > last)
			last = blast;
		if (!(dense && tap.offer && tap.offer(tap.arg, b, first, blast,
		    gen)))
			recycle(w, b);
		if (wrote < 0) {
			store_rollback(w->store);
			goto out;
		}
		if (records >= WRITER_TXN_RECORDS || n == (int)ARRAY_LEN(acks) ||
		    store_write_wanted())
			break;
		pthread_mutex_lock(&w->mu);
		if (w->count == 0) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		q = pop_locked(w);
		pthread_mutex_unlock(&w->mu);
	}
	if (store_commit(w->store, err) < 0) {
		store_rollback(w->store);
		goto out;
	}
	w->commits++;
	rc = 0;
	if (w->sync) {
		struct synced *d = xmalloc(sizeof *d + (size_t)n * sizeof *acks);

		*d = (struct synced){ w, records, rejected, skipped, n };
		memcpy(d->acks, acks, (size_t)n * sizeof *acks);
		written(acks, n);	/* before the sync can answer */
		walsync_after_commit(w->sync, txn_synced, d);
		n = 0;	/* acknowledged once durable */
	} else {
		count_stored(w, records, rejected, skipped);
	}
out:
	if (tap.txn_end)
		tap.txn_end(tap.arg, rc == 0, last);
	written(acks, n);
	notify(acks, n, rc == 0);
	return rc;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	thread_set_name("fl-writer");
	for (;;) {
		struct queued q;
		char *err = NULL;
		int failed;

		pthread_mutex_lock(&w->mu);
		while (w->count == 0 && !w->closing)
			pthread_cond_wait(&w->nonempty, &w->mu);
		if (w->count == 0 && w->closing) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		q = pop_locked(w);
		failed = w->error != NULL;	/* the sync thread may set it */
		pthread_mutex_unlock(&w->mu);
		if (failed) {
			struct pending_ack ack = pending_of(q.batch);

			recycle(w, q.batch);
			written(&ack, 1);
			notify(&ack, 1, 0);
			continue;
		}
		if (write_txn(w, q, &err) < 0) {
			pthread_mutex_lock(&w->mu);
			if (w->error == NULL)
				w->error = err;
			else
				free(err);
			pthread_cond_broadcast(&w->nonfull);
			pthread_mutex_unlock(&w->mu);
		}
	}
	return NULL;
}

struct writer *
writer_start(struct store *s)
{
	struct writer *w = xcalloc(1, sizeof *w);

	w->store = s;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->nonempty, NULL);
	pthread_cond_init(&w->nonfull, NULL);
	w->sync = walsync_start(store_db(s));	/* before the checkpointer,
						 * which uses it */
	checkpointer_start(w);
	xthread_start(&w->thread, writer_main, w, "store writer");
	return w;
}

void
writer_set_tap(struct writer *w, const struct writer_tap *t)
{
	pthread_mutex_lock(&w->mu);
	w->tap = *t;
	pthread_mutex_unlock(&w->mu);
}

struct batch *
writer_batch(struct writer *w)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&w->mu);
	if (w->nspare > 0)
		b = w->spare[--w->nspare];
	pthread_mutex_unlock(&w->mu);
	return b ? b : xcalloc(1, sizeof *b);
}

void
writer_release(struct writer *w, struct batch *b)
{
	recycle(w, b);
}

int
writer_submit(struct writer *w, struct batch *b, const char *source,
    char **err)
{
	batch_order_by_start(b);	/* on the caller's thread */
	pthread_mutex_lock(&w->mu);
	while (w->count == WRITER_QUEUE && w->error == NULL)
		pthread_cond_wait(&w->nonfull, &w->mu);
	if (w->error) {
		*err = xstrdup(w->error);
		pthread_mutex_unlock(&w->mu);
		recycle(w, b);
		return -1;
	}
	/* The caller's label may not outlive the call: the batch keeps a copy
	 * until it is committed. */
	free(b->source);
	b->source = xstrdup(source);
	w->queue[(w->head + w->count) % WRITER_QUEUE] =
	    (struct queued){ b, b->source };
	w->count++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void
writer_stats(struct writer *w, struct writer_stats *out)
{
	out->records = w->records;
	out->rejected = w->rejected;
	out->skipped = w->skipped;
	out->commits = w->commits;
	out->checkpoints = w->checkpoints;
	out->wal_restarts = w->wal_restarts;
}

int
writer_finish(struct writer *w, struct writer_stats *final, char **err)
{
	char *sync_err = NULL;
	int rc = 0, i;

	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->tap.detach)
		w->tap.detach(w->tap.arg);
	checkpointer_stop(w);	/* before walsync_stop: it uses w->sync */
	if (walsync_stop(w->sync, store_db(w->store), &sync_err) < 0) {
		fprintf(stderr, "flowlens: %s\n", sync_err);
		free(sync_err);
	}
	if (final)
		writer_stats(w, final);
	if (w->error) {
		*err = w->error;
		rc = -1;
	}
	for (i = 0; i < w->nspare; i++) {
		batch_free(w->spare[i]);
		free(w->spare[i]);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->nonempty);
	pthread_cond_destroy(&w->nonfull);
	free(w);
	return rc;
}

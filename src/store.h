/*
 * store.h - the durable spine: the SQLite store every reader and writer uses.
 *
 * Tables (created on first open; see store.c for the exact DDL):
 *   flow_logs      one row per record, Athena column names, `origin` (the
 *                  ingest_state row it came from) and `extra` (JSON of fields
 *                  without a column)
 *   flow_metrics   tumbling windows (see metrics.h)
 *   ingest_state   one row per source identity, with its checkpoint
 *   ingest_errors  one row per rejected unit, with location, reason and raw
 *   firehose_requests  one row per committed Firehose delivery (requestId)
 *   archive_files  one row per sealed Parquet file: which rows it holds
 *                  (rowids after_rowid < r <= through_rowid of its
 *                  account, region and hour), see archive.h
 *   archive_state  the archive's watermark and requests (one row)
 *   meta           schema version; columns_used, the bitmap of flow_logs
 *                  columns any row has a value in (see store_columns_used)
 * The writer connection runs in WAL mode with synchronous=FULL: a committed
 * batch survives a crash of the process or of the machine.  A `struct store`
 * belongs to one thread at a time; readers open their own connections
 * (query.h).  Functions return 0 or -1 with *err set to an allocated message
 * (caller frees).
 */
#ifndef FLOWLENS_STORE_H
#define FLOWLENS_STORE_H

#include <stdint.h>

#include <sqlite3.h>

#include "batch.h"

#define STORE_SCHEMA_VERSION 1

/* In a columns_used mask: bit c for flow_logs record column c (field.h),
 * and this bit for `extra`. */
#define STORE_EXTRA_COLUMN_BIT ((uint64_t)1 << 63)

struct store;

/* One ingest_state row. Strings are owned by the row. */
struct source_row {
	int64_t id;
	char   *source;		/* path, "-", "demo:..." */
	char   *kind;		/* "file", "stdin", "demo" */
	char   *fingerprint;	/* hash of the first fp_len raw bytes, or NULL */
	int64_t fp_len;
	int64_t raw_size;	/* raw bytes read when last committed */
	int64_t offset;		/* decoded bytes consumed (resume point) */
	int64_t line;		/* lines consumed */
	int64_t records, errors, skipped;
	char   *cursor;		/* JSON for non-file sources, or NULL */
};

/*
 * Open (creating if needed) the store at path for writing, creating its
 * schema.  The parent directory must exist.
 */
int store_open(struct store **out, const char *path, char **err);
void store_close(struct store *s);

/* The underlying connection, for tests and maintenance. */
sqlite3 *store_db(struct store *s);

/* All ingest_state rows for `source`, newest first. */
int store_source_rows(struct store *s, const char *source,
    struct source_row **rows, size_t *n, char **err);
void store_source_rows_free(struct source_row *rows, size_t n);
/* Free the strings of n rows but not the array (rows are zeroed). */
void store_source_rows_free_strings(struct source_row *rows, size_t n);

/* Insert a new ingest_state row and return its id in *id. */
int store_source_create(struct store *s, const char *source, const char *kind,
    const char *fingerprint, int64_t fp_len, int64_t *id, char **err);

/*
 * Forget a source identity: delete its records (and their metric
 * contributions), errors and checkpoint in one transaction; the archive's
 * watermark is lowered below any rowid SQLite may reuse.  Used to force a
 * re-read without duplicating anything.
 */
int store_source_forget(struct store *s, int64_t id, char **err);

/* How many of source id's records are already archived (at or below the
 * archive's watermark): what a re-read would archive a second time. */
int store_source_archived(struct store *s, int64_t id, int64_t *n,
    char **err);

/*
 * Transactions around store_write_batch() (BEGIN IMMEDIATE ... COMMIT).
 * store_begin() first lets any connection of this process that announced
 * a write (store_want_write) go ahead, waiting up to a second for it.
 */
int store_begin(struct store *s, char **err);

/*
 * Announce (on = 1) that this thread is about to wait for the store's
 * write lock on a connection of its own, and withdraw (on = 0) once it has
 * it or gave up.  SQLite's busy handler only polls, so without this a
 * writer that commits and begins again at once (the ingest writer) keeps
 * another (the archiver sealing a file) waiting until the ingest ends.
 * Process-wide; calls must pair.
 */
void store_want_write(int on);

/*
 * Whether another connection of this process announced a write: a long
 * transaction (the ingest writer's) should commit at its next batch
 * rather than make it wait for the rest.
 */
int store_write_wanted(void);

int store_commit(struct store *s, char **err);
void store_rollback(struct store *s);

/*
 * The columns rows of db's flow_logs may have values in, as a mask (bit c
 * for record column c, STORE_EXTRA_COLUMN_BIT for extra): every column a
 * committed row has a value in is in it, in the same snapshot, because the
 * writer adds a batch's columns in the batch's transaction.  All ones for a
 * store older than the mask.  0, or -1 when meta cannot be read (*mask is
 * then all ones).  Works on any connection, read-only ones included.
 */
int store_columns_used(sqlite3 *db, uint64_t *mask);

/*
 * Write a batch inside the open transaction: its records, rejected units
 * (labelled with `source`), the ids of the deliveries it completes
 * (firehose_requests; an id already there fails the write), metric deltas
 * and checkpoint.
 */
int store_write_batch(struct store *s, const struct batch *b,
    const char *source, char **err);

/*
 * The rowids the records of the last store_write_batch() got: returns 1
 * when they are first..last with none left out (always, unless SQLite had
 * to pick random rowids), else 0.  *last is the batch's last rowid either
 * way (0 when it had no record).
 */
int store_batch_rowids(const struct store *s, int64_t *first, int64_t *last);

/*
 * archive_state.generation (raised whenever rowids may be handed out again,
 * see store_source_forget): in the open write transaction, the generation
 * the rowids it inserts belong to.  0, or -1 when it cannot be read.
 */
int store_archive_generation(struct store *s, int64_t *gen);

/*
 * Set *committed to 1 if the delivery `request_id` is in firehose_requests
 * (its records are committed), else 0.  Returns 0, or -1 with *err.
 */
int store_request_committed(struct store *s, const char *request_id,
    int *committed, char **err);

/* Total rows in flow_logs (cheap enough for summaries; uses the index). */
int store_count_records(struct store *s, int64_t *n, char **err);

#endif

/*
 * archive.h - the Parquet archive: committed store rows become Parquet
 * files in AWS's Hive-style layout, exactly once.
 *
 *   DIR/AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/
 *       year=YYYY/month=MM/day=DD/hour=HH/flowlens-<after>-<through>-<rand>.<codec>.parquet
 * (UTC hour of `start`; A and R from the record, else "unknown").
 *
 * An archiver thread buffers committed rows after the watermark
 * archive_state.archived_through - taken from the store writer's batches
 * (archiver_attach; sealed only once committed) or read back on its own
 * store connection - into open files, one per partition, written under
 * hidden temporary names (".tmp-..."), and seals them all together when
 * their estimated size reaches max_bytes, when the oldest buffered row is
 * max_age seconds old, on a flush request, and when the archiver
 * finishes.  Sealing: finish and fsync every file, fsync their
 * directories, then in one store transaction record every file
 * (archive_files: partition and rowid range) and raise the watermark;
 * then rename each file to its final name and fsync the
 * directory.  A restart completes the renames recorded in archive_files and
 * deletes unrecorded temporary files, then re-derives everything after the
 * watermark from the store.  So after kill -9 at any instant every
 * committed record ends up in exactly one published file.
 *
 * One archiver per store at a time (an flock on DB.archiver-lock); a second
 * process on the same store does not archive.  Functions returning int give
 * 0, or -1 with *err set to an allocated message (caller frees).
 */
#ifndef FLOWLENS_ARCHIVE_H
#define FLOWLENS_ARCHIVE_H

#include <stdint.h>
#include <stdio.h>

#include "parquet.h"

#define ARCHIVE_MAX_BYTES   (128LL << 20)
#define ARCHIVE_MAX_AGE     900
#define ARCHIVE_PLACEHOLDER "unknown"

struct archive_options {
	const char   *dir;		/* archive root */
	enum pq_codec codec;
	int64_t       max_bytes;	/* seal at this estimated size */
	int64_t       max_age;		/* seconds; seal when older */
	int64_t       retention;	/* seconds; 0: keep the store's rows */
};

/* The default archive root for a store: "<db path>.archive" (allocated). */
char *archive_default_dir(const char *db_path);

/* Defaults for every field except dir. */
void archive_options_init(struct archive_options *o);

struct archiver;

/*
 * Recover (finish recorded renames, delete stray temporary files), apply
 * retention, and start the archiver thread on the store at db_path.  When
 * another process archives this store, *out is NULL, *err says so and 0 is
 * returned (ingest carries on without archiving).
 */
int archiver_start(struct archiver **out, const char *db_path,
    const struct archive_options *o, char **err);

/*
 * Let the store writer w hand its batches to the archiver (writer_tap), so
 * that rows need not be read back from the store.  Call before the first
 * writer_submit(); the writer must finish before archiver_finish().
 */
struct writer;
void archiver_attach(struct archiver *a, struct writer *w);

struct archiver_stats {
	int64_t sealed_rows, sealed_files;	/* published by this archiver */
	int64_t handed_rows;	/* rows buffered from the writer's batches */
	int64_t read_rows;	/* rows read back from the store */
};

/*
 * Archive every row committed so far, seal, stop the thread, report the
 * final figures in *final (if not NULL) and free a.  Call after the store
 * writer finished.
 */
int archiver_finish(struct archiver *a, struct archiver_stats *final,
    char **err);

/* Figures so far; safe from any thread. */
void archiver_stats(struct archiver *a, struct archiver_stats *out);

/*
 * `flowlens archive flush`: if no process archives the store, archive and
 * seal every committed row here; otherwise ask the running archiver to seal
 * and wait for it (up to timeout seconds).
 */
int archive_flush(const char *db_path, const struct archive_options *o,
    double timeout, char **err);

/*
 * `flowlens archive status`: a human-readable report on out, with the S3
 * uploads (upload.h) to every destination used and to upload_dest
 * (canonical, or NULL).
 */
int archive_status(const char *db_path, const char *dir,
    const char *upload_dest, FILE *out, char **err);

/*
 * `flowlens ddl`: the Athena CREATE EXTERNAL TABLE for the archive at
 * location (an s3:// prefix ending in '/'), with partition projection.
 */
char *archive_ddl(const char *location, const char *table);

/*
 * The DuckDB equivalent of archive_ddl() over a local archive root dir: a
 * view with the same columns, types and partition keys.
 */
char *archive_ddl_duckdb(const char *dir, const char *table);

/* The Parquet columns of the archive (flow_logs columns, then extra). */
const struct pq_column *archive_columns(int *n);

#endif

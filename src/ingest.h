/*
 * ingest.h - read sources into the store, exactly once.
 *
 * Sources are read one after another on the calling thread (decode, parse,
 * aggregate into batches); a writer thread commits batches to the store.
 * Each batch's records, rejected units, metric deltas and the source's new
 * checkpoint commit in one transaction, so a killed ingest re-run with the
 * same arguments stores every record exactly once:
 *   - a file is identified by its path and a fingerprint of its first bytes;
 *     unchanged files add nothing, grown files add only what is new, a
 *     different file at the same path is read from the start;
 *   - `-` (stdin) and `demo:` are read from the start every time.
 * With opt->archive, an archiver thread turns committed rows into Parquet
 * beside the writer and seals everything committed before ingest_run
 * returns (archive.h); with opt->archive_s3 an uploader thread PUTs sealed
 * files to S3 and tries to upload all of them before ingest_run returns
 * (at most INGEST_UPLOAD_WAIT seconds; what is left is uploaded by the
 * next run, see upload.h).
 */
#ifndef FLOWLENS_INGEST_H
#define FLOWLENS_INGEST_H

#include <stdatomic.h>
#include <stdint.h>

struct archive_options;

#define INGEST_UPLOAD_WAIT 60.0

struct ingest_options {
	const char *db_path;	/* store to write */
	const char *log_format;	/* --log-format, or NULL for the v2 default */
	int         progress;	/* 1: live progress line on stderr */
	int         reread;	/* 1: forget checkpoints and stored records of
				 * these sources first (--reread) */
	int         quiet;	/* 1: no summary line */
	int         follow;	/* 1: live sources keep running until *stop
				 * (--follow) */
	/* AWS sources (cwlogs:, s3://): --profile, --region, --endpoint-url,
	 * each NULL when not given (see aws.h for what applies then). */
	const char *aws_profile;
	const char *aws_region;
	const char *aws_endpoint_url;
	/* firehose: sources (see firehose.h); NULL when not given. */
	const char *tls_cert;	/* --tls-cert: PEM certificate chain file */
	const char *tls_key;	/* --tls-key: PEM private key file */
	const char *firehose_key_file;	/* --firehose-access-key-file */
	/* The Parquet archive to keep (archive.h), or NULL for none. */
	const struct archive_options *archive;
	/* --archive-s3 s3://BUCKET/PREFIX/: upload sealed archive files there
	 * (upload.h), or NULL.  Needs archive. */
	const char *archive_s3;
	/* Set asynchronously (signal handler) to stop at the next unit. */
	atomic_int           *stop;
};

struct ingest_summary {
	int64_t records;	/* records stored */
	int64_t rejected;	/* units rejected (rows added to ingest_errors) */
	int64_t skipped;	/* blank, header and control units */
	int64_t bytes;		/* decoded bytes read */
	int64_t unchanged;	/* sources skipped because nothing was new */
	int64_t failed;		/* sources that could not be opened or read */
	int64_t archived;	/* records this run sealed into the archive */
	int64_t archive_files;	/* Parquet files it published */
	double  seconds;	/* wall time */
	int     interrupted;	/* stopped by *stop */
};

/*
 * Ingest every source (a path, "-" or "demo:[?rate=N&duration=D&rows=N]").
 * Returns 0 when all input was read (rejected lines are data, not failure;
 * sources that could not be read are counted in summary->failed and
 * reported on stderr), or -1 with *err on a fatal error (the store cannot
 * be opened or written, a bad --log-format).
 */
int ingest_run(const struct ingest_options *opt, char *const *sources,
    int nsources, struct ingest_summary *summary, char **err);

/*
 * Check a SOURCE argument's syntax before anything is read (so a typo is a
 * usage error, not a failure halfway): 0, or -1 with *err saying what is
 * wrong and the accepted form.  Paths are not checked here.
 */
int ingest_check_source(const char *spec, char **err);

/* Parse a demo: source spec; 0 or -1 with *err. */
int ingest_demo_params(const char *spec, double *rate, double *duration,
    int64_t *rows, uint64_t *seed, char **err);

#endif

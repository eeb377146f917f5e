/*
 * upload.h - `--archive-s3 s3://BUCKET/PREFIX/`: sealed archive files are
 * PUT to S3 (s3_put_file: SigV4, x-amz-checksum-sha256, Content-MD5).
 *
 * The queue is the store itself: every published row of archive_files
 * (archive.h) without an uploaded row in archive_uploads for the
 * destination is pending, so nothing sealed can be lost, files sealed
 * without --archive-s3 (or before it was first given) are uploaded too,
 * and the archiver needs no change.  The object key is PREFIX plus the
 * file's path below the archive root ("AWSLogs/aws-account-id=.../
 * hour=HH/flowlens-....parquet"), so `flowlens ddl --location
 * s3://BUCKET/PREFIX/` describes the uploaded archive, and a PUT repeated
 * after a crash overwrites the same object with the same bytes.
 *
 * A failed upload is recorded (attempts, last_error) and that file is not
 * tried again for 5 s doubling up to 15 min; a failed pass also backs the
 * whole uploader off the same way.  A new process tries every pending file
 * again at once.  Functions returning int give 0, or -1 with *err set to
 * an allocated message (caller frees); no message holds a secret.
 */
#ifndef FLOWLENS_UPLOAD_H
#define FLOWLENS_UPLOAD_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "aws.h"

/* What an upload run left behind. */
struct upload_report {
	int64_t uploaded;	/* files uploaded by this run */
	int64_t pending;	/* published files still not uploaded */
	char   *last_error;	/* the last failure of this run, or NULL
				 * (allocated; free with upload_report_free) */
};

void upload_report_free(struct upload_report *r);

/*
 * Check an --archive-s3 value: s3://BUCKET[/PREFIX], 0 or -1 with *err.
 * *dest (when dest is not NULL) gets the canonical destination,
 * "s3://BUCKET/" or "s3://BUCKET/PREFIX/" (allocated).
 */
int upload_parse_dest(const char *url, char **dest, char **err);

struct uploader;

/*
 * Start the uploader thread for the store at db_path: it uploads every
 * pending file to url, then looks for newly sealed ones every 2 s.  Fails
 * when url is malformed or the AWS configuration is unusable (no region);
 * an unreachable endpoint or missing credentials are upload failures,
 * retried.
 */
int uploader_start(struct uploader **out, const char *db_path,
    const char *url, const struct aws_options *ao, char **err);

/*
 * Upload what is pending one last time, for at most max_wait seconds (the
 * first failed PUT ends it: the endpoint is probably down), stop the
 * thread, fill *r and free u.  Call after the archiver finished, so every
 * committed row is in a sealed file.
 */
int uploader_finish(struct uploader *u, double max_wait,
    struct upload_report *r, char **err);

/* `archive flush --archive-s3`: the same last pass, in this thread. */
int upload_pending(const char *db_path, const char *url,
    const struct aws_options *ao, double max_wait, struct upload_report *r,
    char **err);

/*
 * `archive status`: for each destination uploaded to before, and for dest
 * when not NULL, the files uploaded and pending and the last error.
 */
void upload_status(sqlite3 *db, const char *dest, FILE *out);

#endif

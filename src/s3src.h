/*
 * s3src.h - the s3://BUCKET/PREFIX source: every object under the prefix,
 * as AWS delivered it (flow-log .log.gz files with their header line,
 * Firehose-written objects: concatenated gzip members, back-to-back JSON),
 * decoded by the same envelope and parser path as files.
 *
 *   s3://BUCKET/PREFIX[?interval=60s]
 *
 * Each object is a source identity of its own (ingest_state.source =
 * s3://BUCKET/KEY) whose checkpoint holds its ETag and size: an object read
 * to its end is skipped on later runs, one cut short by a crash resumes at
 * its last committed record, one whose ETag changed is reported and left
 * alone.  With --follow the prefix is listed again every interval.
 */
#ifndef FLOWLENS_S3SRC_H
#define FLOWLENS_S3SRC_H

struct ingest;

int s3src_run(struct ingest *ing, const char *spec);
int s3src_check(const char *spec, char **err);

#endif

/*
 * s3.h - the Amazon S3 calls flowlens makes (ListObjectsV2, GetObject,
 * PutObject), SigV4-signed through aws.h.
 *
 * Addressing: virtual-hosted (https://BUCKET.s3.REGION.amazonaws.com/KEY)
 * on AWS, path-style (ENDPOINT/BUCKET/KEY) when the endpoint is overridden
 * (S3-compatible servers, tests).  Keys are URI-encoded once, as SigV4
 * wants them; query strings are built already canonical (sorted, encoded),
 * since libcurl before 8.3 signs the query as written.
 */
#ifndef FLOWLENS_S3_H
#define FLOWLENS_S3_H

#include <stddef.h>
#include <stdint.h>

#include "aws.h"

struct s3_object {
	char    *key;
	char    *etag;	/* as S3 gives it, quotes included */
	int64_t  size;
};

struct s3_list {
	struct s3_object *objects;	/* owned */
	size_t            n;
	char             *next_token;	/* NextContinuationToken, or NULL */
	int               truncated;	/* IsTruncated was true */
};

/*
 * Split "s3://bucket/prefix" into allocated *bucket and *prefix (possibly
 * ""), or -1 with *err.
 */
int s3_parse_url(const char *url, char **bucket, char **prefix, char **err);

/*
 * Parse a ListObjectsV2 XML response (entities decoded).  Returns 0, or -1
 * with *err when it is not a ListBucketResult.  Contents without a Key are
 * skipped.
 */
int s3_parse_list(const char *xml, size_t len, struct s3_list *out,
    char **err);
void s3_list_free(struct s3_list *l);

/* The URL of a key (or of the bucket when key is NULL) plus a query that
 * must already be canonical, or NULL.  Allocated. */
char *s3_url(struct aws *aws, const char *bucket, const char *key,
    const char *query);

/*
 * Call options shared by the functions below: sleep between retries
 * (returns 1 to give up) and stop a transfer, as in struct aws_request.
 */
struct s3_call {
	int  (*sleep)(void *arg, double seconds);
	void  *sleep_arg;
	int  (*stopping)(void *arg);	/* aborts a transfer, or NULL */
};

/* One ListObjectsV2 page of keys under prefix (token: from the previous
 * page, or NULL).  0, or -1 with *err. */
int s3_list_page(struct aws_client *c, const struct s3_call *call,
    const char *bucket, const char *prefix, const char *token,
    struct s3_list *out, char **err);

/* GetObject into resp->body (and resp->etag).  0, or -1 with *err. */
int s3_get(struct aws_client *c, const struct s3_call *call,
    const char *bucket, const char *key, struct aws_response *resp,
    char **err);

/*
 * PutObject the file at path as bucket/key, streamed from disk, with its
 * SHA-256 as the signed payload hash and x-amz-checksum-sha256 plus
 * Content-MD5 so that S3 rejects a corrupted upload.  Sets *etag
 * (allocated) on success.  Returns 0, or -1 with *err (the file, or the
 * service's refusal naming s3:PutObject).
 */
int s3_put_file(struct aws_client *c, const struct s3_call *call,
    const char *bucket, const char *key, const char *path, char **etag,
    char **err);

#endif

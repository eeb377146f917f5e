/*
 * firehose_body.h - the body of an Amazon Data Firehose HTTP-endpoint
 * delivery, checked and decoded.
 *
 * A delivery is JSON {"requestId": "...", "timestamp": <ms>, "records":
 * [{"data": "<base64>"}, ...]}, optionally gzip-compressed as a whole
 * (Content-Encoding: gzip).  This module turns the raw body into the
 * request id and the decoded bytes of every record, or says exactly what
 * is wrong and where (the JSON position, the record index, the base64
 * offset).  It never touches the network or the store: the HTTP server
 * (firehose.c) and the fuzz target call it.  Pure; any thread.
 */
#ifndef FLOWLENS_FIREHOSE_BODY_H
#define FLOWLENS_FIREHOSE_BODY_H

#include <stddef.h>
#include <stdint.h>

/* Limits of the Firehose HTTP-endpoint contract. */
#define FIREHOSE_MAX_RECORDS 10000		/* records per delivery */
#define FIREHOSE_MAX_RECORD_BYTES 1024000	/* one record, decoded */
#define FIREHOSE_MAX_REQUEST_ID 1024		/* our bound on requestId */

/* One record: `len` decoded bytes at `data + offset` of its body. */
struct firehose_record {
	size_t offset;
	size_t len;
};

struct firehose_body {
	char                   *request_id;	/* owned, NUL-terminated */
	int64_t                 timestamp;	/* ms since epoch (Firehose's) */
	unsigned char          *data;	/* owned: every record's bytes */
	size_t                  data_len;
	struct firehose_record *records;	/* owned, nrecords entries */
	size_t                  nrecords;
};

/* What firehose_body_parse() found wrong. */
enum firehose_body_status {
	FIREHOSE_BODY_OK = 0,
	FIREHOSE_BODY_MALFORMED = -1,	/* answer 400 */
	FIREHOSE_BODY_TOO_LARGE = -2,	/* answer 413 */
};

/*
 * Check and decode a delivery body of `len` bytes.  gzip: the body was
 * sent with Content-Encoding: gzip (it must then be gzip data).  The JSON,
 * after decompression, may be at most max_json bytes (more is
 * FIREHOSE_BODY_TOO_LARGE).  Returns FIREHOSE_BODY_OK with *out filled
 * (free it with firehose_body_free), or another status with *err set to
 * an allocated message naming what is wrong and where; *out is then
 * empty.
 */
enum firehose_body_status firehose_body_parse(const void *raw, size_t len,
    int gzip, size_t max_json, struct firehose_body *out, char **err);

/* Release what a successful parse allocated (safe on a zeroed body). */
void firehose_body_free(struct firehose_body *b);

/*
 * Decode standard base64 (RFC 4648, with '=' padding, no whitespace) of
 * `len` characters into out, which must hold len / 4 * 3 bytes.  Returns
 * the decoded length, or -1 with *bad set to the offset of the first
 * character that is wrong (a character outside the alphabet, misplaced
 * padding, or - at len - a length that is not a multiple of 4).
 */
long firehose_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *bad);

#endif

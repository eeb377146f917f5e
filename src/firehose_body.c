/*
 * firehose_body.c - see firehose_body.h.
 */
#include "firehose_body.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "input.h"
#include "util.h"

/* Base64 alphabet value of each byte; 64 for '=', 255 for anything else. */
static const unsigned char b64_value[256] = {
#define X255 255, 255, 255, 255, 255, 255, 255, 255
	X255, X255, X255, X255, X255,
	255, 255, 255, 62, 255, 255, 255, 63,			/* + / */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61,			/* 0-9 */
	255, 255, 255, 64, 255, 255,				/* = */
	255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,	/* A-O */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,		/* P-Z */
	255, 255, 255, 255, 255,
	255, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,		/* a-z */
	255, 255, 255, 255, 255,
	X255, X255, X255, X255, X255, X255, X255, X255,
	X255, X255, X255, X255, X255, X255, X255, X255,
#undef X255
};

/* Which of the 4 characters at q is wrong ('=' only ends the input). */
static size_t
first_bad_in_quad(const unsigned char *q, int last)
{
	size_t k;

	for (k = 0; k < 4; k++) {
		unsigned v = b64_value[q[k]];

		if (v > 64)
			return k;
		if (v == 64 && (k < 2 || !last ||
		    (k == 2 && b64_value[q[3]] != 64)))
			return k;
	}
	return 0;
}

long
firehose_base64_decode(const char *in, size_t len, unsigned char *out,
    size_t *bad)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;

	if (len % 4 != 0) {
		/* Name the first wrong character if there is one. */
		for (i = 0; i < len; i++)
			if (b64_value[p[i]] > 64) {
				*bad = i;
				return -1;
			}
		*bad = len;
		return -1;
	}
	for (i = 0; i < len; i += 4) {
		unsigned a = b64_value[p[i]], b = b64_value[p[i + 1]];
		unsigned c = b64_value[p[i + 2]], d = b64_value[p[i + 3]];
		int last = i + 4 == len;

		if (a > 63 || b > 63 || c > 64 || d > 64 || (c == 64 && d != 64) ||
		    (!last && (c == 64 || d == 64))) {
			*bad = i + first_bad_in_quad(p + i, last);
			return -1;
		}
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		if (c != 64)
			out[o++] = (unsigned char)((b & 15) << 4 | c >> 2);
		if (d != 64)
			out[o++] = (unsigned char)((c & 3) << 6 | d);
	}
	return (long)o;
}

/* Decompress a gzip body into *json, at most max bytes. */
static enum firehose_body_status
gunzip_body(const void *raw, size_t len, size_t max, struct sbuf *json,
    char **err)
{
	const unsigned char *p = raw;
	struct input *in;
	char *ierr = NULL;

	if (len < 2 || p[0] != 0x1f || p[1] != 0x8b) {
		*err = xstrdup("the body is sent with Content-Encoding: gzip "
		    "but is not gzip data (it does not start with 1f 8b)");
		return FIREHOSE_BODY_MALFORMED;
	}
	if (input_open_mem(&in, raw, len, err) < 0)
		return FIREHOSE_BODY_MALFORMED;
	for (;;) {
		ssize_t n;

		sbuf_reserve(json, 65536);
		n = input_read(in, json->data + json->len, json->cap -
		    json->len - 1, &ierr);
		if (n < 0) {
			input_close(in);
			*err = xasprintf("the gzip body cannot be decompressed: "
			    "%s", ierr);
			free(ierr);
			return FIREHOSE_BODY_MALFORMED;
		}
		if (n == 0)
			break;
		json->len += (size_t)n;
		json->data[json->len] = '\0';
		if (json->len > max) {
			input_close(in);
			*err = xasprintf("the body decompresses to more than "
			    "%zu bytes", max);
			return FIREHOSE_BODY_TOO_LARGE;
		}
	}
	input_close(in);
	return FIREHOSE_BODY_OK;
}

/* The checks on one records[i] entry; decoded bytes go to out->data. */
static int
decode_record(json_t *rec, size_t i, struct firehose_body *out, char **err)
{
	json_t *data;
	const char *text;
	size_t len, bad;
	long n;

	if (!json_is_object(rec)) {
		*err = xasprintf("records[%zu] is not an object", i);
		return -1;
	}
	data = json_object_get(rec, "data");
	if (data == NULL) {
		*err = xasprintf("records[%zu] has no \"data\" field", i);
		return -1;
	}
	if (!json_is_string(data)) {
		*err = xasprintf("records[%zu].data is not a string", i);
		return -1;
	}
	text = json_string_value(data);
	len = json_string_length(data);
	if (len / 4 * 3 > FIREHOSE_MAX_RECORD_BYTES + 2) {
		*err = xasprintf("records[%zu].data is longer than %d bytes "
		    "once decoded", i, FIREHOSE_MAX_RECORD_BYTES);
		return -1;
	}
	n = firehose_base64_decode(text, len, out->data + out->data_len, &bad);
	if (n < 0) {
		if (bad >= len)
			*err = xasprintf("records[%zu].data is not base64: its "
			    "length (%zu) is not a multiple of 4", i, len);
		else
			*err = xasprintf("records[%zu].data is not base64: "
			    "character %zu (byte 0x%02x) is %s", i, bad,
			    (unsigned char)text[bad], text[bad] == '=' ?
			    "padding in the wrong place" :
			    "outside the base64 alphabet");
		return -1;
	}
	if ((size_t)n > FIREHOSE_MAX_RECORD_BYTES) {
		*err = xasprintf("records[%zu].data is longer than %d bytes "
		    "once decoded", i, FIREHOSE_MAX_RECORD_BYTES);
		return -1;
	}
	out->records[i].offset = out->data_len;
	out->records[i].len = (size_t)n;
	out->data_len += (size_t)n;
	return 0;
}

/* Check the parsed JSON and decode its records into out. */
static int
decode_json(json_t *root, struct firehose_body *out, char **err)
{
	json_t *id, *ts, *records;
	size_t i, n, cap = 0;

	if (!json_is_object(root)) {
		*err = xstrdup("the body is not a JSON object");
		return -1;
	}
	id = json_object_get(root, "requestId");
	ts = json_object_get(root, "timestamp");
	records = json_object_get(root, "records");
	if (id == NULL || !json_is_string(id) || json_string_length(id) == 0) {
		*err = xstrdup(id == NULL ? "the body has no \"requestId\"" :
		    "\"requestId\" is not a non-empty string");
		return -1;
	}
	if (json_string_length(id) > FIREHOSE_MAX_REQUEST_ID ||
	    strlen(json_string_value(id)) != json_string_length(id)) {
		*err = xasprintf("\"requestId\" is longer than %d bytes or "
		    "holds a NUL byte", FIREHOSE_MAX_REQUEST_ID);
		return -1;
	}
	if (ts == NULL || !json_is_integer(ts)) {
		*err = xstrdup(ts == NULL ? "the body has no \"timestamp\"" :
		    "\"timestamp\" is not an integer (milliseconds since "
		    "the epoch)");
		return -1;
	}
	if (records == NULL || !json_is_array(records)) {
		*err = xstrdup(records == NULL ? "the body has no \"records\"" :
		    "\"records\" is not an array");
		return -1;
	}
	n = json_array_size(records);
	if (n > FIREHOSE_MAX_RECORDS) {
		*err = xasprintf("\"records\" has %zu entries; a delivery holds "
		    "at most %d", n, FIREHOSE_MAX_RECORDS);
		return -1;
	}
	/* Room for every record decoded: 3 bytes per 4 characters. */
	for (i = 0; i < n; i++) {
		json_t *d = json_object_get(json_array_get(records, i), "data");

		if (json_is_string(d))
			cap += json_string_length(d) / 4 * 3;
	}
	out->request_id = xstrdup(json_string_value(id));
	out->timestamp = (int64_t)json_integer_value(ts);
	out->data = xmalloc(cap + 1);
	out->records = xcalloc(n ? n : 1, sizeof *out->records);
	out->nrecords = n;
	for (i = 0; i < n; i++)
		if (decode_record(json_array_get(records, i), i, out, err) < 0)
			return -1;
	return 0;
}

enum firehose_body_status
firehose_body_parse(const void *raw, size_t len, int gzip, size_t max_json,
    struct firehose_body *out, char **err)
{
	struct sbuf json = { 0 };
	const char *text = raw;
	size_t text_len = len;
	json_error_t jerr;
	json_t *root;
	enum firehose_body_status st = FIREHOSE_BODY_OK;

	memset(out, 0, sizeof *out);
	if (gzip) {
		st = gunzip_body(raw, len, max_json, &json, err);
		if (st != FIREHOSE_BODY_OK) {
			sbuf_free(&json);
			return st;
		}
		text = json.data ? json.data : "";
		text_len = json.len;
	} else if (len > max_json) {
		*err = xasprintf("the body is larger than %zu bytes", max_json);
		return FIREHOSE_BODY_TOO_LARGE;
	}
	root = json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		*err = xasprintf("the body is not valid JSON: %s at line %d, "
		    "column %d (byte %d)", jerr.text, jerr.line, jerr.column,
		    jerr.position);
		st = FIREHOSE_BODY_MALFORMED;
	} else if (decode_json(root, out, err) < 0) {
		firehose_body_free(out);
		st = FIREHOSE_BODY_MALFORMED;
	}
	json_decref(root);
	sbuf_free(&json);
	return st;
}

void
firehose_body_free(struct firehose_body *b)
{
	free(b->request_id);
	free(b->data);
	free(b->records);
	memset(b, 0, sizeof *b);
}

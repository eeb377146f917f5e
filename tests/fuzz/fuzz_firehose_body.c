/*
 * fuzz_firehose_body.c - libFuzzer target for the Firehose delivery body
 * parser (firehose_body.h): gzip, JSON, the contract's fields and base64.
 *
 * The first input byte says whether the rest is sent as Content-Encoding:
 * gzip (odd) or not (even).  Checked:
 *   - the result is one of the three statuses; a failure has a non-empty
 *     message and leaves the body empty;
 *   - a success has a non-empty request id without NUL of bounded length,
 *     at most FIREHOSE_MAX_RECORDS records, each inside the decoded data,
 *     back to back, each at most FIREHOSE_MAX_RECORD_BYTES (every byte is
 *     read, so AddressSanitizer sees a bad offset or length);
 *   - round trip: the parsed delivery written back as JSON with our own
 *     base64 encoder parses to exactly the same id, timestamp and bytes;
 *   - against jansson, an independent JSON parser (uncompressed inputs):
 *     a body we accept is valid JSON to jansson too, with the same
 *     requestId, timestamp and record strings; a body we call "not valid
 *     JSON" is invalid to jansson too (except numbers jansson cannot hold,
 *     which JSON itself allows, and text with a NUL byte, where jansson
 *     stops reading).
 * Decompressed bodies are capped at 4 MiB (more is FIREHOSE_BODY_TOO_LARGE),
 * which bounds time and memory per input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "firehose_body.h"
#include "util.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_JSON (4 * 1024 * 1024)

static void
base64_encode(struct sbuf *out, const unsigned char *p, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = { alphabet[p[i] >> 2],
		    alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4],
		    alphabet[(p[i + 1] & 15) << 2 | p[i + 2] >> 6],
		    alphabet[p[i + 2] & 63] };
		sbuf_append(out, q, 4);
	}
	if (n - i == 1) {
		char q[4] = { alphabet[p[i] >> 2], alphabet[(p[i] & 3) << 4],
		    '=', '=' };
		sbuf_append(out, q, 4);
	} else if (n - i == 2) {
		char q[4] = { alphabet[p[i] >> 2],
		    alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4],
		    alphabet[(p[i + 1] & 15) << 2], '=' };
		sbuf_append(out, q, 4);
	}
}

static uint64_t
checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void
check_body(const struct firehose_body *b)
{
	size_t i, at = 0;
	uint64_t sum = 0;

	CHECK(b->request_id != NULL && b->request_id[0] != '\0');
	CHECK(strlen(b->request_id) <= FIREHOSE_MAX_REQUEST_ID);
	CHECK(b->nrecords <= FIREHOSE_MAX_RECORDS);
	CHECK(b->records != NULL);
	for (i = 0; i < b->nrecords; i++) {
		CHECK(b->records[i].offset == at);
		CHECK(b->records[i].len <= FIREHOSE_MAX_RECORD_BYTES);
		at += b->records[i].len;
		CHECK(at <= b->data_len);
		sum ^= checksum(b->data + b->records[i].offset,
		    b->records[i].len);
	}
	CHECK(at == b->data_len);
	(void)sum;
}

/* Write b back as a delivery body (uncompressed). */
static void
reencode(const struct firehose_body *b, struct sbuf *out)
{
	size_t i;

	sbuf_appends(out, "{\"requestId\":\"");
	sbuf_append_json_string(out, b->request_id, strlen(b->request_id));
	sbuf_printf(out, "\",\"timestamp\":%lld,\"records\":[",
	    (long long)b->timestamp);
	for (i = 0; i < b->nrecords; i++) {
		sbuf_appends(out, i ? ",{\"data\":\"" : "{\"data\":\"");
		base64_encode(out, b->data + b->records[i].offset,
		    b->records[i].len);
		sbuf_appends(out, "\"}");
	}
	sbuf_appends(out, "]}");
}

/* Compare an accepted body with what jansson reads from the same text. */
static void
check_with_jansson(const uint8_t *text, size_t len,
    const struct firehose_body *b)
{
	json_error_t jerr;
	json_t *root = json_loadb((const char *)text, len, 0, &jerr), *records;
	size_t i;

	if (root == NULL && (strstr(jerr.text, "too big") ||
	    strstr(jerr.text, "overflow")))
		return;		/* valid JSON, a number jansson cannot hold */
	CHECK(root != NULL);
	CHECK(strcmp(json_string_value(json_object_get(root, "requestId")),
	    b->request_id) == 0);
	CHECK(json_integer_value(json_object_get(root, "timestamp")) ==
	    b->timestamp);
	records = json_object_get(root, "records");
	CHECK(json_array_size(records) == b->nrecords);
	for (i = 0; i < b->nrecords; i++) {
		const char *d = json_string_value(json_object_get(
		    json_array_get(records, i), "data"));
		unsigned char *dec = malloc(strlen(d) / 4 * 3 + 1);
		size_t bad;
		long n = firehose_base64_decode(d, strlen(d), dec, &bad);

		CHECK(n == (long)b->records[i].len);
		CHECK(n == 0 || memcmp(dec, b->data + b->records[i].offset,
		    (size_t)n) == 0);
		free(dec);
	}
	json_decref(root);
}

/* We said "not valid JSON": jansson must not read it either. */
static void
check_invalid_with_jansson(const uint8_t *text, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb((const char *)text, len, JSON_DECODE_ANY,
	    &jerr);

	if (root == NULL)
		return;
	json_decref(root);
	__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct firehose_body b, again;
	struct sbuf json = { 0 };
	char *err = NULL;
	enum firehose_body_status st;
	size_t i;

	if (size == 0)
		return 0;
	st = firehose_body_parse(data + 1, size - 1, data[0] & 1, MAX_JSON, &b,
	    &err);
	if (st != FIREHOSE_BODY_OK) {
		CHECK(st == FIREHOSE_BODY_MALFORMED ||
		    st == FIREHOSE_BODY_TOO_LARGE);
		CHECK(err != NULL && err[0] != '\0');
		if (!(data[0] & 1) && strstr(err, "not valid JSON") &&
		    memchr(data + 1, 0, size - 1) == NULL)
			check_invalid_with_jansson(data + 1, size - 1);
		CHECK(b.request_id == NULL && b.data == NULL &&
		    b.records == NULL && b.nrecords == 0);
		free(err);
		return 0;
	}
	CHECK(err == NULL);
	check_body(&b);
	if (!(data[0] & 1))
		check_with_jansson(data + 1, size - 1, &b);
	reencode(&b, &json);
	st = firehose_body_parse(json.data, json.len, 0, json.len + 1, &again,
	    &err);
	CHECK(st == FIREHOSE_BODY_OK);
	CHECK(strcmp(again.request_id, b.request_id) == 0);
	CHECK(again.timestamp == b.timestamp);
	CHECK(again.nrecords == b.nrecords && again.data_len == b.data_len);
	for (i = 0; i < b.nrecords; i++)
		CHECK(again.records[i].len == b.records[i].len);
	CHECK(b.data_len == 0 || memcmp(again.data, b.data, b.data_len) == 0);
	firehose_body_free(&again);
	firehose_body_free(&b);
	sbuf_free(&json);
	return 0;
}

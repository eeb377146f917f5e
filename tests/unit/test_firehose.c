/*
 * test_firehose.c - the Firehose delivery body parser (firehose_body.h)
 * and the firehose: source syntax (firehose.h).  The server itself is
 * tested over real HTTP in tests/firehose/.
 */
#include "unit.h"

#include <stdint.h>
#include <zlib.h>

#include "firehose.h"
#include "firehose_body.h"
#include "util.h"

static long
b64(const char *in, unsigned char *out, size_t *bad)
{
	return firehose_base64_decode(in, strlen(in), out, bad);
}

static void
test_base64(void)
{
	unsigned char out[64];
	size_t bad = 99;

	CHECK_INT(b64("", out, &bad), 0);
	CHECK_INT(b64("aGVsbG8=", out, &bad), 5);
	CHECK(memcmp(out, "hello", 5) == 0);
	CHECK_INT(b64("aGVsbG8gd29ybGQ=", out, &bad), 11);
	CHECK_INT(b64("aGk=", out, &bad), 2);
	CHECK_INT(b64("aA==", out, &bad), 1);
	CHECK_INT(b64("+/+/", out, &bad), 3);
	CHECK_INT(b64("aGVsbG8", out, &bad), -1);	/* length */
	CHECK_INT(bad, 7);
	CHECK_INT(b64("aGV*bG8=", out, &bad), -1);
	CHECK_INT(bad, 3);
	CHECK_INT(b64("aG==aGVs", out, &bad), -1);	/* padding inside */
	CHECK_INT(bad, 2);
	CHECK_INT(b64("aGV=aGVs", out, &bad), -1);
	CHECK_INT(bad, 3);
	CHECK_INT(b64("a===", out, &bad), -1);
	CHECK_INT(bad, 1);
	CHECK_INT(b64("aG=s", out, &bad), -1);
	CHECK_INT(bad, 2);
	CHECK_INT(b64("aGVs bG8", out, &bad), -1);	/* no whitespace */
	CHECK_INT(bad, 4);
}

static enum firehose_body_status
parse(const char *json, struct firehose_body *b, char **err)
{
	return firehose_body_parse(json, strlen(json), 0, 1 << 20, b, err);
}

static void
test_body_ok(void)
{
	struct firehose_body b;
	char *err = NULL;

	CHECK_INT(parse("{\"requestId\": \"ed4acda5-034f\", \"timestamp\": "
	    "1578090901599, \"records\": [{\"data\": \"aGVsbG8=\"}, {\"data\": "
	    "\"\"}, {\"data\": \"aGVsbG8gd29ybGQ=\"}]}", &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK(err == NULL);
	CHECK_STR(b.request_id, "ed4acda5-034f");
	CHECK_INT(b.timestamp, 1578090901599LL);
	CHECK_INT(b.nrecords, 3);
	CHECK_INT(b.records[0].len, 5);
	CHECK_INT(b.records[1].len, 0);
	CHECK_INT(b.records[2].len, 11);
	CHECK(memcmp(b.data + b.records[2].offset, "hello world", 11) == 0);
	firehose_body_free(&b);
	/* Escapes, unknown fields of every kind, whitespace, key order. */
	CHECK_INT(parse(" {\"records\" : [ {\"x\": [1, -2.5e3, {\"y\": null}], "
	    "\"data\" : \"aGVs\\/G8=\"} ] , \"extra\": true, \"timestamp\":-7,"
	    "\n\"requestId\": \"a\\u00e9\\ud83d\\ude00\\\"\"}\n", &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK_STR(b.request_id, "a\xc3\xa9\xf0\x9f\x98\x80\"");
	CHECK_INT(b.timestamp, -7);
	CHECK_INT(b.nrecords, 1);
	CHECK_INT(b.records[0].len, 5);
	firehose_body_free(&b);
}

/* A malformed body: status 400 and a message containing `want`. */
static void
check_malformed(const char *json, const char *want)
{
	struct firehose_body b;
	char *err = NULL;

	CHECK_INT(parse(json, &b, &err), FIREHOSE_BODY_MALFORMED);
	CHECK(err != NULL && strstr(err, want) != NULL);
	if (err && !strstr(err, want))
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
	CHECK(b.request_id == NULL && b.records == NULL);
	free(err);
}

static void
test_body_errors(void)
{
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[{\"data\": \"aGVsbG8=\"}, {\"data\": \"aGV*bG8=\"}]}",
	    "records[1].data is not base64: character 3 (byte 0x2a)");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[{\"data\": \"aGVsbG8\"}]}", "length (7) is not a multiple of 4");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[{\"date\": \"aGVsbG8=\"}]}", "records[0] has no \"data\" field");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[{\"data\": 5}]}", "records[0].data is a number, not a string");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[7]}", "records[0] is not an object");
	check_malformed("{\"timestamp\": 1, \"records\": []}",
	    "no \"requestId\"");
	check_malformed("{\"requestId\": \"x\", \"records\": []}",
	    "no \"timestamp\"");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": \"1\", "
	    "\"records\": []}", "\"timestamp\" is a string, not an integer");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1}",
	    "no \"records\"");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "{}}", "\"records\" is an object, not an array");
	check_malformed("{\"requestId\": \"x\",\n \"timestamp\": 1,, }",
	    "not valid JSON: ");
	check_malformed("{\"requestId\": \"x\",\n \"timestamp\": 1,, }",
	    "line 2, column");
	check_malformed("[1]", "not a JSON object");
	check_malformed("{\"requestId\": \"x\", \"requestId\": \"y\", "
	    "\"timestamp\": 1, \"records\": []}", "\"requestId\" twice");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1.5, "
	    "\"records\": []}", "\"timestamp\" is not an integer");
	check_malformed("{\"requestId\": \"x\", \"timestamp\": 1, \"records\": "
	    "[{\"data\": \"aGk=\"}]} x", "end of file expected");
	check_malformed("{\"requestId\": \"\\ud800\", \"timestamp\": 1, "
	    "\"records\": []}", "lone high surrogate");
	check_malformed("{\"requestId\": \"\xff\", \"timestamp\": 1, "
	    "\"records\": []}", "invalid UTF-8");
}

static void
test_body_gzip_and_size(void)
{
	const char *json = "{\"requestId\":\"g\",\"timestamp\":2,\"records\":"
	    "[{\"data\":\"aGk=\"}]}";
	unsigned char gz[512];
	struct firehose_body b;
	z_stream z;
	char *err = NULL;
	size_t n;

	memset(&z, 0, sizeof z);
	CHECK(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) ==
	    Z_OK);
	z.next_in = (unsigned char *)json;
	z.avail_in = (unsigned)strlen(json);
	z.next_out = gz;
	z.avail_out = sizeof gz;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	n = sizeof gz - z.avail_out;
	deflateEnd(&z);
	CHECK_INT(firehose_body_parse(gz, n, 1, 1 << 20, &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK_STR(b.request_id, "g");
	CHECK_INT(b.nrecords, 1);
	firehose_body_free(&b);
	/* Decompressing past the limit: 413, not 400. */
	CHECK_INT(firehose_body_parse(gz, n, 1, 10, &b, &err),
	    FIREHOSE_BODY_TOO_LARGE);
	CHECK(err && strstr(err, "more than 10 bytes"));
	free(err);
	err = NULL;
	CHECK_INT(firehose_body_parse(json, strlen(json), 0, 10, &b, &err),
	    FIREHOSE_BODY_TOO_LARGE);
	free(err);
	err = NULL;
	/* Said to be gzip, but is not. */
	CHECK_INT(firehose_body_parse(json, strlen(json), 1, 1 << 20, &b,
	    &err), FIREHOSE_BODY_MALFORMED);
	CHECK(err && strstr(err, "is not gzip data"));
	free(err);
	err = NULL;
	/* Truncated gzip. */
	CHECK_INT(firehose_body_parse(gz, n - 6, 1, 1 << 20, &b, &err),
	    FIREHOSE_BODY_MALFORMED);
	CHECK(err && strstr(err, "cannot be decompressed"));
	free(err);
	err = NULL;
	/* Bytes after the last member that are not gzip. */
	memcpy(gz + n, "xy", 2);
	CHECK_INT(firehose_body_parse(gz, n + 2, 1, 1 << 20, &b, &err),
	    FIREHOSE_BODY_MALFORMED);
	CHECK(err && strstr(err, "not gzip (compressed byte"));
	free(err);
	err = NULL;
	/* Exactly the limit decompresses; one byte less is too large. */
	CHECK_INT(firehose_body_parse(gz, n, 1, strlen(json), &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK_INT(b.nrecords, 1);
	firehose_body_free(&b);
	CHECK_INT(firehose_body_parse(gz, n, 1, strlen(json) - 1, &b, &err),
	    FIREHOSE_BODY_TOO_LARGE);
	free(err);
}

/* Append text compressed as one gzip member to out (cap bytes). */
static size_t
gzip_member(const char *text, size_t len, unsigned char *out, size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof z);
	CHECK(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) ==
	    Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (unsigned)len;
	z.next_out = out;
	z.avail_out = (unsigned)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	n = cap - z.avail_out;
	deflateEnd(&z);
	return n;
}

/*
 * Bodies larger than one read, in one gzip member (the buffer is sized from
 * the trailer) and in two, where the last member's trailer gives only a
 * part of the size: every record arrives either way.
 */
static void
test_body_gzip_large(void)
{
	struct sbuf json = { 0 };
	struct firehose_body b;
	size_t cap = 1 << 20, n, half, i;
	unsigned char *gz = malloc(cap);
	char *err = NULL;

	sbuf_appends(&json, "{\"requestId\":\"big\",\"timestamp\":3,"
	    "\"records\":[");
	for (i = 0; i < 8000; i++)
		sbuf_appends(&json, i ? ",{\"data\":\"aGVsbG8gd29ybGQ=\"}" :
		    "{\"data\":\"aGVsbG8gd29ybGQ=\"}");
	sbuf_appends(&json, "]}");
	CHECK(json.len > 150000);
	n = gzip_member(json.data, json.len, gz, cap);
	CHECK_INT(firehose_body_parse(gz, n, 1, 1 << 24, &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK_INT(b.nrecords, 8000);
	firehose_body_free(&b);
	half = json.len - 100;
	n = gzip_member(json.data, half, gz, cap);
	n += gzip_member(json.data + half, json.len - half, gz + n, cap - n);
	CHECK_INT(firehose_body_parse(gz, n, 1, 1 << 24, &b, &err),
	    FIREHOSE_BODY_OK);
	CHECK_INT(b.nrecords, 8000);
	CHECK(b.nrecords == 8000 && b.records[7999].len == 11);
	firehose_body_free(&b);
	free(err);
	free(gz);
	sbuf_free(&json);
}

static void
test_spec(void)
{
	struct firehose_addr a;
	char *err = NULL;

	CHECK_INT(firehose_parse_spec("firehose:8443", &a, &err), 0);
	CHECK_STR(a.host, "127.0.0.1");
	CHECK_INT(a.port, 8443);
	CHECK_STR(a.path, "/");
	CHECK_INT(firehose_parse_spec("firehose:0.0.0.0:443/fh/flows", &a,
	    &err), 0);
	CHECK_STR(a.host, "0.0.0.0");
	CHECK_INT(a.port, 443);
	CHECK_STR(a.path, "/fh/flows");
	CHECK_INT(firehose_parse_spec("firehose:[::1]:0", &a, &err), 0);
	CHECK_INT(a.family, AF_INET6);
	CHECK_STR(a.host, "::1");
	CHECK_INT(firehose_parse_spec("firehose:localhost:9", &a, &err), 0);
	CHECK_STR(a.host, "127.0.0.1");
	CHECK_INT(firehose_parse_spec("firehose:", &a, &err), -1);
	CHECK(err && strstr(err, "firehose:ADDR:PORT"));
	free(err);
	err = NULL;
	CHECK_INT(firehose_parse_spec("firehose:70000", &a, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(firehose_parse_spec("firehose:example.com:80", &a, &err),
	    -1);
	free(err);
	err = NULL;
	CHECK_INT(firehose_parse_spec("firehose:[::1]80", &a, &err), -1);
	free(err);
	err = NULL;
	CHECK_INT(firehose_parse_spec("firehose:8443x", &a, &err), -1);
	free(err);
}

UNIT_MAIN(
    UNIT_CASE(test_base64),
    UNIT_CASE(test_body_ok),
    UNIT_CASE(test_body_errors),
    UNIT_CASE(test_body_gzip_and_size), UNIT_CASE(test_body_gzip_large),
    UNIT_CASE(test_spec)
)

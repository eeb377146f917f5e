/* Unit tests: gzip layers and envelope framing (src/input.c, envelope.c). */
#include "unit.h"

#include <malloc.h>
#include <pthread.h>

#include <zlib.h>

#include "envelope.h"
#include "util.h"

/* What a sink saw, as text: "L<line>:<text>" / "R<line>:<reason>" / "S". */
struct seen {
	struct sbuf log;
	int64_t     last_offset;
	int         offsets_ok;
};

static void
on_line(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	struct seen *s = ctx;

	sbuf_printf(&s->log, "L%lld", (long long)loc->line);
	if (loc->event)
		sbuf_printf(&s->log, "e%lld", (long long)loc->event);
	sbuf_appendc(&s->log, ':');
	sbuf_append(&s->log, line, len);
	sbuf_appendc(&s->log, '|');
}

static void
on_reject(void *ctx, const struct unit_loc *loc, const char *reason,
    const char *raw, size_t raw_len)
{
	struct seen *s = ctx;

	(void)raw;
	(void)raw_len;
	sbuf_printf(&s->log, "R%lld:%.20s|", (long long)loc->line, reason);
}

static void
on_skip(void *ctx, const struct unit_loc *loc)
{
	struct seen *s = ctx;

	(void)loc;
	sbuf_appends(&s->log, "S|");
}

static int
on_unit_end(void *ctx, int64_t offset, int64_t line)
{
	struct seen *s = ctx;

	(void)line;
	if (offset < s->last_offset)
		s->offsets_ok = 0;
	s->last_offset = offset;
	return 0;
}

static char *
decode(const void *data, size_t len, int *rc, int64_t *end_offset)
{
	struct envelope_sink sink = { NULL, on_line, on_reject, on_skip,
	    on_unit_end, NULL };
	struct seen s = { { 0 }, 0, 1 };
	char *err = NULL;

	sink.ctx = &s;
	*rc = envelope_decode_buffer(data, len, 0, 0, &sink, &err);
	if (err)
		sbuf_printf(&s.log, "E:%s", err);
	free(err);
	CHECK(s.offsets_ok);
	if (end_offset)
		*end_offset = s.last_offset;
	if (s.log.data == NULL)
		sbuf_appends(&s.log, "");
	return s.log.data;
}

/* envelope_sink.tail: takes a last line only if it ends in "OK". */
static int
on_tail(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	struct seen *s = ctx;

	if (len < 2 || memcmp(line + len - 2, "OK", 2) != 0) {
		sbuf_printf(&s->log, "H%lld:%.*s|", (long long)loc->line,
		    (int)len, line);
		return 0;
	}
	on_line(ctx, line, len, loc);
	return 1;
}

/* Decode text with on_tail as the sink's tail(). */
static char *
decode_with_tail(const char *text, int *rc, int64_t *end_offset)
{
	struct envelope_sink sink = { NULL, on_line, on_reject, on_skip,
	    on_unit_end, on_tail };
	struct seen s = { { 0 }, 0, 1 };
	char *err = NULL;

	sink.ctx = &s;
	*rc = envelope_decode_buffer(text, strlen(text), 0, 0, &sink, &err);
	free(err);
	CHECK(s.offsets_ok);
	*end_offset = s.last_offset;
	if (s.log.data == NULL)
		sbuf_appends(&s.log, "");
	return s.log.data;
}

static size_t
gzip(const char *text, unsigned char *out, size_t cap)
{
	z_stream z;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void
test_text_lines(void)
{
	int rc;
	int64_t end;
	char *log = decode("a b\r\n\nlast", 10, &rc, &end);

	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1:a b\r|L2:|L3:last|");
	CHECK_INT(end, 10);
	free(log);
}

/*
 * The last line without a newline goes to tail(): left unread, reading
 * ends at its first byte (where a checkpoint would resume); taken, it is
 * a line like any other.  Lines with newlines never reach tail().
 */
static void
test_unterminated_last_line(void)
{
	int rc;
	int64_t end;
	char *log = decode_with_tail("a\nb\nhal", &rc, &end);

	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1:a|L2:b|H3:hal|");
	CHECK_INT(end, 4);	/* after "a\nb\n": "hal" is read again */
	free(log);
	log = decode_with_tail("a\nwhole OK", &rc, &end);
	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1:a|L2:whole OK|");
	CHECK_INT(end, 10);
	free(log);
	log = decode_with_tail("a\nno ok\n", &rc, &end);
	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1:a|L2:no ok|");
	CHECK_INT(end, 8);
	free(log);
	log = decode_with_tail("half", &rc, &end);	/* nothing taken */
	CHECK_INT(rc, 0);
	CHECK_STR(log, "H1:half|");
	CHECK_INT(end, 0);
	free(log);
}

static void
test_gzip_members_and_nesting(void)
{
	unsigned char buf[4096], inner[2048];
	size_t n, m;
	int rc;
	char *log;

	n = gzip("one\n", buf, sizeof buf);
	n += gzip("two\n", buf + n, sizeof buf - n);
	log = decode(buf, n, &rc, NULL);
	CHECK_STR(log, "L1:one|L2:two|");
	free(log);
	/* gzip of (gzip member + gzip member) */
	m = gzip("{\"message\":\"x y\"}", inner, sizeof inner);
	m += gzip("{\"message\":\"z\"}", inner + m, sizeof inner - m);
	inner[m] = '\0';
	{
		z_stream z;

		memset(&z, 0, sizeof z);
		deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY);
		z.next_in = inner;
		z.avail_in = (uInt)m;
		z.next_out = buf;
		z.avail_out = sizeof buf;
		deflate(&z, Z_FINISH);
		n = sizeof buf - z.avail_out;
		deflateEnd(&z);
	}
	log = decode(buf, n, &rc, NULL);
	CHECK_STR(log, "L1:x y|L1:z|");
	free(log);
}

static void
test_gzip_damage(void)
{
	unsigned char buf[4096];
	size_t n = gzip("one\ntwo\nthree\n", buf, sizeof buf);
	int rc;
	char *log;

	log = decode(buf, n - 6, &rc, NULL);	/* cut the trailer */
	CHECK_INT(rc, -1);
	CHECK(strstr(log, "L1:one|L2:two|L3:three|") != NULL);
	CHECK(strstr(log, "E:gzip data is truncated") != NULL);
	free(log);
	memcpy(buf + n, "junk", 4);
	log = decode(buf, n + 4, &rc, NULL);
	CHECK_INT(rc, -1);
	CHECK(strstr(log, "not gzip") != NULL);
	free(log);
}

static void
test_cloudwatch_payloads(void)
{
	static const char two[] =
	    "{\"messageType\":\"DATA_MESSAGE\",\"logStream\":\"eni-1\","
	    "\"logEvents\":[{\"id\":\"1\",\"message\":\"a\"},"
	    "{\"id\":\"2\",\"message\":\"b\",\"extractedFields\":{\"x\":\"1\"}},"
	    "{\"id\":\"3\"}]}"
	    "{\"messageType\":\"CONTROL_MESSAGE\",\"logEvents\":[]}\n"
	    "{\"messageType\":\"OTHER\"}";
	int rc;
	char *log = decode(two, strlen(two), &rc, NULL);

	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1e1:a|L1e2:b|R1:CloudWatch Logs even|S|"
	    "R2:CloudWatch Logs payl|");
	free(log);
}

static void
test_firehose_and_bad_json(void)
{
	static const char lines[] =
	    "{\"message\":\"r1\\nr2\"}\n"
	    "plain line\n"
	    "{\"message\": \"cut\n"
	    "  {\"neither\":1}\n";
	int rc;
	char *log = decode(lines, strlen(lines), &rc, NULL);

	CHECK_INT(rc, 0);
	CHECK_STR(log, "L1:r1|L1:r2|L2:plain line|R3:invalid JSON at line|"
	    "R4:JSON object is neith|");
	free(log);
}

/* Found by reading input.c after fuzzing: inflate() can return good output
 * and a data error from the same call; the output must not be lost. */
static void
test_gzip_output_before_corruption(void)
{
	static const char hex[] =
	    "1f8b0800000000000203335230343236313533b7b03430345048cdcbd43554"
	    "3034d0034138c348c1c4c458c1d4c0c040c10c28a6600164189a1b40019c69"
	    "66a0e0e8ecec1a10a2e0efcd6584c760235a196c4c2b834d6865b029250623"
	    "0038837882bd010000";
	unsigned char buf[sizeof hex / 2];
	size_t i;
	int rc, lines = 0;
	char *log, *p;

	for (i = 0; i < sizeof buf; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		buf[i] = (unsigned char)v;
	}
	log = decode(buf, sizeof buf, &rc, NULL);
	CHECK_INT(rc, -1);
	for (p = log; (p = strstr(p, "OK|")) != NULL; p++)
		lines++;
	CHECK_INT(lines, 5);
	CHECK(strstr(log, "E:gzip data is corrupt") != NULL);
	free(log);
}

struct heap_probe {
	size_t before, during;
	int    rc, rejected;
};

/* mmapped bytes in use while a line is delivered (glibc; 0 under ASan) */
static void
probe_line(void *ctx, const char *line, size_t len,
    const struct unit_loc *loc)
{
	(void)line;
	(void)len;
	(void)loc;
	((struct heap_probe *)ctx)->during = mallinfo2().hblkhd;
}

static void
probe_reject(void *ctx, const struct unit_loc *loc, const char *reason,
    const char *raw, size_t raw_len)
{
	(void)loc;
	(void)reason;
	(void)raw;
	(void)raw_len;
	((struct heap_probe *)ctx)->rejected++;
}

static void
probe_skip(void *ctx, const struct unit_loc *loc)
{
	(void)loc;
	((struct heap_probe *)ctx)->rejected++;
}

static int
probe_unit_end(void *ctx, int64_t offset, int64_t line)
{
	(void)ctx;
	(void)offset;
	(void)line;
	return 0;
}

static void *
decode_record(void *arg)
{
	static const char rec[] = "2 123456789012 eni-0a1b2c3d 10.0.0.1 "
	    "10.0.0.2 443 49152 6 10 8400 1700000000 1700000060 ACCEPT OK\n";
	struct heap_probe *hp = arg;
	struct envelope_sink sink = { NULL, probe_line, probe_reject,
	    probe_skip, probe_unit_end, NULL };
	char *err = NULL;

	sink.ctx = hp;
	hp->before = mallinfo2().hblkhd;
	hp->rc = envelope_decode_buffer(rec, sizeof rec - 1, 0, 0, &sink,
	    &err);
	free(err);
	return NULL;
}

/*
 * A Firehose record is decoded on its own: its working buffer is sized by
 * the record, not the 512 KB a file stream gets.  With flowlens' mmap
 * threshold (main.c) a 512 KB buffer was an mmap and a munmap per record,
 * which halved the Firehose endpoint's throughput.  The decode runs on a
 * new thread, whose fresh malloc arena has no free space to hide a large
 * buffer in: one would show up in the mmapped bytes.
 */
static void
test_small_buffer_small_memory(void)
{
	struct heap_probe hp = { 0, (size_t)-1, -1, 0 };
	pthread_t t;

	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	CHECK_INT(pthread_create(&t, NULL, decode_record, &hp), 0);
	pthread_join(t, NULL);
	CHECK_INT(hp.rc, 0);
	CHECK_INT(hp.rejected, 0);
	CHECK(hp.during != (size_t)-1);		/* the line was delivered */
	CHECK(hp.during < hp.before + 256 * 1024);
}

UNIT_MAIN(UNIT_CASE(test_text_lines), UNIT_CASE(test_unterminated_last_line),
    UNIT_CASE(test_gzip_output_before_corruption), UNIT_CASE(test_gzip_members_and_nesting),
    UNIT_CASE(test_gzip_damage), UNIT_CASE(test_cloudwatch_payloads),
    UNIT_CASE(test_firehose_and_bad_json),
    UNIT_CASE(test_small_buffer_small_memory))

/*
 * fuzz_envelope.c - libFuzzer target for the envelope layer over an
 * in-memory input: gzip detection (single, multi-member, nested, damaged),
 * CloudWatch Logs subscription payloads, Firehose records and text lines.
 *
 * The bytes go through the envelope layer twice with the same checking sink:
 *   1. envelope_run() over input_open_mem()/input_read(), with a reader
 *      that counts the decoded bytes it hands out;
 *   2. envelope_decode_buffer(), the public in-memory entry point.
 * The sink
 *   - reads every byte of every line, raw unit, stream name and reason it
 *     is handed (a checksum, so AddressSanitizer sees a bad pointer or
 *     length), and checks reasons are non-empty;
 *   - checks each location: line is the one after the last unit ended,
 *     known kind, event/part >= 0;
 *   - checks unit_end offsets strictly increase (every unit consumes a
 *     byte), lines never decrease, and - in pass 1 - that no offset exceeds
 *     the bytes decoded so far;
 *   - parses every line with the default v2 format (or builds a format from
 *     it when it looks like a header), as ingest would.
 * After pass 1 the last offset must equal the decoded total (every decoded
 * byte belongs to exactly one unit); pass 2 must deliver exactly the same
 * events, result and error (same digest).  Inputs that decode to more than
 * MAX_DECODED bytes (gzip bombs) are dropped after pass 1: that bounds
 * memory and time, and is not a property of the code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "format.h"
#include "input.h"
#include "parse.h"
#include "record.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_DECODED (4 * 1024 * 1024)

struct state {
	uint64_t           digest;	/* of every event, in order */
	int64_t            last_offset, last_line;
	int64_t            units;
	int64_t            decoded;	/* bytes the reader handed out */
	int                counting;	/* decoded is meaningful */
	int                too_big;	/* decoded more than MAX_DECODED */
	struct flow_record rec;
	char               reason[256];
};

/* What counting_read reads from. */
struct reader {
	struct state *s;
	struct input *in;
};

static struct flow_format v2;

/* FNV-1a: reads every byte, and orders events. */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	if (h == 0)
		h = 1469598103934665603ULL;
	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t
mix_int(uint64_t h, int64_t v)
{
	return mix(h, &v, sizeof v);
}

static void
check_loc(struct state *s, const struct unit_loc *loc)
{
	CHECK(loc != NULL);
	CHECK(loc->line >= 1);
	/* A unit starts on the line after the last one that ended. */
	CHECK(loc->line == s->last_line + 1);
	CHECK(loc->kind == ENVELOPE_TEXT || loc->kind == ENVELOPE_FIREHOSE ||
	    loc->kind == ENVELOPE_CLOUDWATCH);
	CHECK(loc->event >= 0 && loc->part >= 0);
	CHECK(loc->raw != NULL || loc->raw_len == 0);
	s->digest = mix_int(s->digest, loc->line);
	s->digest = mix_int(s->digest, loc->kind);
	s->digest = mix_int(s->digest, loc->event);
	s->digest = mix_int(s->digest, loc->part);
	if (loc->raw)
		s->digest = mix(s->digest, loc->raw, loc->raw_len);
	if (loc->stream)
		s->digest = mix(s->digest, loc->stream, strlen(loc->stream));
}

static void
on_line(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	struct state *s = ctx;
	struct flow_format hdr;
	int rc;

	check_loc(s, loc);
	CHECK(line != NULL);
	CHECK(len <= ENVELOPE_MAX_OBJECT + (size_t)1024 * 1024);
	s->digest = mix(s->digest, "L", 1);
	s->digest = mix(s->digest, line, len);
	if (parse_is_blank(line, len))
		return;
	if (format_is_header(line, len)) {
		if (format_from_header(line, len, &hdr))
			format_free(&hdr);
		return;
	}
	rc = parse_line(&v2, line, len, &s->rec, s->reason,
	    sizeof s->reason);
	CHECK(rc == 0 || (rc == -1 && s->reason[0] != '\0'));
}

static void
on_reject(void *ctx, const struct unit_loc *loc, const char *reason,
    const char *raw, size_t raw_len)
{
	struct state *s = ctx;

	check_loc(s, loc);
	CHECK(reason != NULL && reason[0] != '\0');
	CHECK(raw != NULL || raw_len == 0);
	s->digest = mix(s->digest, "R", 1);
	s->digest = mix(s->digest, reason, strlen(reason));
	if (raw)
		s->digest = mix(s->digest, raw, raw_len);
}

static void
on_skip(void *ctx, const struct unit_loc *loc)
{
	struct state *s = ctx;

	check_loc(s, loc);
	s->digest = mix(s->digest, "S", 1);
}

static int
on_unit_end(void *ctx, int64_t offset, int64_t line)
{
	struct state *s = ctx;

	/* Every unit consumes at least one byte. */
	CHECK(offset > s->last_offset);
	CHECK(line >= s->last_line);
	/* A unit ends where its bytes end: lines can't outrun bytes. */
	CHECK(line <= offset);
	if (s->counting)
		CHECK(offset <= s->decoded);
	s->last_offset = offset;
	s->last_line = line;
	s->units++;
	s->digest = mix(s->digest, "E", 1);
	s->digest = mix_int(s->digest, offset);
	s->digest = mix_int(s->digest, line);
	return 0;
}

static const struct envelope_sink sink_template = {
	NULL, on_line, on_reject, on_skip, on_unit_end, NULL
};

/* Bytes of the last line on_tail() left unread, or -1. */
static int64_t held_len;

/* envelope_sink.tail as ingest uses it: a line that is not a record is
 * left unread. */
static int
on_tail(void *ctx, const char *line, size_t len, const struct unit_loc *loc)
{
	struct state *s = ctx;

	check_loc(s, loc);
	CHECK(memchr(line, '\n', len) == NULL);
	CHECK(held_len == -1);	/* only the last line, only once */
	if (!parse_is_blank(line, len) && parse_line(&v2, line, len, &s->rec,
	    s->reason, sizeof s->reason) != 0) {
		held_len = (int64_t)len;
		return 0;
	}
	on_line(ctx, line, len, loc);
	return 1;
}

/* envelope_read_fn over input_read(), counting what it hands out. */
static long
counting_read(void *src, void *buf, size_t cap, char **err)
{
	struct reader *r = src;
	ssize_t n;

	/* Past the bound, pretend the input ended (the run is discarded). */
	if (r->s->decoded > MAX_DECODED) {
		r->s->too_big = 1;
		return 0;
	}
	n = input_read(r->in, buf, cap, err);
	CHECK(n >= -1 && (n < 0 || (size_t)n <= cap));
	CHECK(n >= 0 || *err != NULL);
	if (n > 0)
		r->s->decoded += n;
	return (long)n;
}

static void
reset_state(struct state *s)
{
	s->digest = 0;
	s->last_offset = 0;
	s->last_line = 0;
	s->units = 0;
	s->decoded = 0;
	s->counting = 0;
	s->too_big = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct envelope_sink sink = sink_template;
	struct state s;
	struct reader r;
	char *err = NULL, *err2 = NULL;
	uint64_t digest;
	int64_t units, end;
	int rc, rc2;

	if (!init) {
		char *e = NULL;

		CHECK(format_parse(FORMAT_DEFAULT_V2, &v2, &e) == 0);
		init = 1;
	}
	memset(&s, 0, sizeof s);
	sink.ctx = &s;

	/*
	 * 1. The streaming entry point, with a reader that knows how much it
	 * decoded: every unit_end offset is checked against that as it comes.
	 */
	reset_state(&s);
	s.counting = 1;
	r.s = &s;
	CHECK(input_open_mem(&r.in, data, size, &err) == 0);
	rc = envelope_run(counting_read, &r, 0, 0, &sink, &err);
	input_close(r.in);
	if (s.too_big) {
		free(err);
		record_free(&s.rec);
		return 0;
	}
	CHECK(rc == 0 || rc == -1);
	CHECK(rc == 0 ? err == NULL : err != NULL && err[0] != '\0');
	/* Every decoded byte belongs to exactly one unit. */
	CHECK(s.last_offset == s.decoded);
	digest = mix(s.digest, err ? err : "", err ? strlen(err) : 0);
	units = s.units;
	end = s.last_offset;
	free(err);

	/* 2. The public in-memory entry point: the same events. */
	reset_state(&s);
	rc2 = envelope_decode_buffer(data, size, 0, 0, &sink, &err2);
	CHECK(rc2 == rc);
	CHECK(rc2 == 0 ? err2 == NULL : err2 != NULL);
	CHECK(s.units == units && s.last_offset == end);
	CHECK(mix(s.digest, err2 ? err2 : "", err2 ? strlen(err2) : 0) ==
	    digest);
	free(err2);

	/*
	 * 3. With a tail() that leaves a last line that is not a record
	 * unread: reading ends exactly at its first byte; taken, nothing
	 * changes.
	 */
	reset_state(&s);
	held_len = -1;
	sink.tail = on_tail;
	err2 = NULL;
	rc2 = envelope_decode_buffer(data, size, 0, 0, &sink, &err2);
	CHECK(rc2 == rc);
	if (held_len >= 0)
		CHECK(s.last_offset + held_len == end);
	else
		CHECK(s.units == units && s.last_offset == end);
	free(err2);
	record_free(&s.rec);
	return 0;
}

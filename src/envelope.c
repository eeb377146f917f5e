/*
 * envelope.c - see envelope.h.
 */
#include "envelope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "input.h"
#include "util.h"

/* Free space a read asks for: a file or stream is read in chunks of
 * READ_CHUNK; an in-memory buffer of n bytes in chunks of about n (at least
 * MIN_CHUNK), since a Firehose record of 150 bytes is decoded on its own. */
#define READ_CHUNK (256 * 1024)
#define MIN_CHUNK  4096
/* Raw bytes kept in a rejection row for a whole payload. */
#define MAX_REJECT_RAW (1024 * 1024)

struct framer {
	envelope_read_fn           read;
	void                      *src;
	const struct envelope_sink *sink;
	char                      *buf;
	size_t                     cap, start, end;	/* data in [start, end) */
	size_t                     chunk;	/* free space a read asks for */
	int                        eof;
	int                        borrowed;	/* buf is the caller's: never
						 * written (eof is set), not freed */
	char                      *read_err;	/* stream failure, reported last */
	int64_t                    offset;	/* decoded offset of buf[start] */
	int64_t                    line;	/* newlines consumed before start */
};

/* Read more input; returns 0 if nothing more can come. */
static int
more(struct framer *f)
{
	long n;

	if (f->eof)
		return 0;
	if (f->start > 0 && (f->start > f->cap / 2 || f->end == f->cap)) {
		memmove(f->buf, f->buf + f->start, f->end - f->start);
		f->end -= f->start;
		f->start = 0;
	}
	if (f->cap - f->end < f->chunk) {
		f->cap = f->cap ? f->cap * 2 : 2 * f->chunk;
		while (f->cap - f->end < f->chunk)
			f->cap *= 2;
		f->buf = xrealloc(f->buf, f->cap);
	}
	n = f->read(f->src, f->buf + f->end, f->cap - f->end, &f->read_err);
	if (n <= 0) {
		f->eof = 1;
		return 0;
	}
	f->end += (size_t)n;
	return 1;
}

/*
 * Move past the next n bytes, which hold `newlines` line ends; -1: count
 * them (a JSON unit may span lines).  A text line knows it has one, and
 * counting its bytes one by one took a fifth of the parsing thread.
 */
static void
consume(struct framer *f, size_t n, int64_t newlines)
{
	const char *p = f->buf + f->start, *end = p + n;

	if (newlines < 0)
		for (newlines = 0; (p = memchr(p, '\n', (size_t)(end - p)));
		    p++)
			newlines++;
	f->line += newlines;
	f->start += n;
	f->offset += (int64_t)n;
}

/* Length up to (not including) the next \n from start, reading as needed. */
static size_t
find_line(struct framer *f, int *has_newline)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = memchr(f->buf + f->start + scanned, '\n',
		    f->end - f->start - scanned);

		if (nl) {
			*has_newline = 1;
			return (size_t)(nl - (f->buf + f->start));
		}
		scanned = f->end - f->start;
		if (scanned > ENVELOPE_MAX_OBJECT || !more(f)) {
			*has_newline = 0;
			return f->end - f->start;
		}
	}
}

static void
emit_message_lines(struct framer *f, const char *msg, size_t len,
    struct unit_loc *loc)
{
	size_t pos = 0;
	int64_t part = 0;
	int multi = memchr(msg, '\n', len) != NULL;

	while (pos < len) {
		const char *nl = memchr(msg + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (msg + pos)) : len - pos;

		loc->part = multi ? ++part : 0;
		f->sink->line(f->sink->ctx, msg + pos, n, loc);
		pos += n + (nl ? 1 : 0);
	}
	if (len == 0) {
		loc->part = 0;
		f->sink->line(f->sink->ctx, msg, 0, loc);
	}
}

static void
reject_json(struct framer *f, struct unit_loc *loc, const char *reason,
    json_t *part)
{
	char *text = json_dumps(part, JSON_COMPACT | JSON_ENCODE_ANY);

	f->sink->reject(f->sink->ctx, loc, reason, text ? text : "",
	    text ? strlen(text) : 0);
	free(text);
}

static void
handle_cloudwatch(struct framer *f, json_t *obj, const char *type,
    struct unit_loc *loc)
{
	json_t *events = json_object_get(obj, "logEvents");
	json_t *stream = json_object_get(obj, "logStream");
	size_t i;

	loc->kind = ENVELOPE_CLOUDWATCH;
	loc->stream = json_is_string(stream) ? json_string_value(stream) : NULL;
	if (strcmp(type, "CONTROL_MESSAGE") == 0) {
		f->sink->skip(f->sink->ctx, loc);
		return;
	}
	if (strcmp(type, "DATA_MESSAGE") != 0) {
		char reason[160];

		snprintf(reason, sizeof reason, "CloudWatch Logs payload has "
		    "unknown messageType \"%.60s\" (expected DATA_MESSAGE or "
		    "CONTROL_MESSAGE)", type);
		f->sink->reject(f->sink->ctx, loc, reason, loc->raw,
		    loc->raw_len);
		return;
	}
	if (!json_is_array(events)) {
		f->sink->reject(f->sink->ctx, loc, "CloudWatch Logs payload has "
		    "no logEvents array", loc->raw, loc->raw_len);
		return;
	}
	for (i = 0; i < json_array_size(events); i++) {
		json_t *ev = json_array_get(events, i);
		json_t *msg = json_object_get(ev, "message");

		loc->event = (int64_t)i + 1;
		if (!json_is_string(msg)) {
			reject_json(f, loc, "CloudWatch Logs event has no "
			    "message string", ev);
			continue;
		}
		loc->raw = json_string_value(msg);
		loc->raw_len = json_string_length(msg);
		emit_message_lines(f, loc->raw, loc->raw_len, loc);
	}
}

static void
handle_object(struct framer *f, json_t *obj, struct unit_loc *loc)
{
	json_t *type, *msg;

	if (!json_is_object(obj)) {
		f->sink->reject(f->sink->ctx, loc, "JSON value is not an object",
		    loc->raw, loc->raw_len);
		return;
	}
	type = json_object_get(obj, "messageType");
	if (type != NULL) {
		if (!json_is_string(type)) {
			f->sink->reject(f->sink->ctx, loc, "CloudWatch Logs "
			    "payload: messageType is not a string", loc->raw,
			    loc->raw_len);
			return;
		}
		handle_cloudwatch(f, obj, json_string_value(type), loc);
		return;
	}
	msg = json_object_get(obj, "message");
	if (msg != NULL) {
		loc->kind = ENVELOPE_FIREHOSE;
		if (!json_is_string(msg)) {
			f->sink->reject(f->sink->ctx, loc, "Firehose record: "
			    "\"message\" is not a string", loc->raw,
			    loc->raw_len);
			return;
		}
		emit_message_lines(f, json_string_value(msg),
		    json_string_length(msg), loc);
		return;
	}
	f->sink->reject(f->sink->ctx, loc, "JSON object is neither a CloudWatch "
	    "Logs payload (no \"messageType\") nor a Firehose record (no "
	    "\"message\")", loc->raw, loc->raw_len);
}

/* Skip spaces, tabs, CR and one newline after a JSON object. */
static size_t
trailing_blank(struct framer *f, size_t pos)
{
	for (;;) {
		while (f->start + pos < f->end) {
			char c = f->buf[f->start + pos];

			if (c == '\n')
				return pos + 1;
			if (c != ' ' && c != '\t' && c != '\r')
				return pos;
			pos++;
		}
		if (!more(f))
			return pos;
	}
}

/* One JSON unit starting at buf[start + lead]; returns bytes consumed. */
static size_t
json_unit(struct framer *f, size_t lead)
{
	struct unit_loc loc;
	json_error_t e;
	json_t *obj;
	size_t want = 0;

	for (;;) {
		size_t avail = f->end - f->start - lead;

		obj = json_loadb(f->buf + f->start + lead, avail,
		    JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
		if (obj || json_error_code(&e) !=
		    json_error_premature_end_of_input || f->eof ||
		    avail > ENVELOPE_MAX_OBJECT)
			break;
		/* Read at least as much again: parsing restarts each time. */
		want = avail * 2;
		while (f->end - f->start - lead < want && more(f))
			;
	}
	memset(&loc, 0, sizeof loc);
	loc.line = f->line + 1;
	loc.kind = ENVELOPE_TEXT;
	if (obj == NULL) {
		char reason[300];
		int nl;
		size_t len = find_line(f, &nl);

		if (json_error_code(&e) == json_error_premature_end_of_input &&
		    f->end - f->start - lead > ENVELOPE_MAX_OBJECT)
			snprintf(reason, sizeof reason, "JSON object is larger "
			    "than %d MB", ENVELOPE_MAX_OBJECT >> 20);
		else
			snprintf(reason, sizeof reason, "invalid JSON at line "
			    "%lld, column %d: %s", (long long)(f->line + e.line),
			    e.column, e.text);
		loc.raw = f->buf + f->start;
		loc.raw_len = len;
		f->sink->reject(f->sink->ctx, &loc, reason, loc.raw,
		    len > MAX_REJECT_RAW ? MAX_REJECT_RAW : len);
		return len + (nl ? 1 : 0);
	}
	loc.raw = f->buf + f->start + lead;
	loc.raw_len = e.position;
	if (loc.raw_len > MAX_REJECT_RAW)
		loc.raw_len = MAX_REJECT_RAW;
	handle_object(f, obj, &loc);
	json_decref(obj);
	return trailing_blank(f, lead + e.position);
}

/* text_unit(): the sink left the input's unterminated last line unread. */
#define LINE_HELD ((size_t)-1)

/* One line of text; *nl: whether it ended with a newline.  Returns the
 * bytes it used, or LINE_HELD (see envelope_sink.tail). */
static size_t
text_unit(struct framer *f, int *nl)
{
	struct unit_loc loc;
	size_t len = find_line(f, nl);

	memset(&loc, 0, sizeof loc);
	loc.line = f->line + 1;
	loc.kind = ENVELOPE_TEXT;
	loc.raw = f->buf + f->start;
	loc.raw_len = len;
	/* No newline and not cut at the size limit: the input ended. */
	if (!*nl && len <= ENVELOPE_MAX_OBJECT && f->sink->tail != NULL) {
		if (!f->sink->tail(f->sink->ctx, loc.raw, len, &loc))
			return LINE_HELD;
	} else {
		f->sink->line(f->sink->ctx, loc.raw, len, &loc);
	}
	return len + (*nl ? 1 : 0);
}

/* Offset of the first byte of the current line that is not blank, if '{'. */
static int
json_lead(struct framer *f, size_t *lead)
{
	size_t i = 0;

	for (;;) {
		while (f->start + i < f->end) {
			char c = f->buf[f->start + i];

			if (c == '{') {
				*lead = i;
				return 1;
			}
			if (c != ' ' && c != '\t' && c != '\r')
				return 0;
			i++;
		}
		if (!more(f))
			return 0;
	}
}

/* Split f's input into units for its sink; see envelope_run(). */
static int
frame(struct framer *f, char **err)
{
	int rc = 0;

	for (;;) {
		size_t lead, used;
		int nl = -1;	/* a JSON unit's newlines are counted */

		if (f->start == f->end && !more(f))
			break;
		used = json_lead(f, &lead) ? json_unit(f, lead) :
		    text_unit(f, &nl);
		if (used == LINE_HELD)
			break;
		consume(f, used, nl);
		if (f->sink->unit_end(f->sink->ctx, f->offset, f->line))
			break;
	}
	if (f->read_err) {
		*err = f->read_err;
		rc = -1;
	}
	if (!f->borrowed)
		free(f->buf);
	return rc;
}

static int
run_framer(envelope_read_fn read, void *src, size_t chunk, int64_t offset,
    int64_t line, const struct envelope_sink *sink, char **err)
{
	struct framer f;

	memset(&f, 0, sizeof f);
	f.chunk = chunk;
	f.read = read;
	f.src = src;
	f.sink = sink;
	f.offset = offset;
	f.line = line;
	return frame(&f, err);
}

static long
read_input(void *src, void *buf, size_t cap, char **err)
{
	return (long)input_read(src, buf, cap, err);
}

int
envelope_run(envelope_read_fn read, void *src, int64_t offset, int64_t line,
    const struct envelope_sink *sink, char **err)
{
	return run_framer(read, src, READ_CHUNK, offset, line, sink, err);
}

int
envelope_decode_buffer(const void *data, size_t len, int64_t offset,
    int64_t line, const struct envelope_sink *sink, char **err)
{
	struct input *in;
	size_t chunk = len < MIN_CHUNK ? MIN_CHUNK :
	    len > READ_CHUNK ? READ_CHUNK : len;
	int rc;

	if (!input_is_gzip(data, len)) {
		/* Not gzip: framed where it lies, without a copy (a Firehose
		 * record is one line; an input and a buffer for each cost
		 * more than parsing it). */
		struct framer f;

		memset(&f, 0, sizeof f);
		f.buf = (char *)(uintptr_t)data;
		f.cap = f.end = len;
		f.eof = f.borrowed = 1;
		f.sink = sink;
		f.offset = offset;
		f.line = line;
		return frame(&f, err);
	}
	if (input_open_mem(&in, data, len, err) < 0)
		return -1;
	rc = run_framer(read_input, in, chunk, offset, line, sink, err);
	input_close(in);
	return rc;
}

/*
 * envelope.h - split a decoded byte stream into units and unwrap envelopes.
 *
 * A unit is one of:
 *   - a text line (flow-log record, header line or blank), ended by \n or
 *     by the end of input;
 *   - a JSON object, which may span lines and may be followed directly by
 *     the next one with no separator:
 *       CloudWatch Logs subscription payload ({"messageType": ...}):
 *         DATA_MESSAGE events are handed on one by one, CONTROL_MESSAGE is
 *         skipped, extractedFields is ignored (the message is parsed);
 *       Firehose vended record ({"message": "..."}): its line(s).
 * The envelope layer never interprets flow-log fields: it hands each record
 * line to the sink with a location, and reports units it cannot read
 * (invalid JSON, unknown object shape, missing message) as rejected.  After
 * every complete unit it reports a resume point (decoded byte offset and line
 * number) - the only places a checkpoint may be taken.
 */
#ifndef FLOWLENS_ENVELOPE_H
#define FLOWLENS_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

/* Largest JSON object accepted (a CloudWatch payload is at most ~1 MB). */
#define ENVELOPE_MAX_OBJECT (64 * 1024 * 1024)

/* Where a line came from, for ingest_errors.location and messages. */
struct unit_loc {
	int64_t     line;	/* 1-based line of the unit's first byte */
	int         kind;	/* ENVELOPE_TEXT, ENVELOPE_FIREHOSE, ... */
	int64_t     event;	/* 1-based log event index (CloudWatch), or 0 */
	int64_t     part;	/* 1-based line within a message, or 0 */
	const char *stream;	/* logStream of a CloudWatch payload, or NULL */
	const char *raw;	/* the unit's raw text (for rejection rows) */
	size_t      raw_len;
};

enum { ENVELOPE_TEXT, ENVELOPE_FIREHOSE, ENVELOPE_CLOUDWATCH };

struct envelope_sink {
	void *ctx;
	/* A record line (may be blank or a header line: the caller decides). */
	void (*line)(void *ctx, const char *line, size_t len,
	    const struct unit_loc *loc);
	/* A unit that cannot be read: reason says why, raw is the unit. */
	void (*reject)(void *ctx, const struct unit_loc *loc, const char *reason,
	    const char *raw, size_t raw_len);
	/* A unit deliberately skipped (CONTROL_MESSAGE). */
	void (*skip)(void *ctx, const struct unit_loc *loc);
	/*
	 * A unit ended: offset/line are where reading would resume.  Return
	 * non-zero to stop reading (e.g. on Ctrl-C).
	 */
	int  (*unit_end)(void *ctx, int64_t offset, int64_t line);
	/*
	 * Optional (NULL: such a line goes to line()).  The input's last
	 * line when it has no newline - a file may still be being written.
	 * Return 1 if the sink took it (as line() would), 0 to leave it
	 * unread: reading ends before it, no unit_end() is called for it,
	 * so a checkpoint stays at its first byte.
	 */
	int  (*tail)(void *ctx, const char *line, size_t len,
	    const struct unit_loc *loc);
};

/* Reads decoded bytes: like input_read(). */
typedef long (*envelope_read_fn)(void *src, void *buf, size_t cap, char **err);

/*
 * Read the whole stream from `read(src, ...)` and feed the sink.  offset and
 * line give the position the stream starts at (non-zero when resuming).
 * Returns 0 at end of input or when unit_end asked to stop; -1 with *err when
 * the stream itself failed (the units before the failure were delivered).
 */
int envelope_run(envelope_read_fn read, void *src, int64_t offset,
    int64_t line, const struct envelope_sink *sink, char **err);

/*
 * Decode one in-memory buffer (a Firehose record, a fuzz input): same
 * behaviour as envelope_run over a stream holding exactly these bytes,
 * starting at offset and line, including gzip detection; its working
 * buffer is sized by len, not by the 512 KB a stream gets.  Returns 0 or
 * -1 with *err.
 */
int envelope_decode_buffer(const void *data, size_t len, int64_t offset,
    int64_t line, const struct envelope_sink *sink, char **err);

#endif

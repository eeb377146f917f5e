/*
 * firehose_body.c - see firehose_body.h.
 */
#include "firehose_body.h"

#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

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

/*
 * Room to start with for a gzip body of len bytes: the size its (last)
 * member's trailer gives, when that is believable - no more than max, and
 * no more than deflate's best ratio (1032:1) allows - else four times len.
 * Never more than max + 1: one byte past max tells "too large".
 */
static size_t
gunzip_room(const unsigned char *raw, size_t len, size_t max)
{
	size_t room = len <= max / 4 ? len * 4 : max + 1;

	if (len >= 18) {
		const unsigned char *t = raw + len - 4;
		size_t isize = (size_t)t[0] | (size_t)t[1] << 8 |
		    (size_t)t[2] << 16 | (size_t)t[3] << 24;

		if (isize <= max && isize / 1032 <= len)
			room = isize + 1;
	}
	return room < 4096 ? 4096 : room;
}

/*
 * Decompress a gzip body (one member or several) into *json, at most max
 * bytes.  libdeflate decodes a whole member in one call, three times
 * faster than zlib's streaming inflate (a 500-record delivery: 52 against
 * 177 us, README "Firehose endpoint"); it needs the output room up front,
 * so a member that does not fit is decoded again into twice the room.
 */
static enum firehose_body_status
gunzip_body(const void *raw, size_t len, size_t max, struct sbuf *json,
    char **err)
{
	const unsigned char *in = raw;
	struct libdeflate_decompressor *d;
	size_t at = 0, room;
	enum firehose_body_status st = FIREHOSE_BODY_OK;

	if (!input_is_gzip(raw, len)) {
		*err = xstrdup("the body is sent with Content-Encoding: gzip "
		    "but is not gzip data (it does not start with 1f 8b)");
		return FIREHOSE_BODY_MALFORMED;
	}
	d = libdeflate_alloc_decompressor();
	if (d == NULL) {
		*err = xstrdup("out of memory for a gzip decompressor");
		return FIREHOSE_BODY_MALFORMED;
	}
	room = gunzip_room(in, len, max);
	while (at < len) {
		size_t used = 0, got = 0;
		/* Room past this means the body is too large. */
		size_t limit = max + 1 - json->len;
		enum libdeflate_result r;

		if (!input_is_gzip(in + at, len - at)) {
			*err = xasprintf("the gzip body cannot be decompressed: "
			    "bytes after the last gzip member are not gzip "
			    "(compressed byte %zu)", at);
			st = FIREHOSE_BODY_MALFORMED;
			break;
		}
		sbuf_reserve(json, room < limit ? room : limit);
		/* All the buffer has: sbuf_reserve() rounds up. */
		room = json->cap - json->len - 1;
		if (room > limit)
			room = limit;
		r = libdeflate_gzip_decompress_ex(d, in + at, len - at,
		    json->data + json->len, room, &used, &got);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
			if (room == limit) {
				*err = xasprintf("the body decompresses to more "
				    "than %zu bytes", max);
				st = FIREHOSE_BODY_TOO_LARGE;
				break;
			}
			room *= 2;
			continue;
		}
		if (r != LIBDEFLATE_SUCCESS) {
			*err = xasprintf("the gzip body cannot be decompressed: "
			    "the gzip member at compressed byte %zu is corrupt "
			    "or cut short", at);
			st = FIREHOSE_BODY_MALFORMED;
			break;
		}
		json->len += got;
		json->data[json->len] = '\0';
		at += used;
		if (json->len > max) {
			*err = xasprintf("the body decompresses to more than "
			    "%zu bytes", max);
			st = FIREHOSE_BODY_TOO_LARGE;
			break;
		}
		room = gunzip_room(in + at, len - at, max);
	}
	libdeflate_free_decompressor(d);
	return st;
}

/*
 * The JSON reader.  jansson built a tree of every record (4 us per record
 * here, more than storing it); this reads the one shape a delivery has in
 * one pass, decoding base64 straight from the body, and still checks the
 * whole text is JSON (RFC 8259: grammar, escapes, UTF-8, nesting up to
 * MAX_DEPTH).  Fields it does not know are checked and skipped.
 */
#define MAX_DEPTH 64

struct reader {
	const unsigned char *start, *p, *end;
	char               **err;
	struct sbuf          scratch;	/* unescaped strings */
};

/* Report a syntax error at the current position; returns -1. */
static int
syntax_error(struct reader *r, const char *what)
{
	const unsigned char *q;
	size_t line = 1, column = 1;

	for (q = r->start; q < r->p && q < r->end; q++) {
		if (*q == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	*r->err = xasprintf("the body is not valid JSON: %s at line %zu, column "
	    "%zu (byte %zu)", what, line, column, (size_t)(r->p - r->start));
	return -1;
}

static void
skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* Expect character c (after whitespace). */
static int
expect(struct reader *r, unsigned char c, const char *what)
{
	skip_space(r);
	if (r->p >= r->end || *r->p != c)
		return syntax_error(r, what);
	r->p++;
	return 0;
}

/* Length of the UTF-8 sequence at p (n bytes left), or 0 if invalid. */
static size_t
utf8_length(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int
hex4(const unsigned char *p, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		unsigned c = p[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		*v = *v << 4 | c;
	}
	return 0;
}

static void
put_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sbuf_append(b, u, n);
}

/* One escape sequence at r->p (after the backslash), appended to out. */
static int
read_escape(struct reader *r, struct sbuf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t cp, low;

	if (r->p >= r->end)
		return syntax_error(r, "unterminated string");
	if (*r->p != 'u') {
		e = *r->p ? strchr(from, *r->p) : NULL;
		if (e == NULL)
			return syntax_error(r, "invalid escape in a string");
		sbuf_appendc(out, to[e - from]);
		r->p++;
		return 0;
	}
	if (r->end - r->p < 5 || hex4(r->p + 1, &cp) < 0)
		return syntax_error(r, "invalid \\u escape");
	r->p += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return syntax_error(r, "lone low surrogate in a \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
		    hex4(r->p + 2, &low) < 0 || low < 0xdc00 || low > 0xdfff)
			return syntax_error(r, "lone high surrogate in a \\u "
			    "escape");
		r->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	if (cp == 0)
		return syntax_error(r, "\\u0000 in a string");
	put_utf8(out, cp);
	return 0;
}

/*
 * A string at r->p (the opening quote).  Sets *text and *len to its value:
 * a view into the body when it has no escapes, else r->scratch.
 */
static int
read_string(struct reader *r, const char **text, size_t *len)
{
	const unsigned char *s;
	int escaped = 0;

	r->p++;
	s = r->p;
	sbuf_reset(&r->scratch);
	for (;;) {
		const unsigned char *q = r->p;
		size_t n;

		/* The common case: a run of plain ASCII. */
		while (q < r->end && *q >= 0x20 && *q != '"' && *q != '\\' &&
		    *q < 0x80)
			q++;
		if (escaped)
			sbuf_append(&r->scratch, r->p, (size_t)(q - r->p));
		r->p = q;
		if (q >= r->end)
			return syntax_error(r, "unterminated string");
		if (*q == '"')
			break;
		if (*q < 0x20)
			return syntax_error(r, "control character in a string");
		if (*q == '\\') {
			if (!escaped) {
				sbuf_append(&r->scratch, s, (size_t)(q - s));
				escaped = 1;
			}
			r->p++;
			if (read_escape(r, &r->scratch) < 0)
				return -1;
			continue;
		}
		n = utf8_length(q, (size_t)(r->end - q));
		if (n == 0)
			return syntax_error(r, "invalid UTF-8 in a string");
		if (escaped)
			sbuf_append(&r->scratch, q, n);
		r->p += n;
	}
	if (escaped) {
		*text = r->scratch.data ? r->scratch.data : "";
		*len = r->scratch.len;
	} else {
		*text = (const char *)s;
		*len = (size_t)(r->p - s);
	}
	r->p++;		/* closing quote */
	return 0;
}

/* A number; *integer set to its value when it is an integer in range. */
static int
read_number(struct reader *r, int64_t *integer, int *is_integer)
{
	const unsigned char *s = r->p;
	int neg = 0, frac = 0, overflow = 0;
	uint64_t v = 0;

	if (r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	if (r->p < r->end && *r->p == '0') {
		r->p++;
	} else if (r->p < r->end && *r->p >= '1' && *r->p <= '9') {
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				overflow = 1;
			v = v * 10 + (uint64_t)(*r->p - '0');
			r->p++;
		}
	} else {
		r->p = s;
		return syntax_error(r, "invalid number");
	}
	if (r->p < r->end && *r->p == '.') {
		frac = 1;
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return syntax_error(r, "invalid number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		frac = 1;
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return syntax_error(r, "invalid number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	*is_integer = !frac && !overflow &&
	    v <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX);
	if (*is_integer)
		*integer = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int read_value(struct reader *r, int depth);

/* Reads the value of one object member (the key is read, r->p is after
 * the ':'); the key may be overwritten once a value is read. */
typedef int (*member_fn)(struct reader *r, const char *key, size_t klen,
    void *ctx);
/* Reads one array element at r->p; index counts from 0. */
typedef int (*element_fn)(struct reader *r, size_t index, void *ctx);

/* After a member or element: ',' (returns 1: more) or `close` (0). */
static int
next_or_close(struct reader *r, unsigned char close)
{
	skip_space(r);
	if (r->p < r->end && *r->p == ',') {
		r->p++;
		return 1;
	}
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	return syntax_error(r, close == '}' ? "expected ',' or '}'" :
	    "expected ',' or ']'");
}

/* An object at r->p ('{'): `member` reads each member's value. */
static int
read_object(struct reader *r, member_fn member, void *ctx)
{
	const char *key;
	size_t klen;
	int more;

	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 0;
	}
	do {
		skip_space(r);
		if (r->p >= r->end || *r->p != '"')
			return syntax_error(r, "expected a string as object "
			    "key");
		if (read_string(r, &key, &klen) < 0 ||
		    expect(r, ':', "expected ':'") < 0 ||
		    member(r, key, klen, ctx) < 0)
			return -1;
	} while ((more = next_or_close(r, '}')) == 1);
	return more;
}

/* An array at r->p ('['): `element` reads each element. */
static int
read_array(struct reader *r, element_fn element, void *ctx)
{
	size_t index = 0;
	int more;

	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 0;
	}
	do {
		if (element(r, index++, ctx) < 0)
			return -1;
	} while ((more = next_or_close(r, ']')) == 1);
	return more;
}

static int
skip_member(struct reader *r, const char *key, size_t klen, void *ctx)
{
	(void)key;
	(void)klen;
	return read_value(r, *(int *)ctx + 1);
}

static int
skip_element(struct reader *r, size_t index, void *ctx)
{
	(void)index;
	return read_value(r, *(int *)ctx + 1);
}

/* Check and skip an object or array at r->p. */
static int
read_container(struct reader *r, int depth)
{
	if (depth >= MAX_DEPTH) {
		*r->err = xasprintf("the body nests arrays and objects more than "
		    "%d deep", MAX_DEPTH);
		return -1;
	}
	return *r->p == '{' ? read_object(r, skip_member, &depth) :
	    read_array(r, skip_element, &depth);
}

/* Check and skip any value. */
static int
read_value(struct reader *r, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *text;
	size_t len, i;
	int64_t n;
	int is_integer;

	skip_space(r);
	if (r->p >= r->end)
		return syntax_error(r, "unexpected end of input");
	switch (*r->p) {
	case '{':
	case '[':
		return read_container(r, depth);
	case '"':
		return read_string(r, &text, &len);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return read_number(r, &n, &is_integer);
	}
	for (i = 0; i < ARRAY_LEN(words); i++) {
		len = strlen(words[i]);
		if ((size_t)(r->end - r->p) >= len &&
		    memcmp(r->p, words[i], len) == 0) {
			r->p += len;
			return 0;
		}
	}
	return syntax_error(r, "invalid token");
}

/* What kind of value starts at r->p (after whitespace), for messages. */
static const char *
value_kind(struct reader *r)
{
	skip_space(r);
	if (r->p >= r->end)
		return "nothing";
	switch (*r->p) {
	case '{': return "an object";
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	default: return "a number";
	}
}

/* Decode a record's base64 text into out->data. */
static int
decode_data(const char *text, size_t len, size_t i, struct firehose_body *out,
    char **err)
{
	size_t bad;
	long n;

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

/* What a records[i] object is read into. */
struct record_read {
	struct firehose_body *out;
	size_t                index;
	int                   have_data;
};

/* One member of records[i]: "data" is decoded, others skipped. */
static int
record_member(struct reader *r, const char *key, size_t klen, void *ctx)
{
	struct record_read *rr = ctx;
	size_t i = rr->index, len;
	const char *text, *kind;
	int depth = 2;

	if (klen != 4 || memcmp(key, "data", 4) != 0)
		return skip_member(r, key, klen, &depth);
	if (rr->have_data) {
		*r->err = xasprintf("records[%zu] has \"data\" twice", i);
		return -1;
	}
	rr->have_data = 1;
	kind = value_kind(r);
	if (r->p >= r->end || *r->p != '"') {
		if (read_value(r, 3) < 0)
			return -1;
		*r->err = xasprintf("records[%zu].data is %s, not a string", i,
		    kind);
		return -1;
	}
	if (read_string(r, &text, &len) < 0)
		return -1;
	return decode_data(text, len, i, rr->out, r->err);
}

/* records[i]: an object with a string "data". */
static int
record_element(struct reader *r, size_t i, void *ctx)
{
	struct firehose_body *out = ctx;
	struct record_read rr = { out, i, 0 };

	if (i == FIREHOSE_MAX_RECORDS) {
		*r->err = xasprintf("\"records\" has more than %d entries; a "
		    "delivery holds at most %d", FIREHOSE_MAX_RECORDS,
		    FIREHOSE_MAX_RECORDS);
		return -1;
	}
	if (i % 512 == 0)
		out->records = xrealloc(out->records,
		    (i + 512) * sizeof *out->records);
	skip_space(r);
	if (r->p >= r->end || *r->p != '{') {
		if (read_value(r, 2) < 0)
			return -1;
		*r->err = xasprintf("records[%zu] is not an object", i);
		return -1;
	}
	if (read_object(r, record_member, &rr) < 0)
		return -1;
	if (!rr.have_data) {
		*r->err = xasprintf("records[%zu] has no \"data\" field", i);
		return -1;
	}
	out->nrecords = i + 1;
	return 0;
}

/* The "records" array. */
static int
read_records(struct reader *r, struct firehose_body *out)
{
	const char *kind = value_kind(r);

	if (r->p >= r->end || *r->p != '[') {
		if (read_value(r, 1) < 0)
			return -1;
		*r->err = xasprintf("\"records\" is %s, not an array", kind);
		return -1;
	}
	return read_array(r, record_element, out);
}

/* Which top-level fields were seen. */
enum { SEEN_ID = 1, SEEN_TIMESTAMP = 2, SEEN_RECORDS = 4 };

/* What the top-level object is read into. */
struct delivery_read {
	struct firehose_body *out;
	unsigned              seen;	/* SEEN_* */
};

/* One top-level member: the three known fields, others skipped. */
static int
delivery_member(struct reader *r, const char *key, size_t klen, void *ctx)
{
	struct delivery_read *dr = ctx;
	struct firehose_body *out = dr->out;
	unsigned *seen = &dr->seen;
	int depth = 0;
	const char *text, *kind;
	size_t len;
	int64_t ts;
	int is_integer;

#define IS(k) (klen == strlen(k) && memcmp(key, k, klen) == 0)
	unsigned bit = IS("requestId") ? SEEN_ID : IS("timestamp") ?
	    SEEN_TIMESTAMP : IS("records") ? SEEN_RECORDS : 0;
#undef IS

	if (bit == 0)
		return skip_member(r, key, klen, &depth);
	if (*seen & bit) {
		*r->err = xasprintf("the body has \"%.*s\" twice", (int)klen,
		    key);
		return -1;
	}
	*seen |= bit;
	if (bit == SEEN_RECORDS)
		return read_records(r, out);
	kind = value_kind(r);
	if (bit == SEEN_ID && r->p < r->end && *r->p == '"') {
		if (read_string(r, &text, &len) < 0)
			return -1;
		if (len == 0 || len > FIREHOSE_MAX_REQUEST_ID) {
			*r->err = xasprintf("\"requestId\" is %s; it must be "
			    "1 to %d bytes", len ? "too long" : "empty",
			    FIREHOSE_MAX_REQUEST_ID);
			return -1;
		}
		out->request_id = xstrndup(text, len);
		return 0;
	}
	if (bit == SEEN_TIMESTAMP && r->p < r->end &&
	    (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))) {
		if (read_number(r, &ts, &is_integer) < 0)
			return -1;
		if (!is_integer) {
			*r->err = xstrdup("\"timestamp\" is not an integer "
			    "(milliseconds since the epoch)");
			return -1;
		}
		out->timestamp = ts;
		return 0;
	}
	if (read_value(r, 1) < 0)
		return -1;
	*r->err = bit == SEEN_ID ? xasprintf("\"requestId\" is %s, not a "
	    "string", kind) : xasprintf("\"timestamp\" is %s, not an integer "
	    "(milliseconds since the epoch)", kind);
	return -1;
}

/* The whole delivery. */
static int
read_delivery(struct reader *r, struct firehose_body *out)
{
	struct delivery_read dr = { out, 0 };

	skip_space(r);
	if (r->p >= r->end || *r->p != '{') {
		if (read_value(r, 0) < 0)
			return -1;
		*r->err = xstrdup("the body is not a JSON object");
		return -1;
	}
	if (read_object(r, delivery_member, &dr) < 0)
		return -1;
	skip_space(r);
	if (r->p != r->end)
		return syntax_error(r, "end of file expected");
	if (!(dr.seen & SEEN_ID)) {
		*r->err = xstrdup("the body has no \"requestId\"");
		return -1;
	}
	if (!(dr.seen & SEEN_TIMESTAMP)) {
		*r->err = xstrdup("the body has no \"timestamp\"");
		return -1;
	}
	if (!(dr.seen & SEEN_RECORDS)) {
		*r->err = xstrdup("the body has no \"records\"");
		return -1;
	}
	return 0;
}

enum firehose_body_status
firehose_body_parse(const void *raw, size_t len, int gzip, size_t max_json,
    struct firehose_body *out, char **err)
{
	struct sbuf json = { 0 };
	struct reader r;
	enum firehose_body_status st = FIREHOSE_BODY_OK;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	r.start = raw;
	r.end = r.start + len;
	if (gzip) {
		st = gunzip_body(raw, len, max_json, &json, err);
		if (st != FIREHOSE_BODY_OK) {
			sbuf_free(&json);
			return st;
		}
		r.start = (const unsigned char *)(json.data ? json.data : "");
		r.end = r.start + json.len;
	} else if (len > max_json) {
		*err = xasprintf("the body is larger than %zu bytes", max_json);
		return FIREHOSE_BODY_TOO_LARGE;
	}
	r.p = r.start;
	r.err = err;
	/* Room for every record decoded: 3 bytes per 4 characters. */
	out->data = xmalloc((size_t)(r.end - r.start) / 4 * 3 + 1);
	if (read_delivery(&r, out) < 0) {
		firehose_body_free(out);
		st = FIREHOSE_BODY_MALFORMED;
	} else if (out->records == NULL) {
		out->records = xcalloc(1, sizeof *out->records);
	}
	sbuf_free(&r.scratch);
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

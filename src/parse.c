/*
 * parse.c - see parse.h.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Index of the first space or tab in p[i..len), or len.  Eight bytes at a
 * time where the machine is little-endian (a byte loop was a third of
 * parse_line(); 2 730 -> 2 360 instructions per `gen` line, callgrind).
 * In x ^ (c * 0x01..01) a byte
 * equal to c becomes zero; (v - 0x01..01) & ~v & 0x80..80 flags every zero
 * byte, and may flag a byte above a zero one through the borrow, but never
 * one below the first, so the lowest flag is exact.
 */
static size_t
field_end(const char *p, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;

	while (len - i >= 8) {
		uint64_t w, sp, tab, hit;

		memcpy(&w, p + i, 8);
		sp = w ^ (ones * ' ');
		tab = w ^ (ones * '\t');
		hit = ((sp - ones) & ~sp & highs) | ((tab - ones) & ~tab & highs);
		if (hit)
			return i + (size_t)(__builtin_ctzll(hit) >> 3);
		i += 8;
	}
#endif
	while (i < len && !is_sep(p[i]))
		i++;
	return i;
}

int
parse_is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_sep(line[i]) && line[i] != '\r' && line[i] != '\n')
			return 0;
	return 1;
}

/* Strict non-negative decimal: digits only, no sign, no overflow. */
static int
parse_uint(const char *p, size_t len, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (d > 9)
			return -1;
		v = v * 10 + d;
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/*
 * 1 if p is a dotted-quad IPv4 address in the form inet_pton() accepts
 * (four decimal octets, 0-255, no leading zeros); 0 means "ask
 * inet_pton", not "invalid".  The common case, without a copy and two
 * library calls per address.
 */
static int
plain_ipv4(const char *p, size_t len)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0 && (i >= len || p[i++] != '.'))
			return 0;
		while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(p[i++] - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255 ||
		    (digits > 1 && p[i - digits] == '0'))
			return 0;
	}
	return i == len;
}

static int
valid_addr(const char *p, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];

	if (plain_ipv4(p, len))
		return 1;
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, bin) == 1 ||
	    inet_pton(AF_INET6, buf, bin) == 1;
}

static void
describe_value(char *out, size_t cap, const char *p, size_t len)
{
	size_t i, n = len > 40 ? 40 : len, o = 0;

	for (i = 0; i < n && o + 2 < cap; i++) {
		unsigned char c = (unsigned char)p[i];

		out[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	if (n < len && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int
reject_field(char *reason, size_t cap, int pos, const char *name,
    const char *p, size_t len, const char *why)
{
	char value[64];

	describe_value(value, sizeof value, p, len);
	snprintf(reason, cap, "field %d \"%s\": \"%s\" %s", pos + 1, name,
	    value, why);
	return -1;
}

/* Validate one typed value; on success store it (column or extra). */
static int
store_value(const struct flow_format *fmt, int pos, const char *p, size_t len,
    struct flow_record *rec, char *reason, size_t cap)
{
	const struct field_def *f = fmt->def[pos];
	int64_t v = 0;
	char why[64];

	if (f == NULL) {
		/* Unknown to us: kept verbatim in extra as a string. */
		sbuf_appendc(&rec->extra, rec->extra.len ? ',' : '{');
		sbuf_appendc(&rec->extra, '"');
		sbuf_appends(&rec->extra, fmt->key[pos]);
		sbuf_append(&rec->extra, "\":\"", 3);
		sbuf_append_json_string(&rec->extra, p, len);
		sbuf_appendc(&rec->extra, '"');
		return 0;
	}
	switch (f->type) {
	case FIELD_INT32:
	case FIELD_INT64:
	case FIELD_TIME:
		if (parse_uint(p, len, &v) < 0)
			return reject_field(reason, cap, pos, f->name, p, len,
			    len > 0 && p[0] == '-' ? "is negative" :
			    "is not a whole number");
		if (f->type == FIELD_TIME && v > PARSE_MS_THRESHOLD)
			v /= 1000;
		if (v < f->min || v > f->max) {
			snprintf(why, sizeof why, "is out of range %lld..%lld",
			    (long long)f->min, (long long)f->max);
			return reject_field(reason, cap, pos, f->name, p, len,
			    why);
		}
		break;
	case FIELD_ADDR:
		if (!valid_addr(p, len))
			return reject_field(reason, cap, pos, f->name, p, len,
			    "is not an IPv4 or IPv6 address");
		break;
	case FIELD_TEXT:
		break;
	}
	if (f->col >= 0) {
		rec->present |= (uint64_t)1 << f->col;
		if (f->type == FIELD_TEXT || f->type == FIELD_ADDR) {
			rec->sptr[f->col] = p;
			rec->slen[f->col] = (uint32_t)len;
		} else {
			rec->ival[f->col] = v;
		}
		return 0;
	}
	sbuf_appendc(&rec->extra, rec->extra.len ? ',' : '{');
	sbuf_appendc(&rec->extra, '"');
	sbuf_appends(&rec->extra, f->column);
	sbuf_append(&rec->extra, "\":", 2);
	if (f->type == FIELD_TEXT || f->type == FIELD_ADDR) {
		sbuf_appendc(&rec->extra, '"');
		sbuf_append_json_string(&rec->extra, p, len);
		sbuf_appendc(&rec->extra, '"');
	} else {
		char num[24];

		sbuf_append(&rec->extra, num, fmt_int64(num, v));
	}
	return 0;
}

int
parse_line(const struct flow_format *fmt, const char *line, size_t len,
    struct flow_record *rec, char *reason, size_t cap)
{
	const char *tok[FORMAT_MAX_FIELDS];
	size_t tlen[FORMAT_MAX_FIELDS];
	size_t i = 0;
	int n = 0, pos;

	rec->present = 0;
	sbuf_reset(&rec->extra);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > PARSE_MAX_LINE) {
		snprintf(reason, cap, "line is %zu bytes long; the limit is %d",
		    len, PARSE_MAX_LINE);
		return -1;
	}
	while (i < len) {
		size_t start;

		while (i < len && is_sep(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		i = field_end(line, i, len);
		if (n < fmt->nfields) {
			tok[n] = line + start;
			tlen[n] = i - start;
		}
		n++;
	}
	if (n != fmt->nfields) {
		snprintf(reason, cap, "expected %d fields, found %d (format: "
		    "%.120s%s)", fmt->nfields, n, fmt->spec,
		    strlen(fmt->spec) > 120 ? "..." : "");
		return -1;
	}
	for (pos = 0; pos < n; pos++) {
		if (tlen[pos] == 1 && tok[pos][0] == '-')
			continue;		/* NULL */
		if (store_value(fmt, pos, tok[pos], tlen[pos], rec, reason,
		    cap) < 0) {
			rec->present = 0;
			sbuf_reset(&rec->extra);
			return -1;
		}
	}
	if (rec->extra.len)
		sbuf_appendc(&rec->extra, '}');
	return 0;
}

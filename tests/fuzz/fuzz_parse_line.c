/*
 * fuzz_parse_line.c - libFuzzer target for parse_line(), the per-line
 * record parser every ingested byte goes through.
 *
 * Input: the first byte picks one of a few fixed formats (low 3 bits) and
 * the size of the reason buffer (next 2 bits); the rest is the line, given
 * to parse_line() as an exact-size heap copy with no terminator, so a read
 * past len is caught by AddressSanitizer.
 *
 * The harness re-splits the line itself (runs of spaces and tabs, one
 * trailing CR dropped, "-" is NULL) and checks the record against that
 * model.  Invariants on success:
 *   - no present bit beyond FLOW_COL_COUNT, and a column is present exactly
 *     when the format has it and its token is not "-";
 *   - every present text value points inside the input, at exactly its
 *     token, with no separator inside;
 *   - every integer column is within its field_def min..max and equals the
 *     token's value (times above PARSE_MS_THRESHOLD scaled to seconds);
 *   - `extra` is empty or a NUL-terminated JSON object (checked with
 *     jansson) with one member per non-NULL field that has no column.
 * On failure: the reason is a non-empty NUL-terminated string within its
 * buffer, and the record is left empty (never half-parsed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "field.h"
#include "format.h"
#include "parse.h"
#include "record.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/*
 * The formats a real deployment meets: the default, a full v5 custom
 * format, one with names AWS never documented (kept in extra), a Transit
 * Gateway one (known fields without a column, also kept in extra) and a
 * v8 ECS one with reject-reason.
 */
static const char *const specs[] = {
	FORMAT_DEFAULT_V2,
	"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} "
	    "${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} "
	    "${end} ${action} ${log-status} ${vpc-id} ${subnet-id} "
	    "${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} "
	    "${region} ${az-id} ${sublocation-type} ${sublocation-id} "
	    "${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} "
	    "${traffic-path}",
	"version srcaddr future-field dstaddr x9-new start end bytes "
	    "some-thing-else action",
	"version resource-type account-id tgw-id tgw-attachment-id "
	    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
	    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
	    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id "
	    "srcaddr dstaddr srcport dstport protocol packets bytes start end "
	    "log-status type packets-lost-no-route packets-lost-blackhole "
	    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags "
	    "region flow-direction pkt-src-aws-service pkt-dst-aws-service",
	"$${version} $${srcaddr} $${dstaddr} $${start} $${end} $${action} "
	    "$${ecs-cluster-name} $${ecs-task-id} $${reject-reason} "
	    "$${encryption-status} $${resource-id}",
};
#define NFORMATS (sizeof specs / sizeof specs[0])

/* Reason buffer sizes: generous, tight (truncation), and the minimum. */
static const size_t caps[] = { 256, 40, 8, 2 };

static struct flow_format formats[NFORMATS];

static void
init_formats(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	for (i = 0; i < NFORMATS; i++) {
		char *err = NULL;

		CHECK(format_parse(specs[i], &formats[i], &err) == 0);
	}
	done = 1;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/* Strict decimal like the parser's: digits only, at most INT64_MAX. */
static int
model_uint(const char *p, size_t n, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* 1 if s[0..n) is valid UTF-8 (jansson refuses anything else). */
static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

/* Check one member of extra against the token it came from. */
static void
check_extra_member(json_t *obj, const char *key, const struct field_def *def,
    const char *tok, size_t tlen)
{
	json_t *v = json_object_get(obj, key);

	CHECK(v != NULL);
	if (def != NULL && def->type != FIELD_TEXT &&
	    def->type != FIELD_ADDR) {
		int64_t want;

		CHECK(json_is_integer(v));
		CHECK(model_uint(tok, tlen, &want) == 0);
		if (def->type == FIELD_TIME && want > PARSE_MS_THRESHOLD)
			want /= 1000;
		CHECK(json_integer_value(v) == want);
		CHECK(want >= def->min && want <= def->max);
		return;
	}
	CHECK(json_is_string(v));
	CHECK(json_string_length(v) == tlen);
	CHECK(memcmp(json_string_value(v), tok, tlen) == 0);
}

static void
check_success(const struct flow_format *fmt, const char *line, size_t len,
    const struct flow_record *rec)
{
	const char *tok[FORMAT_MAX_FIELDS];
	size_t tlen[FORMAT_MAX_FIELDS], i = 0, nextra = 0;
	uint64_t want_present = 0;
	json_t *obj = NULL;
	int n = 0, pos, col;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (i < len) {
		size_t start;

		while (i < len && is_sep(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_sep(line[i]))
			i++;
		CHECK(n < fmt->nfields);	/* else it had to reject */
		tok[n] = line + start;
		tlen[n] = i - start;
		n++;
	}
	CHECK(n == fmt->nfields);

	/* extra: empty, or one JSON object, NUL-terminated. */
	if (rec->extra.len > 0) {
		json_error_t e;

		CHECK(rec->extra.data != NULL);
		CHECK(rec->extra.data[rec->extra.len] == '\0');
		CHECK(rec->extra.data[0] == '{');
		CHECK(rec->extra.data[rec->extra.len - 1] == '}');
		/* Bytes >= 0x80 are copied as they are; jansson insists on
		 * UTF-8, so only check the JSON when the text is UTF-8. */
		if (valid_utf8((const unsigned char *)rec->extra.data,
		    rec->extra.len)) {
			obj = json_loadb(rec->extra.data, rec->extra.len,
			    JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
			CHECK(obj != NULL && json_is_object(obj));
		}
	}

	for (pos = 0; pos < n; pos++) {
		const struct field_def *def = fmt->def[pos];
		int null = tlen[pos] == 1 && tok[pos][0] == '-';

		if (def != NULL && def->col >= 0) {
			col = def->col;
			if (null)
				continue;
			want_present |= (uint64_t)1 << col;
			CHECK(record_has(rec, col));
			if (def->type == FIELD_TEXT ||
			    def->type == FIELD_ADDR) {
				CHECK(rec->sptr[col] == tok[pos]);
				CHECK(rec->slen[col] == tlen[pos]);
			} else {
				int64_t want;

				CHECK(model_uint(tok[pos], tlen[pos],
				    &want) == 0);
				if (def->type == FIELD_TIME &&
				    want > PARSE_MS_THRESHOLD)
					want /= 1000;
				CHECK(rec->ival[col] == want);
			}
			continue;
		}
		if (null)
			continue;
		nextra++;
		if (obj != NULL)
			check_extra_member(obj,
			    def ? def->column : fmt->key[pos], def, tok[pos],
			    tlen[pos]);
	}
	CHECK(rec->present == want_present);
	CHECK(nextra == 0 ? rec->extra.len == 0 : rec->extra.len > 0);
	if (obj != NULL)
		CHECK(json_object_size(obj) == nextra);
	json_decref(obj);

	/* The documented guarantees, independent of the model above. */
	for (col = 0; col < FLOW_COL_COUNT; col++) {
		const struct field_def *def = field_for_column(col);

		if (!record_has(rec, col))
			continue;
		if (def->type == FIELD_TEXT || def->type == FIELD_ADDR) {
			const char *p = rec->sptr[col];
			uint32_t k;

			CHECK(p >= line && p + rec->slen[col] <= line + len);
			CHECK(rec->slen[col] > 0);
			for (k = 0; k < rec->slen[col]; k++)
				CHECK(!is_sep(p[k]));
		} else {
			CHECK(rec->ival[col] >= def->min &&
			    rec->ival[col] <= def->max);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct flow_format *fmt;
	struct flow_record rec;
	char *line, *reason;
	size_t len, cap;
	int rc;

	if (size < 1)
		return 0;
	init_formats();
	fmt = &formats[(data[0] & 7) % NFORMATS];
	cap = caps[(data[0] >> 3) & 3];
	len = size - 1;
	line = malloc(len ? len : 1);
	memcpy(line, data + 1, len);
	reason = malloc(cap);
	memset(reason, 0x55, cap);
	memset(&rec, 0, sizeof rec);

	rc = parse_line(fmt, line, len, &rec, reason, cap);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		check_success(fmt, line, len, &rec);
	} else {
		CHECK(memchr(reason, '\0', cap) != NULL);
		CHECK(reason[0] != '\0');
		CHECK(rec.present == 0);
		CHECK(rec.extra.len == 0);
	}

	/* Reuse the record, as ingest does: the second parse must agree. */
	if (rc == 0) {
		struct flow_record again;
		int col;

		memset(&again, 0, sizeof again);
		again.extra = rec.extra;	/* grown buffer, reused */
		memset(&rec.extra, 0, sizeof rec.extra);
		CHECK(parse_line(fmt, line, len, &again, reason, cap) == 0);
		CHECK(again.present == rec.present);
		for (col = 0; col < FLOW_COL_COUNT; col++)
			if (record_has(&rec, col))
				CHECK(again.ival[col] == rec.ival[col] &&
				    again.sptr[col] == rec.sptr[col]);
		record_free(&again);
	}
	record_free(&rec);
	free(reason);
	free(line);
	return 0;
}

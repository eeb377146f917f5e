/* Unit tests: line parsing and validation (src/parse.c). */
#include "unit.h"

#include <arpa/inet.h>

#include "format.h"
#include "parse.h"

static struct flow_format v2;
static struct flow_record rec;
static char reason[512];

static int
parse(const char *line)
{
	static int ready;
	char *err = NULL;

	if (!ready) {
		format_parse(FORMAT_DEFAULT_V2, &v2, &err);
		ready = 1;
	}
	reason[0] = '\0';
	return parse_line(&v2, line, strlen(line), &rec, reason,
	    sizeof reason);
}

static void
test_default_record(void)
{
	CHECK_INT(parse("2 123456789010 eni-1235b8ca123456789 172.31.16.139 "
	    "172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"),
	    0);
	CHECK_INT(rec.ival[COL_SRCPORT], 20641);
	CHECK_INT(rec.ival[COL_END], 1418530070);
	CHECK_INT(rec.slen[COL_ACTION], 6);
	CHECK(memcmp(rec.sptr[COL_ACTION], "ACCEPT", 6) == 0);
	CHECK(!record_has(&rec, COL_VPC_ID));
	CHECK_INT(rec.extra.len, 0);
}

static void
test_nulls_spaces_crlf(void)
{
	CHECK_INT(parse("2  123456789010\teni-1 - - - - - - - 1431280876 "
	    "1431280934 - NODATA\r"), 0);
	CHECK(!record_has(&rec, COL_SRCADDR));
	CHECK(!record_has(&rec, COL_ACTION));
	CHECK(record_has(&rec, COL_LOG_STATUS));
	CHECK_INT(rec.slen[COL_LOG_STATUS], 6);
}

static void
test_rejections_name_the_field(void)
{
	CHECK_INT(parse("2 1 eni-1 10.0.0.1 10.0.0.2 65536 22 6 1 1 1 2 "
	    "ACCEPT OK"), -1);
	CHECK(strstr(reason, "field 6 \"srcport\"") != NULL);
	CHECK(strstr(reason, "65536") != NULL);
	CHECK_INT(parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 1 2 ACCEPT"),
	    -1);
	CHECK(strstr(reason, "expected 14 fields, found 13") != NULL);
	CHECK_INT(parse("2 1 eni-1 10.0.0.1 10.0.0.256 1 22 6 1 1 1 2 A OK"),
	    -1);
	CHECK(strstr(reason, "dstaddr") != NULL);
	CHECK_INT(parse("2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 +1 1 1 2 A OK"),
	    -1);
	CHECK(strstr(reason, "packets") != NULL);
	/* rejected whole: nothing half-filled */
	CHECK_INT(rec.present, 0);
}

static void
test_64bit_and_milliseconds(void)
{
	CHECK_INT(parse("2 1 eni-1 ::1 ::2 1 2 6 9223372036854775807 0 "
	    "1418530010123 1418530070999 REJECT OK"), 0);
	CHECK(rec.ival[COL_PACKETS] == INT64_MAX);
	CHECK_INT(rec.ival[COL_START], 1418530010);
	CHECK_INT(rec.ival[COL_END], 1418530070);
	CHECK_INT(parse("2 1 eni-1 ::1 ::2 1 2 6 9223372036854775808 0 1 2 "
	    "REJECT OK"), -1);
}

static void
test_extra_json(void)
{
	struct flow_format f;
	char *err = NULL;
	const char line[] = "10.0.0.1 tgw-1 7 \"quoted\\x";

	CHECK_INT(format_parse("srcaddr tgw-id packets-lost-no-route "
	    "future-field", &f, &err), 0);
	CHECK_INT(parse_line(&f, line, strlen(line), &rec, reason,
	    sizeof reason), 0);
	CHECK_STR(rec.extra.data, "{\"tgw_id\":\"tgw-1\","
	    "\"packets_lost_no_route\":7,\"future_field\":\"\\\"quoted\\\\x\"}");
	CHECK_INT(parse_line(&f, "10.0.0.1 tgw-1 x y", 18, &rec, reason,
	    sizeof reason), -1);
	CHECK(strstr(reason, "packets-lost-no-route") != NULL);
	format_free(&f);
}

/*
 * Fields are split eight bytes at a time (field_end in parse.c): lines of
 * random fields - with runs of spaces and tabs, bytes >= 0x80, and lengths
 * that put separators at every offset in a word - give the same fields as
 * a byte-by-byte split.  The format names fields flowlens does not know,
 * so each value lands in `extra`, in order.
 */
static void
test_split_agrees_with_byte_loop(void)
{
	static const char pool[] = "ab9.:\x80\xff=";	/* no "-": NULL */
	struct flow_format f;
	struct flow_record r;
	struct sbuf want = { 0 };
	char line[256], spec[256], *err = NULL, why[256];
	unsigned seed = 11;
	int i, k, bad = 0;

	memset(&r, 0, sizeof r);
	for (i = 0; i < 20000; i++) {
		int nf = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 6;
		size_t n = 0, sn = 0, j, fields = 0, start;
		const char *tok[8];
		size_t tlen[8];

		for (k = 0; k < nf; k++) {
			int len = 1 + (int)((seed = seed * 1103515245 + 12345) >>
			    16) % 19, gap = 1 + (int)(seed >> 28) % 3, g;

			for (g = 0; g < gap && (k > 0 || seed % 2); g++)
				line[n++] = (seed >> (20 + g)) & 1 ? '\t' : ' ';
			for (g = 0; g < len; g++) {
				seed = seed * 1103515245 + 12345;
				line[n++] = pool[(seed >> 16) % (sizeof pool - 1)];
			}
			sn += (size_t)snprintf(spec + sn, sizeof spec - sn,
			    "%sx%d", k ? " " : "", k);
		}
		if (seed % 3 == 0)
			line[n++] = ' ';
		line[n] = '\0';
		/* The reference split. */
		for (j = 0; j < n;) {
			while (j < n && (line[j] == ' ' || line[j] == '\t'))
				j++;
			if (j == n)
				break;
			start = j;
			while (j < n && line[j] != ' ' && line[j] != '\t')
				j++;
			tok[fields] = line + start;
			tlen[fields++] = j - start;
		}
		if (format_parse(spec, &f, &err) < 0) {
			free(err);
			err = NULL;
			bad++;
			continue;
		}
		k = parse_line(&f, line, n, &r, why, sizeof why);
		format_free(&f);
		if (k != 0 || fields != (size_t)nf) {
			bad++;
			continue;
		}
		/* What extra must hold: every field, escaped as parse.c does. */
		sbuf_reset(&want);
		for (k = 0; k < nf; k++) {
			sbuf_appends(&want, k ? ",\"" : "{\"");
			snprintf(why, sizeof why, "x%d\":\"", k);
			sbuf_appends(&want, why);
			sbuf_append_json_string(&want, tok[k], tlen[k]);
			sbuf_appendc(&want, '"');
		}
		sbuf_appendc(&want, '}');
		if (r.extra.len != want.len ||
		    memcmp(r.extra.data, want.data, want.len) != 0)
			bad++;
	}
	sbuf_free(&want);
	sbuf_free(&r.extra);
	CHECK_INT(bad, 0);
}

static void
test_blank(void)
{
	CHECK(parse_is_blank(" \t\r", 3));
	CHECK(parse_is_blank("", 0));
	CHECK(!parse_is_blank(" x", 2));
}

/*
 * Addresses are accepted exactly when inet_pton() accepts them (the
 * parser checks dotted quads itself first): edge cases, then random
 * strings of digits and dots.
 */
static int
pton_accepts(const char *a)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, a, bin) == 1 ||
	    inet_pton(AF_INET6, a, bin) == 1;
}

static void
test_addresses_agree_with_inet_pton(void)
{
	static const char *edge[] = { "0.0.0.0", "255.255.255.255",
	    "256.1.1.1", "1.1.1.256", "01.1.1.1", "1.01.1.1", "1.1.1.00",
	    "1.1.1", "1.1.1.1.", ".1.1.1.1", "1..1.1", "1.1.1.1.1",
	    "1000.1.1.1", "1.1.1.0", "10.0.0.1", "::", "::1", "fe80::1",
	    "2001:db8::1.2.3.4", "::ffff:10.0.0.1", "1.2.3.4a", "a1.2.3.4" };
	char line[200], addr[32];
	unsigned seed = 7;
	size_t i;
	int k, mismatches = 0, accepted = 0;

	for (i = 0; i < sizeof edge / sizeof edge[0] + 20000; i++) {
		const char *a = addr;

		if (i < sizeof edge / sizeof edge[0]) {
			a = edge[i];
		} else if (i % 2) {	/* quads, some out of range or 0-led */
			unsigned o[4];

			for (k = 0; k < 4; k++) {
				seed = seed * 1103515245 + 12345;
				o[k] = (seed >> 16) % 300;
			}
			snprintf(addr, sizeof addr, "%s%u.%u.%u.%u",
			    (seed >> 10) % 7 == 0 ? "0" : "", o[0], o[1], o[2],
			    o[3]);
			accepted += pton_accepts(addr);
		} else {
			int n = 1 + (int)((seed = seed * 1103515245 + 12345)
			    >> 16) % 15;

			for (k = 0; k < n; k++) {
				seed = seed * 1103515245 + 12345;
				addr[k] = (seed >> 16) % 5 == 0 ? '.' :
				    (char)('0' + (seed >> 18) % 10);
			}
			addr[n] = '\0';
		}
		snprintf(line, sizeof line, "2 1 eni-1 %s 10.0.0.2 1 22 6 1 1 1 "
		    "2 ACCEPT OK", a);
		if ((parse(line) == 0) != pton_accepts(a)) {
			if (mismatches++ < 5)
				fprintf(stderr, "  address %s: parser and "
				    "inet_pton disagree\n", a);
		}
	}
	CHECK_INT(mismatches, 0);
	CHECK(accepted > 1000);	/* the quads do reach the fast path */
}

UNIT_MAIN(UNIT_CASE(test_default_record),
    UNIT_CASE(test_addresses_agree_with_inet_pton), UNIT_CASE(test_nulls_spaces_crlf),
    UNIT_CASE(test_rejections_name_the_field),
    UNIT_CASE(test_64bit_and_milliseconds), UNIT_CASE(test_extra_json),
    UNIT_CASE(test_blank), UNIT_CASE(test_split_agrees_with_byte_loop))

/*
 * filter.c - see filter.h.
 */
#include "filter.h"

#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timeconv.h"
#include "util.h"

enum value_kind { V_ACTION, V_PROTO, V_ADDR, V_PORT, V_IDENT };

struct filter_key {
	const char     *name;
	const char     *column;		/* second column for either-side keys */
	const char     *column2;
	enum value_kind kind;
};

static const struct filter_key filter_keys[] = {
	{ "action", "action", NULL, V_ACTION },
	{ "proto", "protocol", NULL, V_PROTO },
	{ "protocol", "protocol", NULL, V_PROTO },
	{ "src", "srcaddr", NULL, V_ADDR },
	{ "srcaddr", "srcaddr", NULL, V_ADDR },
	{ "dst", "dstaddr", NULL, V_ADDR },
	{ "dstaddr", "dstaddr", NULL, V_ADDR },
	{ "addr", "srcaddr", "dstaddr", V_ADDR },
	{ "host", "srcaddr", "dstaddr", V_ADDR },
	{ "sport", "srcport", NULL, V_PORT },
	{ "srcport", "srcport", NULL, V_PORT },
	{ "dport", "dstport", NULL, V_PORT },
	{ "dstport", "dstport", NULL, V_PORT },
	{ "port", "srcport", "dstport", V_PORT },
	{ "eni", "interface_id", NULL, V_IDENT },
	{ "interface", "interface_id", NULL, V_IDENT },
	{ "account", "account_id", NULL, V_IDENT },
	{ "vpc", "vpc_id", NULL, V_IDENT },
	{ "status", "log_status", NULL, V_IDENT },
};

static const struct { const char *name; int number; } protocol_names[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "sctp", 132 },
};

static const struct filter_key *
find_key(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(filter_keys); i++)
		if (strlen(filter_keys[i].name) == len &&
		    strncasecmp(filter_keys[i].name, name, len) == 0)
			return &filter_keys[i];
	return NULL;
}

static int
parse_uint(const char *s, size_t len, long max, long *out)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
all_chars_in(const char *s, size_t len, const char *allowed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(allowed, s[i]))
			return 0;
	return 1;
}

/* An IPv4/IPv6 address, optionally /prefix within the family's bits. */
static int
valid_address(const char *v, size_t len)
{
	char addr[64];
	unsigned char bin[16];
	const char *slash = memchr(v, '/', len);
	size_t alen = slash ? (size_t)(slash - v) : len;
	long prefix;
	int v6;

	if (alen == 0 || alen >= sizeof addr)
		return 0;
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	v6 = memchr(addr, ':', alen) != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return 0;
	if (slash == NULL)
		return 1;
	return parse_uint(slash + 1, len - alen - 1, v6 ? 128 : 32,
	    &prefix) == 0;
}

/* "col = v" or "col BETWEEN a AND b" for one port value; -1 if bad. */
static int
port_condition(struct sbuf *b, const char *col, const char *v, size_t len)
{
	const char *dash = memchr(v, '-', len);
	long lo, hi;

	if (dash == NULL) {
		if (parse_uint(v, len, 65535, &lo) < 0)
			return -1;
		sbuf_printf(b, "%s = %ld", col, lo);
		return 0;
	}
	if (parse_uint(v, (size_t)(dash - v), 65535, &lo) < 0 ||
	    parse_uint(dash + 1, len - (size_t)(dash - v) - 1, 65535, &hi) < 0 ||
	    lo > hi)
		return -1;
	sbuf_printf(b, "%s BETWEEN %ld AND %ld", col, lo, hi);
	return 0;
}

/*
 * The condition for one value on one column, appended to b; NULL on
 * success or a static reason why the value is not valid.
 */
static const char *
value_condition(struct sbuf *b, const struct filter_key *k, const char *col,
    const char *v, size_t len)
{
	size_t i;
	long n;

	switch (k->kind) {
	case V_ACTION:
		if (len == 6 && strncasecmp(v, "ACCEPT", 6) == 0)
			sbuf_printf(b, "%s = 'ACCEPT'", col);
		else if (len == 6 && strncasecmp(v, "REJECT", 6) == 0)
			sbuf_printf(b, "%s = 'REJECT'", col);
		else
			return "action is ACCEPT or REJECT";
		return NULL;
	case V_PROTO:
		if (parse_uint(v, len, 255, &n) == 0) {
			sbuf_printf(b, "%s = %ld", col, n);
			return NULL;
		}
		for (i = 0; i < ARRAY_LEN(protocol_names); i++)
			if (strlen(protocol_names[i].name) == len &&
			    strncasecmp(protocol_names[i].name, v, len) == 0) {
				sbuf_printf(b, "%s = %d", col,
				    protocol_names[i].number);
				return NULL;
			}
		return "protocol is a name (tcp, udp, icmp, icmpv6, gre, esp, "
		    "ah, sctp, igmp) or a number 0-255";
	case V_ADDR:
		if (!valid_address(v, len))
			return "address is an IPv4/IPv6 address or CIDR block "
			    "(10.0.0.0/8, 2001:db8::/32)";
		if (memchr(v, '/', len))
			sbuf_printf(b, "contains('%.*s', %s)", (int)len, v, col);
		else
			sbuf_printf(b, "%s = '%.*s'", col, (int)len, v);
		return NULL;
	case V_PORT:
		if (port_condition(b, col, v, len) < 0)
			return "port is a number 0-65535 or a range LO-HI";
		return NULL;
	case V_IDENT:
		if (len == 0 || len > 64 || !all_chars_in(v, len, "-_."))
			return "value has only letters, digits, '-', '_', '.'";
		sbuf_printf(b, "%s = '%.*s'", col, (int)len, v);
		return NULL;
	}
	return "unknown key";
}

static char *
term_error(size_t column, const char *what, const char *name, size_t len)
{
	return xasprintf("filter: at column %zu: %s \"%.*s\"", column, what,
	    (int)(len > 40 ? 40 : len), name);
}

/* Append "(cond OR cond ...)" for one term; 0 or -1 with *err. */
static int
term_sql(struct sbuf *b, const struct filter_key *k, int negate,
    const char *values, size_t len, size_t column, char **err)
{
	const char *p = values, *end = values + len;
	int first = 1;

	sbuf_appends(b, negate ? "NOT coalesce((" : "(");
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t vlen = comma ? (size_t)(comma - p) : (size_t)(end - p);
		const char *why;

		if (!first)
			sbuf_appends(b, " OR ");
		first = 0;
		why = value_condition(b, k, k->column, p, vlen);
		if (why == NULL && k->column2) {
			sbuf_appends(b, " OR ");
			why = value_condition(b, k, k->column2, p, vlen);
		}
		if (why) {
			char *what = xasprintf("bad value for %s: %s; got",
			    k->name, why);

			*err = term_error(column + (size_t)(p - values), what,
			    p, vlen);
			free(what);
			return -1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	sbuf_appends(b, negate ? "), 0)" : ")");
	return 0;
}

int
filter_parse(const char *text, struct filter *out, char **err)
{
	struct sbuf b = { 0 };
	const char *p = text;
	int metric_ok = 1, terms = 0;

	while (*p) {
		const char *start, *colon, *word_end;
		const struct filter_key *k;
		int negate = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		if (*p == '-' || *p == '!') {
			negate = 1;
			p++;
		}
		word_end = p + strcspn(p, " \t");
		colon = memchr(p, ':', (size_t)(word_end - p));
		if (colon == NULL) {
			*err = term_error((size_t)(start - text) + 1, "expected "
			    "key:value (keys: action proto src dst addr port "
			    "sport dport eni account vpc status), got", start,
			    (size_t)(word_end - start));
			sbuf_free(&b);
			return -1;
		}
		k = find_key(p, (size_t)(colon - p));
		if (k == NULL) {
			*err = term_error((size_t)(p - text) + 1, "unknown key "
			    "(keys: action proto src dst addr port sport dport "
			    "eni account vpc status):", p,
			    (size_t)(colon - p));
			sbuf_free(&b);
			return -1;
		}
		if (k->kind != V_ACTION && k->kind != V_PROTO)
			metric_ok = 0;
		sbuf_appends(&b, terms++ ? " AND " : "");
		if (term_sql(&b, k, negate, colon + 1,
		    (size_t)(word_end - colon - 1),
		    (size_t)(colon + 1 - text) + 1, err) < 0) {
			sbuf_free(&b);
			return -1;
		}
		p = word_end;
	}
	if (terms == 0)
		sbuf_appends(&b, "1");
	out->text = xstrdup(text);
	out->sql = b.data;
	out->metric_ok = metric_ok;
	return 0;
}

void
filter_free(struct filter *f)
{
	free(f->text);
	free(f->sql);
	f->text = f->sql = NULL;
}

/* Epoch seconds or an ISO 8601 date/timestamp; -1 if neither. */
static int
parse_instant(const char *s, int64_t *out)
{
	struct timeconv_iso iso;
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end == '\0' && errno == 0 && v >= 0) {
		*out = v;
		return 0;
	}
	if (timeconv_parse_iso8601(s, &iso) < 0)
		return -1;
	*out = iso.sec;
	return 0;
}

int
range_parse(const char *text, struct time_range *out, char **err)
{
	const char *dots = strstr(text, "..");
	struct time_range r;
	int64_t secs;

	memset(&r, 0, sizeof r);
	snprintf(r.label, sizeof r.label, "%s", text);
	if (strcasecmp(text, "all") == 0) {
		snprintf(r.label, sizeof r.label, "all");
		*out = r;
		return 0;
	}
	if (dots) {
		char from[64], to[64];
		size_t n = (size_t)(dots - text);

		if (n >= sizeof from || strlen(dots + 2) >= sizeof to)
			goto bad;
		memcpy(from, text, n);
		from[n] = '\0';
		snprintf(to, sizeof to, "%s", dots + 2);
		if (parse_instant(from, &r.from) < 0 ||
		    parse_instant(to, &r.to) < 0 || r.to <= r.from)
			goto bad;
		*out = r;
		return 0;
	}
	if (parse_duration(text, &secs) == 0 && secs > 0) {
		r.seconds = secs;
		*out = r;
		return 0;
	}
bad:
	*err = xasprintf("time range \"%.60s\": use 15m, 1h, 24h, 7d, all, or "
	    "FROM..TO with ISO 8601 times or epoch seconds "
	    "(2026-01-01T00:00..2026-01-02)", text);
	return -1;
}

void
range_bounds(const struct time_range *r, int64_t now, int64_t *lo,
    int64_t *hi)
{
	if (r->to > 0) {
		*lo = r->from - ((r->from % 60) + 60) % 60;
		*hi = r->to + (60 - ((r->to % 60) + 60) % 60) % 60;
		return;
	}
	*hi = INT64_MAX;
	if (r->seconds == 0) {
		*lo = 0;
		return;
	}
	*lo = now - r->seconds;
	*lo -= ((*lo % 60) + 60) % 60;
}

/*
 * sqlfn.c - see sqlfn.h.
 *
 * Calendar arithmetic is done on int64 day numbers (timeconv.h) rather than
 * with gmtime()/timegm(): exact for any year, no time_t range checks, and
 * the local time zone is never consulted.
 */
#include "sqlfn.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeconv.h"
#include "util.h"

/*
 * Timestamps further than this from 1970 (about three million years) are
 * rejected: it keeps every intermediate of the calendar arithmetic far from
 * int64 overflow, and a value that large is a unit mistake anyway.
 */
#define TS_LIMIT INT64_C(100000000000000)

#define SECS_PER_DAY INT64_C(86400)

/* A timestamp argument: whole seconds plus a fraction in [0, 1). */
struct ts {
	int64_t sec;
	double  frac;
};

/* A broken-down UTC time. */
struct civil {
	int64_t year;
	int     month;		/* 1..12 */
	int     day;		/* 1..31 */
	int     hour, minute, second;
	int     yday;		/* 1..366 */
	int     wday;		/* 1 = Monday .. 7 = Sunday (ISO) */
};

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

static const char *const day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};

/* ------------------------------------------------------------------ */
/* Calendar                                                            */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static void
civil_from_epoch(int64_t sec, struct civil *c)
{
	int64_t days = floor_div(sec, SECS_PER_DAY);
	int64_t rem = sec - days * SECS_PER_DAY;

	timeconv_civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / 3600);
	c->minute = (int)(rem / 60 % 60);
	c->second = (int)(rem % 60);
	c->yday = (int)(days - timeconv_days_from_civil(c->year, 1, 1)) + 1;
	/* 1970-01-01 was a Thursday. */
	c->wday = (int)floor_mod(days + 3, 7) + 1;
}

/* The ISO 8601 week-numbering year and week (1..53) of a day number. */
static void
iso_week(int64_t days, int64_t *wyear, int *week)
{
	int64_t thursday = days - floor_mod(days + 3, 7) + 3, jan1;
	int m, d;

	timeconv_civil_from_days(thursday, wyear, &m, &d);
	jan1 = timeconv_days_from_civil(*wyear, 1, 1);
	*week = (int)((thursday - jan1) / 7) + 1;
}

/* ------------------------------------------------------------------ */
/* Arguments and results                                               */

/*
 * Report "fn(): 'value' what" as the SQL error.  Long values are cut: the
 * message is for a person reading a terminal.
 */
static void
fail_value(sqlite3_context *ctx, const char *fn, sqlite3_value *v,
    const char *what)
{
	const char *s = (const char *)sqlite3_value_text(v);
	int n = sqlite3_value_bytes(v);
	char msg[512];

	if (s == NULL)
		s = "";
	snprintf(msg, sizeof msg, "%s(): '%.*s%s' %s", fn, n > 60 ? 57 : n, s,
	    n > 60 ? "..." : "", what);
	sqlite3_result_error(ctx, msg, -1);
}

static void
fail_msg(sqlite3_context *ctx, const char *fn, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s(): %s", fn, what);
	sqlite3_result_error(ctx, msg, -1);
}

/*
 * Read a timestamp argument.  Returns 1 with *out set, 0 for NULL (the
 * result is already NULL) or -1 after setting an error.  Text that looks
 * like a number is accepted (SQLite's numeric affinity); other text is an
 * error, because a date string here means the caller forgot a conversion.
 */
static int
arg_ts(sqlite3_context *ctx, sqlite3_value *v, const char *fn,
    struct ts *out)
{
	double d;
	int64_t i;

	switch (sqlite3_value_numeric_type(v)) {
	case SQLITE_NULL:
		sqlite3_result_null(ctx);
		return 0;
	case SQLITE_INTEGER:
		i = sqlite3_value_int64(v);
		if (i <= -TS_LIMIT || i >= TS_LIMIT)
			break;
		out->sec = i;
		out->frac = 0;
		return 1;
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		/* Negated test so that NaN fails it too. */
		if (!(d > -(double)TS_LIMIT && d < (double)TS_LIMIT))
			break;
		out->sec = (int64_t)d;		/* floor, without libm */
		if ((double)out->sec > d)
			out->sec--;
		out->frac = d - (double)out->sec;
		return 1;
	default:
		fail_value(ctx, fn, v, "is not a timestamp: timestamps are "
		    "epoch seconds (convert text with from_iso8601_timestamp())");
		return -1;
	}
	fail_value(ctx, fn, v, "is out of range for a timestamp "
	    "(epoch seconds)");
	return -1;
}

/*
 * Read an integer argument (an integral REAL is fine).  Same returns as
 * arg_ts().
 */
static int
arg_int(sqlite3_context *ctx, sqlite3_value *v, const char *fn,
    int64_t *out)
{
	double d;

	switch (sqlite3_value_numeric_type(v)) {
	case SQLITE_NULL:
		sqlite3_result_null(ctx);
		return 0;
	case SQLITE_INTEGER:
		*out = sqlite3_value_int64(v);
		return 1;
	case SQLITE_FLOAT:
		d = sqlite3_value_double(v);
		if (d > -9e15 && d < 9e15 && d == (double)(int64_t)d) {
			*out = (int64_t)d;
			return 1;
		}
		break;
	default:
		break;
	}
	fail_value(ctx, fn, v, "is not an integer");
	return -1;
}

/* Epoch seconds out: INTEGER when whole, REAL only when fractional. */
static void
result_ts(sqlite3_context *ctx, int64_t sec, double frac)
{
	if (frac == 0)
		sqlite3_result_int64(ctx, sec);
	else
		sqlite3_result_double(ctx, (double)sec + frac);
}

static void
result_sbuf(sqlite3_context *ctx, struct sbuf *b)
{
	sqlite3_result_text(ctx, b->data ? b->data : "", (int)b->len,
	    SQLITE_TRANSIENT);
	sbuf_free(b);
}

enum unit {
	UNIT_SECOND, UNIT_MINUTE, UNIT_HOUR, UNIT_DAY, UNIT_WEEK,
	UNIT_MONTH, UNIT_QUARTER, UNIT_YEAR
};

static const struct unit_def {
	const char *name;
	int64_t     seconds;	/* fixed length, or 0 */
	int         months;	/* calendar length, or 0 */
} unit_defs[] = {
	[UNIT_SECOND] = { "second", 1, 0 },
	[UNIT_MINUTE] = { "minute", 60, 0 },
	[UNIT_HOUR] = { "hour", 3600, 0 },
	[UNIT_DAY] = { "day", 86400, 0 },
	[UNIT_WEEK] = { "week", 604800, 0 },
	[UNIT_MONTH] = { "month", 0, 1 },
	[UNIT_QUARTER] = { "quarter", 0, 3 },
	[UNIT_YEAR] = { "year", 0, 12 },
};

/*
 * Compare n bytes of s with the lower-case word, ignoring ASCII case only
 * (strncasecmp() follows the locale).
 */
static int
ascii_ieq(const char *s, const char *word, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++) {
		char c = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] + 32) : s[k];

		if (c != word[k])
			return 0;
	}
	return 1;
}

/* Read a unit name ('day', 'DAY', 'days').  Same returns as arg_ts(). */
static int
arg_unit(sqlite3_context *ctx, sqlite3_value *v, const char *fn,
    const struct unit_def **out)
{
	const char *s = (const char *)sqlite3_value_text(v);
	size_t i, n;

	if (sqlite3_value_type(v) == SQLITE_NULL || s == NULL) {
		sqlite3_result_null(ctx);
		return 0;
	}
	n = strlen(s);
	for (i = 0; i < ARRAY_LEN(unit_defs); i++) {
		size_t len = strlen(unit_defs[i].name);

		/* Trino wants the singular; accept the plural too. */
		if ((n == len || (n == len + 1 && (s[len] | 0x20) == 's')) &&
		    ascii_ieq(s, unit_defs[i].name, len)) {
			*out = &unit_defs[i];
			return 1;
		}
	}
	fail_value(ctx, fn, v, "is not a unit; valid units are second, "
	    "minute, hour, day, week, month, quarter and year");
	return -1;
}

/* ------------------------------------------------------------------ */
/* now(), from_unixtime(), to_unixtime()                               */

static void
fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *env = getenv("FLOWLENS_NOW");
	char *end;
	long long v;

	(void)argc;
	(void)argv;
	if (env == NULL || *env == '\0') {
		sqlite3_result_int64(ctx, now_epoch());
		return;
	}
	errno = 0;
	v = strtoll(env, &end, 10);
	if (errno != 0 || end == env || *end != '\0' || isspace(
	    (unsigned char)*env)) {
		fail_msg(ctx, "now", "FLOWLENS_NOW is set but is not an "
		    "integer number of epoch seconds");
		return;
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)v);
}

/* Timestamps are already epoch seconds: both directions are the identity. */
static void
identity_ts(sqlite3_context *ctx, sqlite3_value *v, const char *fn)
{
	struct ts t;

	if (arg_ts(ctx, v, fn, &t) == 1)
		result_ts(ctx, t.sec, t.frac);
}

static void
fn_from_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	identity_ts(ctx, argv[0], "from_unixtime");
}

static void
fn_to_unixtime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	identity_ts(ctx, argv[0], "to_unixtime");
}

/* ------------------------------------------------------------------ */
/* ISO 8601 parsing                                                    */

/*
 * Read the text argument v of fn as an ISO 8601 date or timestamp: what
 * timeconv_parse_iso8601() accepts, except that a fraction needs the
 * seconds.  Same returns as arg_ts(); the error is "fn(): 'v' what".
 */
static int
arg_iso8601(sqlite3_context *ctx, sqlite3_value *v, const char *fn,
    const char *what, struct timeconv_iso *out)
{
	const char *s = (const char *)sqlite3_value_text(v);

	if (sqlite3_value_type(v) == SQLITE_NULL || s == NULL) {
		sqlite3_result_null(ctx);
		return 0;
	}
	if (timeconv_parse_iso8601(s, out) < 0 || ((out->has &
	    TIMECONV_FRAC) && !(out->has & TIMECONV_SECOND))) {
		fail_value(ctx, fn, v, what);
		return -1;
	}
	return 1;
}

static void
fn_from_iso8601_timestamp(sqlite3_context *ctx, int argc,
    sqlite3_value **argv)
{
	struct timeconv_iso t;

	(void)argc;
	if (arg_iso8601(ctx, argv[0], "from_iso8601_timestamp",
	    "is not an ISO 8601 timestamp "
	    "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM])", &t) != 1)
		return;
	/* Fraction digits past nanoseconds are ignored. */
	result_ts(ctx, t.sec, (double)(t.frac_ps / 1000) / 1e9);
}

/*
 * The calendar date as written, at midnight UTC.  A time of day and zone
 * are accepted and ignored, as CAST(timestamp with time zone AS date) would.
 */
static void
fn_from_iso8601_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct timeconv_iso t;

	(void)argc;
	if (arg_iso8601(ctx, argv[0], "from_iso8601_date",
	    "is not an ISO 8601 date (YYYY-MM-DD)", &t) == 1)
		sqlite3_result_int64(ctx, t.day * SECS_PER_DAY);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

/* Append v zero-padded to width digits (a sign does not count). */
static void
put_num(struct sbuf *b, int64_t v, int width)
{
	char tmp[24];
	size_t n;

	if (v < 0) {
		sbuf_appendc(b, '-');
		v = -v;
	}
	n = fmt_int64(tmp, v);
	for (; width > (int)n; width--)
		sbuf_appendc(b, '0');
	sbuf_append(b, tmp, n);
}

/*
 * Round t to whole microseconds, carrying into the seconds, and return the
 * microseconds: 1709478245.1 is stored as ...245.0999999 and must print .100.
 */
static int
round_micros(struct ts *t)
{
	int us = (int)(t->frac * 1000000 + 0.5);

	if (us >= 1000000) {
		t->sec++;
		us -= 1000000;
	}
	return us;
}

/* The first ndigits digits of a microsecond count, then zeros. */
static void
put_fraction(struct sbuf *b, int us, int ndigits)
{
	int i, div = 100000;

	for (i = 0; i < ndigits; i++, div /= 10)
		sbuf_appendc(b, div > 0 ? (char)('0' + us / div % 10) : '0');
}

static void
put_abbrev(struct sbuf *b, const char *name)
{
	sbuf_append(b, name, 3);
}

static int
hour12(int hour)
{
	return hour % 12 == 0 ? 12 : hour % 12;
}

static void
fn_to_iso8601(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sbuf b = { 0 };
	struct civil c;
	struct ts t;

	int us;

	(void)argc;
	if (arg_ts(ctx, argv[0], "to_iso8601", &t) != 1)
		return;
	us = round_micros(&t);
	civil_from_epoch(t.sec, &c);
	put_num(&b, c.year, 4);
	sbuf_printf(&b, "-%02d-%02dT%02d:%02d:%02d.", c.month, c.day, c.hour,
	    c.minute, c.second);
	put_fraction(&b, us, 3);
	sbuf_appendc(&b, 'Z');
	result_sbuf(ctx, &b);
}

/* English ordinal suffix for %D. */
static const char *
ordinal_suffix(int day)
{
	if (day % 100 >= 11 && day % 100 <= 13)
		return "th";
	switch (day % 10) {
	case 1: return "st";
	case 2: return "nd";
	case 3: return "rd";
	default: return "th";
	}
}

/*
 * One MySQL specifier (the character after '%').  Returns 0, or -1 for the
 * specifiers Trino documents as unsupported.
 */
static int
put_mysql(struct sbuf *b, char spec, const struct civil *c, int us,
    int64_t days)
{
	int64_t wyear;
	int week;

	switch (spec) {
	case 'a': put_abbrev(b, day_names[c->wday - 1]); break;
	case 'b': put_abbrev(b, month_names[c->month - 1]); break;
	case 'c': put_num(b, c->month, 1); break;
	case 'D': sbuf_printf(b, "%d%s", c->day, ordinal_suffix(c->day));
		break;
	case 'd': put_num(b, c->day, 2); break;
	case 'e': put_num(b, c->day, 1); break;
	case 'f': put_fraction(b, us, 6); break;
	case 'H': put_num(b, c->hour, 2); break;
	case 'h':
	case 'I': put_num(b, hour12(c->hour), 2); break;
	case 'i': put_num(b, c->minute, 2); break;
	case 'j': put_num(b, c->yday, 3); break;
	case 'k': put_num(b, c->hour, 1); break;
	case 'l': put_num(b, hour12(c->hour), 1); break;
	case 'M': sbuf_appends(b, month_names[c->month - 1]); break;
	case 'm': put_num(b, c->month, 2); break;
	case 'p': sbuf_appends(b, c->hour < 12 ? "AM" : "PM"); break;
	case 'r': sbuf_printf(b, "%02d:%02d:%02d %s", hour12(c->hour),
		    c->minute, c->second, c->hour < 12 ? "AM" : "PM");
		break;
	case 'S':
	case 's': put_num(b, c->second, 2); break;
	case 'T': sbuf_printf(b, "%02d:%02d:%02d", c->hour, c->minute,
		    c->second);
		break;
	case 'v': iso_week(days, &wyear, &week); put_num(b, week, 2); break;
	case 'W': sbuf_appends(b, day_names[c->wday - 1]); break;
	case 'x': iso_week(days, &wyear, &week); put_num(b, wyear, 4); break;
	case 'Y': put_num(b, c->year, 4); break;
	case 'y': put_num(b, floor_mod(c->year, 100), 2); break;
	case 'U': case 'u': case 'V': case 'w': case 'X':
		return -1;
	default: sbuf_appendc(b, spec); break;	/* %% and %x for other x */
	}
	return 0;
}

static void
fn_date_format(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *fmt = (const char *)sqlite3_value_text(argv[1]);
	struct sbuf b = { 0 };
	struct civil c;
	struct ts t;
	const char *p;
	int us;

	(void)argc;
	if (arg_ts(ctx, argv[0], "date_format", &t) != 1)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || fmt == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	us = round_micros(&t);
	civil_from_epoch(t.sec, &c);
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '\0') {
			sbuf_appendc(&b, *p);
			continue;
		}
		p++;
		if (put_mysql(&b, *p, &c, us,
		    floor_div(t.sec, SECS_PER_DAY)) < 0) {
			char what[64];

			snprintf(what, sizeof what, "%%%c is not supported",
			    *p);
			fail_msg(ctx, "date_format", what);
			sbuf_free(&b);
			return;
		}
	}
	result_sbuf(ctx, &b);
}

/*
 * One run of `n` copies of the Joda pattern letter `letter`.  Returns 0, or
 * -1 for letters we do not implement.
 */
static int
put_joda(struct sbuf *b, char letter, int n, const struct civil *c,
    int us, int64_t days)
{
	int64_t wyear;
	int week;

	switch (letter) {
	case 'G': sbuf_appends(b, c->year > 0 ? "AD" : "BC"); break;
	case 'y':
	case 'Y':
		if (n == 2)
			put_num(b, floor_mod(c->year, 100), 2);
		else
			put_num(b, c->year, n);
		break;
	case 'x':
	case 'w':
		iso_week(days, &wyear, &week);
		if (letter == 'w')
			put_num(b, week, n);
		else if (n == 2)
			put_num(b, floor_mod(wyear, 100), 2);
		else
			put_num(b, wyear, n);
		break;
	case 'M':
		if (n >= 4)
			sbuf_appends(b, month_names[c->month - 1]);
		else if (n == 3)
			put_abbrev(b, month_names[c->month - 1]);
		else
			put_num(b, c->month, n);
		break;
	case 'E':
		if (n >= 4)
			sbuf_appends(b, day_names[c->wday - 1]);
		else
			put_abbrev(b, day_names[c->wday - 1]);
		break;
	case 'e': put_num(b, c->wday, n); break;
	case 'D': put_num(b, c->yday, n); break;
	case 'd': put_num(b, c->day, n); break;
	case 'a': sbuf_appends(b, c->hour < 12 ? "AM" : "PM"); break;
	case 'K': put_num(b, c->hour % 12, n); break;
	case 'h': put_num(b, hour12(c->hour), n); break;
	case 'H': put_num(b, c->hour, n); break;
	case 'k': put_num(b, c->hour == 0 ? 24 : c->hour, n); break;
	case 'm': put_num(b, c->minute, n); break;
	case 's': put_num(b, c->second, n); break;
	case 'S': put_fraction(b, us, n); break;
	case 'z': sbuf_appends(b, "UTC"); break;
	case 'Z': sbuf_appends(b, n == 1 ? "+0000" : n == 2 ? "+00:00" :
		    "UTC");
		break;
	default:
		return -1;
	}
	return 0;
}

/* Joda quoting at p: 'literal text', with '' for a quote.  Returns the rest. */
static const char *
copy_joda_quoted(struct sbuf *b, const char *p)
{
	if (p[1] == '\'') {
		sbuf_appendc(b, '\'');
		return p + 2;
	}
	for (p++; *p != '\0'; p++) {
		if (*p == '\'' && p[1] != '\'')
			return p + 1;
		if (*p == '\'')
			p++;
		sbuf_appendc(b, *p);
	}
	return p;	/* unterminated: the rest was literal */
}

static void
fn_format_datetime(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *fmt = (const char *)sqlite3_value_text(argv[1]);
	struct sbuf b = { 0 };
	struct civil c;
	struct ts t;
	const char *p;
	int us;

	(void)argc;
	if (arg_ts(ctx, argv[0], "format_datetime", &t) != 1)
		return;
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL || fmt == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	us = round_micros(&t);
	civil_from_epoch(t.sec, &c);
	for (p = fmt; *p != '\0';) {
		int n = 1;

		if (*p == '\'') {
			p = copy_joda_quoted(&b, p);
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			sbuf_appendc(&b, *p++);
			continue;
		}
		while (p[n] == *p)
			n++;
		if (put_joda(&b, *p, n, &c, us,
		    floor_div(t.sec, SECS_PER_DAY)) < 0) {
			char what[64];

			snprintf(what, sizeof what, "pattern letter '%c' is "
			    "not supported", *p);
			fail_msg(ctx, "format_datetime", what);
			sbuf_free(&b);
			return;
		}
		p += n;
	}
	result_sbuf(ctx, &b);
}

/* ------------------------------------------------------------------ */
/* date_trunc(), date_add(), date_diff() and the field extractors      */

static int64_t
trunc_epoch(const struct unit_def *u, int64_t sec)
{
	int64_t days = floor_div(sec, SECS_PER_DAY);
	struct civil c;

	if (u == &unit_defs[UNIT_WEEK])		/* ISO weeks start on Monday */
		return (days - floor_mod(days + 3, 7)) * SECS_PER_DAY;
	if (u->seconds != 0)
		return sec - floor_mod(sec, u->seconds);
	civil_from_epoch(sec, &c);
	if (u->months == 12)
		c.month = 1;
	else if (u->months == 3)
		c.month = (c.month - 1) / 3 * 3 + 1;
	return timeconv_days_from_civil(c.year, c.month, 1) * SECS_PER_DAY;
}

static void
fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct unit_def *u;
	struct ts t;

	(void)argc;
	if (arg_unit(ctx, argv[0], "date_trunc", &u) != 1 ||
	    arg_ts(ctx, argv[1], "date_trunc", &t) != 1)
		return;
	sqlite3_result_int64(ctx, trunc_epoch(u, t.sec));
}

/*
 * Add n calendar months, clamping the day to the end of the target month
 * (Jan 31 + 1 month = Feb 28 or 29), as Trino does.
 */
static int64_t
add_months(int64_t sec, int64_t n)
{
	int64_t days = floor_div(sec, SECS_PER_DAY);
	int64_t tod = sec - days * SECS_PER_DAY;
	int64_t y, total;
	int m, d;

	timeconv_civil_from_days(days, &y, &m, &d);
	total = y * 12 + (m - 1) + n;
	y = floor_div(total, 12);
	m = (int)(total - y * 12) + 1;
	if (d > timeconv_days_in_month(y, m))
		d = timeconv_days_in_month(y, m);
	return timeconv_days_from_civil(y, m, d) * SECS_PER_DAY + tod;
}

static void
fn_date_add(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct unit_def *u;
	int64_t n, sec;
	struct ts t;

	(void)argc;
	if (arg_unit(ctx, argv[0], "date_add", &u) != 1 ||
	    arg_int(ctx, argv[1], "date_add", &n) != 1 ||
	    arg_ts(ctx, argv[2], "date_add", &t) != 1)
		return;
	/* Bounds keep n * length and the month count inside int64. */
	if (u->seconds != 0 && n > -2 * TS_LIMIT / u->seconds &&
	    n < 2 * TS_LIMIT / u->seconds)
		sec = t.sec + n * u->seconds;
	else if (u->months != 0 && n > -INT64_C(100000000) &&
	    n < INT64_C(100000000))
		sec = add_months(t.sec, n * u->months);
	else
		sec = TS_LIMIT;
	if (sec <= -TS_LIMIT || sec >= TS_LIMIT) {
		fail_msg(ctx, "date_add", "result is out of range for a "
		    "timestamp");
		return;
	}
	result_ts(ctx, sec, t.frac);
}

/* Milliseconds, Trino's timestamp precision, so date_diff() is exact. */
static int64_t
ts_millis(const struct ts *t)
{
	return t->sec * 1000 + (int64_t)(t->frac * 1000 + 0.5);
}

/*
 * Whole months from a to b (b >= a), Joda's rule: a day-of-month that does
 * not exist in b's month counts as b's last day, so Jan 31 -> Feb 28 is one
 * month, matching what date_add() produces.
 */
static int64_t
months_between(int64_t a, int64_t b)
{
	const int64_t ms_day = SECS_PER_DAY * 1000;
	int64_t ya, yb, da = floor_div(a, ms_day), db = floor_div(b, ms_day);
	int ma, mb, dya, dyb;
	int64_t diff, rema, remb;

	if (b < a)
		return -months_between(b, a);
	timeconv_civil_from_days(da, &ya, &ma, &dya);
	timeconv_civil_from_days(db, &yb, &mb, &dyb);
	diff = (yb - ya) * 12 + (mb - ma);
	if (dyb == timeconv_days_in_month(yb, mb) && dya > dyb)
		dya = dyb;
	rema = (dya - 1) * ms_day + (a - da * ms_day);
	remb = (dyb - 1) * ms_day + (b - db * ms_day);
	if (remb < rema)
		diff--;
	return diff;
}

static void
fn_date_diff(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct unit_def *u;
	struct ts t1, t2;
	int64_t a, b;

	(void)argc;
	if (arg_unit(ctx, argv[0], "date_diff", &u) != 1 ||
	    arg_ts(ctx, argv[1], "date_diff", &t1) != 1 ||
	    arg_ts(ctx, argv[2], "date_diff", &t2) != 1)
		return;
	a = ts_millis(&t1);
	b = ts_millis(&t2);
	if (u->seconds != 0)	/* C division truncates toward zero */
		sqlite3_result_int64(ctx, (b - a) / (u->seconds * 1000));
	else
		sqlite3_result_int64(ctx, months_between(a, b) / u->months);
}

enum field { F_DOW, F_HOUR, F_MINUTE, F_DAY, F_MONTH, F_YEAR };

/* What one of day_of_week(), hour(), ... returns: its sqlite3_user_data(). */
static const struct field_def {
	const char *name;	/* the SQL function, for error messages */
	enum field  field;
} field_defs[] = {
	[F_DOW] = { "day_of_week", F_DOW },
	[F_HOUR] = { "hour", F_HOUR },
	[F_MINUTE] = { "minute", F_MINUTE },
	[F_DAY] = { "day", F_DAY },
	[F_MONTH] = { "month", F_MONTH },
	[F_YEAR] = { "year", F_YEAR },
};

static void
fn_extract_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct field_def *f = sqlite3_user_data(ctx);
	struct civil c;
	struct ts t;
	int64_t out = 0;

	(void)argc;
	if (arg_ts(ctx, argv[0], f->name, &t) != 1)
		return;
	civil_from_epoch(t.sec, &c);
	switch (f->field) {
	case F_DOW: out = c.wday; break;
	case F_HOUR: out = c.hour; break;
	case F_MINUTE: out = c.minute; break;
	case F_DAY: out = c.day; break;
	case F_MONTH: out = c.month; break;
	case F_YEAR: out = c.year; break;
	}
	sqlite3_result_int64(ctx, out);
}

/* ------------------------------------------------------------------ */
/* regexp_like()                                                       */

/*
 * Length of the interval {n}, {n,} or {n,m} at p, or 0 if p is not one.
 * *count gets the number of copies glibc makes of the repeated atom.
 */
static size_t
interval_len(const char *p, unsigned long *count)
{
	unsigned long n = 0, m = 0;
	size_t i = 1;
	int comma = 0, digits_m = 0;

	if (p[0] != '{' || !isdigit((unsigned char)p[1]))
		return 0;
	for (; isdigit((unsigned char)p[i]); i++)
		n = n < 100000 ? n * 10 + (unsigned long)(p[i] - '0') : n;
	if (p[i] == ',') {
		comma = 1;
		for (i++; isdigit((unsigned char)p[i]); i++, digits_m = 1)
			m = m < 100000 ? m * 10 + (unsigned long)(p[i] - '0') :
			    m;
	}
	if (p[i] != '}')
		return 0;
	*count = !comma ? n : !digits_m ? n + 1 : m > n ? m : n;
	return i + 1;
}

/* The ERE spelling of Java escape \c, or NULL to copy it unchanged. */
static const char *
java_escape(char c, int in_bracket)
{
	if (!in_bracket && c == 'd')
		return "[0-9]";
	if (!in_bracket && c == 'D')
		return "[^0-9]";
	if (in_bracket && c == 'd')
		return "0-9";
	if (in_bracket && c == 's')
		return "[:space:]";
	if (in_bracket && c == 'w')
		return "[:alnum:]_";
	return NULL;
}

/*
 * Copy a bracket expression from p (at its '['), translating \d, \s and
 * \w; a backslash is otherwise literal in ERE brackets.  Returns the rest.
 */
static const char *
copy_bracket(struct sbuf *b, const char *p)
{
	sbuf_appendc(b, *p++);
	if (*p == '^')
		sbuf_appendc(b, *p++);
	if (*p == ']')		/* a leading ] is literal */
		sbuf_appendc(b, *p++);
	while (*p != '\0' && *p != ']') {
		const char *rep = NULL;

		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *q = p + 2;

			while (*q != '\0' && !(q[0] == p[1] && q[1] == ']'))
				q++;
			q += *q != '\0' ? 2 : 0;
			sbuf_append(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (*p == '\\' && (rep = java_escape(p[1], 1)) != NULL) {
			sbuf_appends(b, rep);
			p += 2;
			continue;
		}
		sbuf_appendc(b, *p++);
	}
	if (*p == ']')
		sbuf_appendc(b, *p++);
	return p;
}

/*
 * Rewrite the Java-isms (Trino's regex dialect) that glibc's ERE would
 * silently read differently: \d and \D (glibc takes \d as the letter d),
 * \d \s \w inside brackets, (?: groups, and lazy quantifiers (a*? matches
 * exactly when a* does, so the ? is dropped).  \w, \s and \b outside
 * brackets are GNU extensions already.
 */
static char *
java_to_ere(const char *pat)
{
	struct sbuf b = { 0 };
	const char *p = pat, *rep;
	int quant = 0;		/* the last thing copied was a quantifier */
	unsigned long count;
	size_t n;

	sbuf_append(&b, "", 0);		/* b.data is never NULL */
	while (*p != '\0') {
		int was_quant = quant;

		quant = 0;
		if (*p == '[') {
			p = copy_bracket(&b, p);
		} else if (*p == '\\' && p[1] != '\0') {
			rep = java_escape(p[1], 0);
			sbuf_append(&b, rep ? rep : p, rep ? strlen(rep) : 2);
			p += 2;
		} else if (*p == '(' && p[1] == '?' && p[2] == ':') {
			sbuf_appendc(&b, '(');
			p += 3;
		} else if (*p == '?' && was_quant) {
			p++;		/* lazy: same yes/no answer */
		} else if ((n = interval_len(p, &count)) > 0) {
			sbuf_append(&b, p, n);
			p += n;
			quant = 1;
		} else {
			quant = *p == '*' || *p == '+' || *p == '?';
			sbuf_appendc(&b, *p++);
		}
	}
	return b.data;
}

/*
 * Largest pattern, in elements after glibc expands repetitions, that
 * regexp_like() compiles.  glibc's matcher builds DFA states that are sets
 * of these elements, so memory grows with the square: 13000 optional
 * copies (a{95,13438}) took gigabytes, 2000 stay within tens of megabytes.
 * Arithmetic on costs saturates just past the limit.
 */
#define REGEX_COST_LIMIT 2000UL

static unsigned long
cost_add(unsigned long a, unsigned long b)
{
	return a + b > REGEX_COST_LIMIT ? REGEX_COST_LIMIT + 1 : a + b;
}

static unsigned long
cost_mul(unsigned long a, unsigned long b)
{
	if (a == 0 || b == 0)
		return 0;
	return a > REGEX_COST_LIMIT / b ? REGEX_COST_LIMIT + 1 : a * b;
}

/*
 * Why glibc's regcomp() should not be given this ERE, or NULL.  It copies
 * the repeated part of x{n} n times (x+ once), so nested repetition such as
 * ((a{100}){100}){100} would eat gigabytes; and stacked quantifiers such as
 * Java's possessive a++ are undefined in ERE.
 */
static const char *
regex_refusal(const char *p)
{
	unsigned long total[64], last[64], count;
	int depth = 0, quant = 0;
	size_t n;

	total[0] = last[0] = 0;
	while (*p != '\0') {
		int was_quant = quant;

		quant = 0;
		count = 0;
		if ((n = interval_len(p, &count)) > 0 || *p == '*' ||
		    *p == '+' || *p == '?') {
			if (was_quant)
				return "stacked quantifiers (such as the "
				    "possessive a++) are not supported";
			count = n > 0 ? count : *p == '+' ? 2 : 1;
			total[depth] = cost_add(total[depth],
			    cost_mul(last[depth], count));
			last[depth] = cost_mul(last[depth], count);
			p += n > 0 ? n : 1;
			quant = 1;
			continue;
		}
		if (*p == '(') {
			if (++depth == 64)
				return "groups are nested too deeply";
			total[depth] = last[depth] = 0;
			p++;
			continue;
		}
		if (*p == ')' && depth > 0) {
			last[depth - 1] = total[depth];
			depth--;
			total[depth] = cost_add(total[depth], last[depth]);
			p++;
			continue;
		}
		/* glibc matches back-references by backtracking, which can
		 * take exponential time inside one regexec() call, where
		 * neither the progress handler nor Ctrl-C can stop it. */
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
			return "back-references (\\1 ... \\9) are not supported";
		if (*p == '[') {
			struct sbuf skip = { 0 };

			p = copy_bracket(&skip, p);
			sbuf_free(&skip);
		} else {
			p += *p == '\\' && p[1] != '\0' ? 2 : 1;
		}
		last[depth] = 1;
		total[depth] = cost_add(total[depth], 1);
	}
	for (; depth > 0; depth--)	/* unclosed groups still get built */
		total[depth - 1] = cost_add(total[depth - 1], total[depth]);
	return total[0] > REGEX_COST_LIMIT ? "the pattern is too large once "
	    "its repetitions are expanded (limit 2000 elements; nested "
	    "repetition counts multiply)" : NULL;
}

static void
free_regex(void *p)
{
	regfree(p);
	free(p);
}

/* Compile pattern (argument v), or set an error and return NULL. */
static regex_t *
compile_regex(sqlite3_context *ctx, sqlite3_value *v, const char *pat)
{
	char *ere = java_to_ere(pat);
	const char *refusal = regex_refusal(ere);
	regex_t *re = xmalloc(sizeof *re);
	char why[256], what[320];
	int rc = REG_BADPAT;

	if (refusal == NULL)
		rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc == 0)
		return re;
	if (refusal == NULL)
		regerror(rc, re, why, sizeof why);
	else
		snprintf(why, sizeof why, "%s", refusal);
	free(re);
	snprintf(what, sizeof what, "is not a valid regular expression: %s",
	    why);
	fail_value(ctx, "regexp_like", v, what);
	return NULL;
}

static void
fn_regexp_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	const char *pat = (const char *)sqlite3_value_text(argv[1]);
	regex_t *re = sqlite3_get_auxdata(ctx, 1);
	int fresh = 0;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (text == NULL || pat == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (re == NULL) {
		if ((re = compile_regex(ctx, argv[1], pat)) == NULL)
			return;
		fresh = 1;
	}
	sqlite3_result_int(ctx, regexec(re, text, 0, NULL, 0) == 0);
	/* Last: set_auxdata may free re at once (out of memory). */
	if (fresh)
		sqlite3_set_auxdata(ctx, 1, re, free_regex);
}

/* ------------------------------------------------------------------ */
/* contains()                                                          */

struct cidr {
	int           family;	/* AF_INET or AF_INET6 */
	int           prefix;	/* significant bits */
	unsigned char addr[16];
};

/* An IPv4 or IPv6 address.  Returns the family, or 0 if s is neither. */
static int
parse_addr(const char *s, size_t n, unsigned char out[16])
{
	char buf[64];

	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return AF_INET6;
	return 0;
}

/* "addr/prefix", or a bare address (all bits significant). */
static int
parse_cidr(const char *s, struct cidr *c)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	c->family = parse_addr(s, alen, c->addr);
	if (c->family == 0)
		return -1;
	max = c->family == AF_INET ? 32 : 128;
	c->prefix = max;
	if (slash == NULL)
		return 0;
	if (slash[1] == '\0' || strlen(slash + 1) > 3)
		return -1;
	c->prefix = 0;
	for (s = slash + 1; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		c->prefix = c->prefix * 10 + (*s - '0');
	}
	return c->prefix <= max ? 0 : -1;
}

static int
cidr_match(const struct cidr *c, const unsigned char *addr)
{
	int full = c->prefix / 8, rest = c->prefix % 8;
	unsigned char mask;

	if (memcmp(c->addr, addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

static void
fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *net = (const char *)sqlite3_value_text(argv[0]);
	const char *addr = (const char *)sqlite3_value_text(argv[1]);
	struct cidr *c = sqlite3_get_auxdata(ctx, 0);
	unsigned char a[16];
	int fresh = 0;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (net == NULL || addr == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (c == NULL) {
		c = xmalloc(sizeof *c);
		if (parse_cidr(net, c) < 0) {
			free(c);
			fail_value(ctx, "contains", argv[0],
			    "is not a CIDR block");
			return;
		}
		fresh = 1;
	}
	/* Not an address ('-' in a flow log), or the other family: no. */
	sqlite3_result_int(ctx, parse_addr(addr, strlen(addr), a) ==
	    c->family && cidr_match(c, a));
	if (fresh)
		sqlite3_set_auxdata(ctx, 0, c, free);
}

/* ------------------------------------------------------------------ */
/* split_part(), protocol_name()                                       */

/* Bytes in the UTF-8 character starting with lead byte c (1 if invalid). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Trino: an empty delimiter makes every character a part. */
static void
split_chars(sqlite3_context *ctx, const char *s, size_t n, int64_t index)
{
	size_t pos = 0, len = 0;

	for (; pos < n; pos += len) {
		len = utf8_len((unsigned char)s[pos]);
		if (len > n - pos)
			len = n - pos;
		if (--index == 0) {
			sqlite3_result_text(ctx, s + pos, (int)len,
			    SQLITE_TRANSIENT);
			return;
		}
	}
	sqlite3_result_null(ctx);
}

/* The index-th part (1-based) of s[0..n) split on d[0..dn), or NULL. */
static void
split_bytes(sqlite3_context *ctx, const char *s, size_t n, const char *d,
    size_t dn, int64_t index)
{
	const char *p, *end = s + n;

	for (; index > 1; index--) {
		p = memmem(s, (size_t)(end - s), d, dn);
		if (p == NULL) {
			sqlite3_result_null(ctx);
			return;
		}
		s = p + dn;
	}
	p = memmem(s, (size_t)(end - s), d, dn);
	sqlite3_result_text(ctx, s, (int)((p ? p : end) - s),
	    SQLITE_TRANSIENT);
}

static void
fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]);
	const char *d = (const char *)sqlite3_value_text(argv[1]);
	size_t dn = (size_t)sqlite3_value_bytes(argv[1]);
	int64_t index;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (arg_int(ctx, argv[2], "split_part", &index) != 1)
		return;
	if (s == NULL || d == NULL)
		sqlite3_result_error_nomem(ctx);
	else if (index < 1)
		fail_msg(ctx, "split_part", "index must be greater than zero");
	else if (dn == 0)
		split_chars(ctx, s, n, index);
	else
		split_bytes(ctx, s, n, d, dn, index);
}

static void
fn_protocol_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const struct {
		int         number;
		const char *name;
	} names[] = {
		{ 0, "HOPOPT" }, { 1, "ICMP" }, { 2, "IGMP" }, { 6, "TCP" },
		{ 8, "EGP" }, { 17, "UDP" }, { 41, "IPv6" }, { 47, "GRE" },
		{ 50, "ESP" }, { 51, "AH" }, { 58, "ICMPv6" }, { 89, "OSPF" },
		{ 112, "VRRP" }, { 132, "SCTP" },
	};
	size_t i;

	(void)argc;
	switch (sqlite3_value_numeric_type(argv[0])) {
	case SQLITE_NULL:
		sqlite3_result_null(ctx);
		return;
	case SQLITE_INTEGER:
		for (i = 0; i < ARRAY_LEN(names); i++) {
			if (sqlite3_value_int64(argv[0]) == names[i].number) {
				sqlite3_result_text(ctx, names[i].name, -1,
				    SQLITE_STATIC);
				return;
			}
		}
		break;
	default:
		break;
	}
	/* Unknown numbers (and anything odd) come back as their text. */
	sqlite3_result_text(ctx, (const char *)sqlite3_value_text(argv[0]),
	    sqlite3_value_bytes(argv[0]), SQLITE_TRANSIENT);
}

/* ------------------------------------------------------------------ */
/* distinct_count: count(DISTINCT x) with a hash set                   */

/*
 * SQLite counts DISTINCT values by inserting each into a temporary b-tree;
 * a hash set does the same work in a fraction of the time.  Values compare
 * as SQLite's DISTINCT compares them under the BINARY collation: NULLs are
 * not counted, an integer equals the real of the same value (1 = 1.0), text
 * compares by its bytes, text never equals a blob.
 */
struct dset {
	uint64_t     *hashes;	/* 0: empty slot */
	uint32_t     *offs;	/* key offset in keys */
	size_t        cap, n;	/* slots (power of 2), used */
	struct sbuf   keys;	/* tag byte, 4-byte length, bytes; per key */
};

static uint64_t
dset_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

static void
dset_grow(struct dset *d)
{
	size_t cap = d->cap ? d->cap * 2 : 256, i;
	uint64_t *hashes = xcalloc(cap, sizeof *hashes);
	uint32_t *offs = xmalloc(cap * sizeof *offs);

	for (i = 0; i < d->cap; i++) {
		size_t j;

		if (d->hashes[i] == 0)
			continue;
		for (j = d->hashes[i] & (cap - 1); hashes[j];
		    j = (j + 1) & (cap - 1))
			continue;
		hashes[j] = d->hashes[i];
		offs[j] = d->offs[i];
	}
	free(d->hashes);
	free(d->offs);
	d->hashes = hashes;
	d->offs = offs;
	d->cap = cap;
}

/* Add key (tag, bytes) unless present. */
static void
dset_add(struct dset *d, char tag, const void *data, size_t len)
{
	unsigned char head[5];
	uint64_t h;
	size_t j;

	head[0] = (unsigned char)tag;
	memcpy(head + 1, &(uint32_t){ (uint32_t)len }, 4);
	h = dset_hash(head, 5) ^ dset_hash(data, len) * 31;
	h = h ? h : 1;
	if ((d->n + 1) * 4 > d->cap * 3)
		dset_grow(d);
	for (j = h & (d->cap - 1); d->hashes[j]; j = (j + 1) & (d->cap - 1)) {
		const char *k = d->keys.data + d->offs[j];

		if (d->hashes[j] == h && memcmp(k, head, 5) == 0 &&
		    memcmp(k + 5, data, len) == 0)
			return;
	}
	d->hashes[j] = h;
	d->offs[j] = (uint32_t)d->keys.len;
	sbuf_append(&d->keys, head, 5);
	sbuf_append(&d->keys, data, len);
	d->n++;
}

static void
fn_distinct_count_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct dset **pd = sqlite3_aggregate_context(ctx, sizeof *pd);
	sqlite3_value *v = argv[0];
	double r;
	int64_t i;

	(void)argc;
	if (pd == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	if (*pd == NULL)
		*pd = xcalloc(1, sizeof **pd);
	if ((*pd)->keys.len > UINT32_MAX / 2) {
		sqlite3_result_error(ctx, "count(DISTINCT): too many values "
		    "for memory", -1);
		return;
	}
	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		break;
	case SQLITE_INTEGER:
		i = sqlite3_value_int64(v);
		dset_add(*pd, 'n', &i, sizeof i);
		break;
	case SQLITE_FLOAT:
		r = sqlite3_value_double(v);
		if (r >= -9.2e18 && r <= 9.2e18 && r == (double)(int64_t)r) {
			i = (int64_t)r;
			dset_add(*pd, 'n', &i, sizeof i);
		} else if (r == r) {
			dset_add(*pd, 'r', &r, sizeof r);
		} else {
			dset_add(*pd, 'N', "", 0);	/* NaN: stored as NULL */
		}
		break;
	case SQLITE_TEXT:
		dset_add(*pd, 't', sqlite3_value_text(v),
		    (size_t)sqlite3_value_bytes(v));
		break;
	default:
		dset_add(*pd, 'b', sqlite3_value_blob(v),
		    (size_t)sqlite3_value_bytes(v));
		break;
	}
}

static void
fn_distinct_count_final(sqlite3_context *ctx)
{
	struct dset **pd = sqlite3_aggregate_context(ctx, 0);
	int64_t n = 0;

	if (pd && *pd) {
		n = (int64_t)(*pd)->n;
		free((*pd)->hashes);
		free((*pd)->offs);
		sbuf_free(&(*pd)->keys);
		free(*pd);
		*pd = NULL;
	}
	sqlite3_result_int64(ctx, n);
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

#define PURE	(SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS)

static const struct fn_def {
	const char *name;
	int         nargs;
	int         flags;
	void      (*fn)(sqlite3_context *, int, sqlite3_value **);
	const void *data;	/* for sqlite3_user_data(), or NULL */
} fn_defs[] = {
	/* Reads the clock: not deterministic, but harmless anywhere. */
	{ "now", 0, SQLITE_INNOCUOUS, fn_now, NULL },
	{ "from_unixtime", 1, PURE, fn_from_unixtime, NULL },
	{ "to_unixtime", 1, PURE, fn_to_unixtime, NULL },
	{ "from_iso8601_timestamp", 1, PURE, fn_from_iso8601_timestamp, NULL },
	{ "from_iso8601_date", 1, PURE, fn_from_iso8601_date, NULL },
	{ "to_iso8601", 1, PURE, fn_to_iso8601, NULL },
	{ "date_format", 2, PURE, fn_date_format, NULL },
	{ "format_datetime", 2, PURE, fn_format_datetime, NULL },
	{ "date_trunc", 2, PURE, fn_date_trunc, NULL },
	{ "date_add", 3, PURE, fn_date_add, NULL },
	{ "date_diff", 3, PURE, fn_date_diff, NULL },
	{ "day_of_week", 1, PURE, fn_extract_field, &field_defs[F_DOW] },
	{ "hour", 1, PURE, fn_extract_field, &field_defs[F_HOUR] },
	{ "minute", 1, PURE, fn_extract_field, &field_defs[F_MINUTE] },
	{ "day", 1, PURE, fn_extract_field, &field_defs[F_DAY] },
	{ "month", 1, PURE, fn_extract_field, &field_defs[F_MONTH] },
	{ "year", 1, PURE, fn_extract_field, &field_defs[F_YEAR] },
	{ "regexp_like", 2, PURE, fn_regexp_like, NULL },
	{ "contains", 2, PURE, fn_contains, NULL },
	{ "split_part", 3, PURE, fn_split_part, NULL },
	{ "protocol_name", 1, PURE, fn_protocol_name, NULL },
};

int
sqlfn_register(sqlite3 *db)
{
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(fn_defs); i++) {
		const struct fn_def *f = &fn_defs[i];

		/* SQLite never writes through data, it only hands it back. */
		rc = sqlite3_create_function(db, f->name, f->nargs,
		    SQLITE_UTF8 | f->flags, (void *)f->data, f->fn, NULL,
		    NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return sqlite3_create_function(db, "distinct_count", 1,
	    SQLITE_UTF8 | PURE, NULL, NULL, fn_distinct_count_step,
	    fn_distinct_count_final);
}

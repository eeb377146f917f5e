/*
 * test_sqlfn.c - the Athena scalar functions, evaluated through SQLite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "sqlfn.h"
#include "unit.h"

static sqlite3 *
open_db(void)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		fprintf(stderr, "cannot open :memory:\n");
		exit(1);
	}
	if (sqlfn_register(db) != SQLITE_OK) {
		fprintf(stderr, "sqlfn_register failed\n");
		exit(1);
	}
	return db;
}

/*
 * The first column of the first row of sql, as text: "NULL" for NULL and
 * "ERR: message" when preparing or stepping fails.  The buffer is reused by
 * the next call.
 */
static const char *
q(const char *sql)
{
	static char out[1024];
	sqlite3 *db = open_db();
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(out, sizeof out, "NULL");
	else if (rc == SQLITE_ROW)
		snprintf(out, sizeof out, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	else
		snprintf(out, sizeof out, "ERR: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* True when sql fails and its error message contains every word given. */
static int
fails_with(const char *sql, const char *w1, const char *w2)
{
	const char *got = q(sql);

	if (strncmp(got, "ERR: ", 5) != 0 || strstr(got, w1) == NULL ||
	    (w2 != NULL && strstr(got, w2) == NULL)) {
		fprintf(stderr, "  %s\n    -> %s\n", sql, got);
		return 0;
	}
	return 1;
}

static void
test_register(void)
{
	sqlite3 *db = open_db();
	char *msg = NULL;

	/* Registering twice just replaces the functions. */
	CHECK_INT(sqlfn_register(db), SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE t(x INTEGER)", NULL, NULL, NULL);
	/* Deterministic functions may index; now() may not. */
	CHECK_INT(sqlite3_exec(db, "CREATE INDEX i1 ON t(date_trunc('day', "
	    "x))", NULL, NULL, NULL), SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE INDEX i2 ON t(now())", NULL, NULL,
	    &msg) != SQLITE_OK);
	CHECK(msg != NULL && strstr(msg, "non-deterministic") != NULL);
	sqlite3_free(msg);
	sqlite3_close(db);
}

static void
test_now(void)
{
	long long got;

	setenv("FLOWLENS_NOW", "1700000000", 1);
	CHECK_STR(q("SELECT now()"), "1700000000");
	CHECK_STR(q("SELECT typeof(now())"), "integer");
	setenv("FLOWLENS_NOW", "-5", 1);
	CHECK_STR(q("SELECT now()"), "-5");
	setenv("FLOWLENS_NOW", "17e8", 1);
	CHECK(fails_with("SELECT now()", "now()", "FLOWLENS_NOW"));
	setenv("FLOWLENS_NOW", "", 1);		/* empty means unset */
	got = atoll(q("SELECT now()"));
	CHECK(got >= (long long)time(NULL) - 5 &&
	    got <= (long long)time(NULL) + 5);
	unsetenv("FLOWLENS_NOW");
	got = atoll(q("SELECT now()"));
	CHECK(got >= (long long)time(NULL) - 5 &&
	    got <= (long long)time(NULL) + 5);
}

static void
test_unixtime(void)
{
	CHECK_STR(q("SELECT from_unixtime(1700000000)"), "1700000000");
	CHECK_STR(q("SELECT typeof(from_unixtime(1700000000))"), "integer");
	CHECK_STR(q("SELECT from_unixtime(1.5)"), "1.5");
	CHECK_STR(q("SELECT typeof(from_unixtime(2.0))"), "integer");
	CHECK_STR(q("SELECT from_unixtime('1700000000')"), "1700000000");
	CHECK_STR(q("SELECT from_unixtime(NULL)"), "NULL");
	CHECK_STR(q("SELECT to_unixtime(from_unixtime(-42))"), "-42");
	CHECK_STR(q("SELECT to_unixtime(NULL)"), "NULL");
	CHECK(fails_with("SELECT from_unixtime('2026-11-01')",
	    "from_unixtime(): '2026-11-01'", "not a timestamp"));
	CHECK(fails_with("SELECT to_unixtime(1e300)", "to_unixtime()",
	    "out of range"));
	CHECK(fails_with("SELECT to_unixtime(x'00')", "to_unixtime()",
	    "not a timestamp"));
}

static void
test_from_iso8601(void)
{
	CHECK_STR(q("SELECT from_iso8601_timestamp('2024-03-03T15:04:05Z')"),
	    "1709478245");
	CHECK_STR(q("SELECT from_iso8601_timestamp('2024-03-03 15:04:05')"),
	    "1709478245");
	CHECK_STR(q("SELECT from_iso8601_timestamp("
	    "'2024-03-03T17:04:05+02:00')"), "1709478245");
	CHECK_STR(q("SELECT from_iso8601_timestamp("
	    "'2024-03-03T10:04:05-0500')"), "1709478245");
	CHECK_STR(q("SELECT from_iso8601_timestamp('2024-03-03T15:04Z')"),
	    "1709478240");
	CHECK_STR(q("SELECT from_iso8601_timestamp('2024-03-03')"),
	    "1709424000");
	CHECK_STR(q("SELECT from_iso8601_timestamp("
	    "'2024-03-03T15:04:05.250Z')"), "1709478245.25");
	CHECK_STR(q("SELECT typeof(from_iso8601_timestamp("
	    "'2024-03-03T15:04:05.250Z'))"), "real");
	CHECK_STR(q("SELECT typeof(from_iso8601_timestamp("
	    "'2024-03-03T15:04:05.000Z'))"), "integer");
	CHECK_STR(q("SELECT from_iso8601_timestamp('1969-12-31T23:59:59Z')"),
	    "-1");
	CHECK_STR(q("SELECT from_iso8601_timestamp(NULL)"), "NULL");
	CHECK_STR(q("SELECT from_iso8601_date('2024-03-03')"), "1709424000");
	CHECK_STR(q("SELECT from_iso8601_date('2024-03-03T23:00:00-05:00')"),
	    "1709424000");
	CHECK_STR(q("SELECT from_iso8601_date(NULL)"), "NULL");
	CHECK(fails_with("SELECT from_iso8601_timestamp('2024-13-01')",
	    "from_iso8601_timestamp(): '2024-13-01'", "ISO 8601"));
	CHECK(fails_with("SELECT from_iso8601_timestamp('2023-02-29')",
	    "'2023-02-29'", NULL));
	CHECK(fails_with("SELECT from_iso8601_timestamp('2024-03-03T24:00')",
	    "'2024-03-03T24:00'", NULL));
	CHECK(fails_with("SELECT from_iso8601_timestamp('yesterday')",
	    "'yesterday'", NULL));
	CHECK(fails_with("SELECT from_iso8601_timestamp('2024-03-03Z')",
	    "'2024-03-03Z'", NULL));
	CHECK(fails_with("SELECT from_iso8601_timestamp('2024-03-03T1:00')",
	    "'2024-03-03T1:00'", NULL));
	CHECK(fails_with("SELECT from_iso8601_date('2024-3-3')",
	    "from_iso8601_date(): '2024-3-3'", "ISO 8601"));
}

static void
test_to_iso8601(void)
{
	CHECK_STR(q("SELECT to_iso8601(1709478245)"),
	    "2024-03-03T15:04:05.000Z");
	CHECK_STR(q("SELECT to_iso8601(1709478245.25)"),
	    "2024-03-03T15:04:05.250Z");
	/* .1 is not exact in binary; it must still print as .100 */
	CHECK_STR(q("SELECT to_iso8601(1709478245.1)"),
	    "2024-03-03T15:04:05.100Z");
	CHECK_STR(q("SELECT to_iso8601(1709478245.9999999)"),
	    "2024-03-03T15:04:06.000Z");
	CHECK_STR(q("SELECT to_iso8601(0)"), "1970-01-01T00:00:00.000Z");
	CHECK_STR(q("SELECT to_iso8601(-1)"), "1969-12-31T23:59:59.000Z");
	CHECK_STR(q("SELECT to_iso8601(951782400)"),
	    "2000-02-29T00:00:00.000Z");
	CHECK_STR(q("SELECT to_iso8601(NULL)"), "NULL");
	CHECK_STR(q("SELECT to_iso8601(from_iso8601_timestamp("
	    "'2026-11-01T00:00:00Z'))"), "2026-11-01T00:00:00.000Z");
}

static void
test_date_format(void)
{
	CHECK_STR(q("SELECT date_format(1709478245, '%Y-%m-%d %H:%i:%s')"),
	    "2024-03-03 15:04:05");
	CHECK_STR(q("SELECT date_format(1709478245, '%T')"), "15:04:05");
	CHECK_STR(q("SELECT date_format(1709478245, "
	    "'%e %c %p %a %b %j %y %%')"), "3 3 PM Sun Mar 063 24 %");
	CHECK_STR(q("SELECT date_format(1709478245, "
	    "'%W %M %D %r %h %l %k %S')"),
	    "Sunday March 3rd 03:04:05 PM 03 3 15 05");
	CHECK_STR(q("SELECT date_format(1704024000, '%x-W%v')"),
	    "2023-W52");
	CHECK_STR(q("SELECT date_format(1704067200, '%x-W%v %D')"),
	    "2024-W01 1st");
	CHECK_STR(q("SELECT date_format(1709478245.25, '%s.%f')"),
	    "05.250000");
	CHECK_STR(q("SELECT date_format(0, '%I %p %Q 100%')"),
	    "12 AM Q 100%");
	CHECK_STR(q("SELECT date_format(NULL, '%Y')"), "NULL");
	CHECK_STR(q("SELECT date_format(0, NULL)"), "NULL");
	CHECK(fails_with("SELECT date_format(0, '%U')", "date_format()",
	    "%U is not supported"));
	CHECK(fails_with("SELECT date_format('2024-01-01', '%Y')",
	    "date_format(): '2024-01-01'", "not a timestamp"));
}

static void
test_format_datetime(void)
{
	CHECK_STR(q("SELECT format_datetime(1709478245, "
	    "'yyyy-MM-dd HH:mm:ss')"), "2024-03-03 15:04:05");
	CHECK_STR(q("SELECT format_datetime(1709478245, "
	    "'EEE, d MMM yyyy h:mm a')"), "Sun, 3 Mar 2024 3:04 PM");
	CHECK_STR(q("SELECT format_datetime(1709478245.25, "
	    "'yyyy-MM-dd''T''HH:mm:ss.SSSZZ')"),
	    "2024-03-03T15:04:05.250+00:00");
	CHECK_STR(q("SELECT format_datetime(1709478245, "
	    "'EEEE MMMM yy D ''o''''clock'' Z z')"),
	    "Sunday March 24 63 o'clock +0000 UTC");
	CHECK_STR(q("SELECT format_datetime(NULL, 'yyyy')"), "NULL");
	CHECK(fails_with("SELECT format_datetime(0, 'yyyy qq')",
	    "format_datetime()", "pattern letter 'q'"));
}

static void
test_date_trunc(void)
{
	CHECK_STR(q("SELECT date_trunc('second', 1709478245.75)"),
	    "1709478245");
	CHECK_STR(q("SELECT date_trunc('minute', 1709478245)"),
	    "1709478240");
	CHECK_STR(q("SELECT date_trunc('hour', 1709478245)"), "1709478000");
	CHECK_STR(q("SELECT date_trunc('DAY', 1709478245)"), "1709424000");
	/* 2024-03-03 is a Sunday: its ISO week began Monday 02-26. */
	CHECK_STR(q("SELECT date_trunc('week', 1709478245)"), "1708905600");
	CHECK_STR(q("SELECT date_trunc('week', 1709510400)"), "1709510400");
	CHECK_STR(q("SELECT date_trunc('Month', 1709478245)"), "1709251200");
	CHECK_STR(q("SELECT date_trunc('quarter', 1709478245)"),
	    "1704067200");
	CHECK_STR(q("SELECT date_trunc('year', 1709478245)"), "1704067200");
	CHECK_STR(q("SELECT date_trunc('days', 1709478245)"), "1709424000");
	CHECK_STR(q("SELECT date_trunc('day', -1)"), "-86400");
	CHECK_STR(q("SELECT date_trunc('week', 0)"), "-259200");
	CHECK_STR(q("SELECT typeof(date_trunc('hour', 1.5))"), "integer");
	CHECK_STR(q("SELECT date_trunc(NULL, 0)"), "NULL");
	CHECK_STR(q("SELECT date_trunc('day', NULL)"), "NULL");
	CHECK(fails_with("SELECT date_trunc('fortnight', 0)",
	    "date_trunc(): 'fortnight'", "second, minute, hour, day, week, "
	    "month, quarter and year"));
}

static void
test_date_add(void)
{
	CHECK_STR(q("SELECT date_add('day', 1, 1709478245)"), "1709564645");
	CHECK_STR(q("SELECT date_add('week', 1, 0)"), "604800");
	CHECK_STR(q("SELECT date_add('hour', -2, 1.5)"), "-7198.5");
	CHECK_STR(q("SELECT date_add('minute', 2.0, 0)"), "120");
	/* 2024-01-31 10:20:30 + 1 month = 2024-02-29 (leap year) */
	CHECK_STR(q("SELECT date_add('month', 1, 1706696430)"),
	    "1709202030");
	/* 2023-01-31 10:20:30 + 1 month = 2023-02-28 */
	CHECK_STR(q("SELECT date_add('month', 1, 1675160430)"),
	    "1677579630");
	/* 2024-02-29 + 1 year = 2025-02-28 */
	CHECK_STR(q("SELECT to_iso8601(date_add('year', 1, 1709202030))"),
	    "2025-02-28T10:20:30.000Z");
	CHECK_STR(q("SELECT to_iso8601(date_add('quarter', -1, "
	    "from_iso8601_timestamp('2024-05-31T01:02:03Z')))"),
	    "2024-02-29T01:02:03.000Z");
	CHECK_STR(q("SELECT to_iso8601(date_add('month', -13, "
	    "from_iso8601_timestamp('2024-03-31')))"),
	    "2023-02-28T00:00:00.000Z");
	CHECK_STR(q("SELECT to_iso8601(date_add('month', 1, "
	    "from_iso8601_timestamp('1969-12-31T23:00:00.5Z')))"),
	    "1970-01-31T23:00:00.500Z");
	CHECK_STR(q("SELECT date_add('month', 1, NULL)"), "NULL");
	CHECK_STR(q("SELECT date_add('month', NULL, 0)"), "NULL");
	CHECK(fails_with("SELECT date_add('day', 1.5, 0)",
	    "date_add(): '1.5'", "not an integer"));
	CHECK(fails_with("SELECT date_add('year', 9000000000000, 0)",
	    "date_add()", "out of range"));
	CHECK(fails_with("SELECT date_add('second', 9223372036854775807, 0)",
	    "date_add()", "out of range"));
	CHECK(fails_with("SELECT date_add('eon', 1, 0)", "date_add(): 'eon'",
	    "valid units"));
}

static void
test_date_diff(void)
{
	CHECK_STR(q("SELECT date_diff('day', 0, 259199)"), "2");
	CHECK_STR(q("SELECT date_diff('day', 259199, 0)"), "-2");
	CHECK_STR(q("SELECT date_diff('second', 0, 0.9)"), "0");
	CHECK_STR(q("SELECT date_diff('second', 0.5, 2)"), "1");
	CHECK_STR(q("SELECT date_diff('week', 0, 1209600)"), "2");
	CHECK_STR(q("SELECT date_diff('hour', 1709478245, 1709424000)"),
	    "-15");
	/* Jan 31 -> Feb 29 (its last day) is a whole month... */
	CHECK_STR(q("SELECT date_diff('month', 1706696430, 1709202030)"),
	    "1");
	/* ...but not one second earlier. */
	CHECK_STR(q("SELECT date_diff('month', 1706696430, 1709202029)"),
	    "0");
	CHECK_STR(q("SELECT date_diff('month', 1709202030, 1706696430)"),
	    "-1");
	CHECK_STR(q("SELECT date_diff('year', 1709202030, "
	    "date_add('year', 1, 1709202030))"), "1");
	CHECK_STR(q("SELECT date_diff('quarter', 0, date_add('month', 7, 0))"),
	    "2");
	CHECK_STR(q("SELECT date_diff('year', 0, date_add('month', -13, 0))"),
	    "-1");
	CHECK_STR(q("SELECT date_diff('day', NULL, 0)"), "NULL");
	CHECK(fails_with("SELECT date_diff('decade', 0, 0)",
	    "date_diff(): 'decade'", NULL));
}

static void
test_fields(void)
{
	CHECK_STR(q("SELECT day_of_week(1709478245)"), "7");	/* Sunday */
	CHECK_STR(q("SELECT day_of_week(1709510400)"), "1");	/* Monday */
	CHECK_STR(q("SELECT day_of_week(-1)"), "3");	/* 1969-12-31 Wed */
	CHECK_STR(q("SELECT hour(1709478245)"), "15");
	CHECK_STR(q("SELECT minute(1709478245)"), "4");
	CHECK_STR(q("SELECT day(1709478245)"), "3");
	CHECK_STR(q("SELECT month(1709478245)"), "3");
	CHECK_STR(q("SELECT year(1709478245)"), "2024");
	CHECK_STR(q("SELECT year(-1)"), "1969");
	CHECK_STR(q("SELECT hour(1709478245.9)"), "15");
	CHECK_STR(q("SELECT year(NULL)"), "NULL");
	CHECK(fails_with("SELECT hour('noon')", "hour(): 'noon'",
	    "not a timestamp"));
}

static void
test_regexp_like(void)
{
	CHECK_STR(q("SELECT regexp_like('10.0.1.2', '^10\\.')"), "1");
	CHECK_STR(q("SELECT regexp_like('110.0.1.2', '^10\\.')"), "0");
	CHECK_STR(q("SELECT regexp_like('i-0abc', 'ABC')"), "0");
	/* Java's \d means a digit, not the letter d. */
	CHECK_STR(q("SELECT regexp_like('port 80', '\\d+')"), "1");
	CHECK_STR(q("SELECT regexp_like('ddd', '^\\d+$')"), "0");
	CHECK_STR(q("SELECT regexp_like('abc', '^\\D+$')"), "1");
	CHECK_STR(q("SELECT regexp_like('a1', '^a[\\d]$')"), "1");
	CHECK_STR(q("SELECT regexp_like('a b', 'a[\\s]b')"), "1");
	CHECK_STR(q("SELECT regexp_like('x]', '^[]x]+$')"), "1");
	CHECK_STR(q("SELECT regexp_like('a:', '^[[:alpha:]:]+$')"), "1");
	CHECK_STR(q("SELECT regexp_like(NULL, 'a')"), "NULL");
	CHECK_STR(q("SELECT regexp_like('a', NULL)"), "NULL");
	/* A constant pattern is compiled once and reused across rows. */
	CHECK_STR(q("SELECT sum(regexp_like(column1, '^a')) FROM "
	    "(VALUES ('ab'), ('ba'), ('ac'), (NULL))"), "2");
	/* A pattern that changes per row is recompiled. */
	CHECK_STR(q("SELECT sum(regexp_like('abc', column1)) FROM "
	    "(VALUES ('a'), ('z'), ('c$'), ('^b'))"), "2");
	CHECK(fails_with("SELECT regexp_like('a', '(')",
	    "regexp_like(): '('", "not a valid regular expression"));
	/* Java syntax with the same yes/no answer in ERE. */
	CHECK_STR(q("SELECT regexp_like('xaab', '^xa+?b$')"), "1");
	CHECK_STR(q("SELECT regexp_like('abab', '^(?:ab){2}?$')"), "1");
	CHECK_STR(q("SELECT regexp_like('a?', '^a\\?$')"), "1");
	/* Possessive quantifiers mean something else; refuse them. */
	CHECK(fails_with("SELECT regexp_like('aa', 'a++')",
	    "regexp_like(): 'a++'", "stacked quantifiers"));
	/* glibc would expand these to huge automata; refuse them. */
	CHECK(fails_with("SELECT regexp_like('a', '((a{100}){100}){100}')",
	    "regexp_like()", "too large once its repetitions are expanded"));
	CHECK(fails_with("SELECT regexp_like('a', 'm{95,13438}z')",
	    "regexp_like()", "too large"));
	CHECK(fails_with("SELECT regexp_like('a', '(x{9}')", "regexp_like()",
	    "not a valid regular expression"));
	CHECK_STR(q("SELECT regexp_like('10.1.2.3', "
	    "'^[0-9]{1,3}(\\.[0-9]{1,3}){3}$')"), "1");
	CHECK_STR(q("SELECT regexp_like('aaa', '^(a{1,3}){1,2}$')"), "1");
}

static void
test_contains_ipv4(void)
{
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '10.0.0.0')"), "1");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '10.255.255.255')"), "1");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '11.0.0.0')"), "0");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '9.255.255.255')"), "0");
	CHECK_STR(q("SELECT contains('172.16.0.0/12', '172.31.255.255')"),
	    "1");
	CHECK_STR(q("SELECT contains('172.16.0.0/12', '172.32.0.0')"), "0");
	CHECK_STR(q("SELECT contains('0.0.0.0/0', '255.255.255.255')"), "1");
	CHECK_STR(q("SELECT contains('10.1.2.3/32', '10.1.2.3')"), "1");
	CHECK_STR(q("SELECT contains('10.1.2.3/32', '10.1.2.4')"), "0");
	CHECK_STR(q("SELECT contains('10.1.2.3', '10.1.2.3')"), "1");
	CHECK_STR(q("SELECT contains('10.1.2.3', '10.1.2.2')"), "0");
	/* Host bits in the network are ignored by the mask. */
	CHECK_STR(q("SELECT contains('10.9.9.9/8', '10.1.1.1')"), "1");
	/* Wrong family, or not an address at all ('-' in flow logs). */
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '::ffff:10.0.0.1')"), "0");
	CHECK_STR(q("SELECT contains('0.0.0.0/0', '2001:db8::1')"), "0");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '-')"), "0");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', '')"), "0");
	CHECK_STR(q("SELECT contains(NULL, '10.0.0.1')"), "NULL");
	CHECK_STR(q("SELECT contains('10.0.0.0/8', NULL)"), "NULL");
	CHECK_STR(q("SELECT sum(contains('10.0.0.0/8', column1)) FROM (VALUES "
	    "('10.1.1.1'), ('192.168.0.1'), ('10.2.2.2'), ('-'))"), "2");
	CHECK(fails_with("SELECT contains('10.0.0.0/33', '10.0.0.1')",
	    "contains(): '10.0.0.0/33' is not a CIDR block", NULL));
	CHECK(fails_with("SELECT contains('10.0.0.0/', '10.0.0.1')",
	    "'10.0.0.0/' is not a CIDR block", NULL));
	CHECK(fails_with("SELECT contains('10.0.0.0/-1', '10.0.0.1')",
	    "'10.0.0.0/-1' is not a CIDR block", NULL));
	CHECK(fails_with("SELECT contains('10.0.0/8', '10.0.0.1')",
	    "'10.0.0/8' is not a CIDR block", NULL));
	CHECK(fails_with("SELECT contains('vpc', '10.0.0.1')",
	    "'vpc' is not a CIDR block", NULL));
}

static void
test_contains_ipv6(void)
{
	CHECK_STR(q("SELECT contains('2001:db8::/32', '2001:db8::')"), "1");
	CHECK_STR(q("SELECT contains('2001:db8::/32', "
	    "'2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')"), "1");
	CHECK_STR(q("SELECT contains('2001:db8::/32', '2001:db9::')"), "0");
	CHECK_STR(q("SELECT contains('2001:db8::/32', "
	    "'2001:db7:ffff:ffff:ffff:ffff:ffff:ffff')"), "0");
	CHECK_STR(q("SELECT contains('2001:db8::/33', '2001:db8:7fff::1')"),
	    "1");
	CHECK_STR(q("SELECT contains('2001:db8::/33', '2001:db8:8000::')"),
	    "0");
	CHECK_STR(q("SELECT contains('::/0', '::1')"), "1");
	CHECK_STR(q("SELECT contains('::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:ffff')"), "1");
	CHECK_STR(q("SELECT contains('2001:db8::1/128', '2001:db8::1')"),
	    "1");
	CHECK_STR(q("SELECT contains('2001:db8::1/128', '2001:db8::2')"),
	    "0");
	CHECK_STR(q("SELECT contains('2001:db8::1', '2001:db8::1')"), "1");
	CHECK_STR(q("SELECT contains('::/0', '1.2.3.4')"), "0");
	CHECK(fails_with("SELECT contains('2001:db8::/129', '::1')",
	    "contains(): '2001:db8::/129' is not a CIDR block", NULL));
	CHECK(fails_with("SELECT contains('2001:db8:::/32', '::1')",
	    "is not a CIDR block", NULL));
}

static void
test_split_part(void)
{
	CHECK_STR(q("SELECT split_part('a,b,c', ',', 1)"), "a");
	CHECK_STR(q("SELECT split_part('a,b,c', ',', 3)"), "c");
	CHECK_STR(q("SELECT split_part('a,b,c', ',', 4)"), "NULL");
	CHECK_STR(q("SELECT split_part('abc', ',', 1)"), "abc");
	CHECK_STR(q("SELECT split_part('a,,c', ',', 2)"), "");
	CHECK_STR(q("SELECT split_part('a::b::', '::', 3)"), "");
	CHECK_STR(q("SELECT split_part('h\xc3\xa9llo', '', 2)"),
	    "\xc3\xa9");
	CHECK_STR(q("SELECT split_part('ab', '', 3)"), "NULL");
	CHECK_STR(q("SELECT split_part(NULL, ',', 1)"), "NULL");
	CHECK_STR(q("SELECT split_part('a', ',', NULL)"), "NULL");
	CHECK(fails_with("SELECT split_part('a,b', ',', 0)", "split_part()",
	    "greater than zero"));
	CHECK(fails_with("SELECT split_part('a,b', ',', 'x')",
	    "split_part(): 'x'", "not an integer"));
}

static void
test_protocol_name(void)
{
	CHECK_STR(q("SELECT protocol_name(6)"), "TCP");
	CHECK_STR(q("SELECT protocol_name(17)"), "UDP");
	CHECK_STR(q("SELECT protocol_name(1)"), "ICMP");
	CHECK_STR(q("SELECT protocol_name(58)"), "ICMPv6");
	CHECK_STR(q("SELECT protocol_name(0)"), "HOPOPT");
	CHECK_STR(q("SELECT protocol_name(132)"), "SCTP");
	CHECK_STR(q("SELECT protocol_name('6')"), "TCP");
	CHECK_STR(q("SELECT protocol_name(253)"), "253");
	CHECK_STR(q("SELECT typeof(protocol_name(253))"), "text");
	CHECK_STR(q("SELECT protocol_name(NULL)"), "NULL");
}

/*
 * distinct_count(x) must equal SQLite's own count(DISTINCT x) on values of
 * every storage class, including the ones that compare equal across types
 * (1 and 1.0), text that looks like a number, blobs with the same bytes as
 * text, NULLs, and many values (the hash set grows several times), both
 * over a whole table and per group.
 */
static void
test_distinct_count(void)
{
	static const char setup[] =
	    "CREATE TABLE t(g, v);"
	    "INSERT INTO t VALUES (1, 1), (1, 1.0), (1, '1'), (1, x'31'),"
	    " (1, NULL), (1, 2.5), (1, 2.5), (1, -0.0), (1, 0), (1, ''),"
	    " (1, x''), (1, 'a'), (1, 'A'), (1, 9007199254740993),"
	    " (1, 9007199254740992.0), (1, 9007199254740992), (1, 1e300),"
	    " (2, NULL), (2, NULL);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	    " WHERE i < 20000) INSERT INTO t SELECT 3, (i % 7919) || 'x' FROM n;"
	    "INSERT INTO t SELECT 4, i % 1000 FROM (WITH RECURSIVE n(i) AS"
	    " (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
	    " SELECT i FROM n);";
	static const char *const checks[] = {
	    ("SELECT count(*) FROM (SELECT g, distinct_count(v) AS a,"
	    " count(DISTINCT v) AS b FROM t GROUP BY g) WHERE a = b"),
	    "SELECT distinct_count(v) = count(DISTINCT v) FROM t",
	    "SELECT distinct_count(v) FROM t WHERE g = 2",
	    "SELECT distinct_count(v) FROM t WHERE g = 1",
	};
	static const char *const want[] = { "4", "1", "0", "12" };
	sqlite3 *db = open_db();
	size_t i;

	if (sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK) {
		CHECK(!"setup failed");
		sqlite3_close(db);
		return;
	}
	for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		sqlite3_stmt *st = NULL;
		const char *got = "ERR";

		if (sqlite3_prepare_v2(db, checks[i], -1, &st, NULL) ==
		    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			got = (const char *)sqlite3_column_text(st, 0);
		CHECK_STR(got, want[i]);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

UNIT_MAIN(
    UNIT_CASE(test_register),
    UNIT_CASE(test_now),
    UNIT_CASE(test_unixtime),
    UNIT_CASE(test_from_iso8601),
    UNIT_CASE(test_to_iso8601),
    UNIT_CASE(test_date_format),
    UNIT_CASE(test_format_datetime),
    UNIT_CASE(test_date_trunc),
    UNIT_CASE(test_date_add),
    UNIT_CASE(test_date_diff),
    UNIT_CASE(test_fields),
    UNIT_CASE(test_regexp_like),
    UNIT_CASE(test_contains_ipv4),
    UNIT_CASE(test_contains_ipv6),
    UNIT_CASE(test_split_part),
    UNIT_CASE(test_protocol_name),
    UNIT_CASE(test_distinct_count)
)

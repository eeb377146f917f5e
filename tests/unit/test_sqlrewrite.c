/*
 * test_sqlrewrite.c - Athena-to-SQLite rewriting: exact outputs, errors
 * with positions, the silent-wrong-comparison guard, a fuzz smoke test and
 * an end-to-end run on SQLite with sqlfn registered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlfn.h"
#include "sqlrewrite.h"
#include "unit.h"

/*
 * The rewrite of sql, or "ERR@offset: message".  The buffer is reused by
 * the next call.
 */
static const char *
rw(const char *sql)
{
	static char out[4096];
	char *err = (char *)"unset", *got;
	size_t off = 999999;

	got = sqlrewrite_at(sql, &err, &off);
	if (got != NULL) {
		snprintf(out, sizeof out, "%s", got);
		if (err != NULL)
			snprintf(out, sizeof out, "BUG: output and error");
	} else {
		snprintf(out, sizeof out, "ERR@%zu: %s", off,
		    err ? err : "(no message)");
	}
	free(got);
	free(err);
	return out;
}

/* sql passes through byte for byte. */
static int
same(const char *sql)
{
	const char *got = rw(sql);

	if (strcmp(got, sql) != 0) {
		fprintf(stderr, "  changed: %s\n     into: %s\n", sql, got);
		return 0;
	}
	return 1;
}

/*
 * sql fails at the byte offset of the first occurrence of `at` in it, with
 * a message containing `words`.
 */
static int
fails_at(const char *sql, const char *at, const char *words)
{
	char *err = NULL, *got;
	size_t off = 999999;
	const char *p = strstr(sql, at);
	int ok;

	got = sqlrewrite_at(sql, &err, &off);
	ok = got == NULL && err != NULL && p != NULL &&
	    off == (size_t)(p - sql) && strstr(err, words) != NULL;
	if (ok) {
		char want[32];

		snprintf(want, sizeof want, "at position %zu: ", off);
		ok = strncmp(err, want, strlen(want)) == 0;
	}
	if (!ok)
		fprintf(stderr, "  %s\n    -> %s (offset %zu)\n", sql,
		    err ? err : got, off);
	free(got);
	free(err);
	return ok;
}

static void
test_table_names(void)
{
	CHECK_STR(rw("SELECT * FROM vpc_flow_logs.flow_logs"),
	    "SELECT * FROM flow_logs");
	CHECK_STR(rw("SELECT * FROM \"vpc_flow_logs\".\"flow_logs\" f"),
	    "SELECT * FROM flow_logs f");
	CHECK_STR(rw("FROM awsdatacatalog.vpc_flow_logs.flow_logs LIMIT 1"),
	    "FROM flow_logs LIMIT 1");
	CHECK_STR(rw("FROM `AwsDataCatalog`.`VPC_FLOW_LOGS`.`Flow_Logs`"),
	    "FROM flow_logs");
	CHECK_STR(rw("FROM \"awsdatacatalog\".vpc_flow_logs.\"flow_metrics\""),
	    "FROM flow_metrics");
	CHECK_STR(rw("FROM vpc_flow_logs.ingest_errors, "
	    "[vpc_flow_logs].[ingest_state]"),
	    "FROM ingest_errors, ingest_state");
	CHECK_STR(rw("FROM vpc_flow_logs . flow_logs"), "FROM flow_logs");
	/* Quoted names can touch words; the output must not fuse them. */
	CHECK_STR(rw("FROM\"vpc_flow_logs\".\"flow_logs\"AS f"),
	    "FROM flow_logs AS f");
	/* db.table.column in Trino is table.column here. */
	CHECK_STR(rw("SELECT vpc_flow_logs.flow_logs.srcaddr FROM "
	    "vpc_flow_logs.flow_logs"),
	    "SELECT flow_logs.srcaddr FROM flow_logs");
	CHECK(same("FROM other_db.flow_logs"));
	CHECK(same("FROM vpc_flow_logs.other_table"));
	CHECK(same("FROM x.vpc_flow_logs.flow_logs"));
	CHECK(same("FROM \"vpc_flow_logs.flow_logs\""));
	CHECK(same("SELECT 'vpc_flow_logs.flow_logs'"));
	CHECK(same("FROM vpc_flow_logs"));
}

static void
test_interval(void)
{
	CHECK_STR(rw("now() - INTERVAL '7' day"), "now() - (604800)");
	CHECK_STR(rw("now() - interval '1' HOUR"), "now() - (3600)");
	CHECK_STR(rw("INTERVAL 7 DAYS"), "(604800)");
	CHECK_STR(rw("INTERVAL '7 days'"), "(604800)");
	CHECK_STR(rw("INTERVAL '90' minute"), "(5400)");
	CHECK_STR(rw("INTERVAL '30' seconds"), "(30)");
	CHECK_STR(rw("INTERVAL '2' week"), "(1209600)");
	CHECK_STR(rw("INTERVAL '-1.5' hour"), "(-5400)");
	CHECK_STR(rw("INTERVAL - '0.5' second"), "(-0.5)");
	CHECK_STR(rw("INTERVAL -'-2' minute"), "(120)");
	CHECK_STR(rw("INTERVAL '.25' minute"), "(15)");
	CHECK_STR(rw("INTERVAL '1.000001' second"), "(1.000001)");
	CHECK_STR(rw("INTERVAL '1.50' second"), "(1.5)");
	CHECK_STR(rw("INTERVAL '007' day"), "(604800)");
	CHECK_STR(rw("INTERVAL '0' day"), "(0)");
	CHECK_STR(rw("INTERVAL '-0.0' day"), "(0)");
	CHECK_STR(rw("INTERVAL '123456789012345678901234567890' day"),
	    "(10666666570666666657066666665696000)");
	CHECK_STR(rw("x-INTERVAL '1' day"), "x-(86400)");
	/* Not an interval literal: a column that happens to be called so. */
	CHECK(same("SELECT interval FROM t WHERE interval = 5"));
	CHECK(same("SELECT t.interval FROM t"));
}

static void
test_interval_errors(void)
{
	const char *sql =
	    "SELECT count(*) FROM flow_logs WHERE start > now() - "
	    "INTERVAL '1' MONTH";

	CHECK_STR(rw(sql), "ERR@53: at position 53: INTERVAL '1' MONTH has "
	    "no fixed length in seconds; use date_add('month', -1, now())");
	CHECK(fails_at("x + INTERVAL '2' years", "INTERVAL",
	    "INTERVAL '2' years has no fixed length in seconds; use "
	    "date_add('year', 2, now())"));
	CHECK(fails_at("x - interval '1 quarter'", "interval",
	    "date_add('quarter', -1, now())"));
	CHECK(fails_at("x - INTERVAL '1' fortnight", "INTERVAL",
	    "'fortnight' is not an INTERVAL unit"));
	CHECK(fails_at("x - INTERVAL '1'", "INTERVAL", "needs a unit"));
	CHECK(fails_at("x - INTERVAL '1' )", "INTERVAL", "needs a unit"));
	CHECK(fails_at("x - INTERVAL '1 10:00:00' DAY TO SECOND", "INTERVAL",
	    "TO ... is not supported"));
	/* Rewriting the DATE first would leave INTERVAL 1793491200 day. */
	CHECK(fails_at("x - INTERVAL DATE '2026-11-01' day", "INTERVAL",
	    "not a date"));
	CHECK(fails_at("x - INTERVAL - TIMESTAMP '2026-11-01' day", "INTERVAL",
	    "not a date"));
	/* Rewritten, these would turn the word before into a call. */
	CHECK(fails_at("SELECT approx_distinct INTERVAL '7' day", "approx",
	    "approx_distinct must be followed by '(', as in "
	    "approx_distinct(x)"));
	CHECK(fails_at("WHERE 'x' < now current_date", "now",
	    "now must be followed by '('"));
	CHECK_STR(rw("SELECT x.now INTERVAL '7' day"), "SELECT x.now (604800)");
	CHECK(fails_at("x - INTERVAL '1' DAY TO SECOND", "INTERVAL",
	    "TO ... is not supported"));
	CHECK(fails_at("x - INTERVAL 'one' day", "INTERVAL",
	    "INTERVAL amount 'one' is not a decimal number"));
	CHECK(fails_at("x - INTERVAL 1e3 second", "INTERVAL",
	    "INTERVAL amount 1e3 is not a decimal number"));
	CHECK(fails_at("x - INTERVAL '1.2.3' second", "INTERVAL",
	    "INTERVAL amount '1.2.3' is not a decimal number"));
	CHECK(fails_at("x - INTERVAL '' second", "INTERVAL",
	    "INTERVAL amount '' is not a decimal number"));
}

static void
test_now(void)
{
	CHECK_STR(rw("SELECT current_timestamp, LOCALTIMESTAMP"),
	    "SELECT now(), now()");
	CHECK_STR(rw("WHERE start >= current_date"),
	    "WHERE start >= (now() - now() % 86400)");
	CHECK_STR(rw("CURRENT_DATE-1"), "(now() - now() % 86400)-1");
	CHECK(same("SELECT current_time"));
	CHECK(same("SELECT t.current_date, \"current_date\""));
	CHECK(same("SELECT current_timestamp(3)"));
}

static void
test_literals(void)
{
	CHECK_STR(rw("start >= TIMESTAMP '2026-11-01 00:00:00'"),
	    "start >= 1793491200");
	CHECK_STR(rw("start >= DATE '2026-11-01'"), "start >= 1793491200");
	CHECK_STR(rw("timestamp '2026-11-01 00:00:00.500'"), "1793491200.5");
	CHECK_STR(rw("TIMESTAMP '2026-11-01 00:00:00.000'"), "1793491200");
	CHECK_STR(rw("TIMESTAMP '2026-11-01T01:00:00+01:00'"), "1793491200");
	CHECK_STR(rw("TIMESTAMP '2026-10-31 19:00:00 -05:00'"),
	    "1793491200");
	CHECK_STR(rw("TIMESTAMP '2026-11-01 00:00:00 UTC'"), "1793491200");
	CHECK_STR(rw("TIMESTAMP '2026-11-01 00:00'"), "1793491200");
	CHECK_STR(rw("TIMESTAMP '2026-11-01'"), "1793491200");
	CHECK_STR(rw("TIMESTAMP '1970-01-01 00:00:00'"), "0");
	CHECK_STR(rw("TIMESTAMP '1969-12-31 23:59:59.75'"), "-0.25");
	CHECK_STR(rw("DATE '1969-12-31'"), "-86400");
	CHECK_STR(rw("DATE '2024-02-29'"), "1709164800");
	/* Replacements never fuse with their neighbours. */
	CHECK_STR(rw("x -TIMESTAMP '1969-12-31 00:00:00'"), "x - -86400");
	CHECK_STR(rw("x-DATE '1969-12-31'"), "x- -86400");
	CHECK_STR(rw("DATE '2026-11-01'.5"), "1793491200 .5");
	CHECK_STR(rw("BETWEEN DATE '2026-11-01'AND DATE '2026-11-02'"),
	    "BETWEEN 1793491200 AND 1793577600");
	CHECK(fails_at("WHERE start > DATE '2026-02-30'", "DATE",
	    "DATE '2026-02-30' is not a valid date; write DATE "
	    "'YYYY-MM-DD'"));
	CHECK(fails_at("WHERE start > DATE '2026-11-01 00:00:00'", "DATE",
	    "is not a valid date"));
	CHECK(fails_at("WHERE start > TIMESTAMP '2026-11-01 24:00:00'",
	    "TIMESTAMP", "is not a valid timestamp"));
	CHECK(fails_at("WHERE start > TIMESTAMP 'now'", "TIMESTAMP",
	    "TIMESTAMP 'now' is not a valid timestamp"));
	CHECK(same("SELECT timestamp, date FROM t"));
	CHECK(same("SELECT date('now')"));
	CHECK(same("SELECT t.date '2026-01-01'"));
}

static void
test_approx_distinct(void)
{
	/* One column: the hash-set aggregate, named as SQLite would name
	 * the original text. */
	CHECK_STR(rw("SELECT approx_distinct(srcaddr) FROM t"),
	    "SELECT distinct_count(srcaddr) AS \"approx_distinct(srcaddr)\" "
	    "FROM t");
	CHECK_STR(rw("SELECT APPROX_DISTINCT (dstaddr)"),
	    "SELECT distinct_count(dstaddr) AS \"APPROX_DISTINCT (dstaddr)\"");
	/* Anything else: the exact count SQLite has. */
	CHECK_STR(rw("SELECT approx_distinct(srcaddr || dstaddr) FROM t"),
	    "SELECT count(DISTINCT srcaddr || dstaddr) FROM t");
	CHECK(same("SELECT approx_distinct FROM t"));
	CHECK(same("SELECT x.approx_distinct(y)"));
}

static void
test_count_distinct(void)
{
	CHECK_STR(rw("SELECT count(DISTINCT srcaddr) FROM t"),
	    "SELECT distinct_count(srcaddr) AS \"count(DISTINCT srcaddr)\" "
	    "FROM t");
	CHECK_STR(rw("SELECT a, COUNT( distinct t.\"x\" ), b FROM t"),
	    "SELECT a, distinct_count(t.\"x\") AS "
	    "\"COUNT( distinct t.\"\"x\"\" )\", b FROM t");
	/* An alias, or part of a larger expression: no name added. */
	CHECK_STR(rw("SELECT count(DISTINCT x) AS n FROM t"),
	    "SELECT distinct_count(x) AS n FROM t");
	CHECK_STR(rw("SELECT count(DISTINCT x) n FROM t"),
	    "SELECT distinct_count(x) n FROM t");
	CHECK_STR(rw("SELECT 1 + count(DISTINCT x) FROM t"),
	    "SELECT 1 + distinct_count(x) FROM t");
	CHECK_STR(rw("SELECT f(a, count(DISTINCT x)) FROM t"),
	    "SELECT f(a, distinct_count(x)) FROM t");
	CHECK_STR(rw("SELECT a FROM t GROUP BY a ORDER BY count(DISTINCT x)"),
	    "SELECT a FROM t GROUP BY a ORDER BY distinct_count(x)");
	CHECK_STR(rw("SELECT (SELECT count(DISTINCT x) FROM t)"),
	    "SELECT (SELECT distinct_count(x) AS \"count(DISTINCT x)\" "
	    "FROM t)");
	/* Not one plain column, or a COLLATE anywhere: left to SQLite. */
	CHECK(same("SELECT count(DISTINCT lower(x)) FROM t"));
	CHECK(same("SELECT count(DISTINCT x), min(y COLLATE nocase) FROM t"));
	CHECK(same("SELECT count(x), count(*) FROM t"));
	CHECK(same("SELECT t.count(DISTINCT x)"));
}

static void
test_passthrough(void)
{
	CHECK(same("SELECT 'INTERVAL ''7'' day' -- current_date"));
	CHECK(same("/* TIMESTAMP '2026-01-01' current_date */ SELECT 1"));
	CHECK(same("SELECT \"current_date\", [interval], `approx_distinct`"));
	CHECK(same("SELECT\t1\r\n  FROM   t  ;  "));
	CHECK(same("SELECT x'00ff', ?1, :start, @end, $x FROM t"));
	CHECK(same("SELECT 12abc, 0x1F, 1.5e-3, .5"));
	CHECK(same(""));
	/* Unterminated constructs pass through; SQLite reports them. */
	CHECK(same("SELECT 'abc current_date"));
	CHECK(same("SELECT \"abc current_date"));
	CHECK(same("SELECT `abc current_date"));
	CHECK(same("SELECT [abc current_date"));
	CHECK(same("SELECT 1 /* current_date"));
	CHECK(same("SELECT x' current_date"));
	CHECK(same("SELECT 1 -- current_date"));
	/* Comments inside a rewritten construct are kept after it. */
	CHECK_STR(rw("INTERVAL /* c */ '7' -- x\n day + 1"),
	    "(604800) /* c */ -- x\n + 1");
	CHECK_STR(rw("SELECT current_date -- today\nFROM t"),
	    "SELECT (now() - now() % 86400) -- today\nFROM t");
	CHECK(sqlrewrite(NULL, NULL) == NULL);
}

static void
test_guard_comparisons(void)
{
	const char *sql = "SELECT * FROM flow_logs WHERE start > '2026-11-01'";

	CHECK_STR(rw(sql), "ERR@30: at position 30: start is epoch seconds "
	    "but '2026-11-01' is text; SQLite would compare them as different "
	    "types and silently return wrong rows. Write TIMESTAMP "
	    "'2026-11-01 00:00:00' or "
	    "to_unixtime(from_iso8601_timestamp('2026-11-01'))");
	CHECK(fails_at("WHERE start > '2026'", "start",
	    "start is epoch seconds, so '2026' means 2026 seconds after "
	    "1970-01-01 00:00:00 UTC, not a date. Write TIMESTAMP "
	    "'2026-01-01 00:00:00' for the year"));
	CHECK(fails_at("WHERE start >= '20261101'", "start",
	    "Write TIMESTAMP '2026-11-01 00:00:00'"));
	CHECK(same("WHERE start > '1700000000'"));
	CHECK(same("WHERE srcaddr > '10.' AND action = 'REJECT'"));
	CHECK(same("WHERE start > 1700000000 AND \"end\" < 1800000000"));
	CHECK(fails_at("WHERE x = 1 AND '2026-11-01' < f.start", "'2026",
	    "f.start is epoch seconds but '2026-11-01' is text"));
	CHECK(fails_at("WHERE \"end\" <> '2026-11-01 10:00:00'", "\"end\"",
	    "Write TIMESTAMP '2026-11-01 10:00:00' or"));
	CHECK(fails_at("WHERE `end`='x'", "`end`", "`end` is epoch seconds"));
	CHECK(fails_at("WHERE f.\"end\" != 'x'", "f.", "f.\"end\" is epoch"));
	CHECK(fails_at("WHERE END == ''", "END", "'' is text"));
	CHECK(fails_at("WHERE start <= \"2026-11-01\"", "start",
	    "(SQLite reads a double-quoted word that names no column as a "
	    "string)"));
	CHECK(same("WHERE start <= \"end\""));
	/* Expressions that are epoch seconds, but have no affinity. */
	CHECK(fails_at("WHERE from_unixtime(start) > '2026-11-01'",
	    "from_unixtime", "from_unixtime(start) is epoch seconds"));
	CHECK(fails_at("WHERE now() > '1700000000'", "now",
	    "Write 1700000000 without quotes"));
	CHECK(fails_at("WHERE '2026-11-01' = date_trunc('day', start)",
	    "'2026", "date_trunc('day', start) is epoch seconds"));
	CHECK(fails_at("WHERE current_date = '2026-11-01'", "current_date",
	    "current_date is epoch seconds"));
	/* Not time columns, or not a comparison. */
	CHECK(same("SELECT CASE WHEN x THEN 'a' END = 'a'"));
	CHECK(same("SELECT CASE WHEN x THEN 'a' ELSE 'b' END != 'b' FROM t"));
	CHECK(same("WHERE start_time > 'x' AND x.starts = 'y'"));
	CHECK(same("WHERE :start > 'x'"));
	CHECK(same("SELECT start || '2026' FROM t"));
	CHECK(same("WHERE lower(start) = 'x'"));
	CHECK_STR(rw("WHERE start >= TIMESTAMP '2026-11-01 00:00:00'"),
	    "WHERE start >= 1793491200");
}

static void
test_guard_between_in_cast(void)
{
	CHECK(fails_at("WHERE start BETWEEN '2026-11-01' AND '2026-11-02'",
	    "start", "'2026-11-01' is text"));
	CHECK(fails_at("WHERE f.start NOT BETWEEN 1 AND '2026-11-02'", "f.",
	    "'2026-11-02' is text"));
	CHECK(fails_at("WHERE start BETWEEN (1 + 2) AND 'x'", "start",
	    "'x' is text"));
	CHECK(same("WHERE start BETWEEN '1700000000' AND '1800000000'"));
	CHECK(same("WHERE srcaddr BETWEEN 'a' AND 'b'"));
	CHECK(fails_at("WHERE start IN (1700000000, '2026-11-01')", "start",
	    "'2026-11-01' is text"));
	CHECK(fails_at("WHERE \"end\" NOT IN ('x')", "\"end\"", "'x' is text"));
	CHECK(same("WHERE start IN (1700000000, '1700000060')"));
	CHECK(same("WHERE start IN (SELECT start FROM t WHERE a = 'x')"));
	CHECK(same("WHERE action IN ('ACCEPT', 'REJECT')"));
	CHECK(fails_at("WHERE start > CAST('2026-11-01' AS TIMESTAMP)", "CAST",
	    "CAST(... AS TIMESTAMP) is not supported"));
	CHECK(fails_at("SELECT cast(from_unixtime(start) as date)", "cast",
	    "CAST(... AS DATE) is not supported"));
	CHECK(same("SELECT CAST(x AS INTEGER), x AS date, y AS timestamp"));
	CHECK(same("SELECT (SELECT 1 AS date), cast(1 AS real)"));
}

static void
test_errors_without_offset(void)
{
	char *err = NULL;

	/* err may be NULL; the offset pointer may be NULL. */
	CHECK(sqlrewrite("WHERE start > 'x'", NULL) == NULL);
	CHECK(sqlrewrite("WHERE start > 'x'", &err) == NULL);
	CHECK(err != NULL && strncmp(err, "at position 6: ", 15) == 0);
	free(err);
	err = (char *)"unset";
	free(sqlrewrite("SELECT 1", &err));
	CHECK(err == NULL);
}

/* Pseudo-random, reproducible: xorshift64. */
static unsigned long long
next_rand(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_fuzz_smoke(void)
{
	static const char *const words[] = {
		"INTERVAL", "'7'", "day", "month", "-", "+", "'", "\"", "`",
		"[", "]", "(", ")", "--", "/*", "*/", "start", "end", "\"end\"",
		".", ">", "=", "<>", "'2026-11-01'", "BETWEEN", "AND", "IN",
		"NOT", "CAST", "AS", "DATE", "TIMESTAMP", "current_date",
		"vpc_flow_logs", "flow_logs", "awsdatacatalog",
		"approx_distinct", "now", "CASE", "END", "x'", "1.5", ",",
		" ", "\n", "'2026-11-01 00:00:00'", "7", "'1 day'", "''",
		"from_unixtime", "\xc3\xa9", "\x01", "?", ":a", "0x",
	};
	unsigned long long seed = 0x9e3779b97f4a7c15ULL;
	char buf[512];
	int iter, bad = 0;

	for (iter = 0; iter < 40000; iter++) {
		size_t len = 0, n = next_rand(&seed) % 40;
		char *out, *err = NULL;

		while (n-- > 0 && len < sizeof buf - 40) {
			if (iter % 2 == 0) {	/* raw bytes, no NUL */
				buf[len++] = (char)(next_rand(&seed) % 255 + 1);
				continue;
			}
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			    "%s%s", words[next_rand(&seed) % (sizeof words /
			    sizeof words[0])], next_rand(&seed) % 3 ? " " : "");
		}
		buf[len] = '\0';
		out = sqlrewrite(buf, &err);
		if ((out == NULL) == (err == NULL))
			bad++;
		if (out != NULL) {
			/* The output is a fixed point. */
			char *again = sqlrewrite(out, NULL);

			if (again == NULL || strcmp(again, out) != 0) {
				fprintf(stderr, "  not a fixed point: %s\n",
				    buf);
				bad++;
			}
			free(again);
		}
		free(out);
		free(err);
	}
	CHECK_INT(bad, 0);
}

/* ------------------------------------------------------------------ */
/* End to end: rewritten Athena queries on SQLite with sqlfn            */

static sqlite3 *
flow_db(void)
{
	static const char *const setup =
	    "CREATE TABLE flow_logs(start INTEGER, \"end\" INTEGER, "
	    "srcaddr TEXT, packets INTEGER);"
	    /* FLOWLENS_NOW = 1700000000 = 2023-11-14 22:13:20 UTC */
	    "INSERT INTO flow_logs VALUES"
	    " (1700000000 - 100, 1700000000 - 40, '10.0.0.1', 10),"
	    " (1700000000 - 1800, 1700000000 - 1740, '10.0.0.2', 20),"
	    " (1700000000 - 4000, 1700000000 - 3940, '10.0.0.1', 30),"
	    " (1700000000 - 90000, 1700000000 - 89940, '192.168.1.1', 40),"
	    " (1700000000 - 700000, 1700000000 - 699940, '2001:db8::1', 50);";
	sqlite3 *db = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlfn_register(db) != SQLITE_OK ||
	    sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot build the test database\n");
		exit(1);
	}
	return db;
}

/* Rewrite an Athena query, run it, and return the first column (or -1). */
static long long
athena_count(sqlite3 *db, const char *athena)
{
	sqlite3_stmt *st = NULL;
	char *err = NULL, *sql = sqlrewrite(athena, &err);
	long long v = -1;

	if (sql == NULL) {
		fprintf(stderr, "  rewrite failed: %s\n", err);
		free(err);
		return -1;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "  %s\n    -> %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	free(sql);
	return v;
}

static void
test_end_to_end(void)
{
	sqlite3 *db;

	setenv("FLOWLENS_NOW", "1700000000", 1);
	db = flow_db();
	CHECK_INT(athena_count(db, "SELECT count(*) FROM "
	    "vpc_flow_logs.flow_logs WHERE start >= "
	    "to_unixtime(now() - INTERVAL '1' hour)"), 2);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM "
	    "\"awsdatacatalog\".\"vpc_flow_logs\".\"flow_logs\" WHERE "
	    "from_unixtime(start) > current_timestamp - interval '1' day"), 3);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM "
	    "vpc_flow_logs.flow_logs WHERE start > now() - INTERVAL '7' day"),
	    4);
	/* current_date is 2023-11-14 00:00:00 UTC */
	CHECK_INT(athena_count(db, "SELECT count(*) FROM flow_logs "
	    "WHERE start >= current_date"), 3);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM flow_logs WHERE "
	    "start BETWEEN TIMESTAMP '2023-11-14 00:00:00' AND "
	    "TIMESTAMP '2023-11-14 23:59:59'"), 3);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM flow_logs WHERE "
	    "\"end\" < DATE '2023-11-14'"), 2);
	CHECK_INT(athena_count(db, "SELECT approx_distinct(srcaddr) FROM "
	    "vpc_flow_logs.flow_logs WHERE contains('10.0.0.0/8', srcaddr)"),
	    2);
	CHECK_INT(athena_count(db, "SELECT sum(packets) FROM "
	    "vpc_flow_logs.flow_logs WHERE date_trunc('day', "
	    "from_unixtime(start)) = date_trunc('day', current_timestamp) "
	    "-- today only, not INTERVAL '1' month"), 60);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM flow_logs WHERE "
	    "start >= to_unixtime(from_iso8601_timestamp('2023-11-14'))"), 3);
	CHECK_INT(athena_count(db, "SELECT count(*) FROM flow_logs WHERE "
	    "start > '1699990000'"), 3);
	sqlite3_close(db);
	unsetenv("FLOWLENS_NOW");
}

UNIT_MAIN(
    UNIT_CASE(test_table_names),
    UNIT_CASE(test_interval),
    UNIT_CASE(test_interval_errors),
    UNIT_CASE(test_now),
    UNIT_CASE(test_literals),
    UNIT_CASE(test_approx_distinct),
    UNIT_CASE(test_count_distinct),
    UNIT_CASE(test_passthrough),
    UNIT_CASE(test_guard_comparisons),
    UNIT_CASE(test_guard_between_in_cast),
    UNIT_CASE(test_errors_without_offset),
    UNIT_CASE(test_fuzz_smoke),
    UNIT_CASE(test_end_to_end)
)

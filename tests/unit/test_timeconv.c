/*
 * test_timeconv.c - calendar arithmetic and the ISO 8601 parser shared by
 * sqlfn.c and sqlrewrite.c: exact values, what the parser reports as
 * present, and what it refuses.
 */
#include "timeconv.h"

#include "unit.h"

static void
test_days_from_civil(void)
{
	CHECK_INT(timeconv_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(timeconv_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(timeconv_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(timeconv_days_from_civil(2024, 3, 3), 19785);
	CHECK_INT(timeconv_days_from_civil(1, 1, 1), -719162);
	/* Linear in the day: day 0 is the last day of the month before. */
	CHECK_INT(timeconv_days_from_civil(2024, 3, 0),
	    timeconv_days_from_civil(2024, 2, 29));
	CHECK_INT(timeconv_days_from_civil(-1, 12, 31),
	    timeconv_days_from_civil(0, 1, 1) - 1);
}

static void
test_civil_from_days(void)
{
	int64_t z, y;
	int m, d, bad = 0;

	timeconv_civil_from_days(-1, &y, &m, &d);
	CHECK_INT(y, 1969);
	CHECK_INT(m, 12);
	CHECK_INT(d, 31);
	timeconv_civil_from_days(11016, &y, &m, &d);
	CHECK_INT(y, 2000);
	CHECK_INT(m, 2);
	CHECK_INT(d, 29);
	timeconv_civil_from_days(-719163, &y, &m, &d);
	CHECK_INT(y, 0);
	CHECK_INT(m, 12);
	CHECK_INT(d, 31);
	/* Round trip over +-800 years around the epoch, both directions. */
	for (z = -300000; z <= 300000; z++) {
		timeconv_civil_from_days(z, &y, &m, &d);
		if (timeconv_days_from_civil(y, m, d) != z || m < 1 ||
		    m > 12 || d < 1 || d > timeconv_days_in_month(y, m))
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void
test_days_in_month(void)
{
	CHECK_INT(timeconv_days_in_month(2024, 2), 29);
	CHECK_INT(timeconv_days_in_month(2023, 2), 28);
	CHECK_INT(timeconv_days_in_month(1900, 2), 28);
	CHECK_INT(timeconv_days_in_month(2000, 2), 29);
	CHECK_INT(timeconv_days_in_month(-4, 2), 29);
	CHECK_INT(timeconv_days_in_month(2024, 4), 30);
	CHECK_INT(timeconv_days_in_month(2024, 12), 31);
}

static void
test_parse_date(void)
{
	struct timeconv_iso t;

	CHECK_INT(timeconv_parse_iso8601("2024-03-03", &t), 0);
	CHECK_INT(t.sec, 1709424000);
	CHECK_INT(t.day, 19785);
	CHECK_INT(t.frac_ps, 0);
	CHECK_INT(t.frac_digits, 0);
	CHECK_INT(t.has, 0);
	CHECK_INT(timeconv_parse_iso8601("1969-12-31", &t), 0);
	CHECK_INT(t.sec, -86400);
	CHECK_INT(timeconv_parse_iso8601("2024-02-29", &t), 0);
	CHECK_INT(timeconv_parse_iso8601("0000-01-01", &t), 0);
	CHECK_INT(t.day, -719528);
	CHECK_INT(timeconv_parse_iso8601("9999-12-31", &t), 0);
	CHECK_INT(t.day, 2932896);
}

static void
test_parse_timestamp(void)
{
	struct timeconv_iso t;

	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05Z", &t), 0);
	CHECK_INT(t.sec, 1709478245);
	CHECK_INT(t.day, 19785);
	CHECK_INT(t.has, TIMECONV_TIME | TIMECONV_MINUTE | TIMECONV_SECOND |
	    TIMECONV_ZONE);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03 15:04:05", &t), 0);
	CHECK_INT(t.sec, 1709478245);
	CHECK_INT(t.has, TIMECONV_TIME | TIMECONV_MINUTE | TIMECONV_SECOND);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03 15:04:05 UTC", &t), 0);
	CHECK_INT(t.sec, 1709478245);
	CHECK(t.has & TIMECONV_ZONE);

	/* Offsets are east of UTC; the day stays the date as written. */
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T17:04:05+02:00", &t), 0);
	CHECK_INT(t.sec, 1709478245);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T10:04:05-0500", &t), 0);
	CHECK_INT(t.sec, 1709478245);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T23:00:00 -05", &t), 0);
	CHECK_INT(t.sec, 1709524800);
	CHECK_INT(t.day, 19785);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T00:30+01:", &t), 0);
	CHECK_INT(t.sec, 1709422200);

	/* Shorter clocks: only what was written is reported. */
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04", &t), 0);
	CHECK_INT(t.sec, 1709478240);
	CHECK_INT(t.has, TIMECONV_TIME | TIMECONV_MINUTE);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15Z", &t), 0);
	CHECK_INT(t.sec, 1709478000);
	CHECK_INT(t.has, TIMECONV_TIME | TIMECONV_ZONE);
}

static void
test_parse_fraction(void)
{
	struct timeconv_iso t;

	CHECK_INT(timeconv_parse_iso8601("1969-12-31 23:59:59.75", &t), 0);
	CHECK_INT(t.sec, -1);
	CHECK_INT(t.frac_ps, INT64_C(750000000000));
	CHECK_INT(t.frac_digits, 2);
	CHECK(t.has & TIMECONV_FRAC);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05.000Z", &t), 0);
	CHECK_INT(t.frac_ps, 0);
	CHECK_INT(t.frac_digits, 3);
	CHECK(t.has & TIMECONV_FRAC);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05.123456789012",
	    &t), 0);
	CHECK_INT(t.frac_ps, INT64_C(123456789012));
	CHECK_INT(t.frac_digits, 12);
	/* Digits past picoseconds are counted, not kept. */
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05.99999999999999",
	    &t), 0);
	CHECK_INT(t.frac_ps, INT64_C(999999999999));
	CHECK_INT(t.frac_digits, 14);
	CHECK_INT(t.sec, 1709478245);
	/* A fraction after the minutes is still of a second. */
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04.5", &t), 0);
	CHECK_INT(t.sec, 1709478240);
	CHECK_INT(t.frac_ps, INT64_C(500000000000));
	CHECK_INT(t.has, TIMECONV_TIME | TIMECONV_MINUTE | TIMECONV_FRAC);
}

static void
test_parse_lax(void)
{
	struct timeconv_iso t;

	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05Z", &t), 0);
	CHECK(!(t.has & TIMECONV_LAX));
	CHECK_INT(timeconv_parse_iso8601("2024-03-03t15:04:05Z", &t), 0);
	CHECK(t.has & TIMECONV_LAX);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05z", &t), 0);
	CHECK(t.has & TIMECONV_LAX);
	CHECK_INT(timeconv_parse_iso8601("2024-03-03T15:04:05,5", &t), 0);
	CHECK(t.has & TIMECONV_LAX);
	CHECK_INT(t.frac_ps, INT64_C(500000000000));
}

static void
test_parse_refused(void)
{
	static const char *const bad[] = {
		"", "2024", "2024-3-3", "20240303", "2024/03/03",
		"2024-13-01", "2024-00-10", "2024-01-00", "2023-02-29",
		"2024-04-31", "2024-03-03Z", "2024-03-03T", "2024-03-03 ",
		"2024-03-03x12:00", "2024-03-03T1:00", "2024-03-03T24:00",
		"2024-03-03T12:60", "2024-03-03T12:30:60", "2024-03-03T12:",
		"2024-03-03T12:30:", "2024-03-03T12:30:45.",
		"2024-03-03T12.5", "2024-03-03T12:30 ", "2024-03-03T12:30GMT",
		"2024-03-03T12:30utc", "2024-03-03T12:30+24:00",
		"2024-03-03T12:30+05:60", "2024-03-03T12:30+5",
		"2024-03-03T12:30+05:3", "2024-03-03T12:30  Z",
		"2024-03-03T12:30ZZ", "2024-03-03T12:30+05:30 ", "yesterday",
	};
	struct timeconv_iso t;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (timeconv_parse_iso8601(bad[i], &t) != -1) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			CHECK(0);
		}
	}
}

UNIT_MAIN(
    UNIT_CASE(test_days_from_civil),
    UNIT_CASE(test_civil_from_days),
    UNIT_CASE(test_days_in_month),
    UNIT_CASE(test_parse_date),
    UNIT_CASE(test_parse_timestamp),
    UNIT_CASE(test_parse_fraction),
    UNIT_CASE(test_parse_lax),
    UNIT_CASE(test_parse_refused)
)

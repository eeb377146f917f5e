/*
 * timeconv.h - UTC calendar arithmetic and ISO 8601 date/timestamp parsing,
 * shared by the Athena SQL functions (sqlfn.c) and the query rewriter
 * (sqlrewrite.c), so that both read a date the same way.
 *
 * Dates are proleptic Gregorian and are counted in days since 1970-01-01
 * (day 0), times in epoch seconds.  Nothing here consults the local time
 * zone, the locale or time_t, and nothing calls SQLite.
 *
 * The parser accepts the union of the two dialects its callers need and
 * says what it found; each caller then refuses what its own dialect does
 * not allow (sqlrewrite's TIMESTAMP literals want minutes and no lower-case
 * letters, for instance, while from_iso8601_timestamp() takes 'T15Z').
 */
#ifndef FLOWLENS_TIMECONV_H
#define FLOWLENS_TIMECONV_H

#include <stdint.h>

/*
 * Days since 1970-01-01 of the date y-m-d (negative before 1970).  m must
 * be 1..12; d is not checked against the month (the result is linear in d,
 * so d = 0 is the last day of the month before).  Exact for |y| < 10^15.
 */
int64_t timeconv_days_from_civil(int64_t y, int m, int d);

/*
 * The inverse of timeconv_days_from_civil(): the year, month (1..12) and
 * day (1..31) of day number days.  y, m and d must not be NULL.
 */
void timeconv_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* The number of days (28..31) in month m (1..12) of year y. */
int timeconv_days_in_month(int64_t y, int m);

/* Fraction digits kept by timeconv_parse_iso8601(): picoseconds. */
#define TIMECONV_FRAC_DIGITS 12

/* Bits of timeconv_iso.has: what the parsed text contained. */
#define TIMECONV_TIME	0x01	/* a time of day after the date (HH) */
#define TIMECONV_MINUTE	0x02	/* ... with minutes (HH:MM) */
#define TIMECONV_SECOND	0x04	/* ... and seconds (HH:MM:SS) */
#define TIMECONV_FRAC	0x08	/* a fraction of a second */
#define TIMECONV_ZONE	0x10	/* a zone suffix, UTC or not */
#define TIMECONV_LAX	0x20	/* 't' or 'z' in lower case, or ',' before
				   the fraction */

/* A parsed ISO 8601 date or timestamp. */
struct timeconv_iso {
	int64_t  sec;		/* epoch seconds of the instant, zone applied */
	int64_t  day;		/* the date as written (zone not applied),
				   days since 1970-01-01 */
	int64_t  frac_ps;	/* the first TIMECONV_FRAC_DIGITS digits of
				   the fraction, as picoseconds (0..10^12-1) */
	int      frac_digits;	/* fraction digits written, all of them
				   (saturates at INT_MAX) */
	unsigned has;		/* TIMECONV_* bits */
};

/*
 * Parse the whole NUL-terminated string s as
 *
 *	YYYY-MM-DD[(T|t| )HH[:MM[:SS][(.|,)f...]][[ ](Z|z|UTC|(+|-)HH[:][MM])]]
 *
 * where the month and day must exist (2023-02-29 fails), HH is 00..23, MM
 * and SS are 00..59 (no leap second), the fraction has at least one digit
 * and is of a second even without SS (HH:MM.5 is HH:MM:00.5), and a zone
 * needs a time of day.  Zone offsets are HH 00..23 and MM 00..59.  Returns
 * 0 with *out filled in, or -1 (*out then holds nothing useful).  The
 * instant is out->sec + out->frac_ps / 10^12 seconds; out->has tells the
 * caller which optional parts were present.
 */
int timeconv_parse_iso8601(const char *s, struct timeconv_iso *out);

#endif

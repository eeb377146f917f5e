/*
 * timeconv.c - see timeconv.h.
 *
 * Calendar arithmetic is done on int64 day numbers with Howard Hinnant's
 * civil-date algorithms rather than gmtime()/timegm(): they are exact for any
 * year, need no time_t range checks and never consult the local time zone.
 * Digits are tested by hand, not with isdigit(), so the locale never matters.
 */
#include "timeconv.h"

#include <limits.h>
#include <string.h>

#define SECS_PER_DAY INT64_C(86400)

int64_t
timeconv_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;	/* floor(y / 400) */
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
timeconv_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;	/* floor(z / 146097) */
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int
timeconv_days_in_month(int64_t y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly n digits at *p into *out, advancing *p.  Returns 0 or -1. */
static int
read_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/*
 * The rest of the string after a time of day: nothing, or a zone, with one
 * optional space before it.  Sets *offset to seconds east of UTC.  Returns
 * 0 or -1.
 */
static int
parse_zone(const char *p, struct timeconv_iso *t, int64_t *offset)
{
	int hh, mm = 0, sign;

	*offset = 0;
	if (*p == ' ' && p[1] != '\0')
		p++;
	if (*p == '\0')
		return 0;
	t->has |= TIMECONV_ZONE;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		if (*p == 'z')
			t->has |= TIMECONV_LAX;
		return 0;
	}
	if (strcmp(p, "UTC") == 0)
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (read_digits(&p, 2, &hh) < 0 || hh > 23)
		return -1;
	if (*p == ':')
		p++;
	if (*p != '\0' && (read_digits(&p, 2, &mm) < 0 || mm > 59))
		return -1;
	if (*p != '\0')
		return -1;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

/*
 * The time of day after the date separator: HH[:MM[:SS][(.|,)f...]].  Sets
 * *tod to its whole seconds and t's fraction and bits.  Returns the rest of
 * the string, or NULL.
 */
static const char *
parse_clock(const char *p, struct timeconv_iso *t, int *tod)
{
	int hh, mi = 0, ss = 0, n;

	if (read_digits(&p, 2, &hh) < 0 || hh > 23)
		return NULL;
	t->has |= TIMECONV_TIME;
	*tod = hh * 3600;
	if (*p != ':')
		return p;
	p++;
	if (read_digits(&p, 2, &mi) < 0 || mi > 59)
		return NULL;
	t->has |= TIMECONV_MINUTE;
	if (*p == ':') {
		p++;
		if (read_digits(&p, 2, &ss) < 0 || ss > 59)
			return NULL;
		t->has |= TIMECONV_SECOND;
	}
	*tod += mi * 60 + ss;
	if (*p != '.' && *p != ',')
		return p;
	if (*p++ == ',')
		t->has |= TIMECONV_LAX;
	if (!is_digit(*p))
		return NULL;
	t->has |= TIMECONV_FRAC;
	for (; is_digit(*p); p++) {
		if (t->frac_digits < TIMECONV_FRAC_DIGITS)
			t->frac_ps = t->frac_ps * 10 + (*p - '0');
		if (t->frac_digits < INT_MAX)
			t->frac_digits++;
	}
	for (n = t->frac_digits; n < TIMECONV_FRAC_DIGITS; n++)
		t->frac_ps *= 10;
	return p;
}

int
timeconv_parse_iso8601(const char *s, struct timeconv_iso *out)
{
	const char *p = s;
	int y, m, d, tod;
	int64_t offset;

	memset(out, 0, sizeof *out);
	if (read_digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    read_digits(&p, 2, &m) < 0 || *p++ != '-' ||
	    read_digits(&p, 2, &d) < 0)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > timeconv_days_in_month(y, m))
		return -1;
	out->day = timeconv_days_from_civil(y, m, d);
	out->sec = out->day * SECS_PER_DAY;
	if (*p == '\0')
		return 0;
	if (*p == 't')
		out->has |= TIMECONV_LAX;
	else if (*p != 'T' && *p != ' ')
		return -1;
	if ((p = parse_clock(p + 1, out, &tod)) == NULL ||
	    parse_zone(p, out, &offset) < 0)
		return -1;
	out->sec += tod - offset;
	return 0;
}

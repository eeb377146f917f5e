/*
 * sqlfn.h - the Athena (Trino) scalar functions that queries pasted from the
 * AWS documentation expect, registered on a SQLite connection.
 *
 * flowlens stores every timestamp as epoch seconds: an INTEGER, or a REAL
 * only when it has a fractional part.  These functions keep to that rule -
 * from_unixtime() and to_unixtime() are the identity, date_trunc() and
 * friends take and return numbers - so a comparison between a flow's
 * `start` and a computed time is always number against number.  A timestamp
 * argument that is text which does not look like a number is an SQL error,
 * never a silent conversion; all calendar arithmetic is UTC.
 *
 * Registered functions (argument count fixed; NULL in gives NULL out):
 *   now()                          epoch seconds; $FLOWLENS_NOW if set
 *   from_unixtime(x), to_unixtime(x)            x unchanged
 *   from_iso8601_timestamp(text), from_iso8601_date(text)   -> epoch
 *   to_iso8601(ts)                 'YYYY-MM-DDTHH:MM:SS.mmmZ'
 *   date_format(ts, fmt)           MySQL specifiers (%Y %m %d %H %i ...)
 *   format_datetime(ts, fmt)       Joda patterns (yyyy-MM-dd HH:mm:ss ...)
 *   date_trunc(unit, ts), date_add(unit, n, ts), date_diff(unit, t1, t2)
 *   day_of_week(ts) (1 = Monday), hour, minute, day, month, year
 *   regexp_like(text, pattern)     glibc POSIX ERE, unanchored (see below)
 *   contains(cidr, addr)           IPv4 / IPv6 CIDR membership
 *   split_part(text, delim, n)     1-based; past the end gives NULL
 *   protocol_name(n)               6 -> 'TCP', 17 -> 'UDP', ...
 * Units are second, minute, hour, day, week (ISO, Monday first), month,
 * quarter and year, case-insensitive; a trailing 's' is tolerated.
 *
 * Trino's patterns are Java regexes.  The Java-isms that ERE would read
 * differently without a word are translated (\d, \D, \d \s \w inside
 * brackets, (?:...), lazy a*?); possessive quantifiers (a++) and patterns
 * that expand past 2000 elements (x{3000}; nested counts multiply) are
 * refused with an error, because glibc would either misread them or need
 * gigabytes to match them.
 */
#ifndef FLOWLENS_SQLFN_H
#define FLOWLENS_SQLFN_H

#include <sqlite3.h>

/*
 * Register every function above on db.  Call once per connection, before
 * preparing statements that use them; registering twice just replaces them.
 * Returns SQLITE_OK, or the first error sqlite3_create_function() reported
 * (the connection stays usable, but some functions may be missing).
 *
 * now() is not deterministic, so SQLite evaluates it once per call site and
 * row: a query that runs across a second boundary can see two values unless
 * FLOWLENS_NOW pins the clock.
 */
int sqlfn_register(sqlite3 *db);

#endif

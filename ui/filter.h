/*
 * filter.h - the dashboard's filter and time range, turned into SQL.
 *
 * A filter is space-separated terms `key:value[,value...]`, each optionally
 * negated with a leading `-` or `!`.  Values of one term are ORed, terms are
 * ANDed:  `action:REJECT proto:tcp,udp src:10.0.0.0/8 -port:443`.
 *   action   ACCEPT | REJECT            proto    tcp udp icmp icmpv6 or 0..255
 *   src dst  address or CIDR            addr     either address
 *   sport dport port  port or LO-HI     eni account vpc status  identifiers
 * The SQL uses only column names that flow_logs has; when every term is on
 * `action` or `protocol` the same SQL is also valid on flow_metrics (whose
 * rows are keyed by those two), so panels can read the small table.
 * Values are validated character by character before they reach SQL text:
 * a filter can never inject SQL.  Pure functions; any thread.
 */
#ifndef FLOWLENS_UI_FILTER_H
#define FLOWLENS_UI_FILTER_H

#include <stdint.h>

struct filter {
	char *text;		/* the filter as typed (owned) */
	char *sql;		/* boolean SQL expression, "1" when empty (owned) */
	int   metric_ok;	/* 1: only action/protocol terms (see above) */
};

/*
 * Parse text into *out.  Returns 0, or -1 with *err naming the column
 * (1-based) and what was wrong; *out is then left untouched.
 */
int filter_parse(const char *text, struct filter *out, char **err);
void filter_free(struct filter *f);

/* A global time range: relative (last N seconds), all, or FROM..TO. */
struct time_range {
	int64_t seconds;	/* last N seconds; 0 with to == 0 means all */
	int64_t from, to;	/* custom absolute range when to > 0 */
	char    label[48];	/* "1h", "all", "2026-01-01..2026-01-02" */
};

/*
 * Parse "15m", "1h", "24h", "7d", "all", or a custom range "FROM..TO" where
 * FROM and TO are ISO 8601 dates/timestamps (UTC unless a zone is given) or
 * epoch seconds.  0, or -1 with *err.
 */
int range_parse(const char *text, struct time_range *out, char **err);

/*
 * The epoch-second bounds [*lo, *hi) of r at time now.  lo is aligned down
 * to a minute, so `start >= lo` on flow_logs selects exactly the records of
 * the 60-second flow_metrics windows with window_start >= lo.  hi is
 * INT64_MAX for open ranges, else aligned up to a minute.
 */
void range_bounds(const struct time_range *r, int64_t now, int64_t *lo,
    int64_t *hi);

#endif

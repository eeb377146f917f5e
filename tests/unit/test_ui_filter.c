/*
 * test_ui_filter.c - the UI's filter, time range and config file parsers
 * (ui/filter.c, ui/config.c): the SQL a filter becomes, where errors point,
 * range bounds, and config errors by file, line and key.
 */
#include <stdint.h>

#include "config.h"
#include "filter.h"

#include "unit.h"

static void
test_filter_sql(void)
{
	struct filter f;
	char *err = NULL;

	CHECK_INT(filter_parse("", &f, &err), 0);
	CHECK_STR(f.sql, "1");
	CHECK_INT(f.metric_ok, 1);
	filter_free(&f);
	CHECK_INT(filter_parse("action:reject proto:tcp,udp", &f, &err), 0);
	CHECK_STR(f.sql, "(action = 'REJECT') AND (protocol = 6 OR "
	    "protocol = 17)");
	CHECK_INT(f.metric_ok, 1);
	filter_free(&f);
	CHECK_INT(filter_parse("src:10.0.0.0/8 -port:443 dport:1000-2000",
	    &f, &err), 0);
	CHECK_STR(f.sql, "(contains('10.0.0.0/8', srcaddr)) AND NOT "
	    "coalesce((srcport = 443 OR dstport = 443), 0) AND (dstport "
	    "BETWEEN 1000 AND 2000)");
	CHECK_INT(f.metric_ok, 0);
	filter_free(&f);
}

static void
test_filter_errors_name_the_column(void)
{
	struct filter f = { 0 };
	char *err = NULL;

	CHECK_INT(filter_parse("proto:tcp port:99999", &f, &err), -1);
	CHECK(err && strstr(err, "at column 16: bad value for port"));
	free(err);
	CHECK_INT(filter_parse("colour:red", &f, &err), -1);
	CHECK(err && strstr(err, "at column 1: unknown key"));
	free(err);
	CHECK_INT(filter_parse("src:10.0.0.0/33", &f, &err), -1);
	CHECK(err && strstr(err, "at column 5"));
	free(err);
	CHECK_INT(filter_parse("src:1.2.3.4'--", &f, &err), -1);
	free(err);
	CHECK_INT(filter_parse("tcp", &f, &err), -1);
	CHECK(err && strstr(err, "expected key:value"));
	free(err);
	CHECK(f.sql == NULL);		/* untouched on error */
}

static void
test_range_bounds(void)
{
	struct time_range r;
	char *err = NULL;
	int64_t lo, hi;

	CHECK_INT(range_parse("1h", &r, &err), 0);
	range_bounds(&r, 1767225659, &lo, &hi);	/* 00:00:59 */
	CHECK_INT(lo, 1767222000);	/* 23:00:59 aligned down to 23:00 */
	CHECK(hi == INT64_MAX);
	CHECK_INT(range_parse("all", &r, &err), 0);
	range_bounds(&r, 1767225659, &lo, &hi);
	CHECK_INT(lo, 0);
	CHECK_INT(range_parse("2026-01-01T01:00..2026-01-01T03:00:30", &r,
	    &err), 0);
	range_bounds(&r, 0, &lo, &hi);
	CHECK_INT(lo, 1767229200);
	CHECK_INT(hi, 1767236460);	/* aligned up to the minute */
	CHECK_INT(range_parse("2026-01-02..2026-01-01", &r, &err), -1);
	CHECK(err && strstr(err, "FROM..TO"));
	free(err);
}

static void
test_config_errors_and_round_trip(void)
{
	struct tui_config c, d;
	char *err = NULL, *text;

	config_defaults(&c);
	CHECK_INT(config_parse(&c, "[ui]\nwindow = 1m\n# note\n[alarm]\n"
	    "rejected_tcp_packets = 10\nbell = maybe\ncolour = red\n",
	    "f.conf", &err), -1);
	CHECK(err && strstr(err, "f.conf:6: key \"bell\": expected yes or "
	    "no"));
	CHECK(err && strstr(err, "f.conf:7: key \"colour\""));
	free(err);
	CHECK_INT(c.window, 900);	/* unchanged on error */
	CHECK_INT(config_parse(&c, "[ui]\nwindow = 1h\nfilter = \"proto:tcp "
	    "port:22\"\n[alarm]\nrejected_packets = 5\ncommand = logger x\n",
	    "f.conf", &err), 0);
	CHECK_INT(c.window, 3600);
	CHECK_STR(c.filter, "proto:tcp port:22");
	CHECK_INT(c.alarm_rejected_packets, 5);
	text = config_format(&c);
	config_defaults(&d);
	CHECK_INT(config_parse(&d, text, "printed", &err), 0);
	CHECK_INT(d.window, 3600);
	CHECK_STR(d.filter, c.filter);
	CHECK_STR(d.alarm_command, "logger x");
	free(text);
}

UNIT_MAIN(
    UNIT_CASE(test_filter_sql),
    UNIT_CASE(test_filter_errors_name_the_column),
    UNIT_CASE(test_range_bounds),
    UNIT_CASE(test_config_errors_and_round_trip)
)

/*
 * dash.c - the dashboard screen: the AWS solution's two reject metrics as
 * live panels with history, the top rejected sources, destinations and
 * ports, totals and ingest status, drawn from the latest snapshot.
 * Drill-down turns the selected row into the matching raw-flow query.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "filter.h"
#include "paths.h"
#include "util.h"

extern char **environ;

static const char *
window_label(int64_t w)
{
	return w == 60 ? "1m" : w == 900 ? "15m" : "1h";
}

/* Selected rows in each panel: count of selectable rows. */
static int
panel_rows(const struct app *a, enum dash_panel p)
{
	const struct snapshot *s = a->snap;

	if (s == NULL || !s->ok)
		return 0;
	switch (p) {
	case PANEL_TCP: return 1;
	case PANEL_PROTO: return s->nproto;
	case PANEL_SRC: return s->ntop_src;
	case PANEL_DST: return s->ntop_dst;
	case PANEL_PORT: return s->ntop_port;
	case PANEL_SOURCES: return s->nsources;
	default: return 0;
	}
}

static attr_t
row_attr(const struct app *a, enum dash_panel p, int row)
{
	return (a->panel == p && a->panel_row == row) ? term_attr(ROLE_SELECT) :
	    term_attr(ROLE_NORMAL);
}

static void
draw_series_line(struct app *a, WINDOW *w, int y, int width,
    const struct snap_series *ser, const char *label, int64_t max,
    int selected, int alarm)
{
	char cur[16], mn[16], mx[16], tail[64];
	int spark_w, x = 0;

	term_human(cur, sizeof cur, ser->current);
	term_human(mn, sizeof mn, ser->min);
	term_human(mx, sizeof mx, ser->max);
	snprintf(tail, sizeof tail, " now %6s min %6s max %6s", cur, mn, mx);
	x += term_put(w, y, 0, 2, selected ? term_glyph(G_CURSOR) : " ",
	    selected ? term_attr(ROLE_SELECT) : 0, 1);
	x = 2;
	term_put(w, y, x, 7, label, alarm ? term_attr(ROLE_ALARM) :
	    term_attr(ROLE_HEADER), 1);
	x += 8;
	spark_w = width - x - term_width(tail);
	if (spark_w > 2) {
		term_sparkline(w, y, x, spark_w, ser->values, ser->count, max,
		    alarm ? term_attr(ROLE_ERROR) : term_attr(ROLE_SPARK));
		x += spark_w;
	}
	term_put(w, y, x, width - x, tail, selected ? term_attr(ROLE_SELECT) :
	    0, 0);
	(void)a;
}

static void
draw_title_rule(WINDOW *w, int y, int width, const char *title, attr_t attr)
{
	int n = term_put(w, y, 0, width, title, attr, 0);

	term_rule(w, y, n + 1, width - n - 1, term_attr(ROLE_DIM));
}

static int
draw_metric_panels(struct app *a, WINDOW *w, int y, int height, int width)
{
	const struct snapshot *s = a->snap;
	const char *wl = window_label(s->params.window);
	char title[128], buf[64];
	int64_t max = 0;
	int i, used = 0;

	if (height < 2)
		return 0;
	snprintf(title, sizeof title, "Rejected TCP packets per %s window", wl);
	if (a->alarm_tcp)
		snprintf(title + strlen(title), sizeof title - strlen(title),
		    "  %s ALARM > %lld", term_glyph(G_ALARM),
		    (long long)a->cfg.alarm_rejected_tcp);
	draw_title_rule(w, y, width, title, a->alarm_tcp ? term_attr(ROLE_ALARM)
	    : term_attr(ROLE_HEADER));
	draw_series_line(a, w, y + 1, width, &s->tcp, "TCP", s->tcp.max,
	    a->panel == PANEL_TCP, a->alarm_tcp);
	used = 2;
	if (height - used < 2)
		return used;
	snprintf(title, sizeof title, "Rejected packets by protocol per %s "
	    "window", wl);
	if (a->alarm_all)
		snprintf(title + strlen(title), sizeof title - strlen(title),
		    "  %s ALARM > %lld", term_glyph(G_ALARM),
		    (long long)a->cfg.alarm_rejected_packets);
	draw_title_rule(w, y + used, width, title, a->alarm_all ?
	    term_attr(ROLE_ALARM) : term_attr(ROLE_HEADER));
	used++;
	for (i = 0; i < s->nproto; i++)
		if (s->proto[i].max > max)
			max = s->proto[i].max;
	if (s->nproto == 0 && height - used > 0) {
		term_put(w, y + used, 2, width - 2, "no rejected packets in "
		    "this range", term_attr(ROLE_DIM), 0);
		used++;
	}
	for (i = 0; i < s->nproto && used < height; i++, used++) {
		snprintf(buf, sizeof buf, "%s", s->proto[i].name);
		draw_series_line(a, w, y + used, width, &s->proto[i], buf, max,
		    a->panel == PANEL_PROTO && a->panel_row == i, 0);
	}
	return used;
}

static void
draw_totals(struct app *a, WINDOW *w, int y, int width)
{
	const struct snapshot *s = a->snap;
	char bytes[16];
	double total = (double)(s->accepted_flows + s->rejected_flows);

	term_human(bytes, sizeof bytes, s->bytes);
	term_put(w, y, 0, 8, "Totals", term_attr(ROLE_HEADER), 1);
	term_printf(w, y, 8, width - 8, 0, "flows %lld  packets %lld  bytes "
	    "%s  accept %.1f%%  reject %.1f%%", (long long)s->flows,
	    (long long)s->packets, bytes, total > 0 ?
	    100.0 * (double)s->accepted_flows / total : 0.0, total > 0 ?
	    100.0 * (double)s->rejected_flows / total : 0.0);
}

static void
draw_top_column(struct app *a, WINDOW *w, int y, int x, int width, int rows,
    const char *title, const struct snap_row *r, int n, enum dash_panel p)
{
	int i;

	term_put(w, y, x, width, title, term_attr(ROLE_HEADER), 1);
	/* key, flows and (when there is room) packets */
	int with_packets = width >= 32, key_w = width - 1 - 8 -
	    (with_packets ? 7 : 0);

	if (key_w < 4)
		key_w = 4;
	for (i = 0; i < rows && i < n; i++) {
		char line[160], pk[16] = "";

		if (with_packets)
			term_human(pk, sizeof pk, r[i].packets);
		snprintf(line, sizeof line, "%s%-*.*s %7lld%s%6s",
		    a->panel == p && a->panel_row == i ? term_glyph(G_CURSOR) :
		    " ", key_w, key_w, r[i].key, (long long)r[i].flows,
		    with_packets ? " " : "", pk);
		term_put(w, y + 1 + i, x, width, line, row_attr(a, p, i), 1);
	}
	if (n == 0 && rows > 0)
		term_put(w, y + 1, x, width, a->snap->tops_pending ?
		    " reading..." : " (none)", term_attr(ROLE_DIM), 1);
}

static void
age_text(char *out, size_t len, int64_t seconds)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 120)
		snprintf(out, len, "%llds", (long long)seconds);
	else if (seconds < 7200)
		snprintf(out, len, "%lldm", (long long)seconds / 60);
	else if (seconds < 172800)
		snprintf(out, len, "%lldh", (long long)seconds / 3600);
	else
		snprintf(out, len, "%lldd", (long long)seconds / 86400);
}

static void
draw_sources(struct app *a, WINDOW *w, int y, int rows, int width)
{
	const struct snapshot *s = a->snap;
	char lag[32], title[400];
	int i;

	age_text(lag, sizeof lag, s->now - s->newest_start);
	snprintf(title, sizeof title, "Ingest  newest record %s behind "
	    "real time%s%s", s->newest_start ? lag : "-",
	    a->ingest_note[0] ? "  " : "", a->ingest_note);
	draw_title_rule(w, y, width, title, term_attr(ROLE_HEADER));
	for (i = 0; i < rows - 1 && i < s->nsources; i++) {
		const struct snap_source *src = &s->sources[i];
		char rec[16], age[32], behind[32], name[128], line[512];
		int selected = a->panel == PANEL_SOURCES && a->panel_row == i;

		term_human(rec, sizeof rec, src->records);
		age_text(age, sizeof age, s->now - src->updated_at);
		if (src->newest_start)
			age_text(behind, sizeof behind,
			    s->now - src->newest_start);
		else
			snprintf(behind, sizeof behind, "-");
		term_fit_tail(name, sizeof name, src->source,
		    width >= 120 ? 40 : 24);
		snprintf(line, sizeof line, "%s%s %7s rec %6.0f/s  lag "
		    "%s  %lld rejected  commit %s ago%s%s", selected ?
		    term_glyph(G_CURSOR) : " ", name, rec, src->rate,
		    behind, (long long)src->errors, age, src->last_error[0] ?
		    "  " : "", src->last_error);
		term_put(w, y + 1 + i, 0, width, line, selected ?
		    term_attr(ROLE_SELECT) : src->errors ? term_attr(ROLE_WARN) : 0,
		    1);
	}
	if (s->nsources == 0 && rows > 1)
		term_put(w, y + 1, 1, width - 1, "no sources yet",
		    term_attr(ROLE_DIM), 0);
}

void
dash_draw(struct app *a, WINDOW *w, int top, int height)
{
	const struct snapshot *s = a->snap;
	int width = getmaxx(w), y = top, col_w, rows, src_rows, used;

	if (s == NULL) {
		term_put(w, y + 1, 1, width - 1, "reading the store...",
		    term_attr(ROLE_DIM), 0);
		return;
	}
	if (!s->ok) {
		term_put(w, y + 1, 1, width - 1, s->status, term_attr(ROLE_WARN),
		    0);
		return;
	}
	/* Below ~16 rows drop sections from the bottom up. */
	src_rows = s->nsources < 3 ? s->nsources + 1 : 4;
	if (src_rows < 2)
		src_rows = 2;
	if (height < 18)
		src_rows = height >= 14 ? 2 : 0;
	used = draw_metric_panels(a, w, y, height - src_rows - 3 > 3 ?
	    (height - src_rows - 3 < 2 + 1 + 1 + SNAP_PROTOS ?
	    height - src_rows - 3 : 2 + 1 + 1 + SNAP_PROTOS) : height, width);
	y += used;
	if (y - top >= height)
		return;
	draw_totals(a, w, y++, width);
	rows = top + height - y - src_rows - 1;
	if (rows > SNAP_TOP)
		rows = SNAP_TOP;
	if (rows >= 1) {
		col_w = width / 3;
		draw_top_column(a, w, y, 0, col_w - 1, rows,
		    "Top rejected sources", s->top_src, s->ntop_src, PANEL_SRC);
		draw_top_column(a, w, y, col_w, col_w - 1, rows,
		    "Top rejected destinations", s->top_dst, s->ntop_dst,
		    PANEL_DST);
		draw_top_column(a, w, y, 2 * col_w, width - 2 * col_w, rows,
		    "Top rejected dst ports", s->top_port, s->ntop_port,
		    PANEL_PORT);
		y += rows + 1;
	}
	if (src_rows > 0 && y < top + height)
		draw_sources(a, w, y, top + height - y, width);
}

/* SQL text literal: single quotes doubled. */
static void
append_literal(struct sbuf *b, const char *s)
{
	sbuf_appendc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sbuf_appendc(b, '\'');
		sbuf_appendc(b, *s);
	}
	sbuf_appendc(b, '\'');
}

/* The raw-flow query behind the selected row, or NULL. */
static char *
drill_sql(struct app *a, char *title, size_t title_len)
{
	const struct snapshot *s = a->snap;
	struct filter f;
	struct sbuf b = { 0 };
	char *err = NULL, from[20], to[20];
	int r = a->panel_row;

	if (s == NULL || !s->ok || r >= panel_rows(a, a->panel))
		return NULL;
	if (filter_parse(s->params.filter, &f, &err) < 0) {
		free(err);
		return NULL;
	}
	fmt_utc(from, s->lo);
	fmt_utc(to, s->hi == INT64_MAX ? s->now : s->hi);
	if (a->panel == PANEL_SOURCES) {
		sbuf_printf(&b, "-- records stored from source %s\nSELECT * "
		    "FROM flow_logs\nWHERE origin = %lld\nORDER BY rowid DESC\n"
		    "LIMIT 1000;\n", s->sources[r].source,
		    (long long)s->sources[r].id);
		snprintf(title, title_len, "source %lld",
		    (long long)s->sources[r].id);
		filter_free(&f);
		return b.data;
	}
	sbuf_printf(&b, "-- drill-down from the dashboard: range %s (from %s "
	    "UTC), filter: %s\nSELECT *\nFROM flow_logs\nWHERE action = "
	    "'REJECT'\n", s->params.range, from, *f.text ? f.text : "none");
	switch (a->panel) {
	case PANEL_TCP:
		sbuf_printf(&b, "  AND protocol = 6\n  AND start >= %lld AND "
		    "start < %lld  -- the current %s window\n",
		    (long long)s->last_window,
		    (long long)(s->last_window + s->params.window),
		    window_label(s->params.window));
		snprintf(title, title_len, "tcp rejects");
		break;
	case PANEL_PROTO:
		if (s->proto[r].protocol < 0)
			sbuf_appends(&b, "  AND protocol IS NULL\n");
		else
			sbuf_printf(&b, "  AND protocol = %d\n",
			    s->proto[r].protocol);
		snprintf(title, title_len, "%s rejects", s->proto[r].name);
		break;
	case PANEL_SRC:
		sbuf_appends(&b, "  AND srcaddr = ");
		append_literal(&b, s->top_src[r].key);
		sbuf_appendc(&b, '\n');
		snprintf(title, title_len, "src %s", s->top_src[r].key);
		break;
	case PANEL_DST:
		sbuf_appends(&b, "  AND dstaddr = ");
		append_literal(&b, s->top_dst[r].key);
		sbuf_appendc(&b, '\n');
		snprintf(title, title_len, "dst %s", s->top_dst[r].key);
		break;
	case PANEL_PORT:
		if (strcmp(s->top_port[r].key, "-") == 0)
			sbuf_appends(&b, "  AND dstport IS NULL\n");
		else
			sbuf_printf(&b, "  AND dstport = %lld\n",
			    atoll(s->top_port[r].key));
		snprintf(title, title_len, "port %s", s->top_port[r].key);
		break;
	default:
		break;
	}
	if (a->panel != PANEL_TCP) {
		sbuf_printf(&b, "  AND start >= %lld", (long long)s->lo);
		if (s->hi != INT64_MAX)
			sbuf_printf(&b, " AND start < %lld", (long long)s->hi);
		sbuf_appendc(&b, '\n');
	}
	if (strcmp(f.sql, "1") != 0)
		sbuf_printf(&b, "  AND (%s)\n", f.sql);
	sbuf_appends(&b, "ORDER BY start DESC\nLIMIT 1000;\n");
	filter_free(&f);
	return b.data;
}

static void
move_row(struct app *a, int delta)
{
	int n = panel_rows(a, a->panel);

	a->panel_row += delta;
	if (a->panel_row >= n)
		a->panel_row = n - 1;
	if (a->panel_row < 0)
		a->panel_row = 0;
}

static void
cycle_range(struct app *a)
{
	static const char *const ranges[] = { "15m", "1h", "24h", "7d", "all" };
	size_t i, next = 1;

	for (i = 0; i < ARRAY_LEN(ranges); i++)
		if (strcmp(a->params.range, ranges[i]) == 0)
			next = (i + 1) % ARRAY_LEN(ranges);
	snprintf(a->params.range, sizeof a->params.range, "%s", ranges[next]);
	app_params_changed(a);
}

static void
cycle_window(struct app *a)
{
	a->params.window = a->params.window == 60 ? 900 :
	    a->params.window == 900 ? 3600 : 60;
	app_params_changed(a);
}

int
dash_key(struct app *a, int key)
{
	char title[24] = "drill-down", *sql;

	switch (key) {
	case '\t':
		a->panel = (a->panel + 1) % PANEL_COUNT;
		a->panel_row = 0;
		return 1;
	case UIKEY(KEY_BTAB):
		a->panel = (a->panel + PANEL_COUNT - 1) % PANEL_COUNT;
		a->panel_row = 0;
		return 1;
	case 'j': case UIKEY(KEY_DOWN):
		move_row(a, 1);
		return 1;
	case 'k': case UIKEY(KEY_UP):
		move_row(a, -1);
		return 1;
	case UIKEY(KEY_NPAGE):
		move_row(a, 5);
		return 1;
	case UIKEY(KEY_PPAGE):
		move_row(a, -5);
		return 1;
	case 'l': case UIKEY(KEY_RIGHT):
		if (a->panel >= PANEL_SRC && a->panel < PANEL_PORT)
			a->panel++;
		return 1;
	case 'h': case UIKEY(KEY_LEFT):
		if (a->panel > PANEL_SRC && a->panel <= PANEL_PORT)
			a->panel--;
		return 1;
	case 'r':
		cycle_range(a);
		return 1;
	case 'w':
		cycle_window(a);
		return 1;
	case '\r': case '\n': case UIKEY(KEY_ENTER):
		sql = drill_sql(a, title, sizeof title);
		if (sql == NULL) {
			app_message(a, 1, a->snap && a->snap->tops_pending ?
			    "the top lists are still being read: Enter again "
			    "in a moment" : "nothing selected to drill into");
			return 1;
		}
		sql_run(a, sql, title);
		a->focus = FOCUS_GRID;
		edit_goto(&a->ed, 0, 0);
		free(sql);
		return 1;
	}
	return 0;
}

void
dash_help(struct app *a, const char ***lines, int *n)
{
	static const char *help[] = {
		" Dashboard keys",
		"",
		"  Tab / Shift-Tab   next / previous panel",
		"  j k  Up Down      move in the panel;  h l  Left Right  "
		    "between top lists",
		"  Enter             open the selected row's raw flows in the "
		    "SQL pane (run)",
		"  r                 time range: 15m 1h 24h 7d all (or :range "
		    "FROM..TO)",
		"  w                 window: 1m 15m 1h",
		"  /                 filter, e.g. action:REJECT proto:tcp "
		    "port:22",
		"  1-9               run a canned query (1-3: the AWS samples)",
		"  s  F3             SQL pane      d  F2   dashboard",
		"  :                 command line: :range :window :filter "
		    ":canned :q",
		"  ?  F1             this help     q  F10  quit",
		"",
		" Numbers are packets per window; 'now' is the newest window "
		    "with data.",
		" Panels read flow_metrics when the filter has only action/"
		    "proto",
		" terms, otherwise flow_logs; both give what SQL returns.",
	};

	(void)a;
	*lines = help;
	*n = (int)ARRAY_LEN(help);
}

/* Log, ring and run the command for an alarm that just fired. */
static void
fire_alarm(struct app *a, const char *what)
{
	char *path = config_state_path("alarms.log"), *err = NULL, stamp[20];
	FILE *f;

	fmt_utc(stamp, now_epoch());
	if (paths_make_parent(path, &err) == 0 && (f = fopen(path, "a"))) {
		fprintf(f, "%s UTC ALARM %s\n", stamp, what);
		fclose(f);
	}
	free(err);
	free(path);
	app_message(a, 1, "%s ALARM %s", term_glyph(G_ALARM), what);
	if (a->cfg.bell)
		beep();
	if (a->cfg.alarm_command[0]) {
		char *argv[] = { "/bin/sh", "-c", a->cfg.alarm_command, NULL };
		char *var = xasprintf("FLOWLENS_ALARM=%s", what), **envp;
		size_t n = 0, i, k = 0;
		pid_t pid;

		/* The child's environment is built here, not with setenv():
		 * other threads may read the environment meanwhile. */
		while (environ[n])
			n++;
		envp = xcalloc(n + 2, sizeof *envp);
		for (i = 0; i < n; i++)
			if (strncmp(environ[i], "FLOWLENS_ALARM=", 15) != 0)
				envp[k++] = environ[i];
		envp[k] = var;
		if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, envp) != 0)
			app_message(a, 1, "alarm command could not start");
		free(envp);
		free(var);
	}
}

void
dash_alarms(struct app *a)
{
	const struct snapshot *s = a->snap;
	char what[160];
	int tcp, all;

	if (s == NULL || !s->ok)
		return;
	tcp = a->cfg.alarm_rejected_tcp > 0 &&
	    s->tcp.current > a->cfg.alarm_rejected_tcp;
	all = a->cfg.alarm_rejected_packets > 0 &&
	    s->all_rejected.current > a->cfg.alarm_rejected_packets;
	if (tcp && !a->alarm_tcp) {
		snprintf(what, sizeof what, "rejected TCP packets %lld > %lld "
		    "in the %s window at %lld", (long long)s->tcp.current,
		    (long long)a->cfg.alarm_rejected_tcp,
		    window_label(s->params.window), (long long)s->last_window);
		fire_alarm(a, what);
	}
	if (all && !a->alarm_all) {
		snprintf(what, sizeof what, "rejected packets %lld > %lld in "
		    "the %s window at %lld", (long long)s->all_rejected.current,
		    (long long)a->cfg.alarm_rejected_packets,
		    window_label(s->params.window), (long long)s->last_window);
		fire_alarm(a, what);
	}
	a->alarm_tcp = tcp;
	a->alarm_all = all;
}

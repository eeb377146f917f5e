/*
 * sqlpane.c - the SQL pane: editor, query status, result tabs and grid,
 * catalog sidebar, row detail, export, history and completion.
 * Queries run on the query worker (qworker.h); this file only submits,
 * polls and draws.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "canned.h"
#include "grid.h"
#include "paths.h"
#include "util.h"

#define HISTORY_MAX 500
#define CATALOG_WIDTH 30

static const char *const sql_keywords[] = {
	"SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "HAVING", "LIMIT",
	"OFFSET", "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "BETWEEN",
	"AS", "ON", "JOIN", "LEFT", "INNER", "UNION", "ALL", "DISTINCT",
	"CASE", "WHEN", "THEN", "ELSE", "END", "ASC", "DESC", "WITH",
	"COUNT", "SUM", "AVG", "MIN", "MAX", "INTERVAL", "CAST", "EXISTS",
	"vpc_flow_logs", "from_unixtime", "to_unixtime", "to_iso8601",
	"date_trunc", "date_add", "date_diff", "approx_distinct",
	"regexp_like", "contains", "split_part", "protocol_name", "now",
	"current_timestamp", "date_format",
};

/* ---------------------------------------------------------------- history */

/* One entry per line: "\n" and "\\" escaped. */
static char *
history_unescape(const char *line)
{
	char *out = xmalloc(strlen(line) + 1), *o = out;

	for (; *line; line++) {
		if (*line == '\\' && line[1] == 'n') {
			*o++ = '\n';
			line++;
		} else if (*line == '\\' && line[1] == '\\') {
			*o++ = '\\';
			line++;
		} else {
			*o++ = *line;
		}
	}
	*o = '\0';
	return out;
}

static void
history_push(struct app *a, const char *sql)
{
	if (a->nhistory && strcmp(a->history[a->nhistory - 1], sql) == 0) {
		a->history_pos = a->nhistory;
		return;
	}
	if (a->nhistory == HISTORY_MAX) {
		free(a->history[0]);
		memmove(a->history, a->history + 1, (HISTORY_MAX - 1) *
		    sizeof *a->history);
		a->nhistory--;
	}
	a->history = xrealloc(a->history, (size_t)(a->nhistory + 1) *
	    sizeof *a->history);
	a->history[a->nhistory++] = xstrdup(sql);
	a->history_pos = a->nhistory;
}

static void
history_load(struct app *a)
{
	FILE *f = fopen(a->history_path ? a->history_path : "/nonexistent",
	    "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		char *entry;

		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (*line == '\0')
			continue;
		entry = history_unescape(line);
		history_push(a, entry);
		free(entry);
	}
	free(line);
	fclose(f);
}

static void
history_append_file(struct app *a, const char *sql)
{
	struct sbuf b = { 0 };
	char *err = NULL;
	FILE *f;

	if (a->history_path == NULL || a->readonly)
		return;
	if (paths_make_parent(a->history_path, &err) < 0) {
		free(err);
		return;
	}
	for (; *sql; sql++) {
		if (*sql == '\n')
			sbuf_appends(&b, "\\n");
		else if (*sql == '\\')
			sbuf_appends(&b, "\\\\");
		else
			sbuf_appendc(&b, *sql);
	}
	sbuf_appendc(&b, '\n');
	if ((f = fopen(a->history_path, "a")) != NULL) {
		fputs(b.data, f);
		fclose(f);
	}
	sbuf_free(&b);
}

static void
history_step(struct app *a, int delta)
{
	int pos = a->history_pos + delta;

	if (pos < 0 || pos > a->nhistory)
		return;
	a->history_pos = pos;
	edit_set(&a->ed, pos == a->nhistory ? "" : a->history[pos]);
	app_message(a, 0, "history %d/%d", pos + 1 > a->nhistory ?
	    a->nhistory : pos + 1, a->nhistory);
}

void
sql_history_search(struct app *a, const char *needle)
{
	int i, start = a->history_pos - 1;

	if (start >= a->nhistory)
		start = a->nhistory - 1;
	for (i = start; i >= 0; i--)
		if (strcasestr(a->history[i], needle)) {
			a->history_pos = i;
			edit_set(&a->ed, a->history[i]);
			app_message(a, 0, "history %d/%d matches \"%s\"", i + 1,
			    a->nhistory, needle);
			return;
		}
	app_message(a, 1, "no earlier history entry contains \"%s\"", needle);
}

/* --------------------------------------------------------------- lifecycle */

void
sql_init(struct app *a)
{
	edit_init(&a->ed);
	a->history_path = config_state_path("history");
	history_load(a);
	a->focus = FOCUS_EDITOR;
}

void
sql_free(struct app *a)
{
	int i;

	for (i = 0; i < a->ntabs; i++)
		grid_tab_free(&a->tabs[i]);
	for (i = 0; i < a->nhistory; i++)
		free(a->history[i]);
	free(a->history);
	free(a->history_path);
	catalog_free(a->catalog);
	edit_free(&a->ed);
}

/* ------------------------------------------------------------- running SQL */

void
sql_run(struct app *a, const char *sql, const char *title)
{
	const struct canned_query *cq;
	char name[64];

	a->screen = SCREEN_SQL;
	if (a->running) {
		app_message(a, 1, "a query is running: Esc or Ctrl-C cancels it");
		return;
	}
	/* A canned query's name alone runs that query. */
	if (sscanf(sql, " %63[A-Za-z0-9_-] ", name) == 1 &&
	    strspn(sql, " \t\n") + strlen(name) + strspn(sql + strspn(sql,
	    " \t\n") + strlen(name), " \t\n;") == strlen(sql) &&
	    (cq = canned_find(name)) != NULL) {
		sql = cq->sql;
		title = cq->name;
	}
	if (a->ed.text == NULL || strcmp(a->ed.text, sql) != 0)
		edit_set(&a->ed, sql);
	a->error_line = a->error_col = 0;
	if (qworker_submit(a->qw, sql) < 0) {
		app_message(a, 1, "a query is running: Esc or Ctrl-C cancels it");
		return;
	}
	history_push(a, sql);
	history_append_file(a, sql);
	a->running = 1;
	snprintf(a->pending_title, sizeof a->pending_title, "%s",
	    title ? title : "sql");
	a->dirty = 1;
}

int
sql_run_canned(struct app *a, const char *name, size_t index)
{
	const struct canned_query *cq = name ? canned_find(name) :
	    (index < canned_count() ? canned_at(index) : NULL);

	if (cq == NULL)
		return -1;
	sql_run(a, cq->sql, cq->name);
	a->focus = FOCUS_GRID;
	edit_goto(&a->ed, 0, 0);	/* show the query from its top */
	return 0;
}

static void
add_tab(struct app *a, struct qresult *r)
{
	struct result_tab *t;

	if (a->ntabs == MAX_TABS) {
		grid_tab_free(&a->tabs[0]);
		memmove(a->tabs, a->tabs + 1, (MAX_TABS - 1) * sizeof a->tabs[0]);
		memset(&a->tabs[MAX_TABS - 1], 0, sizeof a->tabs[0]);
		a->ntabs--;
	}
	t = &a->tabs[a->ntabs];
	memset(t, 0, sizeof *t);
	t->r = r;
	t->sort_col = -1;
	snprintf(t->title, sizeof t->title, "%s", a->pending_title);
	a->tab = a->ntabs++;
}

void
sql_poll(struct app *a)
{
	struct catalog *c = qworker_take_catalog(a->qw);
	struct qresult *r;

	if (c) {
		catalog_free(a->catalog);
		a->catalog = c;
		a->dirty = 1;
	}
	if ((r = qworker_take(a->qw)) == NULL)
		return;
	a->running = 0;
	a->dirty = 1;
	if (r->status == QUERY_OK) {
		snprintf(a->sql_status, sizeof a->sql_status, "%s OK  %.3f s  "
		    "%lld rows returned%s  %lld rows scanned in full scans",
		    term_glyph(G_OK), r->stats.seconds,
		    (long long)r->total_rows, r->total_rows > r->nrows ?
		    " (first 200000 kept)" : "",
		    (long long)r->stats.rows_scanned);
		a->sql_status_error = 0;
		add_tab(a, r);
		return;
	}
	snprintf(a->sql_status, sizeof a->sql_status, "%s %s  (%.3f s)",
	    term_glyph(G_ALARM), r->error ? r->error : "query failed",
	    r->stats.seconds);
	a->sql_status_error = r->status != QUERY_CANCELLED;
	if (r->error_line > 0) {
		a->error_line = r->error_line;
		a->error_col = r->error_column;
		edit_goto(&a->ed, r->error_line - 1, r->error_column - 1);
		a->focus = FOCUS_EDITOR;
	}
	qresult_free(r);
}

/* -------------------------------------------------------------- completion */

struct completion {
	const char *prefix;
	size_t      len;
	const char *first;	/* first match */
	size_t      common;	/* length of the common prefix of matches */
	int         count;
	struct sbuf list;	/* matches, for the message line */
};

static void
consider(struct completion *c, const char *word)
{
	size_t i;

	if (strncasecmp(word, c->prefix, c->len) != 0 || strlen(word) == c->len)
		return;
	if (c->first && strcmp(c->first, word) == 0)
		return;
	if (c->count == 0) {
		c->first = word;
		c->common = strlen(word);
	} else {
		for (i = 0; i < c->common && tolower((unsigned char)word[i]) ==
		    tolower((unsigned char)c->first[i]); i++)
			;
		c->common = i;
	}
	if (c->count < 12)
		sbuf_printf(&c->list, "%s%s", c->count ? " " : "", word);
	c->count++;
}

static void
complete(struct app *a)
{
	struct completion c;
	size_t start, n = edit_word_before(&a->ed, &start), i;
	char prefix[128];
	int t, col;

	if (n == 0 || n >= sizeof prefix)
		return;
	memcpy(prefix, a->ed.text + start, n);
	prefix[n] = '\0';
	memset(&c, 0, sizeof c);
	c.prefix = prefix;
	c.len = n;
	for (i = 0; i < ARRAY_LEN(sql_keywords); i++)
		consider(&c, sql_keywords[i]);
	for (i = 0; i < canned_count(); i++)
		consider(&c, canned_at(i)->name);
	if (a->catalog == NULL) {
		/* Before the worker has read the catalog: the store's tables. */
		static const char *const tables[] = { "flow_logs",
		    "flow_metrics", "ingest_state", "ingest_errors" };

		for (i = 0; i < ARRAY_LEN(tables); i++)
			consider(&c, tables[i]);
	} else {
		for (t = 0; t < a->catalog->ntables; t++) {
			consider(&c, a->catalog->tables[t].name);
			for (col = 0; col < a->catalog->tables[t].ncols; col++)
				consider(&c, a->catalog->tables[t].cols[col]);
		}
	}
	if (c.count == 0) {
		app_message(a, 0, "no completion for \"%s\"", prefix);
	} else {
		/* Keep the case the user typed for keywords. */
		int lower = islower((unsigned char)prefix[0]);
		char add[128];
		size_t k, m = c.common - n;

		if (m >= sizeof add)
			m = sizeof add - 1;
		for (k = 0; k < m; k++)
			add[k] = lower ? (char)tolower((unsigned char)
			    c.first[n + k]) : c.first[n + k];
		if (c.count == 1 && isupper((unsigned char)c.first[0]) == 0)
			memcpy(add, c.first + n, m);
		if (m > 0)
			edit_insert(&a->ed, add, m, 0);
		if (c.count > 1)
			app_message(a, 0, "%d matches: %s%s", c.count,
			    c.list.data, c.count > 12 ? " ..." : "");
	}
	sbuf_free(&c.list);
}

/* ---------------------------------------------------------- $EDITOR escape */

static void
external_editor(struct app *a)
{
	const char *editor = getenv("VISUAL");
	char path[] = "/tmp/flowlens-sql-XXXXXX.sql";
	int fd, status;
	pid_t pid;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	fd = mkstemps(path, 4);
	if (fd < 0) {
		app_message(a, 1, "cannot create a temporary file: %s",
		    strerror(errno));
		return;
	}
	if (write(fd, a->ed.text, a->ed.len) != (ssize_t)a->ed.len) {
		close(fd);
		unlink(path);
		app_message(a, 1, "cannot write %s", path);
		return;
	}
	close(fd);
	def_prog_mode();
	endwin();
	pid = fork();
	if (pid == 0) {
		char *cmd = xasprintf("%s \"$1\"", editor);

		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	status = -1;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	reset_prog_mode();
	clearok(curscr, TRUE);
	if (status == 0) {
		FILE *f = fopen(path, "r");
		struct sbuf b = { 0 };
		char chunk[4096];
		size_t n;

		while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
			sbuf_append(&b, chunk, n);
		if (f)
			fclose(f);
		edit_set(&a->ed, b.data ? b.data : "");
		sbuf_free(&b);
	} else {
		app_message(a, 1, "%s exited with status %d; text unchanged",
		    editor, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	unlink(path);
}

static struct result_tab *
current_tab(struct app *a)
{
	return a->ntabs ? &a->tabs[a->tab] : NULL;
}

/* ---------------------------------------------------------------- catalog */

/* Lines of the sidebar: "vpc_flow_logs", tables, "  col type". */
static int
catalog_lines(const struct app *a, const char **names, const char **types,
    int max)
{
	int n = 0, t, c;

	if (a->catalog == NULL)
		return 0;
	for (t = 0; t < a->catalog->ntables && n < max; t++) {
		names[n] = a->catalog->tables[t].name;
		types[n++] = NULL;
		for (c = 0; c < a->catalog->tables[t].ncols && n < max; c++) {
			names[n] = a->catalog->tables[t].cols[c];
			types[n++] = a->catalog->tables[t].types[c];
		}
	}
	return n;
}

static void
draw_catalog(struct app *a, WINDOW *w, int y, int x, int height, int width)
{
	const char *names[512], *types[512];
	int n = catalog_lines(a, names, types, 512), i, first;

	term_put(w, y, x, width, " vpc_flow_logs (catalog)", term_attr(ROLE_HEADER),
	    1);
	if (n == 0) {
		term_put(w, y + 1, x, width, "  (store not readable yet)",
		    term_attr(ROLE_DIM), 1);
		return;
	}
	if (a->catalog_row >= n)
		a->catalog_row = n - 1;
	first = a->catalog_row - (height - 2) + 1;
	if (first < 0)
		first = 0;
	for (i = 0; i < height - 1 && first + i < n; i++) {
		int k = first + i, sel = a->focus == FOCUS_CATALOG &&
		    k == a->catalog_row;
		char line[128];

		if (types[k])
			snprintf(line, sizeof line, "   %-18s %s", names[k],
			    types[k]);
		else
			snprintf(line, sizeof line, " %s %s",
			    term_glyph(G_BULLET), names[k]);
		term_put(w, y + 1 + i, x, width, line, sel ? term_attr(ROLE_SELECT)
		    : types[k] ? 0 : term_attr(ROLE_KEY), 1);
	}
}

/* ----------------------------------------------------------------- drawing */

static void
draw_editor(struct app *a, WINDOW *w, int y, int height, int width)
{
	int cl, cc, line = 0, i;
	const char *p = a->ed.text;
	int text_w = width - 4;

	edit_cursor_pos(&a->ed, &cl, &cc);
	{	/* no empty rows below the text while earlier lines are hidden */
		int total = 1;

		for (i = 0; a->ed.text[i]; i++)
			total += a->ed.text[i] == '\n';
		if (a->ed_top > total - height)
			a->ed_top = total - height > 0 ? total - height : 0;
	}
	if (cl < a->ed_top)
		a->ed_top = cl;
	if (cl >= a->ed_top + height)
		a->ed_top = cl - height + 1;
	if (cc < a->ed_left)
		a->ed_left = cc;
	if (cc >= a->ed_left + text_w)
		a->ed_left = cc - text_w + 1;
	for (i = 0; i < height; i++)
		term_put(w, y + i, 0, width, "", 0, 1);
	while (p && line < a->ed_top + height) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (line >= a->ed_top) {
			char *copy = xstrndup(p, n), *q = copy;
			int skip = a->ed_left, row = y + line - a->ed_top;

			while (skip-- > 0 && *q) {
				q++;
				while ((*q & 0xc0) == 0x80)
					q++;
			}
			term_printf(w, row, 0, 4, line + 1 == a->error_line ?
			    term_attr(ROLE_ERROR) : term_attr(ROLE_DIM), "%3d",
			    line + 1);
			term_put(w, row, 4, text_w, q, 0, 0);
			if (line + 1 == a->error_line && a->error_col > 0 &&
			    a->error_col - 1 - a->ed_left >= 0 &&
			    a->error_col - 1 - a->ed_left < text_w)
				mvwchgat(w, row, 4 + a->error_col - 1 -
				    a->ed_left, 1, term_attr(ROLE_ERROR) |
				    A_UNDERLINE | A_REVERSE,
				    PAIR_NUMBER(term_attr(ROLE_ERROR)), NULL);
			free(copy);
		}
		line++;
		p = nl ? nl + 1 : NULL;
	}
	if (a->focus == FOCUS_EDITOR)
		wmove(w, y + cl - a->ed_top, 4 + cc - a->ed_left);
}

static void
draw_status(struct app *a, WINDOW *w, int y, int width)
{
	double elapsed;
	int64_t rows, scanned;

	if (qworker_progress(a->qw, &elapsed, &rows, &scanned)) {
		term_printf(w, y, 0, width, term_attr(ROLE_WARN), "%s running "
		    "%.1f s  %lld rows scanned  %lld rows  (Esc or Ctrl-C "
		    "cancels)", term_glyph(G_ELLIPSIS), elapsed,
		    (long long)scanned, (long long)rows);
		return;
	}
	term_put(w, y, 0, width, a->sql_status[0] ? a->sql_status :
	    "F5 or Ctrl-R runs the SQL;  Tab completes;  Esc to the results",
	    a->sql_status_error ? term_attr(ROLE_ERROR) : term_attr(ROLE_DIM), 1);
}

static void
draw_tabs(struct app *a, WINDOW *w, int y, int width)
{
	int i, x = 0;
	char label[48];

	term_rule(w, y, 0, width, term_attr(ROLE_DIM));
	for (i = 0; i < a->ntabs && x < width; i++) {
		snprintf(label, sizeof label, i == a->tab ? "[%d %s]" :
		    " %d %s ", i + 1, a->tabs[i].title);
		x += term_put(w, y, x, width - x, label, i == a->tab ?
		    term_attr(ROLE_SELECT) : 0, 0) + 1;
	}
	if (a->ntabs && x < width - 20) {
		struct result_tab *t = current_tab(a);

		term_printf(w, y, x + 1, width - x - 1, term_attr(ROLE_DIM),
		    " row %lld/%lld  col %d/%d%s", (long long)(t->r->nrows ?
		    t->row + 1 : 0), (long long)t->r->nrows, t->col + 1,
		    t->r->ncols, a->readable_times ? "  times UTC" : "");
	}
}

void
sql_draw(struct app *a, WINDOW *w, int top, int height)
{
	int width = getmaxx(w), lines = 1, ed_h, grid_w = width, i;
	int cur_y = -1, cur_x = -1;

	for (i = 0; a->ed.text[i]; i++)
		lines += a->ed.text[i] == '\n';
	ed_h = lines + 1;
	if (ed_h > height / 3)
		ed_h = height / 3;
	if (ed_h < 3)
		ed_h = height >= 8 ? 3 : 1;
	if (a->show_catalog && width >= 60)
		grid_w = width - CATALOG_WIDTH - 1;
	draw_editor(a, w, top, ed_h, grid_w);
	if (a->focus == FOCUS_EDITOR)
		getyx(w, cur_y, cur_x);
	if (height > ed_h + 2) {
		draw_status(a, w, top + ed_h, grid_w);
		draw_tabs(a, w, top + ed_h + 1, grid_w);
		grid_draw(current_tab(a), a->readable_times, a->focus == FOCUS_GRID,
		    w, top + ed_h + 2, 0, height - ed_h - 2, grid_w);
	}
	if (grid_w < width) {
		for (i = 0; i < height; i++)
			term_put(w, top + i, grid_w, 1, term_glyph(G_VLINE),
			    term_attr(ROLE_DIM), 0);
		draw_catalog(a, w, top, grid_w + 1, height, CATALOG_WIDTH);
	}
	if (a->detail && grid_draw_detail(current_tab(a), a->readable_times, w,
	    top, height) < 0)
		a->detail = 0;
	if (cur_y >= 0 && !a->detail) {
		wmove(w, cur_y, cur_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
}

int
sql_export(struct app *a, const char *format, const char *path)
{
	struct result_tab *t = current_tab(a);
	char *target, stamp[20], name[32];
	int json = strcmp(format, "json") == 0;
	size_t i;
	FILE *f;

	if (a->readonly) {
		app_message(a, 1, "--readonly: export to files is disabled");
		return -1;
	}
	if (t == NULL) {
		app_message(a, 1, "no result to export: run a query first");
		return -1;
	}
	if (path && *path) {
		target = xstrdup(path);
	} else {
		fmt_utc(stamp, now_epoch());
		for (i = 0; stamp[i]; i++)
			if (stamp[i] == ' ' || stamp[i] == ':')
				stamp[i] = stamp[i] == ' ' ? 'T' : '-';
		snprintf(name, sizeof name, "%s", t->title);
		for (i = 0; name[i]; i++)
			if (!isalnum((unsigned char)name[i]) && name[i] != '-')
				name[i] = '_';
		target = xasprintf("%s%sflowlens-%s-%s.%s", a->cfg.export_dir,
		    a->cfg.export_dir[0] ? "/" : "", name, stamp, json ?
		    "json" : "csv");
	}
	f = fopen(target, "w");
	if (f == NULL) {
		app_message(a, 1, "cannot write %s: %s", target,
		    strerror(errno));
		free(target);
		return -1;
	}
	if (json)
		grid_write_json(f, t);
	else
		grid_write_csv(f, t);
	if (fclose(f) != 0) {
		app_message(a, 1, "writing %s failed: %s", target,
		    strerror(errno));
		free(target);
		return -1;
	}
	app_message(a, 0, "exported %lld rows to %s", (long long)t->r->nrows,
	    target);
	free(target);
	return 0;
}

/* -------------------------------------------------------------------- keys */

static void
insert_key(struct app *a, int key)
{
	char buf[8];
	mbstate_t st;
	size_t n;

	memset(&st, 0, sizeof st);
	n = wcrtomb(buf, (wchar_t)key, &st);
	if (n == (size_t)-1)
		return;
	edit_insert(&a->ed, buf, n, 1);
}

static void
next_focus(struct app *a, int delta)
{
	int n = a->show_catalog ? 3 : 2;

	a->focus = (enum sql_focus)(((int)a->focus + delta + n) % n);
}

static int
editor_key(struct app *a, int key)
{
	switch (key) {
	case '\r': case '\n': case UIKEY(KEY_ENTER):
		edit_insert(&a->ed, "\n", 1, 1);
		return 1;
	case UIKEY(KEY_BACKSPACE): case 127: case CTRL('h'):
		edit_backspace(&a->ed);
		return 1;
	case UIKEY(KEY_DC): case CTRL('d'):
		edit_delete(&a->ed);
		return 1;
	case UIKEY(KEY_LEFT): edit_left(&a->ed); return 1;
	case UIKEY(KEY_RIGHT): edit_right(&a->ed); return 1;
	case UIKEY(KEY_UP): edit_up(&a->ed); return 1;
	case UIKEY(KEY_DOWN): edit_down(&a->ed); return 1;
	case UIKEY(KEY_HOME): case CTRL('a'): edit_home(&a->ed); return 1;
	case UIKEY(KEY_END): case CTRL('e'): edit_end(&a->ed); return 1;
	case CTRL('k'): edit_kill_line(&a->ed); return 1;
	case CTRL('z'): case CTRL('_'):
		if (edit_undo(&a->ed) < 0)
			app_message(a, 0, "nothing to undo");
		return 1;
	case CTRL('l'): edit_set(&a->ed, ""); return 1;
	case CTRL('p'): history_step(a, -1); return 1;
	case CTRL('n'): history_step(a, 1); return 1;
	case CTRL('f'): cmd_open(a, CMD_HISTORY, ""); return 1;
	case CTRL('x'): case UIKEY(KEY_F(4)): external_editor(a); return 1;
	case '\t': {
		size_t start;

		if (edit_word_before(&a->ed, &start) > 0)
			complete(a);
		else
			next_focus(a, 1);
		return 1;
	}
	case KEY_ESCAPE:
		a->focus = FOCUS_GRID;
		return 1;
	}
	if (key >= 32 && key < 0x110000 && key != 127) {
		insert_key(a, key);
		a->error_line = 0;
		return 1;
	}
	return 0;
}

static void
grid_move(struct result_tab *t, int64_t rows, int cols)
{
	t->row += rows;
	if (t->row >= t->r->nrows)
		t->row = t->r->nrows - 1;
	if (t->row < 0)
		t->row = 0;
	t->col += cols;
	if (t->col >= t->r->ncols)
		t->col = t->r->ncols - 1;
	if (t->col < 0)
		t->col = 0;
}

static int
grid_key(struct app *a, int key)
{
	struct result_tab *t = current_tab(a);

	if (a->detail) {
		if (key == KEY_ESCAPE || key == 'q' || key == '\r' ||
		    key == '\n') {
			a->detail = 0;
			return 1;
		}
		if (t && (key == 'j' || key == UIKEY(KEY_DOWN)))
			grid_move(t, 1, 0);
		if (t && (key == 'k' || key == UIKEY(KEY_UP)))
			grid_move(t, -1, 0);
		return 1;
	}
	switch (key) {
	case 'i': case 'a':
		a->focus = FOCUS_EDITOR;
		return 1;
	case 'e': sql_export(a, "csv", NULL); return 1;
	case 'J': sql_export(a, "json", NULL); return 1;
	case 't':
		a->readable_times = !a->readable_times;
		return 1;
	case 'c':
		a->show_catalog = !a->show_catalog;
		return 1;
	case '[':
		if (a->ntabs)
			a->tab = (a->tab + a->ntabs - 1) % a->ntabs;
		return 1;
	case ']':
		if (a->ntabs)
			a->tab = (a->tab + 1) % a->ntabs;
		return 1;
	case 'x':
		if (t) {
			grid_tab_free(t);
			memmove(t, t + 1, (size_t)(a->ntabs - a->tab - 1) *
			    sizeof *t);
			a->ntabs--;
			memset(&a->tabs[a->ntabs], 0, sizeof *t);
			if (a->tab >= a->ntabs && a->tab > 0)
				a->tab--;
		}
		return 1;
	case KEY_ESCAPE:
		a->screen = SCREEN_DASH;
		return 1;
	}
	if (t == NULL || t->r->ncols == 0)
		return 0;
	switch (key) {
	case 'j': case UIKEY(KEY_DOWN): grid_move(t, 1, 0); return 1;
	case 'k': case UIKEY(KEY_UP): grid_move(t, -1, 0); return 1;
	case 'l': case UIKEY(KEY_RIGHT): grid_move(t, 0, 1); return 1;
	case 'h': case UIKEY(KEY_LEFT): grid_move(t, 0, -1); return 1;
	case UIKEY(KEY_NPAGE): case ' ': grid_move(t, 20, 0); return 1;
	case UIKEY(KEY_PPAGE): case 'b': grid_move(t, -20, 0); return 1;
	case 'g': case UIKEY(KEY_HOME): grid_move(t, -t->row, 0); return 1;
	case 'G': case UIKEY(KEY_END): grid_move(t, t->r->nrows, 0); return 1;
	case '0': grid_move(t, 0, -t->col); return 1;
	case '$': grid_move(t, 0, t->r->ncols); return 1;
	case 'o':
		grid_sort(t);
		return 1;
	case '\r': case '\n': case UIKEY(KEY_ENTER):
		if (t->r->nrows)
			a->detail = 1;
		return 1;
	}
	return 0;
}

static int
catalog_key(struct app *a, int key)
{
	const char *names[512], *types[512];
	int n = catalog_lines(a, names, types, 512);

	switch (key) {
	case 'j': case UIKEY(KEY_DOWN):
		if (a->catalog_row < n - 1)
			a->catalog_row++;
		return 1;
	case 'k': case UIKEY(KEY_UP):
		if (a->catalog_row > 0)
			a->catalog_row--;
		return 1;
	case '\r': case '\n': case UIKEY(KEY_ENTER):
		if (a->catalog_row < n) {
			edit_insert(&a->ed, names[a->catalog_row],
			    strlen(names[a->catalog_row]), 0);
			a->focus = FOCUS_EDITOR;
		}
		return 1;
	case KEY_ESCAPE:
		a->focus = FOCUS_EDITOR;
		return 1;
	}
	return 0;
}

int
sql_key(struct app *a, int key)
{
	if (key == UIKEY(KEY_F(5)) || key == CTRL('r')) {
		sql_run(a, a->ed.text, "sql");
		return 1;
	}
	if (key == UIKEY(KEY_BTAB)) {
		next_focus(a, -1);
		return 1;
	}
	switch (a->focus) {
	case FOCUS_EDITOR:
		return editor_key(a, key);
	case FOCUS_CATALOG:
		if (key == '\t') {
			next_focus(a, 1);
			return 1;
		}
		return catalog_key(a, key);
	case FOCUS_GRID:
		if (key == '\t' && !a->detail) {
			next_focus(a, 1);
			return 1;
		}
		return grid_key(a, key);
	}
	return 0;
}

void
sql_help(struct app *a, const char ***lines, int *n)
{
	static const char *editor_help[] = {
		" SQL pane - editor keys",
		"",
		"  F5  Ctrl-R        run (Esc or Ctrl-C cancels a running query)",
		"  Tab               complete keyword/table/column/canned name; "
		    "else next focus",
		"  Ctrl-Z            undo            Ctrl-K  delete to end of "
		    "line",
		"  Ctrl-P  Ctrl-N    previous / next history entry",
		"  Ctrl-F            search the history",
		"  F4  Ctrl-X        edit in $VISUAL / $EDITOR",
		"  Ctrl-L            clear           Ctrl-A Ctrl-E  line start/"
		    "end",
		"  Esc               to the results (then q, ?, d, : work)",
		"  F2 dashboard   F3 SQL pane   F1 this help   F10 quit",
		"",
		" A canned query's name alone (Tab completes it) runs that "
		    "query.",
	};
	static const char *grid_help[] = {
		" SQL pane - result keys",
		"",
		"  j k Up Down PgUp PgDn g G  rows;  h l Left Right 0 $  columns",
		"  o                 sort by this column: up, down, query order",
		"  Enter             row detail      t   epoch times as UTC text",
		"  [  ]              previous / next result tab;  x  close tab",
		"  e  J              export CSV / JSON (file name shown below)",
		"  c                 catalog sidebar (Enter inserts a name)",
		"  i  Tab            back to the editor;  F5 runs it",
		"  1-9               canned queries (1-3: the AWS samples)",
		"  :                 command line: :export csv PATH, :canned NAME",
		"  Esc  d  F2        dashboard     q  F10  quit",
	};

	if (a->focus == FOCUS_EDITOR) {
		*lines = editor_help;
		*n = (int)ARRAY_LEN(editor_help);
	} else {
		*lines = grid_help;
		*n = (int)ARRAY_LEN(grid_help);
	}
}

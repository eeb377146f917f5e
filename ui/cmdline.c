/*
 * cmdline.c - the bottom-line prompt: `:` commands, `/` filter and the
 * history search, with Tab completion of command and canned-query names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "canned.h"
#include "filter.h"
#include "util.h"

static const char *const commands[] = {
	"quit", "help", "range", "window", "filter", "canned", "export",
	"dash", "sql", "run", "times", "where",
};

void
cmd_open(struct app *a, enum cmd_kind kind, const char *initial)
{
	a->cmd = kind;
	snprintf(a->cmdbuf, sizeof a->cmdbuf, "%s", initial ? initial : "");
	a->cmdlen = strlen(a->cmdbuf);
}

static void
set_filter(struct app *a, const char *text)
{
	struct filter f;
	char *err = NULL;

	if (filter_parse(text, &f, &err) < 0) {
		app_message(a, 1, "%s", err);
		free(err);
		return;
	}
	filter_free(&f);
	snprintf(a->params.filter, sizeof a->params.filter, "%s", text);
	app_params_changed(a);
	app_message(a, 0, *text ? "filter: %s" : "filter cleared%s", text);
}

static void
set_range(struct app *a, const char *text)
{
	struct time_range r;
	char *err = NULL;

	if (range_parse(text, &r, &err) < 0) {
		app_message(a, 1, "%s", err);
		free(err);
		return;
	}
	snprintf(a->params.range, sizeof a->params.range, "%s", text);
	app_params_changed(a);
}

static void
set_window(struct app *a, const char *text)
{
	int64_t secs;

	if (parse_duration(text, &secs) < 0 ||
	    (secs != 60 && secs != 900 && secs != 3600)) {
		app_message(a, 1, "window \"%s\": use 1m, 15m or 1h", text);
		return;
	}
	a->params.window = secs;
	app_params_changed(a);
}

/* Offer the dashboard's range and filter to the SQL pane: insert them as a
 * condition on flow_logs at the editor's cursor. */
static void
insert_where(struct app *a)
{
	struct time_range r;
	struct filter f;
	struct sbuf b = { 0 };
	char *err = NULL;
	int64_t lo, hi;

	if (range_parse(a->params.range, &r, &err) < 0 ||
	    filter_parse(a->params.filter, &f, &err) < 0) {
		app_message(a, 1, "%s", err);
		free(err);
		return;
	}
	range_bounds(&r, now_epoch(), &lo, &hi);
	sbuf_printf(&b, "start >= %lld", (long long)lo);
	if (hi != INT64_MAX)
		sbuf_printf(&b, " AND start < %lld", (long long)hi);
	if (strcmp(f.sql, "1") != 0)
		sbuf_printf(&b, " AND (%s)", f.sql);
	edit_insert(&a->ed, b.data, b.len, 0);
	a->screen = SCREEN_SQL;
	a->focus = FOCUS_EDITOR;
	app_message(a, 0, "inserted range %s%s%s", a->params.range,
	    *f.text ? " and filter " : "", f.text);
	filter_free(&f);
	sbuf_free(&b);
}

static void
list_canned(struct app *a)
{
	struct sbuf b = { 0 };
	size_t i;

	for (i = 0; i < canned_count(); i++)
		sbuf_printf(&b, "%s%zu:%s", i ? " " : "", i + 1,
		    canned_at(i)->name);
	app_message(a, 0, "canned: %s", b.data ? b.data : "");
	sbuf_free(&b);
}

void
cmd_execute(struct app *a, const char *line)
{
	char word[32] = "", *arg;
	const char *p = line + strspn(line, " ");
	size_t n = strcspn(p, " ");

	if (n == 0)
		return;
	snprintf(word, sizeof word, "%.*s", (int)(n < 31 ? n : 31), p);
	arg = xstrdup(p + n + strspn(p + n, " "));
	if (!strcmp(word, "q") || !strcmp(word, "quit"))
		a->quit = 1;
	else if (!strcmp(word, "help") || !strcmp(word, "h"))
		a->help = 1;
	else if (!strcmp(word, "range") || !strcmp(word, "r"))
		set_range(a, arg);
	else if (!strcmp(word, "window") || !strcmp(word, "w"))
		set_window(a, arg);
	else if (!strcmp(word, "filter") || !strcmp(word, "f"))
		set_filter(a, arg);
	else if (!strcmp(word, "dash") || !strcmp(word, "d"))
		a->screen = SCREEN_DASH;
	else if (!strcmp(word, "sql") || !strcmp(word, "s"))
		a->screen = SCREEN_SQL;
	else if (!strcmp(word, "run"))
		sql_run(a, a->ed.text, "sql");
	else if (!strcmp(word, "where"))
		insert_where(a);
	else if (!strcmp(word, "times"))
		a->readable_times = !a->readable_times;
	else if (!strcmp(word, "export")) {
		char fmt[8] = "csv";
		const char *path = arg + strcspn(arg, " ");

		sscanf(arg, "%7s", fmt);
		path += strspn(path, " ");
		if (strcmp(fmt, "csv") && strcmp(fmt, "json"))
			app_message(a, 1, "export csv|json [PATH]");
		else
			sql_export(a, fmt, path);
	} else if (!strcmp(word, "canned")) {
		if (*arg == '\0')
			list_canned(a);
		else if (sql_run_canned(a, arg, 0) < 0)
			app_message(a, 1, "no canned query \"%s\" (:canned "
			    "lists them)", arg);
	} else if (sql_run_canned(a, word, 0) < 0)
		app_message(a, 1, "unknown command \"%s\": commands are quit "
		    "help range window filter canned export dash sql run times "
		    "where, or a canned query name", word);
	free(arg);
}

static void
complete_command(struct app *a)
{
	const char *match = NULL;
	int count = 0;
	size_t i, n = a->cmdlen;

	if (memchr(a->cmdbuf, ' ', n)) {
		/* ":canned PREFIX" completes the name */
		if (strncmp(a->cmdbuf, "canned ", 7) != 0)
			return;
		for (i = 0; i < canned_count(); i++)
			if (!strncmp(canned_at(i)->name, a->cmdbuf + 7, n - 7)) {
				match = canned_at(i)->name;
				count++;
			}
		if (count == 1)
			snprintf(a->cmdbuf + 7, sizeof a->cmdbuf - 7, "%s",
			    match);
		a->cmdlen = strlen(a->cmdbuf);
		return;
	}
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (!strncmp(commands[i], a->cmdbuf, n)) {
			match = commands[i];
			count++;
		}
	for (i = 0; i < canned_count(); i++)
		if (!strncmp(canned_at(i)->name, a->cmdbuf, n)) {
			match = canned_at(i)->name;
			count++;
		}
	if (count == 1) {
		snprintf(a->cmdbuf, sizeof a->cmdbuf, "%s", match);
		a->cmdlen = strlen(a->cmdbuf);
	} else if (count > 1) {
		app_message(a, 0, "%d names start with \"%s\"", count,
		    a->cmdbuf);
	}
}

int
cmd_key(struct app *a, int key)
{
	enum cmd_kind kind = a->cmd;

	switch (key) {
	case KEY_ESCAPE: case CTRL('c'): case CTRL('g'):
		a->cmd = CMD_NONE;
		return 1;
	case '\r': case '\n': case UIKEY(KEY_ENTER): {
		char *line = xstrdup(a->cmdbuf);

		a->cmd = CMD_NONE;
		if (kind == CMD_COMMAND)
			cmd_execute(a, line);
		else if (kind == CMD_FILTER)
			set_filter(a, line);
		else if (kind == CMD_HISTORY && *line)
			sql_history_search(a, line);
		free(line);
		return 1;
	}
	case UIKEY(KEY_BACKSPACE): case 127: case CTRL('h'):
		if (a->cmdlen == 0) {
			a->cmd = CMD_NONE;
			return 1;
		}
		do
			a->cmdlen--;
		while (a->cmdlen > 0 && (a->cmdbuf[a->cmdlen] & 0xc0) == 0x80);
		a->cmdbuf[a->cmdlen] = '\0';
		return 1;
	case CTRL('u'):
		a->cmdlen = 0;
		a->cmdbuf[0] = '\0';
		return 1;
	case '\t':
		if (kind == CMD_COMMAND)
			complete_command(a);
		return 1;
	}
	if (key >= 32 && key < 0x110000 && key != 127) {
		char buf[8];
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(buf, (wchar_t)key, &st);
		if (n != (size_t)-1 && a->cmdlen + n < sizeof a->cmdbuf) {
			memcpy(a->cmdbuf + a->cmdlen, buf, n);
			a->cmdlen += n;
			a->cmdbuf[a->cmdlen] = '\0';
		}
		return 1;
	}
	return 1;	/* the prompt swallows every other key */
}

void
cmd_draw(struct app *a, WINDOW *w, int y)
{
	const char *prompt = a->cmd == CMD_COMMAND ? ":" :
	    a->cmd == CMD_FILTER ? "filter: " : "history search: ";
	int width = getmaxx(w), px, shown;
	const char *text = a->cmdbuf;

	term_put(w, y, 0, width, "", 0, 1);
	px = term_put(w, y, 0, width, prompt, term_attr(ROLE_KEY), 0);
	/* Long input scrolls so the end stays visible. */
	while (term_width(text) > width - px - 1 && *text)
		text++;
	shown = term_put(w, y, px, width - px, text, 0, 0);
	wmove(w, y, px + shown);
	curs_set(1);
}

/*
 * config.c - see config.h.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
#include "util.h"

#define CONFIG_MAX_ERRORS 20
#define CONFIG_MAX_BYTES (1 << 20)

enum setting_kind { S_COLOR, S_ASCII, S_INT, S_WINDOW, S_BOOL, S_COUNT,
    S_RANGE, S_FILTER, S_TEXT };

struct setting {
	const char       *section;
	const char       *key;
	enum setting_kind kind;
	size_t            offset;
	size_t            size;		/* for text */
	const char       *help;
};

#define FIELD(f) offsetof(struct tui_config, f), sizeof(((struct tui_config *)0)->f)

static const struct setting settings[] = {
	{ "ui", "color", S_COLOR, FIELD(color),
	  "auto, 256, 8 or none (NO_COLOR and --no-color also turn it off)" },
	{ "ui", "ascii", S_ASCII, FIELD(ascii),
	  "auto (by locale), yes (ASCII glyphs only) or no" },
	{ "ui", "refresh_ms", S_INT, FIELD(refresh_ms),
	  "how often panels re-read the store, 250..60000 ms" },
	{ "ui", "window", S_WINDOW, FIELD(window),
	  "panel window length: 1m, 15m or 1h" },
	{ "ui", "range", S_RANGE, FIELD(range),
	  "initial time range: 15m, 1h, 24h, 7d, all or FROM..TO" },
	{ "ui", "filter", S_FILTER, FIELD(filter),
	  "initial filter, e.g. action:REJECT proto:tcp" },
	{ "ui", "export_dir", S_TEXT, FIELD(export_dir),
	  "directory for CSV/JSON exports (empty: current directory)" },
	{ "alarm", "rejected_tcp_packets", S_COUNT, FIELD(alarm_rejected_tcp),
	  "alarm when rejected TCP packets in the current window exceed this "
	  "(0: off)" },
	{ "alarm", "rejected_packets", S_COUNT, FIELD(alarm_rejected_packets),
	  "alarm when rejected packets of any protocol in the current window "
	  "exceed this (0: off)" },
	{ "alarm", "bell", S_BOOL, FIELD(bell),
	  "ring the terminal bell when an alarm fires: yes or no" },
	{ "alarm", "command", S_TEXT, FIELD(alarm_command),
	  "shell command run when an alarm fires ($FLOWLENS_ALARM holds the "
	  "message)" },
};

void
config_defaults(struct tui_config *c)
{
	memset(c, 0, sizeof *c);
	c->color = -1;
	c->ascii = -1;
	c->refresh_ms = 1000;
	c->window = 900;
	snprintf(c->range, sizeof c->range, "1h");
}

static int
parse_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_long(const char *v, long long lo, long long hi, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return (end == v || *end || errno || *out < lo || *out > hi) ? -1 : 0;
}

/* Apply value v to setting s of c; NULL or the reason it is wrong. */
static const char *
apply(struct tui_config *c, const struct setting *s, const char *v)
{
	char *field = (char *)c + s->offset, *err = NULL;
	long long n;
	int64_t secs;
	int b;

	switch (s->kind) {
	case S_COLOR:
		if (!strcasecmp(v, "auto")) n = -1;
		else if (!strcasecmp(v, "none") || !strcasecmp(v, "no")) n = 0;
		else if (!strcmp(v, "8")) n = 8;
		else if (!strcmp(v, "256")) n = 256;
		else return "expected auto, 256, 8 or none";
		*(int *)field = (int)n;
		return NULL;
	case S_ASCII:
		if (!strcasecmp(v, "auto"))
			b = -1;
		else if (parse_bool(v, &b) < 0)
			return "expected auto, yes or no";
		*(int *)field = b;
		return NULL;
	case S_BOOL:
		if (parse_bool(v, &b) < 0)
			return "expected yes or no";
		*(int *)field = b;
		return NULL;
	case S_INT:
		if (parse_long(v, 250, 60000, &n) < 0)
			return "expected a number of milliseconds, 250..60000";
		*(int *)field = (int)n;
		return NULL;
	case S_COUNT:
		if (parse_long(v, 0, INT64_MAX, &n) < 0)
			return "expected a whole number >= 0";
		*(int64_t *)field = n;
		return NULL;
	case S_WINDOW:
		if (parse_duration(v, &secs) < 0 ||
		    (secs != 60 && secs != 900 && secs != 3600))
			return "expected 1m, 15m or 1h";
		*(int64_t *)field = secs;
		return NULL;
	case S_RANGE: {
		struct time_range r;

		if (range_parse(v, &r, &err) < 0) {
			free(err);
			return "expected 15m, 1h, 24h, 7d, all or FROM..TO";
		}
		break;
	}
	case S_FILTER: {
		struct filter f;

		if (filter_parse(v, &f, &err) < 0) {
			free(err);
			return "not a valid filter (e.g. action:REJECT "
			    "proto:tcp src:10.0.0.0/8 port:22)";
		}
		filter_free(&f);
		break;
	}
	case S_TEXT:
		break;
	}
	if (strlen(v) >= s->size)
		return "value too long";
	memcpy(field, v, strlen(v) + 1);
	return NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const struct setting *
find_setting(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(settings); i++)
		if (!strcmp(settings[i].section, section) &&
		    !strcmp(settings[i].key, key))
			return &settings[i];
	return NULL;
}

/* Record one problem; returns the new count. */
static int
problem(struct sbuf *errs, int count, const char *file, int line,
    const char *key, const char *why)
{
	if (count < CONFIG_MAX_ERRORS)
		sbuf_printf(errs, "%s%s:%d: key \"%.40s\": %s", count ? "\n" :
		    "", file, line, key, why);
	else if (count == CONFIG_MAX_ERRORS)
		sbuf_appends(errs, "\n(more errors not shown)");
	return count + 1;
}

/* Handle one line; returns the new problem count. */
static int
parse_line(struct tui_config *c, char *text, char *section, size_t seclen,
    const char *file, int line, struct sbuf *errs, int count)
{
	const struct setting *s;
	char *p = trim(text), *eq, *key, *value;
	const char *why;

	if (*p == '\0' || *p == '#' || *p == ';')
		return count;
	if (*p == '[') {
		char *close = strchr(p, ']');

		if (close == NULL || close[1] != '\0')
			return problem(errs, count, file, line, p,
			    "a section header is [name]");
		*close = '\0';
		p = trim(p + 1);
		if (strcmp(p, "ui") && strcmp(p, "alarm"))
			return problem(errs, count, file, line, p,
			    "unknown section (sections: [ui], [alarm])");
		snprintf(section, seclen, "%s", p);
		return count;
	}
	eq = strchr(p, '=');
	if (eq == NULL)
		return problem(errs, count, file, line, p,
		    "expected key = value");
	*eq = '\0';
	key = trim(p);
	value = trim(eq + 1);
	if (strlen(value) >= 2 && value[0] == '"' &&
	    value[strlen(value) - 1] == '"') {
		value[strlen(value) - 1] = '\0';
		value++;
	}
	s = find_setting(section, key);
	if (s == NULL)
		return problem(errs, count, file, line, key, *section ?
		    "unknown key in this section (run flowlens "
		    "--print-config to see every key)" :
		    "keys belong in a section: [ui] or [alarm]");
	why = apply(c, s, value);
	return why ? problem(errs, count, file, line, key, why) : count;
}

int
config_parse(struct tui_config *c, const char *text, const char *file,
    char **err)
{
	struct tui_config work = *c;
	struct sbuf errs = { 0 };
	char section[16] = "";
	const char *p = text;
	int line = 0, count = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *copy = xstrndup(p, n);

		line++;
		if (memchr(p, '\0', n) == NULL && strlen(copy) != n)
			count = problem(&errs, count, file, line, "",
			    "NUL byte in line");
		else
			count = parse_line(&work, copy, section,
			    sizeof section, file, line, &errs, count);
		free(copy);
		p += n;
		if (*p == '\n')
			p++;
	}
	if (count) {
		*err = errs.data;
		return -1;
	}
	*c = work;
	return 0;
}

int
config_load(struct tui_config *c, const char *path, int *found, char **err)
{
	FILE *f = fopen(path, "r");
	struct sbuf b = { 0 };
	char chunk[4096];
	size_t n;
	int rc;

	*found = 0;
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		*err = xasprintf("cannot read config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	*found = 1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
	    b.len < CONFIG_MAX_BYTES)
		sbuf_append(&b, chunk, n);
	fclose(f);
	if (b.len >= CONFIG_MAX_BYTES) {
		*err = xasprintf("%s: config file larger than 1 MB", path);
		sbuf_free(&b);
		return -1;
	}
	if (b.data == NULL)
		sbuf_appends(&b, "");
	if (strlen(b.data) != b.len) {
		*err = xasprintf("%s: config file contains a NUL byte (is it a "
		    "text file?)", path);
		sbuf_free(&b);
		return -1;
	}
	rc = config_parse(c, b.data, path, err);
	sbuf_free(&b);
	return rc;
}

char *
config_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/flowlens/flowlens.conf", xdg);
	return xasprintf("%s/.config/flowlens/flowlens.conf",
	    home && *home ? home : ".");
}

char *
config_state_path(const char *name)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return xasprintf("%s/flowlens/%s", xdg, name);
	return xasprintf("%s/.local/state/flowlens/%s", home && *home ? home :
	    ".", name);
}

static void
format_value(struct sbuf *b, const struct tui_config *c,
    const struct setting *s)
{
	const char *field = (const char *)c + s->offset;
	int v;

	switch (s->kind) {
	case S_COLOR:
		v = *(const int *)field;
		sbuf_appends(b, v < 0 ? "auto" : v == 0 ? "none" :
		    v == 8 ? "8" : "256");
		break;
	case S_ASCII:
		v = *(const int *)field;
		sbuf_appends(b, v < 0 ? "auto" : v ? "yes" : "no");
		break;
	case S_BOOL:
		sbuf_appends(b, *(const int *)field ? "yes" : "no");
		break;
	case S_INT:
		sbuf_printf(b, "%d", *(const int *)field);
		break;
	case S_COUNT:
		sbuf_printf(b, "%lld", (long long)*(const int64_t *)field);
		break;
	case S_WINDOW:
		v = (int)*(const int64_t *)field;
		sbuf_appends(b, v == 60 ? "1m" : v == 900 ? "15m" : "1h");
		break;
	default:
		/* Quoted, so that leading/trailing blanks and quotes survive
		 * a round trip (the parser removes one pair of quotes). */
		sbuf_printf(b, "\"%s\"", field);
		break;
	}
}

char *
config_format(const struct tui_config *c)
{
	struct sbuf b = { 0 };
	const char *section = "";
	size_t i;

	for (i = 0; i < ARRAY_LEN(settings); i++) {
		const struct setting *s = &settings[i];

		if (strcmp(section, s->section)) {
			sbuf_printf(&b, "%s[%s]\n", *section ? "\n" : "",
			    s->section);
			section = s->section;
		}
		sbuf_printf(&b, "# %s\n%s = ", s->help, s->key);
		format_value(&b, c, s);
		sbuf_appendc(&b, '\n');
	}
	return b.data;
}

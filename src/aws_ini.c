/*
 * aws_ini.c - see aws_ini.h.
 */
#include "aws_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Largest file read: real ones are a few kilobytes. */
#define INI_MAX_BYTES (4 * 1024 * 1024)

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static void
problem(struct aws_ini *ini, const char *name, int line, const char *why)
{
	if (ini->problems++ == 0)
		ini->problem = xasprintf("%s:%d: %s", name, line, why);
}

static void
add_entry(struct aws_ini *ini, const char *section, const char *key,
    size_t key_len, const char *value, size_t value_len, int line)
{
	struct aws_ini_entry *e;
	size_t i;

	if (ini->n == ini->cap) {
		ini->cap = ini->cap ? ini->cap * 2 : 16;
		ini->entries = xrealloc(ini->entries,
		    ini->cap * sizeof *ini->entries);
	}
	e = &ini->entries[ini->n++];
	e->section = xstrdup(section);
	e->key = xstrndup(key, key_len);
	for (i = 0; e->key[i]; i++)
		e->key[i] = (char)tolower((unsigned char)e->key[i]);
	e->value = xstrndup(value, value_len);
	e->line = line;
}

/*
 * One line (without its newline).  section is the current section name or
 * NULL before the first one; outer is the key that opened a nested block
 * (empty when none).
 */
static void
parse_line(struct aws_ini *ini, const char *name, int lineno, const char *s,
    size_t n, char **section, char *outer, size_t outer_cap)
{
	int indented = n > 0 && (s[0] == ' ' || s[0] == '\t');
	const char *eq, *key, *value;
	size_t key_len, value_len;

	trim(&s, &n);
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return;
	if (s[0] == '[') {
		if (s[n - 1] != ']' || n < 3) {
			problem(ini, name, lineno, "a section header must be "
			    "[name]");
			return;
		}
		s++;
		n -= 2;
		trim(&s, &n);
		if (n == 0 || memchr(s, '\0', n)) {
			problem(ini, name, lineno, "empty section name");
			return;
		}
		free(*section);
		*section = xstrndup(s, n);
		outer[0] = '\0';
		return;
	}
	eq = memchr(s, '=', n);
	if (eq == NULL) {
		problem(ini, name, lineno, "expected \"key = value\"");
		return;
	}
	if (*section == NULL) {
		problem(ini, name, lineno, "setting before the first "
		    "[section]");
		return;
	}
	key = s;
	key_len = (size_t)(eq - s);
	value = eq + 1;
	value_len = n - key_len - 1;
	trim(&key, &key_len);
	trim(&value, &value_len);
	if (key_len == 0 || memchr(key, '\0', key_len) ||
	    memchr(value, '\0', value_len)) {
		problem(ini, name, lineno, key_len == 0 ? "missing key before "
		    "\"=\"" : "NUL byte in a setting");
		return;
	}
	if (indented && outer[0] != '\0') {
		char nested[512];
		int len = snprintf(nested, sizeof nested, "%s.%.*s", outer,
		    (int)key_len, key);

		if (len < 0 || (size_t)len >= sizeof nested) {
			problem(ini, name, lineno, "key too long");
			return;
		}
		add_entry(ini, *section, nested, (size_t)len, value, value_len,
		    lineno);
		return;
	}
	outer[0] = '\0';
	if (value_len == 0 && key_len < outer_cap) {
		/* May open a nested block ("cloudwatch_logs =" + indented). */
		memcpy(outer, key, key_len);
		outer[key_len] = '\0';
	}
	add_entry(ini, *section, key, key_len, value, value_len, lineno);
}

void
aws_ini_parse(struct aws_ini *ini, const char *name, const char *text,
    size_t len)
{
	char *section = NULL, outer[256] = "";
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		lineno++;
		parse_line(ini, name, lineno, text + pos, end - pos, &section,
		    outer, sizeof outer);
		pos = end + 1;
	}
	free(section);
}

int
aws_ini_load(struct aws_ini *ini, const char *path, char **err)
{
	FILE *f = fopen(path, "rb");
	char *text;
	size_t n;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	text = xmalloc(INI_MAX_BYTES);
	n = fread(text, 1, INI_MAX_BYTES, f);
	if (ferror(f) || n == INI_MAX_BYTES) {
		*err = xasprintf("cannot read %s: %s", path, ferror(f) ?
		    strerror(errno) : "larger than 4 MB");
		fclose(f);
		explicit_bzero(text, n);
		free(text);
		return -1;
	}
	fclose(f);
	aws_ini_parse(ini, path, text, n);
	explicit_bzero(text, n);
	free(text);
	return 1;
}

const char *
aws_ini_get(const struct aws_ini *ini, const char *section, const char *key)
{
	size_t i = ini->n;

	while (i-- > 0)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return ini->entries[i].value;
	return NULL;
}

int
aws_ini_has_section(const struct aws_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->entries[i].section, section) == 0)
			return 1;
	return 0;
}

void
aws_ini_free(struct aws_ini *ini)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
		free_secret(ini->entries[i].value);
	}
	free(ini->entries);
	free(ini->problem);
	memset(ini, 0, sizeof *ini);
}

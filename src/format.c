/*
 * format.c - see format.h.
 */
#include "format.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Add one field name to a format under construction. */
static int
format_add(struct flow_format *f, struct sbuf *spec, const char *name,
    size_t len, char **err)
{
	const struct field_def *def;
	char *key;
	size_t k;
	int i;

	if (!field_name_valid(name, len)) {
		*err = xasprintf("\"%.*s\" is not a field name (names are "
		    "lower-case letters, digits and hyphens, like srcaddr or "
		    "log-status)", (int)(len > 80 ? 80 : len), name);
		return -1;
	}
	if (f->nfields == FORMAT_MAX_FIELDS) {
		*err = xasprintf("a format has at most %d fields",
		    FORMAT_MAX_FIELDS);
		return -1;
	}
	/* Column / JSON key: hyphens become underscores. */
	key = xstrndup(name, len);
	for (k = 0; k < len; k++)
		if (key[k] == '-')
			key[k] = '_';
	for (i = 0; i < f->nfields; i++) {
		const char *other = f->def[i] ? f->def[i]->column : f->key[i];

		if (strcmp(other, key) == 0) {
			*err = xasprintf("field \"%.*s\" appears twice",
			    (int)len, name);
			free(key);
			return -1;
		}
	}
	def = field_lookup(name, len);
	f->def[f->nfields] = def;
	f->key[f->nfields] = def ? NULL : key;
	if (def)
		free(key);
	f->nfields++;
	if (spec->len)
		sbuf_appendc(spec, ' ');
	sbuf_append(spec, name, len);
	return 0;
}

int
format_parse(const char *text, struct flow_format *out, char **err)
{
	struct flow_format f;
	struct sbuf spec = { 0 };
	const char *p = text;

	memset(&f, 0, sizeof f);
	for (;;) {
		const char *tok, *name;
		size_t len, nlen;

		while (is_space(*p))
			p++;
		if (*p == '\0')
			break;
		tok = p;
		while (*p && !is_space(*p))
			p++;
		len = (size_t)(p - tok);
		name = tok;
		nlen = len;
		while (nlen > 0 && *name == '$') {
			name++;
			nlen--;
		}
		if (name != tok) {
			if (nlen < 2 || name[0] != '{' || name[nlen - 1] != '}') {
				*err = xasprintf("\"%.*s\" is not a ${field} "
				    "token", (int)(len > 80 ? 80 : len), tok);
				goto fail;
			}
			name++;
			nlen -= 2;
		}
		if (format_add(&f, &spec, name, nlen, err) < 0)
			goto fail;
	}
	if (f.nfields == 0) {
		*err = xstrdup("the format is empty: give at least one field, "
		    "e.g. '${version} ${account-id} ...'");
		goto fail;
	}
	f.spec = spec.data;
	*out = f;
	return 0;
fail:
	sbuf_free(&spec);
	format_free(&f);
	return -1;
}

int
format_is_header(const char *line, size_t len)
{
	size_t i = 0;
	int known = 0;

	while (i < len) {
		size_t start;

		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		start = i;
		/* A header token starts with a lower-case letter. */
		if (line[i] < 'a' || line[i] > 'z')
			return 0;
		while (i < len && !is_space(line[i]))
			i++;
		if (!field_name_valid(line + start, i - start))
			return 0;
		if (!known && field_lookup(line + start, i - start))
			known = 1;
	}
	return known;
}

int
format_from_header(const char *line, size_t len, struct flow_format *out)
{
	char *copy, *err = NULL;
	int rc;

	if (!format_is_header(line, len))
		return 0;
	copy = xstrndup(line, len);
	rc = format_parse(copy, out, &err);
	free(copy);
	free(err);
	return rc == 0;
}

void
format_copy(struct flow_format *dst, const struct flow_format *src)
{
	int i;

	*dst = *src;
	dst->spec = src->spec ? xstrdup(src->spec) : NULL;
	for (i = 0; i < src->nfields; i++)
		dst->key[i] = src->key[i] ? xstrdup(src->key[i]) : NULL;
}

void
format_free(struct flow_format *f)
{
	int i;

	for (i = 0; i < f->nfields; i++)
		free(f->key[i]);
	free(f->spec);
	memset(f, 0, sizeof *f);
}

int
format_equal(const struct flow_format *a, const struct flow_format *b)
{
	if (a->spec == NULL || b->spec == NULL)
		return a->spec == b->spec;
	return strcmp(a->spec, b->spec) == 0;
}

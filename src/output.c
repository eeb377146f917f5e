/*
 * output.c - see output.h.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct output {
	enum output_mode mode;
	FILE            *out;
	char            *null_text;
	int              failed;
	int              sets;		/* result sets printed */
	/* table mode */
	int              ncols;
	char           **names;
	int             *width;
	char          ***sample;	/* buffered rows (cells, NULL = null) */
	int             *sample_type;	/* per cell sqlite type, row-major */
	size_t           nsample;
	int              streaming;	/* widths fixed, rows printed directly */
	/* json mode */
	int64_t          rows;
};

int
output_mode_parse(const char *name)
{
	if (strcmp(name, "table") == 0)
		return OUTPUT_TABLE;
	if (strcmp(name, "csv") == 0)
		return OUTPUT_CSV;
	if (strcmp(name, "tsv") == 0)
		return OUTPUT_TSV;
	if (strcmp(name, "json") == 0)
		return OUTPUT_JSON;
	return -1;
}

struct output *
output_new(enum output_mode mode, FILE *out, const char *null_text)
{
	struct output *o = xcalloc(1, sizeof *o);

	o->mode = mode;
	o->out = out;
	if (null_text)
		o->null_text = xstrdup(null_text);
	else
		o->null_text = xstrdup(mode == OUTPUT_TABLE ? "NULL" : "");
	return o;
}

static void
free_table(struct output *o)
{
	size_t r;
	int c;

	for (r = 0; r < o->nsample; r++) {
		for (c = 0; c < o->ncols; c++)
			free(o->sample[r][c]);
		free(o->sample[r]);
	}
	for (c = 0; c < o->ncols; c++)
		free(o->names[c]);
	free(o->sample);
	free(o->sample_type);
	free(o->names);
	free(o->width);
	o->sample = NULL;
	o->sample_type = NULL;
	o->names = NULL;
	o->width = NULL;
	o->nsample = 0;
	o->ncols = 0;
	o->streaming = 0;
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	free_table(o);
	free(o->null_text);
	free(o);
}

int
output_failed(const struct output *o)
{
	return o->failed;
}

static void
put(struct output *o, const char *s, size_t n)
{
	if (n && fwrite(s, 1, n, o->out) != n)
		o->failed = 1;
}

static void
puts_(struct output *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Display width of UTF-8 text: count code points, not bytes. */
static int
text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* Cell text for the table: control characters shown as '?'. */
static char *
cell_text(sqlite3_stmt *st, int c)
{
	const unsigned char *t;
	char *s;
	size_t i;

	if (sqlite3_column_type(st, c) == SQLITE_BLOB) {
		const unsigned char *p = sqlite3_column_blob(st, c);
		int n = sqlite3_column_bytes(st, c), k;
		struct sbuf b = { 0 };

		sbuf_appends(&b, "x'");
		for (k = 0; k < n && k < 64; k++)
			sbuf_printf(&b, "%02x", p[k]);
		sbuf_appends(&b, n > 64 ? "...'" : "'");
		return b.data;
	}
	t = sqlite3_column_text(st, c);
	s = xstrdup(t ? (const char *)t : "");
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20)
			s[i] = '?';
	return s;
}

static void
table_print_row(struct output *o, char **cells, const int *types)
{
	int c;

	for (c = 0; c < o->ncols; c++) {
		const char *v = cells[c] ? cells[c] : o->null_text;
		int pad = o->width[c] - text_width(v);
		int right = cells[c] && (types[c] == SQLITE_INTEGER ||
		    types[c] == SQLITE_FLOAT);

		if (c)
			puts_(o, "  ");
		if (right)
			while (pad-- > 0)
				puts_(o, " ");
		puts_(o, v);
		if (!right && c < o->ncols - 1)
			while (pad-- > 0)
				puts_(o, " ");
	}
	puts_(o, "\n");
}

static void
table_flush_sample(struct output *o)
{
	size_t r;
	int c;

	if (o->sets++ > 0)
		puts_(o, "\n");
	for (c = 0; c < o->ncols; c++) {
		int pad = o->width[c] - text_width(o->names[c]);

		if (c)
			puts_(o, "  ");
		puts_(o, o->names[c]);
		if (c < o->ncols - 1)
			while (pad-- > 0)
				puts_(o, " ");
	}
	puts_(o, "\n");
	for (c = 0; c < o->ncols; c++) {
		int k;

		if (c)
			puts_(o, "  ");
		for (k = 0; k < o->width[c]; k++)
			puts_(o, "-");
	}
	puts_(o, "\n");
	for (r = 0; r < o->nsample; r++)
		table_print_row(o, o->sample[r],
		    o->sample_type + r * (size_t)o->ncols);
	o->streaming = 1;
}

static int
table_begin(struct output *o, sqlite3_stmt *st)
{
	int c;

	free_table(o);
	o->ncols = sqlite3_column_count(st);
	o->names = xcalloc((size_t)o->ncols, sizeof *o->names);
	o->width = xcalloc((size_t)o->ncols, sizeof *o->width);
	for (c = 0; c < o->ncols; c++) {
		o->names[c] = xstrdup(sqlite3_column_name(st, c));
		o->width[c] = text_width(o->names[c]);
	}
	o->sample = xcalloc(OUTPUT_TABLE_SAMPLE, sizeof *o->sample);
	o->sample_type = xcalloc((size_t)OUTPUT_TABLE_SAMPLE *
	    (size_t)o->ncols, sizeof *o->sample_type);
	return 0;
}

static int
table_row(struct output *o, sqlite3_stmt *st)
{
	char **cells = xcalloc((size_t)o->ncols, sizeof *cells);
	int *types, c;

	if (o->streaming) {
		int row_types[64];

		types = o->ncols <= 64 ? row_types :
		    xcalloc((size_t)o->ncols, sizeof *types);
		for (c = 0; c < o->ncols; c++) {
			types[c] = sqlite3_column_type(st, c);
			cells[c] = types[c] == SQLITE_NULL ? NULL :
			    cell_text(st, c);
		}
		table_print_row(o, cells, types);
		for (c = 0; c < o->ncols; c++)
			free(cells[c]);
		free(cells);
		if (types != row_types)
			free(types);
		return o->failed;
	}
	types = o->sample_type + o->nsample * (size_t)o->ncols;
	for (c = 0; c < o->ncols; c++) {
		const char *shown;
		int w;

		types[c] = sqlite3_column_type(st, c);
		cells[c] = types[c] == SQLITE_NULL ? NULL : cell_text(st, c);
		shown = cells[c] ? cells[c] : o->null_text;
		w = text_width(shown);
		if (w > o->width[c])
			o->width[c] = w;
	}
	o->sample[o->nsample++] = cells;
	if (o->nsample == OUTPUT_TABLE_SAMPLE)
		table_flush_sample(o);
	return o->failed;
}

static void
table_end(struct output *o)
{
	if (!o->streaming)
		table_flush_sample(o);
	free_table(o);
}

static void
csv_field(struct output *o, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ') ||
	    (s[0] && s[strlen(s) - 1] == ' ');

	if (!quote) {
		puts_(o, s);
		return;
	}
	puts_(o, "\"");
	for (; *s; s++) {
		if (*s == '"')
			puts_(o, "\"");
		put(o, s, 1);
	}
	puts_(o, "\"");
}

static void
tsv_field(struct output *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': puts_(o, "\\t"); break;
		case '\n': puts_(o, "\\n"); break;
		case '\r': puts_(o, "\\r"); break;
		case '\\': puts_(o, "\\\\"); break;
		default: put(o, s, 1);
		}
	}
}

static void
delimited_value(struct output *o, sqlite3_stmt *st, int c)
{
	const char *v;
	char *blob = NULL;

	if (sqlite3_column_type(st, c) == SQLITE_NULL)
		v = o->null_text;
	else if (sqlite3_column_type(st, c) == SQLITE_BLOB)
		v = blob = cell_text(st, c);
	else
		v = (const char *)sqlite3_column_text(st, c);
	if (o->mode == OUTPUT_CSV)
		csv_field(o, v ? v : "");
	else
		tsv_field(o, v ? v : "");
	free(blob);
}

static int
delimited_begin(struct output *o, sqlite3_stmt *st)
{
	int c, n = sqlite3_column_count(st);
	const char *sep = o->mode == OUTPUT_CSV ? "," : "\t";

	if (o->sets++ > 0)
		puts_(o, "\n");
	for (c = 0; c < n; c++) {
		if (c)
			puts_(o, sep);
		if (o->mode == OUTPUT_CSV)
			csv_field(o, sqlite3_column_name(st, c));
		else
			tsv_field(o, sqlite3_column_name(st, c));
	}
	puts_(o, o->mode == OUTPUT_CSV ? "\r\n" : "\n");
	return o->failed;
}

static int
delimited_row(struct output *o, sqlite3_stmt *st)
{
	int c, n = sqlite3_column_count(st);

	for (c = 0; c < n; c++) {
		if (c)
			puts_(o, o->mode == OUTPUT_CSV ? "," : "\t");
		delimited_value(o, st, c);
	}
	puts_(o, o->mode == OUTPUT_CSV ? "\r\n" : "\n");
	return o->failed;
}

static void
json_string(struct output *o, const char *s, size_t n)
{
	struct sbuf b = { 0 };

	sbuf_appendc(&b, '"');
	sbuf_append_json_string(&b, s, n);
	sbuf_appendc(&b, '"');
	put(o, b.data, b.len);
	sbuf_free(&b);
}

static int
json_begin(struct output *o, sqlite3_stmt *st)
{
	(void)st;
	if (o->sets++ > 0)
		puts_(o, "\n");
	puts_(o, "[");
	o->rows = 0;
	return o->failed;
}

static int
json_row(struct output *o, sqlite3_stmt *st)
{
	int c, n = sqlite3_column_count(st);
	char num[64];

	puts_(o, o->rows++ ? ",\n{" : "\n{");
	for (c = 0; c < n; c++) {
		const char *name = sqlite3_column_name(st, c);

		if (c)
			puts_(o, ",");
		json_string(o, name, strlen(name));
		puts_(o, ":");
		switch (sqlite3_column_type(st, c)) {
		case SQLITE_NULL:
			puts_(o, "null");
			break;
		case SQLITE_INTEGER:
			put(o, num, fmt_int64(num, sqlite3_column_int64(st, c)));
			break;
		case SQLITE_FLOAT:
			snprintf(num, sizeof num, "%.17g",
			    sqlite3_column_double(st, c));
			puts_(o, strpbrk(num, "ni") ? "null" : num);
			break;
		case SQLITE_BLOB: {
			char *hex = cell_text(st, c);

			json_string(o, hex, strlen(hex));
			free(hex);
			break;
		}
		default:
			json_string(o, (const char *)sqlite3_column_text(st, c),
			    (size_t)sqlite3_column_bytes(st, c));
		}
	}
	puts_(o, "}");
	return o->failed;
}

static void
json_end(struct output *o)
{
	puts_(o, o->rows ? "\n]\n" : "]\n");
}

static int
sink_begin(void *arg, sqlite3_stmt *st)
{
	struct output *o = arg;

	switch (o->mode) {
	case OUTPUT_TABLE: return table_begin(o, st);
	case OUTPUT_JSON: return json_begin(o, st);
	default: return delimited_begin(o, st);
	}
}

static int
sink_row(void *arg, sqlite3_stmt *st)
{
	struct output *o = arg;

	switch (o->mode) {
	case OUTPUT_TABLE: return table_row(o, st);
	case OUTPUT_JSON: return json_row(o, st);
	default: return delimited_row(o, st);
	}
}

static void
sink_end(void *arg)
{
	struct output *o = arg;

	if (o->mode == OUTPUT_TABLE)
		table_end(o);
	else if (o->mode == OUTPUT_JSON)
		json_end(o);
	fflush(o->out);
}

void
output_sink(struct output *o, struct query_sink *sink)
{
	sink->arg = o;
	sink->begin = sink_begin;
	sink->row = sink_row;
	sink->end = sink_end;
}

/*
 * grid.c - see grid.h.
 */
#include "grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "util.h"

#define CELL_MAX_WIDTH 40

void
grid_tab_free(struct result_tab *t)
{
	qresult_free(t->r);
	free(t->order);
	memset(t, 0, sizeof *t);
}

int64_t
grid_row_index(const struct result_tab *t, int64_t display)
{
	return t->order ? t->order[display] : display;
}

static int
is_time_column(const char *name)
{
	static const char *const parts[] = { "start", "end", "time", "seen",
	    "_at" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(parts); i++)
		if (strcasestr(name, parts[i]))
			return 1;
	return 0;
}

/* Text of a cell as shown (NULL, readable times). */
const char *
grid_cell_text(const struct result_tab *t, int readable_times, int64_t row,
    int col, char *buf, size_t len)
{
	int64_t at = grid_row_index(t, row) * t->r->ncols + col;
	const char *text = t->r->cells[at];

	if (text == NULL)
		return "NULL";
	if (readable_times && t->r->kinds[at] == QCELL_INT &&
	    is_time_column(t->r->colnames[col])) {
		long long v = atoll(text);

		if (v >= 946684800LL && v < 4102444800LL && len >= 20) {
			fmt_utc(buf, v);
			return buf;
		}
	}
	return text;
}

static int
column_width(const struct result_tab *t, int readable_times, int col)
{
	char buf[32];
	int64_t i, n = t->r->nrows < 200 ? t->r->nrows : 200;
	int w = term_width(t->r->colnames[col]) + 2;

	for (i = 0; i < n; i++) {
		int cw = term_width(grid_cell_text(t, readable_times, i, col, buf, sizeof buf));

		if (cw > w)
			w = cw;
	}
	return w > CELL_MAX_WIDTH ? CELL_MAX_WIDTH : w;
}

int
grid_is_numeric(unsigned char k)
{
	return k == QCELL_INT || k == QCELL_REAL;
}

static int
compare_rows(const void *pa, const void *pb, void *arg)
{
	const struct result_tab *t = arg;
	int64_t ra = *(const int64_t *)pa, rb = *(const int64_t *)pb;
	int64_t ia = ra * t->r->ncols + t->sort_col;
	int64_t ib = rb * t->r->ncols + t->sort_col;
	const char *x = t->r->cells[ia], *y = t->r->cells[ib];
	int c;

	if (x == NULL || y == NULL)
		c = (x != NULL) - (y != NULL);
	else if (grid_is_numeric(t->r->kinds[ia]) &&
	    grid_is_numeric(t->r->kinds[ib])) {
		double dx = strtod(x, NULL), dy = strtod(y, NULL);

		c = (dx > dy) - (dx < dy);
	} else {
		c = strcmp(x, y);
	}
	if (c == 0)
		c = (ra > rb) - (ra < rb);	/* stable */
	return t->sort_desc ? -c : c;
}

void
grid_sort(struct result_tab *t)
{
	int64_t i;

	/* Cycle: query order -> ascending -> descending -> query order. */
	if (t->sort_col != t->col) {
		t->sort_col = t->col;
		t->sort_desc = 0;
	} else if (!t->sort_desc) {
		t->sort_desc = 1;
	} else {
		t->sort_col = -1;
	}
	free(t->order);
	t->order = NULL;
	if (t->sort_col < 0)
		return;
	t->order = xmalloc((size_t)(t->r->nrows + 1) * sizeof *t->order);
	for (i = 0; i < t->r->nrows; i++)
		t->order[i] = i;
	qsort_r(t->order, (size_t)t->r->nrows, sizeof *t->order, compare_rows,
	    t);
}

void
grid_draw(struct result_tab *t, int readable_times, int focused, WINDOW *w,
    int y, int x, int height, int width)
{
	char buf[32];
	int col, cx, row;

	if (t == NULL) {
		term_put(w, y, x + 1, width - 1, "No results yet.  Type SQL "
		    "above and press F5 (or Ctrl-R); 1-9 run canned queries.",
		    term_attr(ROLE_DIM), 0);
		return;
	}
	if (t->r->ncols == 0) {
		term_put(w, y, x + 1, width - 1, "The statement returned no "
		    "columns.", term_attr(ROLE_DIM), 0);
		return;
	}
	/* Keep the selection on screen. */
	if (t->row < t->top)
		t->top = t->row;
	if (t->row >= t->top + height - 1)
		t->top = t->row - (height - 2);
	if (t->col < t->left)
		t->left = t->col;
	for (;;) {	/* scroll right until the selected column fits */
		int used = 2;

		for (col = t->left; col <= t->col; col++)
			used += column_width(t, readable_times, col) + 1;
		if (used <= width || t->left == t->col)
			break;
		t->left++;
	}
	term_put(w, y, x, width, "", term_attr(ROLE_HEADER), 1);
	cx = x + 2;
	for (col = t->left; col < t->r->ncols && cx < x + width; col++) {
		int cw = column_width(t, readable_times, col);
		char head[96];

		snprintf(head, sizeof head, "%s%s", t->r->colnames[col],
		    t->sort_col == col ? term_glyph(t->sort_desc ? G_DOWN :
		    G_UP) : "");
		term_put(w, y, cx, cw < x + width - cx ? cw : x + width - cx,
		    head, term_attr(ROLE_HEADER) | (col == t->col &&
		    focused ? A_REVERSE : 0), 1);
		cx += cw + 1;
	}
	for (row = 0; row < height - 1 && t->top + row < t->r->nrows; row++) {
		int64_t r = t->top + row;
		int selected = r == t->row;
		attr_t attr = selected ? term_attr(ROLE_SELECT) : 0;

		term_put(w, y + 1 + row, x, width, selected ?
		    term_glyph(G_CURSOR) : " ", attr, 1);
		cx = x + 2;
		for (col = t->left; col < t->r->ncols && cx < x + width;
		    col++) {
			int cw = column_width(t, readable_times, col), tw, avail;
			const char *text = grid_cell_text(t,
			    readable_times, r, col, buf, sizeof buf);
			unsigned char kind = t->r->kinds[grid_row_index(t, r) *
			    t->r->ncols + col];

			avail = cw < x + width - cx ? cw : x + width - cx;
			tw = term_width(text);
			if (grid_is_numeric(kind) && tw < avail)
				term_put(w, y + 1 + row, cx + avail - tw, tw,
				    text, attr, 0);
			else
				term_put(w, y + 1 + row, cx, avail, text,
				    kind == QCELL_NULL ? attr | term_attr(ROLE_DIM)
				    : attr, 0);
			cx += cw + 1;
		}
	}
}

int
grid_draw_detail(const struct result_tab *t, int readable_times, WINDOW *w,
    int top, int height)
{
	int width = getmaxx(w), bw = width > 84 ? 80 : width - 4, bx, i, y;
	char buf[32], line[512];

	if (t == NULL || t->r->nrows == 0 || bw < 20)
		return -1;
	bx = (width - bw) / 2;
	y = top + 1;
	term_printf(w, y++, bx, bw, term_attr(ROLE_TITLE), " Row %lld of %lld "
	    "(Esc closes) ", (long long)t->row + 1, (long long)t->r->nrows);
	for (i = 0; i < t->r->ncols && y < top + height - 1; i++, y++) {
		snprintf(line, sizeof line, " %-22.22s %s", t->r->colnames[i],
		    grid_cell_text(t, readable_times, t->row, i, buf,
		    sizeof buf));
		term_put(w, y, bx, bw, line, term_attr(ROLE_SELECT), 1);
	}
	term_put(w, y, bx, bw, "", term_attr(ROLE_SELECT), 1);
	return 0;
}

static void
csv_field(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void
grid_write_csv(FILE *f, const struct result_tab *t)
{
	int64_t r;
	int c;

	for (c = 0; c < t->r->ncols; c++) {
		if (c)
			fputc(',', f);
		csv_field(f, t->r->colnames[c]);
	}
	fputs("\r\n", f);
	for (r = 0; r < t->r->nrows; r++) {
		for (c = 0; c < t->r->ncols; c++) {
			if (c)
				fputc(',', f);
			csv_field(f, t->r->cells[grid_row_index(t, r) * t->r->ncols +
			    c]);
		}
		fputs("\r\n", f);
	}
}

void
grid_write_json(FILE *f, const struct result_tab *t)
{
	struct sbuf b = { 0 };
	int64_t r;
	int c;

	fputs("[\n", f);
	for (r = 0; r < t->r->nrows; r++) {
		sbuf_reset(&b);
		sbuf_appends(&b, r ? ",\n  {" : "  {");
		for (c = 0; c < t->r->ncols; c++) {
			int64_t at = grid_row_index(t, r) * t->r->ncols + c;
			const char *v = t->r->cells[at];

			sbuf_appends(&b, c ? ", \"" : "\"");
			sbuf_append_json_string(&b, t->r->colnames[c],
			    strlen(t->r->colnames[c]));
			sbuf_appends(&b, "\": ");
			if (v == NULL) {
				sbuf_appends(&b, "null");
			} else if (grid_is_numeric(t->r->kinds[at]) &&
			    strspn(v, "0123456789-+.eE") == strlen(v)) {
				sbuf_appends(&b, v);
			} else {
				sbuf_appendc(&b, '"');
				sbuf_append_json_string(&b, v, strlen(v));
				sbuf_appendc(&b, '"');
			}
		}
		sbuf_appendc(&b, '}');
		fputs(b.data, f);
	}
	fputs(t->r->nrows ? "\n]\n" : "]\n", f);
	sbuf_free(&b);
}


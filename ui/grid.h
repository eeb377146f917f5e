/*
 * grid.h - the SQL pane's result tabs: the grid view (sticky header,
 * scrolling, sort, readable epoch times, row detail) and CSV/JSON export
 * of a kept result.  UI thread only.
 */
#ifndef FLOWLENS_UI_GRID_H
#define FLOWLENS_UI_GRID_H

#include <stdint.h>
#include <stdio.h>

#include <curses.h>

#include "app.h"

/* Free a tab's result and sort order and clear it. */
void grid_tab_free(struct result_tab *t);

/* The result row shown at display position `display` (after sorting). */
int64_t grid_row_index(const struct result_tab *t, int64_t display);

/* 1 for integer and real cells (right-aligned, compared as numbers). */
int grid_is_numeric(unsigned char kind);

/*
 * The text of a cell as shown: "NULL", or with readable_times an epoch
 * integer in a time-like column as "YYYY-MM-DD HH:MM:SS" (in buf, >= 20
 * bytes).  The pointer is valid while the result and buf are.
 */
const char *grid_cell_text(const struct result_tab *t, int readable_times,
    int64_t row, int col, char *buf, size_t len);

/* Sort by the selected column: query order -> ascending -> descending. */
void grid_sort(struct result_tab *t);

/* Draw tab t (or a hint when NULL) in the given rectangle of w; keeps the
 * selected row and column on screen.  focused highlights the column. */
void grid_draw(struct result_tab *t, int readable_times, int focused,
    WINDOW *w, int y, int x, int height, int width);

/* Draw the selected row as a column: value list; -1 if there is none or
 * no room. */
int grid_draw_detail(const struct result_tab *t, int readable_times,
    WINDOW *w, int top, int height);

/* Write the tab's rows (in display order) as CSV (RFC 4180, CRLF) or as a
 * JSON array of objects (numbers as numbers, NULL as null). */
void grid_write_csv(FILE *f, const struct result_tab *t);
void grid_write_json(FILE *f, const struct result_tab *t);

#endif

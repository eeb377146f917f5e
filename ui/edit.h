/*
 * edit.h - a multi-line text buffer with a cursor and undo: the SQL pane's
 * editor model.  No terminal code: the screen draws it, tests drive it.
 * Positions are byte offsets into UTF-8 text; cursor moves step over whole
 * characters.  UI thread only.
 */
#ifndef FLOWLENS_UI_EDIT_H
#define FLOWLENS_UI_EDIT_H

#include <stddef.h>

#define EDIT_UNDO_DEPTH 200

struct edit_state {
	char  *text;
	size_t cursor;
};

struct editor {
	char  *text;		/* NUL-terminated, owned */
	size_t len;
	size_t cap;
	size_t cursor;		/* byte offset, at a character boundary */
	size_t goal_col;	/* column kept across up/down moves */
	struct edit_state undo[EDIT_UNDO_DEPTH];
	int    nundo;
	int    last_was_typing;	/* coalesce runs of typed characters */
};

void edit_init(struct editor *e);
void edit_free(struct editor *e);

/* Replace the whole text (undoable); cursor at the end. */
void edit_set(struct editor *e, const char *text);

/* Insert bytes at the cursor; typing=1 groups consecutive inserts into one
 * undo step. */
void edit_insert(struct editor *e, const char *s, size_t n, int typing);

void edit_backspace(struct editor *e);
void edit_delete(struct editor *e);
void edit_kill_line(struct editor *e);	/* to end of line (Ctrl-K) */
void edit_left(struct editor *e);
void edit_right(struct editor *e);
void edit_up(struct editor *e);
void edit_down(struct editor *e);
void edit_home(struct editor *e);
void edit_end(struct editor *e);

/* Undo the last change; 0, or -1 when there is nothing to undo. */
int edit_undo(struct editor *e);

/* Line (0-based) and column (characters) of the cursor. */
void edit_cursor_pos(const struct editor *e, int *line, int *col);

/* Move the cursor to line, column (0-based, clamped). */
void edit_goto(struct editor *e, int line, int col);

/* The word (identifier characters) that ends at the cursor: *start is its
 * byte offset; returns its length (0 if none). */
size_t edit_word_before(const struct editor *e, size_t *start);

#endif

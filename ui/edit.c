/*
 * edit.c - see edit.h.
 */
#include "edit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

void
edit_init(struct editor *e)
{
	memset(e, 0, sizeof *e);
	e->cap = 64;
	e->text = xcalloc(1, e->cap);
}

void
edit_free(struct editor *e)
{
	int i;

	for (i = 0; i < e->nundo; i++)
		free(e->undo[i].text);
	free(e->text);
	memset(e, 0, sizeof *e);
}

static void
push_undo(struct editor *e)
{
	if (e->nundo == EDIT_UNDO_DEPTH) {
		free(e->undo[0].text);
		memmove(e->undo, e->undo + 1, (EDIT_UNDO_DEPTH - 1) *
		    sizeof e->undo[0]);
		e->nundo--;
	}
	e->undo[e->nundo].text = xstrdup(e->text);
	e->undo[e->nundo].cursor = e->cursor;
	e->nundo++;
}

/* Remember the state before a change (typing runs share one step). */
static void
before_change(struct editor *e, int typing)
{
	if (!(typing && e->last_was_typing))
		push_undo(e);
	e->last_was_typing = typing;
}

static void
reserve(struct editor *e, size_t extra)
{
	if (e->len + extra + 1 <= e->cap)
		return;
	while (e->len + extra + 1 > e->cap)
		e->cap *= 2;
	e->text = xrealloc(e->text, e->cap);
}

static void
set_text(struct editor *e, const char *text)
{
	size_t n = strlen(text);

	e->len = 0;
	reserve(e, n);
	memcpy(e->text, text, n + 1);
	e->len = n;
}

void
edit_set(struct editor *e, const char *text)
{
	before_change(e, 0);
	set_text(e, text);
	e->cursor = e->len;
}

void
edit_insert(struct editor *e, const char *s, size_t n, int typing)
{
	before_change(e, typing && !(n == 1 && s[0] == '\n'));
	reserve(e, n);
	memmove(e->text + e->cursor + n, e->text + e->cursor,
	    e->len - e->cursor + 1);
	memcpy(e->text + e->cursor, s, n);
	e->len += n;
	e->cursor += n;
}

static size_t
prev_char(const struct editor *e, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && is_continuation((unsigned char)e->text[at]))
		at--;
	return at;
}

static size_t
next_char(const struct editor *e, size_t at)
{
	if (at >= e->len)
		return e->len;
	at++;
	while (at < e->len && is_continuation((unsigned char)e->text[at]))
		at++;
	return at;
}

static void
remove_range(struct editor *e, size_t from, size_t to)
{
	memmove(e->text + from, e->text + to, e->len - to + 1);
	e->len -= to - from;
	e->cursor = from;
}

void
edit_backspace(struct editor *e)
{
	if (e->cursor == 0)
		return;
	before_change(e, 0);
	remove_range(e, prev_char(e, e->cursor), e->cursor);
}

void
edit_delete(struct editor *e)
{
	if (e->cursor >= e->len)
		return;
	before_change(e, 0);
	remove_range(e, e->cursor, next_char(e, e->cursor));
}

static size_t
line_start(const struct editor *e, size_t at)
{
	while (at > 0 && e->text[at - 1] != '\n')
		at--;
	return at;
}

static size_t
line_end(const struct editor *e, size_t at)
{
	while (at < e->len && e->text[at] != '\n')
		at++;
	return at;
}

static size_t
column_of(const struct editor *e, size_t at)
{
	size_t p = line_start(e, at), col = 0;

	while (p < at) {
		p = next_char(e, p);
		col++;
	}
	return col;
}

/* Byte offset of column col on the line starting at start. */
static size_t
offset_at_column(const struct editor *e, size_t start, size_t col)
{
	size_t end = line_end(e, start), p = start;

	while (col-- > 0 && p < end)
		p = next_char(e, p);
	return p;
}

void
edit_kill_line(struct editor *e)
{
	size_t end = line_end(e, e->cursor);

	if (end == e->cursor && end < e->len)
		end++;		/* at the end of a line: join the next */
	if (end == e->cursor)
		return;
	before_change(e, 0);
	remove_range(e, e->cursor, end);
}

/* A horizontal move: the column becomes the goal for up/down. */
static void
move_to(struct editor *e, size_t at)
{
	e->cursor = at;
	e->goal_col = column_of(e, at);
	e->last_was_typing = 0;
}

void
edit_left(struct editor *e)
{
	move_to(e, prev_char(e, e->cursor));
}

void
edit_right(struct editor *e)
{
	move_to(e, next_char(e, e->cursor));
}

void
edit_up(struct editor *e)
{
	size_t start = line_start(e, e->cursor);
	size_t col = column_of(e, e->cursor);

	if (col > e->goal_col)
		e->goal_col = col;
	e->last_was_typing = 0;
	if (start == 0) {
		e->cursor = 0;
		return;
	}
	e->cursor = offset_at_column(e, line_start(e, start - 1), e->goal_col);
}

void
edit_down(struct editor *e)
{
	size_t end = line_end(e, e->cursor);
	size_t col = column_of(e, e->cursor);

	if (col > e->goal_col)
		e->goal_col = col;
	e->last_was_typing = 0;
	if (end >= e->len) {
		e->cursor = e->len;
		return;
	}
	e->cursor = offset_at_column(e, end + 1, e->goal_col);
}

void
edit_home(struct editor *e)
{
	move_to(e, line_start(e, e->cursor));
}

void
edit_end(struct editor *e)
{
	move_to(e, line_end(e, e->cursor));
}

int
edit_undo(struct editor *e)
{
	struct edit_state *s;

	if (e->nundo == 0)
		return -1;
	s = &e->undo[--e->nundo];
	set_text(e, s->text);
	e->cursor = s->cursor <= e->len ? s->cursor : e->len;
	free(s->text);
	e->last_was_typing = 0;
	return 0;
}

void
edit_cursor_pos(const struct editor *e, int *line, int *col)
{
	size_t i;
	int l = 0;

	for (i = 0; i < e->cursor; i++)
		if (e->text[i] == '\n')
			l++;
	*line = l;
	*col = (int)column_of(e, e->cursor);
}

void
edit_goto(struct editor *e, int line, int col)
{
	size_t p = 0;

	while (line-- > 0 && p < e->len) {
		p = line_end(e, p);
		if (p < e->len)
			p++;
	}
	e->cursor = offset_at_column(e, p, col > 0 ? (size_t)col : 0);
	e->goal_col = column_of(e, e->cursor);
}

size_t
edit_word_before(const struct editor *e, size_t *start)
{
	size_t p = e->cursor;

	while (p > 0 && (isalnum((unsigned char)e->text[p - 1]) ||
	    e->text[p - 1] == '_' || e->text[p - 1] == '-'))
		p--;
	*start = p;
	return e->cursor - p;
}

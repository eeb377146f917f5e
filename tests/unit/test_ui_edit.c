/*
 * test_ui_edit.c - the SQL pane's editor model (ui/edit.c): UTF-8 aware
 * moves, line moves keeping the goal column, undo with typing runs grouped,
 * kill to end of line, goto, and the word before the cursor.
 */
#include "edit.h"

#include "unit.h"

static void
type(struct editor *e, const char *s)
{
	for (; *s; s++)
		edit_insert(e, s, 1, 1);
}

static void
test_insert_and_undo_groups_typing(void)
{
	struct editor e;

	edit_init(&e);
	type(&e, "SELECT");
	edit_insert(&e, "\n", 1, 1);	/* a newline ends the run */
	type(&e, "1");
	CHECK_STR(e.text, "SELECT\n1");
	CHECK_INT(edit_undo(&e), 0);
	CHECK_STR(e.text, "SELECT\n");
	CHECK_INT(edit_undo(&e), 0);
	CHECK_STR(e.text, "SELECT");
	CHECK_INT(edit_undo(&e), 0);
	CHECK_STR(e.text, "");
	CHECK_INT(edit_undo(&e), -1);
	edit_free(&e);
}

static void
test_utf8_moves_and_delete(void)
{
	struct editor e;
	int line, col;

	edit_init(&e);
	edit_set(&e, "a\xc3\xa9z");	/* aéz */
	edit_left(&e);
	edit_left(&e);
	edit_cursor_pos(&e, &line, &col);
	CHECK_INT(col, 1);
	CHECK_INT(e.cursor, 1);
	edit_delete(&e);		/* removes both bytes of é */
	CHECK_STR(e.text, "az");
	edit_right(&e);
	edit_backspace(&e);
	CHECK_STR(e.text, "a");
	edit_free(&e);
}

static void
test_up_down_keep_goal_column(void)
{
	struct editor e;
	int line, col;

	edit_init(&e);
	edit_set(&e, "SELECT srcaddr\nFROM t\nWHERE action = 'REJECT'");
	edit_goto(&e, 0, 10);
	edit_down(&e);			/* short line: clamped to its end */
	edit_cursor_pos(&e, &line, &col);
	CHECK_INT(line, 1);
	CHECK_INT(col, 6);
	edit_down(&e);			/* the goal column comes back */
	edit_cursor_pos(&e, &line, &col);
	CHECK_INT(line, 2);
	CHECK_INT(col, 10);
	edit_up(&e);
	edit_up(&e);
	edit_cursor_pos(&e, &line, &col);
	CHECK_INT(line, 0);
	CHECK_INT(col, 10);
	edit_up(&e);			/* above the first line: to its start */
	CHECK_INT(e.cursor, 0);
	edit_free(&e);
}

static void
test_kill_line_joins_at_end(void)
{
	struct editor e;

	edit_init(&e);
	edit_set(&e, "one two\nthree");
	edit_goto(&e, 0, 3);
	edit_kill_line(&e);
	CHECK_STR(e.text, "one\nthree");
	edit_kill_line(&e);		/* at the end of the line: join */
	CHECK_STR(e.text, "onethree");
	CHECK_INT(edit_undo(&e), 0);
	CHECK_STR(e.text, "one\nthree");
	edit_free(&e);
}

static void
test_word_before_cursor(void)
{
	struct editor e;
	size_t start, n;

	edit_init(&e);
	edit_set(&e, "SELECT * FROM flow_l");
	n = edit_word_before(&e, &start);
	CHECK_INT(n, 6);
	CHECK_INT(start, 14);
	edit_set(&e, "top-tal");
	n = edit_word_before(&e, &start);
	CHECK_INT(n, 7);
	edit_set(&e, "x = ");
	CHECK_INT(edit_word_before(&e, &start), 0);
	edit_free(&e);
}

UNIT_MAIN(
    UNIT_CASE(test_insert_and_undo_groups_typing),
    UNIT_CASE(test_utf8_moves_and_delete),
    UNIT_CASE(test_up_down_keep_goal_column),
    UNIT_CASE(test_kill_line_joins_at_end),
    UNIT_CASE(test_word_before_cursor)
)

/*
 * term.h - the terminal's capabilities, decided once at start, and the
 * drawing primitives every screen uses.
 *
 * Capability ladder: colours 256 -> 8 -> none (NO_COLOR, --no-color, a
 * terminal without colours); glyphs UTF-8 blocks -> ASCII (--ascii, or a
 * locale that is not UTF-8).  Every colour role has a monochrome attribute
 * (bold, reverse, underline) and every state shown in colour also has a
 * glyph or word, so nothing depends on colour alone.  UI thread only.
 */
#ifndef FLOWLENS_UI_TERM_H
#define FLOWLENS_UI_TERM_H

#include <stdint.h>

#include <curses.h>

enum ui_role {
	ROLE_NORMAL, ROLE_TITLE, ROLE_HEADER, ROLE_SELECT, ROLE_ALARM, ROLE_OK, ROLE_WARN, ROLE_DIM,
	ROLE_SPARK, ROLE_KEY, ROLE_ERROR, ROLE_COUNT
};

/* Glyphs with an ASCII fallback. */
enum ui_glyph {
	G_ALARM, G_OK, G_CURSOR, G_VLINE, G_HLINE, G_ELLIPSIS, G_UP, G_DOWN,
	G_BULLET, G_GLYPH_COUNT
};

struct term_caps {
	int colors;	/* 0, 8 or 256 */
	int utf8;	/* 1: UTF-8 glyphs */
};

/*
 * After initscr(): pick colours (want_color: -1 auto, 0 none, 8, 256;
 * NO_COLOR in the environment means none) and glyphs (want_ascii: -1 by
 * locale, 0, 1).  Fills *caps.
 */
void term_setup(struct term_caps *caps, int want_color, int want_ascii);

/* The attribute for a role under the chosen ladder step. */
attr_t term_attr(enum ui_role role);

/* A glyph as a UTF-8 or ASCII string. */
const char *term_glyph(enum ui_glyph g);

/* Sparkline step for level 0..8 (0 = empty). */
const char *term_spark(int level);

/*
 * Draw text at (y, x) clipped to width display columns (UTF-8 aware);
 * with pad, fill the rest of width with spaces.  Returns columns used.
 */
int term_put(WINDOW *w, int y, int x, int width, const char *text,
    attr_t attr, int pad);

/* printf form of term_put (no padding). */
int term_printf(WINDOW *w, int y, int x, int width, attr_t attr,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Display columns of a UTF-8 string. */
int term_width(const char *text);

/*
 * Fit text into exactly width columns for a fixed-width field, written to
 * out (cap bytes): padded with spaces when it is narrower; when it is
 * wider, its start is replaced by an ellipsis, so that the end - the file
 * name of a path - stays readable.
 */
void term_fit_tail(char *out, size_t cap, const char *text, int width);

/* A horizontal rule of width columns. */
void term_rule(WINDOW *w, int y, int x, int width, attr_t attr);

/* The last `width` values as a sparkline scaled to max. */
void term_sparkline(WINDOW *w, int y, int x, int width,
    const int64_t *values, int count, int64_t max, attr_t attr);

/* 1234567 -> "1.2M"; fits in 6 columns. */
void term_human(char *out, size_t len, int64_t v);

#endif

/*
 * term.c - see term.h.
 */
#include "term.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static struct term_caps caps;
static attr_t role_attr[ROLE_COUNT];

static const char *const glyph_utf8[G_GLYPH_COUNT] = {
	"\xe2\x96\xb2", "\xe2\x97\x8f", "\xe2\x96\xb6", "\xe2\x94\x82",
	"\xe2\x94\x80", "\xe2\x80\xa6", "\xe2\x86\x91", "\xe2\x86\x93",
	"\xc2\xb7",
};
static const char *const glyph_ascii[G_GLYPH_COUNT] = {
	"!", "*", ">", "|", "-", "~", "^", "v", ".",
};
static const char *const spark_utf8[9] = {
	" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char *const spark_ascii[9] = {
	" ", "_", ".", "-", "~", "=", "+", "*", "#",
};

/* Monochrome attribute of each role: meaning without colour. */
static const attr_t role_mono[ROLE_COUNT] = {
	[ROLE_NORMAL] = A_NORMAL, [ROLE_TITLE] = A_REVERSE | A_BOLD,
	[ROLE_HEADER] = A_BOLD | A_UNDERLINE, [ROLE_SELECT] = A_REVERSE,
	[ROLE_ALARM] = A_REVERSE | A_BOLD, [ROLE_OK] = A_NORMAL, [ROLE_WARN] = A_BOLD,
	[ROLE_DIM] = A_NORMAL, [ROLE_SPARK] = A_NORMAL, [ROLE_KEY] = A_BOLD,
	[ROLE_ERROR] = A_BOLD,
};

struct role_colors {
	short fg8, bg8, fg256, bg256;
	attr_t extra;
};

static const struct role_colors role_color[ROLE_COUNT] = {
	[ROLE_NORMAL] = { -1, -1, -1, -1, 0 },
	[ROLE_TITLE] = { COLOR_WHITE, COLOR_BLUE, 231, 24, A_BOLD },
	[ROLE_HEADER] = { COLOR_CYAN, -1, 117, -1, A_BOLD },
	[ROLE_SELECT] = { COLOR_BLACK, COLOR_CYAN, 16, 117, 0 },
	[ROLE_ALARM] = { COLOR_WHITE, COLOR_RED, 231, 160, A_BOLD },
	[ROLE_OK] = { COLOR_GREEN, -1, 114, -1, 0 },
	[ROLE_WARN] = { COLOR_YELLOW, -1, 221, -1, A_BOLD },
	[ROLE_DIM] = { COLOR_BLUE, -1, 245, -1, 0 },
	[ROLE_SPARK] = { COLOR_CYAN, -1, 81, -1, 0 },
	[ROLE_KEY] = { COLOR_YELLOW, -1, 221, -1, A_BOLD },
	[ROLE_ERROR] = { COLOR_RED, -1, 203, -1, A_BOLD },
};

void
term_setup(struct term_caps *out, int want_color, int want_ascii)
{
	const char *no_color = getenv("NO_COLOR");
	const char *codeset = nl_langinfo(CODESET);
	int i;

	caps.utf8 = want_ascii < 0 ? (codeset &&
	    (strcasecmp(codeset, "UTF-8") == 0 ||
	    strcasecmp(codeset, "utf8") == 0)) : !want_ascii;
	caps.colors = 0;
	if (want_color != 0 && !(no_color && *no_color && want_color < 0) &&
	    has_colors() && start_color() == OK) {
		caps.colors = COLORS >= 256 ? 256 : 8;
		if (want_color == 8)
			caps.colors = 8;
		use_default_colors();
	}
	for (i = 0; i < ROLE_COUNT; i++) {
		const struct role_colors *rc = &role_color[i];

		if (caps.colors == 0 || i == ROLE_NORMAL) {
			role_attr[i] = role_mono[i];
			continue;
		}
		if (caps.colors == 256)
			init_pair((short)i, rc->fg256, rc->bg256);
		else
			init_pair((short)i, rc->fg8, rc->bg8);
		role_attr[i] = COLOR_PAIR(i) | rc->extra;
	}
	*out = caps;
}

attr_t
term_attr(enum ui_role role)
{
	return role_attr[role];
}

const char *
term_glyph(enum ui_glyph g)
{
	return caps.utf8 ? glyph_utf8[g] : glyph_ascii[g];
}

const char *
term_spark(int level)
{
	if (level < 0)
		level = 0;
	if (level > 8)
		level = 8;
	return caps.utf8 ? spark_utf8[level] : spark_ascii[level];
}

/* Bytes of text that fit in width columns; *cols gets the columns used. */
static size_t
fit(const char *text, int width, int *cols)
{
	mbstate_t st;
	size_t off = 0, len = strlen(text);
	int used = 0;

	memset(&st, 0, sizeof st);
	while (off < len) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, text + off, len - off, &st);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&st, 0, sizeof st);
			n = 1;
			w = 1;
		} else {
			if (n == 0)
				break;
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		if (used + w > width)
			break;
		used += w;
		off += n;
	}
	*cols = used;
	return off;
}

int
term_width(const char *text)
{
	int cols;

	fit(text, 1 << 30, &cols);
	return cols;
}

void
term_fit_tail(char *out, size_t cap, const char *text, int width)
{
	const char *tail = text, *dots = term_glyph(G_ELLIPSIS);
	int cols = term_width(text), dw = term_width(dots);
	size_t n;

	if (cap == 0)
		return;
	if (cols > width && width > dw) {
		/* Drop whole characters from the front until the rest fits
		 * beside the ellipsis. */
		while (*tail && term_width(tail) > width - dw) {
			tail++;
			while ((*tail & 0xC0) == 0x80)	/* continuation bytes */
				tail++;
		}
		snprintf(out, cap, "%s%s", dots, tail);
		cols = dw + term_width(tail);
	} else {
		n = fit(text, width, &cols);
		snprintf(out, cap, "%.*s", (int)n, text);
	}
	n = strlen(out);
	while (cols < width && n + 1 < cap) {
		out[n++] = ' ';
		out[n] = '\0';
		cols++;
	}
}

int
term_put(WINDOW *w, int y, int x, int width, const char *text, attr_t attr,
    int pad)
{
	int cols = 0;
	size_t n;

	if (width <= 0 || y < 0 || x < 0 || y >= getmaxy(w) ||
	    x >= getmaxx(w))
		return 0;
	if (x + width > getmaxx(w))
		width = getmaxx(w) - x;
	n = fit(text, width, &cols);
	wattrset(w, attr);
	/* Control characters would move the cursor: draw them as '?'. */
	{
		char buf[512];
		size_t i, k = 0;

		wmove(w, y, x);
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[i];

			buf[k++] = (c < 32 || c == 127) ? '?' : (char)c;
			if (k == sizeof buf) {
				waddnstr(w, buf, (int)k);
				k = 0;
			}
		}
		if (k)
			waddnstr(w, buf, (int)k);
	}
	if (pad)
		for (; cols < width; cols++)
			waddch(w, ' ');
	wattrset(w, A_NORMAL);
	return cols;
}

int
term_printf(WINDOW *w, int y, int x, int width, attr_t attr,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return term_put(w, y, x, width, buf, attr, 0);
}

void
term_rule(WINDOW *w, int y, int x, int width, attr_t attr)
{
	int i;

	if (y < 0 || y >= getmaxy(w))
		return;
	wattrset(w, attr);
	for (i = 0; i < width && x + i < getmaxx(w); i++)
		mvwaddstr(w, y, x + i, term_glyph(G_HLINE));
	wattrset(w, A_NORMAL);
}

void
term_sparkline(WINDOW *w, int y, int x, int width, const int64_t *values,
    int count, int64_t max, attr_t attr)
{
	int i, first = count > width ? count - width : 0;

	if (y < 0 || y >= getmaxy(w))
		return;
	wattrset(w, attr);
	wmove(w, y, x);
	for (i = 0; i < width - (count - first) && x + i < getmaxx(w); i++)
		waddch(w, ' ');
	for (i = first; i < count; i++) {
		int level = 0;

		if (values[i] > 0 && max > 0)
			level = 1 + (int)((double)values[i] * 7.0 / (double)max
			    + 0.5);
		if (level > 8)
			level = 8;
		if (getcurx(w) >= getmaxx(w) - 1 && y == getmaxy(w) - 1)
			break;
		waddstr(w, term_spark(level));
	}
	wattrset(w, A_NORMAL);
}

void
term_human(char *out, size_t len, int64_t v)
{
	static const char units[] = "kMGTPE";
	double d = (double)v;
	int u = -1;

	if (v < 100000 && v > -100000) {
		snprintf(out, len, "%lld", (long long)v);
		return;
	}
	while ((d >= 1000 || d <= -1000) && u < 5) {
		d /= 1000;
		u++;
	}
	snprintf(out, len, d < 10 && d > -10 ? "%.2f%c" : d < 100 &&
	    d > -100 ? "%.1f%c" : "%.0f%c", d, units[u]);
}

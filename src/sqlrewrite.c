/*
 * sqlrewrite.c - see sqlrewrite.h.
 *
 * Three steps: split the text into tokens exactly where SQLite would (so a
 * quote or comment can never be misread), link parentheses and CASE/END
 * over the significant tokens, then walk those tokens left to right, where
 * each rule either records an edit (a token range and its replacement), or
 * fails with a position.  The output is the input with the edits applied;
 * bytes outside edits are copied unchanged.
 */
#include "sqlrewrite.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeconv.h"
#include "util.h"

#define NONE SIZE_MAX

/* Longest excerpt of the user's text quoted in an error message. */
#define CLIP 60

enum tok_kind {
	TOK_SPACE,
	TOK_COMMENT,		/* slash-star comment */
	TOK_LINE_COMMENT,	/* -- to end of line, without the newline */
	TOK_STRING,		/* '...' */
	TOK_QUOTED,		/* "...", `...` or [...]: an identifier */
	TOK_WORD,		/* identifier or keyword */
	TOK_NUMBER,
	TOK_BLOB,		/* x'...' */
	TOK_PARAM,		/* ?1 :name @name $name */
	TOK_OP			/* operator or any other byte */
};

struct tok {
	enum tok_kind kind;
	size_t        pos, len;
	int           open;	/* string, identifier or comment not closed */
};

/* A significant token (not space or comment) and what links to it. */
struct sig {
	size_t tok;		/* index into rw.toks */
	size_t match;		/* the matching parenthesis, or NONE */
	size_t encl;		/* the innermost '(' around it, or NONE */
	int    case_end;	/* an END that closes a CASE */
};

/* Replace significant tokens first..last (inclusive) with text. */
struct edit {
	size_t first, last;
	char  *text;
};

struct rw {
	const char  *sql;
	struct tok  *toks;
	size_t       ntoks, toks_cap;
	struct sig  *sig;
	size_t       nsig;
	struct edit *edits;
	size_t       nedits, edits_cap;
	char        *err;
	size_t       err_pos;
	int          collate;	/* the text has a COLLATE clause somewhere */
};

/* ------------------------------------------------------------------ */
/* Tokenizer (SQLite's rules, see tokenize.c in SQLite)                */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Bytes that continue an identifier (SQLite's IdChar). */
static int
is_idchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '$' || c >= 0x80;
}

/* Length of a quoted token opened by z[0], closed by `close`. */
static size_t
lex_quoted(const char *z, char close, int doubled, int *open)
{
	size_t i;

	for (i = 1; z[i] != '\0'; i++) {
		if (z[i] != close)
			continue;
		if (doubled && z[i + 1] == close) {
			i++;
			continue;
		}
		return i + 1;
	}
	*open = 1;
	return i;
}

static size_t
lex_number(const char *z)
{
	size_t i = 0;

	if (z[0] == '0' && (z[1] == 'x' || z[1] == 'X')) {
		i = 2;
	} else {
		while (is_digit((unsigned char)z[i]))
			i++;
		if (z[i] == '.')
			for (i++; is_digit((unsigned char)z[i]); i++)
				;
		if ((z[i] == 'e' || z[i] == 'E') &&
		    (is_digit((unsigned char)z[i + 1]) ||
		    ((z[i + 1] == '+' || z[i + 1] == '-') &&
		    is_digit((unsigned char)z[i + 2]))))
			for (i += 2; is_digit((unsigned char)z[i]); i++)
				;
	}
	/* SQLite makes "12abc" one illegal token; so do we. */
	while (is_idchar((unsigned char)z[i]))
		i++;
	return i;
}

static size_t
lex_op(const char *z)
{
	static const char *const ops[] = {
		"->>", "<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->"
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (strncmp(z, ops[i], strlen(ops[i])) == 0)
			return strlen(ops[i]);
	return 1;
}

/* Classify and measure the token at z (not at the NUL). */
static size_t
lex_one(const char *z, enum tok_kind *kind, int *open)
{
	unsigned char c = (unsigned char)z[0];
	size_t i = 1;

	*open = 0;
	if (is_space(c)) {
		*kind = TOK_SPACE;
		while (is_space((unsigned char)z[i]))
			i++;
		return i;
	}
	if (c == '-' && z[1] == '-') {
		*kind = TOK_LINE_COMMENT;
		while (z[i] != '\0' && z[i] != '\n')
			i++;
		return i;
	}
	if (c == '/' && z[1] == '*') {
		const char *end = strstr(z + 2, "*/");

		*kind = TOK_COMMENT;
		*open = end == NULL;
		return end ? (size_t)(end - z) + 2 : strlen(z);
	}
	if (c == '\'') {
		*kind = TOK_STRING;
		return lex_quoted(z, '\'', 1, open);
	}
	if (c == '"' || c == '`' || c == '[') {
		*kind = TOK_QUOTED;
		return lex_quoted(z, c == '[' ? ']' : (char)c, c != '[', open);
	}
	if ((c == 'x' || c == 'X') && z[1] == '\'') {
		*kind = TOK_BLOB;	/* no '' escapes in a blob */
		return lex_quoted(z + 1, '\'', 0, open) + 1;
	}
	if (is_digit(c) || (c == '.' && is_digit((unsigned char)z[1]))) {
		*kind = TOK_NUMBER;
		return lex_number(z);
	}
	if (is_alpha(c) || c == '_' || c >= 0x80) {
		*kind = TOK_WORD;
		while (is_idchar((unsigned char)z[i]))
			i++;
		return i;
	}
	if (c == '?' || ((c == ':' || c == '@' || c == '$' || c == '#') &&
	    is_idchar((unsigned char)z[1]))) {
		*kind = TOK_PARAM;
		while (is_idchar((unsigned char)z[i]))
			i++;
		return i;
	}
	*kind = TOK_OP;
	return lex_op(z);
}

static void
tokenize(struct rw *rw)
{
	size_t pos = 0;

	while (rw->sql[pos] != '\0') {
		struct tok t;

		t.pos = pos;
		t.len = lex_one(rw->sql + pos, &t.kind, &t.open);
		if (rw->ntoks == rw->toks_cap) {
			rw->toks_cap = rw->toks_cap ? rw->toks_cap * 2 : 64;
			rw->toks = xrealloc(rw->toks,
			    rw->toks_cap * sizeof *rw->toks);
		}
		rw->toks[rw->ntoks++] = t;
		pos += t.len;
	}
}

/* ------------------------------------------------------------------ */
/* Looking at significant tokens                                       */

static const struct tok *
tok_at(const struct rw *rw, size_t i)
{
	return i < rw->nsig ? &rw->toks[rw->sig[i].tok] : NULL;
}

static size_t
tok_end(const struct rw *rw, size_t i)
{
	const struct tok *t = tok_at(rw, i);

	return t->pos + t->len;
}

static int
is_op(const struct rw *rw, size_t i, const char *op)
{
	const struct tok *t = tok_at(rw, i);

	return t != NULL && t->kind == TOK_OP && t->len == strlen(op) &&
	    memcmp(rw->sql + t->pos, op, t->len) == 0;
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/*
 * Compare n bytes of s with the lower-case word, ignoring ASCII case only:
 * strncasecmp() follows the locale, and keywords must not (Turkish I).
 */
static int
ascii_ieq(const char *s, const char *word, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (ascii_lower(s[k]) != word[k])
			return 0;
	return 1;
}

/* An unquoted word, case-insensitive: a keyword. */
static int
is_kw(const struct rw *rw, size_t i, const char *word)
{
	const struct tok *t = tok_at(rw, i);

	return t != NULL && t->kind == TOK_WORD && t->len == strlen(word) &&
	    ascii_ieq(rw->sql + t->pos, word, t->len);
}

static int
after_dot(const struct rw *rw, size_t i)
{
	return i > 0 && is_op(rw, i - 1, ".");
}

/* A closed identifier, quoted or not. */
static int
is_name(const struct rw *rw, size_t i)
{
	const struct tok *t = tok_at(rw, i);

	return t != NULL && !t->open &&
	    (t->kind == TOK_WORD || t->kind == TOK_QUOTED);
}

/* Does identifier i, once unquoted, equal name (lower case) ignoring case? */
static int
name_is(const struct rw *rw, size_t i, const char *name)
{
	const struct tok *t = tok_at(rw, i);
	const char *s;
	size_t n, k = 0;
	char close;

	if (!is_name(rw, i))
		return 0;
	if (t->kind == TOK_WORD)
		return is_kw(rw, i, name);
	s = rw->sql + t->pos + 1;
	n = t->len - 2;
	close = rw->sql[t->pos] == '[' ? ']' : rw->sql[t->pos];
	for (; n > 0; s++, n--, k++) {
		if (*s == close && close != ']') {	/* doubled quote */
			s++;
			n--;
		}
		if (name[k] == '\0' || ascii_lower(*s) != name[k])
			return 0;
	}
	return name[k] == '\0';
}

/* Is token i a closed single-quoted string? */
static int
is_string(const struct rw *rw, size_t i)
{
	const struct tok *t = tok_at(rw, i);

	return t != NULL && t->kind == TOK_STRING && !t->open;
}

/* The body of string i with '' unescaped (caller frees). */
static char *
string_body(const struct rw *rw, size_t i)
{
	const struct tok *t = tok_at(rw, i);
	const char *s = rw->sql + t->pos + 1;
	size_t n = t->len - 2, k, o = 0;
	char *out = xmalloc(n + 1);

	for (k = 0; k < n; k++) {
		out[o++] = s[k];
		if (s[k] == '\'')
			k++;
	}
	out[o] = '\0';
	return out;
}

/* Up to CLIP bytes of s[0..n), with "..." if cut (caller frees). */
static char *
clip(const char *s, size_t n)
{
	if (n <= CLIP)
		return xstrndup(s, n);
	return xasprintf("%.*s...", CLIP - 3, s);
}

/* The source text of significant tokens first..last, clipped. */
static char *
clip_span(const struct rw *rw, size_t first, size_t last)
{
	size_t from = tok_at(rw, first)->pos;

	return clip(rw->sql + from, tok_end(rw, last) - from);
}

static int
fail(struct rw *rw, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error; always returns -1. */
static int
fail(struct rw *rw, size_t pos, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	msg[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sbuf_printf(&b, "at position %zu: %s", pos, msg);
	free(msg);
	if (rw->err == NULL) {
		rw->err = b.data;
		rw->err_pos = pos;
	} else {
		sbuf_free(&b);
	}
	return -1;
}

static void
add_edit(struct rw *rw, size_t first, size_t last, char *text)
{
	if (rw->nedits == rw->edits_cap) {
		rw->edits_cap = rw->edits_cap ? rw->edits_cap * 2 : 16;
		rw->edits = xrealloc(rw->edits,
		    rw->edits_cap * sizeof *rw->edits);
	}
	rw->edits[rw->nedits].first = first;
	rw->edits[rw->nedits].last = last;
	rw->edits[rw->nedits].text = text;
	rw->nedits++;
}

/*
 * Collect the significant tokens, pair parentheses, note each token's
 * innermost enclosing '(' and mark the ENDs that close a CASE (so that
 * `CASE ... END = 'x'` is not mistaken for the flow column "end").
 */
static void
link_tokens(struct rw *rw)
{
	size_t *stack, depth = 0, cases = 0, i;

	rw->sig = xcalloc(rw->ntoks, sizeof *rw->sig);
	for (i = 0; i < rw->ntoks; i++) {
		enum tok_kind k = rw->toks[i].kind;

		if (k != TOK_SPACE && k != TOK_COMMENT &&
		    k != TOK_LINE_COMMENT)
			rw->sig[rw->nsig++].tok = i;
	}
	stack = xcalloc(rw->nsig, sizeof *stack);
	for (i = 0; i < rw->nsig; i++) {
		struct sig *s = &rw->sig[i];

		s->match = NONE;
		s->encl = depth > 0 ? stack[depth - 1] : NONE;
		if (is_op(rw, i, "(")) {
			stack[depth++] = i;
		} else if (is_op(rw, i, ")") && depth > 0) {
			s->match = stack[--depth];
			rw->sig[s->match].match = i;
		} else if (is_kw(rw, i, "case") && !after_dot(rw, i)) {
			cases++;
		} else if (is_kw(rw, i, "end") && !after_dot(rw, i) &&
		    cases > 0) {
			cases--;
			s->case_end = 1;
		}
	}
	free(stack);
}

/* ------------------------------------------------------------------ */
/* Dates in literals                                                   */

/*
 * A DATE ('YYYY-MM-DD') or TIMESTAMP ('YYYY-MM-DD[ HH:MM[:SS][.f]][ zone]',
 * T accepted for the space; zone Z, UTC or +HH[:MM]) literal body: the
 * strict subset of timeconv.h's ISO 8601, fraction digits up to
 * picoseconds.  Returns 0 or -1.
 */
static int
parse_literal(const char *s, int date_only, struct timeconv_iso *t)
{
	if (timeconv_parse_iso8601(s, t) < 0)
		return -1;
	if (date_only)
		return (t->has & TIMECONV_TIME) ? -1 : 0;
	if ((t->has & TIMECONV_LAX) || ((t->has & TIMECONV_TIME) &&
	    !(t->has & TIMECONV_MINUTE)) ||
	    t->frac_digits > TIMECONV_FRAC_DIGITS)
		return -1;
	return 0;
}

/* Decimal text of an instant: "1793491200", "-0.5", "1.25". */
static char *
instant_text(const struct timeconv_iso *t)
{
	int64_t sec = t->sec, num = t->frac_ps, den = 1;
	int digits = TIMECONV_FRAC_DIGITS, i;

	for (i = 0; i < digits; i++)
		den *= 10;
	while (digits > 0 && num % 10 == 0) {
		num /= 10;
		den /= 10;
		digits--;
	}
	if (num == 0)
		return xasprintf("%lld", (long long)sec);
	if (sec >= 0)
		return xasprintf("%lld.%0*lld", (long long)sec, digits,
		    (long long)num);
	/* -2 + 0.25 = -1.75: the integer part and fraction both flip. */
	return xasprintf("-%lld.%0*lld", (long long)(-sec - 1), digits,
	    (long long)(den - num));
}

/* ------------------------------------------------------------------ */
/* Rules                                                               */

/* Functions whose value is epoch seconds (see the guards below). */
static const char *const time_functions[] = {
	"now", "from_unixtime", "to_unixtime", "from_iso8601_timestamp",
	"from_iso8601_date", "date_trunc", "date_add"
};

static int
kw_in(const struct rw *rw, size_t i, const char *const *words, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (is_kw(rw, i, words[k]))
			return 1;
	return 0;
}

/*
 * Fail if the token before i is a name that means something else when a
 * '(' follows it, because the rewrite at i starts with '(':
 * `now INTERVAL '1' day` would become the call now (86400), and rewriting
 * the output again would then read it differently.  The output of
 * sqlrewrite() must be a fixed point of sqlrewrite().
 */
static int
check_call_name(struct rw *rw, size_t i)
{
	const struct tok *t;
	char *name;

	if (i == 0 || after_dot(rw, i - 1) ||
	    (!is_kw(rw, i - 1, "approx_distinct") && !kw_in(rw, i - 1,
	    time_functions, ARRAY_LEN(time_functions))))
		return 0;
	t = tok_at(rw, i - 1);
	name = xstrndup(rw->sql + t->pos, t->len);
	fail(rw, t->pos, "%s must be followed by '(', as in %s(x)", name,
	    name);
	free(name);
	return -1;
}

static const char *const table_names[] = {
	"flow_logs", "flow_metrics", "ingest_errors", "ingest_state"
};

static const char *
table_at(const struct rw *rw, size_t i)
{
	size_t k;

	for (k = 0; k < ARRAY_LEN(table_names); k++)
		if (name_is(rw, i, table_names[k]))
			return table_names[k];
	return NULL;
}

/* [awsdatacatalog.]vpc_flow_logs.<table>  ->  <table> */
static int
rule_table(struct rw *rw, size_t i)
{
	size_t db = i;
	const char *table;

	if (after_dot(rw, i))
		return 0;
	if (name_is(rw, i, "awsdatacatalog") && is_op(rw, i + 1, "."))
		db = i + 2;
	if (!name_is(rw, db, "vpc_flow_logs") || !is_op(rw, db + 1, ".") ||
	    (table = table_at(rw, db + 2)) == NULL)
		return 0;
	add_edit(rw, i, db + 2, xstrdup(table));
	return (int)(db + 3 - i);
}

static const struct interval_unit {
	const char *name;
	uint32_t    seconds;	/* 0: calendar unit, no fixed length */
} interval_units[] = {
	{ "second", 1 }, { "minute", 60 }, { "hour", 3600 },
	{ "day", 86400 }, { "week", 604800 },
	{ "month", 0 }, { "quarter", 0 }, { "year", 0 },
};

/* Look up a unit word, singular or plural, in s[0..n). */
static const struct interval_unit *
find_unit(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < ARRAY_LEN(interval_units); k++) {
		size_t len = strlen(interval_units[k].name);

		if ((n == len || (n == len + 1 && (s[len] | 0x20) == 's')) &&
		    ascii_ieq(s, interval_units[k].name, len))
			return &interval_units[k];
	}
	return NULL;
}

/* A parsed INTERVAL amount: sign, digits without the point, and scale. */
struct amount {
	int         neg;
	struct sbuf digits;
	size_t      scale;	/* digits after the point */
	const char *rest;	/* what follows, spaces skipped */
};

/* "[ ][+|-]digits[.digits][ ]" at s; *rest is left for a unit word. */
static int
parse_amount(const char *s, struct amount *a)
{
	int point = 0;

	while (*s == ' ')
		s++;
	if (*s == '+' || *s == '-')
		a->neg ^= *s++ == '-';
	for (; is_digit((unsigned char)*s) || (*s == '.' && !point); s++) {
		if (*s == '.')
			point = 1;
		else {
			sbuf_appendc(&a->digits, *s);
			a->scale += (size_t)point;
		}
	}
	while (*s == ' ')
		s++;
	a->rest = s;
	return a->digits.len > 0 ? 0 : -1;
}

/*
 * The decimal text of amount * factor, exactly, at any length: "604800",
 * "-5400", "0.5".  Schoolbook multiplication keeps it free of overflow.
 */
static char *
amount_times(const struct amount *a, uint32_t factor)
{
	struct sbuf rev = { 0 }, out = { 0 };
	size_t scale = a->scale, i, fz = 0, top;
	uint64_t carry = 0;

	/* rev: the product's digits, least significant first. */
	for (i = a->digits.len; i-- > 0;) {
		carry += (uint64_t)(a->digits.data[i] - '0') * factor;
		sbuf_appendc(&rev, (char)('0' + carry % 10));
		carry /= 10;
	}
	for (; carry > 0; carry /= 10)
		sbuf_appendc(&rev, (char)('0' + carry % 10));
	while (rev.len <= scale)	/* one digit before the point */
		sbuf_appendc(&rev, '0');
	while (fz < scale && rev.data[fz] == '0')	/* 1.50 -> 1.5 */
		fz++;
	for (top = rev.len; top - 1 > scale && rev.data[top - 1] == '0';)
		top--;					/* 007 -> 7 */
	if (a->neg && !(top - 1 == scale && fz == scale &&
	    rev.data[scale] == '0'))
		sbuf_appendc(&out, '-');		/* but never -0 */
	for (i = top; i-- > fz;) {
		if (i + 1 == scale)
			sbuf_appendc(&out, '.');
		sbuf_appendc(&out, rev.data[i]);
	}
	sbuf_free(&rev);
	return out.data;
}

/* "-1" -> "1", "2" -> "-2", "0" -> "0" (caller frees both). */
static char *
negate_text(char *s)
{
	char *out;

	if (s[0] == '-')
		out = xstrdup(s + 1);
	else if (strcmp(s, "0") == 0)
		out = xstrdup(s);
	else
		out = xasprintf("-%s", s);
	free(s);
	return out;
}

/* INTERVAL in months or years: name the construct and the way out. */
static int
fail_calendar_interval(struct rw *rw, size_t i, size_t last,
    const struct amount *a, const struct interval_unit *u)
{
	char *what = clip_span(rw, i, last);
	char *n = amount_times(a, 1);

	/* `now() - INTERVAL '1' MONTH` wants date_add('month', -1, ...) */
	if (i > 0 && is_op(rw, i - 1, "-"))
		n = negate_text(n);
	fail(rw, tok_at(rw, i)->pos, "%s has no fixed length in seconds; "
	    "use date_add('%s', %s, now())", what, u->name, n);
	free(what);
	free(n);
	return -1;
}

/*
 * The unit of an INTERVAL whose amount is token v: inside the string
 * ('7 days') or the word after it.  Sets *last to the final token.
 */
static const struct interval_unit *
interval_unit(struct rw *rw, size_t i, size_t v, const struct amount *a,
    size_t *last)
{
	const struct interval_unit *u;
	const struct tok *t;
	char *what;

	*last = v;
	if (*a->rest != '\0') {
		size_t n = strlen(a->rest);

		while (n > 0 && a->rest[n - 1] == ' ')
			n--;
		if ((u = find_unit(a->rest, n)) != NULL)
			return u;
		what = clip(a->rest, n);
	} else if ((t = tok_at(rw, v + 1)) != NULL && t->kind == TOK_WORD) {
		*last = v + 1;
		if ((u = find_unit(rw->sql + t->pos, t->len)) != NULL)
			return u;
		what = clip(rw->sql + t->pos, t->len);
	} else {
		what = clip_span(rw, i, v);
		fail(rw, tok_at(rw, i)->pos, "%s needs a unit: second, "
		    "minute, hour, day or week", what);
		free(what);
		return NULL;
	}
	fail(rw, tok_at(rw, i)->pos, "'%s' is not an INTERVAL unit; use "
	    "second, minute, hour, day or week", what);
	free(what);
	return NULL;
}

/*
 * INTERVAL [+|-] ('n' | n) unit, or INTERVAL 'n unit'  ->  (n * seconds),
 * exact for fractions: INTERVAL '1.5' hour -> (5400).
 */
static int
rule_interval(struct rw *rw, size_t i)
{
	struct amount a = { 0 };
	const struct interval_unit *u = NULL;
	const struct tok *t;
	size_t v = i + 1, last = v;
	char *body, *n;
	int ok;

	if (!is_kw(rw, i, "interval") || after_dot(rw, i))
		return 0;
	if (is_op(rw, v, "-") || is_op(rw, v, "+"))
		a.neg = is_op(rw, v++, "-");
	if ((is_kw(rw, v, "date") || is_kw(rw, v, "timestamp")) &&
	    is_string(rw, v + 1))	/* would become a number: refuse now */
		return fail(rw, tok_at(rw, i)->pos, "INTERVAL needs a length "
		    "such as INTERVAL '7' day, not a date");
	t = tok_at(rw, v);
	if (t == NULL || (!is_string(rw, v) && t->kind != TOK_NUMBER))
		return 0;	/* a column named interval, perhaps */
	if (check_call_name(rw, i) < 0)
		return -1;
	if (is_kw(rw, v + 2, "to"))	/* '1 10:00:00' DAY TO SECOND */
		return fail(rw, tok_at(rw, i)->pos, "INTERVAL ... TO ... is "
		    "not supported; write one unit, such as "
		    "INTERVAL '90' minute");
	body = is_string(rw, v) ? string_body(rw, v) :
	    xstrndup(rw->sql + t->pos, t->len);
	/* Only a string may carry its unit: '7 days'. */
	ok = parse_amount(body, &a) == 0 && (*a.rest == '\0' ||
	    (t->kind == TOK_STRING && is_alpha((unsigned char)*a.rest)));
	if (!ok) {
		char *what = clip(rw->sql + t->pos, t->len);

		fail(rw, tok_at(rw, i)->pos, "INTERVAL amount %s is not a "
		    "decimal number", what);
		free(what);
	} else if ((u = interval_unit(rw, i, v, &a, &last)) == NULL) {
		ok = 0;
	} else if (u->seconds == 0) {
		ok = 0;
		fail_calendar_interval(rw, i, last, &a, u);
	}
	if (ok) {
		n = amount_times(&a, u->seconds);
		add_edit(rw, i, last, xasprintf("(%s)", n));
		free(n);
	}
	free(body);
	sbuf_free(&a.digits);
	return ok ? (int)(last + 1 - i) : -1;
}

/* TIMESTAMP '...' and DATE '...'  ->  epoch seconds. */
static int
rule_literal(struct rw *rw, size_t i)
{
	int is_date = is_kw(rw, i, "date");
	struct timeconv_iso in;
	char *body, *num;

	if ((!is_date && !is_kw(rw, i, "timestamp")) || after_dot(rw, i) ||
	    !is_string(rw, i + 1))
		return 0;
	body = string_body(rw, i + 1);
	if (parse_literal(body, is_date, &in) < 0) {
		char *lit = clip_span(rw, i, i + 1);

		fail(rw, tok_at(rw, i)->pos, "%s is not a valid %s; write %s",
		    lit, is_date ? "date" : "timestamp", is_date ?
		    "DATE 'YYYY-MM-DD'" :
		    "TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.fff]'");
		free(lit);
		free(body);
		return -1;
	}
	free(body);
	/*
	 * Bare even when negative: emit() keeps "x -TIMESTAMP ..." from
	 * becoming a -- comment, and a '(' here could make a call of the
	 * word before it (see check_call_name()).
	 */
	num = instant_text(&in);
	add_edit(rw, i, i + 1, num);
	return 2;
}

/* current_timestamp, localtimestamp, current_date (SQLite's are text). */
static int
rule_now(struct rw *rw, size_t i)
{
	const char *text;

	if (after_dot(rw, i) || is_op(rw, i + 1, "("))
		return 0;
	if (is_kw(rw, i, "current_timestamp") ||
	    is_kw(rw, i, "localtimestamp"))
		text = "now()";
	else if (is_kw(rw, i, "current_date"))
		text = "(now() - now() % 86400)";
	else
		return 0;
	if (text[0] == '(' && check_call_name(rw, i) < 0)
		return -1;
	add_edit(rw, i, i, xstrdup(text));
	return 1;
}

/* The argument of a call opened at sig token `open`: one column name
 * (`x`, `"x"`, `t.x`).  Returns the ')' that closes it, or NONE. */
static size_t
simple_column_arg(const struct rw *rw, size_t first, size_t open)
{
	size_t close = rw->sig[open].match;

	if (close == NONE)
		return NONE;
	if (close == first + 1 && is_name(rw, first))
		return close;
	if (close == first + 3 && is_name(rw, first) &&
	    is_op(rw, first + 1, ".") && is_name(rw, first + 2))
		return close;
	return NONE;
}

/*
 * Is the expression spanning sig tokens first..last a whole item of a
 * SELECT list with no alias?  Then SQLite names its column after its text.
 */
static int
unaliased_select_item(const struct rw *rw, size_t first, size_t last)
{
	static const char *const ends[] = {
		"from", "union", "except", "intersect", "order", "limit",
		"where", "group", "having", "window"
	};
	static const char *const clauses[] = {
		"from", "where", "group", "order", "having", "by", "on",
		"using", "values", "set", "window", "limit", "returning"
	};
	size_t encl = rw->sig[first].encl, k;

	if (!(last + 1 == rw->nsig || is_op(rw, last + 1, ",") ||
	    is_op(rw, last + 1, ";") || is_op(rw, last + 1, ")") ||
	    kw_in(rw, last + 1, ends, ARRAY_LEN(ends))))
		return 0;
	if (first == 0 || !(is_op(rw, first - 1, ",") ||
	    is_kw(rw, first - 1, "select") || is_kw(rw, first - 1, "distinct") ||
	    is_kw(rw, first - 1, "all")))
		return 0;
	/* Walk back at this nesting level to the clause keyword. */
	for (k = first; k-- > 0;) {
		if (rw->sig[k].encl != encl || k == encl)
			continue;
		if (is_kw(rw, k, "select"))
			return 1;
		if (kw_in(rw, k, clauses, ARRAY_LEN(clauses)))
			return 0;
	}
	return 0;
}

/*
 * count(DISTINCT col) and approx_distinct(col) -> distinct_count(col), a
 * hash-set aggregate (sqlfn.c) that gives the same number several times
 * faster than SQLite's temporary b-tree.  Only for one column and only
 * when the text has no COLLATE anywhere, so every comparison is BINARY,
 * which distinct_count implements.  An unaliased SELECT item keeps the
 * column name SQLite would have given it (its original text).
 * Otherwise approx_distinct(x) -> count(DISTINCT x): SQLite has no
 * HyperLogLog; the exact count is slower on huge tables but never wrong.
 */
static int
rule_distinct(struct rw *rw, size_t i)
{
	int approx = is_kw(rw, i, "approx_distinct");
	size_t arg = approx ? i + 2 : i + 3, close;
	struct sbuf text = { 0 };
	const struct tok *a, *z;

	if ((!approx && !is_kw(rw, i, "count")) || after_dot(rw, i) ||
	    !is_op(rw, i + 1, "(") ||
	    (!approx && !is_kw(rw, i + 2, "distinct")))
		return 0;
	close = rw->collate ? NONE : simple_column_arg(rw, arg, i + 1);
	if (close == NONE) {
		if (!approx)
			return 0;
		add_edit(rw, i, i + 1, xstrdup("count(DISTINCT "));
		return 2;
	}
	a = tok_at(rw, arg);
	z = tok_at(rw, close - 1);
	sbuf_appends(&text, "distinct_count(");
	sbuf_append(&text, rw->sql + a->pos, z->pos + z->len - a->pos);
	sbuf_appends(&text, ")");
	if (unaliased_select_item(rw, i, close)) {
		const char *p = rw->sql + tok_at(rw, i)->pos;
		const char *end = rw->sql + tok_end(rw, close);

		sbuf_appends(&text, " AS \"");
		for (; p < end; p++) {
			if (*p == '"')
				sbuf_appendc(&text, '"');
			sbuf_appendc(&text, *p);
		}
		sbuf_appendc(&text, '"');
	}
	add_edit(rw, i, close, text.data);
	return (int)(close - i + 1);
}

/* ------------------------------------------------------------------ */
/* Guards: queries SQLite would run but answer wrongly                 */

/* now(), from_unixtime(...), date_trunc(...): epoch-second values. */
static int
is_time_function(const struct rw *rw, size_t i)
{
	return !after_dot(rw, i) && is_op(rw, i + 1, "(") &&
	    kw_in(rw, i, time_functions, ARRAY_LEN(time_functions));
}

/* current_date and friends, which this module turns into numbers. */
static int
is_time_keyword(const struct rw *rw, size_t i)
{
	static const char *const names[] = {
		"current_date", "current_timestamp", "localtimestamp"
	};

	return !after_dot(rw, i) && !is_op(rw, i + 1, "(") &&
	    kw_in(rw, i, names, ARRAY_LEN(names));
}

/* The flow columns start and end (quoted or not), not CASE's END. */
static int
is_time_column(const struct rw *rw, size_t i)
{
	return (name_is(rw, i, "start") || name_is(rw, i, "end")) &&
	    !rw->sig[i].case_end && !is_op(rw, i + 1, "(");
}

/* First token of a time-valued operand that ends at token last, or NONE. */
static size_t
time_operand_before(const struct rw *rw, size_t last)
{
	size_t first = last, open;

	if (last >= rw->nsig)
		return NONE;
	if (is_time_column(rw, last)) {
		while (first >= 2 && is_op(rw, first - 1, ".") &&
		    is_name(rw, first - 2))
			first -= 2;
		return first;
	}
	if (is_time_keyword(rw, last))
		return last;
	open = rw->sig[last].match;
	if (is_op(rw, last, ")") && open != NONE && open > 0 &&
	    is_time_function(rw, open - 1))
		return open - 1;
	return NONE;
}

/* Last token of a time-valued operand that starts at token first, or NONE. */
static size_t
time_operand_after(const struct rw *rw, size_t first)
{
	size_t last = first;

	if (first >= rw->nsig)
		return NONE;
	if (is_time_function(rw, first))
		return rw->sig[first + 1].match;
	if (is_time_keyword(rw, first))
		return first;
	while (is_name(rw, last) && is_op(rw, last + 1, ".") &&
	    is_name(rw, last + 2))
		last += 2;
	return is_time_column(rw, last) ? last : NONE;
}

/* A time operand (significant tokens first..last) facing text token lit. */
struct cmp {
	size_t at;		/* where the comparison starts, for the error */
	size_t first, last;
	size_t lit;
};

enum risk {
	RISK_NONE,
	RISK_TYPE,		/* text against a number: compared by type */
	RISK_SECONDS		/* '2026' converted to 2026 seconds, 1970 */
};

/*
 * How SQLite would misread the comparison.  The text is a string literal
 * or a double-quoted word starting with a digit (SQLite reads "2026-11-01"
 * as a string when no column has that name).  All digits next to a column
 * are converted by its INTEGER affinity, which is right for epoch seconds
 * ('1700000000') but surely not what '2026' or '20261101' meant; next to an
 * expression such as now(), which has no affinity, no conversion happens.
 */
static enum risk
text_risk(const struct rw *rw, const struct cmp *c)
{
	const struct tok *t = tok_at(rw, c->lit);
	const char *s;
	size_t k, n;

	if (t == NULL || t->open || (t->kind != TOK_STRING &&
	    !(t->kind == TOK_QUOTED && rw->sql[t->pos] == '"')))
		return RISK_NONE;
	s = rw->sql + t->pos + 1;
	n = t->len - 2;
	if (t->kind == TOK_QUOTED && (n == 0 || !is_digit((unsigned char)*s)))
		return RISK_NONE;
	for (k = 0; k < n && is_digit((unsigned char)s[k]); k++)
		;
	if (n == 0 || k < n || !is_time_column(rw, c->last))
		return RISK_TYPE;
	return n >= 9 ? RISK_NONE : RISK_SECONDS;	/* 9 digits: 1973 */
}

/* What to write instead of the text whose body is given. */
static char *
suggest_time(const char *body, enum risk risk)
{
	struct timeconv_iso in;
	size_t n = strlen(body), k;
	char ymd[11];

	for (k = 0; is_digit((unsigned char)body[k]); k++)
		;
	if (n == 8 && k == 8) {		/* 20261101 -> 2026-11-01 */
		snprintf(ymd, sizeof ymd, "%.4s-%.2s-%.2s", body, body + 4,
		    body + 6);
		body = ymd;
		n = 10;
	}
	if (n == 4 && k == 4)
		return xasprintf("Write TIMESTAMP '%s-01-01 00:00:00' for the "
		    "year, or epoch seconds", body);
	if (k > 0 && k == n && risk == RISK_TYPE)
		return xasprintf("Write %s without quotes", body);
	if (parse_literal(body, 0, &in) < 0)
		return xstrdup("Write the time as TIMESTAMP "
		    "'YYYY-MM-DD HH:MM:SS' or as epoch seconds");
	return xasprintf("Write TIMESTAMP '%s%s' or "
	    "to_unixtime(from_iso8601_timestamp('%s'))", body,
	    n == 10 ? " 00:00:00" : "", body);
}

/* Fail if the comparison c is one SQLite would answer wrongly. */
static int
check_text(struct rw *rw, const struct cmp *c)
{
	enum risk risk = text_risk(rw, c);
	const struct tok *t = tok_at(rw, c->lit);
	char *operand, *shown, *body, *fix;

	if (risk == RISK_NONE)
		return 0;
	operand = clip_span(rw, c->first, c->last);
	shown = clip(rw->sql + t->pos, t->len);
	body = t->kind == TOK_STRING ? string_body(rw, c->lit) :
	    xstrndup(rw->sql + t->pos + 1, t->len - 2);
	fix = suggest_time(body, risk);
	if (risk == RISK_SECONDS)
		fail(rw, tok_at(rw, c->at)->pos, "%s is epoch seconds, so %s "
		    "means %s seconds after 1970-01-01 00:00:00 UTC, not a "
		    "date. %s", operand, shown, body, fix);
	else
		fail(rw, tok_at(rw, c->at)->pos, "%s is epoch seconds but %s "
		    "is text%s; SQLite would compare them as different types "
		    "and silently return wrong rows. %s", operand, shown,
		    t->kind == TOK_QUOTED ? " (SQLite reads a double-quoted "
		    "word that names no column as a string)" : "", fix);
	free(operand);
	free(shown);
	free(body);
	free(fix);
	return -1;
}

/* time op 'text' or 'text' op time, at comparison operator i. */
static int
guard_compare(struct rw *rw, size_t i)
{
	static const char *const ops[] = {
		"=", "==", "<>", "!=", "<", "<=", ">", ">="
	};
	struct cmp c;
	size_t k;

	for (k = 0; k < ARRAY_LEN(ops) && !is_op(rw, i, ops[k]); k++)
		;
	if (k == ARRAY_LEN(ops) || i == 0)
		return 0;
	c.first = time_operand_before(rw, i - 1);
	if (c.first != NONE) {
		c.at = c.first;
		c.last = i - 1;
		c.lit = i + 1;
		if (check_text(rw, &c) < 0)
			return -1;
	}
	c.last = time_operand_after(rw, i + 1);
	if (c.last != NONE) {
		c.at = c.lit = i - 1;
		c.first = i + 1;
		return check_text(rw, &c);
	}
	return 0;
}

/*
 * The time operand before a BETWEEN or IN at i (skipping NOT): sets *left
 * to its last token and returns its first, or NONE.
 */
static size_t
operand_before_keyword(const struct rw *rw, size_t i, size_t *left)
{
	if (i == 0)
		return NONE;
	*left = i - 1;
	if (is_kw(rw, *left, "not") && *left > 0)
		(*left)--;
	return time_operand_before(rw, *left);
}

/*
 * The AND that ends a BETWEEN's low bound starting at token k, or NONE.
 * Parenthesised groups are jumped over, and the scan stops where the bound
 * cannot continue, so the guard stays linear on hostile input.
 */
static size_t
find_between_and(const struct rw *rw, size_t k)
{
	for (; k < rw->nsig; k++) {
		if (is_kw(rw, k, "and"))
			return k;
		if (is_op(rw, k, "(") && rw->sig[k].match != NONE)
			k = rw->sig[k].match;
		else if (is_op(rw, k, ")") || is_op(rw, k, ",") ||
		    is_op(rw, k, ";") || is_kw(rw, k, "between"))
			return NONE;
	}
	return NONE;
}

/* time [NOT] BETWEEN 'text' AND 'text', at BETWEEN i. */
static int
guard_between(struct rw *rw, size_t i)
{
	struct cmp c;
	size_t and;

	if (!is_kw(rw, i, "between"))
		return 0;
	if ((c.first = operand_before_keyword(rw, i, &c.last)) == NONE)
		return 0;
	c.at = c.first;
	c.lit = i + 1;
	if (check_text(rw, &c) < 0)
		return -1;
	if ((and = find_between_and(rw, i + 1)) == NONE)
		return 0;
	c.lit = and + 1;
	return check_text(rw, &c);
}

/* time [NOT] IN (..., 'text', ...), at IN i. */
static int
guard_in(struct rw *rw, size_t i)
{
	struct cmp c;
	size_t close, k;

	if (!is_kw(rw, i, "in") || !is_op(rw, i + 1, "("))
		return 0;
	c.first = operand_before_keyword(rw, i, &c.last);
	close = rw->sig[i + 1].match;
	if (c.first == NONE || close == NONE)
		return 0;
	c.at = c.first;
	for (k = i + 2; k < close; k++) {
		if (is_op(rw, k, "(") && rw->sig[k].match != NONE) {
			k = rw->sig[k].match;
			continue;
		}
		/* Only whole list items: ('a' || 'b') is someone's plan. */
		if (!(is_op(rw, k - 1, "(") || is_op(rw, k - 1, ",")) ||
		    !(is_op(rw, k + 1, ",") || is_op(rw, k + 1, ")")))
			continue;
		c.lit = k;
		if (check_text(rw, &c) < 0)
			return -1;
	}
	return 0;
}

/* CAST(x AS TIMESTAMP | DATE), at AS i. */
static int
guard_cast(struct rw *rw, size_t i)
{
	size_t open = rw->sig[i].encl;
	int is_date = is_kw(rw, i + 1, "date");

	if (!is_kw(rw, i, "as") || open == NONE || open == 0 ||
	    after_dot(rw, open - 1) || (!is_kw(rw, open - 1, "cast") &&
	    !is_kw(rw, open - 1, "try_cast")) ||
	    (!is_date && !is_kw(rw, i + 1, "timestamp")))
		return 0;
	return fail(rw, tok_at(rw, open - 1)->pos, "CAST(... AS %s) is not "
	    "supported: SQLite would convert with NUMERIC affinity, so "
	    "'2026-11-01' becomes 2026. Timestamps are epoch seconds here: %s",
	    is_date ? "DATE" : "TIMESTAMP", is_date ?
	    "use date_trunc('day', ts) for the day of a timestamp, or "
	    "DATE 'YYYY-MM-DD' for a constant" :
	    "a number needs no cast, and text needs "
	    "from_iso8601_timestamp(text)");
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */

static int
check_guards(struct rw *rw, size_t i)
{
	if (guard_compare(rw, i) < 0 || guard_between(rw, i) < 0 ||
	    guard_in(rw, i) < 0 || guard_cast(rw, i) < 0)
		return -1;
	return 0;
}

/* Tokens consumed by the first rule that applies at i, 0 or -1. */
static int
apply_rules(struct rw *rw, size_t i)
{
	static int (*const rules[])(struct rw *, size_t) = {
		rule_table, rule_interval, rule_literal, rule_now, rule_distinct
	};
	size_t k;
	int n;

	for (k = 0; k < ARRAY_LEN(rules); k++)
		if ((n = rules[k](rw, i)) != 0)
			return n;
	return 0;
}

static int
rewrite_tokens(struct rw *rw)
{
	size_t i = 0;
	int n;

	for (i = 0; i < rw->nsig; i++)
		if (is_kw(rw, i, "collate"))
			rw->collate = 1;
	i = 0;
	while (i < rw->nsig) {
		if (check_guards(rw, i) < 0 || (n = apply_rules(rw, i)) < 0)
			return -1;
		i += n > 0 ? (size_t)n : 1;
	}
	return 0;
}

/*
 * Would a following b on the output fuse into a different token?  A
 * replacement can land against a word ("FROM\"db\".\"t\"" -> FROM flow_logs),
 * a minus sign (x -DATE '1969-12-31' -> x - -86400) or a '.' after a
 * number.
 */
static int
fuses(char a, char b)
{
	return (is_idchar((unsigned char)a) && is_idchar((unsigned char)b)) ||
	    (is_digit((unsigned char)a) && b == '.') ||
	    (a == '-' && b == '-') || (a == '/' && b == '*');
}

static void
append_joined(struct sbuf *out, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (out->len > 0 && fuses(out->data[out->len - 1], s[0]))
		sbuf_appendc(out, ' ');
	sbuf_append(out, s, n);
}

/* The input with every edit applied; comments inside an edit follow it. */
static char *
emit(const struct rw *rw)
{
	struct sbuf out = { 0 };
	size_t cursor = 0, e, k;

	sbuf_append(&out, "", 0);	/* out.data is never NULL */
	for (e = 0; e < rw->nedits; e++) {
		const struct edit *ed = &rw->edits[e];
		size_t from = tok_at(rw, ed->first)->pos;

		append_joined(&out, rw->sql + cursor, from - cursor);
		append_joined(&out, ed->text, strlen(ed->text));
		for (k = rw->sig[ed->first].tok; k < rw->sig[ed->last].tok;
		    k++) {
			const struct tok *t = &rw->toks[k];

			if (t->kind != TOK_COMMENT &&
			    t->kind != TOK_LINE_COMMENT)
				continue;
			sbuf_appendc(&out, ' ');
			sbuf_append(&out, rw->sql + t->pos, t->len);
			if (t->kind == TOK_LINE_COMMENT)
				sbuf_appendc(&out, '\n');
		}
		cursor = tok_end(rw, ed->last);
	}
	append_joined(&out, rw->sql + cursor, strlen(rw->sql + cursor));
	return out.data;
}

static void
rw_free(struct rw *rw)
{
	size_t e;

	for (e = 0; e < rw->nedits; e++)
		free(rw->edits[e].text);
	free(rw->edits);
	free(rw->sig);
	free(rw->toks);
	free(rw->err);
}

char *
sqlrewrite_at(const char *sql, char **err, size_t *err_offset)
{
	struct rw rw;
	char *out = NULL;

	memset(&rw, 0, sizeof rw);
	if (err != NULL)
		*err = NULL;
	if (sql == NULL) {
		if (err != NULL)
			*err = xstrdup("at position 0: no SQL given");
		if (err_offset != NULL)
			*err_offset = 0;
		return NULL;
	}
	rw.sql = sql;
	tokenize(&rw);
	link_tokens(&rw);
	if (rewrite_tokens(&rw) == 0) {
		out = emit(&rw);
	} else {
		if (err_offset != NULL)
			*err_offset = rw.err_pos;
		if (err != NULL) {
			*err = rw.err;
			rw.err = NULL;
		}
	}
	rw_free(&rw);
	return out;
}

char *
sqlrewrite(const char *sql, char **err)
{
	return sqlrewrite_at(sql, err, NULL);
}

/*
 * metrics.c - see metrics.h.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const int64_t metric_windows[METRIC_WINDOW_COUNT] = { 60, 900 };

/* Saturating add: absurd counters must not be undefined behaviour. */
static int64_t
add_sat(int64_t a, int64_t b)
{
	int64_t r;

	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static const char *
action_class(const struct flow_record *rec)
{
	const char *p;
	uint32_t n;

	if (!record_has(rec, COL_ACTION))
		return "-";
	p = rec->sptr[COL_ACTION];
	n = rec->slen[COL_ACTION];
	if (n == 6 && memcmp(p, "ACCEPT", 6) == 0)
		return "ACCEPT";
	if (n == 6 && memcmp(p, "REJECT", 6) == 0)
		return "REJECT";
	return "OTHER";
}

static uint64_t
cell_hash(int64_t w, int64_t start, int32_t proto, const char *action)
{
	uint64_t h = (uint64_t)start * 0x9E3779B97F4A7C15ULL;

	h ^= (uint64_t)w * 0xC2B2AE3D27D4EB4FULL + (uint64_t)(proto + 1);
	h ^= (uint64_t)(unsigned char)action[0] << 40;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 32);
}

static void
metrics_grow(struct metrics_acc *m)
{
	struct metric_cell *old = m->cells;
	size_t oldcap = m->cap, i;

	m->cap = oldcap ? oldcap * 2 : 64;
	m->cells = xcalloc(m->cap, sizeof *m->cells);
	m->count = 0;
	for (i = 0; i < oldcap; i++) {
		struct metric_cell *c = &old[i];
		size_t j;

		if (!c->used)
			continue;
		j = cell_hash(c->window_seconds, c->window_start, c->protocol,
		    c->action) & (m->cap - 1);
		while (m->cells[j].used)
			j = (j + 1) & (m->cap - 1);
		m->cells[j] = *c;
		m->count++;
	}
	free(old);
}

static struct metric_cell *
metrics_cell(struct metrics_acc *m, int64_t w, int64_t start, int32_t proto,
    const char *action)
{
	size_t j;

	if ((m->count + 1) * 2 > m->cap)
		metrics_grow(m);
	j = cell_hash(w, start, proto, action) & (m->cap - 1);
	for (;;) {
		struct metric_cell *c = &m->cells[j];

		if (!c->used) {
			memset(c, 0, sizeof *c);
			c->used = 1;
			c->window_seconds = w;
			c->window_start = start;
			c->protocol = proto;
			strcpy(c->action, action);
			m->count++;
			return c;
		}
		if (c->window_start == start && c->window_seconds == w &&
		    c->protocol == proto && strcmp(c->action, action) == 0)
			return c;
		j = (j + 1) & (m->cap - 1);
	}
}

void
metrics_add(struct metrics_acc *m, const struct flow_record *rec)
{
	const char *action;
	int32_t proto;
	int64_t start, packets, bytes;
	int i;

	if (!record_has(rec, COL_START))
		return;
	start = rec->ival[COL_START];
	proto = record_has(rec, COL_PROTOCOL) ?
	    (int32_t)rec->ival[COL_PROTOCOL] : -1;
	packets = record_has(rec, COL_PACKETS) ? rec->ival[COL_PACKETS] : 0;
	bytes = record_has(rec, COL_BYTES) ? rec->ival[COL_BYTES] : 0;
	action = action_class(rec);
	for (i = 0; i < METRIC_WINDOW_COUNT; i++) {
		int64_t w = metric_windows[i];
		struct metric_cell *c = metrics_cell(m, w, start - start % w,
		    proto, action);

		c->flows++;
		c->packets = add_sat(c->packets, packets);
		c->bytes = add_sat(c->bytes, bytes);
	}
}

int
metrics_each(const struct metrics_acc *m,
    int (*fn)(const struct metric_cell *, void *), void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < m->cap; i++) {
		if (m->cells[i].used && (rc = fn(&m->cells[i], arg)) != 0)
			return rc;
	}
	return 0;
}

void
metrics_reset(struct metrics_acc *m)
{
	if (m->cells)
		memset(m->cells, 0, m->cap * sizeof *m->cells);
	m->count = 0;
}

void
metrics_free(struct metrics_acc *m)
{
	free(m->cells);
	memset(m, 0, sizeof *m);
}

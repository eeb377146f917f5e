/*
 * batch.c - see batch.h.
 *
 * Records are packed into `slots` as: one word with the present-column
 * bitmap (bit 63 set when the record has extra), then one word per present
 * column in column order - the integer itself, or (arena offset << 24 | length)
 * for text - then, if there is extra, one word for it the same way.  Text
 * values longer than 16 MB cannot occur (lines are limited to 64 KB).
 */
#include "batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define EXTRA_BIT ((uint64_t)1 << 63)
#define TEXT_LEN_BITS 24

static void
push_slot(struct batch *b, uint64_t v)
{
	if (b->nslots == b->slots_cap) {
		b->slots_cap = b->slots_cap ? b->slots_cap * 2 : 4096;
		b->slots = xrealloc(b->slots, b->slots_cap * sizeof *b->slots);
	}
	b->slots[b->nslots++] = v;
}

static uint64_t
push_text(struct batch *b, const char *p, size_t len)
{
	uint64_t off = b->arena.len;

	sbuf_append(&b->arena, p, len);
	return off << TEXT_LEN_BITS | (uint64_t)len;
}

void
batch_add_record(struct batch *b, const struct flow_record *rec)
{
	uint64_t text = field_text_columns(), bits;

	push_slot(b, rec->present | (rec->extra.len ? EXTRA_BIT : 0));
	for (bits = rec->present; bits; bits &= bits - 1) {
		int col = column_lowest(bits);

		if ((text >> col) & 1)
			push_slot(b, push_text(b, rec->sptr[col],
			    rec->slen[col]));
		else
			push_slot(b, (uint64_t)rec->ival[col]);
	}
	if (rec->extra.len)
		push_slot(b, push_text(b, rec->extra.data, rec->extra.len));
	b->nrecords++;
	metrics_add(&b->metrics, rec);
}

int
batch_next_record(const struct batch *b, size_t *pos, struct flow_record *out)
{
	uint64_t text = field_text_columns(), head, bits, w;
	size_t i = *pos;

	if (i >= b->nslots)
		return 0;
	head = b->slots[i++];
	out->present = head & ~EXTRA_BIT;
	for (bits = out->present; bits; bits &= bits - 1) {
		int col = column_lowest(bits);

		w = b->slots[i++];
		if ((text >> col) & 1) {
			out->sptr[col] = b->arena.data + (w >> TEXT_LEN_BITS);
			out->slen[col] = (uint32_t)(w &
			    (((uint64_t)1 << TEXT_LEN_BITS) - 1));
		} else {
			out->ival[col] = (int64_t)w;
		}
	}
	out->extra.data = NULL;
	out->extra.len = out->extra.cap = 0;
	if (head & EXTRA_BIT) {
		w = b->slots[i++];
		out->extra.data = b->arena.data + (w >> TEXT_LEN_BITS);
		out->extra.len = (size_t)(w &
		    (((uint64_t)1 << TEXT_LEN_BITS) - 1));
	}
	*pos = i;
	return 1;
}

/* A record's place in the slots, and its sort key. */
struct batch_key {
	int64_t start;	/* INT64_MIN when the record has none */
	size_t  pos;	/* first slot */
	size_t  len;	/* slots */
};

/*
 * batch_order_by_start's working memory belongs to the thread that sorts
 * (one per producer), not to each batch: the writer's queue, the
 * archiver's hand-offs and the spare pool hold up to a dozen batches, and
 * a copy of the slots plus two keys per record is about 2 MB for each.
 * Freed when the thread exits.
 */
struct sort_scratch {
	uint64_t           *slots;	/* the reordered copy, swapped in */
	size_t              slots_cap;
	struct batch_key   *keys;	/* one sort key per record, twice */
	size_t              keys_cap;
	uint32_t           *counts;	/* a counting sort's counts */
	size_t              counts_cap;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_ok;

static void
free_scratch(void *arg)
{
	struct sort_scratch *s = arg;

	free(s->slots);
	free(s->keys);
	free(s->counts);
	free(s);
}

static void
make_scratch_key(void)
{
	scratch_ok = pthread_key_create(&scratch_key, free_scratch) == 0;
}

/* This thread's scratch; NULL if the system has no thread-specific
 * storage left (the batch then stays unsorted: the order only saves the
 * store work, it changes nothing stored). */
static struct sort_scratch *
thread_scratch(void)
{
	struct sort_scratch *s;

	pthread_once(&scratch_once, make_scratch_key);
	if (!scratch_ok)
		return NULL;
	if ((s = pthread_getspecific(scratch_key)) == NULL) {
		s = xcalloc(1, sizeof *s);
		if (pthread_setspecific(scratch_key, s) != 0) {
			free(s);
			return NULL;
		}
	}
	return s;
}

/* Stable bottom-up merge sort of k[0..n) by start, using tmp[0..n). */
static void
sort_keys(struct batch_key *k, struct batch_key *tmp, size_t n)
{
	struct batch_key *from = k, *to = tmp, *t;
	size_t width, lo;

	for (width = 1; width < n; width *= 2) {
		for (lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, o = lo;

			while (i < mid && j < hi)
				to[o++] = from[j].start < from[i].start ?
				    from[j++] : from[i++];
			while (i < mid)
				to[o++] = from[i++];
			while (j < hi)
				to[o++] = from[j++];
		}
		t = from, from = to, to = t;
	}
	if (from != k)
		memcpy(k, from, n * sizeof *k);
}

/*
 * Stable counting sort of k[0..n) into out, when the starts span at most
 * COUNTING_SPAN seconds per record (a batch of live flow logs covers a
 * minute or two, so there are far fewer distinct seconds than records):
 * two passes instead of a merge sort's log2(n).  Returns 0 if the span
 * is too wide.
 */
#define COUNTING_SPAN 4

static int
counting_sort(struct sort_scratch *s, const struct batch_key *k, size_t n,
    int64_t lo, int64_t hi, struct batch_key *out)
{
	size_t buckets, i, sum = 0;

	/* bucket 0: records without a start; then one per second lo..hi */
	if (hi < lo)
		buckets = 1;
	else if ((uint64_t)hi - (uint64_t)lo < (uint64_t)n * COUNTING_SPAN)
		buckets = (size_t)((uint64_t)hi - (uint64_t)lo) + 2;
	else
		return 0;
	if (s->counts_cap < buckets) {
		s->counts_cap = buckets;
		s->counts = xrealloc(s->counts, buckets * sizeof *s->counts);
	}
	memset(s->counts, 0, buckets * sizeof *s->counts);
	for (i = 0; i < n; i++)
		s->counts[k[i].start == INT64_MIN ? 0 :
		    (size_t)(k[i].start - lo) + 1]++;
	for (i = 0; i < buckets; i++) {	/* counts become first places */
		uint32_t c = s->counts[i];

		s->counts[i] = (uint32_t)sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		out[s->counts[k[i].start == INT64_MIN ? 0 :
		    (size_t)(k[i].start - lo) + 1]++] = k[i];
	return 1;
}

void
batch_order_by_start(struct batch *b)
{
	uint64_t before_start = ((uint64_t)1 << COL_START) - 1;
	size_t n = 0, i, pos, o;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	const struct batch_key *order;
	struct sort_scratch *s = thread_scratch();
	int sorted = 1;
	uint64_t *t;

	if (s == NULL)
		return;
	if (s->keys_cap < 2 * b->nrecords) {	/* keys, then merge scratch */
		s->keys_cap = 2 * b->nrecords;
		s->keys = xrealloc(s->keys, s->keys_cap * sizeof *s->keys);
	}
	for (pos = 0; pos < b->nslots; n++) {
		uint64_t head = b->slots[pos];
		struct batch_key *k = &s->keys[n];

		k->pos = pos;
		k->len = 1 + (size_t)__builtin_popcountll(head & ~EXTRA_BIT) +
		    ((head & EXTRA_BIT) != 0);
		k->start = ((head >> COL_START) & 1) ? (int64_t)b->slots[pos +
		    1 + (size_t)__builtin_popcountll(head & before_start)] :
		    INT64_MIN;
		if (n > 0 && k->start < k[-1].start)
			sorted = 0;
		if (k->start != INT64_MIN) {
			lo = k->start < lo ? k->start : lo;
			hi = k->start > hi ? k->start : hi;
		}
		pos += k->len;
	}
	if (sorted)
		return;
	if (counting_sort(s, s->keys, n, lo, hi, s->keys + n)) {
		order = s->keys + n;
	} else {
		sort_keys(s->keys, s->keys + n, n);
		order = s->keys;
	}
	/* The sorted copy becomes the batch's slots; its old slots become
	 * this thread's scratch for the next batch. */
	if (s->slots_cap < b->slots_cap) {
		s->slots_cap = b->slots_cap;
		s->slots = xrealloc(s->slots, s->slots_cap * sizeof *s->slots);
	}
	for (i = o = 0; i < n; i++) {
		memcpy(s->slots + o, b->slots + order[i].pos,
		    order[i].len * sizeof *b->slots);
		o += order[i].len;
	}
	t = b->slots, b->slots = s->slots, s->slots = t;
	i = b->slots_cap, b->slots_cap = s->slots_cap, s->slots_cap = i;
}

static int
is_text(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\0')
			return 0;
	return 1;
}

void
batch_add_error(struct batch *b, const char *location, const char *reason,
    const char *raw, size_t raw_len)
{
	struct batch_error *e;

	if (b->nerrors == b->errors_cap) {
		b->errors_cap = b->errors_cap ? b->errors_cap * 2 : 64;
		b->errors = xrealloc(b->errors,
		    b->errors_cap * sizeof *b->errors);
	}
	e = &b->errors[b->nerrors++];
	e->location = b->arena.len;
	sbuf_append(&b->arena, location, strlen(location) + 1);
	e->reason = b->arena.len;
	sbuf_append(&b->arena, reason, strlen(reason) + 1);
	e->raw = b->arena.len;
	e->raw_len = raw_len;
	e->raw_binary = !is_text(raw, raw_len);
	sbuf_append(&b->arena, raw, raw_len);
	sbuf_appendc(&b->arena, '\0');
}

void
batch_add_request(struct batch *b, const char *request_id, int64_t records)
{
	if (b->nrequests == b->requests_cap) {
		b->requests_cap = b->requests_cap ? b->requests_cap * 2 : 16;
		b->requests = xrealloc(b->requests,
		    b->requests_cap * sizeof *b->requests);
	}
	b->requests[b->nrequests].id = b->arena.len;
	b->requests[b->nrequests].records = records;
	b->nrequests++;
	sbuf_append(&b->arena, request_id, strlen(request_id) + 1);
}

size_t
batch_bytes(const struct batch *b)
{
	return b->arena.len + b->nslots * sizeof *b->slots;
}

void
batch_reset(struct batch *b)
{
	sbuf_reset(&b->arena);
	b->nslots = 0;
	b->nrecords = 0;
	b->nerrors = 0;
	b->nrequests = 0;
	b->skipped = 0;
	b->input_bytes = 0;
	b->origin = 0;
	b->on_commit = NULL;
	b->on_commit_arg = NULL;
	b->on_written = NULL;
	metrics_reset(&b->metrics);
	free(b->cp.cursor);
	memset(&b->cp, 0, sizeof b->cp);
	free(b->source);
	b->source = NULL;
}

void
batch_free(struct batch *b)
{
	sbuf_free(&b->arena);
	free(b->slots);
	free(b->errors);
	free(b->requests);
	metrics_free(&b->metrics);
	free(b->cp.cursor);
	free(b->source);
	memset(b, 0, sizeof *b);
}

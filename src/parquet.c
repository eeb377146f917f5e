/*
 * parquet.c - see parquet.h.  Byte layouts follow parquet-format's
 * parquet.thrift and Encodings.md; every metadata field is written with the
 * wire type of its IDL declaration (thrift.h).
 */
#include "parquet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "dynlib.h"

#include "thrift.h"
#include "util.h"

/*
 * Pages hold dictionary indices and plain integers: ZSTD level 1 makes them
 * 2 % smaller than level 3 (10 M records: 144.6 MB against 147.9 MB) with
 * a fifth fewer instructions in ZSTD (2.0 k against 2.5 k per record).
 */
#define ZSTD_LEVEL_DEFAULT 1

/* Parquet enums (parquet.thrift). */
enum { T_INT32 = 1, T_INT64 = 2, T_BYTE_ARRAY = 6 };
enum { REP_OPTIONAL = 1 };
enum { CONV_UTF8 = 0 };
enum { ENC_PLAIN = 0, ENC_PLAIN_DICTIONARY = 2, ENC_RLE = 3 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };

#define DICT_MAX_ENTRIES 65535
#define DICT_MAX_BYTES   (1u << 20)
#define INT_DICT_MAX_ENTRIES 256
#define HASH_SLOTS       (1u << 17)	/* > 2 * DICT_MAX_ENTRIES */

/* One column's buffered values for the current row group. */
struct colbuf {
	uint8_t    *defs;	/* bit r set: row r has a value */
	int64_t    *ints;	/* non-null integer values */
	struct sbuf plain;	/* non-null strings, PLAIN encoded */
	uint32_t   *offs;	/* start of each string in plain */
	size_t      nonnull, cap;
};

/* What the footer needs to know about one written column chunk. */
struct chunk_meta {
	int64_t  usize, csize, data_off, dict_off;	/* dict_off < 0: none */
	int      dict, pages;
	int64_t  null_count;
	int      has_minmax;
	uint8_t *min, *max;
	size_t   min_len, max_len;
};

struct rowgroup_meta {
	int64_t rows, file_offset, usize, csize;
	struct chunk_meta *chunks;
};

/* The encoder's working memory: see pq_workspace_new(). */
struct pq_workspace {
	struct sbuf             page, comp, levels;
	uint32_t               *scratch;	/* def levels of a page */
	size_t                  scratchcap;
	uint32_t               *idx;		/* dictionary index per value */
	size_t                  idxcap;
	uint32_t               *slots;		/* hash slot -> entry + 1 */
	uint32_t               *entry;		/* entry -> first value index */
	ZSTD_CCtx              *zstd;
	z_stream                gz;
	int                     gz_ready;
	int                     gz_level;	/* gz was made for this level */
};

struct pq_writer {
	FILE                   *f;
	char                   *path;
	const struct pq_column *cols;
	int                     ncols;
	struct pq_options       opt;
	struct colbuf          *cb;
	int64_t                 rows;		/* in the buffered group */
	int64_t                 total_rows;
	int64_t                 offset;		/* bytes written */
	size_t                  buffered;	/* value bytes buffered */
	size_t                  defcap;		/* rows the def bitmaps hold */
	struct rowgroup_meta   *rgs;
	size_t                  nrg, caprg;
	struct tc_writer        tc;
	struct pq_workspace    *ws;		/* opt.workspace, or &own */
	struct pq_workspace     own;
	char                   *errbuf;
};

int
pq_codec_parse(const char *name)
{
	if (strcmp(name, "zstd") == 0)
		return PQ_ZSTD;
	if (strcmp(name, "gzip") == 0)
		return PQ_GZIP;
	if (strcmp(name, "snappy") == 0)
		return PQ_SNAPPY;
	if (strcmp(name, "none") == 0 || strcmp(name, "uncompressed") == 0)
		return PQ_NONE;
	return -1;
}

int
pq_codec_usable(enum pq_codec c, char **err)
{
	return c == PQ_SNAPPY ? dyn_snappy_load(err) : 0;
}

const char *
pq_codec_name(enum pq_codec c)
{
	switch (c) {
	case PQ_ZSTD: return "zstd";
	case PQ_GZIP: return "gzip";
	case PQ_SNAPPY: return "snappy";
	case PQ_NONE: break;
	}
	return "none";
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get_le32(const void *p)
{
	const unsigned char *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

/* The PLAIN bytes of integer v for a column of type t (4 or 8 bytes). */
static size_t
int_plain(enum pq_type t, int64_t v, unsigned char out[8])
{
	if (t == PQ_INT32) {
		put_le32(out, (uint32_t)(int32_t)v);
		return 4;
	}
	put_le64(out, (uint64_t)v);
	return 8;
}

static int
write_bytes(struct pq_writer *w, const void *p, size_t n, char **err)
{
	if (n && fwrite(p, 1, n, w->f) != n) {
		*err = xasprintf("cannot write %s: %s", w->path,
		    strerror(errno));
		return -1;
	}
	w->offset += (int64_t)n;
	return 0;
}

int
pq_open(struct pq_writer **out, const char *path,
    const struct pq_column *cols, int ncols, const struct pq_options *opt,
    char **err)
{
	struct pq_writer *w;
	int i;

	if (pq_codec_usable(opt->codec, err) < 0)
		return -1;
	w = xcalloc(1, sizeof *w);
	w->f = fopen(path, "wb");
	if (w->f == NULL) {
		*err = xasprintf("cannot create %s: %s", path, strerror(errno));
		free(w);
		return -1;
	}
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	w->path = xstrdup(path);
	w->cols = cols;
	w->ncols = ncols;
	w->opt = *opt;
	w->ws = opt->workspace ? opt->workspace : &w->own;
	if (w->opt.row_group_rows <= 0)
		w->opt.row_group_rows = 1048576;
	if (w->opt.row_group_bytes == 0)
		w->opt.row_group_bytes = (size_t)128 << 20;
	if (w->opt.page_bytes == 0)
		w->opt.page_bytes = 1 << 20;
	if (w->opt.created_by == NULL)
		w->opt.created_by = "flowlens";
	w->cb = xcalloc((size_t)ncols, sizeof *w->cb);
	w->defcap = 1024;
	for (i = 0; i < ncols; i++)
		w->cb[i].defs = xcalloc(w->defcap / 8, 1);
	tc_init(&w->tc);
	*out = w;
	if (write_bytes(w, "PAR1", 4, err) < 0) {
		pq_abandon(w);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void
set_def(struct pq_writer *w, int col)
{
	w->cb[col].defs[w->rows >> 3] |= (uint8_t)(1u << (w->rows & 7));
}

void
pq_put_int(struct pq_writer *w, int col, int64_t v)
{
	struct colbuf *c = &w->cb[col];

	set_def(w, col);
	if (c->nonnull == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->ints = xrealloc(c->ints, c->cap * sizeof *c->ints);
	}
	c->ints[c->nonnull++] = v;
	w->buffered += 8;
}

void
pq_put_str(struct pq_writer *w, int col, const void *p, size_t n)
{
	struct colbuf *c = &w->cb[col];
	unsigned char len[4];

	set_def(w, col);
	if (c->nonnull == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->offs = xrealloc(c->offs, c->cap * sizeof *c->offs);
	}
	c->offs[c->nonnull++] = (uint32_t)c->plain.len;
	put_le32(len, (uint32_t)n);
	sbuf_reserve(&c->plain, 4 + n);	/* one check for both parts */
	memcpy(c->plain.data + c->plain.len, len, 4);
	memcpy(c->plain.data + c->plain.len + 4, p, n);
	c->plain.len += 4 + n;
	c->plain.data[c->plain.len] = '\0';
	w->buffered += n + 8;
}

int64_t
pq_rows(const struct pq_writer *w)
{
	return w->total_rows + w->rows;
}

int64_t
pq_size_estimate(const struct pq_writer *w)
{
	/* Buffered values compress to roughly a quarter (README figures). */
	return w->offset + (int64_t)(w->buffered / 4);
}

/* ------------------------------------------------------------ encodings */

static int
bit_width(uint32_t max)
{
	int bw = 0;

	while (max) {
		bw++;
		max >>= 1;
	}
	return bw;
}

static void
rle_run(struct sbuf *out, uint32_t count, uint32_t v, int bw)
{
	uint64_t head = (uint64_t)count << 1;
	unsigned char *o;
	int i;

	sbuf_reserve(out, 10 + 4);	/* a varint and a value */
	o = (unsigned char *)out->data + out->len;
	while (head >= 0x80) {
		*o++ = (unsigned char)(head | 0x80);
		head >>= 7;
	}
	*o++ = (unsigned char)head;
	for (i = 0; i < (bw + 7) / 8; i++)
		*o++ = (unsigned char)(v >> (8 * i));
	out->len = (size_t)((char *)o - out->data);
}

/* Bit-pack groups*8 values (v[0..n), zero padded) LSB first. */
static void
bitpack_run(struct sbuf *out, const uint32_t *v, size_t n, size_t groups,
    int bw)
{
	uint64_t acc = 0;
	int bits = 0;
	size_t i;
	unsigned char *o;

	sbuf_reserve(out, 1 + groups * (size_t)bw);
	o = (unsigned char *)out->data + out->len;
	*o++ = (unsigned char)((groups << 1) | 1);	/* groups <= 63 */
	for (i = 0; i < groups * 8; i++) {
		acc |= (uint64_t)(i < n ? v[i] : 0) << bits;
		bits += bw;
		while (bits >= 8) {
			*o++ = (unsigned char)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	out->len = (size_t)((char *)o - out->data);
}

static size_t
equal_run(const uint32_t *v, size_t i, size_t n)
{
	size_t j = i + 1;

	while (j < n && v[j] == v[i])
		j++;
	return j - i;
}

/*
 * The RLE / bit-packing hybrid (Encodings.md): runs of >= 8 equal values as
 * RLE runs, the rest in bit-packed runs of at most 63 groups that end only
 * on a group boundary (or at the very end, padded to the next 8 values).
 */
static void
rle_hybrid(struct sbuf *out, const uint32_t *v, size_t n, int bw)
{
	size_t i = 0;

	while (i < n) {
		size_t run = equal_run(v, i, n), j, groups = 0;

		if (run >= 8) {
			rle_run(out, (uint32_t)run, v[i], bw);
			i += run;
			continue;
		}
		j = i;
		while (j < n && groups < 63) {
			j += 8;
			groups++;
			if (j < n && equal_run(v, j, n) >= 8)
				break;
		}
		if (j > n)
			j = n;
		bitpack_run(out, v + i, j - i, groups, bw);
		i = j;
	}
}

/* -------------------------------------------------------- compression */

/* A gzip stream at `level` in ws, reset for the next member: 0 or -1. */
static int
gzip_ready(struct pq_workspace *ws, int level)
{
	if (ws->gz_ready && ws->gz_level != level) {
		deflateEnd(&ws->gz);
		ws->gz_ready = 0;
	}
	if (ws->gz_ready)
		return deflateReset(&ws->gz) == Z_OK ? 0 : -1;
	/* windowBits 15 + 16: a gzip (RFC 1952) member. */
	memset(&ws->gz, 0, sizeof ws->gz);
	if (deflateInit2(&ws->gz, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	ws->gz_ready = 1;
	ws->gz_level = level;
	return 0;
}

static int
compress_page(struct pq_writer *w, const struct sbuf *in, char **err)
{
	struct pq_workspace *ws = w->ws;
	size_t cap, n = in->len;
	const char *src = in->data ? in->data : "";

	sbuf_reset(&ws->comp);
	switch (w->opt.codec) {
	case PQ_NONE:
		sbuf_append(&ws->comp, src, n);
		return 0;
	case PQ_ZSTD:
		if (ws->zstd == NULL)
			ws->zstd = ZSTD_createCCtx();
		cap = ZSTD_compressBound(n);
		sbuf_reserve(&ws->comp, cap);
		cap = ZSTD_compressCCtx(ws->zstd, ws->comp.data, cap, src, n,
		    w->opt.level ? w->opt.level : ZSTD_LEVEL_DEFAULT);
		if (ZSTD_isError(cap)) {
			*err = xasprintf("zstd: %s", ZSTD_getErrorName(cap));
			return -1;
		}
		ws->comp.len = cap;
		return 0;
	case PQ_SNAPPY:
		cap = dyn_snappy.max_compressed_length(n);
		sbuf_reserve(&ws->comp, cap);
		if (dyn_snappy.compress(src, n, ws->comp.data, &cap) != SNAPPY_OK) {
			*err = xasprintf("snappy compression failed");
			return -1;
		}
		ws->comp.len = cap;
		return 0;
	case PQ_GZIP:
		if (gzip_ready(ws, w->opt.level ? w->opt.level : 6) < 0) {
			*err = xasprintf("gzip: cannot initialise");
			return -1;
		}
		cap = deflateBound(&ws->gz, n) + 32;
		sbuf_reserve(&ws->comp, cap);
		ws->gz.next_in = (Bytef *)src;
		ws->gz.avail_in = (uInt)n;
		ws->gz.next_out = (Bytef *)ws->comp.data;
		ws->gz.avail_out = (uInt)cap;
		if (deflate(&ws->gz, Z_FINISH) != Z_STREAM_END) {
			*err = xasprintf("gzip compression failed");
			return -1;
		}
		ws->comp.len = cap - ws->gz.avail_out;
		return 0;
	}
	*err = xasprintf("unknown codec %d", (int)w->opt.codec);
	return -1;
}

/* ------------------------------------------------------------ chunks */

static const unsigned char *
str_at(const struct colbuf *c, size_t i, size_t *len)
{
	const unsigned char *p = (const unsigned char *)c->plain.data +
	    c->offs[i];

	*len = get_le32(p);
	return p + 4;
}

static int
bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);	/* unsigned bytes */

	if (r)
		return r;
	return an < bn ? -1 : an > bn;
}

static uint8_t *
dup_bytes(const void *p, size_t n)
{
	uint8_t *d = xmalloc(n ? n : 1);

	memcpy(d, p, n);
	return d;
}

/* null_count, min and max over the buffered values of column col; when
 * it has a dictionary of `entries` (ws->entry), strings are compared over
 * the distinct values only. */
static void
chunk_stats(struct pq_writer *w, int col, size_t entries,
    struct chunk_meta *m)
{
	const struct colbuf *c = &w->cb[col];
	enum pq_type t = w->cols[col].type;
	unsigned char b[8];
	size_t i, n;

	m->null_count = w->rows - (int64_t)c->nonnull;
	if (c->nonnull == 0)
		return;
	m->has_minmax = 1;
	if (t == PQ_STRING) {
		size_t minl, maxl;
		const unsigned char *min = str_at(c, 0, &minl), *max = min;

		maxl = minl;
		for (i = 1; i < (entries ? entries : c->nonnull); i++) {
			const unsigned char *p = str_at(c,
			    entries ? w->ws->entry[i] : i, &n);

			if (bytes_cmp(p, n, min, minl) < 0) {
				min = p;
				minl = n;
			} else if (bytes_cmp(p, n, max, maxl) > 0) {
				max = p;
				maxl = n;
			}
		}
		m->min = dup_bytes(min, minl);
		m->min_len = minl;
		m->max = dup_bytes(max, maxl);
		m->max_len = maxl;
		return;
	} else {
		int64_t lo = c->ints[0], hi = c->ints[0];

		for (i = 1; i < c->nonnull; i++) {
			if (c->ints[i] < lo)
				lo = c->ints[i];
			if (c->ints[i] > hi)
				hi = c->ints[i];
		}
		m->min_len = int_plain(t, lo, b);
		m->min = dup_bytes(b, m->min_len);
		m->max_len = int_plain(t, hi, b);
		m->max = dup_bytes(b, m->max_len);
	}
}

/* Mix one 8-byte word into h: a bijection of h ^ w, so nothing is lost
 * before the finish. */
static uint64_t
hash_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ull;
	return h << 31 | h >> 33;
}

/* MurmurHash3's finalizer: every input bit reaches the low bits the hash
 * table's slot index takes. */
static uint64_t
hash_finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

/*
 * Hash a string 8 bytes at a time (FNV-1a, byte by byte, was a fifth of
 * the archiver's dictionary time); the last word overlaps the one before
 * it.  Only probing depends on the hash: dictionaries, and so the files,
 * are the same whatever it is.
 */
static uint64_t
hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = n, w = 0;
	size_t i;

	if (n < 8) {
		for (i = 0; i < n; i++)
			w = w << 8 | p[i];
		h = hash_mix(h, w);
	} else {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&w, p + i, 8);
			h = hash_mix(h, w);
		}
		memcpy(&w, p + n - 8, 8);
		h = hash_mix(h, w);
	}
	return hash_finish(h);
}

static uint64_t
hash_int(int64_t v)
{
	uint64_t h = (uint64_t)v * 0x9E3779B97F4A7C15ull;

	return h ^ (h >> 31);
}

/*
 * Try a dictionary for column col: fill ws->idx and ws->entry and return the
 * number of entries, or 0 when PLAIN is better (too many or too large
 * entries, or no saving).  *dict_bytes gets the dictionary's PLAIN size.
 */
static size_t
build_dictionary(struct pq_writer *w, int col, size_t *dict_bytes)
{
	struct pq_workspace *ws = w->ws;
	const struct colbuf *c = &w->cb[col];
	enum pq_type t = w->cols[col].type;
	size_t i, entries = 0, plain_bytes, bytes = 0, idx_bytes;
	size_t vsize = t == PQ_INT32 ? 4 : 8;
	/* Integers: wide indices compress worse than the PLAIN values they
	 * replace (measured against DuckDB's files, README), so only small
	 * dictionaries; giving up at the first entry too many spares hashing
	 * the rest of a column like `start` or `bytes`. */
	size_t most = t == PQ_STRING ? DICT_MAX_ENTRIES : INT_DICT_MAX_ENTRIES;
	uint32_t mask;

	if (c->nonnull == 0)
		return 0;
	/* Twice the slots of the most entries this chunk can have. */
	for (mask = 15; mask < HASH_SLOTS - 1 && mask < 2 * c->nonnull &&
	    mask < 2 * most;)
		mask = mask << 1 | 1;
	if (ws->slots == NULL) {
		ws->slots = xmalloc(HASH_SLOTS * sizeof *ws->slots);
		ws->entry = xmalloc((DICT_MAX_ENTRIES + 1) *
		    sizeof *ws->entry);
	}
	if (ws->idxcap < c->nonnull) {
		ws->idxcap = c->nonnull;
		ws->idx = xrealloc(ws->idx, ws->idxcap * sizeof *ws->idx);
	}
	memset(ws->slots, 0, (mask + 1) * sizeof *ws->slots);
	for (i = 0; i < c->nonnull; i++) {
		const unsigned char *p = NULL;
		size_t n = 0;
		uint64_t h;
		uint32_t s;

		if (t == PQ_STRING) {
			p = str_at(c, i, &n);
			h = hash_bytes(p, n);
		} else {
			h = hash_int(c->ints[i]);
		}
		for (s = (uint32_t)h & mask;; s = (s + 1) & mask) {
			uint32_t e = ws->slots[s];

			if (e == 0) {
				if (entries == most)
					return 0;
				ws->entry[entries] = (uint32_t)i;
				ws->slots[s] = (uint32_t)++entries;
				bytes += t == PQ_STRING ? n + 4 : vsize;
				if (bytes > DICT_MAX_BYTES)
					return 0;
				ws->idx[i] = (uint32_t)(entries - 1);
				break;
			}
			if (t == PQ_STRING) {
				size_t en;
				const unsigned char *ep = str_at(c,
				    ws->entry[e - 1], &en);

				if (en == n && memcmp(ep, p, n) == 0) {
					ws->idx[i] = e - 1;
					break;
				}
			} else if (c->ints[ws->entry[e - 1]] == c->ints[i]) {
				ws->idx[i] = e - 1;
				break;
			}
		}
	}
	plain_bytes = t == PQ_STRING ? c->plain.len : c->nonnull * vsize;
	idx_bytes = (c->nonnull * (size_t)bit_width((uint32_t)entries - 1) +
	    7) / 8;
	if (bytes + idx_bytes >= plain_bytes)
		return 0;
	*dict_bytes = bytes;
	return entries;
}

/* Write one page (header, then the compressed payload in ws->page). */
static int
write_page(struct pq_writer *w, struct chunk_meta *m, int type,
    int32_t num_values, int encoding, char **err)
{
	struct pq_workspace *ws = w->ws;

	if (compress_page(w, &ws->page, err) < 0)
		return -1;
	if (ws->page.len > INT32_MAX || ws->comp.len > INT32_MAX) {
		*err = xasprintf("page too large");
		return -1;
	}
	tc_reset(&w->tc);
	tc_i32(&w->tc, 1, type);
	tc_i32(&w->tc, 2, (int32_t)ws->page.len);
	tc_i32(&w->tc, 3, (int32_t)ws->comp.len);
	if (type == PAGE_DATA) {
		tc_struct_begin(&w->tc, 5);
		tc_i32(&w->tc, 1, num_values);
		tc_i32(&w->tc, 2, encoding);
		tc_i32(&w->tc, 3, ENC_RLE);
		tc_i32(&w->tc, 4, ENC_RLE);
		tc_struct_end(&w->tc);
	} else {
		tc_struct_begin(&w->tc, 7);
		tc_i32(&w->tc, 1, num_values);
		tc_i32(&w->tc, 2, ENC_PLAIN);
		tc_struct_end(&w->tc);
	}
	tc_stop(&w->tc);
	m->usize += (int64_t)(w->tc.out.len + ws->page.len);
	m->csize += (int64_t)(w->tc.out.len + ws->comp.len);
	if (write_bytes(w, w->tc.out.data, w->tc.out.len, err) < 0 ||
	    write_bytes(w, ws->comp.data, ws->comp.len, err) < 0)
		return -1;
	return 0;
}

static int
write_dictionary_page(struct pq_writer *w, int col, size_t entries,
    struct chunk_meta *m, char **err)
{
	struct pq_workspace *ws = w->ws;
	const struct colbuf *c = &w->cb[col];
	enum pq_type t = w->cols[col].type;
	unsigned char b[8];
	size_t e, n;

	sbuf_reset(&ws->page);
	for (e = 0; e < entries; e++) {
		if (t == PQ_STRING) {
			const unsigned char *p = str_at(c, ws->entry[e], &n);

			sbuf_append(&ws->page, p - 4, n + 4);
		} else {
			n = int_plain(t, c->ints[ws->entry[e]], b);
			sbuf_append(&ws->page, b, n);
		}
	}
	m->dict_off = w->offset;
	return write_page(w, m, PAGE_DICTIONARY, (int32_t)entries, ENC_PLAIN,
	    err);
}

/* Size in bits that value i adds to a page. */
static size_t
value_bits(const struct pq_writer *w, int col, size_t i, int bw)
{
	const struct colbuf *c = &w->cb[col];

	if (bw)
		return (size_t)bw;
	switch (w->cols[col].type) {
	case PQ_INT32: return 32;
	case PQ_INT64: return 64;
	case PQ_STRING: break;
	}
	return 8 * (size_t)(4 + get_le32(c->plain.data + c->offs[i]));
}

/* Build the payload of a data page for rows [r0, r1), values [v0, v1). */
static void
build_data_page(struct pq_writer *w, int col, int64_t r0, int64_t r1,
    size_t v0, size_t v1, int bw)
{
	struct pq_workspace *ws = w->ws;
	const struct colbuf *c = &w->cb[col];
	enum pq_type t = w->cols[col].type;
	unsigned char b[8];
	int64_t r;
	size_t i;

	sbuf_reset(&ws->levels);
	if (r1 - r0 >= 8 && (v0 == v1 || v1 - v0 == (size_t)(r1 - r0))) {
		/* All NULL or none: the one RLE run rle_hybrid() would
		 * find, without expanding the bits first. */
		rle_run(&ws->levels, (uint32_t)(r1 - r0), v0 != v1, 1);
	} else {
		for (r = r0; r < r1; r++)
			ws->scratch[r - r0] = (c->defs[r >> 3] >> (r & 7)) & 1;
		rle_hybrid(&ws->levels, ws->scratch, (size_t)(r1 - r0), 1);
	}
	sbuf_reset(&ws->page);
	put_le32(b, (uint32_t)ws->levels.len);
	sbuf_append(&ws->page, b, 4);
	sbuf_append(&ws->page, ws->levels.data, ws->levels.len);
	if (v0 == v1)
		return;
	if (bw) {
		sbuf_appendc(&ws->page, (char)bw);
		rle_hybrid(&ws->page, ws->idx + v0, v1 - v0, bw);
	} else if (t == PQ_STRING) {
		size_t end = v1 < c->nonnull ? c->offs[v1] : c->plain.len;

		sbuf_append(&ws->page, c->plain.data + c->offs[v0],
		    end - c->offs[v0]);
	} else {
		sbuf_reserve(&ws->page, (v1 - v0) * 8);
		for (i = v0; i < v1; i++) {
			size_t n = int_plain(t, c->ints[i], b);

			memcpy(ws->page.data + ws->page.len, b, n);
			ws->page.len += n;
		}
		ws->page.data[ws->page.len] = '\0';
	}
}

static int
write_chunk(struct pq_writer *w, int col, struct chunk_meta *m, char **err)
{
	const struct colbuf *c = &w->cb[col];
	size_t entries, dict_bytes = 0, v = 0, limit = w->opt.page_bytes * 8;
	int64_t r = 0;
	int bw = 0;

	m->dict_off = -1;
	entries = build_dictionary(w, col, &dict_bytes);
	chunk_stats(w, col, entries, m);
	if (entries) {
		m->dict = 1;
		bw = bit_width((uint32_t)entries - 1);
		if (bw == 0)
			bw = 1;
		if (write_dictionary_page(w, col, entries, m, err) < 0)
			return -1;
	}
	m->data_off = w->offset;
	while (r < w->rows) {
		int64_t r0 = r;
		size_t v0 = v, bits = 0;

		if (c->nonnull == 0) {	/* all NULL: one bit a row */
			r = r0 + (w->rows - r0 < (int64_t)limit ?
			    w->rows - r0 : (int64_t)limit);
			bits = (size_t)(r - r0);
		}
		while (r < w->rows && (bits < limit || r == r0)) {
			bits++;
			if ((c->defs[r >> 3] >> (r & 7)) & 1)
				bits += value_bits(w, col, v++, bw);
			r++;
		}
		build_data_page(w, col, r0, r, v0, v, bw);
		if (write_page(w, m, PAGE_DATA, (int32_t)(r - r0),
		    bw ? ENC_PLAIN_DICTIONARY : ENC_PLAIN, err) < 0)
			return -1;
		m->pages++;
	}
	return 0;
}

/* Free what ws holds; it can be used again (everything is remade). */
static void
workspace_release(struct pq_workspace *ws)
{
	sbuf_free(&ws->page);
	sbuf_free(&ws->comp);
	sbuf_free(&ws->levels);
	free(ws->scratch);
	free(ws->idx);
	free(ws->slots);
	free(ws->entry);
	if (ws->zstd)
		ZSTD_freeCCtx(ws->zstd);
	if (ws->gz_ready)
		deflateEnd(&ws->gz);
	memset(ws, 0, sizeof *ws);
}

struct pq_workspace *
pq_workspace_new(void)
{
	return xcalloc(1, sizeof(struct pq_workspace));
}

void
pq_workspace_free(struct pq_workspace *ws)
{
	if (ws == NULL)
		return;
	workspace_release(ws);
	free(ws);
}

static void
reset_buffers(struct pq_writer *w)
{
	int i;

	/* Give the row group's memory back: many writers may be open (one per
	 * partition), and only the ones receiving rows should hold any. */
	w->defcap = 1024;
	for (i = 0; i < w->ncols; i++) {
		struct colbuf *c = &w->cb[i];

		free(c->defs);
		c->defs = xcalloc(w->defcap / 8, 1);
		free(c->ints);
		free(c->offs);
		c->ints = NULL;
		c->offs = NULL;
		c->cap = c->nonnull = 0;
		sbuf_free(&c->plain);
	}
	w->rows = 0;
	w->buffered = 0;
	/* A writer's own workspace goes too (page buffers, dictionary hash,
	 * the ZSTD context: several MB), made again for its next group; a
	 * shared one stays for the next writer's flush (pq_workspace_new). */
	if (w->ws == &w->own)
		workspace_release(&w->own);
}

static int
flush_row_group(struct pq_writer *w, char **err)
{
	struct pq_workspace *ws = w->ws;
	struct rowgroup_meta *rg;
	int i;

	if (w->rows == 0)
		return 0;
	if (w->nrg == w->caprg) {
		w->caprg = w->caprg ? w->caprg * 2 : 8;
		w->rgs = xrealloc(w->rgs, w->caprg * sizeof *w->rgs);
	}
	rg = &w->rgs[w->nrg++];
	memset(rg, 0, sizeof *rg);
	rg->rows = w->rows;
	rg->file_offset = w->offset;
	rg->chunks = xcalloc((size_t)w->ncols, sizeof *rg->chunks);
	if (ws->scratchcap < (size_t)w->rows) {
		ws->scratchcap = (size_t)w->rows;
		ws->scratch = xrealloc(ws->scratch,
		    ws->scratchcap * sizeof *ws->scratch);
	}
	for (i = 0; i < w->ncols; i++) {
		if (write_chunk(w, i, &rg->chunks[i], err) < 0)
			return -1;
		rg->usize += rg->chunks[i].usize;
		rg->csize += rg->chunks[i].csize;
	}
	w->total_rows += w->rows;
	reset_buffers(w);
	return 0;
}

size_t
pq_buffered(const struct pq_writer *w)
{
	return w->buffered;
}

int
pq_flush(struct pq_writer *w, char **err)
{
	return flush_row_group(w, err);
}

int
pq_end_row(struct pq_writer *w, char **err)
{
	int i;

	w->rows++;
	if ((size_t)w->rows == w->defcap) {
		for (i = 0; i < w->ncols; i++) {
			w->cb[i].defs = xrealloc(w->cb[i].defs,
			    w->defcap / 4);
			memset(w->cb[i].defs + w->defcap / 8, 0,
			    w->defcap / 8);
		}
		w->defcap *= 2;
	}
	if (w->rows >= w->opt.row_group_rows ||
	    w->buffered >= w->opt.row_group_bytes)
		return flush_row_group(w, err);
	return 0;
}

/* ------------------------------------------------------------ footer */

static void
footer_schema(struct pq_writer *w)
{
	struct tc_writer *tc = &w->tc;
	int i;

	tc_list_begin(tc, 2, TC_STRUCT, (uint32_t)w->ncols + 1);
	tc_elem_struct_begin(tc);
	tc_string(tc, 4, "schema");
	tc_i32(tc, 5, w->ncols);
	tc_struct_end(tc);
	for (i = 0; i < w->ncols; i++) {
		enum pq_type t = w->cols[i].type;

		tc_elem_struct_begin(tc);
		tc_i32(tc, 1, t == PQ_INT32 ? T_INT32 : t == PQ_INT64 ?
		    T_INT64 : T_BYTE_ARRAY);
		tc_i32(tc, 3, REP_OPTIONAL);
		tc_string(tc, 4, w->cols[i].name);
		if (t == PQ_STRING) {
			tc_i32(tc, 6, CONV_UTF8);
			tc_struct_begin(tc, 10);	/* LogicalType */
			tc_struct_begin(tc, 1);		/* STRING */
			tc_struct_end(tc);
			tc_struct_end(tc);
		}
		tc_struct_end(tc);
	}
}

static void
footer_statistics(struct tc_writer *tc, const struct chunk_meta *m,
    enum pq_type t)
{
	tc_struct_begin(tc, 12);
	if (m->has_minmax && t != PQ_STRING) {
		/* Deprecated signed-order min/max: correct for integers. */
		tc_binary(tc, 1, m->max, m->max_len);
		tc_binary(tc, 2, m->min, m->min_len);
	}
	tc_i64(tc, 3, m->null_count);
	if (m->has_minmax) {
		tc_binary(tc, 5, m->max, m->max_len);
		tc_binary(tc, 6, m->min, m->min_len);
		tc_bool(tc, 7, 1);
		tc_bool(tc, 8, 1);
	}
	tc_struct_end(tc);
}

static void
footer_column_chunk(struct pq_writer *w, int col, const struct chunk_meta *m,
    int64_t rows)
{
	struct tc_writer *tc = &w->tc;
	enum pq_type t = w->cols[col].type;

	tc_elem_struct_begin(tc);
	tc_i64(tc, 2, 0);
	tc_struct_begin(tc, 3);
	tc_i32(tc, 1, t == PQ_INT32 ? T_INT32 : t == PQ_INT64 ? T_INT64 :
	    T_BYTE_ARRAY);
	tc_list_begin(tc, 2, TC_I32, 2);
	tc_elem_i32(tc, m->dict ? ENC_PLAIN_DICTIONARY : ENC_PLAIN);
	tc_elem_i32(tc, ENC_RLE);
	tc_list_begin(tc, 3, TC_BINARY, 1);
	tc_elem_string(tc, w->cols[col].name);
	tc_i32(tc, 4, (int32_t)w->opt.codec);
	tc_i64(tc, 5, rows);
	tc_i64(tc, 6, m->usize);
	tc_i64(tc, 7, m->csize);
	tc_i64(tc, 9, m->data_off);
	if (m->dict)
		tc_i64(tc, 11, m->dict_off);
	footer_statistics(tc, m, t);
	tc_list_begin(tc, 13, TC_STRUCT, m->dict ? 2 : 1);
	if (m->dict) {
		tc_elem_struct_begin(tc);
		tc_i32(tc, 1, PAGE_DICTIONARY);
		tc_i32(tc, 2, ENC_PLAIN);
		tc_i32(tc, 3, 1);
		tc_struct_end(tc);
	}
	tc_elem_struct_begin(tc);
	tc_i32(tc, 1, PAGE_DATA);
	tc_i32(tc, 2, m->dict ? ENC_PLAIN_DICTIONARY : ENC_PLAIN);
	tc_i32(tc, 3, m->pages);
	tc_struct_end(tc);
	tc_struct_end(tc);	/* ColumnMetaData */
	tc_struct_end(tc);	/* ColumnChunk */
}

static void
footer(struct pq_writer *w)
{
	struct tc_writer *tc = &w->tc;
	size_t g;
	int i;

	tc_reset(tc);
	tc_i32(tc, 1, 1);
	footer_schema(w);
	tc_i64(tc, 3, w->total_rows);
	tc_list_begin(tc, 4, TC_STRUCT, (uint32_t)w->nrg);
	for (g = 0; g < w->nrg; g++) {
		const struct rowgroup_meta *rg = &w->rgs[g];

		tc_elem_struct_begin(tc);
		tc_list_begin(tc, 1, TC_STRUCT, (uint32_t)w->ncols);
		for (i = 0; i < w->ncols; i++)
			footer_column_chunk(w, i, &rg->chunks[i], rg->rows);
		tc_i64(tc, 2, rg->usize);
		tc_i64(tc, 3, rg->rows);
		tc_i64(tc, 5, rg->file_offset);
		tc_i64(tc, 6, rg->csize);
		tc_i16(tc, 7, (int16_t)g);
		tc_struct_end(tc);
	}
	tc_string(tc, 6, w->opt.created_by);
	tc_list_begin(tc, 7, TC_STRUCT, (uint32_t)w->ncols);
	for (i = 0; i < w->ncols; i++) {
		tc_elem_struct_begin(tc);
		tc_struct_begin(tc, 1);	/* TYPE_ORDER */
		tc_struct_end(tc);
		tc_struct_end(tc);
	}
	tc_stop(tc);
}

static void
free_writer(struct pq_writer *w)
{
	size_t g;
	int i;

	for (g = 0; g < w->nrg; g++) {
		for (i = 0; i < w->ncols; i++) {
			free(w->rgs[g].chunks[i].min);
			free(w->rgs[g].chunks[i].max);
		}
		free(w->rgs[g].chunks);
	}
	free(w->rgs);
	for (i = 0; i < w->ncols; i++) {
		free(w->cb[i].defs);
		free(w->cb[i].ints);
		free(w->cb[i].offs);
		sbuf_free(&w->cb[i].plain);
	}
	free(w->cb);
	tc_free(&w->tc);
	workspace_release(&w->own);
	free(w->path);
	free(w);
}

int
pq_close(struct pq_writer *w, int64_t *size, char **err)
{
	unsigned char len[4];
	int rc = -1;

	if (flush_row_group(w, err) < 0)
		goto out;
	footer(w);
	put_le32(len, (uint32_t)w->tc.out.len);
	if (write_bytes(w, w->tc.out.data, w->tc.out.len, err) < 0 ||
	    write_bytes(w, len, 4, err) < 0 ||
	    write_bytes(w, "PAR1", 4, err) < 0)
		goto out;
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
		*err = xasprintf("cannot write %s: %s", w->path,
		    strerror(errno));
		goto out;
	}
	if (size)
		*size = w->offset;
	rc = 0;
out:
	if (fclose(w->f) != 0 && rc == 0) {
		*err = xasprintf("cannot close %s: %s", w->path,
		    strerror(errno));
		rc = -1;
	}
	free_writer(w);
	return rc;
}

void
pq_abandon(struct pq_writer *w)
{
	if (w == NULL)
		return;
	fclose(w->f);
	free_writer(w);
}

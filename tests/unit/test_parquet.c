/* Unit tests: the Thrift compact encoder and the Parquet writer
 * (src/thrift.c, src/parquet.c).  The expected bytes were derived by hand
 * from parquet.thrift and the compact protocol spec (comments give the
 * derivation), not copied from another writer's output. */
#include "unit.h"

#include <unistd.h>

#include "parquet.h"
#include "thrift.h"

static int
bytes_equal(const void *got, size_t gn, const unsigned char *want, size_t wn)
{
	size_t i;

	if (gn != wn) {
		fprintf(stderr, "  length %zu, want %zu\n", gn, wn);
		return 0;
	}
	for (i = 0; i < wn; i++) {
		if (((const unsigned char *)got)[i] != want[i]) {
			fprintf(stderr, "  byte %zu: %02x, want %02x\n", i,
			    ((const unsigned char *)got)[i], want[i]);
			return 0;
		}
	}
	return 1;
}

static void
test_thrift_primitives(void)
{
	struct tc_writer w;
	static const unsigned char want[] = {
		0x15, 0x80, 0xA0, 0x06,	/* f1 i32 51200: zigzag 102400 */
		0x16, 0x01,		/* f2 i64 -1: zigzag 1 */
		0x14, 0x7E,		/* f3 i16 63: zigzag 126 */
		0x13, 0x10,		/* f4 i8 16: one raw byte */
		0x11, 0x22,		/* f5 true, f7 false (delta 2) */
		0x05, 0x30, 0x02,	/* f24 i32 1: long form, zigzag(24) */
		0x19, 0xF5, 0x10,	/* f25 list<i32> of 16: long size */
	};
	int i;

	tc_init(&w);
	tc_i32(&w, 1, 51200);
	tc_i64(&w, 2, -1);
	tc_i16(&w, 3, 63);
	tc_i8(&w, 4, 16);
	tc_bool(&w, 5, 1);
	tc_bool(&w, 7, 0);
	tc_i32(&w, 24, 1);
	tc_list_begin(&w, 25, TC_I32, 16);
	CHECK(bytes_equal(w.out.data, w.out.len, want, sizeof want));
	for (i = 0; i < 16; i++)
		tc_elem_i32(&w, 0);
	tc_reset(&w);
	tc_varint(&w, 50399);	/* DF 89 03 (compact protocol spec) */
	CHECK(bytes_equal(w.out.data, w.out.len,
	    (const unsigned char[]){ 0xDF, 0x89, 0x03 }, 3));
	tc_free(&w);
}

static void
test_thrift_nesting(void)
{
	struct tc_writer w;
	/* The last field id is saved around a nested struct: f1, struct f3
	 * { f1 }, f4 -> deltas 1, 2, 1 (inner), 1. */
	static const unsigned char want[] = {
		0x15, 0x02, 0x2C, 0x15, 0x04, 0x00, 0x15, 0x06, 0x00,
	};

	tc_init(&w);
	tc_i32(&w, 1, 1);
	tc_struct_begin(&w, 3);
	tc_i32(&w, 1, 2);
	tc_struct_end(&w);
	tc_i32(&w, 4, 3);
	tc_stop(&w);
	CHECK(bytes_equal(w.out.data, w.out.len, want, sizeof want));
	tc_free(&w);
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(1 << 16);

	*n = f ? fread(p, 1, 1 << 16, f) : 0;
	if (f)
		fclose(f);
	return p;
}

static void
check_file(const char *path, const unsigned char *body, size_t bn,
    const unsigned char *footer, size_t fn)
{
	size_t n;
	unsigned char *got = slurp(path, &n);

	/* "PAR1", column chunks, footer, u32 LE footer length, "PAR1" */
	CHECK(n == 4 + bn + fn + 8);
	if (n == 4 + bn + fn + 8) {
		CHECK(memcmp(got, "PAR1", 4) == 0);
		CHECK(bytes_equal(got + 4, bn, body, bn));
		CHECK(bytes_equal(got + 4 + bn, fn, footer, fn));
		CHECK(got[4 + bn + fn] == fn && got[5 + bn + fn] == 0);
		CHECK(memcmp(got + n - 4, "PAR1", 4) == 0);
	}
	free(got);
	unlink(path);
}

static const struct pq_options plain_opts = {
	.codec = PQ_NONE, .created_by = "t",
};

/* One INT32 column "a", one row, value 7: PLAIN (a dictionary of 4 bytes
 * plus 0 index bytes does not beat 4 PLAIN bytes). */
static void
test_int32_plain_file(void)
{
	static const struct pq_column cols[] = { { "a", PQ_INT32 } };
	static const unsigned char body[] = {
		/* PageHeader: type 0, sizes 10 (zz 0x14), f5 DataPageHeader
		 * {num_values 1, PLAIN, RLE, RLE} */
		0x15, 0x00, 0x15, 0x14, 0x15, 0x14,
		0x2C, 0x15, 0x02, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00,
		0x00,
		/* payload: def-level length 2; bit-packed run of 1 group
		 * (header 03) holding a 1; the PLAIN value */
		0x02, 0x00, 0x00, 0x00, 0x03, 0x01, 0x07, 0x00, 0x00, 0x00,
	};
	static const unsigned char footer[] = {
		0x15, 0x02,			/* version 1 */
		0x19, 0x2C,			/* schema: 2 structs */
		0x48, 0x06, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x02, 0x00,
		0x15, 0x02, 0x25, 0x02, 0x18, 0x01, 'a', 0x00,
		0x16, 0x02,			/* num_rows 1 */
		0x19, 0x1C,			/* row_groups: 1 */
		0x19, 0x1C,			/* columns: 1 */
		0x26, 0x00, 0x1C,		/* file_offset 0, meta_data */
		0x15, 0x02,			/* type INT32 */
		0x19, 0x25, 0x00, 0x06,		/* encodings PLAIN, RLE */
		0x19, 0x18, 0x01, 'a',		/* path_in_schema */
		0x15, 0x00, 0x16, 0x02,		/* codec 0, num_values 1 */
		0x16, 0x36, 0x16, 0x36,		/* sizes 27 (17 + 10) */
		0x26, 0x08,			/* f9 data_page_offset 4 */
		0x3C,				/* f12 statistics */
		0x18, 0x04, 0x07, 0x00, 0x00, 0x00,
		0x18, 0x04, 0x07, 0x00, 0x00, 0x00,
		0x16, 0x00,			/* null_count 0 */
		0x28, 0x04, 0x07, 0x00, 0x00, 0x00,
		0x18, 0x04, 0x07, 0x00, 0x00, 0x00,
		0x11, 0x11, 0x00,		/* exact, exact */
		0x19, 0x1C, 0x15, 0x00, 0x15, 0x00, 0x15, 0x02, 0x00,
		0x00, 0x00,			/* ColumnMetaData, Chunk */
		0x16, 0x36, 0x16, 0x02,		/* total_byte_size, rows */
		0x26, 0x08, 0x16, 0x36,		/* f5 file_offset, f6 */
		0x14, 0x00, 0x00,		/* f7 ordinal i16 0 */
		0x28, 0x01, 't',		/* f6 created_by */
		0x19, 0x1C, 0x1C, 0x00, 0x00,	/* column_orders */
		0x00,
	};
	struct pq_writer *w;
	char path[64], *err = NULL;

	snprintf(path, sizeof path, "/tmp/flowlens-pq-%d.parquet",
	    (int)getpid());
	CHECK(pq_open(&w, path, cols, 1, &plain_opts, &err) == 0);
	pq_put_int(w, 0, 7);
	CHECK(pq_end_row(w, &err) == 0);
	CHECK(pq_close(w, NULL, &err) == 0);
	check_file(path, body, sizeof body, footer, sizeof footer);
}

/* One STRING column "s": "ab", NULL, "ab": a 1-entry dictionary. */
static void
test_string_dictionary_file(void)
{
	static const struct pq_column cols[] = { { "s", PQ_STRING } };
	static const unsigned char body[] = {
		/* dictionary page: type 2, sizes 6, f7 {1 entry, PLAIN} */
		0x15, 0x04, 0x15, 0x0C, 0x15, 0x0C,
		0x4C, 0x15, 0x02, 0x15, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 'a', 'b',
		/* data page: sizes 9, {3 values, PLAIN_DICTIONARY, RLE x2} */
		0x15, 0x00, 0x15, 0x12, 0x15, 0x12,
		0x2C, 0x15, 0x06, 0x15, 0x04, 0x15, 0x06, 0x15, 0x06, 0x00,
		0x00,
		/* levels 1,0,1 bit-packed (0b101); bit width 1; indices 0,0
		 * bit-packed */
		0x02, 0x00, 0x00, 0x00, 0x03, 0x05, 0x01, 0x03, 0x00,
	};
	static const unsigned char footer[] = {
		0x15, 0x02, 0x19, 0x2C,
		0x48, 0x06, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x02, 0x00,
		/* BYTE_ARRAY, OPTIONAL, "s", converted UTF8, f10 {STRING{}} */
		0x15, 0x0C, 0x25, 0x02, 0x18, 0x01, 's', 0x25, 0x00,
		0x4C, 0x1C, 0x00, 0x00, 0x00,
		0x16, 0x06, 0x19, 0x1C, 0x19, 0x1C, 0x26, 0x00, 0x1C,
		0x15, 0x0C, 0x19, 0x25, 0x04, 0x06, 0x19, 0x18, 0x01, 's',
		0x15, 0x00, 0x16, 0x06,		/* codec, num_values 3 */
		0x16, 0x5A, 0x16, 0x5A,		/* sizes 45 (19 + 26) */
		0x26, 0x2E, 0x26, 0x08,		/* data 23, dictionary 4 */
		/* statistics: no legacy min/max for strings; null_count 1 */
		0x1C, 0x36, 0x02, 0x28, 0x02, 'a', 'b', 0x18, 0x02, 'a', 'b',
		0x11, 0x11, 0x00,
		/* encoding_stats: {DICTIONARY_PAGE, PLAIN, 1},
		 * {DATA_PAGE, PLAIN_DICTIONARY, 1} */
		0x19, 0x2C, 0x15, 0x04, 0x15, 0x00, 0x15, 0x02, 0x00,
		0x15, 0x00, 0x15, 0x04, 0x15, 0x02, 0x00,
		0x00, 0x00,
		0x16, 0x5A, 0x16, 0x06, 0x26, 0x08, 0x16, 0x5A, 0x14, 0x00,
		0x00,
		0x28, 0x01, 't', 0x19, 0x1C, 0x1C, 0x00, 0x00, 0x00,
	};
	struct pq_writer *w;
	char path[64], *err = NULL;

	snprintf(path, sizeof path, "/tmp/flowlens-pq-%d.parquet",
	    (int)getpid());
	CHECK(pq_open(&w, path, cols, 1, &plain_opts, &err) == 0);
	pq_put_str(w, 0, "ab", 2);
	CHECK(pq_end_row(w, &err) == 0);
	CHECK(pq_end_row(w, &err) == 0);
	pq_put_str(w, 0, "ab", 2);
	CHECK(pq_end_row(w, &err) == 0);
	CHECK(pq_close(w, NULL, &err) == 0);
	check_file(path, body, sizeof body, footer, sizeof footer);
}

/*
 * Write two files row by row, interleaved, with small row groups so that
 * their flushes alternate; with ws, both writers share it.  Values: an
 * INT64 that grows, a string column with few distinct values (a
 * dictionary) and one with many (PLAIN), and NULLs in every column.
 */
static void
write_pair(const char *pa, const char *pb, const struct pq_options *oa,
    const struct pq_options *ob, struct pq_workspace *ws)
{
	static const struct pq_column cols[] = {
		{ "n", PQ_INT64 }, { "kind", PQ_STRING }, { "id", PQ_STRING },
	};
	struct pq_options o[2] = { *oa, *ob };
	struct pq_writer *w[2];
	char *err = NULL, id[32];
	int i, k;

	o[0].workspace = o[1].workspace = ws;
	o[0].row_group_rows = 300;
	o[1].row_group_rows = 170;
	CHECK(pq_open(&w[0], pa, cols, 3, &o[0], &err) == 0);
	CHECK(pq_open(&w[1], pb, cols, 3, &o[1], &err) == 0);
	for (i = 0; i < 2000; i++) {
		for (k = 0; k < 2; k++) {
			if (i % 7 != 3)
				pq_put_int(w[k], 0, (int64_t)i * (k + 3));
			if (i % 11 != 5)
				pq_put_str(w[k], 1, i % 3 ? "ACCEPT" :
				    "REJECT", 6);
			snprintf(id, sizeof id, "eni-%08x", i * 2654435761u);
			if (i % 13 != 0)
				pq_put_str(w[k], 2, id, strlen(id));
			CHECK(pq_end_row(w[k], &err) == 0);
		}
	}
	CHECK(pq_close(w[0], NULL, &err) == 0);
	CHECK(pq_close(w[1], NULL, &err) == 0);
}

static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int ca, same = fa != NULL && fb != NULL;

	while (same) {
		ca = getc(fa);
		same = ca == getc(fb);	/* both EOF at the same byte, too */
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Writers sharing a workspace write exactly the bytes of writers with
 * their own, for every codec, and when the two use different levels. */
static void
test_shared_workspace_same_bytes(void)
{
	static const struct { enum pq_codec c; int la, lb; } cases[] = {
		{ PQ_NONE, 0, 0 }, { PQ_ZSTD, 0, 0 }, { PQ_ZSTD, 1, 7 },
		{ PQ_GZIP, 0, 0 }, { PQ_GZIP, 1, 9 },
	};
	char p[4][64];
	size_t i, k;

	for (k = 0; k < 4; k++)
		snprintf(p[k], sizeof p[k], "/tmp/flowlens-pqws-%d-%zu.parquet",
		    (int)getpid(), k);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pq_options oa = { .codec = cases[i].c,
		    .level = cases[i].la, .created_by = "t" };
		struct pq_options ob = oa;
		struct pq_workspace *ws = pq_workspace_new();

		ob.level = cases[i].lb;
		write_pair(p[0], p[1], &oa, &ob, NULL);
		write_pair(p[2], p[3], &oa, &ob, ws);
		CHECK(same_file(p[0], p[2]));
		CHECK(same_file(p[1], p[3]));
		pq_workspace_free(ws);
	}
	for (k = 0; k < 4; k++)
		unlink(p[k]);
}

static void
test_codec_names(void)
{
	CHECK_INT(pq_codec_parse("zstd"), PQ_ZSTD);
	CHECK_INT(pq_codec_parse("gzip"), PQ_GZIP);
	CHECK_INT(pq_codec_parse("snappy"), PQ_SNAPPY);
	CHECK_INT(pq_codec_parse("none"), PQ_NONE);
	CHECK_INT(pq_codec_parse("lz4"), -1);
	CHECK_STR(pq_codec_name(PQ_GZIP), "gzip");
}

UNIT_MAIN(UNIT_CASE(test_thrift_primitives), UNIT_CASE(test_thrift_nesting),
    UNIT_CASE(test_int32_plain_file), UNIT_CASE(test_string_dictionary_file),
    UNIT_CASE(test_shared_workspace_same_bytes),
    UNIT_CASE(test_codec_names))

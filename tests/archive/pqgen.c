/* pqgen - write the writer's test files for tests/archive/check.mjs.
 *
 *   pqgen DIR
 * writes, for every codec, DIR/vector-CODEC.parquet (the 20-row test vector:
 * start = 1700000000 + i/3; srcport NULL if i%7==3 else 443 for odd i, else
 * 32768+i; action NULL if i%5==4 else REJECT if i%3==0 else ACCEPT) and
 * DIR/edge-CODEC.parquet (5000 rows in row groups of 1000 and small pages:
 * an all-NULL column, a one-value column, long strings, UTF-8, IPv6, 9-bit
 * dictionary indices), plus DIR/edge.tsv with the expected edge values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet.h"
#include "util.h"

static const struct pq_column vector_cols[] = {
	{ "start", PQ_INT64 }, { "srcport", PQ_INT32 },
	{ "action", PQ_STRING },
};

static const struct pq_column edge_cols[] = {
	{ "id", PQ_INT64 }, { "nothing", PQ_STRING }, { "same", PQ_INT32 },
	{ "long", PQ_STRING }, { "utf8", PQ_STRING }, { "addr", PQ_STRING },
	{ "many", PQ_INT32 },
};

/* Close w (if any) and report; 0 when the file is complete. */
static int
finish(struct pq_writer *w, char *path, char *err)
{
	if (w && pq_close(w, NULL, &err) == 0) {
		free(path);
		return 0;
	}
	fprintf(stderr, "pqgen: %s: %s\n", path, err ? err : "?");
	free(path);
	free(err);
	return 1;
}

static int
vector(const char *dir, enum pq_codec codec)
{
	struct pq_options o = { .codec = codec,
	    .created_by = "flowlens version 0.1.0 (build test)" };
	struct pq_writer *w;
	char *path = xasprintf("%s/vector-%s.parquet", dir, pq_codec_name(codec));
	char *err = NULL;
	int i;

	if (pq_open(&w, path, vector_cols, 3, &o, &err) < 0)
		goto fail;
	for (i = 0; i < 20; i++) {
		pq_put_int(w, 0, 1700000000 + i / 3);
		if (i % 7 != 3)
			pq_put_int(w, 1, i % 2 ? 443 : 32768 + i);
		if (i % 5 != 4)
			pq_put_str(w, 2, i % 3 == 0 ? "REJECT" : "ACCEPT", 6);
		if (pq_end_row(w, &err) < 0)
			goto fail;
	}
	return finish(w, path, NULL);
fail:
	return finish(NULL, path, err);
}

static int
edge(const char *dir, enum pq_codec codec, FILE *tsv)
{
	struct pq_options o = { .codec = codec, .row_group_rows = 1000,
	    .page_bytes = 2000,
	    .created_by = "flowlens version 0.1.0 (build test)" };
	struct pq_writer *w;
	char *path = xasprintf("%s/edge-%s.parquet", dir, pq_codec_name(codec));
	char *err = NULL, lng[5000], u[64], a[64];
	int i, j;

	if (pq_open(&w, path, edge_cols, 7, &o, &err) < 0)
		goto fail;
	for (i = 0; i < 5000; i++) {
		int len = (i * 37) % 4000;

		for (j = 0; j < len; j++)
			lng[j] = (char)('a' + (i + j) % 26);
		snprintf(u, sizeof u, "{\"k\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 %d\"}", i % 11);
		snprintf(a, sizeof a, "2001:db8::%x", i % 300);
		pq_put_int(w, 0, i);
		pq_put_int(w, 2, 42);
		if (i % 3)
			pq_put_str(w, 3, lng, (size_t)len);
		pq_put_str(w, 4, u, strlen(u));
		pq_put_str(w, 5, a, strlen(a));
		pq_put_int(w, 6, i % 2 ? -i : i % 400);
		if (tsv)
			fprintf(tsv, "%d\t%d\t%s\t%s\t%d\n", i,
			    i % 3 ? len : -1, u, a, i % 2 ? -i : i % 400);
		if (pq_end_row(w, &err) < 0)
			goto fail;
	}
	return finish(w, path, NULL);
fail:
	return finish(NULL, path, err);
}

int
main(int argc, char **argv)
{
	static const enum pq_codec codecs[] = { PQ_NONE, PQ_SNAPPY, PQ_GZIP,
	    PQ_ZSTD };
	char *tp;
	FILE *tsv;
	size_t i;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: pqgen DIR\n");
		return 2;
	}
	tp = xasprintf("%s/edge.tsv", argv[1]);
	tsv = fopen(tp, "w");
	for (i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
		rc |= vector(argv[1], codecs[i]);
		rc |= edge(argv[1], codecs[i], i == 0 ? tsv : NULL);
	}
	fclose(tsv);
	free(tp);
	return rc;
}

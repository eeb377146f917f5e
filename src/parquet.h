/*
 * parquet.h - a streaming Parquet file writer for flat tables.
 *
 * What it writes (see the README, "Archive", for the reasons): every column
 * OPTIONAL in a flat schema; physical types INT32, INT64 or BYTE_ARRAY
 * annotated UTF8/STRING; data page v1; definition levels RLE/bit-packed;
 * per column chunk a dictionary (PLAIN_DICTIONARY) when it is smaller than
 * PLAIN and has at most 65535 entries / 1 MB, else PLAIN; exact row-group
 * statistics (null_count, min/max, strings in unsigned byte order) and
 * column_orders; codecs ZSTD, GZIP (RFC 1952 members), SNAPPY (raw blocks),
 * NONE.
 *
 * Rows are buffered in memory for one row group at a time: the group is
 * encoded and written when it reaches opts.row_group_rows rows or
 * opts.row_group_bytes buffered bytes, so memory is bounded by the options,
 * not by the input.  The writer writes to the path it is given; publishing
 * (rename) is the caller's job.  Functions returning int give 0, or -1 with
 * *err set to an allocated message (caller frees).
 */
#ifndef FLOWLENS_PARQUET_H
#define FLOWLENS_PARQUET_H

#include <stddef.h>
#include <stdint.h>

enum pq_type { PQ_INT32, PQ_INT64, PQ_STRING };

enum pq_codec {			/* values are Parquet's CompressionCodec ids */
	PQ_NONE = 0, PQ_SNAPPY = 1, PQ_GZIP = 2, PQ_ZSTD = 6,
};

struct pq_column {
	const char  *name;	/* lower-case, unique */
	enum pq_type type;
};

struct pq_options {
	enum pq_codec codec;
	int           level;		/* ZSTD/GZIP level; 0: codec default */
	int64_t       row_group_rows;	/* 0: 1048576 */
	size_t        row_group_bytes;	/* buffered bytes; 0: 128 MB */
	size_t        page_bytes;	/* encoded bytes per page; 0: 1 MB */
	const char   *created_by;	/* "app version X (build Y)" */
	struct pq_workspace *workspace;	/* shared, see pq_workspace_new();
					 * NULL: the writer's own */
};

struct pq_writer;

/*
 * The encoder's working memory - page and compression buffers, the
 * dictionary hash, the ZSTD or zlib state - is used only while a row group
 * is written out.  A writer's own is freed after each row group, so that
 * many open writers hold none.  Writers whose row groups one thread writes
 * (the archiver's, one per partition) can share one workspace instead: it
 * stays allocated, about 5 MB, so no flush allocates and faults in that
 * memory again.  It must outlive its writers and be used by one thread at
 * a time.
 */
struct pq_workspace;
struct pq_workspace *pq_workspace_new(void);
void pq_workspace_free(struct pq_workspace *ws);

/* "zstd", "gzip", "snappy", "none" -> codec; -1 if unknown. */
int pq_codec_parse(const char *name);
/* 0 when codec c can be used here; else -1 with *err saying which library
 * to install (SNAPPY needs libsnappy, loaded on first use). */
int pq_codec_usable(enum pq_codec c, char **err);
const char *pq_codec_name(enum pq_codec c);

/*
 * Create the file at path (truncating it) and write the leading magic.
 * cols must outlive the writer.
 */
int pq_open(struct pq_writer **out, const char *path,
    const struct pq_column *cols, int ncols, const struct pq_options *opt,
    char **err);

/*
 * Values of the current row, any order; a column not given is NULL.
 * Giving a column twice in one row is a programming error.
 */
void pq_put_int(struct pq_writer *w, int col, int64_t v);
void pq_put_str(struct pq_writer *w, int col, const void *p, size_t n);

/* End the current row; may encode and write a row group. */
int pq_end_row(struct pq_writer *w, char **err);

/* Rows ended so far. */
int64_t pq_rows(const struct pq_writer *w);

/* Bytes written to the file plus bytes buffered (an estimate of the size). */
int64_t pq_size_estimate(const struct pq_writer *w);

/* Value bytes buffered for the current row group. */
size_t pq_buffered(const struct pq_writer *w);

/* Encode and write the buffered rows now, as a (smaller) row group. */
int pq_flush(struct pq_writer *w, char **err);

/*
 * Write the last row group and the footer, fsync and close.  Frees w in
 * every case.  *size gets the file size (may be NULL).
 */
int pq_close(struct pq_writer *w, int64_t *size, char **err);

/* Close and free without finishing the file (the caller removes it). */
void pq_abandon(struct pq_writer *w);

#endif

/*
 * archive.c - see archive.h.
 */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "field.h"
#include "paths.h"
#include "store.h"
#include "upload.h"
#include "util.h"
#include "writer.h"

#define READ_ROWS       16384	/* rows per read statement */
#define MAX_OPEN_FILES  256	/* seal everything beyond this */
/* A row group is written once its values take this much memory (about
 * 44 000 default-format records; DuckDB writes 122 880-row groups), or at
 * 1 M rows: the archiver must fit beside the store writer and the UI in
 * 100 MB.  Bigger groups saved under 1 % of file size (README). */
#define ROW_GROUP_BYTES ((size_t)8 << 20)
/* All open files together buffer at most this; beyond it the largest
 * buffer is written out as a row group. */
#define BUFFER_BYTES    ((size_t)32 << 20)
#define TEMP_PREFIX     ".tmp-flowlens-"
/* A part of an older hour that got no row among the last COLD_ROWS read
 * has its buffer (if at least COLD_MIN_BYTES) written out as a row group
 * at once, beside the store writer, rather than all at the next seal. */
#define COLD_ROWS       65536
#define COLD_MIN_BYTES  ((size_t)1 << 20)
/* Batches the store writer may hand over ahead of the archiver (up to
 * 8 192 records or 4 MB each); when they are all taken, the writer keeps
 * the next one and its rows are read back from the store.  Eight, not
 * four, because the archiver runs at the lowest priority and so falls
 * behind in bursts (README, "Parquet archive": 10 M records, no higher
 * peak RSS). */
#define HANDOFF_QUEUE   8
/* Gaps between hand-offs (see use_handoff) waiting to be read. */
#define MAX_GAPS        64

/* ------------------------------------------------------------ columns */

static struct pq_column columns[FLOW_COL_COUNT + 1];
static pthread_once_t columns_once = PTHREAD_ONCE_INIT;

static void
init_columns(void)
{
	int c;

	for (c = 0; c < FLOW_COL_COUNT; c++) {
		const struct field_def *f = field_for_column(c);

		columns[c].name = f->column;
		columns[c].type = f->type == FIELD_INT32 ? PQ_INT32 :
		    f->type == FIELD_INT64 || f->type == FIELD_TIME ?
		    PQ_INT64 : PQ_STRING;
	}
	columns[FLOW_COL_COUNT].name = "extra";
	columns[FLOW_COL_COUNT].type = PQ_STRING;
}

const struct pq_column *
archive_columns(int *n)
{
	pthread_once(&columns_once, init_columns);
	*n = FLOW_COL_COUNT + 1;
	return columns;
}

char *
archive_default_dir(const char *db_path)
{
	return xasprintf("%s.archive", db_path);
}

void
archive_options_init(struct archive_options *o)
{
	memset(o, 0, sizeof *o);
	o->codec = PQ_ZSTD;
	o->max_bytes = ARCHIVE_MAX_BYTES;
	o->max_age = ARCHIVE_MAX_AGE;
}

/* ------------------------------------------------------------ files */

/* Create dir and its parents, fsyncing each parent that got a new entry. */
static int
make_dirs(const char *dir, char **err)
{
	char *probe = xasprintf("%s/x", dir), *p;
	struct stat st;
	int rc;

	if (stat(dir, &st) == 0) {
		free(probe);
		return 0;
	}
	rc = paths_make_parent(probe, err);
	free(probe);
	if (rc < 0)
		return -1;
	/* Make the new directory entries durable, bottom up. */
	p = xstrdup(dir);
	while (strchr(p + 1, '/')) {
		char *up = paths_dir(p);

		paths_fsync_dir(up);
		free(p);
		p = up;
	}
	free(p);
	return 0;
}

/* A partition value safe in a path: [A-Za-z0-9._-], else '_'. */
static char *
hive_value(const unsigned char *s, size_t n)
{
	char *v;
	size_t i;

	if (s == NULL || n == 0)
		return xstrdup(ARCHIVE_PLACEHOLDER);
	v = xstrndup((const char *)s, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_'))
			v[i] = '_';
	}
	return v;
}

static uint32_t
random_token(void)
{
	uint32_t r = 0;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
			r = 0;
		close(fd);
	}
	return r ^ (uint32_t)getpid() ^ (uint32_t)time(NULL);
}

/* ------------------------------------------------------------ archiver */

struct part {
	char              *account, *region;
	struct sbuf        raw_account, raw_region;	/* as stored, of the
					 * row that opened it */
	int64_t            hour;	/* epoch of the UTC hour */
	int64_t            last_row;	/* rows_read when it got its last */
	char              *dir, *temp;
	struct pq_writer  *pq;
};

/* A batch the store writer handed over (writer_tap): its records got the
 * rowids first..last, in archive generation gen. */
struct handoff {
	struct batch *batch;
	int64_t       first, last, gen;
};

/* Rowids lo..hi, committed or not, that are still to be read. */
struct gap {
	int64_t lo, hi;
};

struct archiver {
	struct store          *store;
	sqlite3               *db;
	sqlite3               *rdb;	/* reads of flow_logs (no mutex) */
	struct archive_options o;
	char                  *root;
	char                  *created_by;
	int                    lockfd;
	sqlite3_stmt          *read;	/* rows after the cursor */
	uint64_t               read_mask;	/* columns read selects */
	int                    read_col[FLOW_COL_COUNT + 1];	/* archive
					 * column of result column 1 + k */
	int                    read_ncols;
	int                    read_pos[FLOW_COL_COUNT + 1];	/* result
					 * column of archive column c */
	pthread_t              thread;
	pthread_mutex_t        mu;
	pthread_cond_t         cv;
	int                    finishing;	/* under mu */
	char                  *error;
	int64_t                watermark;	/* archived_through */
	int64_t                cursor;		/* last rowid buffered */
	int64_t                rows_read;	/* rows buffered, ever */
	int64_t                newest_hour;	/* of the rows buffered */
	int64_t                generation;
	struct part           *parts;
	int                    nparts;
	struct pq_workspace   *pqws;	/* shared by the parts' writers */
	uint32_t               token;		/* names of this seal cycle */
	double                 oldest;		/* when the first row came */
	double                 last_check, last_status;
	struct archiver_stats  stats;		/* under mu */
	/* Batches from the store writer (archiver_attach), under mu: */
	struct writer         *writer;	/* NULL: none, or detached */
	struct handoff         handoffs[HANDOFF_QUEUE];
	int                    hhead, hcount;
	int                    consuming;	/* the thread holds one */
	int                    detaching;	/* the writer has finished */
	int                    stopped;		/* the thread has ended */
	int                    rolled_back;	/* a writer transaction was */
	int64_t                committed_through;	/* writer's rowids */
	/* the thread's own: */
	int64_t                taken_through;	/* last rowid buffered from a
						 * hand-off, or below cursor */
	struct gap             gaps[MAX_GAPS];	/* in rowid order */
	int                    ngaps;
};

static int
db_fail(struct archiver *a, char **err, const char *what)
{
	*err = xasprintf("archive: %s: %s", what, sqlite3_errmsg(a->db));
	return -1;
}

static int
read_state(struct archiver *a, int64_t *through, int64_t *gen, int *flush,
    char **err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->db, "SELECT archived_through, generation, "
	    "flush_requested FROM archive_state WHERE id = 1", -1, &st,
	    NULL) != SQLITE_OK)
		return db_fail(a, err, "cannot read archive_state");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*through = sqlite3_column_int64(st, 0);
		*gen = sqlite3_column_int64(st, 1);
		if (flush)
			*flush = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(a, err, "cannot read archive_state");
	return 0;
}

static void
free_part(struct part *p)
{
	free(p->account);
	free(p->region);
	sbuf_free(&p->raw_account);
	sbuf_free(&p->raw_region);
	free(p->dir);
	free(p->temp);
}

/* Drop every open file (not sealed: its rows will be read again). */
static void
abandon_parts(struct archiver *a)
{
	int i;

	for (i = 0; i < a->nparts; i++) {
		pq_abandon(a->parts[i].pq);
		unlink(a->parts[i].temp);
		free_part(&a->parts[i]);
	}
	a->nparts = 0;
	a->cursor = a->watermark;
	a->taken_through = 0;
	a->ngaps = 0;
}

static struct part *
open_part(struct archiver *a, char *account, char *region, int64_t hour,
    char **err)
{
	struct pq_options po;
	struct part *p;
	struct tm tm;
	time_t t = (time_t)hour;
	int ncols;
	const struct pq_column *cols = archive_columns(&ncols);

	if (a->nparts == 0) {
		a->token = random_token();
		a->oldest = now_monotonic();
	}
	a->parts = xrealloc(a->parts, (size_t)(a->nparts + 1) *
	    sizeof *a->parts);
	p = &a->parts[a->nparts];
	memset(p, 0, sizeof *p);
	p->account = account;
	p->region = region;
	p->hour = hour;
	gmtime_r(&t, &tm);
	p->dir = xasprintf("%s/AWSLogs/aws-account-id=%s/aws-service="
	    "vpcflowlogs/aws-region=%s/year=%04d/month=%02d/day=%02d/"
	    "hour=%02d", a->root, account, region, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
	p->temp = xasprintf("%s/" TEMP_PREFIX "%lld-%08x-%d.parquet", p->dir,
	    (long long)a->watermark, a->token, a->nparts);
	memset(&po, 0, sizeof po);
	po.codec = a->o.codec;
	po.row_group_bytes = ROW_GROUP_BYTES;
	po.created_by = a->created_by;
	po.workspace = a->pqws;
	if (make_dirs(p->dir, err) < 0 ||
	    pq_open(&p->pq, p->temp, cols, ncols, &po, err) < 0) {
		free_part(p);
		return NULL;
	}
	a->nparts++;
	return p;
}

static int
same_bytes(const struct sbuf *b, const unsigned char *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

/* The partition keys of a row: account and region as stored (NULL or
 * empty: none), and start (NULL: 0). */
struct row_keys {
	const unsigned char *acc, *reg;
	size_t               accn, regn;
	int64_t              start;
};

/* The open file for a row's partition (opening it if needed).  Parts are
 * found by the stored values first, without building path values. */
static struct part *
part_for(struct archiver *a, const struct row_keys *k, char **err)
{
	const unsigned char *acc = k->acc, *reg = k->reg;
	size_t accn = k->accn, regn = k->regn;
	int64_t start = k->start, hour;
	struct part *p = NULL;
	char *account, *region;
	int i;

	if (start < 0)
		start = 0;
	hour = start - start % 3600;
	for (i = a->nparts - 1; i >= 0; i--) {
		p = &a->parts[i];
		if (p->hour == hour && same_bytes(&p->raw_account, acc, accn) &&
		    same_bytes(&p->raw_region, reg, regn))
			return p;
	}
	/* Different stored values can share a path value ("a/b", "a_b"). */
	account = hive_value(acc, accn);
	region = hive_value(reg, regn);
	for (i = a->nparts - 1; i >= 0; i--) {
		p = &a->parts[i];
		if (p->hour == hour && strcmp(p->account, account) == 0 &&
		    strcmp(p->region, region) == 0) {
			free(account);
			free(region);
			return p;
		}
	}
	if ((p = open_part(a, account, region, hour, err)) == NULL)
		return NULL;
	sbuf_append(&p->raw_account, acc, accn);
	sbuf_append(&p->raw_region, reg, regn);
	return p;
}

/* The buffered row's bookkeeping, once its values are in p. */
static int
end_row(struct archiver *a, struct part *p, char **err)
{
	if (pq_end_row(p->pq, err) < 0)
		return -1;
	p->last_row = ++a->rows_read;
	if (p->hour > a->newest_hour)
		a->newest_hour = p->hour;
	return 0;
}

/* Put the current row of a->read into pq: the columns it selects; the
 * others are NULL in every row it can return. */
static void
put_row(const struct archiver *a, struct pq_writer *pq,
    const struct pq_column *cols)
{
	sqlite3_stmt *st = a->read;
	int k;

	/* sqlite3_value_*() on the column's value: one locked API call a
	 * column instead of two or three. */
	for (k = 0; k < a->read_ncols; k++) {
		sqlite3_value *v = sqlite3_column_value(st, 1 + k);
		int c = a->read_col[k];

		if (sqlite3_value_type(v) == SQLITE_NULL)
			continue;
		if (cols[c].type == PQ_STRING) {
			const unsigned char *s = sqlite3_value_text(v);

			pq_put_str(pq, c, s, (size_t)sqlite3_value_bytes(v));
		} else {
			pq_put_int(pq, c, sqlite3_value_int64(v));
		}
	}
}

/* Bit of archive column c in a store_columns_used() mask. */
static uint64_t
column_bit(int c)
{
	return c == FLOW_COL_COUNT ? STORE_EXTRA_COLUMN_BIT : (uint64_t)1 << c;
}

/*
 * Make a->read select the columns of mask (and always the partition keys):
 * reading the 31 columns a v2 record never has cost about a third of the
 * archiver's time.
 */
static int
prepare_read(struct archiver *a, uint64_t mask, char **err)
{
	int ncols, c, rc;
	const struct pq_column *cols = archive_columns(&ncols);
	struct sbuf sql = { 0 };

	mask |= column_bit(COL_ACCOUNT_ID) | column_bit(COL_REGION) |
	    column_bit(COL_START);
	if (a->read && mask == a->read_mask)
		return 0;
	sqlite3_finalize(a->read);
	a->read = NULL;
	a->read_ncols = 0;
	sbuf_appends(&sql, "SELECT rowid");
	for (c = 0; c < ncols; c++) {
		a->read_pos[c] = -1;
		if ((mask & column_bit(c)) == 0)
			continue;
		sbuf_printf(&sql, ", \"%s\"", cols[c].name);
		a->read_col[a->read_ncols++] = c;
		a->read_pos[c] = a->read_ncols;
	}
	sbuf_printf(&sql, " FROM flow_logs WHERE rowid > ? AND rowid <= ? "
	    "ORDER BY rowid LIMIT %d", READ_ROWS);
	rc = sqlite3_prepare_v2(a->rdb, sql.data, -1, &a->read, NULL);
	sbuf_free(&sql);
	if (rc != SQLITE_OK) {
		*err = xasprintf("archive: cannot read flow_logs: %s",
		    sqlite3_errmsg(a->rdb));
		return -1;
	}
	a->read_mask = mask;
	return 0;
}

/*
 * Buffer up to READ_ROWS committed rows with rowids after `after`, through
 * `upto`; *n gets how many, *last the last rowid read (after, if none).
 * The columns in use and the rows are read in one snapshot, so no row can
 * have a value in a column the mask leaves out.
 */
static int
read_range(struct archiver *a, int64_t after, int64_t upto, int *n,
    int64_t *last, char **err)
{
	int ncols, rc;
	const struct pq_column *cols = archive_columns(&ncols);
	uint64_t mask;

	*n = 0;
	if (sqlite3_exec(a->rdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    store_columns_used(a->rdb, &mask) < 0) {
		*err = xasprintf("archive: cannot read the store: %s",
		    sqlite3_errmsg(a->rdb));
		goto fail;
	}
	if (prepare_read(a, mask, err) < 0)
		goto fail;
	*last = after;
	sqlite3_bind_int64(a->read, 1, after);
	sqlite3_bind_int64(a->read, 2, upto);
	while ((rc = sqlite3_step(a->read)) == SQLITE_ROW) {
		sqlite3_value *acc = sqlite3_column_value(a->read,
		    a->read_pos[COL_ACCOUNT_ID]);
		sqlite3_value *reg = sqlite3_column_value(a->read,
		    a->read_pos[COL_REGION]);
		struct row_keys k;
		struct part *p;

		k.acc = sqlite3_value_text(acc);
		k.accn = (size_t)sqlite3_value_bytes(acc);
		k.reg = sqlite3_value_text(reg);
		k.regn = (size_t)sqlite3_value_bytes(reg);
		k.start = sqlite3_column_int64(a->read,
		    a->read_pos[COL_START]);
		if ((p = part_for(a, &k, err)) == NULL)
			goto fail;
		put_row(a, p->pq, cols);
		if (end_row(a, p, err) < 0)
			goto fail;
		*last = sqlite3_column_int64(a->read, 0);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		*err = xasprintf("archive: cannot read flow_logs: %s",
		    sqlite3_errmsg(a->rdb));
		goto fail;
	}
	sqlite3_reset(a->read);
	sqlite3_exec(a->rdb, "COMMIT", NULL, NULL, NULL);
	pthread_mutex_lock(&a->mu);
	a->stats.read_rows += *n;
	pthread_mutex_unlock(&a->mu);
	return 0;
fail:
	if (a->read)
		sqlite3_reset(a->read);
	if (!sqlite3_get_autocommit(a->rdb))
		sqlite3_exec(a->rdb, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ------------------------------------------------- hand-offs (writer_tap) */

/*
 * The store writer offers each batch right after inserting it, before its
 * transaction commits.  Rows taken from a batch are buffered like rows read
 * from the store, but sealed only once committed (settle()); a rolled-back
 * transaction makes the archiver drop everything buffered and read the
 * store again.  A batch is used only when it is of the current generation
 * and ends after the cursor; rows between the cursor and it (batches the
 * writer kept, other processes' rows) become a gap, read from the store
 * once committed (fill_gaps).  So the store stays the single source of
 * truth, and the hand-off only saves reading rows back.
 */
static int
tap_offer(void *arg, struct batch *b, int64_t first, int64_t last,
    int64_t gen)
{
	struct archiver *a = arg;
	int taken = 0;

	pthread_mutex_lock(&a->mu);
	if (a->writer && !a->stopped && !a->rolled_back && !a->finishing &&
	    a->hcount < HANDOFF_QUEUE) {
		a->handoffs[(a->hhead + a->hcount) % HANDOFF_QUEUE] =
		    (struct handoff){ b, first, last, gen };
		a->hcount++;
		taken = 1;
		pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return taken;
}

static void
tap_txn_end(void *arg, int ok, int64_t last_rowid)
{
	struct archiver *a = arg;

	pthread_mutex_lock(&a->mu);
	if (!ok)
		a->rolled_back = 1;
	else if (last_rowid > a->committed_through)
		a->committed_through = last_rowid;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void
tap_detach(void *arg)
{
	struct archiver *a = arg;
	struct writer *w;

	pthread_mutex_lock(&a->mu);
	w = a->writer;
	a->detaching = 1;	/* every transaction has ended */
	pthread_cond_broadcast(&a->cv);
	while (a->consuming)
		pthread_cond_wait(&a->cv, &a->mu);
	while (a->hcount > 0) {
		struct batch *b = a->handoffs[a->hhead].batch;

		a->hhead = (a->hhead + 1) % HANDOFF_QUEUE;
		a->hcount--;
		writer_release(w, b);
	}
	a->writer = NULL;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

void
archiver_attach(struct archiver *a, struct writer *w)
{
	struct writer_tap tap = { tap_offer, tap_txn_end, tap_detach, a };

	pthread_mutex_lock(&a->mu);
	a->writer = w;
	pthread_mutex_unlock(&a->mu);
	writer_set_tap(w, &tap);
}

/*
 * Whether the writer committed every rowid through `rowid`: 1 yes, 0 not
 * yet, -1 never (a transaction was rolled back, or the writer finished
 * without).  With wait, waits for the answer rather than saying "not yet".
 */
static int
rows_committed(struct archiver *a, int64_t rowid, int wait)
{
	int rc;

	pthread_mutex_lock(&a->mu);
	while (wait && !a->rolled_back && a->committed_through < rowid &&
	    a->writer && !a->detaching) {
		struct timespec ts = deadline_after_ms(200);

		pthread_cond_timedwait(&a->cv, &a->mu, &ts);
	}
	if (a->rolled_back)
		rc = -1;
	else if (a->committed_through >= rowid)
		rc = 1;
	else
		rc = a->writer && !a->detaching ? 0 : -1;
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/*
 * Read the rows of the gaps (rowids before a hand-off that the archiver
 * did not get from the writer) once they are committed, up to `chunks`
 * reads of READ_ROWS (0: no limit); with wait, waiting for the commits.
 * 0; 1 when a rolled-back transaction made the archiver drop everything
 * buffered; -1 on error.
 */
static int
fill_gaps(struct archiver *a, int wait, int chunks, int *n, char **err)
{
	while (a->ngaps > 0) {
		struct gap *g = &a->gaps[0];
		int64_t last;
		int m, c = rows_committed(a, g->hi, wait);

		if (c < 0) {
			abandon_parts(a);
			return 1;
		}
		if (c == 0)
			return 0;
		do {
			if (read_range(a, g->lo - 1, g->hi, &m, &last, err) < 0)
				return -1;
			*n += m;
			g->lo = last + 1;
			if (m == READ_ROWS && chunks > 0 && --chunks == 0)
				return 0;
		} while (m == READ_ROWS);
		/* A rowid of the gap that is not there was never committed (a
		 * rolled-back transaction's): every row before a committed
		 * hand-off is committed. */
		memmove(a->gaps, a->gaps + 1, (size_t)--a->ngaps *
		    sizeof *a->gaps);
	}
	return 0;
}

/*
 * Before sealing: every buffered row must be committed, and every gap
 * read.  0; 1 when rows taken from a hand-off were rolled back (every open
 * file is dropped; the committed rows are read from the store again); -1
 * on error.
 */
static int
settle(struct archiver *a, char **err)
{
	int n = 0;

	if (a->taken_through <= a->watermark)
		return 0;
	if (rows_committed(a, a->taken_through, 1) < 0) {
		abandon_parts(a);
		return 1;
	}
	return fill_gaps(a, 1, 0, &n, err);
}

/* Buffer the records of h after the cursor. */
static int
take_records(struct archiver *a, const struct handoff *h, int *n,
    char **err)
{
	uint64_t text = field_text_columns();
	struct flow_record r;
	size_t pos = 0;
	int64_t rowid = h->first;
	int taken = 0;

	memset(&r, 0, sizeof r);
	while (batch_next_record(h->batch, &pos, &r)) {
		struct row_keys k;
		struct part *p;
		uint64_t bits;

		if (rowid++ <= a->cursor)
			continue;
		k.acc = record_has(&r, COL_ACCOUNT_ID) ?
		    (const unsigned char *)r.sptr[COL_ACCOUNT_ID] : NULL;
		k.accn = k.acc ? r.slen[COL_ACCOUNT_ID] : 0;
		k.reg = record_has(&r, COL_REGION) ?
		    (const unsigned char *)r.sptr[COL_REGION] : NULL;
		k.regn = k.reg ? r.slen[COL_REGION] : 0;
		k.start = record_has(&r, COL_START) ? r.ival[COL_START] : 0;
		if ((p = part_for(a, &k, err)) == NULL)
			return -1;
		/* The values as the store holds them (store.c bind_record). */
		for (bits = r.present; bits; bits &= bits - 1) {
			int c = column_lowest(bits);

			if ((text >> c) & 1)
				pq_put_str(p->pq, c, r.sptr[c], r.slen[c]);
			else
				pq_put_int(p->pq, c, r.ival[c]);
		}
		if (r.extra.len)
			pq_put_str(p->pq, FLOW_COL_COUNT, r.extra.data,
			    r.extra.len);
		if (end_row(a, p, err) < 0)
			return -1;
		taken++;
	}
	a->cursor = a->taken_through = h->last;
	*n += taken;
	pthread_mutex_lock(&a->mu);
	a->stats.handed_rows += taken;
	pthread_mutex_unlock(&a->mu);
	return 0;
}

/*
 * Use hand-off h.  Rows between the cursor and h become a gap, read from
 * the store once committed (fill_gaps): they may be in h's own open
 * transaction, and waiting for it would let the next hand-offs overflow.
 */
static int
use_handoff(struct archiver *a, const struct handoff *h, int *n, char **err)
{
	if (h->gen != a->generation || h->last <= a->cursor)
		return 0;
	if (h->first > a->cursor + 1) {
		if (a->ngaps == MAX_GAPS) {
			int rc = fill_gaps(a, 1, 0, n, err);

			if (rc != 0)
				return rc < 0 ? -1 : 0;
		}
		a->gaps[a->ngaps++] = (struct gap){ a->cursor + 1,
		    h->first - 1 };
	}
	return take_records(a, h, n, err);
}

/* Use the oldest hand-off, if any: 1, 0 for none, -1 on error. */
static int
consume_handoff(struct archiver *a, int *n, char **err)
{
	struct handoff h;
	struct writer *w;
	int rc;

	pthread_mutex_lock(&a->mu);
	w = a->writer;
	if (a->hcount == 0) {
		pthread_mutex_unlock(&a->mu);
		return 0;
	}
	h = a->handoffs[a->hhead];
	a->hhead = (a->hhead + 1) % HANDOFF_QUEUE;
	a->hcount--;
	a->consuming = 1;
	pthread_mutex_unlock(&a->mu);
	rc = use_handoff(a, &h, n, err);
	/* Handed back before tap_detach() can let the writer go. */
	writer_release(w, h.batch);
	pthread_mutex_lock(&a->mu);
	a->consuming = 0;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return rc < 0 ? -1 : 1;
}

/* Buffer up to READ_ROWS committed rows after the cursor. */
static int
read_rows(struct archiver *a, int *n, char **err)
{
	return read_range(a, a->cursor, INT64_MAX, n, &a->cursor, err);
}

/* Keep the buffered bytes of all open files under BUFFER_BYTES. */
static int
bound_memory(struct archiver *a, char **err)
{
	for (;;) {
		size_t total = 0, most = 0;
		int i, big = -1;

		for (i = 0; i < a->nparts; i++) {
			size_t b = pq_buffered(a->parts[i].pq);

			total += b;
			if (b > most) {
				most = b;
				big = i;
			}
		}
		if (total <= BUFFER_BYTES || big < 0)
			return 0;
		if (pq_flush(a->parts[big].pq, err) < 0)
			return -1;
	}
}

/* Write out the buffers of cold parts (see COLD_ROWS). */
static int
flush_cold_parts(struct archiver *a, char **err)
{
	int i;

	for (i = 0; i < a->nparts; i++) {
		struct part *p = &a->parts[i];

		if (p->hour < a->newest_hour &&
		    a->rows_read - p->last_row >= COLD_ROWS &&
		    pq_buffered(p->pq) >= COLD_MIN_BYTES &&
		    pq_flush(p->pq, err) < 0)
			return -1;
	}
	return 0;
}

static int64_t
buffered_estimate(const struct archiver *a, int64_t *rows)
{
	int64_t size = 0;
	int i;

	*rows = 0;
	for (i = 0; i < a->nparts; i++) {
		size += pq_size_estimate(a->parts[i].pq);
		*rows += pq_rows(a->parts[i].pq);
	}
	return size;
}

/*
 * Run sql; while the store is busy (the writer holds a long transaction on
 * a loaded machine, beyond the 10 s busy timeout) try again, up to about
 * two minutes: the archive waits, it does not give up.
 */
static int
exec(struct archiver *a, const char *sql, char **err, const char *what)
{
	int rc, tries = 0;

	store_want_write(1);	/* the ingest writer lets us in */
	while ((rc = sqlite3_exec(a->db, sql, NULL, NULL, NULL)) ==
	    SQLITE_BUSY && ++tries < 12)
		;
	store_want_write(0);
	if (rc != SQLITE_OK)
		return db_fail(a, err, what);
	return 0;
}

/* Delete archived rows older than the retention (keeping the newest row, so
 * that SQLite never hands out an archived rowid again). */
static int
apply_retention(struct archiver *a, char **err)
{
	char *sql;
	int rc;

	if (a->o.retention <= 0)
		return 0;
	sql = xasprintf("DELETE FROM flow_logs WHERE rowid <= %lld AND "
	    "start < %lld AND rowid < (SELECT max(rowid) FROM flow_logs)",
	    (long long)a->watermark,
	    (long long)(now_epoch() - a->o.retention));
	rc = exec(a, sql, err, "retention: cannot delete archived rows");
	free(sql);
	return rc;
}

static char *
final_name(const struct archiver *a, const struct part *p, int i)
{
	return xasprintf("%s/flowlens-%lld-%lld-%08x-%d.%s.parquet", p->dir,
	    (long long)a->watermark, (long long)a->cursor, a->token, i,
	    pq_codec_name(a->o.codec));
}

/*
 * Seal every open file (archive.h): finish + fsync them, record them and
 * the new watermark in one transaction, publish by rename.
 */
static int
seal(struct archiver *a, char **err)
{
	sqlite3_stmt *ins = NULL;
	int64_t through, gen, *sizes, *rows;
	char **finals;
	int i, rc = -1, n, committed = 0;

	if ((rc = settle(a, err)) != 0)	/* 1: nothing to seal now (a flush
					 * stays asked) */
		return rc < 0 ? -1 : 0;
	n = a->nparts;
	if (n == 0)
		return exec(a, "UPDATE archive_state SET flush_requested = 0 "
		    "WHERE flush_requested <> 0", err, "cannot clear a flush");
	sizes = xcalloc((size_t)n, sizeof *sizes);
	rows = xcalloc((size_t)n, sizeof *rows);
	finals = xcalloc((size_t)n, sizeof *finals);
	for (i = 0; i < n; i++) {
		struct part *p = &a->parts[i];

		rows[i] = pq_rows(p->pq);
		finals[i] = final_name(a, p, i);
		rc = pq_close(p->pq, &sizes[i], err);
		p->pq = NULL;
		if (rc < 0)
			goto out;
		paths_fsync_dir(p->dir);
	}
	rc = -1;
	if (exec(a, "BEGIN IMMEDIATE", err, "cannot start sealing") < 0)
		goto out;
	if (read_state(a, &through, &gen, NULL, err) < 0)
		goto rollback;
	if (through != a->watermark || gen != a->generation) {
		/* Rows were forgotten meanwhile: redo from the store. */
		sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		a->watermark = through;
		a->generation = gen;
		rc = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(a->db, "INSERT INTO archive_files (path, temp, "
	    "account, region, hour, after_rowid, through_rowid, rows, bytes, "
	    "codec, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
	    &ins, NULL) != SQLITE_OK) {
		db_fail(a, err, "cannot record a sealed file");
		goto rollback;
	}
	for (i = 0; i < n; i++) {
		struct part *p = &a->parts[i];

		sqlite3_bind_text(ins, 1, finals[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, p->temp, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, p->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, p->region, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 5, p->hour);
		sqlite3_bind_int64(ins, 6, a->watermark);
		sqlite3_bind_int64(ins, 7, a->cursor);
		sqlite3_bind_int64(ins, 8, rows[i]);
		sqlite3_bind_int64(ins, 9, sizes[i]);
		sqlite3_bind_text(ins, 10, pq_codec_name(a->o.codec), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(ins, 11, now_epoch());
		if (sqlite3_step(ins) != SQLITE_DONE) {
			db_fail(a, err, "cannot record a sealed file");
			goto rollback;
		}
		sqlite3_reset(ins);
	}
	{
		char *sql = xasprintf("UPDATE archive_state SET "
		    "archived_through = %lld, flush_requested = 0, "
		    "buffered_rows = 0, open_files = 0, updated_at = %lld; "
		    "COMMIT", (long long)a->cursor, (long long)now_epoch());

		rc = exec(a, sql, err, "cannot commit sealed files");
		free(sql);
		if (rc < 0)
			goto rollback;
	}
	/* Committed: from here on a restart would finish the renames, so the
	 * temporary files must stay even if a rename fails. */
	committed = 1;
	for (i = 0; i < n; i++) {
		if (rename(a->parts[i].temp, finals[i]) < 0) {
			*err = xasprintf("archive: cannot rename %s: %s",
			    a->parts[i].temp, strerror(errno));
			rc = -1;
		}
		paths_fsync_dir(a->parts[i].dir);
	}
	if (rc == 0) {
		char *sql = xasprintf("UPDATE archive_files SET published = 1 "
		    "WHERE after_rowid = %lld AND through_rowid = %lld",
		    (long long)a->watermark, (long long)a->cursor);

		rc = exec(a, sql, err, "cannot mark files published");
		free(sql);
	}
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < n; i++)
		a->stats.sealed_rows += rows[i];
	a->stats.sealed_files += n;
	pthread_mutex_unlock(&a->mu);
	a->watermark = a->cursor;
	if (rc == 0)
		rc = apply_retention(a, err);
	goto out;
rollback:
	sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(ins);
	for (i = 0; i < n; i++) {
		if (a->parts[i].pq)
			pq_abandon(a->parts[i].pq);
		if (!committed)
			unlink(a->parts[i].temp);
		free_part(&a->parts[i]);
		free(finals[i]);
	}
	a->nparts = 0;
	a->cursor = a->watermark;
	free(finals);
	free(sizes);
	free(rows);
	return rc;
}

/* Generation changes (forgotten rows), flush requests, status. */
static int
check_state(struct archiver *a, char **err)
{
	int64_t through, gen, rows;
	int flush;

	if (read_state(a, &through, &gen, &flush, err) < 0)
		return -1;
	if (gen != a->generation) {
		abandon_parts(a);
		a->watermark = a->cursor = through;
		a->generation = gen;
	}
	if (flush)
		return seal(a, err);
	if (now_monotonic() - a->last_status >= 5) {
		char *sql;
		int rc;

		buffered_estimate(a, &rows);
		sql = xasprintf("UPDATE archive_state SET buffered_rows = %lld, "
		    "open_files = %d, updated_at = %lld", (long long)rows,
		    a->nparts, (long long)now_epoch());
		/* Best effort: a busy store only delays this report.  The
		 * ingest writer lets it in, or it would wait for the busy
		 * timeout, not reading rows meanwhile. */
		store_want_write(1);
		rc = sqlite3_exec(a->db, sql, NULL, NULL, NULL);
		store_want_write(0);
		free(sql);
		a->last_status = now_monotonic();
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			return db_fail(a, err, "cannot update archive_state");
		return 0;
	}
	return 0;
}

/* The archiver's loop: read, buffer, seal; until finishing and caught up. */
static int
archive_loop(struct archiver *a, char **err)
{
	for (;;) {
		int64_t rows, size;
		double now;
		int fin, n, took;

		pthread_mutex_lock(&a->mu);
		fin = a->finishing;
		pthread_mutex_unlock(&a->mu);
		n = 0;
		/* Hand-offs first, so that they do not overflow while a gap is
		 * read: then one read of a gap, or of rows after the cursor. */
		if ((took = consume_handoff(a, &n, err)) < 0 ||
		    (!took && a->ngaps && fill_gaps(a, 0, 1, &n, err) < 0) ||
		    (!took && read_rows(a, &n, err) < 0) ||
		    bound_memory(a, err) < 0 ||
		    (n > 0 && flush_cold_parts(a, err) < 0))
			return -1;
		now = now_monotonic();
		if (n == 0 || now - a->last_check >= 1) {
			a->last_check = now;
			if (check_state(a, err) < 0)
				return -1;
		}
		size = buffered_estimate(a, &rows);
		if (a->nparts && (size >= a->o.max_bytes ||
		    now - a->oldest >= (double)a->o.max_age ||
		    a->nparts > MAX_OPEN_FILES) && seal(a, err) < 0)
			return -1;
		if (n > 0 || took)
			continue;
		if (fin) {
			int rc = settle(a, err);

			if (rc < 0)
				return -1;
			if (rc > 0)
				continue;
			return seal(a, err);
		}
		pthread_mutex_lock(&a->mu);
		if (!a->finishing && a->hcount == 0) {
			struct timespec ts = deadline_after_ms(200);

			pthread_cond_timedwait(&a->cv, &a->mu, &ts);
		}
		pthread_mutex_unlock(&a->mu);
	}
}

static void *
archiver_main(void *arg)
{
	struct archiver *a = arg;
	char *err = NULL;

	thread_set_name("fl-archiver");
	/* The store writer is the pipeline's one serial stage: the archiver
	 * takes only the CPU time it leaves (2 cores: ingest with the archive
	 * went from 0.93x to 0.99x of ingest without it, README "Parquet
	 * archive").
	 * Falling behind costs nothing but rows read back from the store. */
	thread_lower_priority(19);
	if (archive_loop(a, &err) < 0) {
		abandon_parts(a);
		a->error = err;
	}
	pthread_mutex_lock(&a->mu);
	a->stopped = 1;	/* no more hand-offs: tap_detach() returns them */
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static int
remove_temp(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	if (type == FTW_F && strncmp(path + ftw->base, TEMP_PREFIX,
	    strlen(TEMP_PREFIX)) == 0)
		unlink(path);
	return 0;
}

/* Finish the renames recorded before a crash; delete unrecorded temps. */
static int
recover(struct archiver *a, char **err)
{
	sqlite3_stmt *st;
	char *logs;
	int rc;

	if (sqlite3_prepare_v2(a->db, "SELECT path, temp FROM archive_files "
	    "WHERE published = 0", -1, &st, NULL) != SQLITE_OK)
		return db_fail(a, err, "cannot read archive_files");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *temp = (const char *)sqlite3_column_text(st, 1);

		if (access(path, F_OK) == 0)
			continue;
		if (rename(temp, path) == 0) {
			char *d = paths_dir(path);

			paths_fsync_dir(d);
			free(d);
		} else {
			fprintf(stderr, "flowlens: archive: %s is recorded as "
			    "sealed but neither it nor %s exists\n", path,
			    temp);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(a, err, "cannot read archive_files");
	if (exec(a, "UPDATE archive_files SET published = 1 WHERE "
	    "published = 0", err, "cannot mark files published") < 0)
		return -1;
	logs = xasprintf("%s/AWSLogs", a->root);
	if (access(logs, F_OK) == 0)
		nftw(logs, remove_temp, 16, FTW_PHYS);
	free(logs);
	return 0;
}

/* Take the store's archiver lock; 1 taken, 0 held elsewhere, -1 error. */
static int
take_lock(const char *db_path, int *fd, char **err)
{
	char *path = xasprintf("%s.archiver-lock", db_path);

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0) {
		*err = xasprintf("archive: cannot open %s: %s", path,
		    strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
		close(*fd);
		*fd = -1;
		return 0;
	}
	return 1;
}

static void
free_archiver(struct archiver *a)
{
	abandon_parts(a);
	free(a->parts);
	pq_workspace_free(a->pqws);
	sqlite3_finalize(a->read);
	if (a->rdb)
		sqlite3_close(a->rdb);
	if (a->store)
		store_close(a->store);
	if (a->lockfd >= 0)
		close(a->lockfd);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->root);
	free(a->created_by);
	free(a->error);
	free(a);
}

/* Lock, open, recover and retain; the archiver is ready to run. */
static int
prepare(struct archiver **out, const char *db_path,
    const struct archive_options *o, char **err)
{
	struct archiver *a = xcalloc(1, sizeof *a);
	int locked;

	*out = NULL;
	a->lockfd = -1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	a->o = *o;
	a->root = xstrdup(o->dir);
	a->pqws = pq_workspace_new();
	a->created_by = xasprintf("flowlens version %s (build %s)",
	    FLOWLENS_VERSION, FLOWLENS_BUILD);
	locked = take_lock(db_path, &a->lockfd, err);
	if (locked <= 0) {
		free_archiver(a);
		if (locked == 0) {
			*err = xasprintf("archive: another flowlens process "
			    "archives %s; this one does not", db_path);
			return 0;
		}
		return -1;
	}
	if (make_dirs(a->root, err) < 0 ||
	    store_open(&a->store, db_path, err) < 0) {
		free_archiver(a);
		return -1;
	}
	a->db = store_db(a->store);
	/* The rows are read on a connection of their own, used by this thread
	 * only, so without SQLite's per-call mutex (a third of the reading
	 * cost with 41 columns per row). */
	if (sqlite3_open_v2(db_path, &a->rdb, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*err = xasprintf("archive: cannot open %s: %s", db_path,
		    sqlite3_errmsg(a->rdb));
		free_archiver(a);
		return -1;
	}
	sqlite3_busy_timeout(a->rdb, 10000);
	if (read_state(a, &a->watermark, &a->generation, NULL, err) < 0 ||
	    recover(a, err) < 0 || apply_retention(a, err) < 0) {
		free_archiver(a);
		return -1;
	}
	a->cursor = a->watermark;
	*out = a;
	return 0;
}

int
archiver_start(struct archiver **out, const char *db_path,
    const struct archive_options *o, char **err)
{
	struct archiver *a;

	*out = NULL;
	if (prepare(&a, db_path, o, err) < 0)
		return -1;
	if (a == NULL)
		return 0;	/* another process archives; *err says so */
	if (pthread_create(&a->thread, NULL, archiver_main, a) != 0) {
		*err = xasprintf("archive: cannot start the archiver thread");
		free_archiver(a);
		return -1;
	}
	*out = a;
	return 0;
}

int
archiver_finish(struct archiver *a, struct archiver_stats *final,
    char **err)
{
	int rc = 0;

	pthread_mutex_lock(&a->mu);
	a->finishing = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	if (final)
		archiver_stats(a, final);
	if (a->error) {
		*err = a->error;
		a->error = NULL;
		rc = -1;
	}
	free_archiver(a);
	return rc;
}

void
archiver_stats(struct archiver *a, struct archiver_stats *out)
{
	pthread_mutex_lock(&a->mu);
	*out = a->stats;
	pthread_mutex_unlock(&a->mu);
}

int
archive_flush(const char *db_path, const struct archive_options *o,
    double timeout, char **err)
{
	struct archiver *a;
	struct store *s;
	double until = now_monotonic() + timeout;
	int rc;

	if (prepare(&a, db_path, o, err) < 0)
		return -1;
	if (a != NULL) {		/* nobody archives: do it here */
		a->finishing = 1;
		rc = archive_loop(a, err);
		free_archiver(a);
		return rc;
	}
	free(*err);
	*err = NULL;
	if (store_open(&s, db_path, err) < 0)
		return -1;
	rc = sqlite3_exec(store_db(s), "UPDATE archive_state SET "
	    "flush_requested = 1", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	while (rc == 0) {
		sqlite3_stmt *st;
		int pending = 1;

		if (sqlite3_prepare_v2(store_db(s), "SELECT flush_requested "
		    "FROM archive_state", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			pending = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (!pending)
			break;
		if (now_monotonic() > until) {
			*err = xasprintf("archive: the running archiver did "
			    "not seal within %.0f s", timeout);
			rc = -1;
			break;
		}
		usleep(100000);
	}
	if (rc < 0 && *err == NULL)
		*err = xasprintf("archive: cannot request a flush: %s",
		    sqlite3_errmsg(store_db(s)));
	store_close(s);
	return rc;
}

/* ------------------------------------------------------------ status */

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
archive_status(const char *db_path, const char *dir, const char *upload_dest,
    FILE *out, char **err)
{
	sqlite3 *db;
	int64_t files, rows, bytes, through, pending, buffered, open_files;
	int64_t updated, newest;
	char when[32], *lockpath;
	int fd, running = 0;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		*err = xasprintf("cannot open the store %s: %s", db_path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	through = query_int(db, "SELECT archived_through FROM archive_state");
	if (through < 0) {
		fprintf(out, "archive: %s\nno archive yet (this store was "
		    "never opened by a flowlens with the archive)\n", dir);
		sqlite3_close(db);
		return 0;
	}
	files = query_int(db, "SELECT count(*) FROM archive_files");
	rows = query_int(db, "SELECT total(rows) FROM archive_files");
	bytes = query_int(db, "SELECT total(bytes) FROM archive_files");
	newest = query_int(db, "SELECT max(sealed_at) FROM archive_files");
	pending = query_int(db, "SELECT count(*) FROM flow_logs WHERE rowid > "
	    "(SELECT archived_through FROM archive_state)");
	buffered = query_int(db, "SELECT buffered_rows FROM archive_state");
	open_files = query_int(db, "SELECT open_files FROM archive_state");
	updated = query_int(db, "SELECT updated_at FROM archive_state");
	lockpath = xasprintf("%s.archiver-lock", db_path);
	fd = open(lockpath, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		running = flock(fd, LOCK_SH | LOCK_NB) < 0;
		close(fd);
	}
	free(lockpath);
	fprintf(out, "archive:          %s\n", dir);
	fprintf(out, "sealed files:     %lld (%lld rows, %.1f MB)\n",
	    (long long)files, (long long)rows, (double)bytes / 1e6);
	if (newest > 0) {
		fmt_utc(when, newest);
		fprintf(out, "last sealed:      %s\n", when);
	}
	fprintf(out, "archived through: rowid %lld\n", (long long)through);
	fprintf(out, "not archived yet: %lld committed rows\n",
	    (long long)pending);
	if (running) {
		fmt_utc(when, updated);
		fprintf(out, "archiver:         running; %lld rows buffered in "
		    "%lld open files (as of %s)\n", (long long)buffered,
		    (long long)open_files, when);
	} else {
		fprintf(out, "archiver:         not running ('flowlens archive "
		    "flush' seals what is not archived yet)\n");
	}
	upload_status(db, upload_dest, out);
	sqlite3_close(db);
	return 0;
}

/* ------------------------------------------------------------ DDL */

static const char *
athena_type(enum pq_type t)
{
	return t == PQ_INT32 ? "int" : t == PQ_INT64 ? "bigint" : "string";
}

char *
archive_ddl(const char *location, const char *table)
{
	static const char *const parts[] = { "aws-account-id", "aws-service",
	    "aws-region", "year", "month", "day", "hour" };
	struct sbuf b = { 0 };
	const struct pq_column *cols;
	int n, i;
	size_t len = strlen(location);
	const char *slash = len && location[len - 1] == '/' ? "" : "/";
	struct tm tm;
	time_t now = time(NULL);

	cols = archive_columns(&n);
	gmtime_r(&now, &tm);
	/* Every name is quoted: `end`, `type`, `start` ... are reserved. */
	sbuf_printf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n", table);
	for (i = 0; i < n; i++)
		sbuf_printf(&b, "  `%s` %s%s\n", cols[i].name,
		    athena_type(cols[i].type), i + 1 < n ? "," : "");
	sbuf_appends(&b, ")\nPARTITIONED BY (\n");
	for (i = 0; i < (int)ARRAY_LEN(parts); i++)
		sbuf_printf(&b, "  `%s` string%s\n", parts[i],
		    i + 1 < (int)ARRAY_LEN(parts) ? "," : "");
	sbuf_printf(&b, ")\nSTORED AS PARQUET\nLOCATION '%s%sAWSLogs/'\n"
	    "TBLPROPERTIES (\n"
	    "  'projection.enabled' = 'true',\n"
	    "  'projection.aws-account-id.type' = 'injected',\n"
	    "  'projection.aws-service.type' = 'enum',\n"
	    "  'projection.aws-service.values' = 'vpcflowlogs',\n"
	    "  'projection.aws-region.type' = 'injected',\n"
	    "  'projection.year.type' = 'integer',\n"
	    "  'projection.year.range' = '2015,%d',\n"
	    "  'projection.month.type' = 'integer',\n"
	    "  'projection.month.range' = '1,12',\n"
	    "  'projection.month.digits' = '2',\n"
	    "  'projection.day.type' = 'integer',\n"
	    "  'projection.day.range' = '1,31',\n"
	    "  'projection.day.digits' = '2',\n"
	    "  'projection.hour.type' = 'integer',\n"
	    "  'projection.hour.range' = '0,23',\n"
	    "  'projection.hour.digits' = '2',\n"
	    "  'storage.location.template' = '%s%sAWSLogs/aws-account-id="
	    "${aws-account-id}/aws-service=${aws-service}/aws-region="
	    "${aws-region}/year=${year}/month=${month}/day=${day}/hour="
	    "${hour}/'\n);\n", location, slash, tm.tm_year + 1900 + 10,
	    location, slash);
	return b.data;
}

char *
archive_ddl_duckdb(const char *dir, const char *table)
{
	struct sbuf b = { 0 };
	const struct pq_column *cols;
	int n, i;

	cols = archive_columns(&n);
	sbuf_printf(&b, "CREATE OR REPLACE VIEW \"%s\" AS SELECT\n", table);
	for (i = 0; i < n; i++)
		sbuf_printf(&b, "  CAST(\"%s\" AS %s) AS \"%s\",\n",
		    cols[i].name, cols[i].type == PQ_INT32 ? "INTEGER" :
		    cols[i].type == PQ_INT64 ? "BIGINT" : "VARCHAR",
		    cols[i].name);
	sbuf_appends(&b, "  \"aws-account-id\", \"aws-service\", "
	    "\"aws-region\", \"year\", \"month\", \"day\", \"hour\"\n");
	sbuf_printf(&b, "FROM read_parquet('%s/AWSLogs/*/*/*/*/*/*/*/*.parquet"
	    "', hive_partitioning = true, hive_types = {'aws-account-id': "
	    "'VARCHAR', 'aws-service': 'VARCHAR', 'aws-region': 'VARCHAR', "
	    "'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR', "
	    "'hour': 'VARCHAR'});\n", dir);
	return b.data;
}

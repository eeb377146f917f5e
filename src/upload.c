/*
 * upload.c - see upload.h.
 */
#include "upload.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s3.h"
#include "store.h"
#include "util.h"

#define POLL_SECONDS     2.0	/* between passes when all went well */
#define BACKOFF_FIRST    5.0	/* after a failure; doubles */
#define BACKOFF_MAX      900.0
#define HIVE_ROOT        "/AWSLogs/aws-account-id="

void
upload_report_free(struct upload_report *r)
{
	free(r->last_error);
	r->last_error = NULL;
}

int
upload_parse_dest(const char *url, char **dest, char **err)
{
	char *bucket, *prefix, *inner = NULL;
	size_t n;

	if (s3_parse_url(url, &bucket, &prefix, &inner) < 0) {
		*err = xasprintf("bad --archive-s3 \"%s\": use "
		    "s3://BUCKET/PREFIX/ (bucket names are 3-63 characters "
		    "of a-z 0-9 . -)", url);
		free(inner);
		return -1;
	}
	n = strlen(prefix);
	if (dest)
		*dest = xasprintf("s3://%s/%s%s", bucket, prefix,
		    n && prefix[n - 1] != '/' ? "/" : "");
	free(bucket);
	free(prefix);
	return 0;
}

/* ------------------------------------------------------------ uploader */

struct uploader {
	struct store       *store;
	sqlite3            *db;
	struct aws_client  *client;
	struct s3_call      call;
	char               *bucket, *prefix;	/* prefix "" or ending '/' */
	char               *dest;		/* "s3://bucket/prefix/" */
	pthread_t           thread;
	int                 threaded;
	pthread_mutex_t     mu;
	pthread_cond_t      cv;
	int                 finishing;		/* under mu */
	double              deadline;		/* under mu, when finishing */
	double              backoff;		/* of the next failed pass */
	int64_t             uploaded;
	char               *last_error;
	char               *last_said;		/* last failure printed */
	char               *error;		/* fatal (store) */
};

/* True once the last pass is past its deadline: give up (s3_call). */
static int
past_deadline(void *arg)
{
	struct uploader *u = arg;
	int late;

	pthread_mutex_lock(&u->mu);
	late = u->finishing && now_monotonic() >= u->deadline;
	pthread_mutex_unlock(&u->mu);
	return late;
}

/* Sleep between retries of one PUT; 1 to give up (s3_call). */
static int
retry_sleep(void *arg, double seconds)
{
	double until = now_monotonic() + seconds;

	while (now_monotonic() < until) {
		if (past_deadline(arg))
			return 1;
		usleep(50000);
	}
	return past_deadline(arg);
}

/* The key below the prefix: the path from "AWSLogs/" on, or NULL. */
static const char *
hive_path(const char *path)
{
	const char *p = NULL, *q = path;

	while ((q = strstr(q, HIVE_ROOT)) != NULL)
		p = q++;
	return p ? p + 1 : NULL;
}

static int
db_fail(struct uploader *u, char **err, const char *what)
{
	*err = xasprintf("archive upload: %s: %s", what,
	    sqlite3_errmsg(u->db));
	return -1;
}

/*
 * The next file to upload after *cursor (archive_files.id): published,
 * not uploaded to this destination, and (unless all) not backing off.
 * 1 with *path (allocated), 0 when there is none, -1 on a store error.
 */
static int
next_file(struct uploader *u, int64_t *cursor, int all, char **path,
    int64_t *bytes, char **err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(u->db, "SELECT f.id, f.path, f.bytes FROM "
	    "archive_files f LEFT JOIN archive_uploads u ON u.path = f.path "
	    "AND u.dest = ?1 WHERE f.published = 1 AND f.id > ?2 AND "
	    "(u.path IS NULL OR (u.uploaded_at IS NULL AND (?3 OR "
	    "u.next_try <= ?4))) ORDER BY f.id LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(u, err, "cannot read archive_files");
	sqlite3_bind_text(st, 1, u->dest, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, *cursor);
	sqlite3_bind_int(st, 3, all);
	sqlite3_bind_int64(st, 4, now_epoch());
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cursor = sqlite3_column_int64(st, 0);
		*path = xstrdup((const char *)sqlite3_column_text(st, 1));
		*bytes = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(u, err, "cannot read archive_files");
}

/*
 * Record an upload (etag not NULL) or a failure (error) of path.  A busy
 * store is tried again for a while; if the record still cannot be made the
 * file stays pending and is uploaded again later (same key, same bytes).
 */
static int
record(struct uploader *u, const char *path, const char *key,
    const char *etag, int64_t bytes, const char *error, char **err)
{
	sqlite3_stmt *st;
	int rc, tries = 0;

	if (sqlite3_prepare_v2(u->db, "INSERT INTO archive_uploads (path, "
	    "dest, key, etag, bytes, uploaded_at, attempts, last_error, "
	    "next_try) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8 + ?9) "
	    "ON CONFLICT (path, dest) DO UPDATE SET key = excluded.key, "
	    "etag = excluded.etag, bytes = excluded.bytes, uploaded_at = "
	    "excluded.uploaded_at, attempts = attempts + 1, last_error = "
	    "excluded.last_error, next_try = CASE WHEN excluded.uploaded_at "
	    "IS NULL THEN ?8 + min(?10, ?9 << min(attempts, 8)) ELSE 0 END",
	    -1, &st, NULL) != SQLITE_OK)
		return db_fail(u, err, "cannot record an upload");
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	if (etag) {
		sqlite3_bind_text(st, 4, etag, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, bytes);
		sqlite3_bind_int64(st, 6, now_epoch());
		sqlite3_bind_int64(st, 9, -now_epoch());	/* next_try 0 */
	} else {
		sqlite3_bind_text(st, 7, error, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, (int64_t)BACKOFF_FIRST);
	}
	sqlite3_bind_int64(st, 8, now_epoch());
	sqlite3_bind_int64(st, 10, (int64_t)BACKOFF_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_BUSY && ++tries < 12)
		sqlite3_reset(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(u, err, "cannot record an upload");
	return 0;
}

/* Say a failure on stderr, unless it is the one said last. */
static void
say_failure(struct uploader *u, const char *msg)
{
	if (u->last_said && strcmp(u->last_said, msg) == 0)
		return;
	fprintf(stderr, "flowlens: archive upload to %s: %s (retried "
	    "later)\n", u->dest, msg);
	free(u->last_said);
	u->last_said = xstrdup(msg);
}

/*
 * Upload pending files in archive order.  all: ignore back-off and stop at
 * the deadline (the last pass).  Returns 0 when nothing is left to try, 1
 * when a PUT failed (the pass ends: the endpoint is probably down), -1 on
 * a store error.
 */
static int
pass(struct uploader *u, int all, char **err)
{
	int64_t cursor = 0, bytes;
	char *path;
	int rc;

	while (!past_deadline(u) &&
	    (rc = next_file(u, &cursor, all, &path, &bytes, err)) != 0) {
		const char *rel;
		char *key, *etag = NULL, *msg = NULL;
		int put, local = 1;	/* local: the failure is ours */

		if (rc < 0)
			return -1;
		rel = hive_path(path);
		key = xasprintf("%s%s", u->prefix, rel ? rel : "");
		if (rel == NULL) {
			msg = xasprintf("%s is not below an AWSLogs/ folder",
			    path);
			put = -1;
		} else if (access(path, R_OK) < 0) {
			msg = xasprintf("the sealed file %s is missing", path);
			put = -1;
		} else {
			local = 0;
			put = s3_put_file(u->client, &u->call, u->bucket, key,
			    path, &etag, &msg);
		}
		rc = record(u, path, key, put == 0 ? etag : NULL, bytes, msg,
		    err);
		if (put == 0) {
			u->uploaded++;
		} else {
			say_failure(u, msg);
			free(u->last_error);
			u->last_error = msg;
			msg = NULL;
		}
		free(etag);
		free(msg);
		free(key);
		free(path);
		if (rc < 0)
			return -1;
		/* A missing local file says nothing about the endpoint. */
		if (put != 0 && !local)
			return 1;
	}
	return 0;
}

static void *
uploader_main(void *arg)
{
	struct uploader *u = arg;
	char *err = NULL;

	thread_set_name("fl-uploader");
	for (;;) {
		struct timespec ts;
		double wait;
		int rc, fin;

		pthread_mutex_lock(&u->mu);
		fin = u->finishing;
		pthread_mutex_unlock(&u->mu);
		rc = pass(u, fin, &err);
		if (rc < 0) {
			u->error = err;
			return NULL;
		}
		if (fin)
			return NULL;
		if (rc == 0) {
			wait = POLL_SECONDS;
			u->backoff = BACKOFF_FIRST;
		} else {
			wait = u->backoff;
			u->backoff = u->backoff * 2 > BACKOFF_MAX ?
			    BACKOFF_MAX : u->backoff * 2;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)wait;
		pthread_mutex_lock(&u->mu);
		if (!u->finishing)
			pthread_cond_timedwait(&u->cv, &u->mu, &ts);
		pthread_mutex_unlock(&u->mu);
	}
}

static void
free_uploader(struct uploader *u)
{
	if (u->client)
		aws_client_free(u->client);
	if (u->store)
		store_close(u->store);
	pthread_mutex_destroy(&u->mu);
	pthread_cond_destroy(&u->cv);
	free(u->bucket);
	free(u->prefix);
	free(u->dest);
	free(u->last_error);
	free(u->last_said);
	free(u->error);
	free(u);
}

static int
prepare(struct uploader **out, const char *db_path, const char *url,
    const struct aws_options *ao, char **err)
{
	struct uploader *u = xcalloc(1, sizeof *u);
	struct aws *aws;
	char *inner = NULL;

	*out = NULL;
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	u->backoff = BACKOFF_FIRST;
	if (upload_parse_dest(url, &u->dest, err) < 0 ||
	    s3_parse_url(u->dest, &u->bucket, &u->prefix, err) < 0) {
		free_uploader(u);
		return -1;
	}
	if ((aws = aws_shared(ao, &inner)) == NULL) {
		*err = xasprintf("--archive-s3: %s", inner);
		free(inner);
		free_uploader(u);
		return -1;
	}
	if (store_open(&u->store, db_path, err) < 0) {
		free_uploader(u);
		return -1;
	}
	u->db = store_db(u->store);
	u->client = aws_client_new(aws);
	u->call.sleep = retry_sleep;
	u->call.sleep_arg = u;
	u->call.stopping = past_deadline;
	*out = u;
	return 0;
}

int
uploader_start(struct uploader **out, const char *db_path, const char *url,
    const struct aws_options *ao, char **err)
{
	struct uploader *u;

	if (prepare(&u, db_path, url, ao, err) < 0)
		return -1;
	if (pthread_create(&u->thread, NULL, uploader_main, u) != 0) {
		*err = xasprintf("archive upload: cannot start a thread");
		free_uploader(u);
		return -1;
	}
	u->threaded = 1;
	*out = u;
	return 0;
}

/* Published files not uploaded to u->dest. */
static int64_t
count_pending(sqlite3 *db, const char *dest)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM archive_files f "
	    "WHERE f.published = 1 AND NOT EXISTS (SELECT 1 FROM "
	    "archive_uploads u WHERE u.path = f.path AND u.dest = ?1 AND "
	    "u.uploaded_at IS NOT NULL)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The end of both kinds of run: report, free. */
static int
conclude(struct uploader *u, struct upload_report *r, char **err)
{
	int rc = 0;

	memset(r, 0, sizeof *r);
	r->uploaded = u->uploaded;
	r->pending = count_pending(u->db, u->dest);
	r->last_error = u->last_error;
	u->last_error = NULL;
	if (u->error) {
		*err = u->error;
		u->error = NULL;
		rc = -1;
	}
	free_uploader(u);
	return rc;
}

int
uploader_finish(struct uploader *u, double max_wait,
    struct upload_report *r, char **err)
{
	pthread_mutex_lock(&u->mu);
	u->finishing = 1;
	u->deadline = now_monotonic() + max_wait;
	pthread_cond_signal(&u->cv);
	pthread_mutex_unlock(&u->mu);
	pthread_join(u->thread, NULL);
	return conclude(u, r, err);
}

int
upload_pending(const char *db_path, const char *url,
    const struct aws_options *ao, double max_wait, struct upload_report *r,
    char **err)
{
	struct uploader *u;

	memset(r, 0, sizeof *r);
	if (prepare(&u, db_path, url, ao, err) < 0)
		return -1;
	u->finishing = 1;
	u->deadline = now_monotonic() + max_wait;
	if (pass(u, 1, &u->error) < 0 && u->error == NULL)
		u->error = xasprintf("archive upload failed");
	return conclude(u, r, err);
}

/* ------------------------------------------------------------ status */

void
upload_status(sqlite3 *db, const char *dest, FILE *out)
{
	sqlite3_stmt *st;

	/* Every destination known, plus dest; stores from before the upload
	 * have no archive_uploads table: then only dest. */
	if (sqlite3_prepare_v2(db, "SELECT d, (SELECT count(*) FROM "
	    "archive_uploads WHERE dest = d AND uploaded_at IS NOT NULL), "
	    "(SELECT total(bytes) FROM archive_uploads WHERE dest = d AND "
	    "uploaded_at IS NOT NULL), (SELECT last_error FROM "
	    "archive_uploads WHERE dest = d AND uploaded_at IS NULL ORDER BY "
	    "attempts DESC LIMIT 1) FROM (SELECT DISTINCT dest AS d FROM "
	    "archive_uploads UNION SELECT ?1 WHERE ?1 IS NOT NULL) ORDER BY d",
	    -1, &st, NULL) != SQLITE_OK) {
		if (dest)
			fprintf(out, "uploaded to:      %s: 0 files; every "
			    "sealed file pending\n", dest);
		return;
	}
	if (dest)
		sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		const char *e = (const char *)sqlite3_column_text(st, 3);

		fprintf(out, "uploaded to:      %s: %lld files (%.1f MB); "
		    "%lld pending\n", d, (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_double(st, 2) / 1e6,
		    (long long)count_pending(db, d));
		if (e)
			fprintf(out, "last upload error: %s\n", e);
	}
	sqlite3_finalize(st);
}

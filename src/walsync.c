/*
 * walsync.c - see walsync.h.
 */
#include "walsync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "util.h"

struct pending {
	void          (*done)(void *arg, int ok);
	void           *arg;
	struct pending *next;
};

struct walsync {
	char           *wal_path;
	int             fd;		/* the WAL, for the life of s */
	pthread_t       thread;
	int             running;	/* thread started */
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct pending *head, *tail;	/* under mu */
	int             stop;		/* under mu */
	char           *error;		/* first failure (sync thread) */
};

/* fdatasync the WAL.  Returns 0, or -1 with s->error set; a failure is
 * final. */
static int
sync_wal(struct walsync *s)
{
	if (s->error)
		return -1;
	if (fdatasync(s->fd) == 0)
		return 0;
	s->error = xasprintf("cannot sync %s: %s", s->wal_path,
	    strerror(errno));
	return -1;
}

/* Open the WAL and make its directory entry durable: 0, or -1. */
static int
open_wal(struct walsync *s)
{
	char *dir = paths_dir(s->wal_path);
	int rc;

	s->fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
	rc = s->fd >= 0 && paths_fsync_dir(dir) == 0 ? 0 : -1;
	free(dir);
	return rc;
}

static void *
walsync_main(void *arg)
{
	struct walsync *s = arg;

	thread_set_name("fl-sync");
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct pending *list;
		int ok;

		while (s->head == NULL && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->head == NULL)
			break;
		/* Every commit queued so far happened before this sync. */
		list = s->head;
		s->head = s->tail = NULL;
		pthread_mutex_unlock(&s->mu);
		ok = sync_wal(s) == 0;
		while (list) {
			struct pending *p = list;

			list = p->next;
			p->done(p->arg, ok);
			free(p);
		}
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* 1 if db's main database is a file in WAL mode. */
static int
in_wal_mode(sqlite3 *db)
{
	sqlite3_stmt *st;
	int wal = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		wal = sqlite3_stricmp((const char *)sqlite3_column_text(st, 0),
		    "wal") == 0;
	sqlite3_finalize(st);
	return wal;
}

struct walsync *
walsync_start(sqlite3 *db)
{
	const char *name = sqlite3_db_filename(db, "main");
	const char *wal;
	struct walsync *s;

	if (name == NULL || *name == '\0' || !in_wal_mode(db) ||
	    (wal = sqlite3_filename_wal(name)) == NULL || *wal == '\0')
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->wal_path = xstrdup(wal);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (open_wal(s) < 0 || sqlite3_exec(db, "PRAGMA synchronous = NORMAL",
	    NULL, NULL, NULL) != SQLITE_OK) {
		walsync_stop(s, db, NULL);
		return NULL;
	}
	xthread_start(&s->thread, walsync_main, s, "WAL sync");
	s->running = 1;
	return s;
}

void
walsync_after_commit(struct walsync *s, void (*done)(void *arg, int ok),
    void *arg)
{
	struct pending *p = xcalloc(1, sizeof *p);

	p->done = done;
	p->arg = arg;
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next = p;
	else
		s->head = p;
	s->tail = p;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void
walsync_writeback(struct walsync *s)
{
#ifdef SYNC_FILE_RANGE_WRITE
	if (s)
		(void)sync_file_range(s->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)s;
#endif
}

int
walsync_stop(struct walsync *s, sqlite3 *db, char **err)
{
	int rc = 0;

	if (s == NULL)
		return 0;
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	sqlite3_exec(db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	if (s->error) {
		rc = -1;
		if (err)
			*err = s->error;
		else
			free(s->error);
	}
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->wal_path);
	free(s);
	return rc;
}

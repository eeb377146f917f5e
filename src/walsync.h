/*
 * walsync.h - group commit: make a connection's committed transactions
 * durable on a thread of their own.
 *
 * With synchronous = FULL, every COMMIT in WAL mode waits for an fsync of
 * the WAL; under a live source that wait was a third of the store writer's
 * time, during which it could not insert the next batch.  walsync_start()
 * switches the connection to synchronous = NORMAL (SQLite then writes the
 * WAL but does not fsync it at commit; its checkpoints still sync before
 * they copy) and syncs the WAL itself: after each commit the caller hands
 * over a callback, and the sync thread runs it once an fdatasync of the
 * WAL that began after the commit has returned.  One fdatasync covers
 * every commit made before it, so commits that pile up while one sync is
 * in flight share the next.
 *
 * The contract for callers: anything acknowledged upstream, or reported
 * as stored, must wait for the callback.  A kill -9 loses nothing either
 * way (the WAL's pages are in the kernel's cache); a power failure can
 * lose the commits whose callbacks have not run, and SQLite's WAL
 * checksums make it drop them whole - as if they had never been made.
 */
#ifndef FLOWLENS_WALSYNC_H
#define FLOWLENS_WALSYNC_H

#include <sqlite3.h>

struct walsync;

/*
 * Start syncing the WAL of db's main database on its own thread, and set
 * db to synchronous = NORMAL.  Call outside a transaction, on the thread
 * that owns db.  Returns NULL (and leaves db as it was) for a database
 * without a file or not in WAL mode, or if its WAL cannot be opened: its
 * commits stay synchronous.
 */
struct walsync *walsync_start(sqlite3 *db);

/*
 * After a COMMIT on db: call done(arg, ok) on the sync thread once the
 * WAL is on disk (ok = 1), or once syncing it failed (ok = 0: the commit
 * may not survive a power failure; every later callback fails too).
 * Callbacks run in the order they were queued.  Any thread.
 */
void walsync_after_commit(struct walsync *s, void (*done)(void *arg, int ok),
    void *arg);

/*
 * Start writing the WAL's dirty pages to disk, without waiting (Linux
 * sync_file_range): a hint that leaves less for the next sync.  Any
 * thread, until walsync_stop(); NULL does nothing.
 */
void walsync_writeback(struct walsync *s);

/*
 * Run every queued callback (syncing first), stop the thread and set db
 * back to synchronous = FULL.  Returns 0, or -1 with *err (owned) if a
 * sync failed.  NULL s does nothing.
 */
int walsync_stop(struct walsync *s, sqlite3 *db, char **err);

#endif

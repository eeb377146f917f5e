/*
 * paths.h - where flowlens keeps its files, following the XDG base
 * directory conventions.
 */
#ifndef FLOWLENS_PATHS_H
#define FLOWLENS_PATHS_H

/*
 * The store path to use: `override` (from --db) if given, else $FLOWLENS_DB,
 * else $XDG_DATA_HOME/flowlens/flowlens.db, else
 * ~/.local/share/flowlens/flowlens.db.  Returns an allocated string.
 */
char *paths_db(const char *override);

/* Create the parent directories of path (mode 0700).  0 or -1 with *err. */
int paths_make_parent(const char *path, char **err);

/* The directory part of path: "." without a slash, "/" for "/name".
 * Returns an allocated string. */
char *paths_dir(const char *path);

/* fsync the directory dir, making the entries created or renamed in it
 * durable.  0, or -1 with errno set. */
int paths_fsync_dir(const char *dir);

#endif

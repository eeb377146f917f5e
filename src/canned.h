/*
 * canned.h - the canned queries: named SQL files from data/queries, built
 * into the binary.
 *
 * A canned query file is SQL whose first comment line is `-- title: ...`;
 * its name is the file name without `.sql`.  The same queries back
 * `flowlens query --canned NAME`, `flowlens canned` and the UI hotkeys.
 * Everything here is immutable after startup and safe from any thread.
 */
#ifndef FLOWLENS_CANNED_H
#define FLOWLENS_CANNED_H

#include <stddef.h>

/* As embedded by src/embed-queries.sh (generated canned_data.c). */
struct canned_source {
	const char *name;
	const char *text;
};
extern const struct canned_source canned_sources[];
extern const unsigned canned_source_count;

struct canned_query {
	const char *name;	/* e.g. "rejected-by-protocol" */
	char       *title;	/* from the `-- title:` line (owned) */
	const char *sql;	/* the whole file text */
};

/* Number of canned queries, and the i-th in display order (AWS samples first). */
size_t canned_count(void);
const struct canned_query *canned_at(size_t i);

/* The query with this name, or NULL. */
const struct canned_query *canned_find(const char *name);

#endif

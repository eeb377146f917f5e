/*
 * snapshot.h - the dashboard's data, read on a worker thread.
 *
 * A snapshot worker owns one read-only connection (query.h) to the store and
 * rebuilds a `struct snapshot` every refresh period, or at once when the
 * parameters (window, range, filter) change.  Finished snapshots are
 * immutable; the worker publishes each with a pointer swap under a mutex
 * held only for the swap, and writes one byte to a wake pipe the UI polls.
 * The UI never waits for SQLite: snapshot_take() never blocks on a query.
 * Every number comes from SQL over flow_metrics (when the filter allows) or
 * flow_logs, so it equals what `flowlens query` returns for the same
 * question.
 */
#ifndef FLOWLENS_UI_SNAPSHOT_H
#define FLOWLENS_UI_SNAPSHOT_H

#include <stdint.h>

#define SNAP_SERIES_LEN 240	/* windows of history kept per series */
#define SNAP_PROTOS 4		/* protocol series shown */
#define SNAP_TOP 20		/* rows of each top list (as many as fit) */
#define SNAP_SOURCES 8		/* ingest sources shown */

struct snap_series {
	char    name[16];		/* protocol name, e.g. "TCP" */
	int     protocol;		/* number, -1 for none */
	int64_t values[SNAP_SERIES_LEN];/* oldest first; last = current */
	int     count;			/* windows filled (<= SNAP_SERIES_LEN) */
	int64_t current, min, max;	/* over values[0..count) */
	int64_t total;			/* over the whole time range */
};

struct snap_row {
	char    key[64];	/* address, or port number as text */
	int64_t flows;
	int64_t packets;
};

struct snap_source {
	int64_t id;
	char    source[96];
	char    kind[12];
	int64_t records;
	int64_t errors;		/* rejected input units */
	double  rate;		/* records/s since the previous snapshot */
	int64_t updated_at;	/* epoch seconds of its last commit */
	int64_t newest_start;	/* newest record's start, or 0 if unknown */
	char    last_error[128];/* "location: reason" of its newest error */
};

struct snap_params {
	int64_t window;		/* 60, 900 or 3600 */
	char    range[64];	/* filter.h syntax (already validated) */
	char    filter[256];	/* filter.h syntax (already validated) */
};

struct snapshot {
	uint64_t generation;	/* increases with every published snapshot */
	int      ok;		/* 0: store not readable; see status */
	char     status[256];	/* why not ok ("waiting for the store ...") */
	struct snap_params params;
	int64_t  now;		/* when it was taken */
	int64_t  lo, hi;	/* range_bounds() */
	int64_t  last_window;	/* start of the newest window in the series */
	int64_t  newest_start;	/* max(start) of any record in the store */
	struct snap_series tcp;			/* rejected TCP packets */
	struct snap_series proto[SNAP_PROTOS];	/* rejected packets, top
						 * protocols by total */
	int      nproto;
	struct snap_series all_rejected;	/* rejected packets, all */
	int64_t  flows, packets, bytes;		/* totals in range */
	int64_t  accepted_flows, rejected_flows;
	struct snap_row top_src[SNAP_TOP], top_dst[SNAP_TOP], top_port[SNAP_TOP];
	int      ntop_src, ntop_dst, ntop_port;
	struct snap_source sources[SNAP_SOURCES];
	int      nsources;
	int      tops_pending;	/* 1: published before the top lists were
				 * read (first snapshot for new params) */
	double   build_ms;	/* time to build this snapshot */
};

struct snap_worker;

/*
 * Start the worker on the store at db_path; it writes a byte to wake_fd
 * after each publish.  The store may not exist yet: the worker keeps
 * trying and publishes snapshots with ok = 0 meanwhile.
 */
struct snap_worker *snap_start(const char *db_path,
    const struct snap_params *params, int refresh_ms, int wake_fd);

/* New parameters: the worker rebuilds at once.  Any thread. */
void snap_set_params(struct snap_worker *w, const struct snap_params *p);

/*
 * The newest published snapshot not yet taken, or NULL.  The caller owns
 * it (free with free()).  Never blocks on SQLite.
 */
struct snapshot *snap_take(struct snap_worker *w);

/* Stop the thread and free everything. */
void snap_stop(struct snap_worker *w);

#endif

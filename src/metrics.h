/*
 * metrics.h - tumbling-window aggregates of flows, packets and bytes.
 *
 * Windows are keyed by event time (`start` truncated to the window length),
 * protocol and action, for every length in METRIC_WINDOWS.  A `metrics_acc`
 * collects one batch's deltas in memory; the store adds them to the
 * flow_metrics table in the batch's transaction, so the table always equals
 *   SELECT start - start % W, ifnull(protocol, -1), ifnull(action, '-'),
 *          count(*), sum(packets), sum(bytes)
 *   FROM flow_logs WHERE start IS NOT NULL GROUP BY 1, 2, 3
 * for each window length W.  Records without a start time are not counted.
 * One accumulator per thread; no locking.
 */
#ifndef FLOWLENS_METRICS_H
#define FLOWLENS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* Window lengths kept in flow_metrics, in seconds. */
#define METRIC_WINDOW_COUNT 2
extern const int64_t metric_windows[METRIC_WINDOW_COUNT];

struct metric_cell {
	int64_t window_seconds;	/* one of metric_windows */
	int64_t window_start;	/* epoch seconds, multiple of window_seconds */
	int32_t protocol;	/* 0..255, or -1 when the record has none */
	char    action[8];	/* "ACCEPT", "REJECT", "-" (none) or "OTHER" */
	int64_t flows;		/* records */
	int64_t packets;	/* sum of packets (NULL counts as 0) */
	int64_t bytes;		/* sum of bytes (NULL counts as 0) */
	int     used;		/* slot in use (internal) */
};

struct metrics_acc {
	struct metric_cell *cells;	/* open-addressing table, owned */
	size_t              cap;	/* power of two */
	size_t              count;	/* cells in use */
};

/* Add one record to every window it falls in. */
void metrics_add(struct metrics_acc *m, const struct flow_record *rec);

/* Visit every non-empty cell; stop early if fn returns non-zero. */
int metrics_each(const struct metrics_acc *m,
    int (*fn)(const struct metric_cell *, void *), void *arg);

/* Forget all cells (keeps memory) / release memory. */
void metrics_reset(struct metrics_acc *m);
void metrics_free(struct metrics_acc *m);

#endif

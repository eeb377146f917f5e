/*
 * record.h - one parsed flow-log record.
 *
 * A record is a view: its text values point into the line it was parsed
 * from, so it is valid only while that line is.  `extra` holds the JSON object
 * of fields without a column (empty when there are none).  Reuse one record
 * for many lines; record_free() releases its buffer.
 */
#ifndef FLOWLENS_RECORD_H
#define FLOWLENS_RECORD_H

#include <stdint.h>

#include "field.h"
#include "util.h"

struct flow_record {
	uint64_t    present;			/* bit c: column c is not NULL */
	int64_t     ival[FLOW_COL_COUNT];	/* integer columns */
	const char *sptr[FLOW_COL_COUNT];	/* text columns (not NUL-ended) */
	uint32_t    slen[FLOW_COL_COUNT];
	struct sbuf extra;			/* JSON object text, or len 0 */
};

static inline int
record_has(const struct flow_record *r, int col)
{
	return (r->present >> col) & 1;
}

static inline void
record_free(struct flow_record *r)
{
	sbuf_free(&r->extra);
}

#endif

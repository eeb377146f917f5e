/*
 * cwlogs.h - the cwlogs:LOG_GROUP source: CloudWatch Logs FilterLogEvents
 * polling, exactly once across restarts.
 *
 *   cwlogs:LOG_GROUP[?start=-2h&streams=PREFIX&interval=30s&lookback=15m]
 *
 * Each poll asks for [floor, now] and pages until nextToken is absent (or
 * repeats).  Flow-log events arrive minutes after their timestamp, so the
 * floor trails now by the look-back window and every event id seen at or
 * after the floor is remembered: an event is stored once however many polls
 * return it.  The checkpoint - the floor and the ids at or after it - is
 * committed with each page's records in one transaction, so a restart asks
 * again from the floor and skips exactly what was stored: no gap, no
 * duplicate.  Events later than the look-back window are not seen.
 *
 * FilterLogEvents has a 5 requests/s account quota: every cwlogs source of
 * the process shares one limiter, and throttling pushes all of them back.
 * Without --follow the source makes one pass to now and ends.
 */
#ifndef FLOWLENS_CWLOGS_H
#define FLOWLENS_CWLOGS_H

#include <stddef.h>
#include <stdint.h>

struct ingest;

/* Run / check a cwlogs: source (struct source_kind members). */
int cwlogs_run(struct ingest *ing, const char *spec);
int cwlogs_check(const char *spec, char **err);

struct cwlogs_params {
	char   *group;		/* log group name (allocated) */
	char   *streams;	/* logStreamNamePrefix, or NULL (allocated) */
	int64_t start_ms;	/* first poll's floor when there is no
				 * checkpoint (epoch ms) */
	double  interval;	/* seconds between polls (--follow) */
	int64_t lookback_ms;	/* look-back window */
};

/*
 * Parse a cwlogs: spec (now_ms resolves a relative start).  Returns 0, or
 * -1 with *err giving the accepted form.  Free with cwlogs_params_free.
 */
int cwlogs_parse_spec(const char *spec, int64_t now_ms,
    struct cwlogs_params *p, char **err);
void cwlogs_params_free(struct cwlogs_params *p);

/* One FilterLogEvents event; strings point into the page. */
struct cwlogs_event {
	const char *stream;	/* logStreamName ("" when absent) */
	const char *id;		/* eventId */
	int64_t     timestamp;	/* ms */
	const char *message;
	size_t      message_len;
};

struct cwlogs_page {
	struct cwlogs_event *events;	/* owned */
	size_t               n;
	const char          *next_token;	/* or NULL */
	size_t               bad;	/* events without id or message */
	void                *json;	/* owned parse tree */
};

/*
 * Parse a FilterLogEvents response body.  Returns 0 (events lacking an
 * eventId, a message or a numeric timestamp are counted in bad and left
 * out), or -1 with *err when the body is not a response object.
 */
int cwlogs_parse_page(const char *body, size_t len, struct cwlogs_page *out,
    char **err);
void cwlogs_page_free(struct cwlogs_page *page);

/*
 * The de-duplication state: ids (as 64-bit hashes) of the events stored at
 * or after floor_ms.
 */
struct cwlogs_seen {
	int64_t  floor_ms;
	uint64_t *keys;		/* open addressing; 0 = empty */
	int64_t  *stamps;	/* event timestamp per slot */
	size_t    n, cap;
};

/* 1 if the id was new (now remembered), 0 if it was seen before. */
int cwlogs_seen_add(struct cwlogs_seen *s, const char *id, int64_t ts);
/* Raise the floor and forget the ids below it. */
void cwlogs_seen_advance(struct cwlogs_seen *s, int64_t floor_ms);
/* The checkpoint JSON (allocated). */
char *cwlogs_seen_cursor(const struct cwlogs_seen *s);
/* Load a checkpoint into an empty state: 0, or -1 with *err. */
int cwlogs_seen_load(struct cwlogs_seen *s, const char *cursor, char **err);
void cwlogs_seen_free(struct cwlogs_seen *s);

#endif

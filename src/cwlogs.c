/*
 * cwlogs.c - see cwlogs.h.
 */
#include "cwlogs.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "ingest_source.h"
#include "timeconv.h"
#include "util.h"

#define DEFAULT_START_S (60 * 60)
#define DEFAULT_INTERVAL 30.0
#define DEFAULT_LOOKBACK_S (15 * 60)
/* Remembered ids at most: past this the floor rises early (the checkpoint
 * stays a few MB at worst). */
#define MAX_IDS 200000
/* A batch of pages commits past either limit (and at the end of a poll). */
#define COMMIT_RECORDS 20000
#define COMMIT_SECONDS 1.0
/* FilterLogEvents: 5 requests/s per account and region. */
#define FILTER_TPS 5.0

static struct aws_rate filter_rate = { FILTER_TPS, 0 };

/* ------------------------------------------------------------ spec */

static int
parse_start(const char *v, int64_t now_ms, int64_t *out)
{
	struct timeconv_iso iso;
	int64_t secs;
	char *end;

	if (v[0] == '-' && parse_duration(v + 1, &secs) == 0) {
		*out = now_ms - secs * 1000;
		return 0;
	}
	if (timeconv_parse_iso8601(v, &iso) == 0 && (iso.has & TIMECONV_ZONE)) {
		*out = iso.sec * 1000;
		return 0;
	}
	errno = 0;
	secs = strtoll(v, &end, 10);
	if (*v && *end == '\0' && errno == 0 && secs >= 0) {
		*out = secs * 1000;
		return 0;
	}
	return -1;
}

int
cwlogs_parse_spec(const char *spec, int64_t now_ms, struct cwlogs_params *p,
    char **err)
{
	const char *g = spec + strlen("cwlogs:"), *q = strchr(g, '?'), *s;
	size_t glen = q ? (size_t)(q - g) : strlen(g), i;

	memset(p, 0, sizeof *p);
	p->start_ms = now_ms - DEFAULT_START_S * 1000LL;
	p->interval = DEFAULT_INTERVAL;
	p->lookback_ms = DEFAULT_LOOKBACK_S * 1000LL;
	if (glen == 0 || glen > 512)
		goto bad;
	for (i = 0; i < glen; i++)
		if (!strchr("._-/#", g[i]) && !isalnum((unsigned char)g[i]))
			goto bad;
	p->group = xstrndup(g, glen);
	for (s = q ? q : ""; ; ) {
		char key[32], value[600];
		int64_t secs;
		int got = spec_param(&s, "&", key, sizeof key, value,
		    sizeof value);

		if (got == 0)
			break;
		if (got < 0)
			goto bad;
		if (strcmp(key, "start") == 0) {
			if (parse_start(value, now_ms, &p->start_ms) < 0)
				goto bad;
		} else if (strcmp(key, "streams") == 0) {
			free(p->streams);
			p->streams = xstrdup(value);
		} else if (strcmp(key, "interval") == 0) {
			if (parse_duration(value, &secs) < 0 || secs < 1)
				goto bad;
			p->interval = (double)secs;
		} else if (strcmp(key, "lookback") == 0) {
			if (parse_duration(value, &secs) < 0)
				goto bad;
			p->lookback_ms = secs * 1000;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	cwlogs_params_free(p);
	*err = xasprintf("bad CloudWatch Logs source \"%s\": use "
	    "cwlogs:LOG_GROUP or cwlogs:LOG_GROUP?start=-2h&streams=PREFIX&"
	    "interval=30s&lookback=15m (start: -DURATION, epoch seconds or "
	    "an ISO 8601 UTC time; group names use A-Z a-z 0-9 . _ - / #)",
	    spec);
	return -1;
}

void
cwlogs_params_free(struct cwlogs_params *p)
{
	free(p->group);
	free(p->streams);
	memset(p, 0, sizeof *p);
}

int
cwlogs_check(const char *spec, char **err)
{
	struct cwlogs_params p;

	if (cwlogs_parse_spec(spec, now_epoch() * 1000, &p, err) < 0)
		return -1;
	cwlogs_params_free(&p);
	return 0;
}

/* ------------------------------------------------------------ pages */

int
cwlogs_parse_page(const char *body, size_t len, struct cwlogs_page *out,
    char **err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_ALLOW_NUL, &je), *events, *ev;
	size_t i;

	memset(out, 0, sizeof *out);
	if (root == NULL || !json_is_object(root)) {
		*err = root ? xstrdup("FilterLogEvents response is not a JSON "
		    "object") : xasprintf("FilterLogEvents response is not "
		    "JSON: %s at byte %d", je.text, je.position);
		json_decref(root);
		return -1;
	}
	events = json_object_get(root, "events");
	if (events && !json_is_array(events)) {
		*err = xstrdup("FilterLogEvents response: \"events\" is not an "
		    "array");
		json_decref(root);
		return -1;
	}
	out->json = root;
	out->next_token = json_string_value(json_object_get(root,
	    "nextToken"));
	if (out->next_token && *out->next_token == '\0')
		out->next_token = NULL;
	if (events == NULL)
		return 0;
	out->events = xcalloc(json_array_size(events) + 1,
	    sizeof *out->events);
	json_array_foreach(events, i, ev) {
		struct cwlogs_event *e = &out->events[out->n];
		json_t *ts = json_object_get(ev, "timestamp");
		json_t *msg = json_object_get(ev, "message");

		e->id = json_string_value(json_object_get(ev, "eventId"));
		e->stream = json_string_value(json_object_get(ev,
		    "logStreamName"));
		if (!e->stream)
			e->stream = "";
		if (!json_is_integer(ts) || !json_is_string(msg) || !e->id ||
		    !*e->id) {
			out->bad++;
			continue;
		}
		e->timestamp = json_integer_value(ts);
		e->message = json_string_value(msg);
		e->message_len = json_string_length(msg);
		out->n++;
	}
	return 0;
}

void
cwlogs_page_free(struct cwlogs_page *page)
{
	free(page->events);
	json_decref(page->json);
	memset(page, 0, sizeof *page);
}

/* ------------------------------------------------------------ seen ids */

static uint64_t
id_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *id; id++) {
		h ^= (unsigned char)*id;
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;	/* 0 marks an empty slot */
}

static int
seen_insert(struct cwlogs_seen *s, uint64_t key, int64_t ts)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct cwlogs_seen bigger = { s->floor_ms, NULL, NULL, 0, 0 };

		bigger.cap = s->cap ? s->cap * 2 : 1024;
		bigger.keys = xcalloc(bigger.cap, sizeof *bigger.keys);
		bigger.stamps = xcalloc(bigger.cap, sizeof *bigger.stamps);
		for (i = 0; i < s->cap; i++)
			if (s->keys[i])
				seen_insert(&bigger, s->keys[i], s->stamps[i]);
		free(s->keys);
		free(s->stamps);
		*s = bigger;
	}
	for (i = key & (s->cap - 1); s->keys[i]; i = (i + 1) & (s->cap - 1))
		if (s->keys[i] == key)
			return 0;
	s->keys[i] = key;
	s->stamps[i] = ts;
	s->n++;
	return 1;
}

int
cwlogs_seen_add(struct cwlogs_seen *s, const char *id, int64_t ts)
{
	return seen_insert(s, id_hash(id), ts);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
cwlogs_seen_advance(struct cwlogs_seen *s, int64_t floor_ms)
{
	struct cwlogs_seen kept;
	size_t i;

	if (s->n > MAX_IDS) {
		/* Too many ids: raise the floor to keep the newest. */
		int64_t *ts = xmalloc(s->n * sizeof *ts);
		size_t k = 0;

		for (i = 0; i < s->cap; i++)
			if (s->keys[i])
				ts[k++] = s->stamps[i];
		qsort(ts, k, sizeof *ts, cmp_int64);
		if (ts[k - MAX_IDS] > floor_ms)
			floor_ms = ts[k - MAX_IDS];
		free(ts);
	}
	if (floor_ms <= s->floor_ms)
		return;
	memset(&kept, 0, sizeof kept);
	kept.floor_ms = floor_ms;
	for (i = 0; i < s->cap; i++)
		if (s->keys[i] && s->stamps[i] >= floor_ms)
			seen_insert(&kept, s->keys[i], s->stamps[i]);
	cwlogs_seen_free(s);
	*s = kept;
}

char *
cwlogs_seen_cursor(const struct cwlogs_seen *s)
{
	struct sbuf b = { 0 };
	size_t i;
	int first = 1;

	sbuf_printf(&b, "{\"v\":1,\"from\":%" PRId64 ",\"ids\":[", s->floor_ms);
	for (i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		sbuf_printf(&b, "%s[\"%016" PRIx64 "\",%" PRId64 "]",
		    first ? "" : ",", s->keys[i], s->stamps[i]);
		first = 0;
	}
	sbuf_appends(&b, "]}");
	return b.data;
}

int
cwlogs_seen_load(struct cwlogs_seen *s, const char *cursor, char **err)
{
	json_error_t je;
	json_t *root = json_loads(cursor, 0, &je), *ids, *pair;
	size_t i;

	if (root == NULL || !json_is_integer(json_object_get(root, "from")) ||
	    !json_is_array(ids = json_object_get(root, "ids"))) {
		*err = xstrdup("the stored CloudWatch checkpoint is not "
		    "{\"v\":1,\"from\":MS,\"ids\":[...]}");
		json_decref(root);
		return -1;
	}
	s->floor_ms = json_integer_value(json_object_get(root, "from"));
	json_array_foreach(ids, i, pair) {
		const char *hex = json_string_value(json_array_get(pair, 0));
		json_t *ts = json_array_get(pair, 1);
		uint64_t key;
		char *end;

		if (hex == NULL || !json_is_integer(ts))
			continue;
		key = strtoull(hex, &end, 16);
		if (*end == '\0' && key != 0)
			seen_insert(s, key, json_integer_value(ts));
	}
	json_decref(root);
	return 0;
}

void
cwlogs_seen_free(struct cwlogs_seen *s)
{
	free(s->keys);
	free(s->stamps);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ source */

struct poller {
	struct ingest        *ing;
	struct cwlogs_params  p;
	struct aws_client    *client;
	char                 *url;
	char                 *resource;	/* "log group NAME" */
	struct source_ctx     sc;
	struct cwlogs_seen    seen;
	char                 *cursor;	/* sc.cursor's text */
	int64_t               page;	/* pages read in this run */
	int64_t               records, rejected, duplicates;
	int                   hinted;	/* the --log-format hint was given */
	double                committed;	/* monotonic time of the last commit */
};

/* A problem that does not end the source: on stderr, not counted. */
static void
warn(const struct poller *pl, const char *what, const char *more)
{
	fprintf(stderr, "flowlens: %s: %s%s\n", pl->sc.display, what, more);
}

/* Feed one event's message as record lines (a message is one line; a
 * multi-line one is split). */
static void
feed_event(struct poller *pl, const struct cwlogs_event *e, int64_t index)
{
	char where[200];
	struct unit_loc loc;
	const char *m = e->message;
	size_t left = e->message_len;
	int64_t part = 0;
	int multi = memchr(m, '\n', left) != NULL;

	snprintf(where, sizeof where, "%.100s, id %.60s", e->stream, e->id);
	memset(&loc, 0, sizeof loc);
	loc.kind = ENVELOPE_CLOUDWATCH;
	loc.line = pl->page;
	loc.event = index;
	loc.stream = where;
	do {
		const char *nl = memchr(m, '\n', left);
		size_t len = nl ? (size_t)(nl - m) : left;

		loc.part = multi ? ++part : 0;
		loc.raw = m;
		loc.raw_len = len;
		if (len > 0 || !multi)
			pl->sc.sink.line(&pl->sc, m, len, &loc);
		m += len + (nl != NULL);
		left -= len + (nl != NULL);
	} while (left > 0);
}

/* After a page: say once when records do not fit the format. */
static void
format_hint(struct poller *pl, size_t records, size_t rejected)
{
	const struct ingest_options *o = ingest_opts(pl->ing);
	char why[900];

	pl->records += (int64_t)records;
	pl->rejected += (int64_t)rejected;
	if (pl->hinted || pl->rejected < 10 || pl->rejected < pl->records)
		return;
	pl->hinted = 1;
	snprintf(why, sizeof why, "%lld of %lld events do not fit the log "
	    "format %s (CloudWatch events carry no header line); give the flow "
	    "log's own format with --log-format, as shown by: aws ec2 "
	    "describe-flow-logs --filter Name=log-group-name,Values=%s --query "
	    "'FlowLogs[].LogFormat' (see table ingest_errors for the lines)",
	    (long long)pl->rejected, (long long)(pl->records + pl->rejected),
	    o->log_format ? "given with --log-format" : "(the default v2 "
	    "format)", pl->p.group);
	warn(pl, why, "");
}

/* Commit the page's records with the checkpoint.  0 or -1 (fatal). */
static int
commit(struct poller *pl)
{
	size_t records = pl->sc.batch->nrecords;
	size_t rejected = pl->sc.batch->nerrors;

	free(pl->cursor);
	pl->cursor = cwlogs_seen_cursor(&pl->seen);
	pl->sc.cursor = pl->cursor;
	if (source_flush(&pl->sc) < 0)
		return -1;
	pl->committed = now_monotonic();
	format_hint(pl, records, rejected);
	return 0;
}

/* One FilterLogEvents request; 0, 1 (source ends; reported), -1 fatal. */
static int
request_page(struct poller *pl, int64_t end_ms, const char *token,
    struct cwlogs_page *page, int *transient)
{
	struct aws_request req;
	struct aws_response resp;
	json_t *body = json_pack("{s:s, s:I, s:I, s:i}", "logGroupName",
	    pl->p.group, "startTime", (json_int_t)pl->seen.floor_ms, "endTime",
	    (json_int_t)end_ms, "limit", 10000);
	char *text, *err = NULL;
	int rc;

	if (pl->p.streams)
		json_object_set_new(body, "logStreamNamePrefix",
		    json_string(pl->p.streams));
	if (token)
		json_object_set_new(body, "nextToken", json_string(token));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	memset(&req, 0, sizeof req);
	req.service = AWS_LOGS;
	req.method = "POST";
	req.url = pl->url;
	req.target = "Logs_20140328.FilterLogEvents";
	req.content_type = "application/x-amz-json-1.1";
	req.body = text;
	req.body_len = strlen(text);
	req.action = "logs:FilterLogEvents";
	req.resource = pl->resource;
	req.rate = &filter_rate;
	req.sleep = ingest_sleep_cb;
	req.sleep_arg = pl->ing;
	req.stopping = ingest_stopping_cb;
	rc = aws_call(pl->client, &req, &resp, &err);
	free(text);
	*transient = 0;
	if (rc < 0) {
		/* Still failing after the retries: a followed source tries
		 * again at the next poll; auth errors and a missing group
		 * end it. */
		*transient = resp.status == 0 || resp.status >= 500 ||
		    resp.throttled > 0;
		if (ingest_stopping(pl->ing))
			;
		else if (*transient && ingest_opts(pl->ing)->follow)
			warn(pl, err, " (trying again at the next poll)");
		else
			ingest_source_failed(pl->ing, pl->sc.display, err);
		free(err);
		aws_response_free(&resp);
		return 1;
	}
	rc = cwlogs_parse_page(resp.body.data, resp.body.len, page, &err);
	aws_response_free(&resp);
	if (rc < 0) {
		ingest_source_failed(pl->ing, pl->sc.display, err);
		free(err);
		*transient = 1;
		return 1;
	}
	return 0;
}

/* One poll: [floor, now] to the last page.  0, 1 (ended), -1 (fatal). */
static int
poll_once(struct poller *pl, int *transient)
{
	int64_t end_ms = now_epoch() * 1000;
	char *token = NULL;

	for (;;) {
		struct cwlogs_page page;
		size_t i;
		int rc;

		if (ingest_stopping(pl->ing))
			break;
		rc = request_page(pl, end_ms, token, &page, transient);
		if (rc != 0) {
			free(token);
			return rc;
		}
		pl->page++;
		for (i = 0; i < page.n; i++) {
			const struct cwlogs_event *e = &page.events[i];

			if (e->timestamp < pl->seen.floor_ms ||
			    !cwlogs_seen_add(&pl->seen, e->id, e->timestamp)) {
				pl->duplicates++;
				continue;
			}
			feed_event(pl, e, (int64_t)i + 1);
		}
		if (page.bad > 0) {
			char why[120];

			snprintf(why, sizeof why, "page %lld: %zu events without "
			    "eventId, timestamp or message were skipped",
			    (long long)pl->page, page.bad);
			source_reject(&pl->sc, pl->sc.display, why, "", 0);
		}
		/* Commit at most about once a second: each commit rewrites the
		 * whole checkpoint (every id in the look-back window). */
		if ((page.n > 0 || page.bad > 0) &&
		    (pl->sc.batch->nrecords >= COMMIT_RECORDS ||
		    now_monotonic() - pl->committed >= COMMIT_SECONDS)) {
			if (commit(pl) < 0) {
				cwlogs_page_free(&page);
				free(token);
				return -1;
			}
		}
		/* A token repeated is the end (the service does that). */
		if (page.next_token == NULL || (token &&
		    strcmp(token, page.next_token) == 0)) {
			cwlogs_page_free(&page);
			break;
		}
		free(token);
		token = xstrdup(page.next_token);
		cwlogs_page_free(&page);
	}
	free(token);
	if (ingest_stopping(pl->ing))
		return 0;
	/* The whole window was read: the floor may follow now. */
	cwlogs_seen_advance(&pl->seen, end_ms - pl->p.lookback_ms);
	return commit(pl);
}

static char *
source_label(const struct cwlogs_params *p)
{
	return p->streams ? xasprintf("cwlogs:%s?streams=%s", p->group,
	    p->streams) : xasprintf("cwlogs:%s", p->group);
}

int
cwlogs_run(struct ingest *ing, const char *spec)
{
	const struct ingest_options *o = ingest_opts(ing);
	struct aws_options ao = { o->aws_profile, o->aws_region,
	    o->aws_endpoint_url };
	struct source_row *row = NULL;
	struct poller pl;
	struct aws *aws;
	char *err = NULL, *label, *base;
	int custom, rc = 0;

	memset(&pl, 0, sizeof pl);
	pl.ing = ing;
	if (o->reread) {
		ingest_source_failed(ing, spec, "--reread does not apply to "
		    "cwlogs: sources (use another store)");
		return 0;
	}
	if (cwlogs_parse_spec(spec, now_epoch() * 1000, &pl.p, &err) < 0 ||
	    (aws = aws_shared(&ao, &err)) == NULL) {
		ingest_source_failed(ing, spec, err);
		free(err);
		cwlogs_params_free(&pl.p);
		return 0;
	}
	label = source_label(&pl.p);
	if (ingest_source_state(ing, label, "cwlogs", &row, &err) < 0) {
		ingest_fail(ing, err);
		free(label);
		cwlogs_params_free(&pl.p);
		return -1;
	}
	pl.seen.floor_ms = pl.p.start_ms;
	if (row->cursor && cwlogs_seen_load(&pl.seen, row->cursor, &err) < 0) {
		ingest_source_failed(ing, spec, err);
		free(err);
		store_source_rows_free(row, 1);
		free(label);
		cwlogs_params_free(&pl.p);
		return 0;
	}
	base = aws_endpoint(aws, AWS_LOGS, &custom);
	pl.url = xasprintf("%s/", base);
	free(base);
	pl.resource = xasprintf("log group %s", pl.p.group);
	pl.client = aws_client_new(aws);
	source_begin(&pl.sc, ing, label, label, row->id);
	store_source_rows_free(row, 1);
	for (;;) {
		int transient = 0;

		rc = poll_once(&pl, &transient);
		if (rc < 0 || (rc > 0 && !transient) || !o->follow ||
		    ingest_stopping(ing))
			break;
		if (ingest_sleep(ing, pl.p.interval))
			break;
	}
	free(pl.cursor);
	pl.cursor = cwlogs_seen_cursor(&pl.seen);
	pl.sc.cursor = pl.cursor;
	if (source_end(&pl.sc) < 0)
		rc = -1;
	aws_client_free(pl.client);
	cwlogs_seen_free(&pl.seen);
	free(pl.cursor);
	free(pl.url);
	free(pl.resource);
	free(label);
	cwlogs_params_free(&pl.p);
	return rc < 0 ? -1 : 0;
}

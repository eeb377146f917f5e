/*
 * s3src.c - see s3src.h.
 */
#include "s3src.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "ingest_source.h"
#include "input.h"
#include "s3.h"
#include "util.h"

#define DEFAULT_INTERVAL 60

struct s3src {
	struct ingest     *ing;
	struct aws_client *client;
	struct s3_call     call;
	char              *bucket;
	char              *prefix;
	double             interval;
	int64_t            objects_read;
};

/* "s3://b/p?interval=30s" -> bucket, prefix, interval. */
static int
parse_spec(const char *spec, char **bucket, char **prefix, double *interval,
    char **err)
{
	const char *q = strchr(spec, '?');
	char *url = q ? xstrndup(spec, (size_t)(q - spec)) : xstrdup(spec);
	int64_t secs;
	int rc;

	*interval = DEFAULT_INTERVAL;
	rc = s3_parse_url(url, bucket, prefix, err);
	free(url);
	if (rc < 0)
		return -1;
	if (q) {
		if (strncmp(q, "?interval=", 10) != 0 ||
		    parse_duration(q + 10, &secs) < 0 || secs < 1) {
			*err = xasprintf("bad S3 source \"%s\": the only option "
			    "is ?interval=DURATION (e.g. 60s, 5m)", spec);
			free(*bucket);
			free(*prefix);
			return -1;
		}
		*interval = (double)secs;
	}
	return 0;
}

int
s3src_check(const char *spec, char **err)
{
	char *bucket, *prefix;
	double interval;

	if (parse_spec(spec, &bucket, &prefix, &interval, err) < 0)
		return -1;
	free(bucket);
	free(prefix);
	return 0;
}

/* The ETag stored in an object's checkpoint, or NULL (allocated). */
static char *
cursor_etag(const char *cursor)
{
	json_error_t je;
	json_t *root = cursor ? json_loads(cursor, 0, &je) : NULL;
	const char *e = json_string_value(json_object_get(root, "etag"));
	char *out = e ? xstrdup(e) : NULL;

	json_decref(root);
	return out;
}

/*
 * Resuming inside an object: the decoded bytes after `offset`, and the
 * header line the object starts with (its format applies to the rest).
 */
static int
decoded_rest(struct source_ctx *sc, const struct aws_response *resp,
    int64_t offset, struct sbuf *rest, char **err)
{
	struct input *in;
	char buf[65536];
	ssize_t n;

	if (input_open_mem(&in, resp->body.data, resp->body.len, err) < 0)
		return -1;
	n = input_read(in, buf, sizeof buf, err);
	if (n > 0) {
		size_t len = strcspn(buf, "\n");
		struct flow_format f;

		if (len > (size_t)n)
			len = (size_t)n;
		if (format_is_header(buf, len) &&
		    format_from_header(buf, len, &f)) {
			sc->header = f;
			sc->have_header = 1;
		}
	}
	input_close(in);
	if (n < 0 || input_open_mem(&in, resp->body.data, resp->body.len,
	    err) < 0)
		return -1;
	if (input_skip(in, offset, err) < 0) {
		input_close(in);
		return -1;
	}
	while ((n = input_read(in, buf, sizeof buf, err)) > 0)
		sbuf_append(rest, buf, (size_t)n);
	input_close(in);
	return n < 0 ? -1 : 0;
}

/* Read one object (unless it was read before).  0, or -1 (fatal). */
static int
read_object(struct s3src *s, const struct s3_object *o)
{
	struct aws_response resp;
	struct source_row *row;
	struct source_ctx sc;
	struct sbuf rest = { 0 };
	char *label = xasprintf("s3://%s/%s", s->bucket, o->key);
	char *err = NULL, *stored, *cursor;
	json_t *cj;
	int rc;

	if (ingest_source_state(s->ing, label, "s3", &row, &err) < 0) {
		ingest_fail(s->ing, err);
		free(label);
		return -1;
	}
	stored = cursor_etag(row->cursor);
	if (stored && strcmp(stored, o->etag) == 0 &&
	    row->raw_size == o->size) {
		store_source_rows_free(row, 1);
		free(stored);
		free(label);
		return 0;	/* read to its end before */
	}
	if (stored && strcmp(stored, o->etag) != 0) {
		char *why = xasprintf("the object changed since it was read "
		    "(ETag %s, now %s); left alone", stored, o->etag);

		ingest_source_failed(s->ing, label, why);
		free(why);
		store_source_rows_free(row, 1);
		free(stored);
		free(label);
		return 0;
	}
	free(stored);
	if (s3_get(s->client, &s->call, s->bucket, o->key, &resp, &err) < 0) {
		if (!ingest_stopping(s->ing))
			ingest_source_failed(s->ing, label, err);
		free(err);
		aws_response_free(&resp);
		store_source_rows_free(row, 1);
		free(label);
		return 0;
	}
	cj = json_pack("{s:s, s:I}", "etag", o->etag, "size",
	    (json_int_t)o->size);
	cursor = json_dumps(cj, JSON_COMPACT);
	json_decref(cj);
	source_begin(&sc, s->ing, label, label, row->id);
	sc.cursor = cursor;
	source_resume(&sc, row->offset, row->line);
	if (row->offset > 0) {
		rc = decoded_rest(&sc, &resp, row->offset, &rest, &err);
		if (rc == 0)
			rc = source_feed(&sc, rest.data ? rest.data : "",
			    rest.len, row->line, &err);
	} else {
		rc = source_feed(&sc, resp.body.data ? resp.body.data : "",
		    resp.body.len, 0, &err);
	}
	if (rc < 0) {
		char where[600];

		snprintf(where, sizeof where, "%s:%lld", label,
		    (long long)sc.last_line);
		source_reject(&sc, where, err, "", 0);
		free(err);
	}
	store_source_rows_free(row, 1);
	sbuf_free(&rest);
	aws_response_free(&resp);
	sc.raw_size_at_end = ingest_stopping(s->ing) ? 0 : o->size;
	rc = source_end(&sc);
	free(cursor);
	free(label);
	s->objects_read++;
	return rc;
}

/* List the prefix and read what is new.  0, 1 (source ends), -1 fatal. */
static int
scan(struct s3src *s)
{
	char *token = NULL, *err = NULL;

	do {
		struct s3_list page;
		size_t i;

		if (s3_list_page(s->client, &s->call, s->bucket, s->prefix,
		    token, &page, &err) < 0) {
			char *display = xasprintf("s3://%s/%s", s->bucket,
			    s->prefix);

			if (!ingest_stopping(s->ing))
				ingest_source_failed(s->ing, display, err);
			free(display);
			free(err);
			free(token);
			return 1;
		}
		for (i = 0; i < page.n && !ingest_stopping(s->ing); i++) {
			/* "Folder" placeholders hold no data. */
			if (page.objects[i].key[strlen(page.objects[i].key) - 1]
			    == '/')
				continue;
			if (read_object(s, &page.objects[i]) < 0) {
				s3_list_free(&page);
				free(token);
				return -1;
			}
		}
		free(token);
		token = page.truncated && page.next_token ?
		    xstrdup(page.next_token) : NULL;
		s3_list_free(&page);
	} while (token && !ingest_stopping(s->ing));
	free(token);
	return 0;
}

int
s3src_run(struct ingest *ing, const char *spec)
{
	const struct ingest_options *o = ingest_opts(ing);
	struct aws_options ao = { o->aws_profile, o->aws_region,
	    o->aws_endpoint_url };
	struct s3src s;
	struct aws *aws;
	char *err = NULL;
	int rc;

	memset(&s, 0, sizeof s);
	s.ing = ing;
	if (o->reread) {
		ingest_source_failed(ing, spec, "--reread does not apply to s3:// "
		    "sources (use another store)");
		return 0;
	}
	if (parse_spec(spec, &s.bucket, &s.prefix, &s.interval, &err) < 0 ||
	    (aws = aws_shared(&ao, &err)) == NULL) {
		ingest_source_failed(ing, spec, err);
		free(err);
		free(s.bucket);
		free(s.prefix);
		return 0;
	}
	s.client = aws_client_new(aws);
	s.call.sleep = ingest_sleep_cb;
	s.call.sleep_arg = ing;
	s.call.stopping = ingest_stopping_cb;
	for (;;) {
		rc = scan(&s);
		if (rc != 0 || !o->follow || ingest_sleep(ing, s.interval))
			break;
	}
	aws_client_free(s.client);
	free(s.bucket);
	free(s.prefix);
	return rc < 0 ? -1 : 0;
}

/*
 * firehose.c - see firehose.h.
 *
 * Three threads take part in a delivery:
 *   - libmicrohttpd's polling thread receives it, checks method, path and
 *     key, decodes the body (firehose_body.c), suspends the connection
 *     and puts the delivery in the inbox (or answers 503 when the inbox is
 *     full);
 *   - the source thread (firehose_run) takes everything in the inbox,
 *     answers repeats of committed request ids at once, and feeds the
 *     others into one batch - a "group" - together with their request
 *     ids; automatic flushes are off, so a delivery is never split across
 *     transactions; it hands the group to the writer between deliveries
 *     once the batch is big enough, or when the inbox is empty;
 *   - the writer thread commits the batch; once the commit is on disk the
 *     WAL sync thread (walsync.h) calls group_committed(), which answers
 *     every delivery of the group (200, or 503 if the commit failed) and
 *     resumes its connection; the polling thread then sends the answer.
 * A delivery whose request id is in flight (received again, at this or
 * another endpoint of the process, before the first copy committed) waits
 * for that copy and gets its answer.
 */
#include "firehose.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dynlib.h"

#include "batch.h"
#include "firehose_body.h"
#include "firehose_config.h"
#include "ingest_source.h"
#include "store.h"
#include "util.h"

/* Largest body, compressed or not: Firehose sends at most 64 MiB. */
#define MAX_BODY ((size_t)65 * 1024 * 1024)
/* Bytes of bodies held at once (received, queued, being stored). */
#define MAX_HELD ((size_t)256 * 1024 * 1024)
/* Deliveries waiting for the source thread: past this, 503.  They wait
 * only while the writer is behind by a whole open group and its queue
 * (the source thread then blocks handing a batch over). */
#define MAX_INBOX 128
/* A group is handed to the writer once its batch passes this... */
#define GROUP_BYTES ((size_t)4 * 1024 * 1024)
/* ...or as soon as the writer is done with the previous group (its
 * transaction committed, maybe not yet durable) and fewer groups than
 * this are not yet answered.  While the writer writes one group, the
 * deliveries that arrive gather into the next, so one transaction covers
 * everything that arrived during the last, and the WAL sync of one group
 * (walsync.h) overlaps the writing of the next.  Handing groups over
 * sooner only queues small ones: the writer then merges them into the
 * transaction it is writing, and no group is left to overlap the sync. */
#define GROUPS_IN_FLIGHT 3
#define MAX_CONNECTIONS 512
#define IDLE_TIMEOUT_SECONDS 120
/* Memory per connection for headers: the access key may be 4 KiB and the
 * common attributes 50 x 1280 bytes. */
#define CONNECTION_MEMORY (160 * 1024)
/* At stop: how long answered deliveries get to be sent. */
#define SEND_WAIT_SECONDS 5.0
/* The longest errorMessage Firehose keeps. */
#define MAX_ERROR_MESSAGE 8192

enum req_state {
	REQ_RECEIVING,	/* headers and body arriving (polling thread) */
	REQ_WAITING,	/* suspended: in the inbox, a group or followers */
	REQ_ANSWERED,	/* status set, connection resumed */
};

struct firehose;

struct fh_request {
	struct firehose       *fh;
	struct MHD_Connection *conn;
	enum req_state         state;	/* under fh->lock once WAITING */
	struct sbuf            body;	/* raw upload */
	int                    gzip;	/* Content-Encoding: gzip */
	unsigned               refused;	/* status to answer when the upload
					 * ends (body discarded), or 0 */
	char                  *refusal;	/* its errorMessage */
	char                  *header_id;	/* X-Amz-Firehose-Request-Id */
	struct firehose_body   parsed;
	size_t                 held;	/* bytes counted in fh->held */
	unsigned               status;	/* the answer, once ANSWERED */
	char                  *message;	/* its errorMessage, or NULL */
	struct fh_request     *next;	/* inbox, group or followers list */
	struct fh_request     *followers;	/* same id, waiting on this one */
	struct fh_request     *flight_prev, *flight_next;
};

/* Deliveries fed into one batch: answered when it commits. */
struct fh_group {
	struct firehose   *fh;
	struct fh_request *reqs;
};

struct firehose {
	struct ingest      *ing;
	const char         *spec;
	struct MHD_Daemon  *daemon;
	struct firehose_addr addr;
	char               *key;	/* the access key (secret) */
	size_t              key_len;
	struct store       *store;	/* source thread: request id lookups */
	pthread_mutex_t     lock;	/* everything below */
	pthread_cond_t      wake;	/* inbox filled, flight or unsent fell */
	struct fh_request  *inbox, *inbox_tail;
	size_t              inbox_len;
	size_t              nflight;	/* its deliveries in flight */
	size_t              suspended;	/* connections suspended */
	int                 groups;	/* groups handed to the writer and
					 * not yet answered */
	int                 writing;	/* ... and not yet written */
	size_t              unsent;	/* answered, not yet completed */
	int                 stopping;
	_Atomic size_t      held;
};

/* ---------------------------------------------------------------- answers */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append text as a JSON string body, bytes outside printable ASCII as '?'
 * (a header value may be anything; the answer must be valid JSON). */
static void
append_json_ascii(struct sbuf *b, const char *s, size_t max)
{
	char clean[256];
	size_t n = 0;

	for (; *s && max > 0; s++, max--) {
		clean[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
		if (n == sizeof clean) {
			sbuf_append_json_string(b, clean, n);
			n = 0;
		}
	}
	sbuf_append_json_string(b, clean, n);
}

/* Send {requestId, timestamp[, errorMessage]} with `status`. */
static enum MHD_Result
send_answer(struct MHD_Connection *conn, const struct fh_request *req,
    unsigned status, const char *message)
{
	const char *id = req->parsed.request_id ? req->parsed.request_id :
	    req->header_id ? req->header_id : "";
	struct MHD_Response *resp;
	struct sbuf b = { 0 };
	enum MHD_Result rc;

	sbuf_appends(&b, "{\"requestId\":\"");
	append_json_ascii(&b, id, FIREHOSE_MAX_REQUEST_ID);
	sbuf_printf(&b, "\",\"timestamp\":%lld", (long long)now_ms());
	if (message) {
		sbuf_appends(&b, ",\"errorMessage\":\"");
		append_json_ascii(&b, message, MAX_ERROR_MESSAGE);
		sbuf_appends(&b, "\"");
	}
	sbuf_appends(&b, "}");
	resp = dyn_mhd.create_response_from_buffer(b.len, b.data,
	    MHD_RESPMEM_MUST_COPY);
	sbuf_free(&b);
	if (resp == NULL)
		return MHD_NO;
	dyn_mhd.add_response_header(resp, "Content-Type", "application/json");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		dyn_mhd.add_response_header(resp, "Allow", "POST");
	rc = dyn_mhd.queue_response(conn, status, resp);
	dyn_mhd.destroy_response(resp);
	return rc;
}

/*
 * Answer a waiting delivery (any thread): set its status, resume its
 * connection (the polling thread then sends the answer), and give the
 * same answer to the deliveries that waited on it.  req may be freed as
 * soon as it is resumed.
 */
static void
answer(struct fh_request *req, unsigned status, const char *message)
{
	while (req) {
		struct firehose *fh = req->fh;	/* a follower's may differ */
		struct fh_request *next;

		pthread_mutex_lock(&fh->lock);
		next = req->followers;
		req->followers = NULL;
		req->status = status;
		req->message = message ? xstrdup(message) : NULL;
		req->state = REQ_ANSWERED;
		fh->suspended--;
		fh->unsent++;
		pthread_mutex_unlock(&fh->lock);
		dyn_mhd.resume_connection(req->conn);
		/* Followers are chained through their own followers field. */
		req = next;
	}
}

/* Answer every delivery of a list linked by `next`. */
static void
answer_all(struct fh_request *list, unsigned status, const char *message)
{
	while (list) {
		struct fh_request *next = list->next;

		answer(list, status, message);
		list = next;
	}
}

/* ---------------------------------------------------------------- in flight */

/*
 * The deliveries being stored, of every endpoint of the process: a retry
 * may reach another endpoint (two listeners behind one load balancer)
 * while the first copy is in flight, and two copies committed side by side
 * would store its records twice.  A delivery claims its request id here
 * before anything else; a copy that finds the id claimed waits on the
 * claimant (joins its followers) and gets its answer.  flight_lock guards
 * the list and every followers chain of a delivery in it.
 */
static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fh_request *flight;

static void
flight_remove(struct fh_request *req)
{
	if (req->flight_prev)
		req->flight_prev->flight_next = req->flight_next;
	else
		flight = req->flight_next;
	if (req->flight_next)
		req->flight_next->flight_prev = req->flight_prev;
	req->flight_prev = req->flight_next = NULL;
}

/*
 * Claim req's request id: 1 when it is now in flight; 0 when another
 * delivery already had it, and req now waits for that one's answer.
 */
static int
claim_request_id(struct firehose *fh, struct fh_request *req)
{
	struct fh_request *f;

	pthread_mutex_lock(&flight_lock);
	for (f = flight; f; f = f->flight_next) {
		if (strcmp(f->parsed.request_id, req->parsed.request_id) != 0)
			continue;
		/* Append to the chain of followers. */
		while (f->followers)
			f = f->followers;
		f->followers = req;
		req->followers = NULL;
		pthread_mutex_unlock(&flight_lock);
		return 0;
	}
	req->flight_prev = NULL;
	req->flight_next = flight;
	if (flight)
		flight->flight_prev = req;
	flight = req;
	pthread_mutex_unlock(&flight_lock);
	pthread_mutex_lock(&fh->lock);
	fh->nflight++;
	pthread_mutex_unlock(&fh->lock);
	return 1;
}

/*
 * Take the deliveries of `list` (linked by next) out of flight - then no
 * copy can join their followers - lower the writer's group count by
 * groups_done, and answer them and their followers.
 */
static void
leave_flight(struct firehose *fh, struct fh_request *list, int groups_done,
    unsigned status, const char *message)
{
	struct fh_request *r;
	size_t n = 0;

	pthread_mutex_lock(&flight_lock);
	for (r = list; r; r = r->next, n++)
		flight_remove(r);
	pthread_mutex_unlock(&flight_lock);
	pthread_mutex_lock(&fh->lock);
	fh->nflight -= n;
	fh->groups -= groups_done;
	pthread_cond_broadcast(&fh->wake);
	pthread_mutex_unlock(&fh->lock);
	answer_all(list, status, message);
}

/* A group is over (handed_over: the writer had it): answer it, free it. */
static void
end_group(struct fh_group *g, int handed_over, unsigned status,
    const char *message)
{
	leave_flight(g->fh, g->reqs, handed_over, status, message);
	free(g);
}

/* Writer thread: done with a group's transaction; the next may come. */
static void
group_written(void *arg)
{
	struct fh_group *g = arg;

	pthread_mutex_lock(&g->fh->lock);
	g->fh->writing--;
	pthread_cond_broadcast(&g->fh->wake);
	pthread_mutex_unlock(&g->fh->lock);
}

/* WAL sync thread (or the writer, on failure): a group's batch is on
 * disk (ok), or was not stored. */
static void
group_committed(void *arg, int ok)
{
	end_group(arg, 1, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
	    ok ? NULL : "flowlens could not commit the records to its store");
}

/* ---------------------------------------------------------------- HTTP */

static const char *
header(struct MHD_Connection *conn, const char *name, size_t *len)
{
	const char *v = NULL;
	size_t n = 0;

	if (dyn_mhd.lookup_connection_value_n(conn, MHD_HEADER_KIND, name,
	    strlen(name), &v, &n) != MHD_YES)
		return NULL;
	if (len)
		*len = n;
	return v;
}

/*
 * Checks made from the headers alone.  Returns 0, or the status to
 * answer with *why.
 */
static unsigned
check_headers(struct firehose *fh, struct MHD_Connection *conn,
    const char *url, const char *method, struct fh_request *req,
    const char **why)
{
	const char *v;
	size_t len = 0;
	int stopping;

	if (strcmp(method, "POST") != 0) {
		*why = "only POST is accepted";
		return MHD_HTTP_METHOD_NOT_ALLOWED;
	}
	if (strcmp(url, fh->addr.path) != 0) {
		*why = "no Firehose endpoint at this path";
		return MHD_HTTP_NOT_FOUND;
	}
	v = header(conn, "X-Amz-Firehose-Access-Key", &len);
	if (v == NULL || !firehose_key_matches(fh->key, fh->key_len, v, len)) {
		*why = v == NULL ? "the X-Amz-Firehose-Access-Key header is "
		    "missing" : "the access key is not the one configured";
		return MHD_HTTP_UNAUTHORIZED;
	}
	v = header(conn, "X-Amz-Firehose-Protocol-Version", NULL);
	if (v && strcmp(v, "1.0") != 0) {
		*why = "unsupported X-Amz-Firehose-Protocol-Version (only 1.0)";
		return MHD_HTTP_BAD_REQUEST;
	}
	v = header(conn, "Content-Type", NULL);
	if (v && strncasecmp(v, "application/json", 16) != 0) {
		*why = "the Content-Type is not application/json";
		return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
	}
	v = header(conn, "Content-Encoding", NULL);
	if (v && strcasecmp(v, "gzip") == 0)
		req->gzip = 1;
	else if (v && strcasecmp(v, "identity") != 0) {
		*why = "unsupported Content-Encoding (gzip or none)";
		return MHD_HTTP_BAD_REQUEST;
	}
	v = header(conn, "Content-Length", NULL);
	if (v && strtoull(v, NULL, 10) > MAX_BODY) {
		*why = "the body is larger than 65 MiB";
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	pthread_mutex_lock(&fh->lock);
	stopping = fh->stopping;
	pthread_mutex_unlock(&fh->lock);
	if (stopping) {
		*why = "flowlens is shutting down; retry later";
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	return 0;
}

/* Count n more bytes held; 0 if that would pass MAX_HELD. */
static int
hold(struct firehose *fh, struct fh_request *req, size_t n)
{
	size_t cur = atomic_load(&fh->held);

	do {
		if (cur + n > MAX_HELD)
			return 0;
	} while (!atomic_compare_exchange_weak(&fh->held, &cur, cur + n));
	req->held += n;
	return 1;
}

static void
release(struct fh_request *req)
{
	atomic_fetch_sub(&req->fh->held, req->held);
	req->held = 0;
}

/* The whole body arrived: decode it and queue the delivery. */
static enum MHD_Result
body_received(struct firehose *fh, struct MHD_Connection *conn,
    struct fh_request *req)
{
	enum firehose_body_status st;
	char *err = NULL;
	enum MHD_Result rc;
	int queued = 0, stopping;

	st = firehose_body_parse(req->body.data ? req->body.data : "",
	    req->body.len, req->gzip, MAX_BODY, &req->parsed, &err);
	sbuf_free(&req->body);
	release(req);
	if (st != FIREHOSE_BODY_OK) {
		rc = send_answer(conn, req, st == FIREHOSE_BODY_TOO_LARGE ?
		    MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, err);
		free(err);
		return rc;
	}
	/* The decoded records stay until the answer: count them. */
	req->held = req->parsed.data_len;
	atomic_fetch_add(&fh->held, req->held);
	if (req->header_id && strcmp(req->header_id,
	    req->parsed.request_id) != 0)
		return send_answer(conn, req, MHD_HTTP_BAD_REQUEST,
		    "the X-Amz-Firehose-Request-Id header and the body's "
		    "requestId differ");
	pthread_mutex_lock(&fh->lock);
	if (!fh->stopping && fh->inbox_len < MAX_INBOX) {
		/* Suspend before the source thread can see it: an answer may
		 * come (and resume it) as soon as the lock is released. */
		dyn_mhd.suspend_connection(conn);
		req->state = REQ_WAITING;
		req->next = NULL;
		if (fh->inbox_tail)
			fh->inbox_tail->next = req;
		else
			fh->inbox = req;
		fh->inbox_tail = req;
		fh->inbox_len++;
		fh->suspended++;
		pthread_cond_broadcast(&fh->wake);
		queued = 1;
	}
	stopping = fh->stopping;
	pthread_mutex_unlock(&fh->lock);
	if (queued)
		return MHD_YES;
	return send_answer(conn, req, MHD_HTTP_SERVICE_UNAVAILABLE,
	    stopping ? "flowlens is shutting down; retry later" :
	    "the ingest queue is full; retry later");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct firehose *fh = cls;
	struct fh_request *req = *con_cls;
	const char *why = NULL;

	(void)version;
	if (req == NULL) {
		const char *id;
		unsigned status;

		req = xcalloc(1, sizeof *req);
		req->fh = fh;
		req->conn = conn;
		id = header(conn, "X-Amz-Firehose-Request-Id", NULL);
		if (id)
			req->header_id = xstrndup(id, FIREHOSE_MAX_REQUEST_ID);
		*con_cls = req;
		status = check_headers(fh, conn, url, method, req, &why);
		if (status) {
			/* Answer now: the body, if any, is never read. */
			req->refused = status;
			return send_answer(conn, req, status, why);
		}
		return MHD_YES;
	}
	if (req->state == REQ_ANSWERED)
		return send_answer(conn, req, req->status, req->message);
	if (req->refused) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (req->body.len + n > MAX_BODY) {
			req->refused = MHD_HTTP_CONTENT_TOO_LARGE;
			why = "the body is larger than 65 MiB";
		} else if (!hold(fh, req, n)) {
			req->refused = MHD_HTTP_SERVICE_UNAVAILABLE;
			why = "too many deliveries in progress; retry later";
		} else {
			sbuf_append(&req->body, upload, n);
			return MHD_YES;
		}
		sbuf_free(&req->body);
		release(req);
		return send_answer(conn, req, req->refused, why);
	}
	return body_received(fh, conn, req);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct firehose *fh = cls;
	struct fh_request *req = *con_cls;

	(void)conn;
	(void)why;
	if (req == NULL)
		return;
	pthread_mutex_lock(&fh->lock);
	if (req->state == REQ_ANSWERED) {
		fh->unsent--;
		pthread_cond_broadcast(&fh->wake);
	}
	pthread_mutex_unlock(&fh->lock);
	release(req);
	sbuf_free(&req->body);
	firehose_body_free(&req->parsed);
	free(req->header_id);
	free(req->message);
	free(req);
	*con_cls = NULL;
}

/* ---------------------------------------------------------------- setup */

static void
forget_key(struct firehose *fh)
{
	firehose_forget_key(fh->key, fh->key_len);
	fh->key = NULL;
}

/* Start libmicrohttpd; prints where it listens. */
static int
start_server(struct firehose *fh, char **err)
{
	const struct ingest_options *opt = ingest_opts(fh->ing);
	struct MHD_OptionItem tls[3];
	char *cert = NULL, *key = NULL;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME;
	size_t len;
	int n = 0;

	if ((opt->tls_cert == NULL) != (opt->tls_key == NULL)) {
		*err = xstrdup("--tls-cert and --tls-key go together");
		return -1;
	}
	if (dyn_mhd_load(err) < 0)
		return -1;
	if (opt->tls_cert) {
		if (dyn_mhd.is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			*err = xstrdup("this libmicrohttpd was built without "
			    "TLS: terminate TLS at a proxy instead");
			return -1;
		}
		cert = firehose_read_file(opt->tls_cert, "TLS certificate",
		    1024 * 1024, &len, NULL, err);
		if (cert == NULL)
			return -1;
		key = firehose_read_file(opt->tls_key, "TLS key", 1024 * 1024,
		    &len, NULL, err);
		if (key == NULL) {
			free(cert);
			return -1;
		}
		flags |= MHD_USE_TLS;
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
		    0, cert };
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
		    0, key };
	}
	tls[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	if (fh->addr.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	fh->daemon = dyn_mhd.start_daemon(flags, (uint16_t)fh->addr.port, NULL,
	    NULL, on_request, fh,
	    MHD_OPTION_SOCK_ADDR, fh->addr.family == AF_INET6 ?
	    (struct sockaddr *)&fh->addr.in6 : (struct sockaddr *)&fh->addr.in4,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, fh,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	if (fh->daemon == NULL) {
		*err = xasprintf("%s: cannot listen on %s port %u%s%s%s",
		    fh->spec, fh->addr.host, fh->addr.port,
		    errno ? " (" : "", errno ? strerror(errno) : "",
		    errno ? ")" : opt->tls_cert ? " (is the TLS certificate "
		    "and key pair valid PEM?)" : "");
		return -1;
	}
	info = dyn_mhd.get_daemon_info(fh->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port)
		fh->addr.port = info->port;
	fprintf(stderr, "flowlens: %s: listening on %s://%s%s%s:%u%s\n",
	    fh->spec, opt->tls_cert ? "https" : "http",
	    fh->addr.family == AF_INET6 ? "[" : "", fh->addr.host,
	    fh->addr.family == AF_INET6 ? "]" : "", fh->addr.port,
	    fh->addr.path);
	return 0;
}

/* ---------------------------------------------------------------- feeding */

static void wait_wake(struct firehose *fh);

/* Feed every record of a delivery into the source's batch. */
/* Where a record of a delivery is, in error locations. */
struct record_name {
	const char *label;	/* the source */
	const char *request_id;
	size_t      index;	/* from 0 */
};

static void
describe_record(void *arg, char *out, size_t cap)
{
	const struct record_name *n = arg;

	snprintf(out, cap, "%s request %s record %zu", n->label,
	    n->request_id, n->index + 1);
}

static void
feed_delivery(struct source_ctx *sc, const char *label, struct fh_request *r)
{
	const struct firehose_body *b = &r->parsed;
	struct record_name name = { label, b->request_id, 0 };
	size_t rows = sc->batch->nrecords;

	sc->describe = describe_record;
	sc->describe_arg = &name;
	for (; name.index < b->nrecords && !ingest_stopping(sc->ing);
	    name.index++) {
		const unsigned char *data = b->data +
		    b->records[name.index].offset;
		size_t len = b->records[name.index].len;
		char *err = NULL, where[1400];

		if (source_feed(sc, data, len, 0, &err) < 0) {
			/* Damaged gzip inside a record: keep it as a reject. */
			describe_record(&name, where, sizeof where);
			source_reject(sc, where, err, data, len);
			free(err);
		}
	}
	sc->describe = NULL;
	sc->describe_arg = NULL;
	batch_add_request(sc->batch, b->request_id,
	    (int64_t)(sc->batch->nrecords - rows));
}

/*
 * Hand the open group to the writer; answers come from group_committed().
 * If the writer has failed, answer 503 here.
 */
static void
flush_group(struct firehose *fh, struct source_ctx *sc, struct fh_group **open)
{
	struct fh_group *g = *open;

	*open = NULL;
	sc->on_commit_arg = g;
	pthread_mutex_lock(&fh->lock);
	fh->groups++;
	fh->writing++;
	pthread_mutex_unlock(&fh->lock);
	if (source_flush(sc) < 0) {	/* the writer never had it */
		group_written(g);
		end_group(g, 1, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "flowlens cannot write to its store");
	}
}

/* Stopped while feeding: nothing of the group is stored; refuse it. */
static void
abandon_group(struct source_ctx *sc, struct fh_group **open)
{
	struct fh_group *g = *open;

	*open = NULL;
	batch_reset(sc->batch);
	end_group(g, 0, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "flowlens is shutting down; retry later");
}

/*
 * Store the deliveries of `list` (linked by next): repeats of committed
 * ids are answered at once, the rest fed into the open group *open.
 */
static void
feed_list(struct firehose *fh, struct source_ctx *sc,
    struct fh_request *list, struct fh_group **open)
{
	while (list) {
		struct fh_request *r = list;
		char *err = NULL;
		int committed = 0;

		list = list->next;
		r->next = NULL;
		if (ingest_stopping(fh->ing)) {
			answer(r, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "flowlens is shutting down; retry later");
			continue;
		}
		if (!claim_request_id(fh, r))
			continue;
		if (store_request_committed(fh->store, r->parsed.request_id,
		    &committed, &err) < 0) {
			fprintf(stderr, "flowlens: %s: %s\n", fh->spec, err);
			free(err);
			leave_flight(fh, r, 0, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "flowlens cannot read its store; retry later");
			continue;
		}
		if (committed) {
			leave_flight(fh, r, 0, MHD_HTTP_OK, NULL);
			continue;
		}
		if (*open == NULL) {
			*open = xcalloc(1, sizeof **open);
			(*open)->fh = fh;
		}
		r->next = (*open)->reqs;
		(*open)->reqs = r;
		feed_delivery(sc, fh->spec, r);
		if (ingest_stopping(fh->ing))
			abandon_group(sc, open);	/* maybe partly fed */
		else if (batch_bytes(sc->batch) >= GROUP_BYTES)
			flush_group(fh, sc, open);
	}
}

/* 1 if the open group should go to the writer now (fh->lock held). */
static int
writer_has_room_locked(const struct firehose *fh)
{
	return fh->writing == 0 && fh->groups < GROUPS_IN_FLIGHT;
}

static int
writer_has_room(struct firehose *fh)
{
	int room;

	pthread_mutex_lock(&fh->lock);
	room = writer_has_room_locked(fh);
	pthread_mutex_unlock(&fh->lock);
	return room;
}

/*
 * Take the inbox.  When it is empty, wait (up to 100 ms) for a delivery,
 * or - if a group is open (have_open) - for the writer to have room; the
 * condition is checked under the lock its signal is sent under, so no
 * wake-up is lost.
 */
static struct fh_request *
take_inbox(struct firehose *fh, int have_open)
{
	struct fh_request *list;

	pthread_mutex_lock(&fh->lock);
	if (fh->inbox == NULL && !(have_open && writer_has_room_locked(fh)))
		wait_wake(fh);
	list = fh->inbox;
	fh->inbox = fh->inbox_tail = NULL;
	fh->inbox_len = 0;
	pthread_mutex_unlock(&fh->lock);
	return list;
}

/* Wait on fh->wake (locked) for up to 100 ms. */
static void
wait_wake(struct firehose *fh)
{
	struct timespec ts = deadline_after_ms(100);

	pthread_cond_timedwait(&fh->wake, &fh->lock, &ts);
}

/*
 * Stop: no new connections; refuse the inbox; wait for the writer to
 * answer what it holds; give the answers a moment to be sent.
 */
static void
stop_server(struct firehose *fh)
{
	struct fh_request *inbox;
	MHD_socket listen_fd;
	double until;

	pthread_mutex_lock(&fh->lock);
	fh->stopping = 1;
	inbox = fh->inbox;
	fh->inbox = fh->inbox_tail = NULL;
	fh->inbox_len = 0;
	pthread_mutex_unlock(&fh->lock);
	listen_fd = dyn_mhd.quiesce_daemon(fh->daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	answer_all(inbox, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "flowlens is shutting down; retry later");
	/* The writer answers every batch it was given, committed or not. */
	pthread_mutex_lock(&fh->lock);
	while (fh->nflight || fh->suspended)
		wait_wake(fh);
	until = now_monotonic() + SEND_WAIT_SECONDS;
	while (fh->unsent && now_monotonic() < until)
		wait_wake(fh);
	pthread_mutex_unlock(&fh->lock);
	dyn_mhd.stop_daemon(fh->daemon);
	fh->daemon = NULL;
}

int
firehose_run(struct ingest *ing, const char *spec)
{
	struct firehose *fh = xcalloc(1, sizeof *fh);
	struct source_row *row = NULL;
	struct fh_group *open = NULL;	/* deliveries fed, not yet flushed */
	struct source_ctx sc;
	char *err = NULL;
	int64_t origin;

	fh->ing = ing;
	fh->spec = spec;
	pthread_mutex_init(&fh->lock, NULL);
	pthread_cond_init(&fh->wake, NULL);
	if (firehose_parse_spec(spec, &fh->addr, &err) < 0 ||
	    firehose_load_key(ingest_opts(ing)->firehose_key_file, spec,
	    &fh->key, &fh->key_len, &err) < 0 ||
	    ingest_source_state(ing, spec, "firehose", &row, &err) < 0 ||
	    store_open(&fh->store, ingest_opts(ing)->db_path, &err) < 0 ||
	    start_server(fh, &err) < 0)
		goto fail;
	origin = row->id;
	store_source_rows_free(row, 1);
	row = NULL;
	source_begin(&sc, ing, spec, spec, origin);
	/* Deliveries are flushed whole by feed_list, never split. */
	sc.max_records = SIZE_MAX;
	sc.max_bytes = SIZE_MAX;
	sc.max_age = INFINITY;
	sc.on_commit = group_committed;
	sc.on_written = group_written;
	while (!ingest_stopping(ing)) {
		struct fh_request *list = take_inbox(fh, open != NULL);

		if (list)
			feed_list(fh, &sc, list, &open);
		if (open && writer_has_room(fh))
			flush_group(fh, &sc, &open);
	}
	/* What was fed whole is committed; the rest is refused. */
	if (open)
		flush_group(fh, &sc, &open);
	stop_server(fh);
	sc.on_commit = NULL;
	sc.on_commit_arg = NULL;
	sc.on_written = NULL;
	source_end(&sc);
	store_close(fh->store);
	forget_key(fh);
	pthread_cond_destroy(&fh->wake);
	pthread_mutex_destroy(&fh->lock);
	free(fh);
	return 0;
fail:
	if (row)
		store_source_rows_free(row, 1);
	store_close(fh->store);
	forget_key(fh);
	pthread_cond_destroy(&fh->wake);
	pthread_mutex_destroy(&fh->lock);
	free(fh);
	ingest_fail(ing, err);
	return -1;
}

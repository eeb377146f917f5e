/*
 * aws.h - AWS access for every AWS call flowlens makes: credentials,
 * region and endpoints found exactly as the AWS CLI finds them, SigV4
 * signing through libcurl's CURLOPT_AWS_SIGV4, bounded jittered retries,
 * and error messages that say what to fix (the IAM action, the expired
 * token).
 *
 * Credentials (first that yields keys wins):
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN or
 *      AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION] - skipped when a
 *      profile was chosen with --profile;
 *   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or
 *      ~/.aws/credentials), section [PROFILE];
 *   3. the config file (AWS_CONFIG_FILE or ~/.aws/config), [default] or
 *      [profile PROFILE];
 *   4. the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]);
 *   5. EC2 instance metadata, IMDSv2 (token PUT, role GET), unless
 *      AWS_EC2_METADATA_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      moves it.
 * PROFILE is --profile, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else
 * "default".  Temporary credentials are refreshed before they expire
 * (15 minutes ahead, like botocore).
 *
 * Region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region,
 * IMDS placement/region.
 *
 * Endpoint of a service: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>
 * (CLOUDWATCH_LOGS, S3), AWS_ENDPOINT_URL, the profile's services section
 * (cloudwatch_logs = / s3 = with a nested endpoint_url), the profile's
 * endpoint_url, else the real regional endpoint.
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores all but --endpoint-url.
 *
 * Secrets: keys live only in memory this module owns, are wiped when
 * released, never go on a command line, into a log, an error message or
 * the environment of a child; libcurl gets them through CURLOPT_USERNAME /
 * CURLOPT_PASSWORD.  The process is marked non-dumpable once credentials
 * are loaded, so a core dump cannot hold them.
 *
 * Threads: struct aws is shared by every source thread (it locks); a
 * struct aws_client (one connection) belongs to one thread.
 */
#ifndef FLOWLENS_AWS_H
#define FLOWLENS_AWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

/* What the command line chose (each may be NULL). */
struct aws_options {
	const char *profile;		/* --profile */
	const char *region;		/* --region */
	const char *endpoint_url;	/* --endpoint-url (every service) */
};

enum aws_service { AWS_LOGS, AWS_S3 };

/* A set of credentials; the strings are owned and wiped by aws_creds_clear. */
struct aws_creds {
	char    *access_key_id;
	char    *secret_access_key;
	char    *session_token;	/* NULL for long-term keys */
	int64_t  expires;	/* epoch seconds, 0 = does not expire */
	char     source[64];	/* where they came from, for messages:
				 * "environment", "profile ops in FILE",
				 * "instance metadata (role R)", ... */
};

struct aws;

/*
 * The process-wide handle, created by the first call from the options
 * given then (later calls' options are ignored: one command line, one
 * configuration).  Reads the config files and resolves the region; the
 * credentials are found on first use.  Returns NULL with *err when the
 * configuration is unusable (a chosen profile that does not exist, no
 * region anywhere).  Thread-safe.  Released at exit.
 */
struct aws *aws_shared(const struct aws_options *opt, char **err);

/* Create / free a private handle (tests; aws_shared uses these).  The
 * open loads libcurl and libcrypto (dynlib.h) and fails with *err naming
 * the package to install when they are missing. */
int aws_open(struct aws **out, const struct aws_options *opt, char **err);
void aws_close(struct aws *aws);

/* The region in use (never NULL after a successful open). */
const char *aws_region(const struct aws *aws);

/*
 * The endpoint of a service, without a trailing slash (allocated), and
 * whether it was overridden (*custom = 1: path-style S3 addressing).
 */
char *aws_endpoint(const struct aws *aws, enum aws_service service,
    int *custom);

/*
 * Copy the current credentials into *out (clear it with aws_creds_clear),
 * finding or refreshing them first when needed.  Returns 0, or -1 with
 * *err naming every place that was looked at.
 */
int aws_credentials(struct aws *aws, struct aws_creds *out, char **err);

/* Forget the cached credentials so the next call fetches new ones (after
 * AWS said they expired). */
void aws_credentials_invalidate(struct aws *aws);

/* Wipe and free the strings of c. */
void aws_creds_clear(struct aws_creds *c);

/*
 * A process-wide request-rate limiter (a CloudWatch Logs account quota is
 * shared by every thread): aws_rate_wait spaces calls at least
 * 1/per_second apart across threads and honours back-off another thread
 * was told to take.  Zero-init plus per_second is a valid limiter.
 */
struct aws_rate {
	double per_second;
	double next;		/* monotonic time of the next free slot
				 * (guarded by a lock inside aws.c) */
};

/* One HTTP request to an AWS service. */
struct aws_request {
	enum aws_service service;
	const char  *method;		/* "POST", "GET", "PUT", "HEAD" */
	const char  *url;		/* full URL, query already canonical */
	const char  *target;		/* X-Amz-Target (JSON protocol) or NULL */
	const char  *content_type;	/* or NULL */
	const char *const *headers;	/* more "Name: value" lines, NULL-ended,
					 * or NULL; all are signed */
	const void  *body;		/* request body in memory, or NULL */
	size_t       body_len;
	FILE        *upload;		/* PUT body streamed from a file (with
					 * upload_len and payload_sha256), or NULL */
	int64_t      upload_len;
	const char  *payload_sha256;	/* hex SHA-256 of the body, or NULL
					 * (computed for in-memory bodies) */
	const char  *action;		/* IAM action, "logs:FilterLogEvents" */
	const char  *resource;		/* "log group /vpc/x", "s3://b/k" */
	struct aws_rate *rate;		/* limiter to pass before each attempt,
					 * or NULL */
	/* Sleep between attempts: returns 1 to give up (stopping), or NULL
	 * for a plain sleep. */
	int        (*sleep)(void *arg, double seconds);
	void        *sleep_arg;
	/* Polled during a transfer: non-zero aborts it (Ctrl-C must not wait
	 * for a slow answer), or NULL.  Gets sleep_arg. */
	int        (*stopping)(void *arg);
};

struct aws_response {
	long         status;	/* HTTP status of the last attempt */
	struct sbuf  body;	/* response body */
	char        *etag;	/* ETag header, or NULL */
	char        *request_id;/* x-amzn-RequestId / x-amz-request-id */
	char        *error_code;/* AWS error code of a failed call, or NULL */
	int          attempts;	/* attempts made */
	int          throttled;	/* attempts refused by throttling */
};

/* One connection to AWS, reused across calls; one thread at a time. */
struct aws_client;

struct aws_client *aws_client_new(struct aws *aws);
void aws_client_free(struct aws_client *c);
struct aws *aws_client_aws(const struct aws_client *c);

/*
 * Sign and send req, retrying throttling, 5xx and network errors with
 * jittered exponential back-off (at most AWS_MAX_ATTEMPTS attempts,
 * default 5; delays capped at 20 s), and an expired temporary credential
 * once after refreshing it.  Returns 0 when the service answered 2xx (or
 * 404 for a HEAD), with *resp filled in; -1 with *err (a message for the
 * user: what failed, why, what to do) and resp->status / error_code set
 * when the service answered.  Free resp with aws_response_free.
 */
int aws_call(struct aws_client *c, const struct aws_request *req,
    struct aws_response *resp, char **err);

void aws_response_free(struct aws_response *resp);

/* Limiter: wait for a slot (sleep as in aws_request); 1 if giving up. */
int aws_rate_wait(struct aws_rate *r, int (*sleep)(void *, double),
    void *arg);

/* Push every thread's next slot at least `seconds` away (throttled). */
void aws_rate_backoff(struct aws_rate *r, double seconds);

/*
 * Parse an AWS error body (JSON protocol {"__type", "message"} or S3's
 * XML <Error><Code><Message>) into allocated *code and *message (each
 * NULL when absent).  Cuts "__type" as botocore does.  Never fails.
 */
void aws_parse_error(const char *body, size_t len, char **code,
    char **message);

/*
 * Parse the JSON of the container endpoint or IMDS role credentials
 * (AccessKeyId, SecretAccessKey, Token, Expiration, and Code when IMDS
 * reports a failure) into *out.  Returns 0, or -1 with *err (which never
 * quotes the body: it may hold secrets).
 */
int aws_parse_credentials_json(const char *body, size_t len,
    struct aws_creds *out, char **err);

/* Hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Append s to b encoded as SigV4 canonical URIs want: every byte but
 * A-Z a-z 0-9 - _ . ~ as %XX, and '/' kept when keep_slash.
 */
void aws_uri_encode(struct sbuf *b, const char *s, int keep_slash);

#endif

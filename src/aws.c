/*
 * aws.c - see aws.h.
 */
#include "aws.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "dynlib.h"

#include "aws_ini.h"
#include "timeconv.h"

/* Refresh temporary credentials this long before they expire (botocore's
 * advisory refresh). */
#define REFRESH_AHEAD 900
/* Largest response body kept (a FilterLogEvents page is at most ~1 MB;
 * S3 objects are read through this too). */
#define MAX_BODY (1024LL * 1024 * 1024)
#define DEFAULT_ATTEMPTS 5
#define BACKOFF_BASE 0.25
#define BACKOFF_CAP 20.0
#define IMDS_DEFAULT "http://169.254.169.254"
#define CONTAINER_HOST "http://169.254.170.2"

struct aws {
	pthread_mutex_t  lock;		/* creds, refresh_at, imds_token */
	char            *profile;
	int              profile_chosen;	/* --profile given */
	char            *region;
	char            *endpoint_url;	/* --endpoint-url, or NULL */
	char            *cred_path;
	char            *conf_path;
	struct aws_ini   cred_file;
	struct aws_ini   conf_file;
	struct aws_creds creds;		/* cached; access_key_id NULL = none */
	int64_t          refresh_at;	/* epoch: fetch again from here on */
	char            *imds_token;	/* IMDSv2 session token, or NULL */
	int64_t          imds_token_expires;
};

struct aws_client {
	struct aws *aws;
	CURL       *curl;
};

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct aws *shared_aws;

/* ------------------------------------------------------------ helpers */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int
env_true(const char *name)
{
	const char *v = env(name);

	return v && strcasecmp(v, "true") == 0;
}

void
aws_creds_clear(struct aws_creds *c)
{
	free_secret(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	memset(c, 0, sizeof *c);
}

static void
creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	memset(dst, 0, sizeof *dst);
	dst->access_key_id = xstrdup(src->access_key_id);
	dst->secret_access_key = xstrdup(src->secret_access_key);
	dst->session_token = src->session_token ?
	    xstrdup(src->session_token) : NULL;
	dst->expires = src->expires;
	memcpy(dst->source, src->source, sizeof dst->source);
}

static int64_t
parse_expiration(const char *text)
{
	struct timeconv_iso iso;

	if (text == NULL || timeconv_parse_iso8601(text, &iso) < 0 ||
	    !(iso.has & TIMECONV_ZONE))
		return -1;
	return iso.sec;
}

/* The config-file section of the profile: [default] or [profile NAME]. */
static char *
config_section(const char *profile)
{
	return strcmp(profile, "default") == 0 ? xstrdup("default") :
	    xasprintf("profile %s", profile);
}

static const char *
profile_setting(const struct aws *aws, const char *key)
{
	char *section = config_section(aws->profile);
	const char *v = aws_ini_get(&aws->conf_file, section, key);

	free(section);
	return v && *v ? v : NULL;
}

static char *
home_file(const char *name)
{
	const char *home = env("HOME");

	return xasprintf("%s/.aws/%s", home ? home : ".", name);
}

/* ------------------------------------------------------------ HTTP */

struct http_body {
	struct sbuf *buf;
	int64_t      max;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_body *hb = arg;

	if ((int64_t)(hb->buf->len + size * n) > hb->max)
		return 0;
	sbuf_append(hb->buf, p, size * n);
	return size * n;
}

/* Plain (unsigned) request to the metadata services; never proxied. */
static long
http_plain(const char *method, const char *url, struct curl_slist *headers,
    double timeout, struct sbuf *out, char **err)
{
	struct http_body hb = { out, 64 * 1024 };
	CURL *c = dyn_curl.easy_init();
	long status = 0;
	CURLcode rc;

	if (c == NULL) {
		*err = xstrdup("cannot start libcurl");
		return -1;
	}
	dyn_curl.easy_setopt(c, CURLOPT_URL, url);
	dyn_curl.easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "PUT") == 0) {
		dyn_curl.easy_setopt(c, CURLOPT_POSTFIELDS, "");
		dyn_curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	dyn_curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	dyn_curl.easy_setopt(c, CURLOPT_NOPROXY, "*");
	dyn_curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	dyn_curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	dyn_curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout * 1000));
	dyn_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	dyn_curl.easy_setopt(c, CURLOPT_WRITEDATA, &hb);
	rc = dyn_curl.easy_perform(c);
	if (rc != CURLE_OK) {
		*err = xstrdup(dyn_curl.easy_strerror(rc));
		dyn_curl.easy_cleanup(c);
		return -1;
	}
	dyn_curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	dyn_curl.easy_cleanup(c);
	return status;
}

/* ------------------------------------------------------------ parsing */

int
aws_parse_credentials_json(const char *body, size_t len,
    struct aws_creds *out, char **err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	const char *akid, *secret, *token, *exp, *code;
	int64_t expires = 0;

	if (root == NULL || !json_is_object(root)) {
		*err = xasprintf("credentials response is not a JSON object "
		    "(%s)", root ? "other JSON value" : "invalid JSON");
		json_decref(root);
		return -1;
	}
	code = json_string_value(json_object_get(root, "Code"));
	if (code && strcmp(code, "Success") != 0) {
		const char *msg = json_string_value(json_object_get(root,
		    "Message"));

		*err = xasprintf("credentials service reported %.64s: %.300s",
		    code, msg ? msg : "(no message)");
		json_decref(root);
		return -1;
	}
	akid = json_string_value(json_object_get(root, "AccessKeyId"));
	secret = json_string_value(json_object_get(root, "SecretAccessKey"));
	token = json_string_value(json_object_get(root, "Token"));
	exp = json_string_value(json_object_get(root, "Expiration"));
	if (!akid || !*akid || !secret || !*secret) {
		*err = xstrdup("credentials response lacks AccessKeyId or "
		    "SecretAccessKey");
		json_decref(root);
		return -1;
	}
	if (exp && (expires = parse_expiration(exp)) < 0) {
		*err = xstrdup("credentials response has an Expiration that "
		    "is not an ISO 8601 UTC time");
		json_decref(root);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token && *token ? xstrdup(token) : NULL;
	out->expires = expires;
	/* jansson keeps its own copies: wipe the secret before freeing. */
	explicit_bzero((char *)secret, strlen(secret));
	if (token)
		explicit_bzero((char *)token, strlen(token));
	json_decref(root);
	return 0;
}

/* The text of <tag>...</tag> in xml, or NULL (allocated). */
static char *
xml_tag(const char *xml, size_t len, const char *tag)
{
	char open[64], close[64];
	const char *a, *b;

	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	a = memmem(xml, len, open, strlen(open));
	if (a == NULL)
		return NULL;
	a += strlen(open);
	b = memmem(a, len - (size_t)(a - xml), close, strlen(close));
	return b ? xstrndup(a, (size_t)(b - a)) : NULL;
}

void
aws_parse_error(const char *body, size_t len, char **code, char **message)
{
	json_error_t je;
	json_t *root;
	size_t i = 0;

	*code = NULL;
	*message = NULL;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i < len && body[i] == '<') {
		*code = xml_tag(body, len, "Code");
		*message = xml_tag(body, len, "Message");
		return;
	}
	root = json_loadb(body, len, 0, &je);
	if (root && json_is_object(root)) {
		const char *type = json_string_value(json_object_get(root,
		    "__type"));
		const char *msg = json_string_value(json_object_get(root,
		    "message"));

		if (msg == NULL)
			msg = json_string_value(json_object_get(root,
			    "Message"));
		if (type) {
			/* botocore: cut at ':', keep what follows '#'. */
			size_t n = strcspn(type, ":");
			const char *hash = memrchr(type, '#', n);

			if (hash) {
				n -= (size_t)(hash + 1 - type);
				type = hash + 1;
			}
			if (n > 0)
				*code = xstrndup(type, n);
		}
		if (msg)
			*message = xstrdup(msg);
	}
	json_decref(root);
}

void
aws_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;
	char *err = NULL;
	int i;

	if (dyn_crypto_load(&err) < 0) {	/* loaded by aws_open() */
		fprintf(stderr, "flowlens: %s\n", err);
		exit(70);
	}
	dyn_crypto.digest(data, len, md, &n, dyn_crypto.sha256(), NULL);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
aws_uri_encode(struct sbuf *b, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~' || (keep_slash && c == '/')) {
			sbuf_appendc(b, (char)c);
		} else {
			sbuf_appendc(b, '%');
			sbuf_appendc(b, hex[c >> 4]);
			sbuf_appendc(b, hex[c & 15]);
		}
	}
}

/* ------------------------------------------------------------ providers */

/* 1: found in the environment; 0: not there; -1: half there (*err). */
static int
creds_from_env(struct aws_creds *out, char **err)
{
	const char *akid = env("AWS_ACCESS_KEY_ID");
	const char *secret = env("AWS_SECRET_ACCESS_KEY");
	const char *token = env("AWS_SESSION_TOKEN");
	const char *exp = env("AWS_CREDENTIAL_EXPIRATION");

	if (!akid && !secret)
		return 0;
	if (!akid || !secret) {
		*err = xasprintf("AWS_ACCESS_KEY_ID is set but %s is not: set "
		    "both, or neither", akid ? "AWS_SECRET_ACCESS_KEY" :
		    "AWS_ACCESS_KEY_ID");
		return -1;
	}
	if (token == NULL)
		token = env("AWS_SECURITY_TOKEN");
	memset(out, 0, sizeof *out);
	if (exp && (out->expires = parse_expiration(exp)) < 0) {
		*err = xstrdup("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 "
		    "UTC time");
		return -1;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token ? xstrdup(token) : NULL;
	snprintf(out->source, sizeof out->source, "environment variables");
	return 1;
}

/* Keys in one section of an INI file: 1 found, 0 not, -1 half (*err). */
static int
creds_from_section(const struct aws_ini *ini, const char *path,
    const char *section, struct aws_creds *out, char **err)
{
	const char *akid = aws_ini_get(ini, section, "aws_access_key_id");
	const char *secret = aws_ini_get(ini, section,
	    "aws_secret_access_key");
	const char *token = aws_ini_get(ini, section, "aws_session_token");

	if ((!akid || !*akid) && (!secret || !*secret))
		return 0;
	if (!akid || !*akid || !secret || !*secret) {
		*err = xasprintf("%s: [%s] has %s but not %s", path, section,
		    akid && *akid ? "aws_access_key_id" :
		    "aws_secret_access_key", akid && *akid ?
		    "aws_secret_access_key" : "aws_access_key_id");
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	out->session_token = token && *token ? xstrdup(token) : NULL;
	snprintf(out->source, sizeof out->source, "[%.20s] in %.30s",
	    section, path);
	return 1;
}

/* Settings flowlens cannot act on: say so instead of falling through. */
static int
unsupported_profile(const struct aws *aws, char **err)
{
	static const char *const keys[] = { "role_arn", "credential_process",
	    "sso_session", "sso_start_url", "web_identity_token_file" };
	size_t i;

	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (profile_setting(aws, keys[i])) {
			*err = xasprintf("profile %s uses %s, which flowlens "
			    "does not support (it needs STS or SSO): export "
			    "temporary keys (aws configure export-credentials "
			    "--profile %s --format env) or use an instance "
			    "role", aws->profile, keys[i], aws->profile);
			return -1;
		}
	return 0;
}

/* Parse a credentials response, then wipe and free it.  `from` names the
 * service in the error. */
static int
parse_and_wipe(struct sbuf *body, const char *from, struct aws_creds *out,
    char **err)
{
	char *perr = NULL;
	int rc = aws_parse_credentials_json(body->data ? body->data : "",
	    body->len, out, &perr);

	if (body->data)
		explicit_bzero(body->data, body->len);
	sbuf_free(body);
	if (rc < 0) {
		*err = xasprintf("%s: %s", from, perr);
		free(perr);
	}
	return rc;
}

static int
creds_from_container(struct aws_creds *out, char **err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *tok_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	struct curl_slist *h = NULL;
	struct sbuf body = { 0 }, line = { 0 };
	char *url, *herr = NULL, *tok_buf = NULL;
	long status;
	int rc;

	if (!rel && !full)
		return 0;
	url = rel ? xasprintf("%s%s", CONTAINER_HOST, rel) : xstrdup(full);
	if (tok_file) {
		FILE *f = fopen(tok_file, "r");
		char buf[4096];
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

		if (f)
			fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		tok_buf = xstrdup(buf);
		explicit_bzero(buf, sizeof buf);
		tok = tok_buf;
	}
	if (tok) {
		sbuf_printf(&line, "Authorization: %s", tok);
		h = dyn_curl.slist_append(h, line.data);
		explicit_bzero(line.data, line.len);
	}
	status = http_plain("GET", url, h, 2.0, &body, &herr);
	dyn_curl.slist_free_all(h);
	sbuf_free(&line);
	free_secret(tok_buf);
	if (status != 200) {
		*err = xasprintf("container credentials endpoint %s: %s", url,
		    status < 0 ? herr : "HTTP error");
		if (status > 0) {
			free(*err);
			*err = xasprintf("container credentials endpoint %s "
			    "answered HTTP %ld", url, status);
		}
		free(herr);
		free(url);
		sbuf_free(&body);
		return -1;
	}
	rc = parse_and_wipe(&body, url, out, err);
	free(url);
	if (rc < 0)
		return -1;
	snprintf(out->source, sizeof out->source,
	    "the container credentials endpoint");
	return 1;
}

static const char *
imds_base(void)
{
	const char *e = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");

	return e ? e : IMDS_DEFAULT;
}

static double
imds_timeout(void)
{
	const char *t = env("AWS_METADATA_SERVICE_TIMEOUT");
	double v = t ? strtod(t, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

/* An IMDSv2 session token (cached under aws->lock by the caller). */
static int
imds_session(struct aws *aws, char **err)
{
	struct curl_slist *h = NULL;
	struct sbuf body = { 0 };
	char *url, *herr = NULL;
	long status;
	size_t n;

	if (aws->imds_token && now_epoch() < aws->imds_token_expires - 60)
		return 0;
	free_secret(aws->imds_token);
	aws->imds_token = NULL;
	n = strlen(imds_base());
	url = xasprintf("%.*s/latest/api/token", (int)(n && imds_base()[n - 1]
	    == '/' ? n - 1 : n), imds_base());
	h = dyn_curl.slist_append(h, "X-aws-ec2-metadata-token-ttl-seconds: "
	    "21600");
	status = http_plain("PUT", url, h, imds_timeout(), &body, &herr);
	dyn_curl.slist_free_all(h);
	free(url);
	if (status != 200 || body.len == 0) {
		*err = status < 0 ? xasprintf("instance metadata (%s) did not "
		    "answer: %s", imds_base(), herr) :
		    xasprintf("instance metadata (%s) refused an IMDSv2 token "
		    "(HTTP %ld)", imds_base(), status);
		free(herr);
		sbuf_free(&body);
		return -1;
	}
	aws->imds_token = xstrndup(body.data, strcspn(body.data, "\r\n"));
	aws->imds_token_expires = now_epoch() + 21600;
	explicit_bzero(body.data, body.len);
	sbuf_free(&body);
	return 0;
}

/* GET a metadata path with the session token; body in *out. */
static long
imds_get(struct aws *aws, const char *path, struct sbuf *out, char **err)
{
	struct curl_slist *h = NULL;
	struct sbuf line = { 0 };
	char *url;
	size_t n = strlen(imds_base());
	long status;
	int retry;

	for (retry = 0; retry < 2; retry++) {
		if (imds_session(aws, err) < 0)
			return -1;
		url = xasprintf("%.*s%s", (int)(n && imds_base()[n - 1] == '/' ?
		    n - 1 : n), imds_base(), path);
		sbuf_printf(&line, "X-aws-ec2-metadata-token: %s",
		    aws->imds_token);
		h = dyn_curl.slist_append(NULL, line.data);
		explicit_bzero(line.data, line.len);
		sbuf_reset(&line);
		sbuf_reset(out);
		status = http_plain("GET", url, h, imds_timeout(), out, err);
		dyn_curl.slist_free_all(h);
		free(url);
		if (status != 401)
			break;
		/* The session token expired: get a new one, once. */
		free_secret(aws->imds_token);
		aws->imds_token = NULL;
	}
	sbuf_free(&line);
	return status;
}

static int
creds_from_imds(struct aws *aws, struct aws_creds *out, char **err)
{
	struct sbuf body = { 0 };
	char *role, *path, *herr = NULL;
	long status;
	int rc;

	status = imds_get(aws, "/latest/meta-data/iam/security-credentials/",
	    &body, &herr);
	if (status != 200 || body.len == 0) {
		*err = status < 0 ? herr : xasprintf("instance metadata has "
		    "no IAM role for this instance (HTTP %ld): attach an "
		    "instance profile", status);
		if (status >= 0)
			free(herr);
		sbuf_free(&body);
		return -1;
	}
	role = xstrndup(body.data, strcspn(body.data, "\r\n"));
	path = xasprintf("/latest/meta-data/iam/security-credentials/%s",
	    role);
	status = imds_get(aws, path, &body, &herr);
	free(path);
	if (status != 200) {
		*err = status < 0 ? herr : xasprintf("instance metadata "
		    "refused the credentials of role %s (HTTP %ld)", role,
		    status);
		if (status >= 0)
			free(herr);
		free(role);
		sbuf_free(&body);
		return -1;
	}
	path = xasprintf("instance metadata, role %s", role);
	rc = parse_and_wipe(&body, path, out, err);
	free(path);
	if (rc < 0) {
		free(role);
		return -1;
	}
	snprintf(out->source, sizeof out->source,
	    "instance metadata (role %.30s)", role);
	free(role);
	return 1;
}

/* Run the chain; aws->lock held.  Fills aws->creds and refresh_at. */
static int
find_credentials(struct aws *aws, char **err)
{
	struct aws_creds c;
	struct sbuf tried = { 0 };
	char *section, *perr = NULL;
	int rc = 0;

	memset(&c, 0, sizeof c);
	if (!aws->profile_chosen) {
		rc = creds_from_env(&c, err);
		if (rc < 0)
			return -1;
		sbuf_appends(&tried, "environment (AWS_ACCESS_KEY_ID)");
	}
	if (rc == 0) {
		rc = creds_from_section(&aws->cred_file, aws->cred_path,
		    aws->profile, &c, err);
		if (rc < 0) {
			sbuf_free(&tried);
			return -1;
		}
		sbuf_printf(&tried, "%s[%s] in %s", tried.len ? ", " : "",
		    aws->profile, aws->cred_path);
	}
	if (rc == 0) {
		section = config_section(aws->profile);
		rc = creds_from_section(&aws->conf_file, aws->conf_path,
		    section, &c, err);
		sbuf_printf(&tried, ", [%s] in %s", section, aws->conf_path);
		free(section);
		if (rc < 0) {
			sbuf_free(&tried);
			return -1;
		}
	}
	if (rc == 0 && unsupported_profile(aws, err) < 0) {
		sbuf_free(&tried);
		return -1;
	}
	if (rc == 0) {
		rc = creds_from_container(&c, &perr);
		if (rc != 0 || perr)
			sbuf_appends(&tried, ", the container endpoint");
	}
	if (rc == 0 && !perr && !env_true("AWS_EC2_METADATA_DISABLED")) {
		rc = creds_from_imds(aws, &c, &perr);
		sbuf_appends(&tried, ", instance metadata (IMDSv2)");
	}
	if (rc <= 0) {
		*err = xasprintf("no AWS credentials found (looked at %s)%s%s; "
		    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run aws "
		    "configure, choose a profile with --profile or "
		    "AWS_PROFILE, or run on an instance with an IAM role",
		    tried.data, perr ? ": " : "", perr ? perr : "");
		free(perr);
		sbuf_free(&tried);
		return -1;
	}
	sbuf_free(&tried);
	aws_creds_clear(&aws->creds);
	aws->creds = c;
	if (c.expires == 0) {
		aws->refresh_at = INT64_MAX;
	} else {
		int64_t now = now_epoch();

		aws->refresh_at = c.expires - REFRESH_AHEAD;
		/* Already inside the window (an outage, or short-lived
		 * credentials): use them, and try again halfway. */
		if (aws->refresh_at <= now)
			aws->refresh_at = now + (c.expires - now) / 2;
	}
	/* Keys are in memory from now on: no core dumps. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

int
aws_credentials(struct aws *aws, struct aws_creds *out, char **err)
{
	int rc = 0;

	pthread_mutex_lock(&aws->lock);
	if (aws->creds.access_key_id == NULL ||
	    now_epoch() >= aws->refresh_at) {
		char *ferr = NULL;

		rc = find_credentials(aws, &ferr);
		/* A failed refresh keeps credentials that are still valid. */
		if (rc < 0 && aws->creds.access_key_id &&
		    aws->creds.expires > now_epoch() + 60) {
			free(ferr);
			aws->refresh_at = now_epoch() + 30;
			rc = 0;
		} else if (rc < 0) {
			*err = ferr;
		}
	}
	if (rc == 0)
		creds_copy(out, &aws->creds);
	pthread_mutex_unlock(&aws->lock);
	return rc;
}

void
aws_credentials_invalidate(struct aws *aws)
{
	pthread_mutex_lock(&aws->lock);
	aws->refresh_at = 0;
	pthread_mutex_unlock(&aws->lock);
}

/* ------------------------------------------------------------ setup */

static int
imds_region(struct aws *aws, char **err)
{
	struct sbuf body = { 0 };
	long status;

	pthread_mutex_lock(&aws->lock);
	status = imds_get(aws, "/latest/meta-data/placement/region", &body,
	    err);
	pthread_mutex_unlock(&aws->lock);
	if (status == 200 && body.len > 0) {
		aws->region = xstrndup(body.data, strcspn(body.data, "\r\n \t"));
		sbuf_free(&body);
		return 0;
	}
	if (status >= 0)
		*err = xasprintf("HTTP %ld", status);
	sbuf_free(&body);
	return -1;
}

int
aws_open(struct aws **out, const struct aws_options *opt, char **err)
{
	struct aws *aws;
	const char *p, *r;
	char *section;

	if (dyn_curl_load(err) < 0 || dyn_crypto_load(err) < 0)
		return -1;
	aws = xcalloc(1, sizeof *aws);
	pthread_mutex_init(&aws->lock, NULL);
	p = opt->profile;
	aws->profile_chosen = p != NULL;
	if (p == NULL)
		p = env("AWS_DEFAULT_PROFILE");
	if (p == NULL)
		p = env("AWS_PROFILE");
	aws->profile = xstrdup(p ? p : "default");
	aws->endpoint_url = opt->endpoint_url ? xstrdup(opt->endpoint_url) :
	    NULL;
	aws->cred_path = env("AWS_SHARED_CREDENTIALS_FILE") ?
	    xstrdup(env("AWS_SHARED_CREDENTIALS_FILE")) :
	    home_file("credentials");
	aws->conf_path = env("AWS_CONFIG_FILE") ?
	    xstrdup(env("AWS_CONFIG_FILE")) : home_file("config");
	if (aws_ini_load(&aws->cred_file, aws->cred_path, err) < 0 ||
	    aws_ini_load(&aws->conf_file, aws->conf_path, err) < 0)
		goto fail;
	section = config_section(aws->profile);
	if (p && strcmp(aws->profile, "default") != 0 &&
	    !aws_ini_has_section(&aws->cred_file, aws->profile) &&
	    !aws_ini_has_section(&aws->conf_file, section)) {
		*err = xasprintf("the profile \"%s\" is in neither %s nor %s "
		    "(as [%s] or [%s])", aws->profile, aws->cred_path,
		    aws->conf_path, aws->profile, section);
		free(section);
		goto fail;
	}
	free(section);
	r = opt->region;
	if (r == NULL)
		r = env("AWS_REGION");
	if (r == NULL)
		r = env("AWS_DEFAULT_REGION");
	if (r == NULL)
		r = profile_setting(aws, "region");
	if (r) {
		aws->region = xstrdup(r);
	} else {
		char *ierr = NULL;

		if (env_true("AWS_EC2_METADATA_DISABLED") ||
		    imds_region(aws, &ierr) < 0) {
			*err = xasprintf("no AWS region: use --region, set "
			    "AWS_REGION, or add region = ... to [%s] in %s%s%s",
			    strcmp(aws->profile, "default") == 0 ? "default" :
			    aws->profile, aws->conf_path,
			    ierr ? " (instance metadata: " : "",
			    ierr ? ierr : "");
			if (ierr) {
				char *e = xasprintf("%s)", *err);

				free(*err);
				*err = e;
			}
			free(ierr);
			goto fail;
		}
	}
	*out = aws;
	return 0;
fail:
	aws_close(aws);
	return -1;
}

void
aws_close(struct aws *aws)
{
	if (aws == NULL)
		return;
	aws_creds_clear(&aws->creds);
	free_secret(aws->imds_token);
	aws_ini_free(&aws->cred_file);
	aws_ini_free(&aws->conf_file);
	free(aws->profile);
	free(aws->region);
	free(aws->endpoint_url);
	free(aws->cred_path);
	free(aws->conf_path);
	pthread_mutex_destroy(&aws->lock);
	free(aws);
}

static void
close_shared(void)
{
	aws_close(shared_aws);
	shared_aws = NULL;
	dyn_curl.global_cleanup();
}

struct aws *
aws_shared(const struct aws_options *opt, char **err)
{
	struct aws *a;

	pthread_mutex_lock(&shared_lock);
	if (shared_aws == NULL) {
		static int curl_ready;

		if (!curl_ready) {
			if (dyn_curl_load(err) < 0) {
				pthread_mutex_unlock(&shared_lock);
				return NULL;
			}
			dyn_curl.global_init(CURL_GLOBAL_DEFAULT);
			curl_ready = 1;
			atexit(close_shared);
		}
		if (aws_open(&shared_aws, opt, err) < 0)
			shared_aws = NULL;
	}
	a = shared_aws;
	pthread_mutex_unlock(&shared_lock);
	return a;
}

const char *
aws_region(const struct aws *aws)
{
	return aws->region;
}

static const char *
service_env_suffix(enum aws_service s)
{
	return s == AWS_LOGS ? "CLOUDWATCH_LOGS" : "S3";
}

static const char *
service_config_key(enum aws_service s)
{
	return s == AWS_LOGS ? "cloudwatch_logs" : "s3";
}

static char *
strip_slash(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

char *
aws_endpoint(const struct aws *aws, enum aws_service service, int *custom)
{
	char name[64];
	const char *v;

	*custom = 1;
	if (aws->endpoint_url)
		return strip_slash(aws->endpoint_url);
	if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s",
		    service_env_suffix(service));
		if ((v = env(name)) || (v = env("AWS_ENDPOINT_URL")))
			return strip_slash(v);
		if ((v = profile_setting(aws, "services"))) {
			char *section = xasprintf("services %s", v);
			char key[64];

			snprintf(key, sizeof key, "%s.endpoint_url",
			    service_config_key(service));
			v = aws_ini_get(&aws->conf_file, section, key);
			free(section);
			if (v && *v)
				return strip_slash(v);
		}
		if ((v = profile_setting(aws, "endpoint_url")))
			return strip_slash(v);
	}
	*custom = 0;
	return xasprintf("https://%s.%s.amazonaws.com%s",
	    service == AWS_LOGS ? "logs" : "s3", aws->region,
	    strncmp(aws->region, "cn-", 3) == 0 ? ".cn" : "");
}

/* ------------------------------------------------------------ rate */

int
aws_rate_wait(struct aws_rate *r, int (*sleep_fn)(void *, double),
    void *arg)
{
	double now, wait;

	pthread_mutex_lock(&rate_lock);
	now = now_monotonic();
	if (r->next < now)
		r->next = now;
	wait = r->next - now;
	r->next += 1.0 / r->per_second;
	pthread_mutex_unlock(&rate_lock);
	if (wait <= 0)
		return 0;
	if (sleep_fn)
		return sleep_fn(arg, wait);
	{
		struct timespec ts = { (time_t)wait,
		    (long)((wait - (double)(time_t)wait) * 1e9) };

		nanosleep(&ts, NULL);
	}
	return 0;
}

void
aws_rate_backoff(struct aws_rate *r, double seconds)
{
	double until;

	pthread_mutex_lock(&rate_lock);
	until = now_monotonic() + seconds;
	if (r->next < until)
		r->next = until;
	pthread_mutex_unlock(&rate_lock);
}

/* ------------------------------------------------------------ calls */

struct aws_client *
aws_client_new(struct aws *aws)
{
	struct aws_client *c = xcalloc(1, sizeof *c);

	c->aws = aws;
	c->curl = dyn_curl.easy_init();
	if (c->curl == NULL) {
		fprintf(stderr, "flowlens: cannot start libcurl\n");
		exit(70);
	}
	return c;
}

void
aws_client_free(struct aws_client *c)
{
	if (c) {
		dyn_curl.easy_cleanup(c->curl);
		free(c);
	}
}

struct aws *
aws_client_aws(const struct aws_client *c)
{
	return c->aws;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct aws_response *resp = arg;
	size_t len = size * n, name_len;
	const char *colon = memchr(p, ':', len);
	char **slot = NULL;

	if (colon == NULL)
		return len;
	name_len = (size_t)(colon - p);
	if (name_len == 4 && strncasecmp(p, "etag", 4) == 0)
		slot = &resp->etag;
	else if ((name_len == 16 && strncasecmp(p, "x-amzn-requestid", 16)
	    == 0) || (name_len == 16 && strncasecmp(p, "x-amz-request-id", 16)
	    == 0))
		slot = &resp->request_id;
	if (slot) {
		const char *v = colon + 1;
		size_t vlen = len - name_len - 1;

		while (vlen > 0 && isspace((unsigned char)*v)) {
			v++;
			vlen--;
		}
		while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
			vlen--;
		free(*slot);
		*slot = xstrndup(v, vlen);
	}
	return len;
}

static int
is_throttle(const char *code, long status)
{
	static const char *const codes[] = { "Throttling",
	    "ThrottlingException", "ThrottledException",
	    "RequestThrottledException", "TooManyRequestsException",
	    "ProvisionedThroughputExceededException",
	    "TransactionInProgressException", "RequestLimitExceeded",
	    "BandwidthLimitExceeded", "LimitExceededException",
	    "RequestThrottled", "SlowDown", "EC2ThrottledException" };
	size_t i;

	if (status == 429 || status == 509)
		return 1;
	for (i = 0; code && i < ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
is_transient(const char *code, long status)
{
	return status == 500 || status == 502 || status == 503 ||
	    status == 504 || (code && (strcmp(code, "RequestTimeout") == 0 ||
	    strcmp(code, "RequestTimeoutException") == 0 ||
	    strcmp(code, "PriorRequestNotComplete") == 0 ||
	    strcmp(code, "InternalError") == 0 ||
	    strcmp(code, "ServiceUnavailableException") == 0));
}

static int
is_expired(const char *code)
{
	return code && (strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "ExpiredTokenException") == 0 ||
	    strcmp(code, "TokenRefreshRequired") == 0);
}

static int
is_bad_credentials(const char *code)
{
	static const char *const codes[] = { "UnrecognizedClientException",
	    "InvalidClientTokenId", "InvalidAccessKeyId",
	    "SignatureDoesNotMatch", "InvalidSignatureException",
	    "IncompleteSignatureException", "MissingAuthenticationToken",
	    "MissingAuthenticationTokenException", "InvalidToken",
	    "RequestExpired", "RequestTimeTooSkewed" };
	size_t i;

	for (i = 0; code && i < ARRAY_LEN(codes); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static const char *
service_name(enum aws_service s)
{
	return s == AWS_LOGS ? "CloudWatch Logs" : "Amazon S3";
}

/* The message for a call that failed with an answer from the service. */
static char *
failure_message(const struct aws_request *req, const struct aws_creds *cr,
    long status, const char *code, const char *message)
{
	const char *what = req->resource ? req->resource : req->url;
	const char *msg = message ? message : "";
	const char *act = req->action ? req->action : "the action";

	if (is_expired(code))
		return xasprintf("%s refused %s for %s: the credentials from %s "
		    "have expired (%s); get new ones (a new session token, "
		    "aws sso login, or check the instance role)",
		    service_name(req->service), act, what, cr->source, code);
	if (is_bad_credentials(code))
		return xasprintf("%s did not accept the credentials from %s "
		    "(%s: %.300s); check the access key and secret key, the "
		    "session token, and that this machine's clock is right "
		    "(SigV4 allows 5 minutes of skew)", service_name(
		    req->service), cr->source, code, msg);
	if (status == 403 || (code && (strcmp(code, "AccessDenied") == 0 ||
	    strcmp(code, "AccessDeniedException") == 0)))
		return xasprintf("%s denied access to %s (%s%s%.300s): the "
		    "identity behind the credentials from %s needs the IAM "
		    "permission %s on it", service_name(req->service), what,
		    code ? code : "HTTP 403", *msg ? ": " : "", msg,
		    cr->source, act);
	if (status == 404 || (code && strstr(code, "NotFound")))
		return xasprintf("%s: %s not found (%s%s%.300s)",
		    service_name(req->service), what, code ? code : "HTTP 404",
		    *msg ? ": " : "", msg);
	return xasprintf("%s %s for %s failed: %s%s%.300s (HTTP %ld)",
	    service_name(req->service), act, what, code ? code : "error",
	    *msg ? ": " : "", msg, status);
}

static double
backoff_delay(int attempt)
{
	double cap = BACKOFF_BASE * (double)(1 << (attempt < 10 ? attempt :
	    10));

	if (cap > BACKOFF_CAP)
		cap = BACKOFF_CAP;
	/* Equal jitter: half fixed, half random. */
	return cap / 2 + cap / 2 * ((double)rand() / RAND_MAX);
}

static int
pause_for(const struct aws_request *req, double seconds)
{
	struct timespec ts;

	if (req->sleep)
		return req->sleep(req->sleep_arg, seconds);
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	return 0;
}

static int
max_attempts(void)
{
	const char *v = env("AWS_MAX_ATTEMPTS");
	long n = v ? strtol(v, NULL, 10) : DEFAULT_ATTEMPTS;

	return n >= 1 && n <= 20 ? (int)n : DEFAULT_ATTEMPTS;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const struct aws_request *req = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return req->stopping(req->sleep_arg) != 0;
}

/* One attempt: 0 with resp->status set, or a curl error code. */
static CURLcode
attempt(struct aws_client *c, const struct aws_request *req,
    const struct aws_creds *cr, struct aws_response *resp)
{
	CURL *h = c->curl;
	struct curl_slist *hdr = NULL;
	struct http_body hb = { &resp->body, MAX_BODY };
	struct sbuf line = { 0 };
	char sigv4[128], hash[65];
	const char *const *x;
	CURLcode rc;

	dyn_curl.easy_reset(h);
	sbuf_reset(&resp->body);
	free(resp->etag);
	resp->etag = NULL;
	if (req->content_type) {
		sbuf_printf(&line, "Content-Type: %s", req->content_type);
		hdr = dyn_curl.slist_append(hdr, line.data);
		sbuf_reset(&line);
	}
	if (req->target) {
		sbuf_printf(&line, "X-Amz-Target: %s", req->target);
		hdr = dyn_curl.slist_append(hdr, line.data);
		sbuf_reset(&line);
	}
	if (req->service == AWS_S3) {
		/* libcurl < 8.0 adds no payload hash header for S3, which S3
		 * requires; >= 7.87 signs with the value given here. */
		if (req->payload_sha256)
			snprintf(hash, sizeof hash, "%s", req->payload_sha256);
		else
			aws_sha256_hex(req->body ? req->body : "",
			    req->body ? req->body_len : 0, hash);
		sbuf_printf(&line, "x-amz-content-sha256: %s", hash);
		hdr = dyn_curl.slist_append(hdr, line.data);
		sbuf_reset(&line);
	}
	for (x = req->headers; x && *x; x++)
		hdr = dyn_curl.slist_append(hdr, *x);
	/* Only when non-empty (curl#11007). */
	if (cr->session_token && *cr->session_token) {
		sbuf_printf(&line, "X-Amz-Security-Token: %s",
		    cr->session_token);
		hdr = dyn_curl.slist_append(hdr, line.data);
		explicit_bzero(line.data, line.len);
		sbuf_reset(&line);
	}
	/* No "Expect:" removal line: libcurl 7.88 lists it in SignedHeaders
	 * without sending it, and AWS refuses the request. */
	snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s", c->aws->region,
	    req->service == AWS_LOGS ? "logs" : "s3");
	dyn_curl.easy_setopt(h, CURLOPT_URL, req->url);
	dyn_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	dyn_curl.easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	dyn_curl.easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
	dyn_curl.easy_setopt(h, CURLOPT_USERNAME, cr->access_key_id);
	dyn_curl.easy_setopt(h, CURLOPT_PASSWORD, cr->secret_access_key);
	dyn_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	dyn_curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	dyn_curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	dyn_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	dyn_curl.easy_setopt(h, CURLOPT_WRITEDATA, &hb);
	dyn_curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	dyn_curl.easy_setopt(h, CURLOPT_HEADERDATA, resp);
	if (req->stopping) {
		dyn_curl.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		dyn_curl.easy_setopt(h, CURLOPT_XFERINFODATA, req);
		dyn_curl.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	}
	if (env("AWS_CA_BUNDLE"))
		dyn_curl.easy_setopt(h, CURLOPT_CAINFO, env("AWS_CA_BUNDLE"));
	if (req->upload) {
		rewind(req->upload);
		dyn_curl.easy_setopt(h, CURLOPT_UPLOAD, 1L);
		dyn_curl.easy_setopt(h, CURLOPT_READDATA, req->upload);
		dyn_curl.easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)req->upload_len);
	} else if (req->body || strcmp(req->method, "POST") == 0) {
		/* POSTFIELDS: libcurl hashes exactly these bytes. */
		dyn_curl.easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body :
		    "");
		dyn_curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
	}
	if (strcmp(req->method, "HEAD") == 0)
		dyn_curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(req->method, "GET") != 0)
		dyn_curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	rc = dyn_curl.easy_perform(h);
	if (rc == CURLE_OK)
		dyn_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	/* libcurl keeps copies of the keys until the next reset. */
	dyn_curl.easy_setopt(h, CURLOPT_USERNAME, "");
	dyn_curl.easy_setopt(h, CURLOPT_PASSWORD, "");
	dyn_curl.easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	dyn_curl.slist_free_all(hdr);
	sbuf_free(&line);
	return rc;
}

int
aws_call(struct aws_client *c, const struct aws_request *req,
    struct aws_response *resp, char **err)
{
	int tries = max_attempts(), i, refreshed = 0;
	struct aws_creds cr;

	memset(resp, 0, sizeof *resp);
	for (i = 0; i < tries; i++) {
		char *code = NULL, *message = NULL, *cerr = NULL;
		CURLcode rc;
		double delay;

		if (req->rate && aws_rate_wait(req->rate, req->sleep,
		    req->sleep_arg)) {
			*err = xstrdup("stopped");
			return -1;
		}
		if (aws_credentials(c->aws, &cr, &cerr) < 0) {
			*err = cerr;
			return -1;
		}
		resp->attempts++;
		resp->status = 0;
		rc = attempt(c, req, &cr, resp);
		if (rc == CURLE_OK && (resp->status / 100 == 2 ||
		    (resp->status == 404 && strcmp(req->method, "HEAD") == 0))) {
			aws_creds_clear(&cr);
			return 0;
		}
		if (rc == CURLE_ABORTED_BY_CALLBACK) {
			aws_creds_clear(&cr);
			*err = xstrdup("stopped");
			return -1;
		}
		if (rc != CURLE_OK) {
			if (i + 1 == tries) {
				*err = xasprintf("cannot reach %s at %s: %s "
				    "(after %d attempts)", service_name(
				    req->service), req->url,
				    dyn_curl.easy_strerror(rc), resp->attempts);
				aws_creds_clear(&cr);
				return -1;
			}
			delay = backoff_delay(i);
		} else {
			aws_parse_error(resp->body.data ? resp->body.data : "",
			    resp->body.len, &code, &message);
			free(resp->error_code);
			resp->error_code = code ? xstrdup(code) : NULL;
			if (is_expired(code) && !refreshed) {
				/* Temporary credentials ran out: refresh once. */
				refreshed = 1;
				aws_credentials_invalidate(c->aws);
				delay = 0;
			} else if (is_throttle(code, resp->status)) {
				resp->throttled++;
				delay = backoff_delay(i);
				if (req->rate)
					aws_rate_backoff(req->rate, delay);
			} else if (is_transient(code, resp->status)) {
				delay = backoff_delay(i);
			} else {
				i = tries;	/* not worth retrying */
				delay = 0;
			}
			if (i + 1 >= tries) {
				*err = failure_message(req, &cr, resp->status,
				    code, message);
				if (i + 1 == tries && (is_throttle(code,
				    resp->status) || is_transient(code,
				    resp->status))) {
					char *e = xasprintf("%s, after %d "
					    "attempts", *err, resp->attempts);

					free(*err);
					*err = e;
				}
				free(code);
				free(message);
				aws_creds_clear(&cr);
				return -1;
			}
			free(code);
			free(message);
		}
		aws_creds_clear(&cr);
		if (delay > 0 && pause_for(req, delay)) {
			*err = xstrdup("stopped");
			return -1;
		}
	}
	*err = xstrdup("no attempt made");
	return -1;
}

void
aws_response_free(struct aws_response *resp)
{
	sbuf_free(&resp->body);
	free(resp->etag);
	free(resp->request_id);
	free(resp->error_code);
	memset(resp, 0, sizeof *resp);
}

/*
 * s3.c - see s3.h.
 */
#include "s3.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dynlib.h"

#include "util.h"

int
s3_parse_url(const char *url, char **bucket, char **prefix, char **err)
{
	const char *b = url + strlen("s3://"), *slash;
	size_t blen, i;

	if (strncmp(url, "s3://", 5) != 0)
		goto bad;
	slash = strchr(b, '/');
	blen = slash ? (size_t)(slash - b) : strlen(b);
	if (blen < 3 || blen > 63)
		goto bad;
	for (i = 0; i < blen; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", b[i]))
			goto bad;
	*bucket = xstrndup(b, blen);
	*prefix = xstrdup(slash ? slash + 1 : "");
	return 0;
bad:
	*err = xasprintf("bad S3 source \"%s\": use s3://BUCKET/PREFIX (bucket "
	    "names are 3-63 characters of a-z 0-9 . -)", url);
	return -1;
}

/* Decode XML character entities of s[0..n) into an allocated string. */
static char *
xml_text(const char *s, size_t n)
{
	struct sbuf b = { 0 };
	size_t i = 0;

	while (i < n) {
		static const struct { const char *ent; char c; } ents[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
			{ "&quot;", '"' }, { "&apos;", '\'' } };
		size_t k;
		int done = 0;

		if (s[i] != '&') {
			sbuf_appendc(&b, s[i++]);
			continue;
		}
		for (k = 0; k < ARRAY_LEN(ents) && !done; k++) {
			size_t len = strlen(ents[k].ent);

			if (n - i >= len && memcmp(s + i, ents[k].ent, len) == 0) {
				sbuf_appendc(&b, ents[k].c);
				i += len;
				done = 1;
			}
		}
		if (!done && n - i >= 4 && s[i + 1] == '#') {
			const char *semi = memchr(s + i, ';', n - i < 12 ? n - i :
			    12);
			char num[12];
			unsigned long cp;
			char *end;

			if (semi && (size_t)(semi - s - i - 2) < sizeof num) {
				size_t len = (size_t)(semi - s - i - 2);

				memcpy(num, s + i + 2, len);
				num[len] = '\0';
				cp = num[0] == 'x' ? strtoul(num + 1, &end, 16) :
				    strtoul(num, &end, 10);
				if (len > 0 && *end == '\0' && cp > 0 &&
				    cp < 0x80) {
					sbuf_appendc(&b, (char)cp);
					i = (size_t)(semi - s) + 1;
					done = 1;
				}
			}
		}
		if (!done)
			sbuf_appendc(&b, s[i++]);
	}
	return b.data ? b.data : xstrdup("");
}

/* The text of the first <tag>...</tag> within [p, end), or NULL. */
static char *
tag_text(const char *p, const char *end, const char *tag)
{
	char open[40], close[40];
	const char *a, *z;
	size_t olen, clen;

	olen = (size_t)snprintf(open, sizeof open, "<%s>", tag);
	clen = (size_t)snprintf(close, sizeof close, "</%s>", tag);
	a = memmem(p, (size_t)(end - p), open, olen);
	if (a == NULL)
		return NULL;
	a += olen;
	z = memmem(a, (size_t)(end - a), close, clen);
	return z ? xml_text(a, (size_t)(z - a)) : NULL;
}

int
s3_parse_list(const char *xml, size_t len, struct s3_list *out, char **err)
{
	const char *p = xml, *end = xml + len;
	char *t;
	size_t cap = 0;

	memset(out, 0, sizeof out[0]);
	if (memmem(xml, len, "<ListBucketResult", 17) == NULL) {
		*err = xstrdup("ListObjectsV2 response is not a "
		    "ListBucketResult document");
		return -1;
	}
	for (;;) {
		const char *a = memmem(p, (size_t)(end - p), "<Contents>", 10);
		const char *z;
		struct s3_object o;

		if (a == NULL)
			break;
		z = memmem(a, (size_t)(end - a), "</Contents>", 11);
		if (z == NULL)
			break;
		memset(&o, 0, sizeof o);
		o.key = tag_text(a, z, "Key");
		o.etag = tag_text(a, z, "ETag");
		t = tag_text(a, z, "Size");
		o.size = t ? strtoll(t, NULL, 10) : 0;
		free(t);
		p = z + 11;
		if (o.key == NULL || *o.key == '\0') {
			free(o.key);
			free(o.etag);
			continue;
		}
		if (o.etag == NULL)
			o.etag = xstrdup("");
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->objects = xrealloc(out->objects,
			    cap * sizeof *out->objects);
		}
		out->objects[out->n++] = o;
	}
	t = tag_text(xml, end, "IsTruncated");
	out->truncated = t && strcmp(t, "true") == 0;
	free(t);
	out->next_token = tag_text(xml, end, "NextContinuationToken");
	if (out->next_token && *out->next_token == '\0') {
		free(out->next_token);
		out->next_token = NULL;
	}
	return 0;
}

void
s3_list_free(struct s3_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->objects[i].key);
		free(l->objects[i].etag);
	}
	free(l->objects);
	free(l->next_token);
	memset(l, 0, sizeof *l);
}

char *
s3_url(struct aws *aws, const char *bucket, const char *key,
    const char *query)
{
	struct sbuf b = { 0 };
	int custom;
	char *base = aws_endpoint(aws, AWS_S3, &custom);

	if (custom) {
		sbuf_printf(&b, "%s/%s", base, bucket);
		if (key) {
			sbuf_appendc(&b, '/');
			aws_uri_encode(&b, key, 1);
		}
	} else {
		/* https://s3.REGION.amazonaws.com -> BUCKET.s3.REGION... */
		const char *host = strstr(base, "://");

		host = host ? host + 3 : base;
		sbuf_printf(&b, "%.*s%s.%s/", (int)(host - base), base, bucket,
		    host);
		if (key)
			aws_uri_encode(&b, key, 1);
	}
	if (query)
		sbuf_printf(&b, "?%s", query);
	free(base);
	return b.data;
}

static void
request_init(struct aws_request *req, const struct s3_call *call,
    const char *method, const char *url, const char *action,
    const char *resource)
{
	memset(req, 0, sizeof *req);
	req->service = AWS_S3;
	req->method = method;
	req->url = url;
	req->action = action;
	req->resource = resource;
	if (call) {
		req->sleep = call->sleep;
		req->sleep_arg = call->sleep_arg;
		req->stopping = call->stopping;
	}
}

int
s3_list_page(struct aws_client *c, const struct s3_call *call,
    const char *bucket, const char *prefix, const char *token,
    struct s3_list *out, char **err)
{
	struct aws_response resp;
	struct aws_request req;
	struct sbuf q = { 0 };
	char *url, *resource;
	int rc;

	/* Canonical order: continuation-token < list-type < prefix. */
	if (token) {
		sbuf_appends(&q, "continuation-token=");
		aws_uri_encode(&q, token, 0);
		sbuf_appendc(&q, '&');
	}
	sbuf_appends(&q, "list-type=2&prefix=");
	aws_uri_encode(&q, prefix, 0);
	url = s3_url(aws_client_aws(c), bucket, NULL, q.data);
	resource = xasprintf("s3://%s/%s", bucket, prefix);
	request_init(&req, call, "GET", url, "s3:ListBucket", resource);
	rc = aws_call(c, &req, &resp, err);
	if (rc == 0)
		rc = s3_parse_list(resp.body.data ? resp.body.data : "",
		    resp.body.len, out, err);
	aws_response_free(&resp);
	sbuf_free(&q);
	free(url);
	free(resource);
	return rc;
}

int
s3_get(struct aws_client *c, const struct s3_call *call, const char *bucket,
    const char *key, struct aws_response *resp, char **err)
{
	struct aws_request req;
	char *url = s3_url(aws_client_aws(c), bucket, key, NULL);
	char *resource = xasprintf("s3://%s/%s", bucket, key);
	int rc;

	request_init(&req, call, "GET", url, "s3:GetObject", resource);
	rc = aws_call(c, &req, resp, err);
	free(url);
	free(resource);
	return rc;
}

static void
base64(const unsigned char *p, size_t n, char *out, size_t cap)
{
	if (cap >= 4 * ((n + 2) / 3) + 1)
		dyn_crypto.encode_block((unsigned char *)out, p, (int)n);
	else if (cap > 0)
		out[0] = '\0';
}

/* SHA-256 (hex and base64) and MD5 (base64) of a whole file. */
static int
digest_file(FILE *f, char sha_hex[65], char sha_b64[64], char md5_b64[32])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *sha = dyn_crypto.md_ctx_new(), *md5 = dyn_crypto.md_ctx_new();
	unsigned char buf[65536], sd[32], md[16];
	unsigned int sn = 0, mn = 0;
	size_t n;
	int i;

	dyn_crypto.digest_init_ex(sha, dyn_crypto.sha256(), NULL);
	dyn_crypto.digest_init_ex(md5, dyn_crypto.md5(), NULL);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		dyn_crypto.digest_update(sha, buf, n);
		dyn_crypto.digest_update(md5, buf, n);
	}
	dyn_crypto.digest_final_ex(sha, sd, &sn);
	dyn_crypto.digest_final_ex(md5, md, &mn);
	dyn_crypto.md_ctx_free(sha);
	dyn_crypto.md_ctx_free(md5);
	if (ferror(f))
		return -1;
	for (i = 0; i < 32; i++) {
		sha_hex[2 * i] = hex[sd[i] >> 4];
		sha_hex[2 * i + 1] = hex[sd[i] & 15];
	}
	sha_hex[64] = '\0';
	base64(sd, sizeof sd, sha_b64, 64);
	base64(md, sizeof md, md5_b64, 32);
	return 0;
}

int
s3_put_file(struct aws_client *c, const struct s3_call *call,
    const char *bucket, const char *key, const char *path, char **etag,
    char **err)
{
	char sha_hex[65], sha_b64[64], md5_b64[32], h_sha[100], h_md5[64];
	const char *headers[3] = { h_sha, h_md5, NULL };
	struct aws_response resp;
	struct aws_request req;
	struct stat st;
	char *url, *resource;
	FILE *f = fopen(path, "rb");
	int rc;

	if (f == NULL || fstat(fileno(f), &st) < 0 ||
	    digest_file(f, sha_hex, sha_b64, md5_b64) < 0) {
		*err = xasprintf("cannot read %s for upload: %s", path,
		    strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	snprintf(h_sha, sizeof h_sha, "x-amz-checksum-sha256: %s", sha_b64);
	snprintf(h_md5, sizeof h_md5, "Content-MD5: %s", md5_b64);
	url = s3_url(aws_client_aws(c), bucket, key, NULL);
	resource = xasprintf("s3://%s/%s", bucket, key);
	request_init(&req, call, "PUT", url, "s3:PutObject", resource);
	req.headers = headers;
	req.upload = f;
	req.upload_len = (int64_t)st.st_size;
	req.payload_sha256 = sha_hex;
	rc = aws_call(c, &req, &resp, err);
	if (rc == 0)
		*etag = xstrdup(resp.etag ? resp.etag : "");
	aws_response_free(&resp);
	fclose(f);
	free(url);
	free(resource);
	return rc;
}

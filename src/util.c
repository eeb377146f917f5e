/*
 * util.c - see util.h.
 */
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void
die_oom(size_t n)
{
	fprintf(stderr, "flowlens: out of memory (allocating %zu bytes)\n", n);
	exit(70);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_oom(n);
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		die_oom(count * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom(0);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void
sbuf_reserve(struct sbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
sbuf_append(struct sbuf *b, const void *p, size_t n)
{
	sbuf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
sbuf_appendc(struct sbuf *b, char c)
{
	sbuf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
sbuf_appends(struct sbuf *b, const char *s)
{
	sbuf_append(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sbuf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sbuf_append_json_string(struct sbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sbuf_reserve(b, n + 2);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			sbuf_appendc(b, '\\');
			sbuf_appendc(b, (char)c);
		} else if (c == '\n') {
			sbuf_append(b, "\\n", 2);
		} else if (c == '\r') {
			sbuf_append(b, "\\r", 2);
		} else if (c == '\t') {
			sbuf_append(b, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			sbuf_append(b, esc, 6);
		} else {
			sbuf_appendc(b, (char)c);
		}
	}
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
sbuf_free(struct sbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

size_t
fmt_int64(char *out, int64_t v)
{
	char tmp[24];
	size_t n = 0, i;
	uint64_t u;
	int neg = v < 0;

	u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	i = 0;
	if (neg)
		out[i++] = '-';
	while (n)
		out[i++] = tmp[--n];
	return i;
}

int64_t
now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

double
now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec
deadline_after_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void
fmt_utc(char *out, int64_t epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

int
parse_duration(const char *text, int64_t *seconds)
{
	char *end;
	long long n;
	int64_t unit = 1;

	errno = 0;
	n = strtoll(text, &end, 10);
	if (end == text || errno != 0 || n < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (n > INT64_MAX / unit)
		return -1;
	*seconds = (int64_t)n * unit;
	return 0;
}

void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int
spec_param(const char **p, const char *seps, char *key, size_t key_cap,
    char *value, size_t value_cap)
{
	const char *s = *p, *end, *eq;
	size_t klen, vlen;

	while (*s == '?' || (*s && strchr(seps, *s)))
		s++;
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	end = s + strcspn(s, seps);
	eq = memchr(s, '=', (size_t)(end - s));
	if (eq == NULL)
		return -1;
	klen = (size_t)(eq - s);
	vlen = (size_t)(end - eq - 1);
	if (klen >= key_cap || vlen >= value_cap || vlen == 0)
		return -1;
	memcpy(key, s, klen);
	key[klen] = '\0';
	memcpy(value, eq + 1, vlen);
	value[vlen] = '\0';
	*p = end;
	return 1;
}

void
thread_lower_priority(int delta)
{
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
	    getpriority(PRIO_PROCESS, 0) + delta);
}

void
thread_set_name(const char *name)
{
	(void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

void
xthread_start(void *tid, void *(*fn)(void *), void *arg, const char *what)
{
	int rc = pthread_create((pthread_t *)tid, NULL, fn, arg);

	if (rc != 0) {
		fprintf(stderr, "flowlens: cannot start the %s thread: %s\n",
		    what, strerror(rc));
		exit(70);
	}
}

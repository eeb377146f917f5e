/*
 * util.h - small helpers every module shares: checked allocation, a growable
 * byte buffer, fast integer formatting and time.
 *
 * Allocation failure is the one error flowlens does not try to recover from:
 * xmalloc() and friends print a message and exit(70).
 */
#ifndef FLOWLENS_UTIL_H
#define FLOWLENS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Version and build, from the Makefile (fallbacks for other builds). */
#ifndef FLOWLENS_VERSION
#define FLOWLENS_VERSION "0.0.0"
#endif
#ifndef FLOWLENS_BUILD
#define FLOWLENS_BUILD "unknown"
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocate or die; never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/*
 * Start a thread running fn(arg) into *tid (a pthread_t); like xmalloc, a
 * failure (no memory or thread limit) ends the process with a message
 * naming `what` and exit status 70.
 */
void xthread_start(void *tid, void *(*fn)(void *), void *arg,
    const char *what);

/*
 * Lower the calling thread's scheduling priority by adding delta to its
 * nice value (Linux: the nice value is per thread, and threads it starts
 * inherit it).  Best effort: an error is ignored.  The UI uses it so that
 * its own thread is the only one at normal priority.
 */
void thread_lower_priority(int delta);

/*
 * Name the calling thread (as `top -H`, `ps -L` and perf show it); Linux
 * keeps the first 15 bytes.  Best effort.
 */
void thread_set_name(const char *name);
/* printf into a freshly allocated string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte buffer.  `data` is always NUL-terminated when non-NULL, so
 * it can be used as a C string; `len` excludes the terminator.  Zero-init
 * ({0}) is a valid empty buffer.  Not thread-safe; one owner at a time.
 */
struct sbuf {
	char   *data;	/* owned; NULL until the first append */
	size_t  len;	/* bytes used, excluding the terminating NUL */
	size_t  cap;	/* bytes allocated */
};

void sbuf_reserve(struct sbuf *b, size_t extra);
void sbuf_append(struct sbuf *b, const void *p, size_t n);
void sbuf_appendc(struct sbuf *b, char c);
void sbuf_appends(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as the body of a JSON string (escaped, without quotes). */
void sbuf_append_json_string(struct sbuf *b, const char *s, size_t n);
void sbuf_reset(struct sbuf *b);	/* len = 0, keeps memory */
void sbuf_free(struct sbuf *b);

/*
 * Write the decimal form of v into out (at least 21 bytes), no NUL.
 * Returns the number of bytes written.
 */
size_t fmt_int64(char *out, int64_t v);

/* Wall-clock time in epoch seconds, and a monotonic clock in seconds. */
int64_t now_epoch(void);
double  now_monotonic(void);

/* The CLOCK_REALTIME moment ms milliseconds from now: a deadline for
 * pthread_cond_timedwait(). */
struct timespec deadline_after_ms(long ms);

/* Format epoch seconds as "YYYY-MM-DD HH:MM:SS" (UTC) into out[20]. */
void fmt_utc(char *out, int64_t epoch);

/* Wipe a NUL-terminated secret (explicit_bzero) and free it; NULL is fine. */
void free_secret(char *s);

/*
 * Read the next KEY=VALUE of a source spec's options ("a=1&b=2"; any of the
 * separators in seps, and '?', are skipped first) into key and value, and
 * advance *p past it.  Returns 1 with a pair, 0 at the end, -1 when the text
 * is not KEY=VALUE or either part does not fit (value may not be empty).
 */
int spec_param(const char **p, const char *seps, char *key, size_t key_cap,
    char *value, size_t value_cap);

/*
 * Parse a duration such as "90", "15m", "2h", "7d", "1w" into seconds.
 * Returns 0 on success, -1 if the text is not a duration.
 */
int parse_duration(const char *text, int64_t *seconds);

#endif

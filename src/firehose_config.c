/*
 * firehose_config.c - see firehose_config.h.
 */
#include "firehose_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAX_KEY 4096

int
firehose_parse_spec(const char *spec, struct firehose_addr *out, char **err)
{
	const char *p = spec + strlen("firehose:"), *path, *port;
	char host[64] = "127.0.0.1";
	size_t hlen;
	char *end;
	long n;

	memset(out, 0, sizeof *out);
	path = strchr(p, '/');
	if (path == NULL)
		path = p + strlen(p);
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(path - p));

		if (close == NULL || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - p - 1);
		if (hlen == 0 || hlen >= sizeof host)
			goto bad;
		memcpy(host, p + 1, hlen);
		host[hlen] = '\0';
		port = close + 2;
	} else {
		const char *colon = memchr(p, ':', (size_t)(path - p));

		port = p;
		if (colon) {
			hlen = (size_t)(colon - p);
			if (hlen == 0 || hlen >= sizeof host)
				goto bad;
			memcpy(host, p, hlen);
			host[hlen] = '\0';
			port = colon + 1;
		}
	}
	if (port == path || *port < '0' || *port > '9')
		goto bad;
	errno = 0;
	n = strtol(port, &end, 10);
	if (end != path || errno || n < 0 || n > 65535)
		goto bad;
	out->port = (unsigned)n;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &out->in4.sin_addr) == 1) {
		out->family = AF_INET;
		out->in4.sin_family = AF_INET;
		out->in4.sin_port = htons((uint16_t)n);
	} else if (inet_pton(AF_INET6, host, &out->in6.sin6_addr) == 1) {
		out->family = AF_INET6;
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_port = htons((uint16_t)n);
	} else {
		goto bad;
	}
	snprintf(out->host, sizeof out->host, "%s", host);
	if (*path == '\0')
		path = "/";
	if (strlen(path) >= sizeof out->path)
		goto bad;
	snprintf(out->path, sizeof out->path, "%s", path);
	return 0;
bad:
	*err = xasprintf("bad firehose source \"%s\": use firehose:PORT, "
	    "firehose:ADDR:PORT or firehose:[IPV6]:PORT, optionally followed "
	    "by the request path (firehose:8443/flowlogs); ADDR is a numeric "
	    "address or localhost, PORT 0-65535 (0: any free port)", spec);
	return -1;
}

int
firehose_check(const char *spec, char **err)
{
	struct firehose_addr a;

	return firehose_parse_spec(spec, &a, err);
}

char *
firehose_read_file(const char *path, const char *what, size_t max, size_t *len,
    int *loose_mode, char **err)
{
	struct sbuf b = { 0 };
	struct stat st;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = xasprintf("cannot open the %s %s: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	if (loose_mode)
		*loose_mode = fstat(fd, &st) == 0 && (st.st_mode & 077);
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		sbuf_append(&b, chunk, (size_t)n);
		if (b.len > max)
			break;
	}
	close(fd);
	explicit_bzero(chunk, sizeof chunk);
	if (n < 0 || b.len > max) {
		*err = n < 0 ? xasprintf("cannot read the %s %s: %s", what,
		    path, strerror(errno)) : xasprintf("the %s %s is larger "
		    "than %zu bytes", what, path, max);
		explicit_bzero(b.data, b.cap);
		sbuf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data ? b.data : xstrdup("");
}

/* Bytes of the mapping that holds a key of len bytes. */
static size_t
secret_pages(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + 1 + page - 1) / page * page;
}

/*
 * A copy of a secret in pages of its own, left out of core dumps
 * (MADV_DONTDUMP); the source is wiped.  Free with firehose_forget_key().
 */
static char *
secret_copy(char *text, size_t len)
{
	void *p = mmap(NULL, secret_pages(len), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "flowlens: out of memory\n");
		exit(70);
	}
	madvise(p, secret_pages(len), MADV_DONTDUMP);
	memcpy(p, text, len);
	((char *)p)[len] = '\0';
	explicit_bzero(text, len);
	return p;
}

void
firehose_forget_key(char *key, size_t len)
{
	if (key == NULL)
		return;
	explicit_bzero(key, len);
	munmap(key, secret_pages(len));
}

int
firehose_load_key(const char *file, const char *spec, char **key,
    size_t *len, char **err)
{
	const char *env = getenv(FIREHOSE_KEY_ENV);
	char *text = NULL;
	size_t n = 0;
	int loose = 0;

	*key = NULL;
	*len = 0;
	if (file) {
		text = firehose_read_file(file, "access key file", MAX_KEY + 2,
		    &n, &loose, err);
		if (text == NULL)
			return -1;
		/* One line: the final newline is not part of the key. */
		if (n && text[n - 1] == '\n')
			text[--n] = '\0';
		if (n && text[n - 1] == '\r')
			text[--n] = '\0';
		if (loose)
			fprintf(stderr, "flowlens: warning: %s can be read by "
			    "other users (chmod 600 it)\n", file);
	} else if (env && *env) {
		n = strlen(env);
		text = xstrndup(env, n);
	}
	if (text == NULL || n == 0 || n > MAX_KEY) {
		*err = n > MAX_KEY ? xasprintf("%s: the access key is longer "
		    "than %d bytes (Firehose sends at most %d)", spec, MAX_KEY,
		    MAX_KEY) : xasprintf("%s: no access key: put the key "
		    "Firehose is configured with in a file readable only by you "
		    "and give --firehose-access-key-file FILE, or set %s", spec,
		    FIREHOSE_KEY_ENV);
		if (text)
			explicit_bzero(text, n);
		free(text);
		return -1;
	}
	*key = secret_copy(text, n);
	*len = n;
	free(text);
	return 0;
}

int
firehose_key_matches(const char *key, size_t key_len, const char *given,
    size_t len)
{
	volatile unsigned char diff = (unsigned char)(len != key_len);
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)(given[i] ^ key[i % key_len]);
	return diff == 0;
}

/*
 * firehose_config.h - what the firehose: source is configured with: where
 * it listens (the source syntax), its access key, its TLS files.  Used
 * by firehose.c; no network, no threads.
 */
#ifndef FLOWLENS_FIREHOSE_CONFIG_H
#define FLOWLENS_FIREHOSE_CONFIG_H

#include <stddef.h>
#include <netinet/in.h>

/* Environment variable holding the access key (see --help). */
#define FIREHOSE_KEY_ENV "FLOWLENS_FIREHOSE_ACCESS_KEY"

/* Where a firehose: source listens. */
struct firehose_addr {
	int                     family;	/* AF_INET or AF_INET6 */
	struct sockaddr_in      in4;
	struct sockaddr_in6     in6;
	unsigned                port;	/* 0: any free port */
	char                    host[64];	/* numeric address, for messages */
	char                    path[512];	/* request path, "/" by default */
};

/*
 * Parse "firehose:[ADDR:]PORT[/PATH]": ADDR is an IPv4 address, [IPv6] or
 * localhost (default 127.0.0.1); PORT 0-65535 (0: any free port, printed
 * at start).  Returns 0, or -1 with *err saying what is wrong.
 */
int firehose_parse_spec(const char *spec, struct firehose_addr *out,
    char **err);

/* source_kind.check for firehose: (the spec syntax). */
int firehose_check(const char *spec, char **err);

/*
 * Read a small file whole (a key, a PEM file): an allocated,
 * NUL-terminated copy and its length in *len, or NULL with *err (missing,
 * unreadable, more than max bytes).  If loose_mode is not NULL, *loose_mode
 * says whether group or others may read the file.
 */
char *firehose_read_file(const char *path, const char *what, size_t max,
    size_t *len, int *loose_mode, char **err);

/*
 * The access key: the first line of `file` (--firehose-access-key-file;
 * warns on stderr when others may read it), else $FLOWLENS_FIREHOSE_ACCESS_KEY.
 * Sets *key and *len (the key lives in pages of its own, left out of core
 * dumps; release it with firehose_forget_key), or returns -1 with *err
 * naming `spec` and how to give a key.  The key itself never appears in a
 * message.
 */
int firehose_load_key(const char *file, const char *spec, char **key,
    size_t *len, char **err);

/* Wipe and release a key from firehose_load_key() (NULL is fine). */
void firehose_forget_key(char *key, size_t len);

/*
 * 1 if `given` (len bytes) equals the key, in time that depends only on
 * len, never on where they differ.  key_len must be > 0.
 */
int firehose_key_matches(const char *key, size_t key_len, const char *given,
    size_t len);

#endif

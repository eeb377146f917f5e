/*
 * input.h - a byte stream from a file descriptor with gzip removed.
 *
 * Compression is detected by magic bytes (1f 8b), never by file name.  Several
 * gzip members back to back are all read (S3 objects written by Firehose are
 * concatenations), and one more level of gzip inside is unwrapped too
 * (Firehose compressing CloudWatch payloads that are gzip already).  Damage -
 * a truncated member, corrupt deflate data, bytes after the last member that
 * are not gzip - is reported as an error with the raw byte offset; the bytes
 * decoded before it remain good.  One thread at a time.
 */
#ifndef FLOWLENS_INPUT_H
#define FLOWLENS_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct input;

/*
 * Wrap fd (not closed by input_close).  Reads the first bytes to detect
 * gzip.  Returns 0, or -1 with *err allocated if the fd cannot be read.
 */
int input_open(struct input **out, int fd, char **err);
/* 1 if the n bytes at p start with the gzip magic (1f 8b). */
int input_is_gzip(const void *p, size_t n);

/* The same over an in-memory buffer, which must outlive the input. */
int input_open_mem(struct input **out, const void *data, size_t len,
    char **err);
void input_close(struct input *in);

/*
 * Read up to cap decoded bytes.  Returns the count, 0 at end of input, or -1
 * with *err allocated (e.g. "gzip data is truncated at byte 81920").  After an
 * error the stream is at its end.
 */
ssize_t input_read(struct input *in, void *buf, size_t cap, char **err);

/*
 * Skip n decoded bytes (to resume at a checkpoint): a seek for plain files,
 * decompress-and-discard for gzip.  Returns 0, or -1 with *err if the input
 * ends first or cannot be read.
 */
int input_skip(struct input *in, int64_t n, char **err);

/* Levels of gzip found (0, 1 or 2) and raw bytes read from the fd so far. */
int input_gzip_levels(const struct input *in);
int64_t input_raw_bytes(const struct input *in);

#endif

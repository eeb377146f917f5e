/*
 * input.c - see input.h.
 *
 * The stream is a stack of levels: level 0 reads the fd, level k > 0 inflates
 * the output of level k - 1.  Every level can hold "pre" bytes it produced
 * while detecting the next level's magic; those are served first.
 */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "util.h"

#define MAX_LEVELS 3		/* raw + two gzip levels */
#define CHUNK (128 * 1024)

struct level {
	unsigned char *pre;		/* produced but not yet consumed */
	size_t         pre_len, pre_pos;
	/* gzip levels only */
	z_stream       z;
	int            z_ready;
	unsigned char *in;		/* compressed bytes from the level below */
	size_t         in_len;
	int            below_eof;
	int            in_member;	/* inside a member (not at a boundary) */
	int            done;		/* end reached (cleanly or by error) */
	char          *deferred_err;	/* error found after output that was
					 * returned first; reported next */
	int64_t        consumed;	/* compressed bytes consumed (offsets) */
};

struct input {
	int          fd;
	int          nlevels;		/* 1 + gzip levels */
	struct level lv[MAX_LEVELS];
	int64_t      raw_bytes;
	char        *pending_err;	/* damage found while detecting levels */
	const unsigned char *mem;	/* level 0 reads memory instead of fd */
	size_t       mem_len, mem_pos;
};

static ssize_t read_level(struct input *in, int k, void *buf, size_t cap,
    char **err);

static ssize_t
read_fd(struct input *in, void *buf, size_t cap, char **err)
{
	ssize_t n;

	if (in->mem) {
		n = (ssize_t)(in->mem_len - in->mem_pos < cap ?
		    in->mem_len - in->mem_pos : cap);
		memcpy(buf, in->mem + in->mem_pos, (size_t)n);
		in->mem_pos += (size_t)n;
		in->raw_bytes += n;
		return n;
	}
	do {
		n = read(in->fd, buf, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		*err = xasprintf("read failed: %s", strerror(errno));
		return -1;
	}
	in->raw_bytes += n;
	return n;
}

static ssize_t
serve_pre(struct level *l, void *buf, size_t cap)
{
	size_t n = l->pre_len - l->pre_pos;

	if (n > cap)
		n = cap;
	memcpy(buf, l->pre + l->pre_pos, n);
	l->pre_pos += n;
	if (l->pre_pos == l->pre_len) {
		free(l->pre);
		l->pre = NULL;
		l->pre_len = l->pre_pos = 0;
	}
	return (ssize_t)n;
}

/* Refill a gzip level's compressed input from the level below. */
static int
refill(struct input *in, int k, char **err)
{
	struct level *l = &in->lv[k];
	ssize_t n;

	if (l->z.avail_in > 0 || l->below_eof)
		return 0;
	n = read_level(in, k - 1, l->in, CHUNK, err);
	if (n < 0)
		return -1;
	if (n == 0)
		l->below_eof = 1;
	l->z.next_in = l->in;
	l->z.avail_in = (uInt)n;
	return 0;
}

static ssize_t
inflate_level(struct input *in, int k, void *buf, size_t cap, char **err)
{
	struct level *l = &in->lv[k];

	if (l->deferred_err) {
		*err = l->deferred_err;
		l->deferred_err = NULL;
		l->done = 1;
		return -1;
	}
	if (l->done)
		return 0;
	l->z.next_out = buf;
	l->z.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
	while (l->z.avail_out == cap) {
		uInt before;
		int zr;

		if (refill(in, k, err) < 0)
			goto fail;
		if (l->z.avail_in == 0 && l->below_eof) {
			if (l->in_member) {
				*err = xasprintf("gzip data is truncated (input "
				    "ends inside a member at compressed byte "
				    "%lld)", (long long)l->consumed);
				goto fail;
			}
			l->done = 1;
			break;
		}
		if (!l->in_member) {
			/* A member boundary: the next bytes must be gzip. */
			if (l->z.avail_in < 2 && !l->below_eof) {
				/* too short to tell yet; fall through */
			} else if (!input_is_gzip(l->z.next_in,
			    l->z.avail_in)) {
				*err = xasprintf("bytes after the last gzip "
				    "member are not gzip (compressed byte %lld)",
				    (long long)l->consumed);
				goto fail;
			}
			if (l->z_ready)
				inflateReset(&l->z);
			l->in_member = 1;
		}
		before = l->z.avail_in;
		zr = inflate(&l->z, Z_NO_FLUSH);
		l->consumed += before - l->z.avail_in;
		if (zr == Z_STREAM_END) {
			l->in_member = 0;
		} else if (zr == Z_BUF_ERROR) {
			continue;	/* needs more input */
		} else if (zr != Z_OK) {
			*err = xasprintf("gzip data is corrupt near compressed "
			    "byte %lld: %s", (long long)l->consumed,
			    l->z.msg ? l->z.msg : "inflate failed");
			goto fail;
		}
	}
	return (ssize_t)(cap - l->z.avail_out);
fail:
	/* Bytes inflated before the damage are good: hand them out first. */
	if (l->z.avail_out < cap) {
		l->deferred_err = *err;
		*err = NULL;
		return (ssize_t)(cap - l->z.avail_out);
	}
	l->done = 1;
	return -1;
}

static ssize_t
read_level(struct input *in, int k, void *buf, size_t cap, char **err)
{
	struct level *l = &in->lv[k];

	if (l->pre)
		return serve_pre(l, buf, cap);
	if (k == 0)
		return read_fd(in, buf, cap, err);
	return inflate_level(in, k, buf, cap, err);
}

/* Make sure level k has at least 2 pre bytes (or its whole output). */
static int
fill_pre(struct input *in, int k, char **err)
{
	struct level *l = &in->lv[k];
	unsigned char tmp[CHUNK];

	while (l->pre_len - l->pre_pos < 2) {
		ssize_t n = k == 0 ? read_fd(in, tmp, sizeof tmp, err) :
		    inflate_level(in, k, tmp, sizeof tmp, err);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		l->pre = xrealloc(l->pre, l->pre_len + (size_t)n);
		memcpy(l->pre + l->pre_len, tmp, (size_t)n);
		l->pre_len += (size_t)n;
	}
	return 0;
}

static void
push_gzip_level(struct input *in)
{
	struct level *l = &in->lv[in->nlevels++];

	memset(l, 0, sizeof *l);
	l->in = xmalloc(CHUNK);
	/* 16 + MAX_WBITS: gzip wrapper only. */
	if (inflateInit2(&l->z, 16 + MAX_WBITS) != Z_OK) {
		fprintf(stderr, "flowlens: zlib initialisation failed\n");
		exit(70);
	}
	l->z_ready = 1;
}

static int
input_detect(struct input *in, struct input **out, char **err);

int
input_open(struct input **out, int fd, char **err)
{
	struct input *in = xcalloc(1, sizeof *in);

	in->fd = fd;
	return input_detect(in, out, err);
}

int
input_is_gzip(const void *p, size_t n)
{
	const unsigned char *b = p;

	return n >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int
input_open_mem(struct input **out, const void *data, size_t len, char **err)
{
	struct input *in = xcalloc(1, sizeof *in);

	in->fd = -1;
	in->mem = data;
	in->mem_len = len;
	return input_detect(in, out, err);
}

static int
input_detect(struct input *in, struct input **out, char **err)
{
	in->nlevels = 1;
	while (in->nlevels < MAX_LEVELS) {
		struct level *top = &in->lv[in->nlevels - 1];

		if (fill_pre(in, in->nlevels - 1, err) < 0) {
			if (in->nlevels == 1) {
				input_close(in);
				return -1;
			}
			/* Damage in the first member: reported on read,
			 * after the bytes decoded before it. */
			in->pending_err = *err;
			*err = NULL;
			break;
		}
		if (top->pre_len == top->pre_pos ||	/* pre may be NULL */
		    !input_is_gzip(top->pre + top->pre_pos,
		    top->pre_len - top->pre_pos))
			break;
		push_gzip_level(in);
	}
	*out = in;
	return 0;
}

void
input_close(struct input *in)
{
	int k;

	if (in == NULL)
		return;
	for (k = 0; k < in->nlevels; k++) {
		free(in->lv[k].pre);
		free(in->lv[k].in);
		if (in->lv[k].z_ready)
			inflateEnd(&in->lv[k].z);
		free(in->lv[k].deferred_err);
	}
	free(in->pending_err);
	free(in);
}

ssize_t
input_read(struct input *in, void *buf, size_t cap, char **err)
{
	struct level *top = &in->lv[in->nlevels - 1];

	if (in->pending_err && top->pre == NULL) {
		*err = in->pending_err;
		in->pending_err = NULL;
		return -1;
	}
	return read_level(in, in->nlevels - 1, buf, cap, err);
}

int
input_skip(struct input *in, int64_t n, char **err)
{
	struct level *top = &in->lv[0];
	unsigned char tmp[CHUNK];

	if (in->nlevels == 1) {
		int64_t have = (int64_t)(top->pre_len - top->pre_pos);

		if (n <= have) {
			top->pre_pos += (size_t)n;
			return 0;
		}
		n -= have;
		free(top->pre);
		top->pre = NULL;
		top->pre_len = top->pre_pos = 0;
		if (in->mem == NULL && lseek(in->fd, (off_t)n, SEEK_CUR) >= 0) {
			in->raw_bytes += n;
			return 0;
		}
		/* not seekable (a pipe): read and discard */
	}
	while (n > 0) {
		ssize_t got = input_read(in, tmp,
		    n < (int64_t)sizeof tmp ? (size_t)n : sizeof tmp, err);

		if (got < 0)
			return -1;
		if (got == 0) {
			*err = xasprintf("input ends %lld bytes before the saved "
			    "checkpoint", (long long)n);
			return -1;
		}
		n -= got;
	}
	return 0;
}

int
input_gzip_levels(const struct input *in)
{
	return in->nlevels - 1;
}

int64_t
input_raw_bytes(const struct input *in)
{
	return in->raw_bytes;
}

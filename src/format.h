/*
 * format.h - flow-log record formats: which field is in which position.
 *
 * A format comes from a header line (S3 files start with one; field order can
 * be anything), from the user's --log-format (AWS's `${a} ${b}` syntax or
 * bare names), or is the default v2 format.  Field names AWS has not
 * documented are accepted and kept in `extra`; a format never fails because a
 * name is new.  Formats are immutable once built and may be shared between
 * threads.
 */
#ifndef FLOWLENS_FORMAT_H
#define FLOWLENS_FORMAT_H

#include <stddef.h>

#include "field.h"

#define FORMAT_MAX_FIELDS 128

/* The default (v2) format, in AWS's `${...}` syntax. */
#define FORMAT_DEFAULT_V2 \
	"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} " \
	"${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} " \
	"${end} ${action} ${log-status}"

struct flow_format {
	int                     nfields;	/* 1..FORMAT_MAX_FIELDS */
	const struct field_def *def[FORMAT_MAX_FIELDS];
					/* known field, or NULL if unknown */
	char                   *key[FORMAT_MAX_FIELDS];
					/* owned: JSON key for unknown fields
					 * (underscore form); NULL if known */
	char                   *spec;	/* owned: bare names, space-separated */
};

/*
 * Build a format from `spec`: `${a} ${b}`, `$${a}` (Terraform) or bare
 * `a b`, separated by white space.  Returns 0, or -1 with *err set to an
 * allocated message naming the bad token (caller frees).
 */
int format_parse(const char *spec, struct flow_format *out, char **err);

/*
 * If line[0..len) is a header line (every token has the shape of a field
 * name and at least one is a field AWS documents), build the format it
 * declares into *out and return 1; otherwise return 0 and leave *out alone.
 */
int format_from_header(const char *line, size_t len, struct flow_format *out);

/* Cheap test for format_from_header(): 1 if the line could be a header. */
int format_is_header(const char *line, size_t len);

/* Deep copy (dst must not hold a format) and release. */
void format_copy(struct flow_format *dst, const struct flow_format *src);
void format_free(struct flow_format *f);

/* 1 if both formats list the same fields in the same order. */
int format_equal(const struct flow_format *a, const struct flow_format *b);

#endif

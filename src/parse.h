/*
 * parse.h - turn one flow-log text line into a record, or say exactly why not.
 *
 * The parser splits on runs of spaces (tabs too), treats `-` as NULL, accepts
 * a trailing CR, validates every typed field (ports 0-65535, protocol 0-255,
 * counts and times >= 0 in 64 bits, IPv4/IPv6 addresses) and either fills the
 * whole record or rejects the whole line: a record is never half-parsed.
 * It never allocates except to grow the record's `extra` buffer, and it is
 * safe to call from any thread with its own record.
 */
#ifndef FLOWLENS_PARSE_H
#define FLOWLENS_PARSE_H

#include <stddef.h>

#include "format.h"
#include "record.h"

/* Lines longer than this are rejected without being split. */
#define PARSE_MAX_LINE (64 * 1024)

/* Times above this are taken to be milliseconds and scaled to seconds. */
#define PARSE_MS_THRESHOLD 100000000000LL

/*
 * Parse line[0..len) (no newline; a trailing CR is ignored) with `fmt` into
 * *rec.  Returns 0 on success.  On rejection returns -1 and writes a reason
 * naming the field position, name and offending value into reason[cap]
 * (e.g. `field 7 "dstport": "70000" is out of range 0..65535`).
 */
int parse_line(const struct flow_format *fmt, const char *line, size_t len,
    struct flow_record *rec, char *reason, size_t cap);

/* 1 if line[0..len) holds only white space. */
int parse_is_blank(const char *line, size_t len);

#endif

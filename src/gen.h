/*
 * gen.h - deterministic synthetic Amazon VPC Flow Logs.
 *
 * flowlens has to be demonstrable and testable without an AWS account, so
 * this module invents flow logs: `flowlens gen` writes them to a file and
 * the live `demo:` source streams them stamped with the current time.
 *
 * A generator first builds a small fixed "world" from its seed (2-3
 * accounts, their VPCs, subnets and ~200 network interfaces) and then
 * emits records about that world: ordinary client/server traffic, NAT
 * gateway legs, port scans, SSH/RDP probes, ICMP, IPv6, NODATA and
 * SKIPDATA lines.  All randomness comes from a private PRNG (never rand())
 * and the time schedule is integer arithmetic, so the same seed and
 * options give byte-identical output on every platform.
 *
 * gen_line() does not allocate and formats numbers by hand: it is on the
 * hot path of `flowlens gen --rows 10000000`.
 */
#ifndef FLOWLENS_GEN_H
#define FLOWLENS_GEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Smallest buffer gen_line() accepts.  Every line, its '\n' and a
 * terminating NUL fit comfortably (the longest possible line is < 512).
 */
#define GEN_LINE_MAX 1024

/* How to generate; copied by gen_new(), so the caller may reuse it. */
struct gen_options {
	/* PRNG seed; same seed + options => byte-identical output. */
	uint64_t seed;
	/* Epoch seconds of the first record's window (file mode only). */
	int64_t start;
	/*
	 * Records are spread evenly over [start, start + hours*3600),
	 * the span rounded to whole seconds; <= 0 (or NaN) puts every
	 * record at start.
	 */
	double hours;
	/*
	 * Number of record lines the file mode will produce, only used to
	 * spread time: the start advances by hours*3600/rows per line.  0
	 * means "unknown" and keeps every record at start; lines past rows
	 * keep the same pace beyond the window.
	 */
	uint64_t rows;
	/*
	 * 0: default version 2 format (14 fields); any other value: the
	 * version 5 custom format with all 29 fields, in AWS documentation
	 * order.  The records are the same either way: a v2 file is the
	 * projection of the custom file made with the same other options.
	 */
	int custom;
};

/* A generator: its options, PRNG state, world and file-mode clock. */
struct gen;

/*
 * Creates a generator and builds its world from opt->seed.  Returns NULL
 * only when out of memory.  Free with gen_free().
 */
struct gen *gen_new(const struct gen_options *opt);

/* Frees a generator; NULL is allowed and ignored. */
void gen_free(struct gen *g);

/*
 * Writes the header line of g's format (hyphenated field names separated
 * by single spaces, then '\n', then a NUL) into buf.  Returns its length
 * without the NUL, or 0 if cap cannot hold line and NUL.
 */
size_t gen_header(const struct gen *g, char *buf, size_t cap);

/*
 * Writes the next record line (ending in '\n', followed by a NUL) into
 * buf; returns its length without the NUL, or 0 if cap < GEN_LINE_MAX.
 * Bytes after the NUL, within the first GEN_LINE_MAX, may be clobbered
 * (fixed-size copies are faster); appending lines to a buffer is fine.
 *
 * If live_now > 0 the record's time is live: start lies within the last
 * 60 s before live_now, end = start + 0..60 s and end <= live_now; the
 * file-mode schedule does not advance.  Otherwise time follows the
 * file-mode schedule: record i of rows has start ~= opt.start +
 * i * hours*3600/rows (plus 0..19 s of jitter, so starts never decrease
 * by more than 60 s) and end = start + 1..60 s.
 */
size_t gen_line(struct gen *g, int64_t live_now, char *buf, size_t cap);

/*
 * Returns the AWS format string ("${version} ${account-id} ...") of the
 * default version 2 format (custom == 0) or of the custom format
 * (otherwise), as given to `aws ec2 create-flow-logs --log-format`.
 * The string is static and matches gen_header() field for field.
 */
const char *gen_format_string(int custom);

#endif

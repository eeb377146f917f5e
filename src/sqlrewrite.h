/*
 * sqlrewrite.h - turn a query written for Athena (Trino dialect), as found
 * in the AWS documentation, into one SQLite runs with the same meaning.
 *
 * The rewriter works on tokens (the same token boundaries SQLite's own
 * tokenizer draws), never on regexes over raw text, so nothing inside a
 * string literal, quoted identifier or comment is ever changed.  Rewrites
 * (keywords case-insensitive, never after a '.'):
 *   vpc_flow_logs.flow_logs, awsdatacatalog.vpc_flow_logs.flow_logs, in any
 *   quoting, and likewise flow_metrics, ingest_errors, ingest_state
 *                                       -> flow_logs (etc.)
 *   INTERVAL '7' day, INTERVAL 7 days, INTERVAL '-1.5' hour,
 *   INTERVAL '7 days' (second, minute, hour, day, week)  -> (604800)
 *   current_timestamp, localtimestamp   -> now()
 *   current_date                        -> (now() - now() % 86400)
 *   TIMESTAMP '2026-11-01 00:00:00'     -> 1793491200 (epoch seconds;
 *                                          .fff, T, Z, UTC, +HH:MM too)
 *   DATE '2026-11-01'                   -> 1793491200 (midnight UTC)
 *   approx_distinct(x)                  -> count(DISTINCT x), exact
 * Everything else is copied byte for byte.  Comments inside a rewritten
 * construct are kept, moved after the replacement; a space is added where
 * a replacement would otherwise fuse with its neighbour.  The output uses
 * now() and the other functions of sqlfn.h, which must be registered on
 * the connection that runs it.  The output is a fixed point: rewriting it
 * again succeeds and changes nothing.
 *
 * The rewriter also refuses queries that SQLite would run but answer
 * wrongly, because flow times are epoch-second numbers and SQLite compares a
 * number with text by type, not by value:
 *   - a flow time (start, end, a qualified f.start, now(), from_unixtime(),
 *     date_trunc(), current_date, ...) compared with =, <>, !=, <, <=, >, >=,
 *     BETWEEN or IN against a string literal, such as start > '2026-11-01'
 *     (or a double-quoted "2026-11-01", which SQLite reads as a string when
 *     no column has that name).  Only an all-digit string of at least 9
 *     digits facing a column passes (start > '1700000000': the column's
 *     INTEGER affinity converts it); '2026' would become 2026 seconds, and
 *     expressions such as now() have no affinity to convert anything;
 *   - CAST(... AS TIMESTAMP) and CAST(... AS DATE), which SQLite accepts
 *     but evaluates as a NUMERIC cast ('2026-11-01' becomes 2026);
 *   - INTERVAL in months, quarters or years, which have no fixed length;
 *   - INTERVAL or current_date right after approx_distinct or a time
 *     function name without its '(' (the rewrite would make it a call).
 *
 * Positions in error messages are 0-based byte offsets into the caller's SQL,
 * like sqlite3_error_offset().  Unterminated strings, identifiers and
 * comments are passed through unchanged so that SQLite reports them.
 */
#ifndef FLOWLENS_SQLREWRITE_H
#define FLOWLENS_SQLREWRITE_H

#include <stddef.h>

/*
 * Rewrite sql (NUL-terminated, any bytes).  Returns a newly allocated query
 * (caller frees), or NULL with *err set to an allocated message (caller
 * frees) of the form "at position N: what is wrong; what to write instead".
 * err may be NULL if the caller only wants success or failure.
 */
char *sqlrewrite(const char *sql, char **err);

/*
 * As sqlrewrite(), and on failure also stores the byte offset of the
 * problem in *err_offset (if not NULL), for drawing a caret under the query.
 */
char *sqlrewrite_at(const char *sql, char **err, size_t *err_offset);

#endif

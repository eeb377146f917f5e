/*
 * output.h - print query results as an aligned table, CSV, TSV or JSON.
 *
 * An output is a query_sink (query.h): plug it into query_run() and it
 * prints each result set to its FILE.  Table mode measures column widths on
 * the first OUTPUT_TABLE_SAMPLE rows, then streams the rest, so memory stays
 * bounded for any result size.  NULL prints as the configured text (table,
 * CSV, TSV) or as JSON null.  One output per query; not thread-safe.
 */
#ifndef FLOWLENS_OUTPUT_H
#define FLOWLENS_OUTPUT_H

#include <stdio.h>

#include "query.h"

#define OUTPUT_TABLE_SAMPLE 1000

enum output_mode { OUTPUT_TABLE, OUTPUT_CSV, OUTPUT_TSV, OUTPUT_JSON };

struct output;

/* Mode by name ("table", "csv", "tsv", "json"); -1 if unknown. */
int output_mode_parse(const char *name);

/* null_text is copied; NULL means "" (CSV/TSV) or "NULL" (table). */
struct output *output_new(enum output_mode mode, FILE *out,
    const char *null_text);
void output_free(struct output *o);

/* The sink to pass to query_run(). */
void output_sink(struct output *o, struct query_sink *sink);

/* Non-zero if writing failed (e.g. EPIPE); the query is then stopped. */
int output_failed(const struct output *o);

#endif

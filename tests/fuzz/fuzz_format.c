/*
 * fuzz_format.c - libFuzzer target for the flow-log format builders.
 *
 * Fuzzes format_parse() on the input as a NUL-terminated string (a
 * --log-format value), and format_is_header() / format_from_header() on the
 * raw bytes (the first line of an S3 file, which may hold any byte).
 *
 * Invariants checked:
 *   - format_parse() returns 0 or -1; on 0, nfields is in
 *     1..FORMAT_MAX_FIELDS, spec is set, each field has exactly one of def
 *     (known) or key (unknown, a valid JSON key with no hyphen); on -1, *err
 *     is a non-empty message and *out is untouched.
 *   - a built format survives a round trip: format_parse(f.spec) builds an
 *     equal format, and format_copy() gives an equal, independent copy.
 *   - format_from_header() succeeds only when format_is_header() says the
 *     line could be a header, and leaves *out alone when it fails.
 *   - format_free() is always called, so LeakSanitizer sees every leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "format.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* Byte pattern for "untouched": format_parse must not write *out on error. */
#define POISON 0xa5

static int
is_poisoned(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != POISON)
			return 0;
	return 1;
}

static void
check_format(const struct flow_format *f)
{
	size_t speclen;
	int i;

	CHECK(f->nfields >= 1 && f->nfields <= FORMAT_MAX_FIELDS);
	CHECK(f->spec != NULL);
	speclen = strlen(f->spec);
	CHECK(speclen > 0);
	for (i = 0; i < f->nfields; i++) {
		/* Exactly one of def and key. */
		CHECK((f->def[i] != NULL) != (f->key[i] != NULL));
		if (f->def[i] != NULL) {
			CHECK(field_lookup(f->def[i]->name,
			    strlen(f->def[i]->name)) == f->def[i]);
		} else {
			/* Unknown names become JSON keys: no hyphens left. */
			CHECK(strchr(f->key[i], '-') == NULL);
			CHECK(f->key[i][0] >= 'a' && f->key[i][0] <= 'z');
		}
	}
	/* Slots past nfields are unused (parse_line indexes only below). */
	for (i = f->nfields; i < FORMAT_MAX_FIELDS; i++)
		CHECK(f->def[i] == NULL && f->key[i] == NULL);
}

static void
check_roundtrip(const struct flow_format *f)
{
	struct flow_format again, copy;
	char *err = NULL;
	int i;

	/* The spec holds bare names: it must build the same format again. */
	CHECK(format_parse(f->spec, &again, &err) == 0);
	CHECK(err == NULL);
	CHECK(format_equal(f, &again));
	CHECK(again.nfields == f->nfields);
	for (i = 0; i < f->nfields; i++) {
		CHECK(again.def[i] == f->def[i]);
		CHECK((again.key[i] == NULL) == (f->key[i] == NULL));
		if (f->key[i] != NULL)
			CHECK(strcmp(again.key[i], f->key[i]) == 0);
	}
	format_free(&again);

	format_copy(&copy, f);
	CHECK(format_equal(f, &copy));
	CHECK(copy.spec != f->spec);
	for (i = 0; i < f->nfields; i++)
		CHECK(copy.key[i] == NULL || copy.key[i] != f->key[i]);
	format_free(&copy);
	/* format_free leaves an empty format behind. */
	CHECK(copy.nfields == 0 && copy.spec == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_format f;
	char *text, *err = NULL, *raw;
	int rc, is_header;

	/* 1. As a --log-format string (stops at the first NUL, like argv). */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&f, POISON, sizeof f);
	rc = format_parse(text, &f, &err);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		CHECK(err == NULL);
		check_format(&f);
		check_roundtrip(&f);
		format_free(&f);
	} else {
		CHECK(err != NULL && err[0] != '\0');
		CHECK(is_poisoned(&f, sizeof f));
		free(err);
	}
	free(text);

	/*
	 * 2. As a header line: an exact-size copy (no terminator), so that
	 * reading one byte past len is caught by AddressSanitizer.
	 */
	raw = malloc(size ? size : 1);
	memcpy(raw, data, size);
	is_header = format_is_header(raw, size);
	CHECK(is_header == 0 || is_header == 1);
	memset(&f, POISON, sizeof f);
	rc = format_from_header(raw, size, &f);
	CHECK(rc == 0 || rc == 1);
	if (rc == 1) {
		CHECK(is_header);
		check_format(&f);
		check_roundtrip(&f);
		format_free(&f);
	} else {
		CHECK(is_poisoned(&f, sizeof f));
	}
	free(raw);
	return 0;
}

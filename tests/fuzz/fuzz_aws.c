/*
 * fuzz_aws.c - libFuzzer target for what src/aws.c and aws_ini.c read from
 * outside: the shared credentials/config files (INI), AWS error bodies
 * (JSON and XML) and credential responses from the container endpoint and
 * instance metadata (JSON).
 *
 * Invariants checked:
 *   - aws_ini_parse() never fails; every entry has a section, a lower-case
 *     key without NUL and a value, and a line within the input; problems
 *     is 0 exactly when problem is NULL; aws_ini_free() leaves it empty.
 *   - aws_parse_error() returns NUL-terminated strings or NULL.
 *   - aws_parse_credentials_json() returns 0 with both keys non-empty, or
 *     -1 with a message that never quotes the input beyond 300 bytes.
 *   - cwlogs_parse_page() (FilterLogEvents JSON) returns 0 with every event
 *     holding an id, a stream and a message of the stated length, or -1
 *     with a message; cwlogs_seen_load() of the same bytes as a stored
 *     checkpoint keeps ids at or after its floor and round-trips through
 *     cwlogs_seen_cursor().
 *   - s3_parse_list() (ListObjectsV2 XML) returns objects with non-empty
 *     keys and an ETag, or -1 with a message.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_ini.h"
#include "cwlogs.h"
#include "s3.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_ini ini = { 0 };
	struct aws_creds c;
	char *raw = malloc(size ? size : 1), *code, *msg, *err = NULL;
	int lines = 1;
	size_t i;

	memcpy(raw, data, size);
	for (i = 0; i < size; i++)
		lines += raw[i] == '\n';
	aws_ini_parse(&ini, "fuzz", raw, size);
	CHECK((ini.problems == 0) == (ini.problem == NULL));
	for (i = 0; i < ini.n; i++) {
		const char *k = ini.entries[i].key;

		CHECK(ini.entries[i].section && ini.entries[i].value && k);
		CHECK(*k != '\0');
		CHECK(ini.entries[i].line >= 1 && ini.entries[i].line <= lines);
		for (; *k; k++)
			CHECK(!isupper((unsigned char)*k));
		CHECK(aws_ini_get(&ini, ini.entries[i].section,
		    ini.entries[i].key) != NULL);
	}
	aws_ini_free(&ini);
	CHECK(ini.n == 0 && ini.entries == NULL);

	aws_parse_error(raw, size, &code, &msg);
	CHECK(code == NULL || strlen(code) <= size);
	CHECK(msg == NULL || strlen(msg) <= size);
	free(code);
	free(msg);

	if (aws_parse_credentials_json(raw, size, &c, &err) == 0) {
		CHECK(c.access_key_id && *c.access_key_id);
		CHECK(c.secret_access_key && *c.secret_access_key);
		CHECK(c.session_token == NULL || *c.session_token);
		aws_creds_clear(&c);
	} else {
		CHECK(err && *err);
		CHECK(strlen(err) < 600);
		free(err);
	}
	{
		struct cwlogs_page page;

		if (cwlogs_parse_page(raw, size, &page, &err) == 0) {
			for (i = 0; i < page.n; i++) {
				CHECK(page.events[i].id && *page.events[i].id);
				CHECK(page.events[i].stream);
				CHECK(strlen(page.events[i].message) <=
				    page.events[i].message_len);
			}
			cwlogs_page_free(&page);
		} else {
			CHECK(err && *err);
			free(err);
		}
		err = NULL;
	}
	{
		struct cwlogs_seen seen = { 0 }, again = { 0 };
		char *text = malloc(size + 1), *cursor;

		memcpy(text, raw, size);
		text[size] = '\0';
		if (cwlogs_seen_load(&seen, text, &err) == 0) {
			cursor = cwlogs_seen_cursor(&seen);
			CHECK(cwlogs_seen_load(&again, cursor, &err) == 0);
			CHECK(again.n == seen.n && again.floor_ms ==
			    seen.floor_ms);
			free(cursor);
		} else {
			CHECK(err && *err);
			free(err);
		}
		err = NULL;
		cwlogs_seen_free(&seen);
		cwlogs_seen_free(&again);
		free(text);
	}
	{
		struct s3_list list;

		if (s3_parse_list(raw, size, &list, &err) == 0) {
			for (i = 0; i < list.n; i++) {
				CHECK(list.objects[i].key &&
				    *list.objects[i].key);
				CHECK(list.objects[i].etag);
			}
			s3_list_free(&list);
		} else {
			CHECK(err && *err);
			free(err);
		}
	}
	free(raw);
	return 0;
}

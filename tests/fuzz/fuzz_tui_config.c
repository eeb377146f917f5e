/*
 * fuzz_tui_config.c - libFuzzer target for the terminal UI's config file
 * parser (ui/config.c).
 *
 * Invariants checked:
 *   - config_parse() returns 0 or -1; on -1 *err names "fuzz.conf:LINE: key"
 *     and the config is unchanged; on 0 every value is in its documented
 *     range and every string is NUL-terminated inside its field;
 *   - a parsed config survives a round trip: config_format() then
 *     config_parse() on defaults gives the same config.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void
check_valid(const struct tui_config *c)
{
	CHECK(c->color == -1 || c->color == 0 || c->color == 8 ||
	    c->color == 256);
	CHECK(c->ascii >= -1 && c->ascii <= 1);
	CHECK(c->bell == 0 || c->bell == 1);
	CHECK(c->refresh_ms >= 250 && c->refresh_ms <= 60000);
	CHECK(c->window == 60 || c->window == 900 || c->window == 3600);
	CHECK(c->alarm_rejected_tcp >= 0 && c->alarm_rejected_packets >= 0);
	CHECK(memchr(c->range, '\0', sizeof c->range));
	CHECK(memchr(c->filter, '\0', sizeof c->filter));
	CHECK(memchr(c->export_dir, '\0', sizeof c->export_dir));
	CHECK(memchr(c->alarm_command, '\0', sizeof c->alarm_command));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_config c, before, again;
	char *text, *err = NULL, *printed;

	if (size > 65536)
		return 0;
	text = xstrndup((const char *)data, size);
	config_defaults(&c);
	before = c;
	if (config_parse(&c, text, "fuzz.conf", &err) < 0) {
		CHECK(err && strncmp(err, "fuzz.conf:", 10) == 0);
		CHECK(memcmp(&c, &before, sizeof c) == 0);
		free(err);
		free(text);
		return 0;
	}
	CHECK(err == NULL);
	check_valid(&c);
	printed = config_format(&c);
	config_defaults(&again);
	if (config_parse(&again, printed, "printed", &err) != 0)
		__builtin_trap();
	CHECK(memcmp(&c, &again, sizeof c) == 0 ||
	    /* strings compare equal up to their NUL */
	    (c.color == again.color && c.window == again.window &&
	    c.refresh_ms == again.refresh_ms &&
	    strcmp(c.range, again.range) == 0 &&
	    strcmp(c.filter, again.filter) == 0 &&
	    strcmp(c.alarm_command, again.alarm_command) == 0 &&
	    c.alarm_rejected_tcp == again.alarm_rejected_tcp &&
	    c.alarm_rejected_packets == again.alarm_rejected_packets));
	free(printed);
	free(text);
	return 0;
}

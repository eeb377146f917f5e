/*
 * config.h - the terminal UI's configuration file.
 *
 * The file is $XDG_CONFIG_HOME/flowlens/flowlens.conf (default
 * ~/.config/flowlens/flowlens.conf), or --config PATH.  Format: `key = value`
 * lines, `#` comments, blank lines; `[section]` headers group keys
 * (`[ui]`, `[alarm]`).  Every problem names the file, the line and the key;
 * all lines are checked (the first MAX errors are reported) and a file with
 * errors is not used.  The loaded configuration is frozen before the UI's
 * threads start; it is the one global the UI reads.
 */
#ifndef FLOWLENS_UI_CONFIG_H
#define FLOWLENS_UI_CONFIG_H

#include <stdint.h>

struct tui_config {
	int     color;		/* -1 auto, 0 none, 8, 256 */
	int     ascii;		/* -1 auto (by locale), 0 UTF-8 glyphs, 1 ASCII */
	int     refresh_ms;	/* snapshot period, 250..60000 */
	int64_t window;		/* panel window: 60, 900 or 3600 seconds */
	char    range[64];	/* initial time range (filter.h syntax) */
	char    filter[256];	/* initial filter (filter.h syntax) */
	char    export_dir[256];/* where exports go; "" = current directory */
	int     bell;		/* 1: ring the bell when an alarm fires */
	int64_t alarm_rejected_tcp;	/* rejected TCP packets per window
					 * above which the TCP panel alarms;
					 * 0 = off */
	int64_t alarm_rejected_packets;	/* rejected packets (any protocol)
					 * per window; 0 = off */
	char    alarm_command[512];	/* run by /bin/sh when an alarm
					 * fires; "" = none */
};

/* The built-in defaults. */
void config_defaults(struct tui_config *c);

/*
 * Apply the text of a config file (named file in messages) to *c.
 * Returns 0, or -1 with *err listing every problem as FILE:LINE: key "K":
 * reason (one per line); *c is then unchanged.
 */
int config_parse(struct tui_config *c, const char *text, const char *file,
    char **err);

/*
 * Load path into *c.  A missing file is not an error (*found = 0).  0 or -1
 * with *err.
 */
int config_load(struct tui_config *c, const char *path, int *found,
    char **err);

/* The default config file path (allocated). */
char *config_default_path(void);

/*
 * Path of a file the UI writes in the XDG state directory:
 * $XDG_STATE_HOME/flowlens/NAME, else ~/.local/state/flowlens/NAME
 * (allocated; the directory may not exist yet).
 */
char *config_state_path(const char *name);

/* The effective configuration as a config file (allocated). */
char *config_format(const struct tui_config *c);

#endif

/*
 * app.h - the terminal UI's state, shared by its screens (tui.c, dash.c,
 * sqlpane.c, cmdline.c).  Everything here belongs to the UI thread; the
 * workers (snapshot.h, qworker.h) and the ingest thread hand data over
 * through their own synchronised interfaces, never through this struct.
 */
#ifndef FLOWLENS_UI_APP_H
#define FLOWLENS_UI_APP_H

#include <stdint.h>
#include <wchar.h>

#include "config.h"
#include "edit.h"
#include "qworker.h"
#include "snapshot.h"
#include "term.h"

/* Keys: characters as themselves, curses key codes above Unicode. */
#define UIKEY(code) (0x110000 + (code))
#define CTRL(c) ((c) & 0x1f)
#define KEY_ESCAPE 27

enum ui_screen { SCREEN_DASH, SCREEN_SQL };
enum sql_focus { FOCUS_EDITOR, FOCUS_GRID, FOCUS_CATALOG };
enum dash_panel { PANEL_TCP, PANEL_PROTO, PANEL_SRC, PANEL_DST, PANEL_PORT,
    PANEL_SOURCES, PANEL_COUNT };
enum cmd_kind { CMD_NONE, CMD_COMMAND = ':', CMD_FILTER = '/',
    CMD_HISTORY = '?' };

#define MAX_TABS 8

/* One kept result in the SQL pane. */
struct result_tab {
	struct qresult *r;	/* owned */
	int64_t *order;		/* display order of rows (sort), owned */
	int64_t  row;		/* selected row (display index) */
	int64_t  top;		/* first displayed row */
	int      col;		/* selected column */
	int      left;		/* first displayed column */
	int      sort_col;	/* -1: query order */
	int      sort_desc;
	char     title[24];
};

struct app {
	struct tui_config cfg;		/* frozen after start */
	const char       *db_path;	/* the store (owned by tui_main) */
	int               readonly;	/* --readonly: no file writes */
	struct term_caps  caps;		/* chosen once by term_setup() */
	int               quit;		/* leave the event loop */
	enum ui_screen    screen;	/* screen shown */
	int               help;		/* help overlay shown */
	char              message[256];	/* bottom-line message */
	int               message_error;	/* message is an error */
	double            message_until;	/* now_monotonic() to hide it */
	int               dirty;	/* a frame must be drawn */

	/* dashboard */
	struct snap_worker *snapw;	/* dashboard data worker */
	struct snapshot  *snap;		/* latest taken (owned) */
	struct snap_params params;	/* what the UI asked for */
	enum dash_panel   panel;		/* selected panel */
	int               panel_row;	/* selected row in it */
	int               alarm_tcp, alarm_all;	/* alarm states */

	/* command line (:, / and history search) */
	enum cmd_kind     cmd;		/* prompt open, or CMD_NONE */
	char              cmdbuf[256];	/* prompt text (UTF-8) */
	size_t            cmdlen;		/* bytes in cmdbuf */

	/* SQL pane */
	struct qworker   *qw;		/* query worker */
	struct editor     ed;		/* the SQL being edited */
	enum sql_focus    focus;		/* part of the SQL pane with keys */
	struct result_tab tabs[MAX_TABS];	/* kept results, oldest first */
	int               ntabs, tab;	/* tabs in use, tab shown */
	int               detail;		/* row detail overlay */
	int               readable_times;	/* epoch -> UTC text */
	int               show_catalog;
	int               catalog_row;
	struct catalog   *catalog;		/* owned, may be NULL */
	int               running;		/* a query is running */
	char              pending_title[24];	/* title for its tab */
	char            **history;		/* oldest first, owned */
	int               nhistory, history_pos;	/* entries, position
						 * of Ctrl-P/N */
	char             *history_path;		/* NULL: not persisted */
	int               error_line, error_col;/* of the last error */
	char              sql_status[320];	/* outcome of the last query */
	int               sql_status_error;
	int               ed_top, ed_left;	/* editor scroll (lines,cols) */

	/* ingest thread's outcome (copied under its lock by tui.c) */
	char              ingest_note[256];
};

/* Show a message on the bottom line for a few seconds. */
void app_message(struct app *a, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ask the snapshot worker for the current params; redraw. */
void app_params_changed(struct app *a);

/* dash.c: draw the dashboard in rows [top, top + height) of w; handle a
 * key (1 if used); the help lines for '?'; evaluate the alarms on a new
 * snapshot (log, bell and command on entering an alarm).  UI thread. */
void dash_draw(struct app *a, WINDOW *w, int top, int height);
int  dash_key(struct app *a, int key);
void dash_help(struct app *a, const char ***lines, int *n);
void dash_alarms(struct app *a);

/* sqlpane.c: set up (editor, history) and free the pane; draw it in rows
 * [top, top + height) of w; handle a key (1 if used); help lines for the
 * focused part.  UI thread. */
void sql_init(struct app *a);
void sql_free(struct app *a);
void sql_draw(struct app *a, WINDOW *w, int top, int height);
int  sql_key(struct app *a, int key);
void sql_help(struct app *a, const char ***lines, int *n);
/* Put sql in the editor and run it; title names its result tab. */
void sql_run(struct app *a, const char *sql, const char *title);
void sql_poll(struct app *a);		/* take a finished result */
/* Export the shown tab as "csv" or "json" to path (NULL: a name in
 * export_dir); 0, or -1 with the reason as the message. */
int  sql_export(struct app *a, const char *format, const char *path);
/* Load the newest history entry before the current one containing needle. */
void sql_history_search(struct app *a, const char *needle);
/* Run canned query number i (0-based) or by name; -1 if none. */
int  sql_run_canned(struct app *a, const char *name, size_t index);

/* cmdline.c: open the prompt with initial text; handle a key while it is
 * open (it takes every key); draw it on row y; run a `:` command line.
 * UI thread. */
void cmd_open(struct app *a, enum cmd_kind kind, const char *initial);
int  cmd_key(struct app *a, int key);
void cmd_draw(struct app *a, WINDOW *w, int y);
void cmd_execute(struct app *a, const char *line);

#endif

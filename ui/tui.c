/*
 * tui.c - the terminal UI's process: options, config, threads (ingest,
 * snapshot worker, query worker), and the event loop that draws frames on a
 * clock from snapshots.
 *
 * The loop poll()s the keyboard and one wake pipe that every worker writes
 * a byte to; it never blocks on SQLite, files or the network.  A key is
 * answered with a frame at once (keypress-to-screen latency); data changes
 * are coalesced into at most one frame per FRAME_DATA_MS.
 */
#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <stdatomic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "canned.h"
#include "archive.h"
#include "filter.h"
#include "ingest.h"
#include "paths.h"
#include "util.h"

#define FRAME_DATA_MS 250	/* data-driven frames at most this often */
#define TICK_MS 100		/* clock tick: progress, messages, clock */
#define BENCH_SAMPLES 65536

const char tui_usage[] =
"usage: flowlens [--db PATH] [OPTIONS] [SOURCE...]\n"
"\n"
"Open the terminal UI: live reject-rate dashboard and an Athena-style SQL\n"
"pane.  SOURCEs (as for 'flowlens ingest': files, .gz, demo:, cwlogs:,\n"
"s3://, firehose:) are ingested into the store on background threads while\n"
"the UI runs (files are tailed as they grow, as with --follow); with no\n"
"SOURCE the UI shows what the store holds (another process may be filling\n"
"it).\n"
"\n"
"options:\n"
"  --db PATH          the store (default as for the other commands)\n"
"  --config PATH      config file (default\n"
"                     $XDG_CONFIG_HOME/flowlens/flowlens.conf)\n"
"  --print-config     print the effective configuration and exit\n"
"  --readonly         no exports to files, no history or config writes,\n"
"                     no SOURCEs (for shared bastions)\n"
"  --no-color         monochrome (also NO_COLOR=1)\n"
"  --ascii            ASCII glyphs only (automatic when the locale is not\n"
"                     UTF-8)\n"
"  --range R          time range: 15m, 1h, 24h, 7d, all, FROM..TO\n"
"  --window W         panel window: 1m, 15m, 1h\n"
"  --filter F         filter, e.g. 'action:REJECT proto:tcp port:22'\n"
"  --log-format FMT   format of SOURCEs without a header line\n"
"  --profile, --region, --endpoint-url, --firehose-access-key-file,\n"
"  --tls-cert, --tls-key\n"
"                     as for 'flowlens ingest' (AWS and Firehose SOURCEs)\n"
"  --no-archive       do not keep the Parquet archive of what SOURCEs add\n"
"                     (default: archived next to the store, as by ingest)\n"
"  --bench-log FILE   on exit, write frame timings to FILE (make bench)\n"
"\n"
"Keys: ? shows the keys of the current screen; q quits.\n"
"Exit: 0 normal, 1 store or terminal error, 2 usage or config error.\n";

/* Set by SIGTERM / SIGHUP / SIGINT (Ctrl-C arrives as a key in raw mode). */
static atomic_int quit_signal;	/* lock-free atomics: signal-safe */
static atomic_int ingest_stop;
static int wake_pipe[2] = { -1, -1 };

static void
on_quit_signal(int sig)
{
	atomic_store(&quit_signal, sig);
}

/* ---------------------------------------------------------------- helpers */


void
app_message(struct app *a, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->message, sizeof a->message, fmt, ap);
	va_end(ap);
	a->message_error = error;
	a->message_until = now_monotonic() + (error ? 6.0 : 4.0);
	a->dirty = 1;
}

void
app_params_changed(struct app *a)
{
	snap_set_params(a->snapw, &a->params);
	a->panel_row = 0;
	a->dirty = 1;
}

static void
wake_ui(void)
{
	char byte = 'i';

	if (write(wake_pipe[1], &byte, 1) < 0) {
		/* full pipe: a wake-up is pending already */
	}
}

/* ----------------------------------------------------------------- ingest */

struct ingest_job {
	struct ingest_options opt;
	char           **sources;
	int              nsources;
	pthread_t        thread;
	int              started;
	pthread_mutex_t  lock;		/* guards note */
	char             note[256];
};

#define INGEST_NICE 10	/* added to the ingest threads' nice value */

static void *
ingest_main(void *arg)
{
	struct ingest_job *job = arg;
	struct ingest_summary sum;
	char *err = NULL;
	int rc;

	/*
	 * The ingest (its sources, store writer and archiver, all created
	 * from this thread, inherit this) runs at a lower priority than the
	 * screen: on two cores they can keep both busy, and a frame or a key
	 * must not wait for a timeslice behind them.  Linux: the nice value
	 * is per thread.  The query and snapshot workers run at nice +5:
	 * only the UI thread keeps normal priority.
	 */
	thread_set_name("fl-ingest");
	thread_lower_priority(INGEST_NICE);
	pthread_mutex_lock(&job->lock);
	snprintf(job->note, sizeof job->note, "ingesting %d source%s",
	    job->nsources, job->nsources == 1 ? "" : "s");
	pthread_mutex_unlock(&job->lock);
	wake_ui();
	rc = ingest_run(&job->opt, job->sources, job->nsources, &sum, &err);
	pthread_mutex_lock(&job->lock);
	if (rc < 0)
		snprintf(job->note, sizeof job->note, "%s ingest failed: %s",
		    "!", err);
	else if (!sum.interrupted)
		snprintf(job->note, sizeof job->note, "ingest done: %lld "
		    "records, %lld rejected units%s", (long long)sum.records,
		    (long long)sum.rejected, sum.failed ?
		    ", some sources unreadable (see the log)" : "");
	pthread_mutex_unlock(&job->lock);
	free(err);
	wake_ui();
	return NULL;
}

/* ------------------------------------------------------------------ bench */

struct bench {
	const char *path;
	double      start;		/* tui_main entry */
	double      first_frame;	/* seconds after start, or 0 */
	double      first_data_frame;	/* first frame with a snapshot */
	double      frame_ms[BENCH_SAMPLES];
	int         nframes;
	double      key_ms[BENCH_SAMPLES];
	int         nkeys;
};

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static void
bench_line(FILE *f, const char *name, double *v, int n)
{
	if (n == 0) {
		fprintf(f, "%s_count 0\n", name);
		return;
	}
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	fprintf(f, "%s_count %d\n%s_p50_ms %.3f\n%s_p99_ms %.3f\n"
	    "%s_max_ms %.3f\n", name, n, name, v[n / 2], name,
	    v[(int)((double)n * 0.99)], name, v[n - 1]);
}

static void
bench_write(struct bench *b)
{
	FILE *f;

	if (b->path == NULL || (f = fopen(b->path, "w")) == NULL)
		return;
	fprintf(f, "first_frame_ms %.3f\nfirst_data_frame_ms %.3f\n",
	    b->first_frame * 1000, b->first_data_frame * 1000);
	bench_line(f, "frame", b->frame_ms, b->nframes);
	bench_line(f, "key_to_screen", b->key_ms, b->nkeys);
	fclose(f);
}

/* ---------------------------------------------------------------- drawing */

static void
draw_title(struct app *a, WINDOW *w)
{
	int width = getmaxx(w), x;
	char clock[20], right[64], left[512];

	fmt_utc(clock, now_epoch());
	snprintf(left, sizeof left, " flowlens  %s  range %s  window %s%s%s",
	    a->screen == SCREEN_DASH ? "[Dashboard] SQL " :
	    " Dashboard [SQL]", a->params.range,
	    a->params.window == 60 ? "1m" : a->params.window == 900 ? "15m" :
	    "1h", a->params.filter[0] ? "  filter " : "", a->params.filter);
	term_put(w, 0, 0, width, left, term_attr(ROLE_TITLE), 1);
	snprintf(right, sizeof right, "%s%s%s %s UTC ", a->readonly ?
	    "RO  " : "", (a->alarm_tcp || a->alarm_all) ? term_glyph(G_ALARM)
	    : "", (a->alarm_tcp || a->alarm_all) ? " ALARM " : "",
	    clock + 11);
	x = width - term_width(right);
	if (x > term_width(left) + 1)
		term_put(w, 0, x, width - x, right, (a->alarm_tcp ||
		    a->alarm_all) ? term_attr(ROLE_ALARM) : term_attr(ROLE_TITLE), 0);
}

static void
draw_bottom(struct app *a, WINDOW *w)
{
	int y = getmaxy(w) - 1, width = getmaxx(w);
	const char *hint;

	if (a->cmd != CMD_NONE) {
		cmd_draw(a, w, y);
		return;
	}
	if (a->message[0] && now_monotonic() < a->message_until) {
		term_put(w, y, 0, width, a->message, a->message_error ?
		    term_attr(ROLE_ERROR) : term_attr(ROLE_KEY), 1);
		return;
	}
	if (a->screen == SCREEN_DASH)
		hint = " ?:help  Tab:panel  Enter:drill  /:filter  r:range  "
		    "w:window  1-9:canned  s:SQL  :cmd  q:quit";
	else if (a->focus == FOCUS_EDITOR)
		hint = " F1:help  F5/^R:run  Tab:complete  ^Z:undo  ^P/^N:"
		    "history  ^F:search  Esc:results  F2:dash";
	else
		hint = " ?:help  o:sort  Enter:detail  t:times  [ ]:tabs  "
		    "e:csv  J:json  c:catalog  i:edit  d:dash  q:quit";
	term_put(w, y, 0, width, hint, term_attr(ROLE_DIM), 1);
}

static void
draw_help(struct app *a, WINDOW *w)
{
	const char **lines;
	int n, i, width = getmaxx(w), height = getmaxy(w), bw, bx, by;

	if (a->screen == SCREEN_DASH)
		dash_help(a, &lines, &n);
	else
		sql_help(a, &lines, &n);
	bw = width > 82 ? 78 : width - 2;
	bx = (width - bw) / 2;
	by = height - 2 > n + 2 ? (height - n - 2) / 2 : 1;
	for (i = -1; i <= n && by + i < height - 1; i++) {
		const char *text = i < 0 ? "" : i == n ?
		    "  (? or Esc closes this help)" : lines[i];

		term_put(w, by + i, bx, bw, text, i == 0 ?
		    term_attr(ROLE_TITLE) : term_attr(ROLE_SELECT), 1);
	}
}

static void
draw_frame(struct app *a)
{
	int height = LINES;

	curs_set(0);
	werase(stdscr);
	if (height >= 3) {
		draw_title(a, stdscr);
		if (a->help)
			;	/* the help replaces the screen's content */
		else if (a->screen == SCREEN_DASH)
			dash_draw(a, stdscr, 1, height - 2);
		else
			sql_draw(a, stdscr, 1, height - 2);
	}
	if (a->help)
		draw_help(a, stdscr);
	if (a->help || a->screen == SCREEN_DASH)
		curs_set(0);
	{
		int cy, cx, vis = a->screen == SCREEN_SQL &&
		    a->focus == FOCUS_EDITOR && !a->help && !a->detail;

		getyx(stdscr, cy, cx);
		draw_bottom(a, stdscr);
		if (a->cmd == CMD_NONE) {
			if (vis)
				wmove(stdscr, cy, cx);
			curs_set(vis);
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* -------------------------------------------------------------------- keys */

static int
read_key(int *key)
{
	wint_t ch;
	int rc = wget_wch(stdscr, &ch);

	if (rc == ERR)
		return 0;
	*key = rc == KEY_CODE_YES ? UIKEY((int)ch) : (int)ch;
	return 1;
}

static void
handle_key(struct app *a, int key)
{
	a->dirty = 1;
	if (key == UIKEY(KEY_RESIZE))
		return;
	if (a->cmd != CMD_NONE) {
		cmd_key(a, key);
		return;
	}
	if (a->help) {
		if (key == KEY_ESCAPE || key == '?' || key == 'q' ||
		    key == UIKEY(KEY_F(1)) || key == '\r')
			a->help = 0;
		return;
	}
	switch (key) {
	case UIKEY(KEY_F(1)): a->help = 1; return;
	case UIKEY(KEY_F(2)): a->screen = SCREEN_DASH; return;
	case UIKEY(KEY_F(3)): a->screen = SCREEN_SQL; return;
	case UIKEY(KEY_F(10)): a->quit = 1; return;
	case CTRL('c'):
		if (a->running)
			qworker_cancel(a->qw);
		else
			app_message(a, 0, "q quits (Ctrl-C cancels a running "
			    "query)");
		return;
	case KEY_ESCAPE:
		if (a->running && !a->detail) {
			qworker_cancel(a->qw);
			return;
		}
		break;
	}
	if (a->screen == SCREEN_SQL && a->focus == FOCUS_EDITOR) {
		sql_key(a, key);
		return;
	}
	switch (key) {
	case '?': a->help = 1; return;
	case 'q': a->quit = 1; return;
	case ':': cmd_open(a, CMD_COMMAND, ""); return;
	case '/': cmd_open(a, CMD_FILTER, a->params.filter); return;
	case 'd': a->screen = SCREEN_DASH; return;
	case 's': a->screen = SCREEN_SQL; return;
	}
	if (key >= '1' && key <= '9') {
		if (sql_run_canned(a, NULL, (size_t)(key - '1')) < 0)
			app_message(a, 1, "there is no canned query %c", key);
		return;
	}
	if (a->screen == SCREEN_DASH)
		dash_key(a, key);
	else
		sql_key(a, key);
}

/* ------------------------------------------------------------------- setup */

struct tui_options {
	const char *db;
	const char *config;
	const char *log_format;
	const char *bench_log;
	const char *range, *window, *filter;
	int         print_config;
	int         readonly;
	int         no_color;
	int         ascii;
	/* Passed to the ingest of SOURCEs, as for 'flowlens ingest'. */
	const char *aws_profile, *aws_region, *aws_endpoint_url;
	const char *firehose_key_file, *tls_cert, *tls_key;
	int         no_archive;	/* --no-archive */
};

static int
parse_options(int argc, char **argv, struct tui_options *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'C' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "readonly", no_argument, NULL, 'R' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "ascii", no_argument, NULL, 'A' },
		{ "range", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "filter", required_argument, NULL, 'f' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "bench-log", required_argument, NULL, 'B' },
		{ "profile", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'g' },
		{ "endpoint-url", required_argument, NULL, 'e' },
		{ "firehose-access-key-file", required_argument, NULL, 'K' },
		{ "tls-cert", required_argument, NULL, 'T' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "no-archive", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'C': o->config = optarg; break;
		case 'P': o->print_config = 1; break;
		case 'R': o->readonly = 1; break;
		case 'N': o->no_color = 1; break;
		case 'A': o->ascii = 1; break;
		case 'r': o->range = optarg; break;
		case 'w': o->window = optarg; break;
		case 'f': o->filter = optarg; break;
		case 'F': o->log_format = optarg; break;
		case 'B': o->bench_log = optarg; break;
		case 'p': o->aws_profile = optarg; break;
		case 'g': o->aws_region = optarg; break;
		case 'e': o->aws_endpoint_url = optarg; break;
		case 'K': o->firehose_key_file = optarg; break;
		case 'T': o->tls_cert = optarg; break;
		case 'k': o->tls_key = optarg; break;
		case 'n': o->no_archive = 1; break;
		case 'h': fputs(tui_usage, stdout); exit(0);
		default:
			fputs("Run 'flowlens --help' for usage.\n", stderr);
			return -1;
		}
	}
	return 0;
}

/* Config file, then command-line overrides; 0 or -1 (message printed). */
static int
load_config(const struct tui_options *o, struct tui_config *cfg)
{
	char *path = o->config ? xstrdup(o->config) : config_default_path();
	char *err = NULL, text[512];
	int found, rc = 0;

	config_defaults(cfg);
	if (config_load(cfg, path, &found, &err) < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		free(path);
		return -1;
	}
	if (o->config && !found) {
		fprintf(stderr, "flowlens: config file %s does not exist\n",
		    path);
		free(path);
		return -1;
	}
	/* Command-line values go through the same checks as the file's. */
	snprintf(text, sizeof text, "[ui]\n%s%s%s%s%s%s%s%s%s",
	    o->range ? "range = " : "", o->range ? o->range : "",
	    o->range ? "\n" : "", o->window ? "window = " : "",
	    o->window ? o->window : "", o->window ? "\n" : "",
	    o->filter ? "filter = " : "", o->filter ? o->filter : "",
	    o->filter ? "\n" : "");
	if (config_parse(cfg, text, "command line", &err) < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		rc = -1;
	}
	if (o->no_color)
		cfg->color = 0;
	if (o->ascii)
		cfg->ascii = 1;
	free(path);
	return rc;
}

/* stderr goes to a log file while curses owns the terminal. */
static int
redirect_stderr(char **log_path)
{
	char *err = NULL;
	int saved = dup(STDERR_FILENO), fd;

	*log_path = config_state_path("flowlens.log");
	if (paths_make_parent(*log_path, &err) < 0) {
		free(err);
		free(*log_path);
		*log_path = xstrdup("/dev/null");
	}
	fd = open(*log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return saved;
}

static void
restore_stderr(int saved)
{
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
take_updates(struct app *a, struct ingest_job *job, struct bench *bench)
{
	struct snapshot *s;
	char drain[64];

	while (read(wake_pipe[0], drain, sizeof drain) > 0)
		;
	if ((s = snap_take(a->snapw)) != NULL) {
		free(a->snap);
		a->snap = s;
		dash_alarms(a);
		a->dirty = 1;
		if (bench->first_data_frame == 0 && s->ok)
			bench->first_data_frame = -1;	/* next frame */
	}
	sql_poll(a);
	if (job->started) {
		pthread_mutex_lock(&job->lock);
		if (strcmp(a->ingest_note, job->note) != 0) {
			snprintf(a->ingest_note, sizeof a->ingest_note, "%s",
			    job->note);
			a->dirty = 1;
		}
		pthread_mutex_unlock(&job->lock);
	}
}

static void
event_loop(struct app *a, struct ingest_job *job, struct bench *bench)
{
	double last_frame = 0, last_tick = 0;

	while (!a->quit && !atomic_load(&quit_signal)) {
		struct pollfd fds[2] = {
			{ STDIN_FILENO, POLLIN, 0 },
			{ wake_pipe[0], POLLIN, 0 },
		};
		double now = now_monotonic(), key_at = 0;
		int timeout = TICK_MS - (int)((now - last_tick) * 1000), key;

		if (timeout < 0)
			timeout = 0;
		poll(fds, 2, timeout);
		if (fds[0].revents & (POLLHUP | POLLERR))
			break;		/* the terminal went away */
		while (read_key(&key)) {
			if (key_at == 0)
				key_at = now_monotonic();
			handle_key(a, key);
			if (a->quit)
				break;
		}
		if (fds[1].revents & POLLIN)
			take_updates(a, job, bench);
		now = now_monotonic();
		if (now - last_tick >= TICK_MS / 1000.0) {
			last_tick = now;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;	/* alarm commands */
			if (a->running || (a->message[0] &&
			    now >= a->message_until)) {
				if (now >= a->message_until)
					a->message[0] = '\0';
				a->dirty = 1;
			}
			if (!a->dirty && now - last_frame >= 1.0)
				a->dirty = 1;	/* the clock in the title */
		}
		/* Keys are answered at once; data waits for the frame clock. */
		if (a->dirty && (key_at > 0 ||
		    now - last_frame >= FRAME_DATA_MS / 1000.0)) {
			double t0 = now_monotonic(), t1;

			draw_frame(a);
			t1 = now_monotonic();
			a->dirty = 0;
			last_frame = t1;
			if (bench->nframes < BENCH_SAMPLES)
				bench->frame_ms[bench->nframes++] =
				    (t1 - t0) * 1000;
			if (key_at > 0 && bench->nkeys < BENCH_SAMPLES)
				bench->key_ms[bench->nkeys++] =
				    (t1 - key_at) * 1000;
			if (bench->first_data_frame < 0)
				bench->first_data_frame = t1 - bench->start;
		}
	}
}

/* Out of memory (exit 70) or any other exit must not leave the terminal
 * in raw mode. */
static void
restore_terminal(void)
{
	if (!isendwin())
		endwin();
}

static int
start_curses(struct app *a)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "flowlens: the terminal UI needs a terminal "
		    "(use 'flowlens query' or 'flowlens ingest' in scripts)\n");
		return -1;
	}
	set_escdelay(25);
	if (initscr() == NULL)
		return -1;
	atexit(restore_terminal);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	term_setup(&a->caps, a->cfg.color, a->cfg.ascii);
	return 0;
}

int
tui_main(int argc, char **argv)
{
	static struct bench bench;
	struct tui_options o;
	struct ingest_job job;
	struct archive_options archive;
	struct app *a;
	char *path, *err = NULL, *log_path = NULL, *cfgtext;
	char *archive_dir = NULL;
	int saved_stderr, i, fl;

	bench.start = now_monotonic();
	setlocale(LC_ALL, "");
	if (parse_options(argc, argv, &o) < 0)
		return 2;
	a = xcalloc(1, sizeof *a);
	if (load_config(&o, &a->cfg) < 0) {
		free(a);
		return 2;
	}
	if (o.print_config) {
		char *cp = o.config ? xstrdup(o.config) : config_default_path();

		cfgtext = config_format(&a->cfg);
		printf("# flowlens effective configuration (file: %s)\n%s", cp,
		    cfgtext);
		free(cfgtext);
		free(cp);
		free(a);
		return 0;
	}
	if (o.readonly && optind < argc) {
		fprintf(stderr, "flowlens: --readonly does not ingest: drop "
		    "the SOURCE arguments (%s ...)\n", argv[optind]);
		free(a);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			fprintf(stderr, "flowlens: the UI reads the keyboard, "
			    "not flow logs, on stdin: pipe into 'flowlens ingest "
			    "--db PATH -' and open the UI on the same --db\n");
			free(a);
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		if (ingest_check_source(argv[i], &err) < 0) {
			fprintf(stderr, "flowlens: %s\n", err);
			free(err);
			free(a);
			return 2;
		}
	}
	path = paths_db(o.db);
	a->db_path = path;
	a->readonly = o.readonly;
	a->params.window = a->cfg.window;
	snprintf(a->params.range, sizeof a->params.range, "%s", a->cfg.range);
	snprintf(a->params.filter, sizeof a->params.filter, "%s",
	    a->cfg.filter);
	if (optind < argc && paths_make_parent(path, &err) < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		free(path);
		free(a);
		return 1;
	}
	if (start_curses(a) < 0) {
		free(path);
		free(a);
		return 1;
	}
	saved_stderr = redirect_stderr(&log_path);
	install_signals();
	if (pipe(wake_pipe) == 0)
		for (i = 0; i < 2; i++) {
			fl = fcntl(wake_pipe[i], F_GETFL);
			fcntl(wake_pipe[i], F_SETFL, fl | O_NONBLOCK);
			fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	bench.path = o.bench_log;
	sql_init(a);
	if (a->readonly) {
		free(a->history_path);
		a->history_path = NULL;
	}
	draw_frame(a);		/* first frame before any data */
	bench.first_frame = now_monotonic() - bench.start;

	memset(&job, 0, sizeof job);
	pthread_mutex_init(&job.lock, NULL);
	if (optind < argc) {
		job.opt.db_path = path;
		job.opt.log_format = o.log_format;
		job.opt.quiet = 1;
		/* Files are tailed and live sources run until the UI quits. */
		job.opt.follow = 1;
		job.opt.aws_profile = o.aws_profile;
		job.opt.aws_region = o.aws_region;
		job.opt.aws_endpoint_url = o.aws_endpoint_url;
		job.opt.firehose_key_file = o.firehose_key_file;
		job.opt.tls_cert = o.tls_cert;
		job.opt.tls_key = o.tls_key;
		if (!o.no_archive) {
			archive_options_init(&archive);
			archive.dir = archive_dir = archive_default_dir(path);
			job.opt.archive = &archive;
		}
		job.opt.stop = &ingest_stop;
		job.sources = argv + optind;
		job.nsources = argc - optind;
		job.started = pthread_create(&job.thread, NULL, ingest_main,
		    &job) == 0;
	}
	a->snapw = snap_start(path, &a->params, a->cfg.refresh_ms,
	    wake_pipe[1]);
	a->qw = qworker_start(path, wake_pipe[1]);

	event_loop(a, &job, &bench);

	/* Stop the terminal first, so a slow shutdown is not a frozen
	 * screen; then the workers; ingest commits what it has. */
	endwin();
	atomic_store(&ingest_stop, 1);
	qworker_stop(a->qw);
	snap_stop(a->snapw);
	if (job.started)
		pthread_join(job.thread, NULL);
	pthread_mutex_destroy(&job.lock);
	restore_stderr(saved_stderr);
	bench_write(&bench);
	free(a->snap);
	sql_free(a);
	free(log_path);
	free(archive_dir);
	free(path);
	free(a);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	return 0;
}

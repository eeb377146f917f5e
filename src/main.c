/*
 * main.c - the flowlens command line: subcommand dispatch, options, exit
 * codes.  Each subcommand is a thin shell over a module (ingest, query,
 * output, canned, gen); no logic here that a test could not reach through
 * the modules.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <unistd.h>

#include "archive.h"
#include "canned.h"
#include "gen.h"
#include "ingest.h"
#include "output.h"
#include "paths.h"
#include "query.h"
#include "sqlrewrite.h"
#include "tui.h"
#include "upload.h"
#include "util.h"

/* Exit codes (documented in the README and in --help). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,	/* SQL error, unreadable input, store error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_INTERRUPTED = 130,	/* stopped by Ctrl-C / SIGTERM */
};

/* Set by the signal handler, read by every thread: a lock-free atomic
 * (async-signal-safe), not a volatile sig_atomic_t, which is a data race
 * between threads. */
static atomic_int stop_requested;

static void
on_signal(int sig)
{
	if (atomic_load(&stop_requested))	/* second Ctrl-C: leave now */
		_exit(EXIT_INTERRUPTED);
	atomic_store(&stop_requested, sig);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static const char usage_main[] =
"usage: flowlens COMMAND [OPTIONS] ...\n"
"       flowlens [--db PATH] [OPTIONS] [SOURCE...]   (terminal UI)\n"
"\n"
"Amazon VPC Flow Logs in a terminal: ingest into a local SQLite store,\n"
"query it with Athena-style SQL.\n"
"\n"
"commands:\n"
"  (none)               the terminal UI: live dashboard and SQL pane,\n"
"                       ingesting any SOURCEs given ('flowlens help tui')\n"
"  ingest SOURCE...     read flow logs (files, .gz, -, demo:, cwlogs:, s3://,\n"
"                       firehose:) into the store\n"
"  query SQL            run read-only SQL (or --canned NAME, --file F)\n"
"  canned               list the canned queries\n"
"  gen                  write realistic synthetic flow logs to stdout\n"
"  archive status|flush the Parquet archive: report, or seal what is buffered\n"
"  ddl --location S3URI print the Athena CREATE EXTERNAL TABLE for the archive\n"
"  help [COMMAND]       show help for a command\n"
"\n"
"The store is --db PATH, else $FLOWLENS_DB, else\n"
"$XDG_DATA_HOME/flowlens/flowlens.db (~/.local/share/flowlens/flowlens.db).\n"
"Exit codes: 0 success, 1 error (SQL error, unreadable input, store\n"
"error), 2 usage error, 130 interrupted.\n"
"Run 'flowlens help COMMAND' or 'flowlens COMMAND --help' for details.\n";

static const char usage_ingest[] =
"usage: flowlens ingest [--db PATH] [--log-format FMT] [--reread] [--follow]\n"
"                       [--quiet] [--no-progress] [--profile NAME]\n"
"                       [--region REGION] [--endpoint-url URL]\n"
"                       [--firehose-access-key-file FILE]\n"
"                       [--tls-cert FILE --tls-key FILE]\n"
"                       [--archive DIR | --no-archive] [--archive-codec C]\n"
"                       [--archive-max-bytes N] [--archive-max-age D]\n"
"                       [--retention D] [--archive-s3 s3://BUCKET/PREFIX/]\n"
"                       SOURCE...\n"
"\n"
"Read flow-log records into the store, exactly once.  SOURCE is:\n"
"  PATH        a file: plain text or gzip (detected by content, several\n"
"              members and nested gzip included), S3-delivered files with\n"
"              their header line, Firehose {\"message\": ...} lines, or\n"
"              CloudWatch Logs subscription payloads (JSON, back to back)\n"
"  -           standard input (read from the start every time)\n"
"  demo:[rate=N,duration=D,rows=N,seed=S]\n"
"              synthetic live traffic (default 200 records/s until Ctrl-C)\n"
"  cwlogs:LOG_GROUP[?start=-1h&streams=PREFIX&interval=30s&lookback=15m]\n"
"              CloudWatch Logs FilterLogEvents polling (needs\n"
"              logs:FilterLogEvents); one pass up to now, or every\n"
"              interval with --follow; late events within lookback are\n"
"              stored once; a restart resumes where it stopped\n"
"  s3://BUCKET/PREFIX[?interval=60s]\n"
"              every object under the prefix (.log.gz files, Firehose\n"
"              objects; needs s3:ListBucket and s3:GetObject); objects\n"
"              read before (same key and ETag) are skipped; --follow\n"
"              lists again every interval\n"
"  firehose:[ADDR:]PORT[/PATH]\n"
"              an Amazon Data Firehose HTTP endpoint: serves deliveries\n"
"              until Ctrl-C (ADDR defaults to 127.0.0.1; PORT 0 picks a\n"
"              free port; PATH defaults to /); answers 200 only once a\n"
"              delivery is committed, stores a retried requestId once\n"
"Live sources (demo:, cwlogs:, s3://, firehose:) run side by side on threads\n"
"of their own.  AWS credentials, region and endpoints are found as the AWS CLI\n"
"finds them (environment, ~/.aws files and profiles, container endpoint,\n"
"instance metadata); never put keys on the command line.\n"
"\n"
"The record format is, in order: the last header line seen in the input,\n"
"--log-format, the default v2 format.\n"
"\n"
"options:\n"
"  --db PATH          store to write (created if missing)\n"
"  --log-format FMT   format of input without a header line, in AWS syntax\n"
"                     ('${version} ${account-id} ...') or bare field names\n"
"  --reread           forget what was read from these files before (their\n"
"                     checkpoints and stored records) and read them again\n"
"  --follow           keep reading: plain files are tailed as they grow\n"
"                     (records committed within a second; a renamed or\n"
"                     truncated file is followed to the new file at the\n"
"                     path, like tail -F) until Ctrl-C or SIGTERM\n"
"  --profile NAME     AWS profile (else AWS_PROFILE; environment keys are\n"
"                     ignored when --profile is given)\n"
"  --region REGION    AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the\n"
"                     profile's region, instance metadata)\n"
"  --endpoint-url URL send every AWS call there (VPC endpoints, tests); else\n"
"                     AWS_ENDPOINT_URL_CLOUDWATCH_LOGS / _S3, AWS_ENDPOINT_URL\n"
"  --firehose-access-key-file FILE\n"
"                     the access key Firehose sends (first line of FILE;\n"
"                     keep it mode 600); without it, the key is taken from\n"
"                     $FLOWLENS_FIREHOSE_ACCESS_KEY.  There is no option\n"
"                     that takes the key itself: it would show in ps\n"
"  --tls-cert FILE    firehose: serve HTTPS with this PEM certificate chain\n"
"  --tls-key FILE     ... and this PEM private key (Firehose only sends to\n"
"                     https:// URLs: use these, or a TLS proxy in front)\n"
"  --no-progress      no live progress line (default: on a terminal)\n"
"  -q, --quiet        no summary line\n"
"  --archive DIR      keep the Parquet archive in DIR (default: the store\n"
"                     path + \".archive\", next to the store)\n"
"  --no-archive       do not archive\n"
"  --archive-codec C  zstd (default), gzip, snappy or none\n"
"  --archive-max-bytes N  seal files at about N bytes (default 128M;\n"
"                     K, M, G suffixes)\n"
"  --archive-max-age D    seal files when their oldest row is D old\n"
"                     (default 15m; s, m, h, d suffixes)\n"
"  --retention D      delete store rows older than D once archived\n"
"  --archive-s3 s3://BUCKET/PREFIX/\n"
"                     upload every sealed archive file to PREFIX +\n"
"                     AWSLogs/... (needs s3:PutObject; --profile, --region,\n"
"                     --endpoint-url apply); failures are retried, and what\n"
"                     is not uploaded when ingest ends (it waits up to 60 s)\n"
"                     is uploaded by the next run\n"
"\n"
"Committed records are archived as Parquet files in AWS's Hive layout\n"
"(DIR/AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/\n"
"year=Y/month=M/day=D/hour=H/); everything committed is sealed before\n"
"ingest exits.  See 'flowlens archive --help'.\n"
"\n"
"A file already read is skipped if unchanged; if it grew, only the new\n"
"records are read; a different file at the same path is read as new.\n"
"Lines that cannot be parsed are stored in table ingest_errors with file,\n"
"line and reason, and counted: they do not make ingest fail.\n"
"Exit: 0 input read, 1 a source could not be read or the store failed,\n"
"2 usage error, 130 interrupted (everything read so far is committed).\n";

static const char usage_query[] =
"usage: flowlens query [--db PATH] [--output table|csv|tsv|json]\n"
"                      [--null TEXT] [--stats] [--show-sql]\n"
"                      (SQL | --canned NAME | --file FILE)\n"
"\n"
"Run read-only SQL over the store.  Tables: flow_logs, flow_metrics,\n"
"ingest_state, ingest_errors.  Athena forms work: vpc_flow_logs.flow_logs,\n"
"INTERVAL '7' day, now(), current_timestamp, from_unixtime, to_unixtime,\n"
"date_trunc, date_add, date_diff, approx_distinct, regexp_like,\n"
"contains('10.0.0.0/8', srcaddr), split_part, to_iso8601, date_format.\n"
"Times are epoch seconds.\n"
"\n"
"options:\n"
"  --db PATH        store to read\n"
"  -o, --output M   table (default), csv, tsv or json\n"
"  --null TEXT      how NULL prints in table/csv/tsv (json uses null)\n"
"  -c, --canned N   run the canned query N ('flowlens canned' lists them)\n"
"  -f, --file F     read the SQL from file F ('-' for stdin)\n"
"  --stats          print elapsed time, rows returned and rows scanned to\n"
"                   stderr\n"
"  --show-sql       print the SQLite SQL the query was rewritten to, and\n"
"                   do not run it\n"
"\n"
"Exit: 0 success, 1 SQL error (message names the position), 2 usage\n"
"error, 130 interrupted (Ctrl-C cancels a running query).\n";

static const char usage_archive[] =
"usage: flowlens archive [--db PATH] [--archive DIR] [--archive-codec C]\n"
"                        [--archive-s3 s3://BUCKET/PREFIX/ [--profile NAME]\n"
"                        [--region REGION] [--endpoint-url URL]]\n"
"                        status | flush\n"
"\n"
"  status   sealed files, rows and bytes; rows not archived yet; whether an\n"
"           archiver is running and what it has buffered; files uploaded\n"
"           to and pending for every S3 destination used (and for\n"
"           --archive-s3)\n"
"  flush    seal everything buffered now: asks the running archiver (an\n"
"           ingest on the same store) to seal, or, if none runs, archives\n"
"           every committed row not archived yet and seals it here; with\n"
"           --archive-s3, then uploads every sealed file not uploaded yet\n"
"           (exit 1 if some could not be: they stay pending)\n"
"\n"
"The archive is --archive DIR, else the store path + \".archive\".\n"
"Exit: 0 success, 1 error, 2 usage error.\n";

static const char usage_ddl[] =
"usage: flowlens ddl --location s3://BUCKET/PREFIX/ [--table NAME]\n"
"                    [--duckdb DIR]\n"
"\n"
"Print the Athena CREATE EXTERNAL TABLE for an archive uploaded to\n"
"LOCATION (the folder holding AWSLogs/): the archive's columns and\n"
"Parquet types (protocol int, start/end bigint), every name quoted, and\n"
"partition projection for aws-account-id and aws-region (injected: give\n"
"them in WHERE), year, month, day and hour.  --duckdb DIR prints the\n"
"equivalent DuckDB view over a local archive instead.\n";

static const char usage_canned[] =
"usage: flowlens canned [--sql NAME]\n"
"\n"
"List the canned queries (name and title), or print the SQL of one.\n"
"Run one with 'flowlens query --canned NAME'.\n";

static const char usage_gen[] =
"usage: flowlens gen [--rows N] [--seed S] [--start EPOCH] [--hours H]\n"
"                    [--custom] [--header]\n"
"\n"
"Write realistic synthetic flow logs to stdout: TCP/UDP/ICMP mix, 10-20%\n"
"REJECT, port scanners, SSH/RDP probes, IPv6, NODATA/SKIPDATA lines,\n"
"heavy-tailed packets and bytes, many ENIs.  Same options, same output.\n"
"\n"
"options:\n"
"  --rows N      records to write (default 100000)\n"
"  --seed S      random seed (default 1)\n"
"  --start EPOCH time of the first record (default 1767225600,\n"
"                2026-01-01T00:00:00Z)\n"
"  --hours H     spread records over H hours (default 24)\n"
"  --custom      v5 custom format with 29 fields instead of the v2 default\n"
"  --header      start with a header line, as in S3-delivered files\n";

/* A usage error: what was wrong, then where the full usage is. */
static int
usage_error(const char *usage, const char *fmt, const char *arg)
{
	char command[32] = "";

	sscanf(usage, "usage: flowlens %31s", command);
	fprintf(stderr, "flowlens: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'flowlens %s --help' for usage.\n", command);
	return EXIT_USAGE;
}

static void
print_summary(const struct ingest_summary *s)
{
	double rate = s->seconds > 0 ? (double)s->records / s->seconds : 0;

	fprintf(stderr, "flowlens: stored %lld record%s in %.1f s (%.0f "
	    "records/s, %.1f MB read); %lld unit%s rejected%s, %lld line%s "
	    "skipped", (long long)s->records, s->records == 1 ? "" : "s",
	    s->seconds, rate,
	    (double)s->bytes / 1e6, (long long)s->rejected,
	    s->rejected == 1 ? "" : "s",
	    s->rejected ? " (see table ingest_errors)" : "",
	    (long long)s->skipped, s->skipped == 1 ? "" : "s");
	if (s->unchanged)
		fprintf(stderr, "; %lld unchanged source%s skipped",
		    (long long)s->unchanged, s->unchanged == 1 ? "" : "s");
	if (s->failed)
		fprintf(stderr, "; %lld source%s could not be read",
		    (long long)s->failed, s->failed == 1 ? "" : "s");
	if (s->archive_files)
		fprintf(stderr, "; %lld record%s sealed into %lld Parquet file%s",
		    (long long)s->archived, s->archived == 1 ? "" : "s",
		    (long long)s->archive_files,
		    s->archive_files == 1 ? "" : "s");
	if (s->interrupted)
		fprintf(stderr, "; interrupted (re-run to continue)");
	fputc('\n', stderr);
}

/* Parse "128M"-style sizes: a number with an optional K, M or G suffix. */
static int
parse_size(const char *text, int64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || v <= 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': v *= 1024; end++; break;
	case 'M': case 'm': v *= 1024 * 1024; end++; break;
	case 'G': case 'g': v *= 1024 * 1024 * 1024; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v > 1e15)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* One of the archive options shared by ingest and archive; 0 or -1. */
static int
archive_option(struct archive_options *ao, int c, const char *arg)
{
	char *err = NULL;
	int codec;

	switch (c) {
	case 'C':
		if ((codec = pq_codec_parse(arg)) < 0)
			return -1;
		if (pq_codec_usable((enum pq_codec)codec, &err) < 0) {
			fprintf(stderr, "flowlens: --archive-codec %s: %s\n",
			    arg, err);
			free(err);
			return -1;
		}
		ao->codec = (enum pq_codec)codec;
		return 0;
	case 'B':
		return parse_size(arg, &ao->max_bytes);
	case 'G':
		return parse_duration(arg, &ao->max_age) < 0 ||
		    ao->max_age <= 0 ? -1 : 0;
	case 'T':
		return parse_duration(arg, &ao->retention) < 0 ||
		    ao->retention <= 0 ? -1 : 0;
	}
	return -1;
}

static int
cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "reread", no_argument, NULL, 'R' },
		{ "follow", no_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint-url", required_argument, NULL, 'e' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "firehose-access-key-file", required_argument, NULL, 'K' },
		{ "tls-cert", required_argument, NULL, 'S' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "archive", required_argument, NULL, 'A' },
		{ "no-archive", no_argument, NULL, 'N' },
		{ "archive-codec", required_argument, NULL, 'C' },
		{ "archive-max-bytes", required_argument, NULL, 'B' },
		{ "archive-max-age", required_argument, NULL, 'G' },
		{ "retention", required_argument, NULL, 'T' },
		{ "archive-s3", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ingest_options opt;
	struct ingest_summary sum;
	struct archive_options ao;
	const char *db = NULL, *archive_dir = NULL;
	char *path, *err = NULL, *dir = NULL;
	int c, no_progress = 0, rc, no_archive = 0;

	memset(&opt, 0, sizeof opt);
	archive_options_init(&ao);
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'F': opt.log_format = optarg; break;
		case 'R': opt.reread = 1; break;
		case 'f': opt.follow = 1; break;
		case 'p': opt.aws_profile = optarg; break;
		case 'r': opt.aws_region = optarg; break;
		case 'e': opt.aws_endpoint_url = optarg; break;
		case 'P': no_progress = 1; break;
		case 'K': opt.firehose_key_file = optarg; break;
		case 'S': opt.tls_cert = optarg; break;
		case 'k': opt.tls_key = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'A': archive_dir = optarg; break;
		case 'N': no_archive = 1; break;
		case 'U': opt.archive_s3 = optarg; break;
		case 'C': case 'B': case 'G': case 'T':
			if (archive_option(&ao, c, optarg) < 0)
				return usage_error(usage_ingest, "bad value "
				    "\"%s\" (see the archive options)", optarg);
			break;
		case 'h': fputs(usage_ingest, stdout); return EXIT_OK;
		default: fputs(usage_ingest, stderr); return EXIT_USAGE;
		}
	}
	if (no_archive && (archive_dir || ao.retention || opt.archive_s3))
		return usage_error(usage_ingest, "--no-archive excludes "
		    "--archive, --retention and --archive-s3 (they need "
		    "the archive)%s", "");
	if (opt.archive_s3 && upload_parse_dest(opt.archive_s3, NULL,
	    &err) < 0) {
		c = usage_error(usage_ingest, "%s", err);
		free(err);
		return c;
	}
	if (optind == argc)
		return usage_error(usage_ingest, "ingest needs at least one "
		    "SOURCE (a file, - for stdin, or demo:)%s", "");
	for (c = optind; c < argc; c++) {
		if (ingest_check_source(argv[c], &err) < 0) {
			c = usage_error(usage_ingest, "%s", err);
			free(err);
			return c;
		}
	}
	path = paths_db(db);
	if (paths_make_parent(path, &err) < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		free(path);
		return EXIT_FAILURE_;
	}
	opt.db_path = path;
	if (!no_archive) {
		dir = archive_dir ? xstrdup(archive_dir) :
		    archive_default_dir(path);
		ao.dir = dir;
		opt.archive = &ao;
	}
	opt.progress = !no_progress && isatty(STDERR_FILENO);
	opt.stop = &stop_requested;
	install_signals();
	rc = ingest_run(&opt, argv + optind, argc - optind, &sum, &err);
	if (rc < 0) {
		int usage = strncmp(err, "--log-format", 12) == 0;

		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		free(path);
		free(dir);
		return usage ? EXIT_USAGE : EXIT_FAILURE_;
	}
	if (!opt.quiet)
		print_summary(&sum);
	free(path);
	free(dir);
	if (sum.interrupted)
		return EXIT_INTERRUPTED;
	return sum.failed ? EXIT_FAILURE_ : EXIT_OK;
}

static char *
read_all(FILE *f)
{
	struct sbuf b = { 0 };
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sbuf_append(&b, chunk, n);
	if (b.data == NULL)
		sbuf_appends(&b, "");
	return b.data;
}

static char *
load_sql_file(const char *name, char **err)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
	char *sql;

	if (f == NULL) {
		*err = xasprintf("cannot read %s: %s", name, strerror(errno));
		return NULL;
	}
	sql = read_all(f);
	if (f != stdin)
		fclose(f);
	return sql;
}

static int
cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "null", required_argument, NULL, 'n' },
		{ "canned", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "stats", no_argument, NULL, 's' },
		{ "show-sql", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *null_text = NULL, *canned = NULL, *file = NULL;
	struct query_engine *q = NULL;
	struct query_stats stats;
	struct query_sink sink;
	struct output *out;
	char *sql = NULL, *path, *err = NULL;
	int c, mode = OUTPUT_TABLE, show_stats = 0, show_sql = 0, rc, sources;

	while ((c = getopt_long(argc, argv, "o:c:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'o':
			mode = output_mode_parse(optarg);
			if (mode < 0)
				return usage_error(usage_query, "unknown "
				    "--output \"%s\" (use table, csv, tsv or "
				    "json)", optarg);
			break;
		case 'n': null_text = optarg; break;
		case 'c': canned = optarg; break;
		case 'f': file = optarg; break;
		case 's': show_stats = 1; break;
		case 'S': show_sql = 1; break;
		case 'h': fputs(usage_query, stdout); return EXIT_OK;
		default: fputs(usage_query, stderr); return EXIT_USAGE;
		}
	}
	sources = (canned != NULL) + (file != NULL) + (argc - optind);
	if (sources != 1)
		return usage_error(usage_query, "give exactly one of: SQL as "
		    "one argument (quote it), --canned NAME or --file FILE%s",
		    "");
	if (canned) {
		const struct canned_query *cq = canned_find(canned);

		if (cq == NULL)
			return usage_error(usage_query, "no canned query named "
			    "\"%s\" (run 'flowlens canned' to list them)",
			    canned);
		sql = xstrdup(cq->sql);
	} else if (file) {
		if ((sql = load_sql_file(file, &err)) == NULL) {
			fprintf(stderr, "flowlens: %s\n", err);
			free(err);
			return EXIT_FAILURE_;
		}
	} else {
		sql = xstrdup(argv[optind]);
	}
	if (show_sql) {
		char *rewritten = sqlrewrite(sql, &err);

		free(sql);
		if (rewritten == NULL) {
			fprintf(stderr, "flowlens: %s\n", err);
			free(err);
			return EXIT_FAILURE_;
		}
		printf("%s\n", rewritten);
		free(rewritten);
		return EXIT_OK;
	}
	path = paths_db(db);
	if (query_open(&q, path, &err) < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
		free(path);
		free(sql);
		return EXIT_FAILURE_;
	}
	install_signals();
	query_watch_flag(q, &stop_requested);
	out = output_new((enum output_mode)mode, stdout, null_text);
	output_sink(out, &sink);
	rc = query_run(q, sql, &sink, &stats, &err);
	if (show_stats)
		fprintf(stderr, "flowlens: %d statement%s, %.3f s, %lld rows "
		    "returned, %lld rows scanned in full scans, %lld VM "
		    "steps\n", stats.statements, stats.statements == 1 ? "" :
		    "s", stats.seconds, (long long)stats.rows_returned,
		    (long long)stats.rows_scanned, (long long)stats.vm_steps);
	if (rc != QUERY_OK)
		fprintf(stderr, "flowlens: %s\n", err);
	free(err);
	output_free(out);
	query_close(q);
	free(path);
	free(sql);
	if (rc == QUERY_CANCELLED)
		return EXIT_INTERRUPTED;
	return rc == QUERY_OK ? EXIT_OK : EXIT_FAILURE_;
}

static int
cmd_canned(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sql", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *show = NULL;
	size_t i, width = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': show = optarg; break;
		case 'h': fputs(usage_canned, stdout); return EXIT_OK;
		default: fputs(usage_canned, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage_canned, "unexpected argument \"%s\"",
		    argv[optind]);
	if (show) {
		const struct canned_query *cq = canned_find(show);

		if (cq == NULL)
			return usage_error(usage_canned, "no canned query "
			    "named \"%s\"", show);
		fputs(cq->sql, stdout);
		return EXIT_OK;
	}
	for (i = 0; i < canned_count(); i++)
		if (strlen(canned_at(i)->name) > width)
			width = strlen(canned_at(i)->name);
	for (i = 0; i < canned_count(); i++)
		printf("%-*s  %s\n", (int)width, canned_at(i)->name,
		    canned_at(i)->title);
	return EXIT_OK;
}

static int
parse_number(const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return (end == text || *end || errno) ? -1 : 0;
}

static int
cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rows", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 'S' },
		{ "hours", required_argument, NULL, 'H' },
		{ "custom", no_argument, NULL, 'c' },
		{ "header", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_options go;
	struct gen *g;
	static char line[GEN_LINE_MAX];
	double v;
	uint64_t i;
	int c, header = 0;

	memset(&go, 0, sizeof go);
	go.rows = 100000;
	go.seed = 1;
	go.start = 1767225600;
	go.hours = 24;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_gen, stdout);
			return EXIT_OK;
		}
		if (c == 'c' || c == 'e') {
			*(c == 'c' ? &go.custom : &header) = 1;
			continue;
		}
		if (c == '?' || parse_number(optarg, &v) < 0 || v < 0 ||
		    (c == 'H' && v <= 0))
			return usage_error(usage_gen, "bad number \"%s\"",
			    c == '?' ? "" : optarg);
		switch (c) {
		case 'r': go.rows = (uint64_t)v; break;
		case 's': go.seed = (uint64_t)v; break;
		case 'S': go.start = (int64_t)v; break;
		case 'H': go.hours = v; break;
		}
	}
	if (optind != argc)
		return usage_error(usage_gen, "unexpected argument \"%s\"",
		    argv[optind]);
	g = gen_new(&go);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (header) {
		size_t n = gen_header(g, line, sizeof line);

		fwrite(line, 1, n, stdout);
	}
	for (i = 0; i < go.rows; i++) {
		size_t n = gen_line(g, 0, line, sizeof line);

		if (fwrite(line, 1, n, stdout) != n)
			break;
	}
	gen_free(g);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "flowlens: writing to stdout failed: %s\n",
		    strerror(errno));
		return EXIT_FAILURE_;
	}
	return EXIT_OK;
}

/* `archive flush --archive-s3`: upload every sealed file not uploaded
 * yet; -1 with *err when some stay pending. */
static int
flush_uploads(const char *db_path, const char *url,
    const struct aws_options *aws, char **err)
{
	struct upload_report r;
	int rc;

	if (upload_pending(db_path, url, aws, 300, &r, err) < 0)
		return -1;
	rc = r.pending > 0 ? -1 : 0;
	if (rc < 0)
		*err = xasprintf("archive upload: %lld sealed file%s not "
		    "uploaded (%s); they stay pending", (long long)r.pending,
		    r.pending == 1 ? "" : "s", r.last_error ? r.last_error :
		    "out of time");
	upload_report_free(&r);
	return rc;
}

static int
cmd_archive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "archive", required_argument, NULL, 'A' },
		{ "archive-codec", required_argument, NULL, 'C' },
		{ "archive-s3", required_argument, NULL, 'U' },
		{ "profile", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint-url", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct archive_options ao;
	struct aws_options aws = { NULL, NULL, NULL };
	const char *db = NULL, *archive_dir = NULL, *s3 = NULL;
	char *path, *dir, *err = NULL, *dest = NULL;
	int c, rc;

	archive_options_init(&ao);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'A': archive_dir = optarg; break;
		case 'U': s3 = optarg; break;
		case 'p': aws.profile = optarg; break;
		case 'r': aws.region = optarg; break;
		case 'e': aws.endpoint_url = optarg; break;
		case 'C':
			if (archive_option(&ao, c, optarg) < 0)
				return usage_error(usage_archive, "unknown "
				    "--archive-codec \"%s\"", optarg);
			break;
		case 'h': fputs(usage_archive, stdout); return EXIT_OK;
		default: fputs(usage_archive, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (strcmp(argv[optind], "status") != 0 &&
	    strcmp(argv[optind], "flush") != 0))
		return usage_error(usage_archive, "archive needs one of: "
		    "status, flush%s", "");
	if (s3 && upload_parse_dest(s3, &dest, &err) < 0) {
		c = usage_error(usage_archive, "%s", err);
		free(err);
		return c;
	}
	path = paths_db(db);
	dir = archive_dir ? xstrdup(archive_dir) : archive_default_dir(path);
	ao.dir = dir;
	if (strcmp(argv[optind], "status") == 0) {
		rc = archive_status(path, dir, dest, stdout, &err);
	} else {
		install_signals();
		rc = archive_flush(path, &ao, 60, &err);
		if (rc == 0 && s3)
			rc = flush_uploads(path, s3, &aws, &err);
		if (rc == 0)
			rc = archive_status(path, dir, dest, stdout, &err);
	}
	if (rc < 0) {
		fprintf(stderr, "flowlens: %s\n", err);
		free(err);
	}
	free(path);
	free(dir);
	free(dest);
	return rc < 0 ? EXIT_FAILURE_ : EXIT_OK;
}

static int
cmd_ddl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "location", required_argument, NULL, 'l' },
		{ "table", required_argument, NULL, 't' },
		{ "duckdb", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *location = NULL, *table = "vpc_flow_logs", *duck = NULL;
	char *ddl;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': location = optarg; break;
		case 't': table = optarg; break;
		case 'D': duck = optarg; break;
		case 'h': fputs(usage_ddl, stdout); return EXIT_OK;
		default: fputs(usage_ddl, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_error(usage_ddl, "unexpected argument \"%s\"",
		    argv[optind]);
	if (strspn(table, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(table) || *table == '\0')
		return usage_error(usage_ddl, "--table \"%s\": use lower-case "
		    "letters, digits and _", table);
	if (duck) {
		if (strchr(duck, '\'') != NULL)
			return usage_error(usage_ddl, "--duckdb \"%s\": no "
			    "quotes in the path, please", duck);
		ddl = archive_ddl_duckdb(duck, table);
	} else {
		if (location == NULL || strncmp(location, "s3://", 5) != 0 ||
		    strchr(location, '\'') != NULL)
			return usage_error(usage_ddl, "ddl needs --location "
			    "s3://BUCKET/PREFIX/%s", "");
		ddl = archive_ddl(location, table);
	}
	fputs(ddl, stdout);
	free(ddl);
	return EXIT_OK;
}

struct command {
	const char *name;
	int       (*run)(int, char **);
	const char *usage;
};

static const struct command commands[] = {
	{ "ingest", cmd_ingest, usage_ingest },
	{ "query", cmd_query, usage_query },
	{ "canned", cmd_canned, usage_canned },
	{ "gen", cmd_gen, usage_gen },
	{ "archive", cmd_archive, usage_archive },
	{ "ddl", cmd_ddl, usage_ddl },
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct command *cmd;

	/* SQLite's allocation statistics take a global mutex on every malloc
	 * and free (several per inserted row); flowlens never reads them. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Buffers of 256 KB and more (the archiver's column buffers, batches)
	 * come from mmap and go back to the system when freed.  glibc's
	 * default threshold rises with every such free, after which these
	 * buffers stay in the heaps of the threads that used them: an ingest
	 * with the archive grew past 350 MB that way. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	if (argc < 2)
		return tui_main(argc, argv);
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("flowlens %s (build %s)\n", FLOWLENS_VERSION,
		    FLOWLENS_BUILD);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[2], "tui") == 0) {
			fputs(tui_usage, stdout);
			return EXIT_OK;
		}
		if (argc > 2 && (cmd = find_command(argv[2])) != NULL) {
			fputs(cmd->usage, stdout);
			return EXIT_OK;
		}
		fputs(usage_main, stdout);
		return argc > 2 ? EXIT_USAGE : EXIT_OK;
	}
	cmd = find_command(argv[1]);
	/* Options, or sources (a file, -, demo:, cwlogs:...): the UI. */
	if (cmd == NULL && (argv[1][0] == '-' || strchr(argv[1], ':') ||
	    access(argv[1], F_OK) == 0))
		return tui_main(argc, argv);
	if (cmd == NULL) {
		fprintf(stderr, "flowlens: unknown command \"%s\"; the "
		    "commands are ingest, query, canned, gen and help (run "
		    "'flowlens --help')\n", argv[1]);
		return EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}

#!/bin/sh
# run.sh FLOWLENS - speed and size of flowlens against the sqlite3 CLI and
# DuckDB, side by side on the same synthetic flow log.  `make bench` runs it
# after building.
#
# Measures, in one run (see the report's sections for the exact commands):
#   1. ingest rate: flowlens ingest, sqlite3 .import, DuckDB read_csv,
#      alternating, each into a fresh database file;
#   2. peak RSS of flowlens ingest at BENCH_ROWS and BENCH_ROWS/10;
#   3. store bytes per record against an equivalent sqlite3-built database;
#   4. every canned query: flowlens query against the sqlite3 CLI running the
#      same rewritten SQL (flowlens' SQL functions loaded as an extension);
#   5. the last-hour query: wall time, --stats and its query plan.
# The machine is small and shared, so absolute times are noise: everything is
# reported as ratios of runs made next to each other.
#
# Environment:
#   BENCH_ROWS    records to generate (default 10000000)
#   BENCH_REPEAT  runs of each measurement, alternating tools (default 2)
#   BENCH_QUERY_PAIRS  pairs of runs of each canned query (default 7)
#   BENCH_START   epoch of the first record (default: now - 24 h, rounded
#                 down to the hour, so that the data looks recent)
#   BENCH_KEEP=1  keep the databases in build/bench/work afterwards
#
# Writes build/bench/report.md and prints the same report on stdout; progress
# goes to stderr.  Exits 0 when everything ran, whether or not the targets
# were met (this is a report, not a test); non-zero when something failed.

# `set -- $(stats ...)` splits "best median worst" into $1 $2 $3 on purpose.
# shellcheck disable=SC2046
set -eu

# ---------------------------------------------------------------- settings

if [ $# -ne 1 ]; then
	echo "usage: sh tests/bench/run.sh path/to/flowlens" >&2
	exit 2
fi
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH=$ROOT/build/bench		# cached input, npm modules, report
WORK=$BENCH/work		# databases of this run, removed at exit
REPORT=$BENCH/report.md

ROWS=${BENCH_ROWS:-10000000}
REPEAT=${BENCH_REPEAT:-2}
SEED=7
HOURS=24
# /usr/bin/time gives peak RSS; BENCH_TIME_BIN=none forces the /proc
# polling fallback (used to test it).
TIME_BIN=${BENCH_TIME_BIN:-/usr/bin/time}

# The v2 default format, in file order: the columns every tool loads.
COLS14="version account_id interface_id srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status"

# The targets each measurement is held against (PASS / MISS).
TARGET_INGEST_RATIO=2.0		# flowlens rows/s >= 2 x sqlite3 .import
TARGET_RSS_MB=100		# flowlens ingest peak RSS
TARGET_BYTES_RATIO=1.2		# store bytes/record <= 1.2 x sqlite3
TARGET_QUERY_RATIO=1.0		# flowlens query no slower than sqlite3
TARGET_LAST_HOUR_MS=50		# last-hour query, wall time of the process

# Each canned query runs in QUERY_PAIRS pairs (flowlens and the sqlite3 CLI
# back to back, which goes first alternating); queries faster than
# QUICK_QUERY_S in their first pair get QUICK_RUNS pairs.  The verdict is on
# the pairs (see sign_test): the machine's speed drifts by 10-20 % over
# minutes, which a pair shares and best-of-N across minutes does not.
QUERY_PAIRS=${BENCH_QUERY_PAIRS:-7}
QUICK_QUERY_S=0.1
QUICK_RUNS=15

# Never touch the user's own store, whatever the environment says.
export FLOWLENS_DB=/nonexistent/flowlens-bench.db
# VACUUM and big sorts spill to SQLite temp files: keep them on the same
# disk as the databases, not in a small /tmp.
export SQLITE_TMPDIR="$WORK"

# ---------------------------------------------------------------- helpers

# Progress and errors go to fd 4, a copy of the original stderr, so that they
# are seen even while a measured command has its stderr redirected.
exec 4>&2

log() {
	printf 'bench: %s\n' "$*" >&4
}

die() {
	printf 'bench: error: %s\n' "$*" >&4
	exit 1
}

is_count() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -ge 1 ]
}

now_ns() {
	date +%s%N
}

# calc FORMAT EXPR - floating-point arithmetic, printed with FORMAT.
calc() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# verdict VALUE OP TARGET - PASS or MISS (OP is <= or >=).
verdict() {
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
		if (v == "NA") { print "n/a"; exit }
		ok = (op == "<=") ? (v + 0 <= t + 0) : (v + 0 >= t + 0)
		print ok ? "PASS" : "MISS"
	}'
}

# pair_verdict FILE NAME - the paired runs of query NAME (lines "NAME
# flowlens/sqlite3", one per pair): prints "median slower pairs p verdict".
# median is the median of the pairs' ratios; slower counts the pairs where
# flowlens took longer; p is the one-sided sign test of "flowlens is
# slower": the chance of at least that many slower pairs if neither tool
# were faster.  PASS: median <= 1.  MISS: median > 1 and p < 0.05 (slower,
# measurably).  TIE: median > 1 but p >= 0.05 - as many pairs as could fall
# either way by chance, so not measurably slower (the same plan through the
# same libsqlite3 ends here).
pair_verdict() {
	awk -v k="$2" '$1 == k { print $2 }' "$1" | sort -g | awk '
		{ v[NR] = $1; if ($1 > 1) slower++ }
		END {
			n = NR
			if (n == 0) { print "NA 0 0 NA n/a"; exit }
			m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			# P(X >= slower), X ~ Binomial(n, 1/2)
			p = 0; c = 1
			for (i = 0; i <= n; i++) {
				if (i > 0) c = c * (n - i + 1) / i
				if (i >= slower) p += c
			}
			p = p / 2 ^ n
			verdict = (m <= 1) ? "PASS" : (p < 0.05) ? "MISS" : "TIE"
			printf "%.3f %d %d %.3f %s\n", m, slower + 0, n, p, verdict
		}'
}

# file_bytes DB - size of a database with its WAL (if one was left behind).
file_bytes() {
	_n=$(stat -c %s "$1")
	if [ -f "$1-wal" ]; then
		_n=$((_n + $(stat -c %s "$1-wal")))
	fi
	if [ -f "$1.wal" ]; then	# DuckDB's name for it
		_n=$((_n + $(stat -c %s "$1.wal")))
	fi
	echo "$_n"
}

remove_db() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-journal" "$1.wal"
}

# run_polling_hwm OUT CMD... - run CMD, write "peak-RSS-kB user-s system-s"
# to OUT, as `time -f '%M %U %S'` does.  Fallback for machines without GNU
# time.  VmHWM is read every 20 ms until the process becomes a zombie (a
# zombie's status has no VmHWM line); its CPU times are still in
# /proc/PID/stat then, until it is reaped.
run_polling_hwm() {
	_out=$1
	shift
	# A background command gets /dev/null as stdin unless told otherwise;
	# the sqlite3 runs read their script from stdin.
	exec 3<&0
	"$@" <&3 &
	_pid=$!
	_hwm=0
	while :; do
		_v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$_pid/status" 2>/dev/null || true)
		[ -n "$_v" ] || break
		_hwm=$_v
		sleep 0.02
	done
	# Fields 14 and 15, utime and stime in clock ticks; the command name
	# (field 2) is cut off first in case it holds spaces.
	_cpu=$(sed 's/.*) //' "/proc/$_pid/stat" 2>/dev/null |
	    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", $12 / hz, $13 / hz }')
	_rc=0
	wait "$_pid" || _rc=$?
	exec 3<&-
	echo "$_hwm ${_cpu:-0 0}" > "$_out"
	return "$_rc"
}

# measure CMD... - run CMD (with the caller's redirections), set ELAPSED
# (seconds, wall clock), PEAK_KB (peak resident set size) and CPU_S (user +
# system seconds, all threads; 10 ms resolution).  CPU time is reported next
# to wall time because other jobs share the two cores: it is less disturbed
# by them.  A failing command fails the benchmark: a number from a broken
# run is worse than none.
measure() {
	_rss=$WORK/.peak-rss
	rm -f "$_rss"
	_t0=$(now_ns)
	if [ -x "$TIME_BIN" ]; then
		"$TIME_BIN" -f '%M %U %S' -o "$_rss" "$@" || die "failed: $*"
	else
		run_polling_hwm "$_rss" "$@" || die "failed: $*"
	fi
	_t1=$(now_ns)
	ELAPSED=$(calc %.6f "($_t1 - $_t0) / 1e9")
	set -- $(tail -n 1 "$_rss")
	PEAK_KB=$1
	CPU_S=$(calc %.2f "$2 + $3")
}

# stats FILE KEY COLUMN - "best median worst" of COLUMN over the lines of
# FILE whose first field is KEY (whitespace separated).
stats() {
	awk -v k="$2" -v c="$3" '$1 == k { print $c }' "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "NA NA NA"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print v[1], m, v[NR]
		}'
}

# ---------------------------------------------------------------- setup

check_tools() {
	[ -x "$FLOWLENS" ] || die "$FLOWLENS is not executable (run make first)"
	for _t in sqlite3 node npm cc awk; do
		command -v "$_t" > /dev/null || die "$_t is not installed"
	done
	is_count "$ROWS" || die "BENCH_ROWS must be a positive integer"
	is_count "$REPEAT" || die "BENCH_REPEAT must be a positive integer"
}

# gen_flows FILE ROWS - write FILE with `flowlens gen`, or keep it if a
# previous run wrote it with the same parameters.  The side file FILE.params
# records them, plus a checksum of a small sample of the generator's output
# (so an edited src/gen.c invalidates the cache) and the file's size (so a
# file cut short by an interrupted run is not reused).
gen_flows() {
	_file=$1
	_rows=$2
	_fp=$("$FLOWLENS" gen --rows 1000 --seed "$SEED" --start "$START" --hours "$HOURS" | cksum | cut -d' ' -f1)
	_want="rows=$_rows seed=$SEED start=$START hours=$HOURS gen=$_fp"
	if [ -f "$_file" ] && [ -f "$_file.params" ] &&
	    [ "$(cat "$_file.params")" = "$_want bytes=$(stat -c %s "$_file")" ]; then
		log "reusing $_file ($_want)"
		GEN_NOTE="reused (same parameters)"
		return
	fi
	log "generating $_file ($_want)"
	rm -f "$_file.params"
	_t0=$(now_ns)
	"$FLOWLENS" gen --rows "$_rows" --seed "$SEED" --start "$START" --hours "$HOURS" > "$_file.tmp"
	mv "$_file.tmp" "$_file"
	_t1=$(now_ns)
	echo "$_want bytes=$(stat -c %s "$_file")" > "$_file.params"
	GEN_NOTE="generated in $(calc %.1f "($_t1 - $_t0) / 1e9") s"
}

# install_duckdb - @duckdb/node-api into build/bench/node_modules, at the
# version pinned in tests/bench/package-lock.json (so results are comparable
# from run to run).  Nothing to do when it is already there.
install_duckdb() {
	. "$ROOT/tests/npm.sh"
	npm_pinned "$HERE" "$BENCH" || die "npm ci of @duckdb/node-api failed"
	DUCKDB_VERSION=$(node "$HERE/duckdb.mjs" "$BENCH" --version)
}

# build_sqlfn_ext - flowlens' SQL functions as a sqlite3 CLI extension; see
# sqlfn_ext.c for why sqlfn.c is compiled inside it.  Always rebuilt: it
# takes a second and src/sqlfn.c may have changed since the last run.
build_sqlfn_ext() {
	SQLFN_EXT=$BENCH/sqlfn_ext.so
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -fPIC -shared \
	    -I"$ROOT/src" $(pkg-config --cflags sqlite3 2>/dev/null) \
	    -o "$SQLFN_EXT" "$HERE/sqlfn_ext.c" "$ROOT/src/util.c" "$ROOT/src/timeconv.c" ||
	    die "cannot build the sqlfn extension"
	sqlite3 :memory: -cmd ".load $SQLFN_EXT" "SELECT protocol_name(6)" |
	    grep -qx TCP || die "the sqlfn extension does not load"
}

# probe_schema - ingest one line into a scratch store to read flowlens'
# flow_logs schema: the full CREATE TABLE (for the size comparison) and the
# types of the 14 default-format columns (for the sqlite3 and staging
# tables), so the comparison follows the schema if it changes.
probe_schema() {
	_db=$WORK/probe.db
	head -n 1 "$FLOWS" > "$WORK/probe.log"
	"$FLOWLENS" ingest --db "$_db" --quiet --no-progress --no-archive "$WORK/probe.log"
	FULL_DDL=$(sqlite3 "$_db" "SELECT sql FROM sqlite_schema WHERE name = 'flow_logs'")
	_names=$(sqlite3 "$_db" "SELECT group_concat(name, ' ') FROM
	    (SELECT name FROM pragma_table_info('flow_logs') WHERE cid < 14 ORDER BY cid)")
	[ "$_names" = "$COLS14" ] ||
	    die "flow_logs no longer starts with the 14 default columns: $_names"
	DDL14=$(sqlite3 "$_db" "SELECT group_concat('\"' || name || '\" ' || type, ', ') FROM
	    (SELECT name, type FROM pragma_table_info('flow_logs') WHERE cid < 14 ORDER BY cid)")
	QCOLS14=$(sqlite3 "$_db" "SELECT group_concat('\"' || name || '\"', ', ') FROM
	    (SELECT name FROM pragma_table_info('flow_logs') WHERE cid < 14 ORDER BY cid)")
	# '-' means "no value": NULL, as flowlens stores it.
	NULLIF14=$(sqlite3 "$_db" "SELECT group_concat('NULLIF(\"' || name || '\", ''-'')', ', ') FROM
	    (SELECT name FROM pragma_table_info('flow_logs') WHERE cid < 14 ORDER BY cid)")
	PAGE_SIZE=$(sqlite3 "$_db" "PRAGMA page_size")
	NCOLS=$(sqlite3 "$_db" "SELECT count(*) FROM pragma_table_info('flow_logs')")
	remove_db "$_db"
}

# ---------------------------------------------------------------- 1. ingest
# The store path alone (--no-archive), like for like with the sqlite3 CLI;
# the archive's cost is measured by tests/bench/archive.sh.

ingest_flowlens() {
	remove_db "$1"
	measure "$FLOWLENS" ingest --db "$1" --no-progress --quiet --no-archive "$FLOWS"
	INGESTED=$(sqlite3 -readonly "$1" "SELECT count(*) FROM flow_logs")
}

# The sqlite3 CLI's fastest plain path: one .import (one transaction) into a
# table with the same 14 columns and types, the same index on start, WAL,
# and Debian's default synchronous=FULL, as flowlens' store has.
write_sqlite3_import_script() {
	cat > "$WORK/sqlite3-import.sql" <<EOF
PRAGMA journal_mode = WAL;
CREATE TABLE t($DDL14);
CREATE INDEX t_start ON t(start);
.mode list
.separator " "
.import "$FLOWS" t
EOF
}

ingest_sqlite3() {
	remove_db "$1"
	measure sqlite3 -bail "$1" < "$WORK/sqlite3-import.sql" > /dev/null
	INGESTED=$(sqlite3 -readonly "$1" "SELECT count(*) FROM t")
}

ingest_duckdb() {
	remove_db "$1"
	measure node "$HERE/duckdb.mjs" "$BENCH" ingest "$1" "$FLOWS" > "$WORK/duckdb.json"
	INGESTED=$(sed -n 's/.*"rows":\([0-9]*\).*/\1/p' "$WORK/duckdb.json")
	DUCKDB_INNER=$(sed -n 's/.*"seconds":\([0-9.e+-]*\).*/\1/p' "$WORK/duckdb.json")
	echo "duckdb $DUCKDB_INNER" >> "$WORK/duckdb-inner.tsv"
}

# Alternate the tools so that a slow spell of the shared machine hits all of
# them alike; each run gets a fresh database.  The last flowlens store is
# kept for the query benchmarks.
bench_ingest() {
	: > "$WORK/ingest.tsv"
	: > "$WORK/duckdb-inner.tsv"
	_i=1
	while [ "$_i" -le "$REPEAT" ]; do
		for _tool in flowlens sqlite3 duckdb; do
			_db=$WORK/ingest-$_tool.db
			[ "$_tool" = flowlens ] && _db=$STORE
			log "ingest run $_i/$REPEAT: $_tool"
			"ingest_$_tool" "$_db"
			[ "$INGESTED" = "$ROWS" ] ||
			    die "$_tool stored $INGESTED records instead of $ROWS"
			_bytes=$(file_bytes "$_db")
			echo "$_tool $_i $ELAPSED $PEAK_KB $_bytes $CPU_S" >> "$WORK/ingest.tsv"
			log "  $(calc %.2f "$ELAPSED") s ($CPU_S s CPU), peak RSS $((PEAK_KB / 1024)) MB, $((_bytes / 1048576)) MB"
			[ "$_tool" = flowlens ] || remove_db "$_db"
		done
		_i=$((_i + 1))
	done
}

# ---------------------------------------------------------------- 2. memory

bench_rss_small() {
	_db=$WORK/small.db
	log "ingest of $SMALL_ROWS records for peak RSS"
	remove_db "$_db"
	measure "$FLOWLENS" ingest --db "$_db" --no-progress --quiet --no-archive "$FLOWS_SMALL"
	RSS_SMALL_KB=$PEAK_KB
	RSS_SMALL_S=$ELAPSED
	remove_db "$_db"
}

# ---------------------------------------------------------------- 3. size

# The sqlite3 CLI's version of the same store: flowlens' own CREATE TABLE
# (every column), the same index on start, '-' turned into NULL as flowlens
# does, then VACUUM so that the comparison database is as compact as the
# CLI can make it.
bench_size() {
	_db=$WORK/compare.db
	remove_db "$_db"
	cat > "$WORK/compare.sql" <<EOF
PRAGMA page_size = $PAGE_SIZE;
$FULL_DDL;
CREATE INDEX flow_logs_start ON flow_logs(start);
CREATE TABLE staging($DDL14);
.mode list
.separator " "
.import "$FLOWS" staging
INSERT INTO flow_logs($QCOLS14) SELECT $NULLIF14 FROM staging;
DROP TABLE staging;
VACUUM;
EOF
	log "building the sqlite3 comparison database (import, copy, VACUUM)"
	measure sqlite3 -bail "$_db" < "$WORK/compare.sql" > /dev/null
	COMPARE_S=$ELAPSED
	COMPARE_BYTES=$(file_bytes "$_db")
	STORE_BYTES=$(file_bytes "$STORE")
	_n=$(sqlite3 -readonly "$_db" "SELECT count(*) FROM flow_logs")
	[ "$_n" = "$ROWS" ] || die "comparison database has $_n records, not $ROWS"
	# Where the bytes are, per table and index (dbstat reads every page).
	_q="SELECT name, sum(pgsize) FROM dbstat GROUP BY name"
	sqlite3 -readonly -separator ' ' "$STORE" "$_q" > "$WORK/dbstat-flowlens.txt"
	sqlite3 -readonly -separator ' ' "$_db" "$_q" > "$WORK/dbstat-sqlite3.txt"
	remove_db "$_db"
}

# ---------------------------------------------------------------- 4. queries

# run_query_flowlens NAME / run_query_sqlite3 NAME - one timed run each; the
# output goes to a file (not /dev/null) so its row count can be checked.
run_query_flowlens() {
	measure "$FLOWLENS" query --db "$STORE" --canned "$1" --output csv \
	    < /dev/null > "$WORK/out-flowlens.csv"
	# flowlens prints a header line in CSV.
	QROWS=$(($(wc -l < "$WORK/out-flowlens.csv") - 1))
	[ "$QROWS" -ge 0 ] || QROWS=0
}

run_query_sqlite3() {
	measure sqlite3 -readonly -bail -csv -cmd ".load $SQLFN_EXT" "$STORE" \
	    < "$WORK/sql/$1.sql" > "$WORK/out-sqlite3.csv"
	QROWS=$(wc -l < "$WORK/out-sqlite3.csv")
}

bench_queries() {
	mkdir -p "$WORK/sql"
	"$FLOWLENS" canned | awk '{ print $1 }' > "$WORK/canned.txt"
	[ -s "$WORK/canned.txt" ] || die "flowlens canned listed no queries"
	: > "$WORK/queries.tsv"
	: > "$WORK/query-rows.tsv"
	: > "$WORK/query-runs.tsv"
	: > "$WORK/query-pairs.tsv"
	while read -r _name; do
		# (stdin is the list being read: keep every command off it)
		"$FLOWLENS" query --canned "$_name" --show-sql < /dev/null > "$WORK/sql/$_name.sql"
		_runs=$QUERY_PAIRS
		[ "$_runs" -ge "$REPEAT" ] || _runs=$REPEAT
		_i=1
		while [ "$_i" -le "$_runs" ]; do
			_fast=1
			# Odd pairs start with flowlens, even ones with sqlite3:
			# neither always runs on the page cache the other warmed.
			_order="flowlens sqlite3"
			[ $((_i % 2)) -eq 1 ] || _order="sqlite3 flowlens"
			for _tool in $_order; do
				"run_query_$_tool" "$_name"
				echo "$_name.$_tool $ELAPSED $CPU_S" >> "$WORK/queries.tsv"
				eval "_t_$_tool=\$ELAPSED"
				[ "$_i" -gt 1 ] || echo "$_name.$_tool $QROWS" >> "$WORK/query-rows.tsv"
				_fast=$(awk -v e="$ELAPSED" -v f="$_fast" -v t="$QUICK_QUERY_S" 'BEGIN { print (f && e < t) ? 1 : 0 }')
			done
			echo "$_name $(calc %.6f "$_t_flowlens / $_t_sqlite3")" >> "$WORK/query-pairs.tsv"
			# A query of a few ms is mostly process start-up and
			# scheduler noise: more pairs cost under a second.
			if [ "$_i" -eq 1 ] && [ "$_fast" = 1 ] && [ "$_runs" -lt "$QUICK_RUNS" ]; then
				_runs=$QUICK_RUNS
			fi
			_i=$((_i + 1))
		done
		echo "$_name $_runs" >> "$WORK/query-runs.tsv"
		log "query $_name: flowlens $(calc %.1f "$(stats "$WORK/queries.tsv" "$_name.flowlens" 2 | cut -d' ' -f1) * 1000") ms, sqlite3 $(calc %.1f "$(stats "$WORK/queries.tsv" "$_name.sqlite3" 2 | cut -d' ' -f1) * 1000") ms"
	done < "$WORK/canned.txt"
}

# ---------------------------------------------------------------- 5. last hour

bench_last_hour() {
	: > "$WORK/last-hour.tsv"
	LAST_HOUR_RUNS=$REPEAT
	_i=1
	while [ "$_i" -le "$LAST_HOUR_RUNS" ]; do
		measure "$FLOWLENS" query --db "$STORE" --canned rejected-last-hour \
		    --output csv --stats < /dev/null > /dev/null 2> "$WORK/last-hour.stats"
		echo "last-hour $ELAPSED $(grep -v '^$' "$WORK/last-hour.stats" | tail -n 1)" >> "$WORK/last-hour.tsv"
		# As for the canned queries: more runs when it is quick.
		if [ "$_i" -eq 1 ] && [ "$LAST_HOUR_RUNS" -lt "$QUICK_RUNS" ] &&
		    [ "$(calc %d "$ELAPSED < $QUICK_QUERY_S")" = 1 ]; then
			LAST_HOUR_RUNS=$QUICK_RUNS
		fi
		_i=$((_i + 1))
	done
	# The --stats line of the fastest run.
	LAST_HOUR_STATS=$(sort -g -k2,2 "$WORK/last-hour.tsv" | head -n 1 | cut -d' ' -f3-)
	LAST_HOUR_FULLSCAN=$(printf '%s\n' "$LAST_HOUR_STATS" |
	    sed -n 's/.* \([0-9][0-9]*\) rows scanned in full scans.*/\1/p')
	[ -n "$LAST_HOUR_FULLSCAN" ] || LAST_HOUR_FULLSCAN=NA
	{ echo "EXPLAIN QUERY PLAN"; cat "$WORK/sql/rejected-last-hour.sql"; } > "$WORK/explain.sql"
	LAST_HOUR_PLAN=$(sqlite3 -readonly -bail -cmd ".load $SQLFN_EXT" "$STORE" < "$WORK/explain.sql")
	# The index the search uses, if its range is on start (after a
	# skip-scan of the protocols, with the REJECT index).
	LAST_HOUR_INDEX=$(printf '%s\n' "$LAST_HOUR_PLAN" |
	    sed -n 's/.*USING .*INDEX \([^ ]*\) (\(ANY([a-z_]*) AND \)*start.*/\1/p' |
	    head -n 1)
	LAST_HOUR_ROWS=$(sqlite3 -readonly -cmd ".load $SQLFN_EXT" "$STORE" \
	    "SELECT count(*) FROM flow_logs WHERE start >= now() - 3600")
}

# ---------------------------------------------------------------- report

mb() {
	calc %.1f "$1 / 1048576"
}

write_report() {
	_r=$WORK/report.md
	_rows_fmt=$(awk -v n="$ROWS" 'BEGIN { s = ""; while (n >= 1000) { s = sprintf(",%03d", n % 1000) s; n = int(n / 1000) } print n s }')

	# --- ingest numbers
	set -- $(stats "$WORK/ingest.tsv" flowlens 3); FL_BEST=$1 FL_MED=$2
	set -- $(stats "$WORK/ingest.tsv" sqlite3 3); SQ_BEST=$1 SQ_MED=$2
	set -- $(stats "$WORK/ingest.tsv" duckdb 3); DK_BEST=$1 DK_MED=$2
	INGEST_RATIO_SQ=$(calc %.2f "$SQ_BEST / $FL_BEST")	# rate ratio = time⁻¹
	INGEST_RATIO_SQ_MED=$(calc %.2f "$SQ_MED / $FL_MED")
	INGEST_RATIO_DK=$(calc %.2f "$DK_BEST / $FL_BEST")
	INGEST_RATIO_DK_MED=$(calc %.2f "$DK_MED / $FL_MED")
	# Same ratio in CPU seconds (best of each): less disturbed by other jobs.
	FL_CPU=$(stats "$WORK/ingest.tsv" flowlens 6 | cut -d' ' -f1)
	SQ_CPU=$(stats "$WORK/ingest.tsv" sqlite3 6 | cut -d' ' -f1)
	INGEST_CPU_RATIO_SQ=$(calc %.2f "$SQ_CPU / $FL_CPU")
	RSS_BIG_KB=$(stats "$WORK/ingest.tsv" flowlens 4 | cut -d' ' -f3)
	RSS_BIG_MB=$(calc %.1f "$RSS_BIG_KB / 1024")
	RSS_SMALL_MB=$(calc %.1f "$RSS_SMALL_KB / 1024")
	BPR_FL=$(calc %.1f "$STORE_BYTES / $ROWS")
	BPR_SQ=$(calc %.1f "$COMPARE_BYTES / $ROWS")
	BYTES_RATIO=$(calc %.2f "$STORE_BYTES / $COMPARE_BYTES")
	# Like for like: only the flow_logs table and its index on start.
	_core_fl=$(awk '$1 == "flow_logs" || $1 == "flow_logs_start" { n += $2 } END { print n + 0 }' "$WORK/dbstat-flowlens.txt")
	_core_sq=$(awk '$1 == "flow_logs" || $1 == "flow_logs_start" { n += $2 } END { print n + 0 }' "$WORK/dbstat-sqlite3.txt")
	CORE_RATIO=$(calc %.2f "$_core_fl / $_core_sq")
	LH_BEST_MS=$(calc %.1f "$(stats "$WORK/last-hour.tsv" last-hour 2 | cut -d' ' -f1) * 1000")
	LH_OK=$(awk -v ms="$LH_BEST_MS" -v t="$TARGET_LAST_HOUR_MS" -v fs="$LAST_HOUR_FULLSCAN" \
	    -v idx="${LAST_HOUR_INDEX:+1}" \
	    'BEGIN { print (ms + 0 <= t + 0 && fs == "0" && idx > 0) ? "PASS" : "MISS" }')

	# --- per-query table, and the counts for the summary
	: > "$WORK/query-table.md"
	_nq=0 _nq_pass=0 _nq_tie=0 _logsum=0
	while read -r _name; do
		set -- $(stats "$WORK/queries.tsv" "$_name.flowlens" 2); _fb=$1 _fm=$2
		set -- $(stats "$WORK/queries.tsv" "$_name.sqlite3" 2); _sb=$1 _sm=$2
		_fc=$(stats "$WORK/queries.tsv" "$_name.flowlens" 3 | cut -d' ' -f1)
		_sc=$(stats "$WORK/queries.tsv" "$_name.sqlite3" 3 | cut -d' ' -f1)
		# CPU times have 10 ms resolution: no ratio below 50 ms.
		_cr=$(awk -v f="$_fc" -v s="$_sc" 'BEGIN { if (f < 0.05 || s < 0.05) print "–"; else printf "%.2f", f / s }')
		_fr=$(awk -v k="$_name.flowlens" '$1 == k { print $2 }' "$WORK/query-rows.tsv")
		_sr=$(awk -v k="$_name.sqlite3" '$1 == k { print $2 }' "$WORK/query-rows.tsv")
		_ratio=$(calc %.2f "$_fb / $_sb")
		_spread=$(calc %.0f "100 * (($_fm - $_fb) / $_fb > ($_sm - $_sb) / $_sb ? ($_fm - $_fb) / $_fb : ($_sm - $_sb) / $_sb)")
		set -- $(pair_verdict "$WORK/query-pairs.tsv" "$_name")
		_pm=$1 _pslow=$2 _pn=$3 _pp=$4 _v=$5
		_n=$(awk -v k="$_name" '$1 == k { print $2 }' "$WORK/query-runs.tsv")
		[ "$_fr" = "$_sr" ] && _rows="$_fr" || _rows="$_fr vs $_sr (differ!)"
		echo "| \`$_name\` | $_rows | $_n | $(calc %.1f "$_fb * 1000") | $(calc %.1f "$_sb * 1000") | $_ratio | ±$_spread % | **$_pm** | $_pslow of $_pn | $_pp | $(calc %.0f "$_fc * 1000") / $(calc %.0f "$_sc * 1000") = $_cr | $_v |" >> "$WORK/query-table.md"
		_nq=$((_nq + 1))
		case $_v in
		PASS) _nq_pass=$((_nq_pass + 1)) ;;
		TIE) _nq_tie=$((_nq_tie + 1)) ;;
		esac
		_logsum=$(calc %.6f "$_logsum + log($_fb / $_sb)")
	done < "$WORK/canned.txt"
	QUERY_GEOMEAN=$(calc %.2f "exp($_logsum / $_nq)")
	QUERY_ALL=$([ $((_nq_pass + _nq_tie)) -eq "$_nq" ] && echo PASS || echo MISS)

	{
	echo "# flowlens benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $_rows_fmt records (\`BENCH_ROWS=$ROWS\`), best of $REPEAT alternating runs (\`BENCH_REPEAT=$REPEAT\`)."
	echo "Absolute times on this shared 2-core machine are noise; compare the ratios of runs made side by side."
	echo
	echo "## Summary"
	echo
	echo "| target | measured | goal | result |"
	echo "|---|---|---|---|"
	echo "| ingest rate, flowlens / sqlite3 \`.import\` | $INGEST_RATIO_SQ× (median $INGEST_RATIO_SQ_MED×; in CPU time $INGEST_CPU_RATIO_SQ×) | ≥ $TARGET_INGEST_RATIO× | $(verdict "$INGEST_RATIO_SQ" ">=" "$TARGET_INGEST_RATIO") |"
	echo "| ingest rate, flowlens / DuckDB | $INGEST_RATIO_DK× (median $INGEST_RATIO_DK_MED×) | (no target) | – |"
	echo "| peak RSS of \`flowlens ingest\`, $ROWS / $SMALL_ROWS records | $RSS_BIG_MB MB / $RSS_SMALL_MB MB | ≤ $TARGET_RSS_MB MB, flat | $(verdict "$RSS_BIG_MB" "<=" "$TARGET_RSS_MB") |"
	echo "| store bytes per record, flowlens / sqlite3 | $BPR_FL / $BPR_SQ = $BYTES_RATIO (table + start index only: $CORE_RATIO) | ≤ $TARGET_BYTES_RATIO | $(verdict "$BYTES_RATIO" "<=" "$TARGET_BYTES_RATIO") |"
	echo "| canned queries, flowlens / sqlite3 (paired runs) | of $_nq: $_nq_pass faster or equal (median of paired ratios ≤ 1), $_nq_tie tied (median above 1, not measurably: sign test p ≥ 0.05), $((_nq - _nq_pass - _nq_tie)) slower; geometric mean of best times $QUERY_GEOMEAN | each no slower | $QUERY_ALL |"
	echo "| last-hour query, wall time; full-scan rows; index | $LH_BEST_MS ms; $LAST_HOUR_FULLSCAN; ${LAST_HOUR_INDEX:-no index on start} | ≤ $TARGET_LAST_HOUR_MS ms, 0, on start | $LH_OK |"
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) |"
	echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| file system of build/ | $(stat -f -c %T "$BENCH") |"
	echo "| load average, start → end | $LOAD_START → $(cut -d' ' -f1-3 /proc/loadavg) |"
	echo "| flowlens | $("$FLOWLENS" --version 2>&1 | head -n 1), a copy of $FLOWLENS_ORIG taken at the start (built $FLOWLENS_MTIME) |"
	echo "| sqlite3 CLI | $(sqlite3 --version | cut -d' ' -f1-2) |"
	echo "| DuckDB | $DUCKDB_VERSION, default threads ($(nproc)) |"
	echo "| node | $(node --version) |"
	echo "| peak RSS from | $([ -x "$TIME_BIN" ] && echo "GNU time (\`$TIME_BIN -f '%M %U %S'\`)" || echo "VmHWM polled from /proc/PID/status every 20 ms") |"
	echo
	echo "## Input"
	echo
	echo "\`flowlens gen --rows $ROWS --seed $SEED --start $START --hours $HOURS\` → \`build/bench/flows.log\`, $(mb "$(stat -c %s "$FLOWS")") MB, $GEN_NOTE."
	echo "Data window $(date -u -d "@$START" '+%Y-%m-%d %H:%M') – $(date -u -d "@$END" '+%Y-%m-%d %H:%M') UTC; \`FLOWLENS_NOW=$END\` (its end) for every query."
	echo "The small input for the memory check is the same command with \`--rows $SMALL_ROWS\` ($GEN_SMALL_NOTE)."
	echo "Both are reused while the parameters (start = now − 24 h rounded down to the hour, so: within the hour) and the generator's output stay the same."
	echo
	echo "## 1. Ingest rate"
	echo
	echo "| tool | best s | median s | rows/s (best) | rows/s (median) | flowlens speed-up (best / median) | CPU s (best) | peak RSS | database |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for _tool in flowlens sqlite3 duckdb; do
		set -- $(stats "$WORK/ingest.tsv" "$_tool" 3)
		_b=$1 _m=$2
		case $_tool in
		flowlens) _x="–" ;;
		sqlite3) _x="$INGEST_RATIO_SQ× / $INGEST_RATIO_SQ_MED×" ;;
		duckdb) _x="$INGEST_RATIO_DK× / $INGEST_RATIO_DK_MED×" ;;
		esac
		_rss=$(stats "$WORK/ingest.tsv" "$_tool" 4 | cut -d' ' -f3)
		_cpu=$(stats "$WORK/ingest.tsv" "$_tool" 6 | cut -d' ' -f1)
		_bytes=$(stats "$WORK/ingest.tsv" "$_tool" 5 | cut -d' ' -f3)
		echo "| $_tool | $(calc %.2f "$_b") | $(calc %.2f "$_m") | $(calc %.0f "$ROWS / $_b") | $(calc %.0f "$ROWS / $_m") | $_x | $_cpu | $(calc %.0f "$_rss / 1024") MB | $(mb "$_bytes") MB |"
	done
	echo
	echo "All runs (in the order they ran):"
	echo
	echo "| run | tool | seconds | CPU s | peak RSS MB |"
	echo "|---|---|---|---|---|"
	awk '{ printf "| %s | %s | %.2f | %.2f | %.0f |\n", $2, $1, $3, $6, $4 / 1024 }' "$WORK/ingest.tsv"
	echo
	echo "Commands, each into a fresh database file, timed as whole processes (start-up, open and close included):"
	echo
	echo "- flowlens: \`flowlens ingest --db X --no-progress --quiet flows.log\` — its full store: WAL, every commit fdatasynced before it counts as stored (group commit on a sync thread), index on start, 15-minute metrics, exactly-once bookkeeping; all $NCOLS columns of flow_logs."
	echo "- sqlite3: one \`.import\` (the CLI wraps it in one transaction) into \`t\` with the same 14 columns and types, \`CREATE INDEX t_start ON t(start)\`, \`PRAGMA journal_mode=WAL\`, synchronous left at the Debian default (FULL), \`.mode list\`, \`.separator \" \"\`. The CLI stores \`-\` (no value, e.g. in NODATA/SKIPDATA records) as the text '-' even in INTEGER columns, where flowlens stores NULL."
	echo "- DuckDB: \`CREATE TABLE t AS SELECT * FROM read_csv('flows.log', delim=' ', header=false, nullstr='-', columns={14 columns, BIGINT/VARCHAR})\` then \`CHECKPOINT\`, in node via @duckdb/node-api, into a fresh file database. DuckDB uses every core (flowlens and sqlite3 write from one thread). Inside the process, CREATE TABLE AS + CHECKPOINT took $(calc %.2f "$(stats "$WORK/duckdb-inner.tsv" duckdb 2 | cut -d' ' -f1)") s at best; the rest is node and DuckDB start-up."
	echo
	echo "## 2. Peak RSS of flowlens ingest"
	echo
	echo "| records | input MB | peak RSS | goal | result |"
	echo "|---|---|---|---|---|"
	echo "| $SMALL_ROWS | $(mb "$(stat -c %s "$FLOWS_SMALL")") | $RSS_SMALL_MB MB | ≤ $TARGET_RSS_MB MB | $(verdict "$RSS_SMALL_MB" "<=" "$TARGET_RSS_MB") |"
	echo "| $ROWS | $(mb "$(stat -c %s "$FLOWS")") | $RSS_BIG_MB MB (highest of $REPEAT runs) | ≤ $TARGET_RSS_MB MB | $(verdict "$RSS_BIG_MB" "<=" "$TARGET_RSS_MB") |"
	echo
	echo "(The small ingest took $(calc %.2f "$RSS_SMALL_S") s.) Growth for 10× the input: $(calc %.2f "$RSS_BIG_KB / $RSS_SMALL_KB")× ($(calc %+.1f "($RSS_BIG_KB - $RSS_SMALL_KB) / 1024") MB)."
	echo
	echo "## 3. Store bytes per record"
	echo
	echo "| database | bytes | bytes/record | ratio |"
	echo "|---|---|---|---|"
	echo "| flowlens store (after ingest, WAL included if left) | $STORE_BYTES | $BPR_FL | $BYTES_RATIO ($(verdict "$BYTES_RATIO" "<=" "$TARGET_BYTES_RATIO") ≤ $TARGET_BYTES_RATIO) |"
	echo "| sqlite3 CLI, same flow_logs table + index on start, VACUUMed | $COMPARE_BYTES | $BPR_SQ | 1 |"
	echo "| only table flow_logs + index flow_logs_start, flowlens / sqlite3 (from dbstat) | $_core_fl / $_core_sq | $(calc %.1f "$_core_fl / $ROWS") / $(calc %.1f "$_core_sq / $ROWS") | $CORE_RATIO (like for like) |"
	echo
	echo "The comparison database: flowlens' own \`CREATE TABLE flow_logs\` (all columns, page size $PAGE_SIZE), \`CREATE INDEX flow_logs_start ON flow_logs(start)\`, \`.import\` into a 14-column staging table, \`INSERT INTO flow_logs(14 columns) SELECT NULLIF(col, '-') ...\` (so that \`-\` is NULL, as in flowlens), \`DROP TABLE staging\`, \`VACUUM\` ($(calc %.0f "$COMPARE_S") s to build). The flowlens store also holds its metrics and bookkeeping tables. Where the bytes are (dbstat):"
	echo
	echo "| object | flowlens | sqlite3 |"
	echo "|---|---|---|"
	sort -k2,2nr "$WORK/dbstat-flowlens.txt" | while read -r _obj _b; do
		_o=$(awk -v k="$_obj" '$1 == k { print $2 }' "$WORK/dbstat-sqlite3.txt")
		echo "| $_obj | $(mb "$_b") MB | $([ -n "$_o" ] && echo "$(mb "$_o") MB" || echo –) |"
	done
	echo
	echo "## 4. Canned queries"
	echo
	echo "\`flowlens query --db STORE --canned NAME --output csv\` against \`sqlite3 -readonly -csv -cmd '.load build/bench/sqlfn_ext.so' STORE < NAME.sql\`, where NAME.sql is \`flowlens query --canned NAME --show-sql\`; same store file (the flowlens store from section 1), same \`FLOWLENS_NOW\`, in $QUERY_PAIRS pairs of runs back to back ($QUICK_RUNS pairs for queries under $(calc %.0f "$QUICK_QUERY_S * 1000") ms, see *pairs*), which tool goes first alternating. The extension is src/sqlfn.c compiled into a loadable module (tests/bench/sqlfn_ext.c), so both run the same SQL with the same functions. Times are whole processes."
	echo
	echo "| query | rows | pairs | flowlens best ms | sqlite3 best ms | ratio of bests | noise | median of paired ratios | pairs flowlens slower | p | CPU ms flowlens / sqlite3 | no slower |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	cat "$WORK/query-table.md"
	echo
	echo "Each pair gives a ratio, flowlens / sqlite3 wall time (below 1: flowlens faster); the verdict is on the median of these ratios. PASS: the median is at most 1. TIE: the median is above 1 but flowlens was slower in no more pairs than chance allows (one-sided sign test, p ≥ 0.05): not measurably slower, which is where a query ends up when both tools run the same plan through the same libsqlite3. MISS: slower in significantly many pairs. ratio of bests = flowlens best / sqlite3 best over all pairs; noise = the larger (median − best) / best of the two tools' runs. CPU = best user + system time of each (10 ms resolution; no ratio under 50 ms). Rows: result rows from each tool."
	echo
	echo "## 5. Last hour of the data"
	echo
	echo "\`FLOWLENS_NOW=$END flowlens query --db STORE --canned rejected-last-hour --stats\`: best of $LAST_HOUR_RUNS runs $LH_BEST_MS ms wall time (process start to exit), $LAST_HOUR_ROWS records in the last hour. Result: $LH_OK (≤ $TARGET_LAST_HOUR_MS ms, no full scan, index on start)."
	echo
	echo '```'
	echo "$LAST_HOUR_STATS"
	echo '```'
	echo
	echo "EXPLAIN QUERY PLAN of its SQL:"
	echo
	echo '```'
	echo "$LAST_HOUR_PLAN"
	echo '```'
	} > "$_r"
	mv "$_r" "$REPORT"
}

# ---------------------------------------------------------------- main

cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "keeping $WORK"
	else
		rm -rf "$WORK"
	fi
}

main() {
	check_tools
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	T_START=$(now_ns)
	mkdir -p "$BENCH"
	rm -rf "$WORK"
	mkdir -p "$WORK"
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	_now=$(date +%s)
	START=${BENCH_START:-$(((_now - HOURS * 3600) / 3600 * 3600))}
	END=$((START + HOURS * 3600))
	# Time-relative canned queries ("last hour", "past 2 weeks") must see
	# the data as recent, whenever it was generated.
	export FLOWLENS_NOW=$END
	SMALL_ROWS=$((ROWS / 10))
	[ "$SMALL_ROWS" -ge 1 ] || SMALL_ROWS=1
	FLOWS=$BENCH/flows.log
	FLOWS_SMALL=$BENCH/flows-small.log
	STORE=$WORK/store.db

	# Other people rebuild build/flowlens while this runs: measure one
	# binary throughout, a copy taken now.
	cp "$FLOWLENS" "$WORK/flowlens"
	FLOWLENS_ORIG=$FLOWLENS
	FLOWLENS_MTIME=$(stat -c %y "$FLOWLENS" | cut -c1-19)
	FLOWLENS=$WORK/flowlens

	install_duckdb
	build_sqlfn_ext
	gen_flows "$FLOWS" "$ROWS"
	GEN_MAIN_NOTE=$GEN_NOTE
	gen_flows "$FLOWS_SMALL" "$SMALL_ROWS"
	GEN_SMALL_NOTE=$GEN_NOTE
	GEN_NOTE=$GEN_MAIN_NOTE
	probe_schema
	write_sqlite3_import_script

	bench_ingest
	bench_rss_small
	bench_size
	bench_queries
	bench_last_hour

	write_report
	cat "$REPORT"
	log "report written to $REPORT ($(calc %.0f "($(now_ns) - $T_START) / 1e9") s in all)"
}

main

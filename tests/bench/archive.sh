#!/bin/sh
# archive.sh FLOWLENS - the Parquet archive's size, speed and memory, side
# by side in one run (`make bench` runs it after run.sh):
#   1. ingest with the archive (default, ZSTD) against --no-archive, on the
#      same file, each into a fresh store, alternating ARCHIVE_PAIRS times
#      (default 3): the ratio of throughputs of each pair, their median,
#      and best against best (the machine's speed drifts within minutes);
#   2. archive bytes against DuckDB's COPY ... (FORMAT parquet, COMPRESSION
#      zstd) of the same rows, as one file and as the same partitions;
#   3. the archiver's peak RSS: `flowlens archive flush` archiving the whole
#      backlog of a --no-archive store in one process (GNU time).
# Environment: BENCH_ROWS (default 10000000).  Writes
# build/bench/archive-report.md and prints it.  The machine is small and
# shared: only ratios of runs made next to each other mean anything.
set -eu
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROWS=${BENCH_ROWS:-10000000}
OUT=$ROOT/build/bench/archive
MODS=$ROOT/build/archive-check
mkdir -p "$OUT"
log() { echo "archive bench: $*" >&2; }

. "$ROOT/tests/npm.sh"
npm_pinned "$ROOT/tests/archive" "$MODS" || exit 1
FLOWS=$OUT/flows-$ROWS.log
if [ ! -s "$FLOWS" ]; then
	log "generating $ROWS records"
	"$FLOWLENS" gen --rows "$ROWS" --seed 1 --hours 24 > "$FLOWS.tmp"
	mv "$FLOWS.tmp" "$FLOWS"
fi
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
run_ingest() {	# run_ingest NAME OPTIONS... -> seconds on stdout
	rm -rf "$OUT/$1.db" "$OUT/$1.db-wal" "$OUT/$1.db-shm" "$OUT/$1.db.archive"
	_t0=$(date +%s%N)
	_name=$1
	shift
	"$FLOWLENS" ingest -q --no-progress --db "$OUT/$_name.db" "$@" "$FLOWS"
	secs "$_t0" "$(date +%s%N)"
}
PAIRS=${ARCHIVE_PAIRS:-3}
offs=
ons=
ratios=
i=0
while [ "$i" -lt "$PAIRS" ]; do
	i=$((i + 1))
	log "pair $i/$PAIRS: ingest without the archive"
	t=$(run_ingest off --no-archive)
	offs="$offs $t"
	log "pair $i/$PAIRS: ingest with the archive"
	u=$(run_ingest on)
	ons="$ons $u"
	ratios="$ratios $(awk -v a="$t" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
least() { echo "$@" | tr ' ' '\n' | grep . | sort -n | head -n 1; }
t_best_off=$(least $offs)
t_on=$(least $ons)
arch_bytes=$(find "$OUT/on.db.archive" -name '*.parquet' -printf '%s\n' | awk '{ s += $1 } END { print s }')
arch_files=$(find "$OUT/on.db.archive" -name '*.parquet' | wc -l)
log "DuckDB COPY of the same rows"
rm -rf "$OUT/duckdb-single.parquet" "$OUT/duckdb-partitioned"
duck=$(node "$HERE/archive.mjs" "$MODS" "$OUT/on.db.archive" "$OUT")
d_single=$(echo "$duck" | sed 's/.*"single":\([0-9]*\).*/\1/')
d_parts=$(echo "$duck" | sed 's/.*"partitioned":\([0-9]*\).*/\1/')
log "archiver peak memory (archive flush of the whole store)"
rm -rf "$OUT/off.db.archive"
rss=$( { /usr/bin/time -f '%M %e' "$FLOWLENS" archive --db "$OUT/off.db" flush > /dev/null; } 2>&1 | tail -n 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
	echo "## Archive benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $ROWS records (\`flowlens gen --rows $ROWS --seed 1 --hours 24\`, default v2 format), one run; the machine (2 cores) was shared with other jobs."
	echo
	echo "| measure | value | target |"
	echo "|---|---|---|"
	echo "| ingest, archive off, $PAIRS runs | best $t_best_off s (${offs# }) | |"
	echo "| ingest, archive on (ZSTD), $PAIRS runs | best $t_on s (${ons# }) | |"
	echo "| throughput with archive / without, per pair (off, then on) | ${ratios# } | |"
	echo "| throughput with archive / without, median of the pairs | $(median $ratios)× | ≥ 0.85× |"
	echo "| throughput with archive / without, best against best | $(ratio "$t_best_off" "$t_on")× | |"
	echo "| archive: $arch_files files | $arch_bytes bytes | |"
	echo "| DuckDB COPY, one file, ZSTD | $d_single bytes | |"
	echo "| DuckDB COPY, same partitions, ZSTD | $d_parts bytes | |"
	echo "| archive / DuckDB (one file) | $(ratio "$arch_bytes" "$d_single")× | ≤ 1.0× |"
	echo "| archive / DuckDB (same partitions) | $(ratio "$arch_bytes" "$d_parts")× | ≤ 1.0× |"
	echo "| archiver peak RSS (archive flush of $ROWS rows) | ${rss%% *} KB in ${rss#* } s | bounded |"
} > "$OUT/../archive-report.md"
cat "$OUT/../archive-report.md"

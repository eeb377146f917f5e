#!/bin/sh
# instructions.sh FLOWLENS - the canned queries in flowlens and in the
# sqlite3 CLI, compared by instructions executed (valgrind callgrind), not by
# time: the count is the same for the same binary and input whatever else
# the machine is doing, so it settles "no slower" where wall time on a
# shared machine cannot.  Store: ROWS records (default 100000) from
# `flowlens gen`.  Prints a Markdown table; appends it to build/bench/report.md
# when that exists.
set -eu
FLOWLENS=$1
ROWS=${ROWS:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXT=$ROOT/build/bench/sqlfn_ext.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 1; }
[ -f "$EXT" ] || { echo "instructions.sh: run tests/bench/run.sh first (it builds $EXT)" >&2; exit 1; }

"$FLOWLENS" gen --rows "$ROWS" --seed 7 --start 1700000000 --hours 24 > "$work/flows.log"
"$FLOWLENS" ingest -q --no-progress --db "$work/store.db" "$work/flows.log"
export FLOWLENS_NOW=1700086400

irefs() {	# irefs COMMAND... (stdin passed through) -> instruction count
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
	    sed -n 's/.*I *refs: *//p' | tr -d ','
}

out=$work/table.md
{
	echo
	echo "## Canned queries by instructions executed (callgrind, $ROWS records)"
	echo
	echo "| query | flowlens instructions | sqlite3 instructions | ratio |"
	echo "|---|---|---|---|"
} > "$out"
worst=0
for q in $("$FLOWLENS" canned | cut -d' ' -f1); do
	"$FLOWLENS" query --canned "$q" --show-sql < /dev/null > "$work/q.sql"
	f=$(irefs "$FLOWLENS" query --db "$work/store.db" --canned "$q" --output csv)
	s=$(irefs sqlite3 -readonly -csv -cmd ".load $EXT" "$work/store.db" < "$work/q.sql")
	ratio=$(awk -v f="$f" -v s="$s" 'BEGIN { printf "%.3f", f / s }')
	echo "| \`$q\` | $f | $s | $ratio |" >> "$out"
	worst=$(awk -v a="$worst" -v b="$ratio" 'BEGIN { print (b > a) ? b : a }')
done
echo >> "$out"
echo "Highest ratio: $worst (whole processes, start-up included; below 1.0 flowlens executes fewer instructions)." >> "$out"
cat "$out"
[ -f "$ROOT/build/bench/report.md" ] && cat "$out" >> "$ROOT/build/bench/report.md"
exit 0

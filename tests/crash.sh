#!/bin/sh
# crash.sh FLOWLENS - durability: kill -9 a real ingest of a large file at
# random moments, run the same command again each time, and prove that every
# record is stored exactly once (same multiset of rows as a clean ingest,
# metrics equal to the rows, checkpoint counters equal to the rows).
# Done for a plain file and for a gzip file (resumed by decompress-and-skip).
# The store alone (--no-archive): the archive's own kill -9 test is
# tests/archive/crash.sh.
# ROWS and KILLS can be set in the environment.  Needs the sqlite3 CLI.
set -u
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROWS=${ROWS:-1000000}
KILLS=${KILLS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
passed=0
failed=0

random_ms() {	# a random delay in [min, max) milliseconds
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(( $1 + r % ($2 - $1) ))
}

sleep_ms() {
	sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')"
}

check() {	# check NAME CONDITION-OUTPUT EXPECTED
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok   crash: $1"
	else
		failed=$((failed + 1))
		echo "FAIL crash: $1: got '$2', want '$3'"
	fi
}

# Columns to compare: everything but origin (ingest_state ids differ).
cols="version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, \"end\", action, log_status"

crash_and_resume() {	# crash_and_resume NAME FILE
	name=$1
	file=$2
	db="$work/$name.db"
	ref="$work/$name-ref.db"
	t0=$(date +%s%N)
	"$FLOWLENS" ingest --db "$ref" -q --no-progress --no-archive "$file"
	clean_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	# Kill between 1/6 and 2/5 of a clean ingest's time after each start:
	# late enough that transactions commit in between (the writer commits
	# every 200 000 records), early enough that the first runs are always
	# killed while work remains, however fast the machine is today.
	lo=$(( clean_ms / 6 ))
	hi=$(( clean_ms * 2 / 5 ))
	[ "$hi" -gt "$lo" ] || hi=$(( lo + 1 ))
	kills=0
	i=0
	while [ "$i" -lt "$KILLS" ]; do
		i=$((i + 1))
		"$FLOWLENS" ingest --db "$db" -q --no-progress --no-archive "$file" &
		pid=$!
		delay=$(random_ms "$lo" "$hi")
		sleep_ms "$delay"
		if kill -9 "$pid" 2>/dev/null; then
			kills=$((kills + 1))
			stored=$(sqlite3 "$db" "SELECT count(*) FROM flow_logs" 2>/dev/null || echo '?')
			echo "     $name: kill -9 after ${delay} ms ($stored records committed)"
		else
			echo "     $name: run $i finished before the kill at ${delay} ms"
		fi
		wait "$pid" 2>/dev/null
	done
	"$FLOWLENS" ingest --db "$db" -q --no-progress --no-archive "$file"
	check "$name: process killed mid-ingest at least twice" \
	    "$([ "$kills" -ge 2 ] && echo yes || echo "only $kills")" yes
	check "$name: record count after $kills kills" \
	    "$(sqlite3 "$db" "SELECT count(*) FROM flow_logs")" \
	    "$(sqlite3 "$ref" "SELECT count(*) FROM flow_logs")"
	# Multiset equality: both stores' rows, sorted, are the same lines
	# (duplicates included).  sort(1) does in seconds what GROUP BY and
	# EXCEPT in SQLite took most of a minute for.
	sqlite3 -csv "$db" "SELECT $cols FROM flow_logs" | LC_ALL=C sort > "$work/rows"
	sqlite3 -csv "$ref" "SELECT $cols FROM flow_logs" | LC_ALL=C sort > "$work/ref-rows"
	check "$name: same rows, same number of times, as a clean ingest" \
	    "$(cmp -s "$work/rows" "$work/ref-rows" && wc -l < "$work/rows")" \
	    "$(wc -l < "$work/ref-rows")"
	rm -f "$work/rows" "$work/ref-rows"
	check "$name: flow_metrics equal to the clean ingest's" \
	    "$(sqlite3 "$db" "ATTACH '$ref' AS ref;
	        SELECT count(*) FROM (SELECT * FROM main.flow_metrics EXCEPT SELECT * FROM ref.flow_metrics)")" 0
	check "$name: checkpoint counts every record once" \
	    "$(sqlite3 "$db" "SELECT sum(records) FROM ingest_state")" \
	    "$(sqlite3 "$db" "SELECT count(*) FROM flow_logs")"
	check "$name: store integrity" "$(sqlite3 "$db" "PRAGMA integrity_check")" ok
}

"$FLOWLENS" gen --rows "$ROWS" --seed 9 > "$work/big.log"
crash_and_resume plain "$work/big.log"
"$FLOWLENS" gen --rows "$((ROWS / 2))" --seed 10 --custom --header | gzip -1 > "$work/big.log.gz"
crash_and_resume gzip "$work/big.log.gz"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

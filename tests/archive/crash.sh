#!/bin/sh
# crash.sh FLOWLENS - the archive under kill -9: an ingest of live traffic
# with the archive on (committing and sealing every second, so that kills
# land before, during and after commits and seals) is killed at random
# moments KILLS times, then a file is ingested to the end; then the archive
# must hold every committed record exactly once
# (DuckDB and hyparquet multiset comparison with the store, via check.mjs),
# with no temporary, empty or unrecorded file left.
# ROWS and KILLS can be set in the environment.  Needs sqlite3 and node
# with build/archive-check installed (tests/archive/run.sh does that).
set -u
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
MODS=$(cd "$HERE/../.." && pwd)/build/archive-check
ROWS=${ROWS:-20000}
KILLS=${KILLS:-6}
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   archive crash: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL archive crash: $1"; }

random_ms() {	# a random delay in [min, max) milliseconds
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(( $1 + r % ($2 - $1) ))
}

cd "$work" || exit 1
# Live traffic (demo:, read anew by every run) committed every second and
# sealed every second: kills land before, inside and after commits and
# seals.  Then a file ingest runs to its end.
opts="-q --no-progress --archive-max-age 1s"
kills=0
i=0
while [ "$i" -lt "$KILLS" ]; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$FLOWLENS" ingest --db s.db $opts "demo:rate=8000,duration=6,seed=$i" &
	pid=$!
	delay=$(random_ms 300 5000)
	sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
		echo "     kill -9 after $delay ms: $(sqlite3 s.db "SELECT count(*) FROM flow_logs" 2>/dev/null) committed, $(sqlite3 s.db "SELECT archived_through FROM archive_state" 2>/dev/null) archived through, $(find s.db.archive -name '.tmp-*' 2>/dev/null | wc -l) temp files"
	fi
	wait "$pid" 2>/dev/null
	pid=
done
"$FLOWLENS" gen --rows "$ROWS" --custom --header --seed 11 --hours 4 > in.log
# shellcheck disable=SC2086
"$FLOWLENS" ingest --db s.db $opts in.log
[ "$kills" -ge 2 ] && ok "killed mid-ingest $kills times" || fail "killed mid-ingest only $kills times"

n=$(sqlite3 s.db "SELECT count(*) FROM flow_logs")
temps=$(find s.db.archive -name '.*' | wc -l)
[ "$temps" -eq 0 ] && ok "no temporary or hidden file left" || fail "$temps temporary files left"
empty=$(find s.db.archive -name '*.parquet' -size -12c | wc -l)
[ "$empty" -eq 0 ] && ok "no empty or truncated file" || fail "$empty empty files"
files=$(find s.db.archive -name '*.parquet' | wc -l)
recorded=$(sqlite3 s.db "SELECT count(*) FROM archive_files")
[ "$files" = "$recorded" ] && ok "every file is recorded in archive_files ($files files)" ||
    fail "$files files on disk, $recorded recorded"
missing=0
for p in $(sqlite3 s.db "SELECT path FROM archive_files"); do
	[ -f "$p" ] || missing=$((missing + 1))
done
[ "$missing" -eq 0 ] && ok "every recorded file exists" || fail "$missing recorded files missing"
[ "$(sqlite3 s.db "SELECT sum(rows) FROM archive_files")" = "$n" ] &&
    ok "recorded rows = store rows" || fail "recorded rows differ from the store"

cols=$(sqlite3 s.db "SELECT group_concat('\"' || name || '\"', ',') FROM pragma_table_info('flow_logs') WHERE name <> 'origin'")
sqlite3 -json s.db "SELECT $cols FROM flow_logs" > store.json
node "$MODS/check.mjs" archive "$work/s.db.archive" "$work/store.json" > check.out 2>&1
grep -E '^FAIL' check.out
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' check.out | tail -n 1)
case "$line" in
*" 0 failed") ok "DuckDB and hyparquet: archive = store as multisets, statistics exact (${line%% passed*} checks)" ;;
*) fail "read-back: ${line:-no result}"; tail -n 5 check.out ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

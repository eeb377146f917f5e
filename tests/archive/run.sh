#!/bin/sh
# run.sh FLOWLENS - the Parquet archive suite: files written by the writer
# (tests/archive/pqgen.c) and archives written by `flowlens ingest` are read
# back by DuckDB and hyparquet (tests/archive/check.mjs) and compared with
# what they must hold.  Prints ok/FAIL lines and "N passed, N failed".
set -u
if [ $# -ne 1 ]; then
	echo "usage: sh tests/archive/run.sh path/to/flowlens" >&2
	exit 2
fi
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODS=$ROOT/build/archive-check
BUILD=$(dirname "$FLOWLENS")
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }

# Add a check.mjs run's counts to ours and show its lines.
tally() {	# tally OUTPUT-FILE
	grep -E '^(ok  |FAIL)' "$1"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		fail "check.mjs gave no result line"
		tail -n 20 "$1"
		return
	fi
	passed=$((passed + ${line%% passed*}))
	f=${line#*passed, }
	failed=$((failed + ${f%% failed*}))
}

# The pinned readers, installed once into build/archive-check.
. "$ROOT/tests/npm.sh"
npm_pinned "$HERE" "$MODS" ||
    { fail "npm ci of the readers"; echo "$passed passed, $failed failed"; exit 1; }
cp "$HERE/check.mjs" "$MODS/check.mjs"
check() { node "$MODS/check.mjs" "$@" > "$work/out" 2>&1; tally "$work/out"; }

# 1. The writer alone: the test vector and edge cases, every codec.
if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$ROOT/src" -O1 \
    -o "$work/pqgen" "$HERE/pqgen.c" "$BUILD/libflowlens.a" \
    $(pkg-config --libs sqlite3 jansson zlib libzstd) -lsnappy -pthread; then
	ok "pqgen builds"
	mkdir "$work/vec" && "$work/pqgen" "$work/vec" && check vector "$work/vec"
else
	fail "pqgen builds"
fi

# 2. Archives written by flowlens, compared with their stores.
# export_store DB OUT: the store's flow_logs rows (all archived columns).
export_store() {
	_cols=$(sqlite3 "$1" "SELECT group_concat('\"' || name || '\"', ',') \
	    FROM pragma_table_info('flow_logs') WHERE name <> 'origin'")
	sqlite3 -json "$1" "SELECT $_cols FROM flow_logs" > "$2"
	[ -s "$2" ] || echo '[]' > "$2"
}
# check_store NAME DB [ARCHIVE]: the archive (default DB.archive) = store.
check_store() {
	export_store "$2" "$work/$1.json"
	check archive "${3:-$2.archive}" "$work/$1.json"
}
F=$FLOWLENS
D=$ROOT/tests/golden/data
cd "$work" || exit 1
"$F" gen --rows 20000 --custom --header --seed 7 --hours 6 > custom.log
"$F" gen --rows 8000 --seed 8 --hours 2 > v2.log
# Every fixture: envelopes, gzip, bad lines, UTF-8 and unknown fields in extra.
for f in "$D"/*; do
	"$F" ingest -q --db fx.db "$f" > /dev/null 2>&1
done
check_store fixtures fx.db

# Default location next to --db; zstd; a second run adds no file.
"$F" ingest -q --db a.db custom.log v2.log
n1=$(sqlite3 a.db "SELECT count(*) FROM archive_files")
"$F" ingest -q --db a.db custom.log v2.log
n2=$(sqlite3 a.db "SELECT count(*) FROM archive_files")
[ "$n1" = "$n2" ] && [ "$n1" -gt 0 ] && ok "re-ingest of unchanged files seals no file ($n1 files)" ||
    fail "re-ingest of unchanged files seals no file ($n1 then $n2)"
check_store zstd a.db
# The archiver reads only the columns rows use (meta.columns_used): v2
# records, then custom ones with more columns, in one run; and a store
# older than that key, whose backlog must be read with every column.
"$F" ingest -q --db grow.db v2.log custom.log
check_store columns-grow grow.db
"$F" ingest -q --no-archive --db old.db v2.log custom.log
sqlite3 old.db "DELETE FROM meta WHERE key = 'columns_used'"
"$F" archive --db old.db flush > /dev/null
check_store columns-old old.db
# Two processes ingest into one store at once: the first archives, taking
# rows from its own writer's batches, and reads the second one's rows, in
# between, back from the store; `archive flush` seals what is left.
"$F" ingest -q --db two.db "demo:rate=20000,duration=3,seed=5" &
two=$!
sleep 0.5
"$F" ingest -q --db two.db v2.log custom.log 2> two.err
wait "$two"
grep -q "another flowlens process archives" two.err &&
    ok "a second process on the store does not archive" ||
    { fail "a second process on the store does not archive"; cat two.err; }
"$F" archive --db two.db flush > /dev/null
check_store two-writers two.db
# --reread of an archived file warns that its records will be archived again.
"$F" ingest -q --db rr.db v2.log
"$F" ingest -q --db rr.db --reread v2.log 2> rr.err
grep -q "8000 of its records are already in the Parquet archive" rr.err &&
    ok "--reread of archived records says they will be archived again" ||
    { fail "--reread of archived records warns"; cat rr.err; }
# The other codecs, into a named archive directory.
for codec in gzip snappy none; do
	"$F" ingest -q --db "$codec.db" --archive "arch-$codec" \
	    --archive-codec "$codec" v2.log
	check_store "$codec" "$codec.db" "arch-$codec"
done

# --no-archive, then `archive flush` archives the backlog here.
"$F" ingest -q --no-archive --db late.db v2.log
[ ! -e late.db.archive ] && ok "--no-archive writes no archive" ||
    fail "--no-archive writes no archive"
"$F" archive --db late.db flush > flush.out 2>&1 &&
    grep -q "not archived yet: 0" flush.out &&
    ok "archive flush archives the backlog" ||
    { fail "archive flush archives the backlog"; cat flush.out; }
check_store late late.db

# --retention deletes only archived rows, and the archive keeps them all.
"$F" ingest -q --db ret.db --retention 1d custom.log
export_store ret.db "$work/ret-after.json"
left=$(sqlite3 ret.db "SELECT count(*) FROM flow_logs")
[ "$left" -eq 1 ] && ok "--retention deleted the old archived rows (kept the newest rowid)" ||
    fail "--retention deleted the old archived rows ($left left)"
"$F" ingest -q --no-archive --db ret-ref.db custom.log
check_store retention ret-ref.db ret.db.archive

# The DDL's DuckDB equivalent over the local archive.
if "$F" ddl --location s3://bucket/flows/ > ddl.sql &&
    grep -q '`protocol` int,' ddl.sql && grep -q '`end` bigint' ddl.sql &&
    grep -q "LOCATION 's3://bucket/flows/AWSLogs/'" ddl.sql &&
    grep -q "'projection.enabled' = 'true'" ddl.sql; then
	ok "ddl: Athena table with protocol int, quoted names, projection"
else
	fail "ddl: Athena table"; cat ddl.sql
fi
"$F" ddl --duckdb "$work/a.db.archive" > duck.sql
export_store a.db a.json
check ddl "$work/a.db.archive" a.json duck.sql

"$F" archive --db a.db status > status.out
grep -q "not archived yet: 0 committed rows" status.out &&
    grep -q "sealed files: *$n1 " status.out && ok "archive status" ||
    { fail "archive status"; cat status.out; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

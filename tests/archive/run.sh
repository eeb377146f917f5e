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
want=$(sed -n 's/.*"hyparquet": *"\([^"]*\)".*/\1/p' "$HERE/package.json")
have=$(node -e 'try { console.log(require(process.argv[1]).version) } catch (e) {}' \
    "$MODS/node_modules/hyparquet/package.json" 2>/dev/null)
if [ "$have" != "$want" ] || [ ! -d "$MODS/node_modules/@duckdb/node-api" ]; then
	mkdir -p "$MODS"
	cp "$HERE/package.json" "$MODS/package.json"
	npm install --prefix "$MODS" --no-audit --no-fund --loglevel=error >&2 ||
	    { fail "npm install of the readers"; echo "$passed passed, $failed failed"; exit 1; }
fi
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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

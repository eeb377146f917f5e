#!/bin/sh
# run.sh FLOWLENS - golden tests through the command line.
#
# Each tests/golden/cases/NAME.sh is run with $FLOWLENS, $DATA (the fixture
# folder) and a fresh working directory; everything it prints (stdout and
# stderr) is compared with tests/golden/expected/NAME.out.  Timings in the
# ingest summary are masked.  UPDATE=1 rewrites the expected files (review
# the diff before committing).  Prints one line per case and a final
# "N passed, N failed".
set -u
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
export FLOWLENS DATA="$here/data" FLOWLENS_NOW=1700003600
# Tests must not touch the user's store.
export FLOWLENS_DB=/nonexistent/flowlens-golden.db
passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mask() {
	sed -E -e 's/in [0-9.]+ s \([0-9]+ records\/s, [0-9.]+ MB read\)/in T s (R records\/s, B MB read)/' \
	    -e "s#$work/[^/ ]*#WORK#g" -e "s#$DATA/#DATA/#g"
}

for case in "$here"/cases/*.sh; do
	name=$(basename "$case" .sh)
	dir="$work/$name"
	mkdir -p "$dir"
	(cd "$dir" && sh "$case") > "$work/$name.raw" 2>&1
	mask < "$work/$name.raw" > "$work/$name.out"
	expected="$here/expected/$name.out"
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$work/$name.out" "$expected"
	fi
	if [ -f "$expected" ] && diff -u "$expected" "$work/$name.out" > "$work/$name.diff"; then
		passed=$((passed + 1))
		echo "ok   golden: $name"
	else
		failed=$((failed + 1))
		echo "FAIL golden: $name"
		if [ -f "$expected" ]; then head -n 60 "$work/$name.diff"; else echo "  (no expected file $expected)"; fi
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

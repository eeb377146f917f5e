#!/bin/sh
# run.sh - build the libFuzzer targets in tests/fuzz/ and run each one for a
# while from a copy of its seed corpus.
#
#   FUZZ_SECONDS  seconds per target (default 10)
#   FUZZ_JOBS     targets run at once (default: number of CPUs)
#   FUZZ_TARGETS  space-separated subset, e.g. "format query" (default: all)
#   CC            the compiler (default clang; libFuzzer needs clang)
#
# Every object is compiled here with the sanitizer and coverage flags (the
# gcc-built build/libflowlens.a is not instrumented), once, into
# build/fuzz/obj; each target is linked against those.  Corpora and crash
# files live in a temporary directory, never in the repository: it is
# removed when every target passes and kept (its path printed) when one
# fails.  Full libFuzzer output goes to build/fuzz/log/NAME.log.
#
# Prints `ok   fuzz: NAME (N runs)` or `FAIL fuzz: NAME` per target, then
# `N passed, N failed`; exits 1 if anything failed.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2

CC=${CC:-clang}
secs=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
out=build/fuzz
flags="-std=c11 -D_GNU_SOURCE -Isrc -Iui -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

# build_failed WHAT: nothing can be fuzzed; say so in the usual format.
build_failed() {
	echo "FAIL fuzz: build ($1)"
	echo "0 passed, 1 failed"
	exit 1
}

if ! pkgcflags=$(pkg-config --cflags sqlite3 jansson zlib libcurl libcrypto libmicrohttpd libzstd libdeflate) ||
    ! pkglibs=$(pkg-config --libs sqlite3 jansson zlib libcurl libcrypto libmicrohttpd libzstd libdeflate); then
	build_failed "pkg-config cannot find sqlite3, jansson, zlib, libcurl, libcrypto, libmicrohttpd, libzstd and libdeflate"
fi
pkglibs="$pkglibs -lsnappy"

if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=$FUZZ_TARGETS
else
	targets=
	for f in tests/fuzz/fuzz_*.c; do
		n=${f#tests/fuzz/fuzz_}
		targets="$targets ${n%.c}"
	done
fi

mkdir -p "$out/obj" "$out/log" || exit 2

# Objects are rebuilt when their source, any header or the flags changed.
stamp="$out/obj/flags"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$CC $flags $pkgcflags" ]; then
	rm -f "$out"/obj/*.o
	printf '%s\n' "$CC $flags $pkgcflags" > "$stamp"
fi

# canned_data.c: regenerated only when a query changed, so it is not
# recompiled on every run.
set -- data/queries/*.sql
if [ ! -f "$out/canned_data.c" ] ||
    [ -n "$(find src/embed-queries.sh "$@" -newer "$out/canned_data.c")" ]; then
	sh src/embed-queries.sh "$out/canned_data.c" "$@" ||
	    build_failed "cannot generate canned_data.c"
fi

# compile SRC OBJ: in the background, status in OBJ.rc, output in OBJ.err
compile() {
	# shellcheck disable=SC2086 # flags are word lists
	(
		$CC $flags $pkgcflags -c "$1" -o "$2.tmp" > "$2.err" 2>&1 &&
		    mv "$2.tmp" "$2"
		echo $? > "$2.rc"
	) &
}

objs=
pending=
running=0
# The UI parsers of outside input (config file, filter) have no curses code.
for src in src/*.c ui/config.c ui/filter.c "$out/canned_data.c"; do
	case $src in src/main.c) continue ;; esac
	name=$(basename "$src" .c)
	obj="$out/obj/$name.o"
	objs="$objs $obj"
	if [ -f "$obj" ] && [ -z "$(find "$src" src/*.h ui/*.h -newer "$obj")" ]; then
		continue
	fi
	rm -f "$obj.rc"
	compile "$src" "$obj"
	pending="$pending $obj"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
bad=
for obj in $pending; do
	if [ "$(cat "$obj.rc" 2>/dev/null)" != 0 ]; then
		echo "cannot compile ${obj##*/}:"
		tail -n 30 "$obj.err" | sed 's/^/    /'
		bad="$bad ${obj##*/}"
	fi
	rm -f "$obj.rc" "$obj.tmp"
done
# A file another engineer is editing may not compile: retry later.
[ -z "$bad" ] || build_failed "cannot compile:$bad"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-fuzz.XXXXXX") || exit 2
passed=0
failed=0

# link_target NAME: build/fuzz/fuzz_NAME, or 1 with the compiler's output shown
link_target() {
	# shellcheck disable=SC2086 # flags and objects are word lists
	$CC $flags $pkgcflags "tests/fuzz/fuzz_$1.c" $objs -o "$out/fuzz_$1" \
	    $pkglibs -pthread > "$out/log/$1.link" 2>&1
}

# start NAME: run a linked target in the background
start() {
	dir="$tmp/$1"
	mkdir -p "$dir/corpus" "$dir/crash" "$dir/tmp"
	if [ -d "tests/fuzz/corpus/$1" ]; then
		cp tests/fuzz/corpus/"$1"/* "$dir/corpus/" 2>/dev/null
	fi
	# TMPDIR: fuzz_query's store goes in here, so a crashed run leaves
	# nothing behind once the directory is removed.
	(
		cd "$dir" &&
		TMPDIR="$dir/tmp" "$root/$out/fuzz_$1" \
		    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		    -print_final_stats=1 -artifact_prefix="$dir/crash/" \
		    "$dir/corpus" > "$root/$out/log/$1.log" 2>&1
		echo $? > "$dir/rc"
	) &
}

# report NAME: one result line (plus details when it failed)
report() {
	log="$out/log/$1.log"
	rc=$(cat "$tmp/$1/rc" 2>/dev/null || echo 1)
	# shellcheck disable=SC2012 # libFuzzer names artifacts KIND-SHA1
	crash=$(ls "$tmp/$1/crash/" 2>/dev/null | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$crash" ]; then
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
		echo "ok   fuzz: $1 (${runs:-?} runs)"
		passed=$((passed + 1))
		return
	fi
	echo "FAIL fuzz: $1"
	if [ -n "$crash" ]; then
		echo "  crash file: $tmp/$1/crash/$crash"
	fi
	echo "  log: $log (exit $rc); last 30 lines:"
	tail -n 30 "$log" | sed 's/^/    /'
	failed=$((failed + 1))
}

batch=
running=0
for t in $targets; do
	if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
		echo "FAIL fuzz: $t (no tests/fuzz/fuzz_$t.c)"
		failed=$((failed + 1))
		continue
	fi
	if ! link_target "$t"; then
		echo "FAIL fuzz: $t (link failed)"
		tail -n 30 "$out/log/$t.link" | sed 's/^/    /'
		failed=$((failed + 1))
		continue
	fi
	start "$t"
	batch="$batch $t"
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		for b in $batch; do report "$b"; done
		batch=
		running=0
	fi
done
wait
for b in $batch; do report "$b"; done

echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
	echo "(inputs and crash files kept in $tmp)"
	exit 1
fi
rm -rf "$tmp"
exit 0

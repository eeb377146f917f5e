#!/bin/sh
# check.sh - everything `make check` runs, in order:
#   1. builds: gcc and clang with -Wall -Wextra -Werror, and an ASan+UBSan build
#   2. unit tests (tests/unit), golden CLI tests (tests/golden), the kill -9
#      durability test (tests/crash.sh), the Parquet archive read back by
#      DuckDB and hyparquet and its kill -9 test (tests/archive), the AWS
#      sources against loopback stand-ins (tests/aws), the Firehose endpoint
#      over HTTP (tests/firehose), the terminal UI in tmux (tests/tui), the
#      fuzz targets for a short fixed time (tests/fuzz)
#   3. unit, golden, Firehose and UI tests again under ASan+UBSan
# Each suite prints "N passed, N failed"; this script adds them up and ends
# with the total in the same form.  Exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
total_passed=0
total_failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Add the last "N passed, N failed" line of a suite's output to the totals.
tally() {	# tally NAME STATUS
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		total_failed=$((total_failed + 1))
		echo "FAIL $1: no result line (exit status $2)"
		tail -n 30 "$log"
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# a suite that crashed after its last line still failed
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	echo "== $1: $p passed, $f failed"
}

build() {	# build NAME MAKE-ARGS...
	name=$1
	shift
	if make -s -j"$JOBS" "$@" all unit > "$log" 2>&1; then
		total_passed=$((total_passed + 1))
		echo "ok   build: $name"
	else
		total_failed=$((total_failed + 1))
		echo "FAIL build: $name"
		tail -n 40 "$log"
		return 1
	fi
}

run_suite() {	# run_suite NAME COMMAND...
	name=$1
	shift
	suite_start=$(date +%s)
	"$@" > "$log" 2>&1
	status=$?
	grep -E '^(FAIL|ok  )' "$log" | grep -v '^ok' || true
	tally "$name ($(( $(date +%s) - suite_start )) s)" "$status"
}

unit_tests() {	# unit_tests BUILDDIR
	passed=0
	failed=0
	for t in "$1"/tests/test_*; do
		out=$("$t" 2>&1)
		status=$?
		echo "$out" | grep -E '^FAIL' || true
		line=$(echo "$out" | tail -n 1)
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed*}
		case "$p$f" in *[!0-9]*|'') p=0; f=1; echo "$out" | tail -n 20 ;; esac
		[ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		passed=$((passed + p))
		failed=$((failed + f))
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

start=$(date +%s)
build "gcc -Werror" BUILDDIR=build CC=gcc || exit 1
build "clang -Werror" BUILDDIR=build/clang CC=clang
build "gcc ASan+UBSan" BUILDDIR=build/asan CC=gcc SANITIZE=1

run_suite "unit" unit_tests build
run_suite "golden" sh tests/golden/run.sh build/flowlens
run_suite "crash (kill -9)" sh tests/crash.sh build/flowlens
run_suite "aws (cwlogs:, s3://, credentials; loopback stand-ins)" sh tests/aws/run.sh build/flowlens
run_suite "firehose (HTTP, TLS, kill -9)" sh tests/firehose/run.sh build/flowlens
run_suite "tui (tmux)" sh tests/tui/run.sh build/flowlens
run_suite "archive (Parquet read back by DuckDB, hyparquet)" sh tests/archive/run.sh build/flowlens
run_suite "archive crash (kill -9)" sh tests/archive/crash.sh build/flowlens
run_suite "fuzz (${FUZZ_SECONDS:=5} s each)" env FUZZ_SECONDS="$FUZZ_SECONDS" sh tests/fuzz/run.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ -x build/asan/flowlens ]; then
	run_suite "unit under ASan+UBSan" unit_tests build/asan
	run_suite "golden under ASan+UBSan" sh tests/golden/run.sh build/asan/flowlens
	run_suite "firehose under ASan+UBSan" env FIREHOSE_CRASH=0 FIREHOSE_BACKPRESSURE=0 sh tests/firehose/run.sh build/asan/flowlens
	run_suite "tui under ASan+UBSan" sh tests/tui/run.sh build/asan/flowlens
fi

echo "make check: $(( $(date +%s) - start )) s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]

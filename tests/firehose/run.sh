#!/bin/sh
# run.sh FLOWLENS [crash] - the firehose: source over real HTTP on loopback
# (tests/firehose/test.mjs: contract, refusals, retries, TLS, SIGTERM), and
# unless FIREHOSE_CRASH=0, the kill -9 test (tests/firehose/crash.mjs).
# FIREHOSE_BACKPRESSURE=0 leaves out the blocked-writer test (slow under
# ASan).
# Node built-ins only; the store is read back with `flowlens query` and
# sqlite3.  Prints ok/FAIL lines and one final "N passed, N failed".
set -u
if [ $# -lt 1 ]; then
	echo "usage: sh tests/firehose/run.sh path/to/flowlens" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
flowlens=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-firehose.XXXXXX") || exit 2
out=$work/out
trap 'rm -rf "$work"' EXIT INT TERM

status=0
node "$here/test.mjs" "$flowlens" "$work" > "$out" 2>&1 || status=1
if [ "${FIREHOSE_CRASH:-1}" != 0 ]; then
	node "$here/crash.mjs" "$flowlens" "$work" >> "$out" 2>&1 || status=1
fi
grep -v -E '^[0-9]+ passed, [0-9]+ failed' "$out"
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^FAIL' "$out")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1
	echo "FAIL firehose: a test script exited non-zero"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

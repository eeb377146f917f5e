#!/bin/sh
# run.sh FLOWLENS - the AWS sources against loopback stand-ins (real HTTP on
# 127.0.0.1, ephemeral ports; AWS itself is out of reach):
#   - tests/aws/standin.mjs: CloudWatch Logs (FilterLogEvents, SigV4 checked
#     with npm aws4), IMDSv2, the container credentials endpoint, and S3
#     (s3rver behind a gate that checks SigV4, payload hash and digests);
#   - the stand-in itself is checked with the official AWS SDK for
#     JavaScript (tests/aws/sdk-check.mjs);
#   - cwlogs: pagination with empty pages, throttling, 5xx, late events,
#     stream prefixes, --follow, restart without duplicates, auth errors,
#     records that do not fit the format, a kill -9 during a poll;
#   - credentials: environment, session tokens, profiles in both files,
#     IMDSv2 (token, role, region, refresh before expiry), container;
#   - s3://: .log.gz with header, Firehose objects, pagination, re-runs,
#     --follow, s3_put_file (tests/aws/s3put.c) with checksums;
#   - --archive-s3: sealed archive files uploaded byte for byte and
#     recorded, kept pending while the endpoint is down and uploaded by the
#     next run, archive flush --archive-s3, access denied.
# npm packages (tests/aws/package.json, pinned) go to build/aws, installed
# once.  Prints ok/FAIL lines and "N passed, N failed".
set -u

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
[ $# -eq 1 ] || { echo "usage: sh tests/aws/run.sh path/to/flowlens" >&2; exit 2; }
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LIB=$(dirname "$FLOWLENS")/libflowlens.a
NPM_DIR=$root/build/aws
passed=0
failed=0

ok() { echo "ok   aws: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL aws: $1"; failed=$((failed + 1)); }
check() {	# check WHAT COND-COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------------ setup

. "$root/tests/aws/lib.sh"
if ! aws_npm_install "$root"; then
	fail "npm ci of the stand-ins' packages (see build/aws/npm.log)"
	finish
fi
# The s3_put_file() driver, linked against the same library as FLOWLENS
# (with the sanitizers when that library has them).
san=
if nm "$LIB" 2>/dev/null | grep -q __asan_init; then
	san="-fsanitize=address,undefined"
fi
S3PUT=$NPM_DIR/s3put$(echo "$LIB" | cksum | cut -d' ' -f1)
if [ ! -x "$S3PUT" ] || [ "$LIB" -nt "$S3PUT" ] ||
    [ "$root/tests/aws/s3put.c" -nt "$S3PUT" ]; then
	# shellcheck disable=SC2046,SC2086 # pkg-config and san are word lists
	if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -I"$root/src" -O1 $san \
	    -o "$S3PUT" "$root/tests/aws/s3put.c" "$LIB" \
	    $(pkg-config --libs sqlite3 jansson zlib libcurl libcrypto) \
	    -pthread; then
		fail "build tests/aws/s3put.c"
		finish
	fi
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-aws.XXXXXX") || exit 2
standin_pid=
bg_pid=
cleanup() {
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null
	[ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null
	wait 2>/dev/null
	if [ -n "${FLOWLENS_TEST_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! standin_start "$root" "$tmp"; then
	fail "start the stand-in"
	cat "$tmp/standin.err"
	finish
fi
ENDPOINT=http://127.0.0.1:$PORT

# A clean AWS environment: nothing from the machine running the tests.
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_CONFIG_FILE="$tmp/no-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/no-creds"
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=AKIDSTANDIN AWS_SECRET_ACCESS_KEY=standin-secret
export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$ENDPOINT
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$S3PORT

ctl() {	# ctl NAME JSON: a control request to the stand-in
	curl -sf -XPOST "$ENDPOINT/_control/$1" -d "$2"
}
stat_of() {	# stat_of FIELD.PATH: one value from the stand-in's stats
	curl -sf "$ENDPOINT/_control/stats" | node -e '
let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
  let v = JSON.parse(s);
  for (const k of process.argv[1].split(".")) v = v[k];
  console.log(v === undefined ? 0 : typeof v === "object" ?
    JSON.stringify(v) : v);
});' "$1"
}
# add_events GROUP COUNT FIRST AGE_MS [STREAM...]: COUNT v2 flow-log
# events numbered from FIRST (bytes = the number, so each is unique),
# timestamped AGE_MS ago, spread over the streams (default eni-a-all
# eni-b-all).
add_events() {
	group=$1 count=$2 first=$3 age=$4
	shift 4
	node -e '
const [group, count, first, age, ...streams] = process.argv.slice(1);
const now = Date.now(), sec = Math.floor(now / 1000);
const ss = streams.length ? streams : ["eni-a-all", "eni-b-all"];
const events = [];
for (let i = 0; i < Number(count); i++) {
  const n = Number(first) + i, st = ss[i % ss.length];
  events.push({ stream: st, timestamp: now - Number(age) + i,
    message: `2 123456789012 ${st.slice(0, 5)} 10.0.${n % 250}.1 10.1.0.2 ` +
      `${1024 + n % 60000} 443 6 3 ${n} ${sec - 120} ${sec - 60} ACCEPT OK` });
}
process.stdout.write(JSON.stringify({ group, events }));
' "$group" "$count" "$first" "$age" "$@" > "$tmp/events.json"
	curl -sf -XPOST "$ENDPOINT/_control/events" -d @"$tmp/events.json" \
	    > /dev/null
}
sql() {	# sql DB QUERY: the one value the query returns
	"$FLOWLENS" query --db "$1" --output csv "$2" 2>/dev/null |
	    tr -d '\r' | tail -n 1
}
count() {	# count DB [WHERE]: records stored
	sql "$1" "select count(*) from flow_logs ${2:-}"
}
dups() {	# dups DB: records stored more than once (bytes is unique)
	sql "$1" "select count(*) - count(distinct bytes) from flow_logs"
}
wait_count() {	# wait_count DB N SECONDS: until N records are stored
	n=0
	while [ "$(count "$1")" != "$2" ] && [ $n -lt $(($3 * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(count "$1")" = "$2" ]
}
ingest() {	# ingest DB ARGS...: exit status in $rc, stderr in $tmp/err
	db=$1
	shift
	"$FLOWLENS" ingest --db "$db" --no-progress "$@" 2> "$tmp/err"
	rc=$?
}
err_has() { grep -q -- "$1" "$tmp/err"; }
err_lacks() { ! grep -q -- "$1" "$tmp/err"; }

# ------------------------------------------------------------------ SDK

ctl group '{"name":"/vpc/sdk"}' > /dev/null
ctl faults '{"pageSize":7,"emptyEvery":3,"throttleEvery":4,"errorEvery":9}' > /dev/null
add_events /vpc/sdk 30 0 60000
node "$root/tests/aws/sdk-check.mjs" "$PORT" /vpc/sdk 30 2> "$tmp/sdk.err" |
    sed 's/^\(....\) sdk: /\1 aws: stand-in vs the official SDK: /' > "$tmp/sdk.out"
cat "$tmp/sdk.out"
passed=$((passed + $(grep -c '^ok' "$tmp/sdk.out")))
failed=$((failed + $(grep -c '^FAIL' "$tmp/sdk.out")))
[ -s "$tmp/sdk.out" ] || { fail "sdk-check.mjs ran"; cat "$tmp/sdk.err"; }

# ------------------------------------------------------------------ cwlogs

db=$tmp/cw.db
add_events /vpc/flow 40 1000 120000
bad0=$(stat_of signatureBad)
thr0=$(stat_of throttled)
err0=$(stat_of errors)
empty0=$(stat_of emptyPages)
ingest "$db" 'cwlogs:/vpc/flow?start=-1h'
check "cwlogs: one pass stores all 40 events (exit $rc)" \
    test "$rc" = 0 -a "$(count "$db")" = 40 -a "$(dups "$db")" = 0
check "cwlogs: every request's SigV4 signature verified by aws4" \
    test "$(stat_of signatureBad)" = "$bad0"
check "cwlogs: throttling, 5xx and empty pages with a token were met and survived" \
    test "$(stat_of throttled)" -gt "$thr0" -a "$(stat_of errors)" -gt "$err0" \
    -a "$(stat_of emptyPages)" -gt "$empty0"
ingest "$db" 'cwlogs:/vpc/flow?start=-1h'
check "cwlogs: a second run adds nothing (look-back de-duplicated by id)" \
    test "$rc" = 0 -a "$(count "$db")" = 40
add_events /vpc/flow 10 2000 300000
ingest "$db" 'cwlogs:/vpc/flow?start=-1h'
check "cwlogs: late events (5 min old, inside the look-back) are stored once" \
    test "$(count "$db")" = 50 -a "$(dups "$db")" = 0
check "cwlogs: checkpoint holds the floor and the ids" \
    test "$(sql "$db" "select json_array_length(cursor, '\$.ids') from ingest_state where source = 'cwlogs:/vpc/flow'")" = 50
ctl faults '{"pageSize":10000,"emptyEvery":0,"throttleEvery":0,"errorEvery":0}' > /dev/null
ingest "$tmp/streams.db" 'cwlogs:/vpc/flow?start=-1h&streams=eni-a'
check "cwlogs: streams=PREFIX reads only those streams" \
    test "$(count "$tmp/streams.db")" = 25 -a \
    "$(count "$tmp/streams.db" "where interface_id <> 'eni-a'")" = 0

# --follow: new events arrive while it runs; SIGTERM stops it cleanly.
ctl faults '{"pageSize":4,"emptyEvery":2}' > /dev/null
"$FLOWLENS" ingest --db "$tmp/follow.db" --no-progress --follow \
    'cwlogs:/vpc/flow?start=-1h&interval=1s' 2> "$tmp/follow.err" &
bg_pid=$!
wait_count "$tmp/follow.db" 50 15
add_events /vpc/flow 5 3000 1000
check "cwlogs --follow: events added later arrive within seconds" \
    wait_count "$tmp/follow.db" 55 15
kill -TERM "$bg_pid"
wait "$bg_pid"
frc=$?
bg_pid=
check "cwlogs --follow: SIGTERM ends it (exit $frc), nothing duplicated" \
    test "$frc" = 130 -a "$(dups "$tmp/follow.db")" = 0
ctl faults '{"pageSize":10000,"emptyEvery":0}' > /dev/null

# Two cwlogs sources at once share the 5 requests/s limiter: 12 requests
# (6 pages each) take at least 11 / 5 s, and both groups arrive whole.
add_events /vpc/two-a 30 4000 60000
add_events /vpc/two-b 30 5000 60000
ctl faults '{"pageSize":5}' > /dev/null
calls0=$(stat_of filterCalls)
t0=$(date +%s%N)
ingest "$tmp/two.db" 'cwlogs:/vpc/two-a?start=-1h' 'cwlogs:/vpc/two-b?start=-1h'
ms=$((($(date +%s%N) - t0) / 1000000))
calls=$(($(stat_of filterCalls) - calls0))
check "cwlogs: two sources side by side share one 5 req/s limiter ($calls requests in $ms ms)" \
    test "$rc" = 0 -a "$(count "$tmp/two.db")" = 60 -a "$(dups "$tmp/two.db")" = 0 \
    -a "$ms" -ge $(((calls - 1) * 200 - 50))
ctl faults '{"pageSize":10000}' > /dev/null

# A stand-in that takes 20 s to answer: SIGTERM must not wait for it.
ctl faults '{"delayMs":20000}' > /dev/null
"$FLOWLENS" ingest --db "$tmp/slow.db" --no-progress --follow \
    'cwlogs:/vpc/flow' 2> /dev/null &
bg_pid=$!
sleep 1
t0=$(date +%s)
kill -TERM "$bg_pid"
wait "$bg_pid"
bg_pid=
check "cwlogs --follow: SIGTERM aborts a request in flight (stopped in $(($(date +%s) - t0)) s)" \
    test $(($(date +%s) - t0)) -le 2
ctl faults '{"delayMs":0}' > /dev/null

AWS_SECRET_ACCESS_KEY=not-the-secret ingest "$tmp/x.db" 'cwlogs:/vpc/flow'
check "cwlogs: a wrong secret is refused; the message says what to check and hides the secret" \
    test "$rc" = 1 -a -n "$(grep 'InvalidSignatureException' "$tmp/err")" \
    -a -z "$(grep 'not-the-secret' "$tmp/err")"
ingest "$tmp/x.db" 'cwlogs:/vpc/missing'
check "cwlogs: a missing log group is named" \
    test "$rc" = 1 -a -n "$(grep 'log group /vpc/missing not found' "$tmp/err")"
ctl faults '{"logsDeny":true}' > /dev/null
ingest "$tmp/x.db" 'cwlogs:/vpc/flow'
check "cwlogs: access denied names the IAM action logs:FilterLogEvents" \
    test "$rc" = 1 -a -n "$(grep 'needs the IAM permission logs:FilterLogEvents' "$tmp/err")"
ctl faults '{"logsDeny":false}' > /dev/null

# Records in a custom format: the hint, then the fix.
node -e '
const now = Date.now(), events = [];
for (let i = 0; i < 20; i++) events.push({ stream: "eni-c-all",
  timestamp: now - 1000 + i, message: `eni-c 10.0.0.${i} 10.0.0.9 REJECT ${i}` });
process.stdout.write(JSON.stringify({ group: "/vpc/custom", events }));
' > "$tmp/custom.json"
curl -sf -XPOST "$ENDPOINT/_control/events" -d @"$tmp/custom.json" > /dev/null
ingest "$tmp/custom.db" 'cwlogs:/vpc/custom'
check "cwlogs: records that do not fit the format: the error says so and suggests --log-format" \
    err_has 'do not fit the log format.*--log-format.*describe-flow-logs'
ingest "$tmp/custom2.db" --log-format \
    '${interface-id} ${srcaddr} ${dstaddr} ${action} ${bytes}' 'cwlogs:/vpc/custom'
check "cwlogs: with the right --log-format all 20 are stored" \
    test "$(count "$tmp/custom2.db")" = 20

# ------------------------------------------------------------------ credentials

cat > "$tmp/credentials" <<'EOF'
[default]
aws_access_key_id = AKIDWRONG
aws_secret_access_key = wrong

[ci]
aws_access_key_id = AKIDSTANDIN
aws_secret_access_key = standin-secret
EOF
cat > "$tmp/config" <<'EOF'
[profile ci]
region = us-east-1
[profile elsewhere]
region = eu-west-1
EOF
AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config \
    AWS_SECRET_ACCESS_KEY=wrong ingest "$tmp/p1.db" --profile ci 'cwlogs:/vpc/flow?start=-1h'
check "credentials: --profile reads the shared credentials file and ignores env keys" \
    test "$rc" = 0 -a "$(count "$tmp/p1.db")" = 55
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
 AWS_PROFILE=ci AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials \
    AWS_CONFIG_FILE=$tmp/config ingest "$tmp/p2.db" 'cwlogs:/vpc/flow?start=-1h'
 exit $rc)
check "credentials: AWS_PROFILE picks keys and the region from the files" \
    test $? = 0 -a "$(count "$tmp/p2.db")" = 55
(unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
 AWS_SHARED_CREDENTIALS_FILE=$tmp/credentials AWS_CONFIG_FILE=$tmp/config \
    ingest "$tmp/x.db" --profile elsewhere 'cwlogs:/vpc/flow'; exit $rc)
check "credentials: a profile without keys and no other provider: says where it looked" \
    test $? = 1 -a -n "$(grep 'no AWS credentials found (looked at' "$tmp/err")"
ctl keys '{"akid":"ASIATOKEN","secret":"tok-secret","token":"the-session-token"}' > /dev/null
AWS_ACCESS_KEY_ID=ASIATOKEN AWS_SECRET_ACCESS_KEY=tok-secret \
    AWS_SESSION_TOKEN=the-session-token ingest "$tmp/t.db" 'cwlogs:/vpc/flow?start=-1h'
check "credentials: AWS_SESSION_TOKEN is sent (signed) with temporary keys" \
    test "$rc" = 0 -a "$(count "$tmp/t.db")" = 55
AWS_ACCESS_KEY_ID=ASIATOKEN AWS_SECRET_ACCESS_KEY=tok-secret \
    ingest "$tmp/x.db" 'cwlogs:/vpc/flow'
check "credentials: temporary keys without their token are refused" \
    test "$rc" = 1 -a -n "$(grep UnrecognizedClientException "$tmp/err")"
ctl keys '{"akid":"ASIAOLD","secret":"old","token":"old-token","expires":1000}' > /dev/null
AWS_ACCESS_KEY_ID=ASIAOLD AWS_SECRET_ACCESS_KEY=old AWS_SESSION_TOKEN=old-token \
    ingest "$tmp/x.db" 'cwlogs:/vpc/flow'
check "credentials: an expired session token is reported as expired" \
    test "$rc" = 1 -a -n "$(grep 'have expired (ExpiredTokenException)' "$tmp/err")"

imds_env() {	# exec: run in the background, $! is flowlens itself
	exec env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION \
	    -u AWS_EC2_METADATA_DISABLED \
	    AWS_EC2_METADATA_SERVICE_ENDPOINT="$ENDPOINT" "$@"
}
puts0=$(stat_of tokensPut)
imds0=$(stat_of imdsCreds)
(imds_env "$FLOWLENS" ingest --db "$tmp/imds.db" --no-progress \
    'cwlogs:/vpc/flow?start=-1h' 2> "$tmp/err")
rc=$?
check "credentials: IMDSv2 token PUT, role GET, region from placement (exit $rc)" \
    test "$rc" = 0 -a "$(count "$tmp/imds.db")" = 55 -a \
    "$(stat_of tokensPut)" -gt "$puts0" -a "$(stat_of imdsCreds)" -gt "$imds0"
# Credentials that expire in 15 min + 3 s: refreshed ~3 s in, before expiry.
# Halfway, every IMDSv2 session token expires: the next fetch gets a 401
# and must PUT for a new token.
ctl imds '{"ttlSeconds":903}' > /dev/null
imds0=$(stat_of imdsCreds)
puts0=$(stat_of tokensPut)
(imds_env "$FLOWLENS" ingest --db "$tmp/imds2.db" --no-progress --follow \
    'cwlogs:/vpc/flow?start=-1h&interval=1s' 2> "$tmp/err") &
bg_pid=$!
sleep 3
ctl imds '{"dropTokens":true}' > /dev/null
sleep 4
kill -TERM "$bg_pid"
wait "$bg_pid"
bg_pid=
check "credentials: instance-role keys are refreshed before they expire" \
    test "$(($(stat_of imdsCreds) - imds0))" -ge 2 -a "$(count "$tmp/imds2.db")" = 55
check "credentials: an expired IMDSv2 session token (401) is replaced by a new PUT" \
    test "$(($(stat_of tokensPut) - puts0))" -ge 2
ctl imds '{"ttlSeconds":3600}' > /dev/null
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    AWS_CONTAINER_CREDENTIALS_FULL_URI="$ENDPOINT/container/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=container-secret-token \
    "$FLOWLENS" ingest --db "$tmp/ecs.db" --no-progress \
    'cwlogs:/vpc/flow?start=-1h' 2> "$tmp/err"
rc=$?
check "credentials: container endpoint with its authorization token" \
    test "$rc" = 0 -a "$(count "$tmp/ecs.db")" = 55
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
    AWS_CONTAINER_CREDENTIALS_FULL_URI="$ENDPOINT/container/creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong-container-token \
    "$FLOWLENS" ingest --db "$tmp/x.db" --no-progress 'cwlogs:/vpc/flow' \
    2> "$tmp/err"
rc=$?
check "credentials: a refused container token is reported without the token" \
    test "$rc" = 1 -a -n "$(grep 'container credentials endpoint.*HTTP 403' "$tmp/err")" \
    -a -z "$(grep wrong-container-token "$tmp/err")"

# ------------------------------------------------------------------ crash

# kill -9 in the middle of a poll (200-event pages, 5 requests/s): after a
# restart every event the stand-in served is stored exactly once.
add_events /vpc/crash 3000 100000 600000
ctl faults '{"pageSize":200,"delayMs":20}' > /dev/null
crash_ok=1
mid=0
for round in 1 2; do
	"$FLOWLENS" ingest --db "$tmp/crash.db" --no-progress \
	    'cwlogs:/vpc/crash?start=-1h' 2> /dev/null &
	bg_pid=$!
	# Kill as soon as this run has committed something new: mid-poll.
	prev=$mid
	n=0
	while c=$(count "$tmp/crash.db") && [ "${c:-0}" = "$prev" ] &&
	    [ $n -lt 300 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	kill -9 "$bg_pid" 2>/dev/null
	wait "$bg_pid" 2>/dev/null
	bg_pid=
	mid=$(count "$tmp/crash.db")
	case $mid in "$prev"|3000|'') crash_ok=0; echo "  round $round killed at $mid records" ;; esac
	[ "$(dups "$tmp/crash.db")" = 0 ] || crash_ok=0
done
ingest "$tmp/crash.db" 'cwlogs:/vpc/crash?start=-1h'
check "crash: kill -9 twice mid-poll (the second at $mid records), then a clean run: 3000 stored exactly once" \
    test "$crash_ok" = 1 -a "$(count "$tmp/crash.db")" = 3000 -a \
    "$(dups "$tmp/crash.db")" = 0
ctl faults '{"pageSize":10000,"delayMs":0}' > /dev/null

# ------------------------------------------------------------------ S3

raw_put() {	# raw_put FILE KEY: a fixture straight into s3rver
	curl -sf -XPUT --data-binary @"$1" \
	    "http://127.0.0.1:$S3RAW/flowlogs/$2" > /dev/null
}
now=$(date +%s)
{
	echo "account-id action bytes dstaddr srcaddr version interface-id srcport dstport protocol packets start end log-status"
	i=0
	while [ $i -lt 30 ]; do
		echo "123456789012 REJECT $((50000 + i)) 10.0.1.1 198.51.100.$i 2 eni-s3 40000 22 6 1 $((now - 300)) $((now - 240)) OK"
		i=$((i + 1))
	done
} | gzip > "$tmp/a.log.gz"
prefix=AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/27
raw_put "$tmp/a.log.gz" "$prefix/123456789012_vpcflowlogs_us-east-1_fl-1_20261127T0730Z_a1.log.gz"
# A Firehose-written object: concatenated gzip members of CloudWatch
# subscription payloads, no newline between them, no extension.
for part in 0 1; do
	node -e '
const p = Number(process.argv[1]), sec = Math.floor(Date.now() / 1000);
const logEvents = [];
for (let i = 0; i < 10; i++) { const n = 60000 + p * 10 + i;
  logEvents.push({ id: String(n), timestamp: Date.now(),
    message: `2 123456789012 eni-fh 10.0.0.${i} 10.0.0.1 443 ${1024 + i} 6 1 ${n} ${sec - 60} ${sec} ACCEPT OK` }); }
process.stdout.write(JSON.stringify({ messageType: "DATA_MESSAGE",
  owner: "123456789012", logGroup: "/vpc/flow", logStream: "eni-fh-all",
  subscriptionFilters: ["f"], logEvents }));' "$part" | gzip
done > "$tmp/firehose"
raw_put "$tmp/firehose" "AWSLogs/firehose/2026/11/27/07/flows-1-2026-11-27-07-30-00-abcd"
printf '' > "$tmp/empty"
raw_put "$tmp/empty" "AWSLogs/folder/"
ctl faults '{"s3MaxKeys":1}' > /dev/null
get0=$(stat_of s3.byMethod.GET)
ingest "$tmp/s3.db" s3://flowlogs/AWSLogs/
get1=$(stat_of s3.byMethod.GET)
check "s3: .log.gz with its header (any field order) and a Firehose object: 50 records (exit $rc)" \
    test "$rc" = 0 -a "$(count "$tmp/s3.db")" = 50 -a "$(dups "$tmp/s3.db")" = 0 \
    -a "$(count "$tmp/s3.db" "where interface_id = 'eni-s3' and srcport = 40000 and dstport = 22")" = 30
check "s3: listing paginated with continuation tokens (1 key per page)" \
    test $((get1 - get0)) -ge 5
ingest "$tmp/s3.db" s3://flowlogs/AWSLogs/
get2=$(stat_of s3.byMethod.GET)
check "s3: a re-run adds nothing and fetches no object again (key + ETag checkpointed)" \
    test "$rc" = 0 -a "$(count "$tmp/s3.db")" = 50 -a $((get2 - get1)) -eq $((get1 - get0 - 2))
ctl faults '{"s3MaxKeys":0}' > /dev/null
"$FLOWLENS" ingest --db "$tmp/s3.db" --no-progress --follow \
    's3://flowlogs/AWSLogs/?interval=1s' 2> "$tmp/follow.err" &
bg_pid=$!
sleep 1
gzip -dc "$tmp/a.log.gz" | sed 's/eni-s3/eni-s4/; s/REJECT 5\([0-9]*\)/REJECT 7\1/' | gzip > "$tmp/b.log.gz"
raw_put "$tmp/b.log.gz" "$prefix/123456789012_vpcflowlogs_us-east-1_fl-1_20261127T0735Z_b2.log.gz"
check "s3 --follow: a new object is read on the next listing" \
    wait_count "$tmp/s3.db" 80 15
kill -TERM "$bg_pid"
wait "$bg_pid"
bg_pid=
AWS_SECRET_ACCESS_KEY=bad ingest "$tmp/x.db" s3://flowlogs/AWSLogs/
check "s3: a wrong secret is refused (SignatureDoesNotMatch), secret not shown" \
    test "$rc" = 1 -a -n "$(grep SignatureDoesNotMatch "$tmp/err")" -a \
    -z "$(grep '=bad\| bad' "$tmp/err")"
ctl faults '{"s3Deny":true}' > /dev/null
ingest "$tmp/x.db" s3://flowlogs/AWSLogs/
check "s3: access denied names s3:ListBucket" \
    test "$rc" = 1 -a -n "$(grep 'needs the IAM permission s3:ListBucket' "$tmp/err")"
head -c 2500000 /dev/urandom > "$tmp/part.parquet"
"$S3PUT" "$tmp/part.parquet" "s3://archive/x/date=2026-11-27/part 1.parquet" \
    > /dev/null 2> "$tmp/err"
check "s3_put_file: access denied names s3:PutObject" \
    test $? = 1 -a -n "$(grep 'needs the IAM permission s3:PutObject' "$tmp/err")"
ctl faults '{"s3Deny":false}' > /dev/null
refused0=$(stat_of s3.refused)
etag=$("$S3PUT" "$tmp/part.parquet" "s3://archive/x/date=2026-11-27/part 1.parquet" 2> "$tmp/err")
back=$(curl -sf "http://127.0.0.1:$S3RAW/archive/x/date%3D2026-11-27/part%201.parquet" | md5sum | cut -c1-32)
check "s3_put_file: 2.5 MB streamed, signed payload hash, Content-MD5 and x-amz-checksum-sha256 accepted; bytes and ETag match" \
    test "$back" = "$(md5sum < "$tmp/part.parquet" | cut -c1-32)" -a \
    "$etag" = "\"$back\"" -a "$(stat_of s3.refused)" = "$refused0"

# ------------------------------------------------------------------ --archive-s3

# sealed_ok DB DIR PREFIX: every sealed file is in the bucket under PREFIX +
# its path below DIR, byte for byte (sha256), and recorded as uploaded.
sealed_ok() {
	"$FLOWLENS" query --db "$1" --output csv \
	    "select path from archive_files" 2>/dev/null | tail -n +2 |
	    tr -d '\r' > "$tmp/sealed.txt"
	[ -s "$tmp/sealed.txt" ] || return 1
	while read -r f; do
		rel=${f#"$2"/}
		url=$(printf '%s' "http://127.0.0.1:$S3RAW/archive/$3$rel" | sed 's/=/%3D/g')
		got=$(curl -sf "$url" | sha256sum | cut -c1-64)
		[ "$got" = "$(sha256sum < "$f" | cut -c1-64)" ] || return 1
	done < "$tmp/sealed.txt"
	[ "$(sql "$1" "select count(*) from archive_uploads where dest = 's3://archive/$3' and uploaded_at is not null and etag like '\"%\"'")" = "$(wc -l < "$tmp/sealed.txt" | tr -d ' ')" ]
}
"$FLOWLENS" gen --rows 3000 --seed 7 --hours 3 > "$tmp/gen1.log"
"$FLOWLENS" gen --rows 2000 --seed 8 --hours 2 > "$tmp/gen2.log"
refused0=$(stat_of s3.refused)
puts0=$(stat_of s3.byMethod.PUT)
ingest "$tmp/up.db" --archive "$tmp/up.archive" --archive-s3 s3://archive/lake/ "$tmp/gen1.log"
nfiles=$(sql "$tmp/up.db" "select count(*) from archive_files")
check "archive-s3: ingest uploads all $nfiles sealed files, identical bytes (sha256), recorded with their ETag (exit $rc)" \
    test "$rc" = 0 -a "$nfiles" -ge 3 && sealed_ok "$tmp/up.db" "$tmp/up.archive" lake/
check "archive-s3: every PUT passed the SigV4 + checksum gate" \
    test "$(stat_of s3.refused)" = "$refused0" -a \
    "$(($(stat_of s3.byMethod.PUT) - puts0))" = "$nfiles"
# The S3 endpoint down (a closed port): the ingest still succeeds, the new
# files are pending, and the next run with the endpoint up uploads them.
AWS_MAX_ATTEMPTS=2 ingest "$tmp/up.db" --archive "$tmp/up.archive" \
    --archive-s3 s3://archive/lake/ --endpoint-url http://127.0.0.1:1 "$tmp/gen2.log"
pending=$(sql "$tmp/up.db" "select count(*) from archive_files f where not exists (select 1 from archive_uploads u where u.path = f.path and u.uploaded_at is not null)")
check "archive-s3: endpoint down: ingest succeeds (exit $rc), $pending new files pending, the failure recorded and said" \
    test "$rc" = 0 -a "$pending" -ge 2 -a \
    "$(sql "$tmp/up.db" "select count(*) from archive_uploads where uploaded_at is null and attempts = 1 and last_error <> ''")" -ge 1 && \
    err_has "sealed files not uploaded yet" && err_lacks standin-secret
"$FLOWLENS" archive --db "$tmp/up.db" --archive "$tmp/up.archive" status > "$tmp/status.txt" 2>&1
check "archive-s3: archive status shows uploaded and pending" \
    grep -q "uploaded to:      s3://archive/lake/: $nfiles files (.*); $pending pending" "$tmp/status.txt"
ingest "$tmp/up.db" --archive "$tmp/up.archive" --archive-s3 s3://archive/lake/ "$tmp/gen2.log"
check "archive-s3: the next run (endpoint up, nothing new to read) uploads the pending files" \
    test "$rc" = 0 && sealed_ok "$tmp/up.db" "$tmp/up.archive" lake/ && \
    test "$(sql "$tmp/up.db" "select count(*) from archive_files")" = $((nfiles + pending))
# archive flush --archive-s3: a second destination gets every file.
"$FLOWLENS" archive --db "$tmp/up.db" --archive "$tmp/up.archive" \
    --archive-s3 s3://archive/copy > "$tmp/status.txt" 2> "$tmp/err" flush
rc=$?
check "archive-s3: archive flush --archive-s3 uploads every sealed file to a new prefix (exit $rc)" \
    test "$rc" = 0 && sealed_ok "$tmp/up.db" "$tmp/up.archive" copy/ && \
    grep -q "s3://archive/copy/: $((nfiles + pending)) files (.*); 0 pending" "$tmp/status.txt"
ctl faults '{"s3Deny":true}' > /dev/null
"$FLOWLENS" gen --rows 500 --seed 9 --hours 1 > "$tmp/gen3.log"
ingest "$tmp/up.db" --archive "$tmp/up.archive" --archive-s3 s3://archive/lake/ "$tmp/gen3.log"
check "archive-s3: access denied names s3:PutObject; the file stays pending" \
    test "$rc" = 0 && err_has 'needs the IAM permission s3:PutObject' && \
    "$FLOWLENS" archive --db "$tmp/up.db" --archive "$tmp/up.archive" status |
    grep -q 's3://archive/lake/: .*; [1-9][0-9]* pending'
ctl faults '{"s3Deny":false}' > /dev/null
# --follow: files sealed every second are uploaded while ingest runs; after
# SIGTERM everything sealed is in the bucket.
"$FLOWLENS" ingest --db "$tmp/live.db" --no-progress --follow \
    --archive "$tmp/live.archive" --archive-max-age 1s \
    --archive-s3 s3://archive/live/ 'demo:rate=300' 2> "$tmp/live.err" &
bg_pid=$!
live_uploads() {
	v=$(sql "$tmp/live.db" "select count(*) from archive_uploads where uploaded_at is not null")
	echo "${v:-0}"
}
n=0
while [ "$(live_uploads)" -lt 2 ] && [ $n -lt 150 ]; do
	sleep 0.1
	n=$((n + 1))
done
live=$(live_uploads)
kill -TERM "$bg_pid"
wait "$bg_pid"
frc=$?
bg_pid=
check "archive-s3 --follow: files uploaded while running ($live), all of them after SIGTERM (exit $frc)" \
    test "$frc" = 130 -a "${live:-0}" -ge 2 && sealed_ok "$tmp/live.db" "$tmp/live.archive" live/

finish

#!/bin/sh
# cwlogs.sh FLOWLENS - CloudWatch Logs poller throughput against the
# loopback stand-in (tests/aws/standin.mjs).  `make bench` runs it.
#
# Loads BENCH_CW_EVENTS v2 flow-log events (default 200000) into one log
# group, then measures, in one run:
#   1. the official AWS SDK for JavaScript paging through the group with no
#      rate limit: what the stand-in serves, one request at a time;
#   2. flowlens ingest cwlogs: one pass, which keeps to the 5 requests/s
#      FilterLogEvents quota: wall time, flowlens CPU time (user + sys), the
#      stand-in's own time per request;
# and reports records/s, records per request and where a request's time
# goes.  The machine is small and shared: compare the figures with each
# other, not with other runs.  Writes build/bench/cwlogs.md and prints it.
set -eu

[ $# -eq 1 ] || { echo "usage: sh tests/bench/cwlogs.sh FLOWLENS" >&2; exit 2; }
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${BENCH_CW_EVENTS:-200000}
REPORT=$root/build/bench/cwlogs.md
mkdir -p "$root/build/bench"

. "$root/tests/aws/lib.sh"
aws_npm_install "$root" || { echo "npm install failed" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-cwbench.XXXXXX")
standin_pid=
trap '[ -n "$standin_pid" ] && kill "$standin_pid"; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
standin_start "$root" "$tmp" || { cat "$tmp/standin.err" >&2; exit 1; }
ENDPOINT=http://127.0.0.1:$PORT

echo "loading $EVENTS events into the stand-in..." >&2
done_=0
while [ "$done_" -lt "$EVENTS" ]; do
	n=$((EVENTS - done_))
	[ "$n" -gt 20000 ] && n=20000
	node -e '
const [first, count] = process.argv.slice(1).map(Number);
const now = Date.now(), sec = Math.floor(now / 1000), events = [];
for (let i = 0; i < count; i++) { const k = first + i;
  events.push({ stream: `eni-${k % 50}-all`, timestamp: now - 600000 + k % 500000,
    message: `2 123456789012 eni-0a1b2c${k % 50} 10.0.${k % 250}.${k % 200} ` +
      `10.1.${k % 100}.7 ${1024 + k % 60000} 443 6 12 ${840 + k} ${sec - 120} ${sec - 60} ACCEPT OK` }); }
process.stdout.write(JSON.stringify({ group: "/bench", events }));
' "$done_" "$n" > "$tmp/ev.json"
	curl -sf -XPOST "$ENDPOINT/_control/events" -d @"$tmp/ev.json" > /dev/null
	done_=$((done_ + n))
done

stat_of() {
	curl -sf "$ENDPOINT/_control/stats" | node -e '
let s = ""; process.stdin.on("data", d => s += d).on("end", () =>
  console.log(JSON.parse(s)[process.argv[1]]));' "$1"
}

echo "official SDK, no rate limit..." >&2
calls0=$(stat_of filterCalls)
ns0=$(stat_of handlerNs)
set -- $(node "$root/tests/bench/cwlogs-sdk.mjs" "$PORT" /bench 2>/dev/null)
sdk_events=$1 sdk_pages=$2 sdk_secs=$3
ns1=$(stat_of handlerNs)

echo "flowlens ingest cwlogs:/bench..." >&2
calls1=$(stat_of filterCalls)
env -u AWS_PROFILE AWS_ACCESS_KEY_ID=AKIDSTANDIN AWS_SECRET_ACCESS_KEY=standin-secret \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$ENDPOINT" \
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
    "$FLOWLENS" ingest --db "$tmp/bench.db" --no-progress --quiet \
    'cwlogs:/bench?start=-1h'
calls2=$(stat_of filterCalls)
ns2=$(stat_of handlerNs)
stored=$("$FLOWLENS" query --db "$tmp/bench.db" --output csv \
    'select count(*) from flow_logs' | tr -d '\r' | tail -n 1)
set -- $(cat "$tmp/time")
wall=$1 user=$2 sys=$3 rss=$4

node -e '
const [events, sdkE, sdkP, sdkS, sdkNs, fwE, fwReq, wall, user, sys, fwNs, rss] =
  process.argv.slice(1).map(Number);
const f = (x, d = 0) => x.toFixed(d);
const cpuMs = (user + sys) * 1000 / fwReq;
const standinMs = fwNs / 1e6 / fwReq;
const lines = [
"# CloudWatch Logs poller against the stand-in",
"",
`${events} events in one log group, pages of up to 10,000 events / ~1 MB.`,
"Loopback, 2-core machine shared with other jobs: compare within this run.",
"",
"| client | records | requests | seconds | records/s | records/request |",
"|---|---|---|---|---|---|",
`| official AWS SDK (JS), no rate limit | ${sdkE} | ${sdkP} | ${f(sdkS, 2)} | ${f(sdkE / sdkS)} | ${f(sdkE / sdkP)} |`,
`| flowlens ingest cwlogs: (5 req/s quota) | ${fwE} | ${fwReq} | ${f(wall, 2)} | ${f(fwE / wall)} | ${f(fwE / fwReq)} |`,
"",
"Per FilterLogEvents request (flowlens run):",
"",
`- stand-in building and sending the page: ${f(standinMs, 1)} ms (SDK run: ${f(sdkNs / 1e6 / sdkP, 1)} ms)`,
`- flowlens CPU (user+sys: request, JSON, parse, store): ${f(cpuMs, 1)} ms`,
`- wall time: ${f(wall * 1000 / fwReq, 1)} ms, of which the 5 req/s limiter allows one request per 200 ms`,
`- flowlens peak RSS: ${f(rss / 1024, 1)} MB`,
"",
cpuMs < wall * 1000 / fwReq ?
  `flowlens used ${f(100 * cpuMs / (wall * 1000 / fwReq))} % of the wall time per request: the rest is the stand-in answering and the quota, so the poller is limited by the service side, not by flowlens.` :
  "flowlens CPU time per request exceeded the wall time per request: flowlens is the bottleneck here.",
];
console.log(lines.join("\n"));
' "$EVENTS" "$sdk_events" "$sdk_pages" "$sdk_secs" "$((ns1 - ns0))" "$stored" \
    "$((calls2 - calls1))" "$wall" "$user" "$sys" "$((ns2 - ns1))" "$rss" > "$REPORT"
cat "$REPORT"
[ "$stored" = "$EVENTS" ] || { echo "flowlens stored $stored of $EVENTS" >&2; exit 1; }

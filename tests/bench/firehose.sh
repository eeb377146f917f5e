#!/bin/sh
# firehose.sh FLOWLENS - load on the firehose: source over loopback
# (tests/bench/firehose_load.mjs): 500-record deliveries from 8 and 32
# keep-alive connections, plain and gzip, FH_SECONDS (default 20) each.
# Reports sustained records/s, acknowledgement latency (p50/p99/max), the
# server's CPU time per record and the load average, and checks nothing
# was lost or doubled.  For scale on a shared machine, the same run also
# times `flowlens ingest` of a 1 M-record file (the spine's own rate).  Writes build/bench/firehose.md and prints it.
# Exits non-zero if a run lost or doubled records; missing the targets
# (>= 200 000 records/s, p99 <= 250 ms) is reported, not a failure.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: sh tests/bench/firehose.sh path/to/flowlens" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
flowlens=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
report=$root/build/bench/firehose.md
mkdir -p "$root/build/bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-fhbench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export FH_SECONDS=${FH_SECONDS:-20}

{
	echo "# Firehose endpoint under load ($(date -u '+%Y-%m-%d %H:%M UTC'))"
	echo
	echo "$(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "500-record deliveries over loopback HTTP, each connection sending"
	echo "back to back for $FH_SECONDS s; a delivery not answered 200 is retried"
	echo "with the same requestId.  The client makes its deliveries before the"
	echo "run (tests/bench/firehose_gen.mjs), so that during the run it only"
	echo "sends; \"made during\" counts deliveries it had to make as it sent."
	echo "Targets: >= 200000 records/s, p99 <= 250 ms."
	echo
	echo "| connections | body | records/s | deliveries/s | p50 ms | p99 ms | max ms | server CPU s | CPU us/record | client CPU s | made during | load avg | lost | doubled |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$report"
status=0
for run in "8 0" "32 0" "32 1"; do
	set -- $run
	rm -rf "$work"/load.db*
	if ! line=$(FH_CONNECTIONS=$1 FH_GZIP=$2 node "$here/firehose_load.mjs" "$flowlens" "$work" | tail -n 1); then
		status=1
	fi
	echo "$line" | node -e '
		const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
		const l = r.latency_ms;
		console.log(`| ${r.connections} | ${r.gzip ? "gzip" : "plain"} | ${r.records_per_second} | ${r.deliveries_per_second} | ${l.p50} | ${l.p99} | ${l.max} | ${r.server_cpu_seconds} | ${r.server_cpu_us_per_record} | ${r.client_cpu_seconds} | ${r.deliveries_made_during} | ${r.loadavg_before.toFixed(1)}-${r.loadavg_after.toFixed(1)} | ${r.nothing_lost ? "no" : "YES"} | ${r.nothing_doubled ? "no" : "YES"} |`);
	' >> "$report"
done
# The spine's own rate in the same run: a plain file, same store settings.
"$flowlens" gen --rows 1000000 --seed 7 > "$work/flows.log"
rm -rf "$work"/file.db*
start=$(date +%s.%N)
"$flowlens" ingest --db "$work/file.db" --no-progress --quiet "$work/flows.log"
end=$(date +%s.%N)
{
	echo
	echo "For scale, in the same run: \`flowlens ingest\` of a 1 000 000-record file:"
	echo "$(echo "$start $end" | awk '{printf "%.0f", 1000000 / ($2 - $1)}') records/s (load average after: $(cut -d' ' -f1 /proc/loadavg))."
} >> "$report"
cat "$report"
exit $status

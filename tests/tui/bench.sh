#!/bin/sh
# bench.sh FLOWLENS - terminal UI figures for `make bench`, measured on the
# real binary in tmux with a large store and ingest running at full speed:
#   first frame and first frame with data (the UI's own clock, --bench-log)
#   frame time (compose + doupdate, --bench-log)
#   keypress-to-screen while a long query runs: inside the UI (key read ->
#     frame on the terminal) and outside (tmux send-keys -> the character
#     visible in capture-pane, which adds tmux's own latency)
#   RSS of the UI process, sampled every second (first / max / last)
# TUI_BENCH_ROWS (default 10000000) records are generated once into
# build/bench/tui-base-N.db and copied for each run; the live ingest is
# demo:rate=1000000 (as fast as the generator and writer go).
set -eu
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
rows=${TUI_BENCH_ROWS:-10000000}
secs=${TUI_BENCH_QUERY_ROWS:-30000000}	# recursive CTE length (10-30 s here)
dir="$root/build/bench"
work=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-tuibench.XXXXXX")
. "$root/tests/tui/lib.sh"
trap 'ui_cleanup; rm -rf "$work" "$dir/tui-run.db" "$dir/tui-run.db-wal" "$dir/tui-run.db-shm"' EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir -p "$dir"
export TERM=xterm-256color

base="$dir/tui-base-$rows.db"
if [ ! -f "$base" ]; then
	echo "tui bench: generating $rows records into $base (once)"
	now=$(date +%s)
	"$FLOWLENS" gen --rows "$rows" --start $((now - 7 * 86400)) --hours 168 |
	    "$FLOWLENS" ingest --quiet --no-progress --db "$base.tmp" -
	mv "$base.tmp" "$base"
fi
cp "$base" "$dir/tui-run.db"
ui_init
ui_start bench 120 40 "$FLOWLENS" --db "$dir/tui-run.db" --range all \
    --bench-log "$work/bench.log" "demo:rate=1000000"
pane=$(tm display-message -p -t bench '#{pane_pid}')
pid=
for i in 1 2 3 4 5 6 7 8 9 10; do
	pid=$(ps -o pid= --ppid "$pane" | tr -d ' ' | head -n 1)
	[ -n "$pid" ] && break
	sleep 0.1
done
( while kill -0 "$pid" 2>/dev/null; do
	awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null
	sleep 1
done ) > "$work/rss" &
rss_sampler=$!
wait_for bench "^Totals" 120 || echo "tui bench: no data frame within 120 s"
sleep 5		# panels refresh over the large store while ingest runs

# A long query, then keys while it runs.
keys bench s
keys bench -l "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $secs) SELECT count(*) FROM c"
keys bench F5
wait_for bench "running [0-9.]+ s" 20
n=0
: > "$work/ext"
while [ $n -lt 20 ]; do
	before=$(screen bench | grep -c "^  2 .*z" || true)
	t0=$(date +%s%N)
	if [ $n -eq 0 ]; then keys bench Enter; fi
	keys bench z
	while :; do
		now_count=$(screen bench | head -n 4 | grep -o z | wc -l)
		[ "$now_count" -gt "$n" ] && break
		t=$(date +%s%N)
		[ $(( (t - t0) / 1000000 )) -gt 2000 ] && break
	done
	echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$work/ext"
	n=$((n + 1))
	: "$before"
done
still=$(screen bench | grep -c "running" || true)
wait_for bench "rows returned|cancelled" 120 || keys bench Escape
sleep 0.5
status=$(screen bench | grep -E "OK  [0-9.]+ s|cancelled" | head -n 1 |
    sed 's/^[^A-Za-z]*//')
keys bench F10
wait_for bench "EXIT=" 30 || true
kill "$rss_sampler" 2>/dev/null || true
wait "$rss_sampler" 2>/dev/null || true
records=$("$FLOWLENS" query --db "$dir/tui-run.db" -o csv \
    "SELECT count(*) FROM flow_logs" | tr -d '\r' | sed -n 2p)

sorted_ext=$(sort -n "$work/ext")
ext_p50=$(echo "$sorted_ext" | sed -n "$(( ($(echo "$sorted_ext" | wc -l) + 1) / 2 ))p")
ext_max=$(echo "$sorted_ext" | tail -n 1)
echo
echo "== terminal UI ($rows records at start, $records after the run;"
echo "   ingest demo:rate=1000000 running; 2-core shared machine under load)"
cat "$work/bench.log"
echo "long_query: ${status:-?}"
echo "long_query_running_after_the_keypresses $still"
echo "external_key_to_screen_p50_ms $(echo "$ext_p50" | awk '{printf "%.1f", $1 / 1000}')"
echo "external_key_to_screen_max_ms $(echo "$ext_max" | awk '{printf "%.1f", $1 / 1000}')"
awk 'NR == 1 { first = $1 } NR == 10 { at10 = $1 }
    { if ($1 > max) max = $1; last = $1 }
    END { printf "rss_first_mb %.1f\nrss_after_10s_mb %.1f\nrss_max_mb %.1f\nrss_last_mb %.1f\nrss_samples %d\n",
    first / 1024, at10 / 1024, max / 1024, last / 1024, NR }' "$work/rss"

#!/bin/sh
# screenshots.sh FLOWLENS - regenerate screenshots/ from real runs of the
# terminal UI in tmux: the bundled sample plus live demo traffic, captured
# with colours (capture-pane -e) and rendered to PNG by ansi2png.py, plus
# plain-text captures.  Nothing here is faked: each image is what the UI
# drew.
set -eu
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-shots.XXXXXX")
. "$root/tests/tui/lib.sh"
trap 'ui_cleanup; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP PIPE
out="$root/screenshots"
mkdir -p "$out"
cols=100
rows=30
export TERM=xterm-256color
ui_init
tm set-option -g default-terminal tmux-256color > /dev/null

db="$work/shots.db"
"$FLOWLENS" ingest --quiet --no-progress --db "$db" \
    "$root/data/samples/vpc-flow-logs-sample.log.gz"
# Six hours of synthetic history up to now, so the sparklines have a past;
# live demo traffic continues it while the screenshots are taken.
now=$(date +%s)
"$FLOWLENS" gen --rows 60000 --seed 7 --start $((now - 6 * 3600)) --hours 6 |
    "$FLOWLENS" ingest --quiet --no-progress --db "$db" -

# shot NAME SESSION: NAME.txt (plain) and NAME.png (colours) of SESSION
shot() {
	tm capture-pane -p -t "$2" > "$out/$1.txt"
	tm capture-pane -e -p -t "$2" > "$work/$1.ans"
	"$PY" "$root/tests/tui/ansi2png.py" "$work/$1.ans" "$out/$1.png" \
	    "$cols" "$rows"
	echo "screenshots/$1.png"
}

ui_start live "$cols" "$rows" "$FLOWLENS" --db "$db" --range 24h \
    --window 15m "demo:rate=300"
wait_for live "demo:rate=300" 20
sleep 6
# Alarm threshold is not set here; the dashboard shows live demo traffic.
shot dashboard live
keys live Tab Tab
sleep 0.5
shot dashboard-selected live
keys live 3
wait_for live "rows returned" 20
keys live Escape
keys live s
shot sql-canned live
keys live i C-l
keys live -l "SELECT protocol_name(protocol) AS proto, action, count(*) AS flows,"
keys live Enter
keys live -l "       sum(packets) AS packets"
keys live Enter
keys live -l "FROM flow_logs GROUP BY 1, 2 ORDER BY flows DESC"
keys live F5
wait_for live "rows returned" 20
keys live Escape c
sleep 0.5
shot sql-catalog live
keys live d '?'
sleep 0.5
shot help live
keys live Escape q
ui_stop live

ui_start mono "$cols" "$rows" NO_COLOR=1 "$FLOWLENS" --db "$db" --range all
wait_for mono "^Totals" 20
keys mono Tab Tab
sleep 0.5
shot monochrome mono
ui_stop mono

ui_start small 80 24 "$FLOWLENS" --db "$db" --range all --ascii
wait_for small "^Totals" 20
cols=80 rows=24
shot ascii-80x24 small
ui_stop small

#!/bin/sh
# run.sh FLOWLENS - terminal UI tests: the real binary in tmux (send-keys,
# capture-pane) at 80x24 and larger, compared with `flowlens query` on the
# same store.  Prints `ok   tui: ...` / `FAIL tui: ...` lines and
# `N passed, N failed`.
set -u
FLOWLENS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/flowlens-tui.XXXXXX")
. "$root/tests/tui/lib.sh"
trap 'ui_cleanup; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP PIPE
export FLOWLENS_DB=/nonexistent/flowlens-tui-test.db TERM=xterm-256color
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   tui: $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL tui: $1"
	if [ -n "${2:-}" ]; then
		echo "---- screen of $2:"
		screen "$2" | sed 's/^/    /'
	fi
}
check() {	# check NAME SESSION COMMAND...: ok if COMMAND succeeds
	_name=$1 _sess=$2
	shift 2
	if "$@"; then ok "$_name"; else fail "$_name" "$_sess"; fi
}
q() {	# q SQL: one CSV value from `flowlens query` (store $qdb or $db)
	"$FLOWLENS" query --db "${qdb:-$db}" -o csv "$1" | tr -d '\r' | sed -n 2p
}

db="$work/sample.db"
"$FLOWLENS" ingest --quiet --no-progress --db "$db" \
    "$root/data/samples/vpc-flow-logs-sample.log.gz" || {
	echo "FAIL tui: cannot ingest the sample"
	echo "0 passed, 1 failed"
	exit 1
}
ui_init

# --- dashboard values equal SQL (80x24) -----------------------------------
ui_start dash 80 24 "$FLOWLENS" --db "$db" --range all --window 15m
if wait_for dash "^Totals +flows [0-9]" 15; then
	settle dash
	s=$(screen dash)
	flows=$(q "SELECT count(*) FROM flow_logs WHERE start >= 0")
	packets=$(q "SELECT sum(packets) FROM flow_logs WHERE start >= 0")
	echo "$s" | grep -q "flows $flows  packets $packets " &&
	    ok "totals equal SQL (flows $flows, packets $packets)" ||
	    fail "totals equal SQL (want flows $flows packets $packets)" dash
	top=$(q "SELECT srcaddr || ' ' || count(*) FROM flow_logs WHERE
	    action = 'REJECT' AND start >= 0 GROUP BY srcaddr
	    ORDER BY count(*) DESC, srcaddr LIMIT 1")
	echo "$s" | grep -Eq "^ ${top% *} +${top#* } " &&
	    ok "top rejected source equals SQL ($top)" ||
	    fail "top rejected source equals SQL ($top)" dash
	port=$(q "SELECT dstport || ' ' || count(*) FROM flow_logs WHERE
	    action = 'REJECT' AND start >= 0 GROUP BY dstport
	    ORDER BY count(*) DESC, dstport LIMIT 1")
	echo "$s" | grep -Eq " ${port% *} +${port#* }\$" &&
	    ok "top rejected port equals SQL ($port)" ||
	    fail "top rejected port equals SQL ($port)" dash
	# A long path keeps its end (the file name) behind an ellipsis.
	echo "$s" | grep -Eq "^ (…|\.\.\.)[a-z-]*sample\.log\.gz +[0-9.]+[KM]? rec " &&
	    ok "ingest panel: a long source path shows its file name" ||
	    fail "ingest panel: a long source path shows its file name" dash
	now=$(q "SELECT sum(packets) FROM flow_metrics WHERE window_seconds =
	    900 AND protocol = 6 AND action = 'REJECT' AND window_start =
	    (SELECT max(start) - max(start) % 900 FROM flow_logs)")
	max=$(q "SELECT max(p) FROM (SELECT sum(packets) AS p FROM
	    flow_metrics WHERE window_seconds = 900 AND protocol = 6 AND
	    action = 'REJECT' GROUP BY window_start)")
	echo "$s" | grep -A1 "^Rejected TCP" | grep -Eq "now +${now:-0} .* max +$max\$" &&
	    ok "rejected TCP per 15m window: now $now, max $max as in SQL" ||
	    fail "rejected TCP per 15m window (want now $now max $max)" dash
	udp=$(q "SELECT max(p) FROM (SELECT sum(packets) AS p FROM
	    flow_metrics WHERE window_seconds = 900 AND protocol = 17 AND
	    action = 'REJECT' GROUP BY window_start)")
	echo "$s" | grep -Eq "^  UDP .* max +$udp\$" &&
	    ok "rejected UDP packets by protocol panel: max $udp as in SQL" ||
	    fail "rejected UDP by protocol (want max $udp)" dash
else
	fail "dashboard shows totals" dash
fi

# Window switch to 1h: max per hour equals SQL over 15-minute rows.
keys dash w
max1h=$(q "SELECT max(p) FROM (SELECT sum(packets) AS p FROM flow_metrics
    WHERE window_seconds = 900 AND protocol = 6 AND action = 'REJECT'
    GROUP BY window_start - window_start % 3600)")
check "window 1h: TCP max $max1h equals SQL" dash \
    wait_for dash "window 1h" 5
wait_for dash "^. TCP .* max +$max1h\$" 5 ||
    fail "window 1h TCP max (want $max1h)" dash

# Filter applies to every panel; the totals then equal filtered SQL.
keys dash / C-u "proto:tcp port:22" Enter
f=$(q "SELECT count(*) FROM flow_logs WHERE start >= 0 AND protocol = 6
    AND (srcport = 22 OR dstport = 22)")
check "filter proto:tcp port:22: totals $f flows as in SQL" dash \
    wait_for dash "^Totals +flows $f " 10
keys dash / C-u "port:99999" Enter
check "bad filter names the column" dash \
    wait_for dash "at column 6: bad value for port" 5
keys dash / C-u Enter
# A custom range: totals equal SQL over the same minutes.
keys dash : "range 2026-01-01T01:00..2026-01-01T03:00" Enter
cr=$(q "SELECT count(*) FROM flow_logs WHERE start >= 1767229200 AND
    start < 1767236400")
check "custom range FROM..TO: totals $cr flows as in SQL" dash \
    wait_for dash "^Totals +flows $cr " 10
keys dash : "range all" Enter
# :where offers range and filter to the SQL pane.
keys dash / C-u "proto:tcp" Enter
wait_for dash "^Totals +flows $f " 10	# the proto:tcp snapshot is shown
keys dash : "where" Enter
check ":where inserts the range and filter into the editor" dash \
    wait_for dash "start >= 0 AND \\(\\(protocol = 6\\)\\)" 5
keys dash Escape d / C-u Enter

# Drill-down: Enter on the top source opens its raw rejected flows.
wait_for dash "^Totals +flows $flows " 10
settle dash
keys dash Tab Tab Enter
n=$(q "SELECT count(*) FROM flow_logs WHERE action = 'REJECT' AND
    srcaddr = '${top% *}' AND start >= 0")
check "drill-down on the top source returns its $n rejected flows" dash \
    wait_for dash "$n rows returned" 10

# Help on each screen.
keys dash Escape d '?'
check "? shows the dashboard keys" dash wait_for dash "Dashboard keys" 5
keys dash Escape s '?'
check "? shows the SQL result keys" dash wait_for dash "result keys" 5
keys dash Escape
ui_stop dash

# --- canned queries on hotkeys --------------------------------------------
ui_start canned 100 30 "$FLOWLENS" --db "$db" --range all
wait_for canned "^Totals" 15
keys canned 1
tcp=$(q "SELECT sum(packets) FROM flow_logs WHERE action = 'REJECT' AND
    protocol = 6")
check "hotkey 1 runs rejected-by-protocol (TCP $tcp packets as in SQL)" \
    canned wait_for canned "6 TCP +$tcp " 10
keys canned 3
check "hotkey 3 runs the third AWS sample in a second tab" canned \
    wait_for canned "\\[2 " 10
keys canned : "canned top-talkers" Enter
check ":canned NAME runs it" canned wait_for canned "top-talkers\\]" 10
keys canned o
check "o sorts by the column (glyph in the header)" canned \
    wait_for canned "srcaddr(↑|\\^)" 5
ui_stop canned

# --- SQL errors, cancel and resize during a query -------------------------
ui_start sql 80 24 "$FLOWLENS" --db "$db"
wait_for sql "Totals|store" 15
keys sql s
keys sql -l "SELECT nope FROM flow_logs"
keys sql F5
check "SQL error names line and column" sql \
    wait_for sql "at line 1, column 8" 10
keys sql C-l
keys sql -l "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c"
keys sql F5
check "long query shows live elapsed time" sql \
    wait_for sql "running [0-9.]+ s" 10
tm resize-window -t sql -x 120 -y 40
sleep 0.5
check "resize to 120x40 during the query keeps running" sql \
    wait_for sql "running [0-9.]+ s" 5
tm resize-window -t sql -x 50 -y 12
sleep 0.5
check "resize below 80x24 still draws" sql wait_for sql "running" 5
tm resize-window -t sql -x 80 -y 24
keys sql Escape
check "Esc cancels the running query" sql \
    wait_for sql "query cancelled" 10
keys sql F5
wait_for sql "running [0-9.]+ s" 10
keys sql C-c
check "Ctrl-C cancels the running query" sql \
    wait_for sql "query cancelled" 10
keys sql C-l
keys sql -l "SELECT count(*) AS n FROM flow_logs"
keys sql F5
check "the pane works after cancel" sql wait_for sql "1 rows returned" 10
keys sql Escape q
check "q quits with status 0" sql wait_for sql "EXIT=0" 10
ui_stop sql

# --- editor: completion, undo, history, $EDITOR; grid views ----------------
printf '#!/bin/sh\necho "SELECT 6 * 7 AS answer" > "$1"\n' > "$work/ed.sh"
chmod +x "$work/ed.sh"
ui_start ed 100 30 VISUAL="$work/ed.sh" "$FLOWLENS" --db "$db"
wait_for ed "Totals|store" 15
keys ed s
keys ed -l "SELECT count(*) FROM flow_l"
keys ed Tab
check "Tab completes a table name" ed wait_for ed "FROM flow_logs" 5
keys ed C-l
keys ed -l "top-tal"
keys ed Tab F5
check "Tab completes a canned name; F5 runs that canned query" ed \
    wait_for ed "top-talkers\\]" 10
keys ed i C-l
keys ed -l "abc"
keys ed C-z
sleep 0.3
screen ed | grep -q "^  1 abc" && fail "Ctrl-Z undoes typing" ed ||
    ok "Ctrl-Z undoes typing"
keys ed C-p
check "Ctrl-P recalls the previous query" ed \
    wait_for ed "GROUP BY srcaddr, dstaddr" 5
keys ed C-l F4
check "F4 edits in \$VISUAL and reads the text back" ed \
    wait_for ed "SELECT 6 \\* 7 AS answer" 5
keys ed F5
check "the edited query runs" ed wait_for ed "^▶ +42" 10
keys ed i C-l
keys ed -l "SELECT 1767225600 AS start, 'x' AS note"
keys ed F5
wait_for ed "1 rows returned" 10
keys ed Escape t
check "t shows epoch times as UTC" ed wait_for ed "2026-01-01 00:00:00" 5
keys ed Enter
check "Enter opens the row detail" ed wait_for ed "Row 1 of 1" 5
keys ed Escape c
check "c shows the catalog with flow_logs columns" ed \
    wait_for ed "vpc_flow_logs \\(catalog\\)" 5
screen ed | grep -Eq "srcaddr +TEXT" && ok "catalog lists columns with types" ||
    fail "catalog lists columns with types" ed
keys ed q
wait_for ed "EXIT=0" 10
ui_stop ed
grep -q "SELECT 6 \\* 7 AS answer" "$work/state/flowlens/history" &&
    ok "history is saved to the XDG state directory" ||
    fail "history is saved to the XDG state directory"
ui_start ed2 100 30 "$FLOWLENS" --db "$db"
wait_for ed2 "Totals|store" 15
keys ed2 s C-f "6 \\* 7" Enter
keys ed2 C-f "6 * 7" Enter
check "Ctrl-F searches the saved history of an earlier run" ed2 \
    wait_for ed2 "SELECT 6 \\* 7 AS answer" 5
ui_stop ed2

# --- monochrome and ASCII -------------------------------------------------
ui_start color 80 24 "$FLOWLENS" --db "$db" --range all
wait_for color "^Totals" 15
esc=$(printf '\033')
colour_re="$esc\\[([0-9]+;)*(3[0-7]|38)(;|m)"	# foreground colours; 39 is "default"
if tm capture-pane -e -p -t color | grep -Eq "$colour_re"; then
	ok "colours are used when the terminal has them"
else
	fail "colours are used when the terminal has them" color
fi
ui_stop color
ui_start mono 80 24 NO_COLOR=1 "$FLOWLENS" --db "$db" --range all
wait_for mono "^Totals" 15
if tm capture-pane -e -p -t mono | grep -Eq "$colour_re"; then
	fail "NO_COLOR=1: no colour escapes" mono
else
	ok "NO_COLOR=1: no colour escapes"
fi
keys mono Tab Tab
if tm capture-pane -e -p -t mono | grep -Eq "$esc\\[([0-9]+;)*7(;|m)"; then
	ok "monochrome selection is shown in reverse video"
else
	fail "monochrome selection is shown in reverse video" mono
fi
ui_stop mono
ui_start ascii 80 24 "$FLOWLENS" --db "$db" --range all --ascii --no-color
wait_for ascii "^Totals" 15
if screen ascii | LC_ALL=C grep -q '[^ -~]'; then
	fail "--ascii: only ASCII on screen" ascii
else
	ok "--ascii: only ASCII on screen"
fi
ui_stop ascii
ui_start clocale 80 24 LANG=C LC_ALL=C "$FLOWLENS" --db "$db" --range all
wait_for clocale "^Totals" 15
if screen clocale | LC_ALL=C grep -q '[^ -~]'; then
	fail "C locale: ASCII glyphs automatically" clocale
else
	ok "C locale: ASCII glyphs automatically"
fi
ui_stop clocale
ui_start vt100 80 24 TERM=vt100 "$FLOWLENS" --db "$db" --range all
check "TERM=vt100 works" vt100 wait_for vt100 "^Totals" 15
ui_stop vt100

# --- a second process attached to a store another one fills ---------------
live="$work/live.db"
ui_start writer 80 24 "$FLOWLENS" --db "$live" --range 1h "demo:rate=400"
wait_for writer "demo:rate=400" 15
ui_start reader 80 24 "$FLOWLENS" --db "$live" --range 1h
if wait_for reader "demo:rate=400 +[0-9.k]+ rec" 15; then
	a=$(screen reader | sed -n 's/^Totals *flows \([0-9]*\).*/\1/p')
	sleep 2.5
	b=$(screen reader | sed -n 's/^Totals *flows \([0-9]*\).*/\1/p')
	if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then
		ok "second process sees the first one's ingest grow ($a -> $b flows)"
	else
		fail "second process sees the ingest grow ($a -> $b)" reader
	fi
	# Demo records start "now": the source's lag is seconds, and it is
	# what SQL says of the newest record of that source.
	lag=$(screen reader | sed -n 's/^ *demo:rate=400 .* lag \([0-9]*\)s .*/\1/p')
	want=$(sqlite3 -readonly "$live" "SELECT strftime('%s','now') - max(start) FROM flow_logs WHERE origin = (SELECT id FROM ingest_state WHERE source = 'demo:rate=400')")
	if [ -n "$lag" ] && [ -n "$want" ] && [ "$lag" -le 10 ] &&
	    [ $((lag - want)) -le 3 ] && [ $((want - lag)) -le 3 ]; then
		ok "per-source lag behind real time (${lag}s; SQL ${want}s)"
	else
		fail "per-source lag behind real time (screen '${lag}', SQL '${want}')" reader
	fi
else
	fail "second process attaches to the live store" reader
fi
keys reader q
keys writer q
check "the ingesting UI quits cleanly (status 0)" writer \
    wait_for writer "EXIT=0" 15
n=$(qdb=$live q "SELECT (SELECT count(*) FROM flow_logs WHERE start IS NOT
    NULL) = (SELECT sum(flows) FROM flow_metrics WHERE window_seconds = 60)
    AS same")
[ "$n" = 1 ] && ok "after quitting, flow_metrics equals flow_logs" ||
    fail "after quitting, flow_metrics equals flow_logs (got $n)"
ui_stop reader
ui_stop writer

# --- readonly, config file, usage -----------------------------------------
ui_start ro 80 24 "$FLOWLENS" --db "$db" --readonly --range all
wait_for ro "^Totals" 15
keys ro 1
wait_for ro "rows returned" 10
keys ro e
check "--readonly refuses export" ro \
    wait_for ro "readonly: export to files is disabled" 5
ui_stop ro
ui_start export 80 24 "$FLOWLENS" --db "$db" --range all
wait_for export "^Totals" 15
keys export 1
wait_for export "rows returned" 10
keys export : "export csv $work/out.csv" Enter
wait_for export "exported 3 rows" 5
keys export J
wait_for export "exported 3 rows to .*json" 5
ui_stop export
"$FLOWLENS" query --db "$db" -o csv --canned rejected-by-protocol \
    > "$work/want.csv"
if [ -f "$work/out.csv" ] &&
    [ "$(tr -d '\r' < "$work/out.csv")" = "$(tr -d '\r' < "$work/want.csv")" ]; then
	ok "CSV export equals flowlens query -o csv"
else
	fail "CSV export equals flowlens query -o csv"
fi
"$FLOWLENS" --readonly --db "$db" demo: > /dev/null 2>&1
[ $? = 2 ] && ok "--readonly with a SOURCE is a usage error (2)" ||
    fail "--readonly with a SOURCE is a usage error"
"$FLOWLENS" --db "$db" - > /dev/null 2>&1 < /dev/null
[ $? = 2 ] && ok "stdin as a UI source is a usage error (2)" ||
    fail "stdin as a UI source is a usage error"
mkdir -p "$work/cfg/flowlens"
printf '[ui]\nwindow = 1m\n[alarm]\nrejected_tcp_packets = 10\ncolour = red\n' \
    > "$work/cfg/flowlens/flowlens.conf"
out=$(XDG_CONFIG_HOME="$work/cfg" "$FLOWLENS" --print-config 2>&1)
st=$?
echo "$out" | grep -q "flowlens.conf:5: key \"colour\"" && [ $st = 2 ] &&
    ok "config errors name file, line and key (exit 2)" ||
    fail "config errors name file, line and key: $out"
printf '[ui]\nwindow = 1m\n[alarm]\nrejected_tcp_packets = 10\n' \
    > "$work/cfg/flowlens/flowlens.conf"
XDG_CONFIG_HOME="$work/cfg" "$FLOWLENS" --print-config | grep -q "^window = 1m" &&
    ok "--print-config shows the effective config" ||
    fail "--print-config shows the effective config"

# --- alarms from the config file ------------------------------------------
# On the live store: threshold just below the current 1-hour value alarms,
# a threshold equal to it does not (the rule is "exceeds").  (A 1-minute
# window could hold a single packet if the demo stopped just after a
# minute began.)
cur=$(qdb=$live q "SELECT sum(packets) FROM flow_metrics WHERE window_seconds
    = 60 AND protocol = 6 AND action = 'REJECT' AND window_start >=
    (SELECT max(start) - max(start) % 3600 FROM flow_logs)")
printf '[alarm]\nrejected_tcp_packets = %s\n' "$cur" \
    > "$work/cfg/flowlens/flowlens.conf"
ui_start calm 80 24 "$FLOWLENS" --db "$live" --range all --window 1h
wait_for calm "^Totals" 15
sleep 1
screen calm | grep -q "ALARM" && fail "no alarm at threshold = value ($cur)" calm ||
    ok "no alarm when the value ($cur) equals the threshold"
ui_stop calm
printf '[alarm]\nrejected_tcp_packets = %s\ncommand = echo "$FLOWLENS_ALARM" > %s\n' \
    "$((cur - 1))" "$work/alarm-cmd.txt" > "$work/cfg/flowlens/flowlens.conf"
ui_start alarm 80 24 "$FLOWLENS" --db "$live" --range all --window 1h
check "threshold $((cur - 1)) < $cur: alarm glyph and word on the panel" alarm \
    wait_for alarm "ALARM > $((cur - 1))" 15
grep -q "ALARM rejected TCP packets $cur > $((cur - 1))" \
    "$work/state/flowlens/alarms.log" 2>/dev/null &&
    ok "the alarm is logged" || fail "the alarm is logged"
sleep 0.5
grep -q "rejected TCP packets $cur > $((cur - 1))" "$work/alarm-cmd.txt" 2>/dev/null &&
    ok "the alarm command runs with \$FLOWLENS_ALARM" ||
    fail "the alarm command runs with \$FLOWLENS_ALARM"
ui_stop alarm
rm -f "$work/cfg/flowlens/flowlens.conf"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

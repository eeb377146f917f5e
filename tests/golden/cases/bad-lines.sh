# Bad lines are rejected whole, stored with file:line and a reason naming
# the field, counted, and ingest still exits 0.  Millisecond times are
# scaled to seconds.
$FLOWLENS ingest --db t.db "$DATA/bad-lines.log"
echo "exit $?"
$FLOWLENS query --db t.db "SELECT replace(location, '$DATA/', 'DATA/') AS location, reason, raw FROM ingest_errors ORDER BY id"
$FLOWLENS query --db t.db "SELECT srcport, packets, start, \"end\", action FROM flow_logs ORDER BY rowid"
$FLOWLENS query --db t.db "SELECT records, errors, skipped, line FROM ingest_state"

# demo: produces live traffic stamped with the current time and stops after
# rows= records; bad parameters are a usage error.
$FLOWLENS ingest --db t.db -q 'demo:rate=5000,rows=300,seed=3'
echo "exit $?"
$FLOWLENS query --db t.db "SELECT count(*) AS records, count(DISTINCT interface_id) > 10 AS many_enis, max(\"end\") <= strftime('%s', 'now') AS not_in_future, min(start) >= strftime('%s', 'now') - 120 AS recent FROM flow_logs"
$FLOWLENS query --db t.db "SELECT kind, records FROM ingest_state"
$FLOWLENS ingest --db t.db 'demo:rate=fast'
echo "exit $?"

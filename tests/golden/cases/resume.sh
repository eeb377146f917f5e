# Exactly once across runs: an unchanged file adds nothing, a grown file
# adds only its new records, a different file at the same path is read as
# new, --reread replaces what a file contributed, stdin is always read.
$FLOWLENS gen --rows 1500 --seed 3 > all.log
head -n 1000 all.log > flows.log
$FLOWLENS ingest --db t.db -q flows.log
$FLOWLENS query --db t.db "SELECT count(*) FROM flow_logs"
$FLOWLENS ingest --db t.db flows.log
$FLOWLENS query --db t.db "SELECT count(*) FROM flow_logs"
tail -n 500 all.log >> flows.log
$FLOWLENS ingest --db t.db -q flows.log
$FLOWLENS query --db t.db "SELECT count(*), count(*) = (SELECT count(*) FROM (SELECT DISTINCT * FROM flow_logs)) AS no_duplicates FROM flow_logs"
$FLOWLENS gen --rows 10 --seed 4 > flows.log
$FLOWLENS ingest --db t.db -q flows.log
$FLOWLENS query --db t.db "SELECT count(*) FROM flow_logs"
$FLOWLENS ingest --db t.db -q --reread flows.log
$FLOWLENS query --db t.db "SELECT count(*) FROM flow_logs"
$FLOWLENS query --db t.db "SELECT id, kind, records, fp_len > 0 AS fingerprinted FROM ingest_state ORDER BY id"
$FLOWLENS gen --rows 5 --seed 5 | $FLOWLENS ingest --db t.db -q -
$FLOWLENS gen --rows 5 --seed 5 | $FLOWLENS ingest --db t.db -q -
$FLOWLENS query --db t.db "SELECT count(*) FROM flow_logs"
# flow_metrics equals the same aggregation over flow_logs
$FLOWLENS query --db t.db "SELECT count(*) AS mismatches FROM (SELECT window_seconds, window_start, protocol, action, flows, packets, bytes FROM flow_metrics EXCEPT SELECT w, start - start % w, ifnull(protocol, -1), CASE WHEN action IS NULL THEN '-' WHEN action IN ('ACCEPT','REJECT') THEN action ELSE 'OTHER' END, count(*), total(packets), total(bytes) FROM flow_logs, (SELECT 60 AS w UNION ALL SELECT 900) WHERE start IS NOT NULL GROUP BY 1, 2, 3, 4)"

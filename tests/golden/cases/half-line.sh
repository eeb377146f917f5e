# A file whose writer has not finished its last line: that line is left
# unread (said on stderr, no error row), and read whole by the next run
# once the file has grown - nothing lost, nothing doubled.  A last line
# without a newline that is a whole record is stored at once.
$FLOWLENS gen --rows 4 --seed 8 > all.log
head -n 2 all.log > flows.log
sed -n 3p all.log | cut -c 1-40 | tr -d '\n' >> flows.log
$FLOWLENS ingest --db t.db --no-progress flows.log
$FLOWLENS ingest --db t.db --no-progress flows.log
sed -n 3p all.log | cut -c 41- >> flows.log
sed -n 4p all.log | tr -d '\n' >> flows.log
$FLOWLENS ingest --db t.db --no-progress flows.log
$FLOWLENS query --db t.db "SELECT count(*) AS stored, (SELECT count(*) FROM ingest_errors) AS errors FROM flow_logs"
echo >> flows.log
$FLOWLENS ingest --db t.db --no-progress flows.log
$FLOWLENS query --db t.db "SELECT count(*) AS stored, count(DISTINCT srcaddr || srcport || dstaddr || start) AS distinct_flows, (SELECT count(*) FROM ingest_errors) AS errors FROM flow_logs"
# Through gzip a cut line is damage, not a file being written: an error row.
head -n 2 all.log > cut.log
sed -n 3p all.log | cut -c 1-40 | tr -d '\n' >> cut.log
gzip cut.log
$FLOWLENS ingest --db t.db --no-progress cut.log.gz
$FLOWLENS query --db t.db "SELECT location, substr(reason, 1, 30) AS reason FROM ingest_errors"

# Firehose {"message"} lines, CloudWatch Logs subscription payloads (gzip
# members back to back, CONTROL_MESSAGE, extractedFields, unknown
# messageType, an event without message), double gzip, pretty-printed JSON
# back to back, S3 gzip members each with its own header, a CRLF file
# without final newline, and a truncated gzip file.
for f in firehose.jsonl cloudwatch-firehose-s3.bin cloudwatch-double.gz cloudwatch-plain.json s3-multimember.log.gz crlf-noeol.log truncated.log.gz; do
	echo "== $f"
	$FLOWLENS ingest --db t.db "$DATA/$f"
	echo "exit $?"
done
$FLOWLENS query --db t.db "SELECT replace(s.source, '$DATA/', '') AS source, s.records, s.errors, s.skipped FROM ingest_state s ORDER BY id"
$FLOWLENS query --db t.db "SELECT replace(location, '$DATA/', '') AS location, reason FROM ingest_errors ORDER BY id"
$FLOWLENS query --db t.db "SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, start, action, log_status FROM flow_logs ORDER BY rowid"

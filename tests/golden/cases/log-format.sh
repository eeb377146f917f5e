# --log-format applies to input without a header line, in AWS syntax or
# bare names; a header line in the input wins over it.
printf '%s\n' 'i-0123 eni-1111 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5' '- eni-2222 10.0.0.220 203.0.113.5 10.0.0.220 203.0.113.5' > nat.log
$FLOWLENS ingest --db t.db -q --log-format '${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr}' nat.log
$FLOWLENS ingest --db t.db -q --log-format 'srcaddr dstaddr' "$DATA/s3-multimember.log.gz"
$FLOWLENS query --db t.db "SELECT instance_id, interface_id, srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr, start FROM flow_logs ORDER BY rowid"
$FLOWLENS query --db t.db "SELECT count(*) FROM ingest_errors"

# Every record shape from the AWS documentation, with header lines that
# switch the format mid-file (v2, v3, v5, ECS v7, v8 reject-reason, an
# alphabetical custom format with TGW, encryption-status and unknown fields).
$FLOWLENS ingest --db t.db "$DATA/aws-doc-examples.log"
echo "exit $?"
$FLOWLENS query --db t.db --output json "SELECT * FROM flow_logs ORDER BY rowid"
$FLOWLENS query --db t.db "SELECT count(*) AS errors FROM ingest_errors"

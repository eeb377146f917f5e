#!/bin/sh
# run-sample.sh FLOWLENS - what `make run` does until the terminal UI lands:
# ingest the bundled sample into build/sample.db and print the canned reject
# report.  Re-running adds nothing (the sample is already ingested).
set -eu
FLOWLENS=$1
db=build/sample.db
"$FLOWLENS" ingest --db "$db" data/samples/*.log.gz
for q in rejected-by-protocol rejected-tcp-per-15m port-scanners ssh-rdp-probes; do
	echo
	"$FLOWLENS" canned | grep "^$q " | sed -E 's/^[^ ]+ +/== /'
	"$FLOWLENS" query --db "$db" --canned "$q" | head -n 12
done
echo
echo "The store is $db.  Try:"
echo "  $FLOWLENS query --db $db \"SELECT action, count(*) FROM flow_logs GROUP BY 1\""
echo "  $FLOWLENS canned          # more canned queries"

# --follow tails a growing file: records appear while it runs, a partial
# last line is not taken for a whole one when it stops, a re-run finishes
# the line, and a rotated file (renamed, new file at the path) is read as a
# new file.  Several sources run side by side (two demo: threads).
wait_count() {	# wait_count N: until flow_logs holds N rows (10 s at most)
	i=0
	while [ "$($FLOWLENS query --db t.db --output tsv "SELECT count(*) FROM flow_logs" | tail -n 1)" != "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then echo "timeout waiting for $1 rows"; return 1; fi
		sleep 0.1
	done
	echo "$1 rows"
}
$FLOWLENS gen --rows 1000 --seed 2 > all.log
head -n 300 all.log > f.log
$FLOWLENS ingest --db t.db --quiet f.log	# creates the store
$FLOWLENS ingest --db t.db --follow --quiet f.log &
pid=$!
wait_count 300
sed -n 301,600p all.log >> f.log
wait_count 600
line=$(sed -n 601p all.log)
printf '%s ' "${line%% *}" >> f.log	# half a line
sleep 0.6
kill -INT $pid
wait $pid
echo "exit $?"
printf '%s\n' "${line#* }" >> f.log
sed -n 602,1000p all.log >> f.log
cmp f.log all.log && echo "file complete"
$FLOWLENS ingest --db t.db --quiet f.log
$FLOWLENS query --db t.db "SELECT count(*) AS records, (SELECT count(*) FROM ingest_errors) AS rejected FROM flow_logs"
# Rotation.
$FLOWLENS ingest --db t.db --follow --quiet f.log 'demo:rate=50,seed=5' 'demo:rate=50,seed=6' &
pid=$!
sleep 0.5
mv f.log rotated.log
$FLOWLENS gen --rows 70 --seed 3 > f.log
i=0
while [ "$($FLOWLENS query --db t.db --output tsv "SELECT count(*) FROM ingest_state WHERE kind = 'file' AND records = 70" | tail -n 1)" != 1 ] && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.1
done
kill -TERM $pid
wait $pid
echo "exit $?"
$FLOWLENS query --db t.db "SELECT kind, records, errors FROM ingest_state WHERE kind = 'file' ORDER BY id"
$FLOWLENS query --db t.db "SELECT count(*) > 0 AS both_demos_stored FROM (SELECT origin FROM flow_logs GROUP BY origin HAVING origin IN (SELECT id FROM ingest_state WHERE kind = 'demo')) HAVING count(*) = 2"
# A rotated file is complete: a cut last line in it is an error row (with
# --follow, a file's end is reached only then), not a line held for a run
# that would never read that file again.
$FLOWLENS gen --rows 5 --seed 9 > r.all
head -n 2 r.all > r.log
sed -n 3p r.all | cut -c 1-30 | tr -d '\n' >> r.log
$FLOWLENS ingest --db t.db --follow --quiet r.log &
pid=$!
rotated() {	# rotated N: until N checkpoints of r.log hold 2 records each
	i=0
	while [ "$($FLOWLENS query --db t.db --output tsv "SELECT count(*) FROM ingest_state WHERE source LIKE '%/r.log' AND records = 2" | tail -n 1)" != "$1" ] && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.1
	done
}
rotated 1
mv r.log r.old
sed -n 4,5p r.all > r.log
rotated 2
kill -TERM $pid
wait $pid
echo "exit $?"
$FLOWLENS query --db t.db "SELECT records, errors FROM ingest_state WHERE source LIKE '%/r.log' ORDER BY id"
$FLOWLENS query --db t.db "SELECT location, substr(reason, 1, 28) AS reason FROM ingest_errors WHERE source LIKE '%/r.log'"

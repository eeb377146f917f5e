# Canned queries are listed with titles and all run on a real store.
$FLOWLENS canned
$FLOWLENS gen --rows 20000 --seed 11 --start 1699990000 --hours 4 > flows.log
$FLOWLENS ingest --db t.db -q flows.log
for q in $($FLOWLENS canned | cut -d' ' -f1); do
	echo "== $q"
	$FLOWLENS query --db t.db --canned "$q" --output csv | head -n 6
done

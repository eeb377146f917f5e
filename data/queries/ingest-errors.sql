-- title: The 50 most recent rejected input units, with location and reason
SELECT id,
       source,
       location,
       reason,
       substr(CAST(raw AS TEXT), 1, 100) AS raw
FROM ingest_errors
ORDER BY id DESC
LIMIT 50;

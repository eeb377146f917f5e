-- title: Rejected TCP packets per 15-minute window (AWS solution metric)
-- Reads flow_metrics, the tumbling windows kept at ingest; equal to grouping
-- flow_logs by start - start % 900 for protocol 6 and action REJECT.
SELECT window_start,
       to_iso8601(window_start) AS window_utc,
       sum(packets) AS rejected_tcp_packets,
       sum(flows) AS flows
FROM flow_metrics
WHERE window_seconds = 900 AND protocol = 6 AND action = 'REJECT'
GROUP BY window_start
ORDER BY window_start DESC
LIMIT 96;

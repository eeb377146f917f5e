-- title: Rejected packets by protocol per 15-minute window (AWS solution metric)
SELECT window_start,
       to_iso8601(window_start) AS window_utc,
       protocol_name(nullif(protocol, -1)) AS protocol,
       sum(packets) AS rejected_packets
FROM flow_metrics
WHERE window_seconds = 900 AND action = 'REJECT'
GROUP BY window_start, protocol
ORDER BY window_start DESC, rejected_packets DESC
LIMIT 200;

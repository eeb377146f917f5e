-- title: Rejected flows by protocol in the last hour
-- Grouping by the protocol number (not by its name) lets SQLite group
-- without calling protocol_name() for every row.
SELECT protocol_name(protocol) AS protocol,
       count(*) AS rejected_flows,
       sum(packets) AS rejected_packets,
       count(DISTINCT srcaddr) AS sources
FROM vpc_flow_logs.flow_logs
WHERE start >= to_unixtime(now() - INTERVAL '1' hour)
  AND action = 'REJECT'
GROUP BY flow_logs.protocol
ORDER BY rejected_packets DESC;

-- title: Top 10 rejected source addresses in the past 2 weeks (AWS blog sample)
SELECT srcaddr,
       count(*) AS rejected_flows,
       sum(packets) AS rejected_packets
FROM vpc_flow_logs.flow_logs
WHERE action = 'REJECT'
  AND start >= to_unixtime(now() - INTERVAL '14' day)
GROUP BY srcaddr
ORDER BY rejected_flows DESC, srcaddr
LIMIT 10;

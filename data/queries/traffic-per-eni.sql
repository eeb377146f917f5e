-- title: Traffic per network interface (ENI), with reject share
SELECT interface_id,
       count(*) AS flows,
       sum(bytes) AS total_bytes,
       sum(action = 'REJECT') AS rejected_flows,
       round(100.0 * sum(action = 'REJECT') / count(*), 1) AS reject_pct
FROM vpc_flow_logs.flow_logs
GROUP BY interface_id
ORDER BY total_bytes DESC, interface_id
LIMIT 50;

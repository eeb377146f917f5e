-- title: Top talkers: 20 source/destination pairs with the most bytes
SELECT srcaddr,
       dstaddr,
       sum(bytes) AS total_bytes,
       sum(packets) AS total_packets,
       count(*) AS flows
FROM vpc_flow_logs.flow_logs
WHERE log_status = 'OK'
GROUP BY srcaddr, dstaddr
ORDER BY total_bytes DESC, srcaddr, dstaddr
LIMIT 20;

-- title: Top 10 servers receiving HTTPS, by packets (AWS blog sample)
SELECT SUM(packets) AS packetcount,
       dstaddr
FROM vpc_flow_logs.flow_logs
WHERE dstport = 443
GROUP BY dstaddr
ORDER BY packetcount DESC, dstaddr
LIMIT 10;

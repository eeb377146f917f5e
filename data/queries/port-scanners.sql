-- title: Port scanners: sources rejected on 20 or more destination ports
SELECT srcaddr,
       count(DISTINCT dstport) AS ports,
       count(DISTINCT dstaddr) AS targets,
       count(*) AS rejected_flows,
       to_iso8601(min(start)) AS first_seen,
       to_iso8601(max("end")) AS last_seen
FROM vpc_flow_logs.flow_logs
WHERE action = 'REJECT'
GROUP BY srcaddr
HAVING count(DISTINCT dstport) >= 20
ORDER BY ports DESC, srcaddr
LIMIT 25;

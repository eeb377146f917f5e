-- title: SSH and RDP probes: rejected flows to ports 22 and 3389 by source
SELECT srcaddr,
       dstport,
       count(*) AS rejected_flows,
       count(DISTINCT dstaddr) AS targets,
       sum(packets) AS packets
FROM vpc_flow_logs.flow_logs
WHERE action = 'REJECT' AND dstport IN (22, 3389)
GROUP BY srcaddr, dstport
ORDER BY rejected_flows DESC, srcaddr, dstport
LIMIT 25;

-- title: Admin-port traffic: top 10 sources on SSH, RDP, WinRM, SMB and database ports
SELECT srcaddr,
       dstport,
       sum(action = 'ACCEPT') AS accepted_flows,
       sum(action = 'REJECT') AS rejected_flows,
       sum(bytes) AS total_bytes
FROM vpc_flow_logs.flow_logs
WHERE dstport IN (22, 23, 445, 1433, 3306, 3389, 5432, 5985, 5986, 6379, 9200, 27017)
GROUP BY srcaddr, dstport
ORDER BY rejected_flows + accepted_flows DESC, srcaddr, dstport
LIMIT 10;

-- title: Rejected packets by protocol (AWS blog sample)
SELECT protocol,
       protocol_name(protocol) AS name,
       sum(packets) AS rejected_packets,
       count(*) AS flows
FROM vpc_flow_logs.flow_logs
WHERE action = 'REJECT'
GROUP BY protocol
ORDER BY rejected_packets DESC;

-- title: Logging health: OK, NODATA and SKIPDATA records per status
SELECT log_status,
       count(*) AS records,
       count(DISTINCT interface_id) AS interfaces,
       to_iso8601(min(start)) AS first_start,
       to_iso8601(max("end")) AS last_end
FROM vpc_flow_logs.flow_logs
GROUP BY log_status
ORDER BY records DESC;

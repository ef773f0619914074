-- Top talkers: source/destination pairs by bytes (as `vpcscope flows summary` "top_talkers").
SELECT srcaddr, dstaddr, sum(packets) AS packets, sum(bytes) AS bytes, count(*) AS records
FROM vpc_flow_logs
WHERE log_status NOT IN ('NODATA', 'SKIPDATA')
  AND day BETWEEN '2024/01/01' AND '2024/01/31'
GROUP BY srcaddr, dstaddr
ORDER BY bytes DESC, packets DESC
LIMIT 10;

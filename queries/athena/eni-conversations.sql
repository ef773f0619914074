-- Conversations of one network interface (replace the ENI id), largest first; the grouping
-- of `vpcscope flows summary` "conversations".
SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action,
       sum(packets) AS packets, sum(bytes) AS bytes, count(*) AS records,
       min(start) AS first_start, max("end") AS last_end
FROM vpc_flow_logs
WHERE interface_id = 'eni-0123456789abcdef0'
  AND log_status NOT IN ('NODATA', 'SKIPDATA')
  AND day BETWEEN '2024/01/01' AND '2024/01/31'
GROUP BY interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action
ORDER BY bytes DESC
LIMIT 100;

-- Rejected traffic by destination port and protocol (as `vpcscope flows summary` "rejected").
SELECT dstport, protocol, count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
       count(DISTINCT (interface_id, srcaddr, dstaddr, srcport, dstport, protocol)) AS conversations
FROM vpc_flow_logs
WHERE action = 'REJECT'
  AND day BETWEEN '2024/01/01' AND '2024/01/31'
GROUP BY dstport, protocol
ORDER BY records DESC, packets DESC
LIMIT 10;

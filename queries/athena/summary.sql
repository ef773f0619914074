-- The aggregation `vpcscope flows summary --athena TABLE` runs: every record grouped by
-- conversation and log status, with the column names vpcscope reads back (the same as its
-- Logs Insights queries). `{table}` is the table, `{where}` the incident filters and the
-- time window (with partition predicates when the table is partitioned), or TRUE.
SELECT interface_id AS "interfaceId", srcaddr AS "srcAddr", dstaddr AS "dstAddr",
       srcport AS "srcPort", dstport AS "dstPort", protocol, action, log_status AS "logStatus",
       sum(packets) AS packets, sum(bytes) AS bytes, count(*) AS records,
       min(start) AS "firstStart", max("end") AS "lastEnd"
FROM {table}
WHERE {where}
GROUP BY interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action, log_status

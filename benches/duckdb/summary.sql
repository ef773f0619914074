-- The aggregation of `vpcscope flows summary`, in DuckDB: one scan of a default-format (v2)
-- flow-log file grouped by the conversation key plus log status, then the same derived lists
-- (record counts, top conversations, top talkers, rejects by port, interfaces).
-- run.py puts the source after FROM: the read_csv of read-text.sql for text, read_parquet for
-- Parquet (whose columns carry the same names).
CREATE TEMP TABLE conv AS
SELECT interface_id, srcaddr, dstaddr, srcport, dstport, protocol, action, log_status,
       sum(packets) AS packets, sum(bytes) AS bytes, count(*) AS records,
       min(start) AS first_start, max("end") AS last_end
FROM FLOWLOG_SOURCE
GROUP BY ALL;

SELECT log_status, sum(records) AS records FROM conv GROUP BY ALL ORDER BY 1;

SELECT count(*) AS conversations FROM conv WHERE log_status = 'OK';

SELECT * EXCLUDE (log_status) FROM conv WHERE log_status = 'OK'
ORDER BY bytes DESC, packets DESC LIMIT 10;

SELECT srcaddr, dstaddr, sum(packets) AS packets, sum(bytes) AS bytes, sum(records) AS records
FROM conv WHERE log_status = 'OK' GROUP BY ALL ORDER BY bytes DESC, packets DESC LIMIT 10;

SELECT dstport, protocol, sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
       count(*) AS conversations
FROM conv WHERE action = 'REJECT' GROUP BY ALL ORDER BY records DESC, packets DESC LIMIT 10;

SELECT interface_id, sum(records) AS records, sum(packets) AS packets, sum(bytes) AS bytes
FROM conv WHERE log_status = 'OK' GROUP BY ALL ORDER BY bytes DESC LIMIT 10;

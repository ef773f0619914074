-- Table over VPC flow logs delivered to S3 in Apache Parquet, in AWS's default key layout
-- (AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/), partitioned by day with
-- partition projection: no MSCK REPAIR or crawler needed. Replace the bucket, account id and
-- region. Columns are the flow-log fields as AWS writes them in Parquet (INT_32, INT_64,
-- STRING); drop the ones your log format does not have. With
-- `vpcscope flows summary --athena vpc_flow_logs_parquet --athena-partitioning day` the
-- time window becomes a `day BETWEEN ...` predicate.
CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs_parquet (
  version int,
  account_id string,
  interface_id string,
  srcaddr string,
  dstaddr string,
  srcport int,
  dstport int,
  protocol bigint,
  packets bigint,
  bytes bigint,
  start bigint,
  `end` bigint,
  action string,
  log_status string,
  vpc_id string,
  subnet_id string,
  instance_id string,
  tcp_flags int,
  type string,
  pkt_srcaddr string,
  pkt_dstaddr string,
  region string,
  az_id string,
  sublocation_type string,
  sublocation_id string,
  pkt_src_aws_service string,
  pkt_dst_aws_service string,
  flow_direction string,
  traffic_path int,
  reject_reason string
)
PARTITIONED BY (day string)
STORED AS PARQUET
LOCATION 's3://BUCKET/AWSLogs/123456789012/vpcflowlogs/us-east-1/'
TBLPROPERTIES (
  'parquet.compression' = 'GZIP',
  'projection.enabled' = 'true',
  'projection.day.type' = 'date',
  'projection.day.range' = '2024/01/01,NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://BUCKET/AWSLogs/123456789012/vpcflowlogs/us-east-1/${day}'
);

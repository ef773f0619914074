-- Table over VPC flow logs delivered to S3 in Apache Parquet with Hive-compatible prefixes and
-- hourly partitions (AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/
-- year=<y>/month=<m>/day=<d>/hour=<h>/), with partition projection over year, month, day and
-- hour. Replace the bucket, account id and region. With
-- `vpcscope flows summary --athena vpc_flow_logs_hive --athena-partitioning hive` the time
-- window becomes predicates on year, month and day.
CREATE EXTERNAL TABLE IF NOT EXISTS vpc_flow_logs_hive (
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
PARTITIONED BY (year string, month string, day string, hour string)
STORED AS PARQUET
LOCATION 's3://BUCKET/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/'
TBLPROPERTIES (
  'parquet.compression' = 'GZIP',
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2024,2099',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'projection.hour.type' = 'integer',
  'projection.hour.range' = '0,23',
  'projection.hour.digits' = '2',
  'storage.location.template' = 's3://BUCKET/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=${year}/month=${month}/day=${day}/hour=${hour}'
);

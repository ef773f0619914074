//! All I/O lives here: snapshot directories, flow-log files and streams, CloudWatch Logs and
//! the EC2 API. Everything downstream works on in-memory values.
//!
//! `ec2`, `cloudwatch`, `s3` and `athena` use the AWS SDK and exist only with the `aws` cargo feature (on by
//! default); `parquet` (Parquet flow-log files, read by `flowlog`'s reader) only with the
//! `parquet` feature (on by default); everything else builds without them.

#[cfg(feature = "aws")]
pub mod athena;
#[cfg(feature = "aws")]
pub mod cloudwatch;
#[cfg(feature = "aws")]
pub mod ec2;
pub mod flowlog;
pub mod manifest;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod queries;
#[cfg(feature = "aws")]
pub mod s3;
pub mod snapshot;
pub mod terraform;

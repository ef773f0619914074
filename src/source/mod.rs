//! All I/O lives here: snapshot directories, flow-log files and streams, CloudWatch Logs and
//! the EC2 API. Everything downstream works on in-memory values.

pub mod cloudwatch;
pub mod flowlog;
pub mod snapshot;
pub mod ec2;
pub mod queries;
pub mod terraform;

//! vpcscope: explain AWS VPC reachability and VPC Flow Logs.
//!
//! Data flows one way through the modules:
//!
//! ```text
//! snapshot JSON / EC2 API --source--> aws (describe-* shapes) --> model (vendor-neutral)
//!     --> topology (lookups) --> eval (one trace per flow, forward and return)
//!     --> analysis (reach, explain, audit, ...) --> report (text, JSON, ...)
//! flow-log bytes (files, gzip, CloudWatch) --source--> flowlog (zero-copy records) --> analysis
//! ```
//!
//! * [`source`] does all I/O: snapshot directories, flow-log files, CloudWatch Logs, the EC2 API.
//! * [`aws`] knows how AWS spells things; it converts describe-* JSON into the [`model`].
//! * [`model`] holds VPCs, subnets, interfaces, route tables, security groups and network ACLs
//!   as plain values with typed ids.
//! * [`topology`] indexes the model for the evaluator (address owners, associations, members).
//! * [`eval`] walks one packet and its reply hop by hop and returns a [`eval::Trace`].
//! * [`flowlog`] parses VPC Flow Log records without allocating and aggregates them.
//! * [`intent`] parses the declarative checks of `queries/` (intent files).
//! * [`analysis`] answers the questions the CLI asks, over the layers above.
//! * [`report`] renders analysis results; library code never prints.
#![deny(missing_docs)]

pub mod analysis;
pub mod aws;
pub mod eval;
pub mod flowlog;
pub mod intent;
pub mod model;
pub mod report;
pub mod severity;
pub mod source;
pub mod testgen;
pub mod topology;

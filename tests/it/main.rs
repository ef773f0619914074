//! The single integration-test binary: runs the real `vpcscope` executable on the bundled
//! samples, the shared Batfish fixtures and generated inputs. One module per feature.

#[cfg(feature = "aws")]
mod athena;
mod accounts;
mod audit;
mod balancers;
mod explain;
mod filters;
mod flows;
mod flows_flags;
mod limits;
mod matrix;
mod paths;
mod graph;
#[cfg(feature = "parquet")]
mod parquet;
mod reach;
#[cfg(all(feature = "aws", feature = "parquet"))]
mod s3;
mod snapshot;
mod util;
mod check;
mod diff;
mod hybrid;
mod golden;
mod ls;
mod help;
mod reference;
mod readme;

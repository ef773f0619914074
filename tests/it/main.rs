//! The single integration-test binary: runs the real `vpcscope` executable on the bundled
//! samples, the shared Batfish fixtures and generated inputs. One module per feature.

mod audit;
mod explain;
mod flows;
mod limits;
mod matrix;
mod reach;
mod snapshot;
mod util;
mod check;
mod diff;
mod hybrid;
mod golden;
mod reference;

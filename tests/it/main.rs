//! The single integration-test binary: runs the real `vpcscope` executable on the bundled
//! samples, the shared Batfish fixtures and generated inputs. One module per feature.

mod explain;
mod flows;
mod matrix;
mod reach;
mod snapshot;
mod util;

//! The `--snapshot DIR` argument every analysis command shares, and loading it with
//! warnings printed once to stderr.

use anyhow::Context;
use std::path::PathBuf;
use vpcscope::source::snapshot::{self, Loaded};

/// Where the network model comes from.
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Snapshot directory (searched recursively for describe-* JSON files).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// Do not print snapshot warnings.
    #[arg(long)]
    pub quiet: bool,
}

impl SnapshotArgs {
    /// Loads the snapshot and prints its warnings (once each) to stderr.
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let loaded = snapshot::load(&self.snapshot).with_context(|| format!("cannot load snapshot {}", self.snapshot.display()))?;
        if !self.quiet {
            print_warnings(&loaded);
        }
        Ok(loaded)
    }
}

/// Prints snapshot warnings to stderr, once each.
pub fn print_warnings(loaded: &Loaded) {
    for w in loaded.warnings.iter() {
        eprintln!("vpcscope: warning: {}", vpcscope::report::text_safe(w));
    }
}

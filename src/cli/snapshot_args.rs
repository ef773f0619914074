//! The `--snapshot DIR` argument every analysis command shares, and loading it with
//! warnings printed once to stderr.

use super::snapshot::{capture_live, LiveArgs};
use anyhow::Context;
use std::path::PathBuf;
use vpcscope::source::snapshot::{self, Loaded};

/// Where the network model comes from: a snapshot directory, or a live account captured
/// into memory (`--region`/`--profile`/`--endpoint-url`).
#[derive(Debug, clap::Args)]
pub struct SnapshotArgs {
    /// Snapshot directory (searched recursively for describe-* JSON files).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Capture a live account instead of reading --snapshot.
    #[command(flatten)]
    pub live: LiveArgs,
    /// Do not print snapshot warnings.
    #[arg(long)]
    pub quiet: bool,
    /// What to assume of a network ACL or security group the snapshot lacks (a partial
    /// capture). Without it, answers that depend on one are `unknown`.
    #[arg(long, value_enum, value_name = "allow|deny")]
    pub assume_missing: Option<Assume>,
}

/// `--assume-missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Assume {
    /// A missing ACL or group admits everything.
    Allow,
    /// A missing ACL or group admits nothing.
    Deny,
}

impl SnapshotArgs {
    /// Loads the snapshot and prints its warnings (once each) to stderr.
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let loaded = match &self.snapshot {
            Some(dir) => snapshot::load(dir).with_context(|| format!("cannot load snapshot {}", dir.display()))?,
            None if !self.live.is_live() => {
                anyhow::bail!("no network to analyse: pass --snapshot DIR, or --region/--profile/--endpoint-url to capture a live account")
            }
            None => {
                let (docs, manifest) = capture_live(&self.live)?;
                let mut loaded = snapshot::load_documents(docs).context("cannot load the live capture")?;
                manifest.missing_warnings().into_iter().for_each(|w| loaded.warnings.push(w));
                loaded
            }
        };
        let mut loaded = loaded;
        loaded.model.assume_missing = self.assume_missing.map(|a| match a {
            Assume::Allow => vpcscope::model::RuleAction::Allow,
            Assume::Deny => vpcscope::model::RuleAction::Deny,
        });
        if !self.quiet {
            print_warnings(&loaded);
        }
        if loaded.model.vpcs.is_empty() {
            let what = self.snapshot.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "the live capture".into());
            anyhow::bail!("{what} defines no VPCs: nothing to analyse (expected describe-vpcs output, a Vpcs.json, among the files)");
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

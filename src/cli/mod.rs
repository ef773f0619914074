//! Command-line layer: clap argument structs (one file per subcommand), their validation into
//! library calls, and output selection. Only this module and `main.rs` know clap and anyhow;
//! the library below never sees these types.

use clap::{Parser, Subcommand};
use std::io::Write;

mod audit;
mod flow_filter;
mod flows;
mod check;
mod diff;
mod matrix;
mod reach;
mod snapshot;
mod snapshot_args;

/// Explain AWS VPC reachability and VPC Flow Logs.
#[derive(Debug, Parser)]
#[command(name = "vpcscope", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// What is truly exposed: databases and admin ports reachable from the internet over the
    /// full path, latent exposures, ACL return-path problems and hygiene.
    Audit(audit::Args),
    /// Can SRC reach DST? A hop-by-hop trace of the request and of its reply.
    Reach(reach::Args),
    /// Read VPC Flow Logs: counts, conversations, top talkers, rejected traffic.
    Flows(flows::Args),
    /// Evaluate intents (queries/*.toml): exit 0 all hold, 1 any violated.
    Check(check::Args),
    /// The paths a change opens and closes (two snapshots, or a snapshot and a Terraform plan).
    Diff(diff::Args),
    /// Which interfaces reach which, on which ports: all pairs at once, grouped by class.
    Matrix(matrix::Args),
    /// Capture a live account's network from the AWS APIs into a snapshot directory.
    Snapshot(snapshot::Args),
}

/// The error of an option that needs the AWS SDK in a binary built without the `aws` cargo
/// feature.
#[cfg(not(feature = "aws"))]
pub(crate) fn without_aws(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} needs AWS support, but this vpcscope was built without it (rebuild with the default cargo feature `aws`)")
}

/// Parses the command line, runs the subcommand, and returns the exit status.
pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Audit(args) => audit::run(args, &mut out)?,
        Command::Reach(args) => reach::run(args, &mut out)?,
        Command::Flows(args) => flows::run(args, &mut out)?,
        Command::Matrix(args) => matrix::run(args, &mut out)?,
        Command::Snapshot(args) => snapshot::run(args, &mut out)?,
        Command::Check(args) => check::run(args, &mut out)?,
        Command::Diff(args) => diff::run(args, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

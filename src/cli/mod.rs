//! Command-line layer: clap argument structs (one file per subcommand), their validation into
//! library calls, and output selection. Only this module and `main.rs` know clap and anyhow;
//! the library below never sees these types.

use clap::{Parser, Subcommand};
use std::io::Write;

mod flows;
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
    /// Can SRC reach DST? A hop-by-hop trace of the request and of its reply.
    Reach(reach::Args),
    /// Read VPC Flow Logs: counts, conversations, top talkers, rejected traffic.
    Flows(flows::Args),
    /// Which interfaces reach which, on which ports: all pairs at once, grouped by class.
    Matrix(matrix::Args),
    /// Capture a live account's network from the AWS APIs into a snapshot directory.
    Snapshot(snapshot::Args),
}

/// Parses the command line, runs the subcommand, and returns the exit status.
pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Reach(args) => reach::run(args, &mut out)?,
        Command::Flows(args) => flows::run(args, &mut out)?,
        Command::Matrix(args) => matrix::run(args, &mut out)?,
        Command::Snapshot(args) => snapshot::run(args, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

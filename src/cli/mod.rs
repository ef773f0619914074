//! Command-line layer: clap argument structs (one file per subcommand), their validation into
//! library calls, and output selection. Only this module and `main.rs` know clap and anyhow;
//! the library below never sees these types.

use clap::{Parser, Subcommand};
use std::io::Write;

mod flows;


/// Explain AWS VPC reachability and VPC Flow Logs.
#[derive(Debug, Parser)]
#[command(name = "vpcscope", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read VPC Flow Logs: counts, conversations, top talkers, rejected traffic.
    Flows(flows::Args),
    /// Placeholder until the first subcommand lands.
    #[command(hide = true)]
    Version,
}

/// Parses the command line, runs the subcommand, and returns the exit status.
pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Flows(args) => flows::run(args, &mut out)?,
        Command::Version => { writeln!(out, "vpcscope {}", env!("CARGO_PKG_VERSION"))?; 0 }
    };
    out.flush()?;
    Ok(code)
}

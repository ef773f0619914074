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
mod ls;
mod matrix;
mod paths;
mod graph;
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
    /// Multi-hop attack paths (internet -> web -> app -> database) and the change that cuts
    /// them: exit 0 no path, 1 a path exists.
    Paths(paths::Args),
    /// The network's structure (VPCs, subnets, route tables, gateways, transit gateways,
    /// peerings, interface groups) as DOT, Mermaid, JSON or GraphML.
    Graph(graph::Args),
    /// Capture a live account's network from the AWS APIs into a snapshot directory.
    Snapshot(snapshot::Args),
    /// What the snapshot holds: VPCs, subnets, interfaces (owners, addresses), security
    /// groups, ACLs, route tables, gateways; what to pass to --from and --to.
    Ls(ls::Args),
}

/// The error of an option that needs the AWS SDK in a binary built without the `aws` cargo
/// feature.
#[cfg(not(feature = "aws"))]
pub(crate) fn without_aws(what: &str) -> anyhow::Error {
    anyhow::anyhow!("{what} needs AWS support, but this vpcscope was built without it (rebuild with the default cargo feature `aws`)")
}

/// Parses the command line, runs the subcommand, and returns the exit status.
/// The report's destination: `--output FILE` (created, buffered) or standard output.
pub(crate) fn destination<'a>(output: Option<&std::path::Path>, file: &'a mut Option<std::io::BufWriter<std::fs::File>>, out: &'a mut dyn Write) -> anyhow::Result<&'a mut dyn Write> {
    use anyhow::Context;
    Ok(match output {
        Some(p) => file.insert(std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?)),
        None => out,
    })
}

/// The format named by `--format`, else the one `--output`'s extension names in `table`,
/// else `default`.
pub(crate) fn format_for<F: Copy>(format: Option<F>, output: Option<&std::path::Path>, table: &[(&str, F)], default: F) -> F {
    format
        .or_else(|| {
            let ext = output?.extension()?.to_str()?.to_ascii_lowercase();
            table.iter().find(|(e, _)| *e == ext).map(|(_, f)| *f)
        })
        .unwrap_or(default)
}

/// The exit status a command decided before writing its report: a report cut short by a
/// closed pipe (`vpcscope audit | head -1`) keeps the status its findings call for.
static DECIDED: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Records the status the command's answer calls for, before its report is written.
pub fn decided(code: u8) -> u8 {
    DECIDED.store(code, std::sync::atomic::Ordering::Relaxed);
    code
}

/// The status recorded by [`decided`] (0 when the command decided none).
pub fn decided_status() -> u8 {
    DECIDED.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = match cli.command {
        Command::Audit(args) => audit::run(args, &mut out)?,
        Command::Reach(args) => reach::run(args, &mut out)?,
        Command::Flows(args) => flows::run(args, &mut out)?,
        Command::Matrix(args) => matrix::run(args, &mut out)?,
        Command::Paths(args) => paths::run(args, &mut out)?,
        Command::Graph(args) => graph::run(args, &mut out)?,
        Command::Snapshot(args) => snapshot::run(args, &mut out)?,
        Command::Check(args) => check::run(args, &mut out)?,
        Command::Diff(args) => diff::run(args, &mut out)?,
        Command::Ls(args) => ls::run(args, &mut out)?,
    };
    out.flush()?;
    Ok(code)
}

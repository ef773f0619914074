//! `vpcscope matrix`: all-pairs reachability between interfaces, grouped by class. Exit 0
//! when at least one pair is reachable, 1 when none is, 2 on error.

use super::snapshot_args::SnapshotArgs;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use vpcscope::analysis::matrix::{self, Matrix, MatrixOptions};
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Classes, then one line per destination class and port set.
    Text,
    /// The JSON contract documented in docs/matrix.md.
    Json,
    /// One line per (destination class, ports, run of source classes).
    Csv,
}

/// Arguments of `vpcscope matrix`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope matrix --snapshot samples/snapshots/hub --ports 22,443,8443
  vpcscope matrix --snapshot samples/snapshots/shop --from app-1 --to orders-db")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Sources: comma-separated eni-, i-, subnet-, vpc-, sg- ids, tag:Key=Value, CIDRs, Name
    /// tags, RDS identifiers (default: every interface that opens connections, i.e. all but
    /// NAT gateway, transit gateway and VPC endpoint interfaces).
    #[arg(long)]
    from: Option<String>,
    /// Destinations: same forms as --from (default: all interfaces).
    #[arg(long)]
    to: Option<String>,
    /// `all`, or a comma-separated list of 22, 8000-8100 (TCP), tcp/443, udp/53, udp/1000-2000, tcp, udp, icmp.
    #[arg(long, default_value = "all")]
    ports: String,
    /// Output format (default: from the --output extension: .json, .csv; else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let ports = matrix::parse_ports(&args.ports)?;
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let from = match args.from.as_deref() {
        Some(s) => matrix::resolve(&topo, s).context("bad --from")?,
        // NAT gateways, transit gateway attachments and endpoints answer or forward; they
        // open no connection of their own.
        None => loaded.model.enis.iter().enumerate().filter(|(_, e)| e.kind.opens_connections()).map(|(i, _)| i).collect(),
    };
    let from = Some(from);
    let to = args.to.as_deref().map(|s| matrix::resolve(&topo, s)).transpose().context("bad --to")?;
    let mx = Matrix::compute(&topo, &MatrixOptions { ports, from, to });
    let status = super::decided(if mx.is_empty() { 1 } else { 0 });
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json), ("csv", Format::Csv)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::matrix::text(w, &topo, &mx),
        Format::Json => vpcscope::report::matrix::json(w, &topo, &mx),
        Format::Csv => vpcscope::report::matrix::csv(w, &topo, &mx),
    }
    .and_then(|()| w.flush())
    .context("cannot write the report")?;
    Ok(status)
}

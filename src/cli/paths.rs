//! `vpcscope paths`: multi-hop attack paths from the internet (or on premises, or a
//! foothold) to databases, admin ports or chosen interfaces, and the minimum cut. Exit 0 no
//! path, 1 a path exists, 2 error.

use super::snapshot_args::SnapshotArgs;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use vpcscope::analysis::matrix;
use vpcscope::analysis::paths::{self, Options, Pivot, Source, Targets};
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Paths hop by hop with their rules, and the cut with AWS CLI commands.
    Text,
    /// The JSON contract documented in README.
    Json,
    /// A section per target, a table per path.
    Markdown,
    /// Graphviz DOT of the reported paths (cut edges red and dashed).
    Dot,
}

/// Arguments of `vpcscope paths`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope paths --snapshot samples/snapshots/shop --from internet --to databases
  vpcscope paths --snapshot samples/snapshots/hub --from internet --to admin --max-hops 2
  vpcscope paths --snapshot samples/snapshots/shop --from web-1 --to orders-db --format json")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Where the attacker starts: `internet`, `onprem`, or a selector (as `matrix --from`
    /// takes it: eni-, i-, subnet-, vpc-, sg- ids, tag:Key=Value, CIDRs, Name tags).
    #[arg(long)]
    from: String,
    /// What the attacker is after: `databases`, `admin`, or a selector (as `matrix --to`).
    #[arg(long)]
    to: String,
    /// The longest path counted, in hops (1-16).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=16))]
    max_hops: u8,
    /// Ports an attacker on a host uses onward: `any` (every TCP and UDP port), `admin`
    /// (SSH, RDP, Telnet, VNC, WinRM), or a list as `matrix --ports` takes it.
    #[arg(long, default_value = "any")]
    pivot_ports: String,
    /// Shortest paths shown per target.
    #[arg(long, default_value_t = 3)]
    top: usize,
    /// Output format (default: from the --output extension: .json, .md, .dot; else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let pivot = match args.pivot_ports.to_ascii_lowercase().as_str() {
        "any" => Pivot::Any,
        "admin" => Pivot::Admin,
        s => Pivot::List(matrix::parse_ports(s).context("bad --pivot-ports")?),
    };
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let from = match args.from.to_ascii_lowercase().as_str() {
        "internet" => Source::Internet,
        "onprem" => Source::OnPrem,
        _ => Source::Interfaces(matrix::resolve(&topo, &args.from).context("bad --from")?),
    };
    let to = match args.to.to_ascii_lowercase().as_str() {
        "databases" => Targets::Databases,
        "admin" => Targets::Admin,
        _ => Targets::Interfaces(matrix::resolve(&topo, &args.to).context("bad --to")?),
    };
    let p = paths::paths(&topo, &Options { from, to, max_hops: args.max_hops as usize, pivot, top: args.top });
    let status = super::decided(if p.any_path() { 1 } else { 0 });
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json), ("md", Format::Markdown), ("dot", Format::Dot)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::paths::text(w, &p),
        Format::Json => vpcscope::report::paths::json(w, &p),
        Format::Markdown => vpcscope::report::paths::markdown(w, &p),
        Format::Dot => vpcscope::report::paths::dot(w, &p),
    }
    .and_then(|()| w.flush())
    .context("cannot write the report")?;
    // The answer and the network are plain memory the process gives back as it exits, right
    // after this; freeing 13,000 targets' paths and cuts piece by piece took a tenth of the
    // run on the generated 10k network.
    std::mem::forget(p);
    std::mem::forget(topo);
    std::mem::forget(loaded);
    Ok(status)
}

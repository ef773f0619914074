//! `vpcscope ls`: what the snapshot holds (VPCs, subnets, interfaces with their owners and
//! addresses, security groups, ACLs, route tables, gateways), to find what to pass to
//! `--from`/`--to`. Exit 0 when something is listed, 1 when the filter matches nothing,
//! 2 on error.

use super::snapshot_args::SnapshotArgs;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use vpcscope::analysis::inventory::{self, Section};
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table per section.
    Text,
    /// The JSON contract documented in README.
    Json,
    /// One row per component, every section in one table.
    Csv,
}

/// Arguments of `vpcscope ls`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope ls --snapshot samples/snapshots/shop
  vpcscope ls --snapshot samples/snapshots/shop interfaces --filter orders
  vpcscope ls --snapshot samples/snapshots/hybrid gateways --format csv --output gateways.csv")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Sections to list (default: all): vpcs, subnets, interfaces, security-groups,
    /// network-acls, route-tables, gateways (or vpc, subnet, eni, sg, acl, rtb, gw).
    #[arg(value_name = "SECTION", value_parser = parse_section)]
    sections: Vec<Section>,
    /// Keep the components whose id, name, kind, VPC, subnet, addresses or details contain
    /// this text (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Output format (default: from the --output extension, else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn parse_section(s: &str) -> Result<Section, String> {
    Section::parse(s).ok_or_else(|| format!("unknown section `{s}` (expected vpcs, subnets, interfaces, security-groups, network-acls, route-tables or gateways)"))
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let rows = inventory::inventory(&topo, &args.sections, args.filter.as_deref());
    let status = super::decided(if rows.is_empty() { 1 } else { 0 });
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json), ("csv", Format::Csv)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::inventory::text(w, &rows)?,
        Format::Json => vpcscope::report::inventory::json(w, &rows)?,
        Format::Csv => vpcscope::report::inventory::csv(w, &rows)?,
    }
    w.flush()?;
    if rows.is_empty() && !args.snapshot.quiet {
        eprintln!("vpcscope: nothing in the snapshot matches{}", args.filter.map(|f| format!(" `{}`", vpcscope::report::text_safe(&f))).unwrap_or_default());
    }
    Ok(status)
}

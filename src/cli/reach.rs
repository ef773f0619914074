//! `vpcscope reach`: can SRC reach DST? Exit 0 reachable, 1 not reachable, 2 error.

use super::snapshot_args::SnapshotArgs;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use vpcscope::analysis::reach::{self, Query};
use vpcscope::model::Protocol;
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// A readable trace.
    Text,
    /// The JSON contract documented in README.
    Json,
}

/// Arguments of `vpcscope reach`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope reach --snapshot samples/snapshots/shop --from app-1 --to orders-db
  vpcscope reach --snapshot samples/snapshots/shop --from internet --to web-1 --port 22
  vpcscope reach --snapshot samples/snapshots/hybrid --from onprem --to app-db --port 5432")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Source: ENI id, instance id, RDS DB identifier, Name tag, IP address, `internet`,
    /// `onprem`, or a VPN gateway, VPN connection or transit gateway attachment id.
    #[arg(long)]
    from: String,
    /// Destination: same forms as --from, or a load balancer's name or ARN (its listener
    /// is followed to the targets, through each of its nodes).
    #[arg(long)]
    to: String,
    /// tcp, udp, icmp, icmpv6, all, or an IP protocol number.
    #[arg(long, default_value = "tcp", value_parser = parse_protocol)]
    protocol: Protocol,
    /// Destination port (TCP/UDP). Defaults to the port of an RDS destination.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Source port of the request (the reply's destination port); default 49152, which
    /// lies in every documented ephemeral range.
    #[arg(long)]
    source_port: Option<u16>,
    /// Output format (default: from the --output extension: .json; else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the answer to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

fn parse_protocol(s: &str) -> Result<Protocol, String> {
    Protocol::parse(s).ok_or_else(|| format!("unknown protocol `{s}` (expected tcp, udp, icmp, icmpv6, all or a number)"))
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    if args.port.is_some() && !args.protocol.has_ports() {
        anyhow::bail!("--port {} contradicts --protocol {}: only tcp and udp have ports", args.port.unwrap_or(0), args.protocol.to_string().to_lowercase());
    }
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let q = Query { from: args.from, to: args.to, protocol: args.protocol, port: args.port, source_port: args.source_port };
    let answer = reach::reach(&topo, &q).context("cannot answer reach")?;
    let status = super::decided(if answer.trace.reachable { 0 } else { 1 });
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::reach::text(w, &answer),
        Format::Json => vpcscope::report::reach::json(w, &answer),
    }
    .and_then(|()| w.flush())
    .context("cannot write the answer")?;
    Ok(status)
}

//! `vpcscope graph`: the network's structure for Graphviz, Mermaid and graph tools. Exit 0,
//! 2 on error.

use super::snapshot_args::SnapshotArgs;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use vpcscope::analysis::matrix::{self, Matrix, MatrixOptions};
use vpcscope::topology::graph::{group_id, Level, Structure};
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// `{"nodes": [...], "edges": [...]}`.
    Json,
    /// GraphML (yEd, Gephi, NetworkX).
    Graphml,
}

/// `--level`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LevelArg {
    /// VPCs, gateways, transit gateways, peerings.
    Vpc,
    /// And subnets, route tables with their routes, NAT gateways, endpoints.
    Subnet,
    /// And interface groups (per subnet and set of security groups).
    Class,
}

/// Arguments of `vpcscope graph`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope graph --snapshot samples/snapshots/hub --level vpc
  vpcscope graph --snapshot samples/snapshots/shop --level class --reach 5432 --format mermaid")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Detail.
    #[arg(long, value_enum, default_value_t = LevelArg::Subnet)]
    level: LevelArg,
    /// Overlay reachability edges between interface groups on these ports (as `matrix
    /// --ports`; implies `--level class`).
    #[arg(long, value_name = "PORTS")]
    reach: Option<String>,
    /// Output format (default: from the --output extension: .dot, .mmd, .json, .graphml;
    /// else dot).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the graph to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let ports = args.reach.as_deref().map(matrix::parse_ports).transpose().context("bad --reach")?;
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let level = match (args.level, &ports) {
        (_, Some(_)) | (LevelArg::Class, _) => Level::Class,
        (LevelArg::Subnet, _) => Level::Subnet,
        (LevelArg::Vpc, _) => Level::Vpc,
    };
    let mut g = Structure::build(&topo, level);
    if let Some(ports) = ports {
        let m = &loaded.model;
        let from = m.enis.iter().enumerate().filter(|(_, e)| e.kind.opens_connections()).map(|(i, _)| i).collect();
        let mx = Matrix::compute(&topo, &MatrixOptions { ports, from: Some(from), to: None });
        let gid = |c: u32| {
            let cl = &mx.classes[c as usize];
            let mut sgs: Vec<String> = cl.security_groups.iter().map(|s| s.to_string()).collect();
            sgs.sort();
            group_id(m.subnets[cl.subnet].id.as_str(), &sgs)
        };
        let mut edges: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
        for row in mx.rows() {
            let to = gid(row.to_class);
            let p = format!("{} {}", row.entry.protocol.to_string().to_lowercase(), matrix::format_ports(row.entry.protocol, &row.entry.ports));
            for &(lo, hi) in &row.entry.from {
                for a in lo..=hi {
                    let from = gid(a);
                    if from != to {
                        let e = edges.entry((from, to.clone())).or_default();
                        if !e.contains(&p) {
                            e.push(p.clone());
                        }
                    }
                }
            }
        }
        let list: Vec<(String, String, String)> = edges.into_iter().map(|((a, b), p)| (a, b, p.join("; "))).collect();
        g.add_reach(&list);
    }
    let format = super::format_for(args.format, args.output.as_deref(), &[("dot", Format::Dot), ("gv", Format::Dot), ("mmd", Format::Mermaid), ("json", Format::Json), ("graphml", Format::Graphml)], Format::Dot);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Dot => vpcscope::report::graph::dot(w, &g),
        Format::Mermaid => vpcscope::report::graph::mermaid(w, &g),
        Format::Json => vpcscope::report::graph::json(w, &g),
        Format::Graphml => vpcscope::report::graph::graphml(w, &g),
    }
    .and_then(|()| w.flush())
    .context("cannot write the graph")?;
    Ok(super::decided(0))
}

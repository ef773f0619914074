//! `vpcscope diff`: the paths a change opens and closes, between two snapshots or a snapshot
//! and a Terraform plan applied to it. Exit 0 when the report was written (whatever it
//! says), 2 on error: `check` is the command that fails CI.

use super::snapshot_args::print_warnings;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use vpcscope::analysis::diff;
use vpcscope::model::Protocol;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Readable, for a terminal.
    Text,
    /// The JSON contract documented in docs/check.md.
    Json,
    /// A pull-request comment.
    Markdown,
}

/// Arguments of `vpcscope diff`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("proposed").required(true).args(["after", "plan"])))]
#[command(after_help = "Examples:
  vpcscope diff --before samples/snapshots/shop --plan tests/data/plans/nacl-breaks-return.json
  vpcscope diff --before snap-monday/ --after snap-friday/ --format markdown --output diff.md")]
pub struct Args {
    /// The snapshot before the change.
    #[arg(long, value_name = "DIR")]
    before: PathBuf,
    /// The snapshot after the change.
    #[arg(long, value_name = "DIR")]
    after: Option<PathBuf>,
    /// A Terraform plan (`terraform show -json PLANFILE`) to apply to --before.
    #[arg(long, value_name = "PLAN_JSON")]
    plan: Option<PathBuf>,
    /// Ports to compare, comma-separated: `443`, `tcp/22`, `udp/53`, `8000-8010`. Default:
    /// every port a security group rule or ACL entry of either side mentions.
    #[arg(long, value_name = "PORTS", value_delimiter = ',', value_parser = parse_port)]
    ports: Vec<Vec<(Protocol, u16)>>,
    /// Output format (default: from the --output extension: .json, .md; else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not print snapshot warnings.
    #[arg(long)]
    quiet: bool,
}

fn parse_port(s: &str) -> Result<Vec<(Protocol, u16)>, String> {
    let (proto, rest) = match s.split_once('/') {
        Some((p, r)) => (Protocol::parse(p).filter(|p| p.has_ports()).ok_or_else(|| format!("`{p}` is not tcp or udp"))?, r),
        None => (Protocol::Tcp, s),
    };
    let port = |t: &str| t.trim().parse::<u16>().map_err(|_| format!("`{s}` is not a port, a range like 8000-8010, or PROTO/PORT"));
    let (a, b) = match rest.split_once('-') {
        Some((a, b)) => (port(a)?, port(b)?),
        None => (port(rest)?, port(rest)?),
    };
    if a > b || b - a > 1024 {
        return Err(format!("`{s}`: a range must run forwards and span at most 1024 ports"));
    }
    Ok((a..=b).map(|p| (proto, p)).collect())
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let load = |dir: &PathBuf| -> anyhow::Result<vpcscope::source::snapshot::Loaded> {
        let l = vpcscope::source::snapshot::load(dir).with_context(|| format!("cannot load snapshot {}", dir.display()))?;
        if !args.quiet {
            print_warnings(&l);
        }
        Ok(l)
    };
    let before = load(&args.before)?;
    let (after, warnings) = match (&args.after, &args.plan) {
        (Some(dir), _) => (load(dir)?.model, Vec::new()),
        (None, Some(p)) => {
            let plan = vpcscope::source::terraform::read_plan(p)?;
            let (m, w) = vpcscope::aws::terraform::apply(&before.model, &plan);
            (m, w.iter().map(str::to_string).collect())
        }
        (None, None) => anyhow::bail!("pass --after DIR or --plan PLAN_JSON"),
    };
    let ports = if args.ports.is_empty() {
        None
    } else {
        let mut p: Vec<(Protocol, u16)> = args.ports.into_iter().flatten().collect();
        p.sort();
        p.dedup();
        Some(p)
    };
    let mut report = diff::diff(&before.model, &after, ports);
    report.warnings = warnings;
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json), ("md", Format::Markdown), ("markdown", Format::Markdown)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::diff::text(w, &report),
        Format::Json => vpcscope::report::diff::json(w, &report),
        Format::Markdown => vpcscope::report::diff::markdown(w, &report),
    }
    .and_then(|()| w.flush())
    .context("cannot write the report")?;
    Ok(0)
}

//! `vpcscope check`: evaluates intent files against a snapshot (optionally with a Terraform
//! plan applied). Exit 0 every intent holds, 1 any is violated or undecided, 2 error.

use super::snapshot_args::SnapshotArgs;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use vpcscope::analysis::check;
use vpcscope::intent::{self, Intent};
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Readable, for a terminal or a CI log.
    Text,
    /// The JSON contract documented in docs/check.md.
    Json,
    /// JUnit XML: one test case per intent.
    Junit,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

/// Arguments of `vpcscope check`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope check --snapshot samples/snapshots/shop
  vpcscope check --snapshot snap/ queries/ --plan plan.json --output check.xml")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Intent files or directories of them (`*.toml`, searched recursively). Default: the
    /// standard intents shipped in queries/stable.
    #[arg(value_name = "QUERY_FILES|DIRS")]
    queries: Vec<PathBuf>,
    /// Apply this Terraform plan (`terraform show -json PLANFILE`) to the snapshot first.
    #[arg(long, value_name = "PLAN_JSON")]
    plan: Option<PathBuf>,
    /// Output format (default: from the --output extension: .json, .xml (JUnit), .sarif;
    /// else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The standard intents, compiled in so that `check` works from any directory.
pub const STABLE: &[(&str, &str)] = &[
    ("queries/stable/no-database-from-internet.toml", include_str!("../../queries/stable/no-database-from-internet.toml")),
    ("queries/stable/no-admin-port-from-internet.toml", include_str!("../../queries/stable/no-admin-port-from-internet.toml")),
    (
        "queries/stable/private-subnets-have-no-inbound-internet-path.toml",
        include_str!("../../queries/stable/private-subnets-have-no-inbound-internet-path.toml"),
    ),
    ("queries/stable/no-managed-database-from-internet.toml", include_str!("../../queries/stable/no-managed-database-from-internet.toml")),
];

/// Loads the intents of `paths` (the standard set when empty).
pub fn load_intents(paths: &[PathBuf]) -> anyhow::Result<Vec<Intent>> {
    let files: Vec<(String, String)> = if paths.is_empty() {
        STABLE.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
    } else {
        vpcscope::source::queries::read_query_files(paths)?.into_iter().map(|(p, t)| (p.display().to_string(), t)).collect()
    };
    if files.is_empty() {
        anyhow::bail!("no intent files (*.toml) found in {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let mut out: Vec<Intent> = Vec::new();
    for (name, text) in &files {
        for i in intent::parse(name, text)? {
            if let Some(prev) = out.iter().find(|p| p.name == i.name) {
                anyhow::bail!("{name}:{}: `name`: intent `{}` is already defined at {}:{}", i.line, i.name, prev.file, prev.line);
            }
            out.push(i);
        }
    }
    Ok(out)
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let intents = load_intents(&args.queries)?;
    let loaded = args.snapshot.load()?;
    let (model, warnings) = match &args.plan {
        Some(p) => {
            let plan = vpcscope::source::terraform::read_plan(p)?;
            let (m, w) = vpcscope::aws::terraform::apply(&loaded.model, &plan);
            (m, w.iter().map(str::to_string).collect())
        }
        None => (loaded.model.clone(), Vec::new()),
    };
    let topo = Topology::new(&model);
    let mut report = check::check(&topo, &intents);
    report.warnings = warnings;
    let status = super::decided(if report.all_hold() { 0 } else { 1 });
    let format = super::format_for(args.format, args.output.as_deref(), &[("json", Format::Json), ("xml", Format::Junit), ("sarif", Format::Sarif)], Format::Text);
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::check::text(w, &report),
        Format::Json => vpcscope::report::check::json(w, &report),
        Format::Junit => vpcscope::report::check::junit(w, &report),
        Format::Sarif => vpcscope::report::check::sarif(w, &report),
    }
    .and_then(|()| w.flush())
    .context("cannot write the report")?;
    Ok(status)
}

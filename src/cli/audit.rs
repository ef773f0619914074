//! `vpcscope audit`: the posture report. Exit 1 when a finding at or above `--fail-on`
//! exists, 0 otherwise, 2 on error.

use super::snapshot_args::SnapshotArgs;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use super::flow_filter::FilterArgs;
use vpcscope::analysis::audit::{self, flows, Severity};
use vpcscope::flowlog::RecordFilter;
use vpcscope::topology::Topology;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Readable text for a terminal.
    Text,
    /// The JSON contract (docs/audit.md).
    Json,
    /// Markdown for a pull request or wiki.
    Markdown,
    /// One self-contained HTML page with an inline SVG diagram.
    Html,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

/// The lowest severity that makes the command exit 1.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    /// Critical findings only.
    Critical,
    /// High or critical.
    High,
    /// Medium or above.
    Medium,
    /// Low or above.
    Low,
    /// Any finding, informational ones included.
    Info,
    /// Never: the exit status does not depend on the findings.
    None,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// Arguments of `vpcscope audit`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope audit --snapshot samples/snapshots/shop
  vpcscope audit --snapshot samples/snapshots/shop --output report.html
  vpcscope audit --snapshot snap/ --format sarif --output audit.sarif --fail-on critical")]
pub struct Args {
    #[command(flatten)]
    snapshot: SnapshotArgs,
    /// Flow-log files or directories in any format `flows summary` reads (the default
    /// version 2, a custom header, Parquet, `.gz`, `s3://`; `-` for stdin) whose records
    /// become evidence and reveal unused rules.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    flows: Vec<PathBuf>,
    /// Output format (default: from the --output extension: .json, .md, .html, .sarif;
    /// else text).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Report only the findings about resources this account owns (a snapshot of several
    /// accounts; the whole network is still evaluated).
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// Which --flows records to use (an incident's window, interfaces, addresses).
    #[command(flatten)]
    filter: FilterArgs,
    /// `lateral-path` findings: databases and admin ports the internet reaches in 2 to N
    /// hops (0 or 1: none). Default: 3 on networks of at most 5,000 interfaces; above, lateral
    /// paths are looked for only when this is given (the audit says so).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=16))]
    max_hops: Option<u8>,
}

/// The `--flows` conversations, and the number of records outside `filter`; `s3://`
/// locations are read with the account of `live` (region, profile, endpoint).
fn read_flows(paths: &[PathBuf], filter: &RecordFilter, live: &super::snapshot::LiveArgs) -> anyhow::Result<Option<(Vec<flows::FlowRecord>, u64)>> {
    use vpcscope::source::flowlog::{self as reader, Input, NoProgress, ReadOptions};
    if paths.is_empty() {
        return Ok(None);
    }
    let urls: Vec<String> = paths.iter().filter_map(|p| p.to_str()).filter(|p| p.starts_with("s3://")).map(str::to_string).collect();
    let (sink, read) = if urls.is_empty() {
        let inputs: Vec<Input> = paths.iter().map(|p| Input::from_arg(p.as_os_str())).collect();
        reader::read_filtered(&inputs, &ReadOptions::default(), &NoProgress, filter, flows::AuditSink::new)?
    } else if urls.len() == paths.len() {
        read_s3_flows(&urls, filter, live)?
    } else {
        anyhow::bail!("--flows: give either local files or s3:// locations, not both");
    };
    for d in &read.damaged {
        eprintln!("vpcscope: warning: {}: {} ({} records read before the damage)", read.sources.name(d.source), d.reason, d.records_before);
    }
    let c = sink.summary.counts;
    if c.malformed > 0 {
        let samples: Vec<String> = sink
            .summary
            .malformed_samples
            .iter()
            .map(|m| {
                let r = read.sources.resolve(&m.position);
                format!("{}:{} ({})", r.source, r.line.unwrap_or(0), m.error)
            })
            .collect();
        eprintln!("vpcscope: warning: {} malformed flow-log line(s) skipped: {}", c.malformed, samples.join(", "));
    }
    if c.total == 0 {
        anyhow::bail!("--flows: no flow-log records in the input (empty or header-only)");
    }
    Ok(Some((sink.into_records(), c.filtered_out)))
}

#[cfg(feature = "aws")]
fn read_s3_flows(urls: &[String], filter: &RecordFilter, live: &super::snapshot::LiveArgs) -> anyhow::Result<(flows::AuditSink, vpcscope::source::flowlog::ReadReport)> {
    use vpcscope::source::s3::{self, S3Options};
    let opts = S3Options {
        region: live.regions.first().cloned(),
        profile: live.profile.clone(),
        endpoint_url: live.endpoint_url.clone(),
        since: filter.since,
        until: filter.until,
        concurrency: 8,
        ..S3Options::default()
    };
    let (sink, read, _) = s3::read_filtered(urls, &opts, &Default::default(), &vpcscope::source::flowlog::NoProgress, filter, flows::AuditSink::new)?;
    Ok((sink, read))
}

#[cfg(not(feature = "aws"))]
fn read_s3_flows(_urls: &[String], _filter: &RecordFilter, _live: &super::snapshot::LiveArgs) -> anyhow::Result<(flows::AuditSink, vpcscope::source::flowlog::ReadReport)> {
    Err(super::without_aws("--flows s3://"))
}

/// Runs the subcommand.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let loaded = args.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    if args.filter.is_given() && args.flows.is_empty() {
        anyhow::bail!("the flow-log filters (--since, --interface, ...) apply to --flows, which is not given");
    }
    let filter = args.filter.filter(Some(&topo))?;
    let flows = read_flows(&args.flows, &filter, &args.snapshot.live)?;
    let mut report = audit::audit(&topo, &audit::Options { flows: flows.as_ref().map(|(r, _)| r.as_slice()), max_hops: args.max_hops.map_or(3, usize::from), lateral_limit: args.max_hops.is_none().then_some(audit::LATERAL_DEFAULT_MAX_INTERFACES), account: args.account.clone() });
    if let Some(why) = &report.summary.lateral_skipped {
        if !args.snapshot.quiet {
            eprintln!("vpcscope: note: {why}");
        }
    }
    if args.filter.is_given() {
        report.summary.flow_filter = Some(filter.to_json());
        report.summary.flow_records_filtered_out = flows.as_ref().map(|(_, n)| *n);
    }
    let status = super::decided(if args.fail_on.severity().is_some_and(|s| report.has_at_least(s)) { 1 } else { 0 });
    let format = super::format_for(
        args.format,
        args.output.as_deref(),
        &[("json", Format::Json), ("md", Format::Markdown), ("markdown", Format::Markdown), ("html", Format::Html), ("htm", Format::Html), ("sarif", Format::Sarif)],
        Format::Text,
    );
    let title = args.snapshot.snapshot.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "live capture".into());
    let mut file = None;
    let w = super::destination(args.output.as_deref(), &mut file, out)?;
    match format {
        Format::Text => vpcscope::report::audit::text(w, &report)?,
        Format::Json => vpcscope::report::audit::json(w, &report)?,
        Format::Markdown => vpcscope::report::audit::markdown(w, &report)?,
        Format::Html => vpcscope::report::audit::html(w, &report, &topo, &title)?,
        // SARIF wants a URI reference: the snapshot path as given, spaces percent-encoded.
        Format::Sarif => vpcscope::report::audit::sarif(w, &report, &title.replace('%', "%25").replace(' ', "%20"))?,
    }
    w.flush()?;
    Ok(status)
}

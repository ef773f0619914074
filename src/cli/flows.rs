//! `vpcscope flows ...`: flow-log commands. `flows summary` reads files, directories, stdin
//! or a CloudWatch Logs log group and prints record counts, malformed lines, conversations,
//! top talkers, rejected traffic by port and per-interface totals (`--insights` lets
//! CloudWatch Logs Insights compute them server-side). The hidden `flows generate` writes
//! synthetic logs for benchmarks.

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use vpcscope::flowlog::render::{DamagedSource, SummaryReport};
use vpcscope::flowlog::synth::{write_synthetic, SynthConfig};
use vpcscope::flowlog::{Format, RecordFilter, Sources, Summary};
#[cfg(feature = "aws")]
use vpcscope::source::cloudwatch::{self, LogGroupQuery};
#[cfg(feature = "aws")]
use vpcscope::source::s3::{self, S3Options};
use vpcscope::source::flowlog::{self as reader, Input, Parallelism, Progress, ReadOptions};
use super::flow_filter::FilterArgs;
use super::snapshot_args::SnapshotArgs;
use vpcscope::analysis::explain::{self, ExplainSink};
use vpcscope::topology::Topology;

/// Flow-log commands.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: FlowsCommand,
}

#[derive(Debug, Subcommand)]
enum FlowsCommand {
    /// Count records and summarise conversations, top talkers and rejected traffic.
    Summary(SummaryArgs),
    /// Explain every rejected flow by the rule responsible, find replies refused by stateless
    /// network ACLs, and flag drift between the logs and the snapshot.
    Explain(ExplainArgs),
    /// Write synthetic flow logs (default format) for benchmarks.
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Csv,
}

/// Where flow-log records come from: files, directories, stdin, or a CloudWatch Logs log group.
#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Flow-log files (plain, gzip or Parquet), directories (read recursively), - for stdin,
    /// or s3://bucket/prefix locations (AWS's delivery layouts).
    #[arg(value_name = "FILES|DIRS|-|s3://...")]
    inputs: Vec<OsString>,
    /// With s3:// inputs: only this account's keys (AWSLogs/<account>/...). Repeatable.
    #[arg(long, value_name = "ID")]
    account: Vec<String>,
    /// The region the logs are in: with s3:// inputs, only this region's keys
    /// (.../vpcflowlogs/<region>/...; repeatable); with --log-group, the log group's region
    /// (default: --region).
    #[arg(long, value_name = "R")]
    log_region: Vec<String>,
    /// With s3:// inputs: objects fetched at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    s3_concurrency: usize,
    /// Read this CloudWatch Logs log group instead of files.
    #[arg(long, value_name = "NAME")]
    log_group: Option<String>,
    /// With --log-group: events from this time (RFC 3339 or Unix seconds).
    #[arg(long, value_name = "T", requires = "log_group")]
    start: Option<String>,
    /// With --log-group: events up to this time (RFC 3339 or Unix seconds).
    #[arg(long, value_name = "T", requires = "log_group")]
    end: Option<String>,
    /// With --log-group: only log streams whose names start with this (e.g. eni-0abc).
    #[arg(long, value_name = "P", requires = "log_group")]
    log_stream_prefix: Option<String>,
    /// The flow log's format as DescribeFlowLogs returns it ("${version} ${account-id} ...");
    /// files with an S3 header line use their header. Default: version 2.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
    /// Stop with an error when a gzip input expands more than N times its compressed size (a
    /// decompression bomb); 0 turns the check off. Real flow logs compress about 10 times.
    #[arg(long, value_name = "N", default_value_t = reader::DEFAULT_MAX_GZIP_RATIO)]
    max_gzip_ratio: u64,
    /// Read on one thread, one file after another (for comparisons).
    #[arg(long, hide = true)]
    sequential: bool,
    /// Read buffer size in bytes for streamed input (for tests).
    #[arg(long, hide = true, value_name = "BYTES")]
    buffer_size: Option<usize>,
    /// Piece size in bytes for splitting large files (for tests).
    #[arg(long, hide = true, value_name = "BYTES")]
    piece_size: Option<u64>,
    #[command(flatten)]
    filter: FilterArgs,
}

/// The AWS account of `--log-group` (flags of `flows summary`; `flows explain` takes them
/// from its snapshot arguments).
#[derive(Debug, clap::Args)]
struct AwsArgs {
    /// AWS region for --log-group and s3:// inputs.
    #[arg(long, value_name = "R")]
    region: Option<String>,
    /// AWS named profile for --log-group and s3:// inputs.
    #[arg(long, value_name = "P")]
    profile: Option<String>,
    /// A different CloudWatch Logs or S3 endpoint (e.g. a local emulator).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
}

/// Amazon Athena as the engine (`--athena TABLE`).
#[derive(Debug, clap::Args)]
struct AthenaArgs {
    /// Let Amazon Athena aggregate this table (flow logs in S3) instead of reading inputs.
    #[arg(long, value_name = "TABLE")]
    athena: Option<String>,
    /// With --athena: the table's database.
    #[arg(long, value_name = "DB", requires = "athena")]
    athena_database: Option<String>,
    /// With --athena: the workgroup to run in.
    #[arg(long, value_name = "WG", requires = "athena")]
    athena_workgroup: Option<String>,
    /// With --athena: where Athena writes its result files (s3://...), if the workgroup does
    /// not set it.
    #[arg(long, value_name = "S3_URL", requires = "athena")]
    athena_output: Option<String>,
    /// With --athena: how the table is partitioned, for the time window's partition
    /// predicates (none; day: a `day` partition yyyy/MM/dd; hive: year/month/day partitions).
    #[arg(long, value_enum, value_name = "P", default_value_t = AthenaPartitioning::None, requires = "athena")]
    athena_partitioning: AthenaPartitioning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AthenaPartitioning {
    None,
    Day,
    Hive,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope flows summary samples/flowlogs/default-v2.log
  vpcscope flows summary samples/flowlogs/shop --snapshot samples/snapshots/shop --top 3
  vpcscope flows summary s3://bucket/AWSLogs/ --since 2h --interface eni-0abc --output summary.json")]
struct SummaryArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Name interfaces after their instance, RDS identifier, NAT gateway or Name tag, from
    /// this snapshot directory.
    #[arg(long, value_name = "DIR")]
    snapshot: Option<PathBuf>,
    #[command(flatten)]
    aws: AwsArgs,
    /// With --log-group: let CloudWatch Logs Insights aggregate server-side.
    #[arg(long, requires = "log_group")]
    insights: bool,
    #[command(flatten)]
    athena: AthenaArgs,
    /// Output format (default: from the --output extension: .json, .csv; else text).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print nothing on stderr but errors: no progress bar, no totals of S3 or Athena, no
    /// warnings about damaged inputs (they stay in the report).
    #[arg(long)]
    quiet: bool,
    /// Entries per list (0: all).
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
}

impl SummaryArgs {
    /// The output format: `--format`, else `--output`'s extension, else text.
    fn output_format(&self) -> OutputFormat {
        super::format_for(self.format, self.output.as_deref(), &[("json", OutputFormat::Json), ("csv", OutputFormat::Csv)], OutputFormat::Text)
    }
}

/// Output formats of `flows explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope flows explain --snapshot samples/snapshots/shop samples/flowlogs/shop/shop-default.log
  vpcscope flows explain --snapshot samples/snapshots/shop samples/flowlogs/shop --fail-on drift
  vpcscope flows explain --snapshot snap/ logs/ --since 15m --interface orders-db --output incident.md")]
struct ExplainArgs {
    /// The network the logs came from (a snapshot directory, or a live account whose
    /// --region/--profile/--endpoint-url also serve --log-group).
    #[command(flatten)]
    snapshot: SnapshotArgs,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    athena: AthenaArgs,
    /// Output format (default: from the --output extension: .json, .md; else text).
    #[arg(long, value_enum)]
    format: Option<ExplainFormat>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding of one of these kinds exists (comma-separated; `any`: every
    /// kind; `none`: the exit status does not depend on the findings). The default fails on
    /// what is broken: replies refused by a stateless ACL, and drift between the log and the
    /// snapshot; refused traffic is the configuration working.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS", default_value = "nacl-return-path,drift")]
    fail_on: Vec<ExplainFailOn>,
}

/// The finding kinds of `flows explain --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExplainFailOn {
    /// A reply refused by a stateless network ACL (a request that got through).
    NaclReturnPath,
    /// Rejected traffic (port scans included).
    Rejected,
    /// The log contradicts the snapshot.
    Drift,
    /// Records of interfaces the snapshot lacks.
    UnknownInterface,
    /// Any finding.
    Any,
    /// Never.
    None,
}

impl ExplainFailOn {
    /// Whether a finding of `kind` makes the run fail.
    fn covers(self, kind: explain::FindingKind) -> bool {
        use explain::FindingKind as K;
        match self {
            ExplainFailOn::NaclReturnPath => kind == K::NaclReturnPath,
            ExplainFailOn::Rejected => kind == K::Rejected,
            ExplainFailOn::Drift => kind == K::Drift,
            ExplainFailOn::UnknownInterface => kind == K::UnknownInterface,
            ExplainFailOn::Any => true,
            ExplainFailOn::None => false,
        }
    }
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// Number of records.
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
    /// Distinct conversations.
    #[arg(long, default_value_t = 100_000)]
    conversations: u32,
    /// Interfaces.
    #[arg(long, default_value_t = 16)]
    interfaces: u32,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (default: stdout).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Runs `vpcscope flows ...`.
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    match args.command {
        FlowsCommand::Summary(a) => summary(a, out),
        FlowsCommand::Explain(a) => explain(a, out),
        FlowsCommand::Generate(a) => generate(a, out),
    }
}

fn generate(a: GenerateArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let cfg = SynthConfig { records: a.records, conversations: a.conversations, interfaces: a.interfaces, seed: a.seed, ..SynthConfig::default() };
    let stats = match &a.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let s = write_synthetic(&cfg, &mut w)?;
            w.flush()?;
            s
        }
        None => write_synthetic(&cfg, out)?,
    };
    eprintln!("wrote {} records, {} bytes ({} nodata, {} skipdata)", stats.records, stats.bytes, stats.nodata, stats.skipdata);
    Ok(0)
}

/// The checked plan of a summary run.
enum Plan {
    Files { inputs: Vec<Input>, opts: ReadOptions, filter: RecordFilter },
    #[cfg(feature = "aws")]
    LogGroup { query: LogGroupQuery, format: Option<Format>, insights: bool },
    #[cfg(feature = "aws")]
    S3 { urls: Vec<String>, s3: S3Options, opts: ReadOptions, filter: RecordFilter },
}

/// The read plan for `input`; `aws` is the account of a log group (region, profile, endpoint),
/// `filter` the checked incident filter.
fn plan(a: &InputArgs, aws: AwsArgs, insights: bool, filter: RecordFilter) -> anyhow::Result<Plan> {
    let format = match &a.log_format {
        Some(f) => Some(Format::from_log_format(f).context("bad --log-format")?),
        None => None,
    };
    if let Some(group) = &a.log_group {
        if !a.inputs.is_empty() {
            bail!("give either files or --log-group, not both");
        }
        return log_group_plan(group, a, aws, format, insights, filter);
    }
    if a.inputs.is_empty() {
        bail!("no input: give flow-log files, directories, - for stdin, s3://bucket/prefix, or --log-group NAME");
    }
    let remote = a.inputs.iter().filter(|i| i.to_str().is_some_and(is_s3_url)).count();
    if remote > 0 && remote < a.inputs.len() {
        bail!("give either local inputs or s3:// locations, not both");
    }
    if remote == 0 && (!a.account.is_empty() || !a.log_region.is_empty()) {
        bail!("--account and --log-region apply to s3:// inputs");
    }
    let mut opts = ReadOptions { format: format.unwrap_or_default(), max_gzip_ratio: a.max_gzip_ratio, ..ReadOptions::default() };
    if a.sequential {
        opts.parallelism = Parallelism::Sequential;
    }
    if let Some(b) = a.buffer_size {
        opts.buffer_size = b.max(1);
    }
    if let Some(p) = a.piece_size {
        opts.piece_size = p.max(1);
    }
    if remote > 0 {
        let urls = a.inputs.iter().filter_map(|i| i.to_str().map(str::to_string)).collect();
        return s3_plan(urls, a, aws, opts, filter);
    }
    Ok(Plan::Files { inputs: a.inputs.iter().map(|s| Input::from_arg(s)).collect(), opts, filter })
}

fn is_s3_url(arg: &str) -> bool {
    arg.starts_with("s3://")
}

/// The plan of an S3 read: the filter's window prunes the listing.
#[cfg(feature = "aws")]
fn s3_plan(urls: Vec<String>, a: &InputArgs, aws: AwsArgs, opts: ReadOptions, filter: RecordFilter) -> anyhow::Result<Plan> {
    let s3 = S3Options {
        region: aws.region,
        profile: aws.profile,
        endpoint_url: aws.endpoint_url,
        since: filter.since,
        until: filter.until,
        accounts: a.account.clone(),
        log_regions: a.log_region.clone(),
        concurrency: a.s3_concurrency.max(1),
    };
    Ok(Plan::S3 { urls, s3, opts, filter })
}

/// s3:// inputs in a build without the `aws` feature: an error.
#[cfg(not(feature = "aws"))]
fn s3_plan(_urls: Vec<String>, a: &InputArgs, _aws: AwsArgs, _opts: ReadOptions, _filter: RecordFilter) -> anyhow::Result<Plan> {
    let _ = (&a.account, &a.log_region, a.s3_concurrency);
    Err(super::without_aws("s3:// inputs"))
}

/// A read error, with the flag that lifts the gzip ratio limit when that limit stopped it.
fn read_error(e: reader::SourceError) -> anyhow::Error {
    match e {
        reader::SourceError::GzipRatio { .. } => anyhow::anyhow!("{e}; if the file is trusted, raise --max-gzip-ratio (0: no limit)"),
        e => e.into(),
    }
}

/// The plan of a `--log-group` read.
#[cfg(feature = "aws")]
fn log_group_plan(group: &str, a: &InputArgs, aws: AwsArgs, format: Option<Format>, insights: bool, filter: RecordFilter) -> anyhow::Result<Plan> {
    let time = |t: &Option<String>, flag: &str| -> anyhow::Result<Option<i64>> {
        t.as_deref().map(cloudwatch::parse_time).transpose().with_context(|| format!("bad {flag}"))
    };
    let query = LogGroupQuery {
        log_group: group.to_string(),
        start_ms: time(&a.start, "--start")?,
        end_ms: time(&a.end, "--end")?,
        log_stream_prefix: a.log_stream_prefix.clone(),
        region: log_group_region(a, aws.region)?,
        profile: aws.profile,
        endpoint_url: aws.endpoint_url,
        filter,
    };
    Ok(Plan::LogGroup { query, format, insights })
}

/// The log group's region: `--log-region` (one), else `fallback` (`flows summary --region`,
/// or the capture region of `flows explain`).
#[cfg(feature = "aws")]
fn log_group_region(a: &InputArgs, fallback: Option<String>) -> anyhow::Result<Option<String>> {
    match a.log_region.as_slice() {
        [] => Ok(fallback),
        [one] => Ok(Some(one.clone())),
        _ => bail!("--log-group reads one log group: give at most one --log-region"),
    }
}

/// `--log-group` in a build without the `aws` feature: an error.
#[cfg(not(feature = "aws"))]
fn log_group_plan(_group: &str, a: &InputArgs, aws: AwsArgs, _format: Option<Format>, insights: bool, _filter: RecordFilter) -> anyhow::Result<Plan> {
    let _ = (&a.start, &a.end, &a.log_stream_prefix, aws.region, aws.profile, aws.endpoint_url, insights);
    Err(super::without_aws("--log-group (CloudWatch Logs)"))
}

fn summary(a: SummaryArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let remote = a.input.inputs.iter().any(|i| i.to_str().is_some_and(is_s3_url));
    if a.athena.athena.is_some() {
        return athena_summary(a, out);
    }
    if a.input.log_group.is_none() && !remote && (a.aws.region.is_some() || a.aws.profile.is_some() || a.aws.endpoint_url.is_some()) {
        bail!("--region, --profile and --endpoint-url apply to --log-group and s3:// inputs");
    }
    let aws = AwsArgs { region: a.aws.region.clone(), profile: a.aws.profile.clone(), endpoint_url: a.aws.endpoint_url.clone() };
    let loaded = match &a.snapshot {
        Some(dir) => Some(vpcscope::source::snapshot::load(dir).with_context(|| format!("cannot load snapshot {}", dir.display()))?),
        None => None,
    };
    let topo = loaded.as_ref().map(|l| Topology::new(&l.model));
    let filter = a.input.filter.filter(topo.as_ref())?;
    let echo = a.input.filter.is_given().then(|| filter.to_json());
    let mut report = summary_report(plan(&a.input, aws, a.insights, filter)?, &a)?;
    report.filter = echo;
    write_summary(report, topo.as_ref(), &a, out)
}

/// Runs a summary `plan` into its report; an input without a single record is an error.
fn summary_report(plan: Plan, a: &SummaryArgs) -> anyhow::Result<SummaryReport> {
    let quiet = a.quiet;
    Ok(match plan {
        Plan::Files { inputs, opts, filter } => {
            let progress = Bar::new(quiet);
            let (summary, read) = reader::read_filtered(&inputs, &opts, &progress, &filter, Summary::new).map_err(read_error)?;
            progress.finish();
            let damaged = damaged_sources(&read, quiet);
            let report = SummaryReport::new(&summary, &read.sources, damaged, a.top);
            let files = read.sources.len();
            let damaged = match report.damaged_sources.len() {
                0 => String::new(),
                n => format!(", {n} damaged: see the warnings or damaged_sources"),
            };
            check_records(&format!("the input ({files} {} read{damaged})", plural(files as u64, "file", "files")), &report.records, report.malformed_samples.first())?;
            report
        }
        #[cfg(feature = "aws")]
        Plan::S3 { urls, s3: s3opts, opts, filter } => {
            let progress = Bar::new(quiet);
            let (summary, read, stats) = s3::read_filtered(&urls, &s3opts, &opts, &progress, &filter, Summary::new)?;
            progress.finish();
            let damaged = damaged_sources(&read, quiet);
            if !quiet {
                eprintln!(
                    "vpcscope: s3: {} objects listed, {} skipped (outside the time window or not flow-log files), {} read, {} bytes",
                    stats.objects_listed, stats.objects_skipped, stats.objects_read, stats.bytes
                );
            }
            let mut report = SummaryReport::new(&summary, &read.sources, damaged, a.top);
            check_records(&format!("{} ({} objects read)", urls.join(", "), stats.objects_read), &report.records, report.malformed_samples.first())?;
            report.s3 = Some(serde_json::to_value(&stats)?);
            report
        }
        #[cfg(feature = "aws")]
        Plan::LogGroup { query, format, insights: true } => {
            let results = cloudwatch::run_insights(&query, format.as_ref(), a.top)?;
            let report = results.report(a.top);
            check_records(&format!("log group {} for the queried time range", query.log_group), &report.records, None)?;
            report
        }
        #[cfg(feature = "aws")]
        Plan::LogGroup { query, format, insights: false } => {
            let mut summary = Summary::new();
            let mut sources = Sources::new();
            let stats = cloudwatch::read_log_group(&query, &format.unwrap_or_default(), &mut summary, &mut sources)?;
            let report = SummaryReport::new(&summary, &sources, Vec::new(), a.top);
            check_records(&format!("log group {} ({} events)", query.log_group, stats.events), &report.records, report.malformed_samples.first())?;
            report
        }
    })
}

/// `one` or `many` by `n`.
fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// An error when `counts` hold no record: nothing was read but blank or header lines, or
/// every line was malformed (then with the first bad line and what to check: the format).
/// Records outside the filter are records: a filter that matches nothing is an answer.
fn check_records(what: &str, counts: &vpcscope::flowlog::RecordCounts, first_bad: Option<&vpcscope::flowlog::render::SampleOut>) -> anyhow::Result<()> {
    if counts.total > counts.malformed {
        return Ok(());
    }
    if counts.total == 0 {
        bail!("no flow-log records in {what}: empty or header-only");
    }
    let first = first_bad.map(|m| match m.line {
        Some(line) => format!(" (first: {}:{line}: {})", m.source, m.reason),
        None => format!(" (first: {}: {})", m.source, m.reason),
    });
    bail!(
        "no flow-log records in {what}: all {} {} malformed{}; check that these are VPC flow logs, and if they are not in the default version 2 format, give theirs with --log-format (the format DescribeFlowLogs shows; an S3 delivery's header line names it)",
        counts.malformed,
        plural(counts.malformed, "line is", "lines are"),
        first.unwrap_or_default()
    )
}

/// Names the report's interfaces through `topo` and writes it where and how `a` says.
fn write_summary(mut report: SummaryReport, topo: Option<&Topology>, a: &SummaryArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    if let Some(topo) = topo {
        report.name_interfaces(|id| topo.describe_eni(id));
    }
    let mut file = None;
    let w = super::destination(a.output.as_deref(), &mut file, out)?;
    match a.output_format() {
        OutputFormat::Text => report.write_text(w)?,
        OutputFormat::Json => report.write_json(w)?,
        OutputFormat::Csv => report.write_csv(w)?,
    }
    if let Some(f) = file.as_mut() {
        f.flush().with_context(|| format!("cannot write {}", a.output.as_deref().unwrap_or(Path::new("")).display()))?;
    }
    Ok(0)
}

/// `flows summary --athena TABLE`: Athena aggregates, the report is rendered here.
#[cfg(feature = "aws")]
fn athena_summary(a: SummaryArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    use vpcscope::flowlog::athena as query;
    let loaded = match &a.snapshot {
        Some(dir) => Some(vpcscope::source::snapshot::load(dir).with_context(|| format!("cannot load snapshot {}", dir.display()))?),
        None => None,
    };
    let topo = loaded.as_ref().map(|l| Topology::new(&l.model));
    let filter = a.input.filter.filter(topo.as_ref())?;
    let (table, outcome, athena) = run_athena(&a.input, &a.athena, &a.aws, &filter, a.quiet)?;
    let mut report = query::report(&outcome.rows, a.top);
    check_records(&format!("Athena table {table} for the query (query {})", outcome.query_id), &report.records, None)?;
    report.filter = a.input.filter.is_given().then(|| filter.to_json());
    report.athena = Some(athena);
    write_summary(report, topo.as_ref(), &a, out)
}

/// Runs the aggregation of `queries/athena/summary.sql` over the `--athena` table with
/// `filter` as predicates (for `flows summary` and `flows explain` alike); returns the
/// table, the outcome, and the report's `athena` object.
#[cfg(feature = "aws")]
fn run_athena(input: &InputArgs, athena: &AthenaArgs, aws: &AwsArgs, filter: &RecordFilter, quiet: bool) -> anyhow::Result<(String, vpcscope::source::athena::QueryOutcome, serde_json::Value)> {
    use vpcscope::flowlog::athena::{self as query, Partitioning};
    use vpcscope::source::athena::{run_query, AthenaTarget};
    if !input.inputs.is_empty() || input.log_group.is_some() {
        bail!("--athena reads the table's logs itself: give no files, s3:// locations or --log-group with it");
    }
    let table = athena.athena.clone().unwrap_or_default();
    let partitioning = match athena.athena_partitioning {
        AthenaPartitioning::None => Partitioning::None,
        AthenaPartitioning::Day => Partitioning::Day,
        AthenaPartitioning::Hive => Partitioning::Hive,
    };
    let text = query::query_text(&table, filter, partitioning);
    let target = AthenaTarget {
        database: athena.athena_database.clone(),
        workgroup: athena.athena_workgroup.clone(),
        output: athena.athena_output.clone(),
        region: aws.region.clone(),
        profile: aws.profile.clone(),
        endpoint_url: aws.endpoint_url.clone(),
    };
    let outcome = run_query(&target, &text, |id| {
        if !quiet {
            eprintln!("vpcscope: athena: query {id} started")
        }
    })?;
    if !quiet {
        eprintln!("vpcscope: athena: query {} succeeded, {} bytes scanned, {} result rows", outcome.query_id, outcome.scanned_bytes, outcome.rows.len());
    }
    let json = serde_json::json!({"query_ids": [outcome.query_id], "scanned_bytes": outcome.scanned_bytes, "result_rows": outcome.rows.len()});
    Ok((table, outcome, json))
}

/// `--athena` in a build without the `aws` feature: an error.
#[cfg(not(feature = "aws"))]
fn athena_summary(a: SummaryArgs, _out: &mut dyn Write) -> anyhow::Result<u8> {
    let _ = (&a.athena.athena_database, &a.athena.athena_workgroup, &a.athena.athena_output, a.athena.athena_partitioning);
    Err(super::without_aws("--athena"))
}

/// `flows explain --athena TABLE`: Athena groups the records by conversation (the summary's
/// query), and the conversations, each with its earliest start as evidence, are explained
/// as a local read's are.
#[cfg(feature = "aws")]
fn athena_explain(a: ExplainArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let loaded = a.snapshot.load()?;
    let topo = Topology::new(&loaded.model);
    let filter = a.input.filter.filter(Some(&topo))?;
    let live = &a.snapshot.live;
    let aws = AwsArgs { region: live.regions.first().cloned(), profile: live.profile.clone(), endpoint_url: live.endpoint_url.clone() };
    let (table, outcome, athena) = run_athena(&a.input, &a.athena, &aws, &filter, a.snapshot.quiet)?;
    let mut sources = Sources::new();
    let source = sources.add(format!("athena:{table}"));
    let sink = explain::from_rows(&outcome.rows, source);
    check_records(&format!("Athena table {table} for the query (query {})", outcome.query_id), &sink.summary.counts, None)?;
    let mut report = explain::explain(&topo, &sink, &sources);
    report.engine = Some("athena");
    report.athena = Some(athena);
    report.filter = a.input.filter.is_given().then(|| filter.to_json());
    write_explain(&a, &report, out)
}

/// `flows explain --athena` in a build without the `aws` feature: an error.
#[cfg(not(feature = "aws"))]
fn athena_explain(a: ExplainArgs, _out: &mut dyn Write) -> anyhow::Result<u8> {
    let _ = (&a.athena.athena_database, &a.athena.athena_workgroup, &a.athena.athena_output, a.athena.athena_partitioning);
    Err(super::without_aws("--athena"))
}

/// The damaged inputs of a read, each also printed as a warning unless `quiet`.
fn damaged_sources(read: &reader::ReadReport, quiet: bool) -> Vec<DamagedSource> {
    let damaged: Vec<DamagedSource> = read
        .damaged
        .iter()
        .map(|d| DamagedSource { source: read.sources.name(d.source).to_string(), reason: d.reason.clone(), records_before_damage: d.records_before })
        .collect();
    for d in damaged.iter().filter(|_| !quiet) {
        eprintln!("vpcscope: warning: {}: {} ({} records read before the damage)", d.source, d.reason, d.records_before_damage);
    }
    damaged
}

/// An indicatif progress bar on stderr, shown only when stderr is a terminal, the run is not
/// `--quiet`, and the read has taken more than a second.
struct Bar {
    bar: indicatif::ProgressBar,
    enabled: bool,
    shown: AtomicBool,
    started: Instant,
}

impl Bar {
    fn new(quiet: bool) -> Bar {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg}{bytes}/{total_bytes} {bytes_per_sec} eta {eta}  {wide_bar}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Bar { bar, enabled: !quiet && std::io::stderr().is_terminal(), shown: AtomicBool::new(false), started: Instant::now() }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        self.bar.set_length(total_bytes);
    }

    fn grow(&self, bytes: u64) {
        self.bar.inc_length(bytes);
    }

    fn objects(&self, done: u64, total: u64) {
        self.bar.set_message(format!("{done}/{total} objects  "));
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        if self.enabled && !self.shown.load(Ordering::Relaxed) && self.started.elapsed() > Duration::from_secs(1) && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
}

fn explain(a: ExplainArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    if a.athena.athena.is_some() {
        return athena_explain(a, out);
    }
    // A snapshot directory that is not there fails at once, before any log is read.
    if a.snapshot.snapshot.as_ref().is_some_and(|dir| !dir.is_dir()) {
        a.snapshot.load()?;
    }
    let live = &a.snapshot.live;
    let aws = AwsArgs { region: live.regions.first().cloned(), profile: live.profile.clone(), endpoint_url: live.endpoint_url.clone() };
    let (loaded, scanned) = if a.input.filter.needs_names() {
        // `--interface NAME` is resolved in the network before any log is read.
        let loaded = a.snapshot.load()?;
        let filter = a.input.filter.filter(Some(&Topology::new(&loaded.model)))?;
        let scanned = scan_for_explain(&a.input, aws, filter, a.snapshot.quiet);
        (loaded, scanned)
    } else {
        let filter = a.input.filter.filter(None)?;
        // The network is loaded (or captured) on its own thread while the logs are read: the
        // two are independent until the conversations are decided.
        let (loaded, scanned) = std::thread::scope(|s| {
            let loader = s.spawn(|| a.snapshot.load());
            let scanned = scan_for_explain(&a.input, aws, filter, a.snapshot.quiet);
            (loader.join(), scanned)
        });
        (loaded.map_err(|_| anyhow::anyhow!("the snapshot loader stopped unexpectedly"))??, scanned)
    };
    let (sink, sources, filter) = scanned?;
    let topo = Topology::new(&loaded.model);
    let first_bad = sink.summary.malformed_samples.first().map(|m| {
        let r = sources.resolve(&m.position);
        vpcscope::flowlog::render::SampleOut { source: r.source.to_string(), line: r.line, timestamp_ms: r.timestamp_ms, reason: m.error.to_string() }
    });
    check_records("the input", &sink.summary.counts, first_bad.as_ref())?;
    let mut report = explain::explain(&topo, &sink, &sources);
    report.filter = a.input.filter.is_given().then(|| filter.to_json());
    let status = write_explain(&a, &report, out)?;
    // The report, the network and the sink are plain memory that the process gives back as
    // it exits, right after this; freeing a large run's piece by piece (760k conversations,
    // tens of thousands of findings) took about a tenth of a second at the end.
    std::mem::forget(report);
    std::mem::forget(topo);
    std::mem::forget(sink);
    std::mem::forget(loaded);
    Ok(status)
}

/// Writes the explain report where and how `a` says; returns the status `--fail-on` asks for.
fn write_explain(a: &ExplainArgs, report: &explain::Report, out: &mut dyn Write) -> anyhow::Result<u8> {
    let fails = report.findings.iter().any(|f| a.fail_on.iter().any(|k| k.covers(f.kind)));
    let status = super::decided(u8::from(fails));
    let format = super::format_for(
        a.format,
        a.output.as_deref(),
        &[("json", ExplainFormat::Json), ("md", ExplainFormat::Markdown), ("markdown", ExplainFormat::Markdown)],
        ExplainFormat::Text,
    );
    let mut file = None;
    let w = super::destination(a.output.as_deref(), &mut file, out)?;
    match format {
        ExplainFormat::Text => vpcscope::report::explain::text(w, report)?,
        ExplainFormat::Json => vpcscope::report::explain::json(w, report)?,
        ExplainFormat::Markdown => vpcscope::report::explain::markdown(w, report)?,
    }
    if let Some(f) = file.as_mut() {
        f.flush().with_context(|| format!("cannot write {}", a.output.as_deref().unwrap_or(Path::new("")).display()))?;
    }
    Ok(status)
}

/// Reads the logs of `flows explain` into its sink; returns the filter applied with it.
fn scan_for_explain(input: &InputArgs, aws: AwsArgs, filter: RecordFilter, quiet: bool) -> anyhow::Result<(ExplainSink, Sources, RecordFilter)> {
    Ok(match plan(input, aws, false, filter)? {
        Plan::Files { inputs, opts, filter } => {
            let progress = Bar::new(quiet);
            let (sink, read) = reader::read_filtered(&inputs, &opts, &progress, &filter, ExplainSink::new).map_err(read_error)?;
            progress.finish();
            damaged_sources(&read, quiet);
            (sink, read.sources, filter)
        }
        #[cfg(feature = "aws")]
        Plan::S3 { urls, s3: s3opts, opts, filter } => {
            let progress = Bar::new(quiet);
            let (sink, read, stats) = s3::read_filtered(&urls, &s3opts, &opts, &progress, &filter, ExplainSink::new)?;
            progress.finish();
            damaged_sources(&read, quiet);
            if !quiet {
                eprintln!("vpcscope: s3: {} objects listed, {} skipped, {} read, {} bytes", stats.objects_listed, stats.objects_skipped, stats.objects_read, stats.bytes);
            }
            (sink, read.sources, filter)
        }
        #[cfg(feature = "aws")]
        Plan::LogGroup { query, format, .. } => {
            let mut sink = ExplainSink::new();
            let mut sources = Sources::new();
            cloudwatch::read_log_group(&query, &format.unwrap_or_default(), &mut sink, &mut sources)?;
            (sink, sources, query.filter)
        }
    })
}

//! Flow logs in S3 (`s3://bucket/prefix`), read where AWS delivers them, without a local
//! copy. Read-only: only ListObjectsV2 and GetObject (GET requests) are made; an SDK
//! interceptor records every listing request, counts the GetObject requests, and records any
//! other request ([`S3Stats::other_requests`], which stays empty).
//!
//! Key layouts: AWS's default `AWSLogs/<account>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/[<hh>/]`
//! and the Hive-compatible `AWSLogs/aws-account-id=<a>/aws-service=vpcflowlogs/aws-region=<r>/
//! year=<y>/month=<m>/day=<d>/[hour=<h>/]`, behind any bucket prefix. The walk goes down the
//! layout one level at a time (ListObjectsV2 with a `/` delimiter) only where something
//! narrows it: `--account`/`--log-region` keep the matching key segments, and a time window
//! becomes the list of date (and hour) prefixes inside it, so a bucket is never listed whole
//! to read one hour. Objects whose file-name timestamp (`..._<YYYYMMDDTHHmmZ>_<hash>...`) is
//! outside the window are skipped without being fetched. Without narrowing, the given prefix
//! is listed (recursively) as it is.
//!
//! Objects are fetched with bounded parallelism ([`S3Options::concurrency`] at a time), each
//! body streamed through gzip into the flow-log parser on a blocking thread with a bounded
//! channel of chunks in between, so memory stays at a few chunks per object in flight; a
//! Parquet object (which needs random access) is saved to a temporary file first. API calls
//! use the SDK's standard retry mode (8 attempts). An object that cannot be fetched or
//! breaks off is a damaged source in the report, not the end of the run.

use super::flowlog::{read_object, read_parquet_object, Damage, Progress, ReadOptions, ReadReport};
use crate::flowlog::filter::{civil_from_days, days_from_civil, EVENT_WINDOW_MARGIN_S};
use crate::flowlog::{RecordSink, SourceId};
use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::DisplayErrorContext;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How far past the end of the time window a delivered file may still hold records of it, in
/// seconds: files are written every 5 minutes, with records of capture windows up to 10
/// minutes long, and delivery takes a while.
pub const FILE_AFTER_WINDOW_S: u64 = 3600;

/// Where and how to read.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    /// AWS region of the bucket (default: the SDK's resolution chain).
    pub region: Option<String>,
    /// Named profile.
    pub profile: Option<String>,
    /// A different endpoint (a local emulator in tests).
    pub endpoint_url: Option<String>,
    /// The time window (Unix seconds): objects and date/hour prefixes outside it are skipped.
    pub since: Option<u64>,
    /// The end of the time window.
    pub until: Option<u64>,
    /// Only these accounts' key segments (empty: all).
    pub accounts: Vec<String>,
    /// Only these regions' key segments (empty: all).
    pub log_regions: Vec<String>,
    /// Objects fetched at once (at least 1).
    pub concurrency: usize,
}

/// What the S3 read did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct S3Stats {
    /// Objects found by the listing.
    pub objects_listed: u64,
    /// Objects skipped: file-name timestamp outside the window, or not a flow-log file name.
    pub objects_skipped: u64,
    /// Objects read.
    pub objects_read: u64,
    /// Bytes fetched (as stored: compressed size for gzip objects).
    pub bytes: u64,
    /// The prefixes listed, in order.
    pub list_prefixes: Vec<String>,
    /// Every ListObjectsV2 request sent, as `GET /bucket?query`, in order.
    pub list_requests: Vec<String>,
    /// GetObject requests sent.
    pub get_object_requests: u64,
    /// Any other request sent, as `METHOD /path?query` (none: the read is read-only).
    pub other_requests: Vec<String>,
}

/// S3 failures that stop the read (a single object's failure does not: it is damage).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum S3Error {
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// Not an `s3://bucket[/prefix]` URL.
    #[error("bad S3 location {0:?}: expected s3://bucket/prefix")]
    BadUrl(String),
    /// A listing failed (after retries).
    #[error("ListObjectsV2 on s3://{bucket}/{prefix} failed: {message}")]
    List {
        /// The bucket.
        bucket: String,
        /// The prefix listed.
        prefix: String,
        /// The SDK's error, with its causes.
        message: String,
    },
}

/// A bucket and key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty).
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket[/prefix]`.
    pub fn parse(url: &str) -> Result<S3Location, S3Error> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| S3Error::BadUrl(url.to_string()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(S3Error::BadUrl(url.to_string()));
        }
        Ok(S3Location { bucket: bucket.to_string(), prefix: prefix.to_string() })
    }
}

/// Whether an argument names an S3 location.
pub fn is_s3_url(arg: &str) -> bool {
    arg.starts_with("s3://")
}

/// What the client sent: listing requests, a count of GetObject requests, anything else.
#[derive(Debug, Default)]
struct Sent {
    lists: Vec<String>,
    gets: u64,
    other: Vec<String>,
}

/// Records the requests the client sends into [`Sent`].
#[derive(Debug, Clone)]
struct Recorder(Arc<Mutex<Sent>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "vpcscope::source::s3::Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let req = context.request();
        let uri = req.uri();
        // Path and query only: the host is the endpoint, already known.
        let path = uri.find("://").and_then(|i| uri[i + 3..].find('/').map(|j| &uri[i + 3 + j..])).unwrap_or(uri);
        let line = format!("{} {}", req.method(), path);
        let mut sent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let get = req.method() == "GET";
        if get && path.contains("list-type=2") {
            sent.lists.push(line);
        } else if get && path.contains("x-id=GetObject") {
            sent.gets += 1;
        } else {
            sent.other.push(line);
        }
        Ok(())
    }
}

/// The date (and hour) partitions of a key's layout below the region segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `yyyy/mm/dd/[hh/]`
    Default,
    /// `year=yyyy/month=mm/day=dd/[hour=hh/]`
    Hive,
}

/// One step of the walk: a prefix and what its children are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Level {
    /// Above `AWSLogs/` (the bucket root or a custom prefix).
    Top,
    /// Children are accounts.
    Accounts,
    /// Children are services (`vpcflowlogs`).
    Service(Layout),
    /// Children are regions.
    Regions(Layout),
    /// A region: children are dates.
    Region(Layout),
    /// A day: children are files and hours.
    Day(Layout),
}

/// The time window widened for file timestamps: files written from the window's start
/// minus [`EVENT_WINDOW_MARGIN_S`] to its end plus [`FILE_AFTER_WINDOW_S`].
fn file_window(o: &S3Options) -> (u64, u64) {
    (o.since.map_or(0, |s| s.saturating_sub(EVENT_WINDOW_MARGIN_S)), o.until.map_or(u64::MAX, |u| u.saturating_add(FILE_AFTER_WINDOW_S)))
}

/// The Unix time of a delivered file's name (`..._20240501T0005Z_...`), if it has one.
pub fn file_name_time(key: &str) -> Option<u64> {
    let name = key.rsplit('/').next()?;
    name.split(['_', '.']).find_map(|part| {
        let b = part.as_bytes();
        if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' || !b[..8].iter().chain(&b[9..13]).all(u8::is_ascii_digit) {
            return None;
        }
        let n = |r: std::ops::Range<usize>| part[r].parse::<i64>().ok();
        let (y, m, d, h, min) = (n(0..4)?, n(4..6)?, n(6..8)?, n(9..11)?, n(11..13)?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || min > 59 {
            return None;
        }
        u64::try_from(days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60).ok()
    })
}

/// Whether an object name is a flow-log file vpcscope reads.
fn is_log_file(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [".log", ".log.gz", ".gz", ".parquet", ".txt"].iter().any(|s| k.ends_with(s))
}



/// The last segment of a common prefix (`a/b/c/` -> `c`).
fn segment(prefix: &str) -> &str {
    prefix.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The value of a Hive segment `key=value`, or the segment itself.
fn hive_value<'a>(seg: &'a str, key: &str) -> (&'a str, bool) {
    match seg.split_once('=') {
        Some((k, v)) if k == key => (v, true),
        _ => (seg, false),
    }
}

/// Reads every flow-log object under the `urls` into sinks made by `new_sink` and returns the
/// merged sink, the read report (sources are `s3://bucket/key`; damaged objects) and what the
/// S3 read did.
pub fn read<S, F>(urls: &[String], o: &S3Options, opts: &ReadOptions, progress: &dyn Progress, new_sink: F) -> Result<(S, ReadReport, S3Stats), S3Error>
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    let locations: Vec<S3Location> = urls.iter().map(|u| S3Location::parse(u)).collect::<Result<_, _>>()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(S3Error::Runtime)?;
    let requests = Arc::new(Mutex::new(Sent::default()));
    let client = rt.block_on(client(o, Recorder(Arc::clone(&requests))));
    let mut stats = S3Stats::default();
    // 1. The listing: every object to read, in key order per location.
    let mut objects: Vec<(String, String, u64)> = Vec::new();
    for loc in &locations {
        let (listed, prefixes) = rt.block_on(list(&client, loc, o))?;
        stats.list_prefixes.extend(prefixes);
        let (lo, hi) = file_window(o);
        for (key, size) in listed {
            stats.objects_listed += 1;
            let in_window = file_name_time(&key).is_none_or(|t| t >= lo && t <= hi);
            if !is_log_file(&key) || !in_window {
                stats.objects_skipped += 1;
                continue;
            }
            objects.push((loc.bucket.clone(), key, size));
        }
    }
    let mut report = ReadReport::default();
    let ids: Vec<SourceId> = objects.iter().map(|(b, k, _)| report.sources.add(format!("s3://{b}/{k}"))).collect();
    let total: u64 = objects.iter().map(|o| o.2).sum();
    progress.start(total);
    progress.objects(0, objects.len() as u64);
    // 2. The fetch: `concurrency` objects at a time, each parsed on a blocking thread into
    // one of as many sinks.
    let concurrency = o.concurrency.max(1);
    let slots: Vec<Mutex<Option<S>>> = (0..concurrency).map(|_| Mutex::new(None)).collect();
    let damaged: Mutex<Vec<Damage>> = Mutex::new(Vec::new());
    let chunk_lines: Mutex<Vec<(SourceId, u32, u64)>> = Mutex::new(Vec::new());
    let done = std::sync::atomic::AtomicU64::new(0);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let queue: Mutex<VecDeque<usize>> = Mutex::new((0..objects.len()).collect());
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| loop {
                let Some(i) = lock(&queue).pop_front() else { break };
                let (bucket, key, size) = &objects[i];
                let source = ids[i];
                // A free sink: there are as many as workers.
                let mut guard = loop {
                    if let Some(g) = slots.iter().find_map(|s| s.try_lock().ok()) {
                        break g;
                    }
                    std::thread::yield_now();
                };
                let sink = guard.get_or_insert_with(&new_sink);
                let outcome = fetch(&rt, &client, bucket, key, *size, source, opts, progress, &new_sink, sink, &bytes);
                drop(guard);
                match outcome {
                    Fetched::Text(None) => {}
                    Fetched::Text(Some(d)) => lock(&damaged).push(d),
                    Fetched::Parquet(rows, d) => {
                        lock(&chunk_lines).extend(rows.iter().enumerate().map(|(g, &n)| (source, g as u32, n)));
                        if let Some(d) = d {
                            lock(&damaged).push(d);
                        }
                    }
                }
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress.objects(n, objects.len() as u64);
            });
        }
    });
    let sink = super::flowlog::merge_slots(slots).unwrap_or_else(&new_sink);
    super::flowlog::finish_report(&mut report, chunk_lines, damaged);
    stats.objects_read = objects.len() as u64;
    stats.bytes = bytes.into_inner();
    report.bytes = stats.bytes;
    let mut sent = requests.lock().unwrap_or_else(|p| p.into_inner());
    stats.list_requests = std::mem::take(&mut sent.lists);
    stats.get_object_requests = sent.gets;
    stats.other_requests = std::mem::take(&mut sent.other);
    Ok((sink, report, stats))
}

/// [`read`] with an incident filter applied to every record as it is parsed (see
/// `source::flowlog::read_filtered`); the filter's time window should also be in `o`.
pub fn read_filtered<S, F>(urls: &[String], o: &S3Options, opts: &ReadOptions, progress: &dyn Progress, filter: &crate::flowlog::RecordFilter, new_sink: F) -> Result<(S, ReadReport, S3Stats), S3Error>
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    if filter.is_empty() {
        return read(urls, o, opts, progress, new_sink);
    }
    let (sink, report, stats) = read(urls, o, opts, progress, || crate::flowlog::Filtered::new(filter, new_sink()))?;
    Ok((sink.into_inner(), report, stats))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn client(o: &S3Options, recorder: Recorder) -> aws_sdk_s3::Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8));
    if let Some(r) = &o.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(p) = &o.profile {
        loader = loader.profile_name(p);
    }
    let shared = loader.load().await;
    let mut b = aws_sdk_s3::config::Builder::from(&shared).interceptor(recorder);
    if let Some(u) = &o.endpoint_url {
        // Emulators (and most S3-compatible stores) serve buckets as paths, not host names.
        b = b.endpoint_url(u).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

/// One ListObjectsV2 walk of `prefix`: with `delimiter`, the objects directly under it and
/// its child prefixes; without, every object below it.
async fn list_prefix(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str, delimiter: bool) -> Result<(Vec<(String, u64)>, Vec<String>), S3Error> {
    let mut objects = Vec::new();
    let mut children = Vec::new();
    let mut pages = client.list_objects_v2().bucket(bucket).prefix(prefix).set_delimiter(delimiter.then(|| "/".to_string())).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| S3Error::List { bucket: bucket.to_string(), prefix: prefix.to_string(), message: DisplayErrorContext(e).to_string() })?;
        for obj in page.contents() {
            if let Some(k) = obj.key() {
                if !k.ends_with('/') {
                    objects.push((k.to_string(), obj.size().unwrap_or(0).max(0) as u64));
                }
            }
        }
        for p in page.common_prefixes() {
            if let Some(p) = p.prefix() {
                children.push(p.to_string());
            }
        }
    }
    Ok((objects, children))
}

/// The level of a user-given prefix, from its segments after `AWSLogs`.
fn level_of(prefix: &str) -> Option<(Level, String)> {
    let trimmed = prefix.trim_end_matches('/');
    let segs: Vec<&str> = if trimmed.is_empty() { Vec::new() } else { trimmed.split('/').collect() };
    let Some(i) = segs.iter().position(|s| *s == "AWSLogs") else {
        return Some((Level::Top, if trimmed.is_empty() { String::new() } else { format!("{trimmed}/") }));
    };
    let base = format!("{}/", segs.join("/"));
    let after = &segs[i + 1..];
    let hive = after.first().is_some_and(|s| s.contains('='));
    let layout = if hive { Layout::Hive } else { Layout::Default };
    match after.len() {
        0 => Some((Level::Accounts, base)),
        1 => Some((Level::Service(layout), base)),
        2 => Some((Level::Regions(layout), base)),
        3 => Some((Level::Region(layout), base)),
        // Deeper (a year, a month, a day): read as given.
        _ => None,
    }
}

/// Lists the objects under `loc`, walking the layout where the options narrow it. Returns the
/// objects (key, size) and the prefixes listed.
async fn list(client: &aws_sdk_s3::Client, loc: &S3Location, o: &S3Options) -> Result<(Vec<(String, u64)>, Vec<String>), S3Error> {
    let narrowed = o.since.is_some() || o.until.is_some() || !o.accounts.is_empty() || !o.log_regions.is_empty();
    let mut listed = Vec::new();
    let mut objects = Vec::new();
    let start = if narrowed { level_of(&loc.prefix) } else { None };
    let Some(start) = start else {
        listed.push(loc.prefix.clone());
        let (objs, _) = list_prefix(client, &loc.bucket, &loc.prefix, false).await?;
        return Ok((objs, listed));
    };
    let mut todo = VecDeque::from([start]);
    let window = file_window(o);
    while let Some((level, prefix)) = todo.pop_front() {
        match level {
            Level::Region(layout) if o.since.is_some() || o.until.is_some() => {
                for day in days(window, o) {
                    let (y, m, d) = civil_from_days(day);
                    let p = match layout {
                        Layout::Default => format!("{prefix}{y:04}/{m:02}/{d:02}/"),
                        Layout::Hive => format!("{prefix}year={y:04}/month={m:02}/day={d:02}/"),
                    };
                    todo.push_back((Level::Day(layout), p));
                }
            }
            Level::Region(_) => {
                listed.push(prefix.clone());
                objects.extend(list_prefix(client, &loc.bucket, &prefix, false).await?.0);
            }
            Level::Day(layout) => {
                listed.push(prefix.clone());
                let (objs, children) = list_prefix(client, &loc.bucket, &prefix, true).await?;
                objects.extend(objs);
                let day_start = day_of(&prefix, layout).map_or(0, |d| d * 86_400) as u64;
                for child in children {
                    let (h, _) = hive_value(segment(&child), "hour");
                    let keep = match h.parse::<u64>() {
                        // An hour's files were written from the hour's start to its end.
                        Ok(h) if h < 24 => day_start + h * 3600 + 3600 >= window.0 && day_start + h * 3600 <= window.1,
                        _ => true,
                    };
                    if keep {
                        listed.push(child.clone());
                        objects.extend(list_prefix(client, &loc.bucket, &child, false).await?.0);
                    }
                }
            }
            level => {
                listed.push(prefix.clone());
                // Objects above the date levels are not deliveries (AWS's write test, say).
                let (_, children) = list_prefix(client, &loc.bucket, &prefix, true).await?;
                if level == Level::Top {
                    // Objects beside AWSLogs/ are not deliveries; a prefix without AWSLogs/
                    // below it is not a delivery layout: read it whole.
                    if !children.iter().any(|c| segment(c) == "AWSLogs") {
                        listed.push(format!("{prefix}*"));
                        objects.extend(list_prefix(client, &loc.bucket, &prefix, false).await?.0);
                        continue;
                    }
                }
                for child in children {
                    let seg = segment(&child);
                    let next = match &level {
                        Level::Top => (seg == "AWSLogs").then_some(Level::Accounts),
                        Level::Accounts => {
                            let (account, hive) = hive_value(seg, "aws-account-id");
                            let layout = if hive { Layout::Hive } else { Layout::Default };
                            (o.accounts.is_empty() || o.accounts.iter().any(|a| a == account)).then_some(Level::Service(layout))
                        }
                        Level::Service(layout) => (hive_value(seg, "aws-service").0 == "vpcflowlogs").then_some(Level::Regions(*layout)),
                        Level::Regions(layout) => {
                            let (region, _) = hive_value(seg, "aws-region");
                            (o.log_regions.is_empty() || o.log_regions.iter().any(|r| r == region)).then_some(Level::Region(*layout))
                        }
                        _ => None,
                    };
                    if let Some(next) = next {
                        todo.push_back((next, child));
                    }
                }
            }
        }
    }
    objects.sort();
    objects.dedup();
    Ok((objects, listed))
}

/// The day numbers (since 1970-01-01) the widened window touches; without a start, the 31
/// days before its end.
fn days(window: (u64, u64), o: &S3Options) -> std::ops::RangeInclusive<i64> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let hi = if o.until.is_some() { window.1 } else { now.max(window.0) };
    let lo = if o.since.is_some() { window.0 } else { hi.saturating_sub(31 * 86_400) };
    (lo / 86_400) as i64..=(hi / 86_400) as i64
}

/// The day number of a day prefix.
fn day_of(prefix: &str, layout: Layout) -> Option<i64> {
    let segs: Vec<&str> = prefix.trim_end_matches('/').rsplit('/').take(3).collect();
    let [d, m, y] = segs[..] else { return None };
    let get = |s: &str, k: &str| -> Option<i64> {
        match layout {
            Layout::Default => s.parse().ok(),
            Layout::Hive => hive_value(s, k).0.parse().ok(),
        }
    };
    Some(days_from_civil(get(y, "year")?, get(m, "month")?, get(d, "day")?))
}

enum Fetched {
    Text(Option<Damage>),
    Parquet(Vec<u64>, Option<Damage>),
}

/// Fetches one object and reads it into `sink` on the calling (blocking) thread, with the
/// body's chunks arriving from the runtime through a bounded channel.
#[allow(clippy::too_many_arguments)]
fn fetch<S: RecordSink, F: Fn() -> S + Sync>(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    size: u64,
    source: SourceId,
    opts: &ReadOptions,
    progress: &dyn Progress,
    new_sink: &F,
    sink: &mut S,
    bytes: &std::sync::atomic::AtomicU64,
) -> Fetched {
    let damage = |reason: String| Damage { source, reason, records_before: 0 };
    let out = match rt.block_on(client.get_object().bucket(bucket).key(key).send()) {
        Ok(out) => out,
        Err(e) => return Fetched::Text(Some(damage(format!("GetObject failed: {}", DisplayErrorContext(e))))),
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    let mut body = out.body;
    let pump = rt.spawn(async move {
        loop {
            match body.try_next().await {
                Ok(Some(chunk)) => {
                    if tx.send(Ok(chunk.to_vec())).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.send(Err(std::io::Error::other(format!("body of the object broke off: {e}"))));
                    return;
                }
            }
        }
    });
    let reader = ChannelRead { rx, chunk: Vec::new(), at: 0, count: bytes };
    let is_parquet = key.to_ascii_lowercase().ends_with(".parquet");
    let result = if is_parquet {
        match spool(reader) {
            Ok(file) => {
                progress.advance(size);
                let (rows, d) = read_parquet_object(file, source, opts, new_sink, sink);
                Fetched::Parquet(rows, d)
            }
            Err(e) => Fetched::Text(Some(damage(format!("cannot fetch the Parquet object: {e}")))),
        }
    } else {
        Fetched::Text(read_object(reader, size, source, opts, progress, sink))
    };
    pump.abort();
    result
}

/// Saves a Parquet object's body to an unnamed temporary file (removed when closed).
fn spool<R: std::io::Read>(mut reader: R) -> std::io::Result<std::fs::File> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("vpcscope-{}-{:?}.parquet", std::process::id(), std::thread::current().id()).replace(['(', ')'], ""));
    let mut file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
    // Unlinked at once: the open handle keeps the data until it is closed.
    std::fs::remove_file(&path)?;
    std::io::copy(&mut reader, &mut file)?;
    Ok(file)
}

/// The receiving end of a body's chunks, as a reader.
struct ChannelRead<'a> {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    count: &'a std::sync::atomic::AtomicU64,
}

impl std::io::Read for ChannelRead<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.chunk = next?;
                    self.at = 0;
                    self.count.fetch_add(self.chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_levels() {
        assert_eq!(file_name_time("AWSLogs/1/vpcflowlogs/us-east-1/2024/05/01/1_vpcflowlogs_us-east-1_fl-0a_20240501T0005Z_ab12.log.gz"), Some(1_714_521_900));
        assert_eq!(file_name_time("x/readme.txt"), None);
        assert_eq!(S3Location::parse("s3://b/AWSLogs/").unwrap(), S3Location { bucket: "b".into(), prefix: "AWSLogs/".into() });
        assert!(S3Location::parse("s3:///x").is_err());
        assert_eq!(level_of("").unwrap(), (Level::Top, String::new()));
        assert_eq!(level_of("logs/AWSLogs").unwrap(), (Level::Accounts, "logs/AWSLogs/".into()));
        assert_eq!(level_of("AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-east-1/").unwrap().0, Level::Region(Layout::Hive));
        assert_eq!(level_of("AWSLogs/1/vpcflowlogs/").unwrap().0, Level::Regions(Layout::Default));
        assert!(level_of("AWSLogs/1/vpcflowlogs/us-east-1/2024/").is_none());
        assert_eq!(day_of("AWSLogs/1/vpcflowlogs/r/2024/05/01/", Layout::Default), Some(19_844));
        assert_eq!(day_of("x/year=2024/month=05/day=01/", Layout::Hive), Some(19_844));
        for days in [-1, 0, 59, 19_844, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

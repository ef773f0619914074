//! Live capture of an AWS account's network through the EC2, RDS, Elastic Load Balancing
//! (v2 and Classic), Network Firewall and STS APIs: the code
//! behind `vpcscope snapshot`, and the only module that knows the AWS SDK.
//!
//! A capture calls every read-only describe/get API the model needs, in several regions at
//! once, follows every paginated call to its last page, and lets the SDK retry throttled
//! calls with backoff. Each response is converted (in `shape`) to the JSON the AWS CLI
//! prints, so a capture is an ordinary snapshot: [`capture_documents`] returns it in memory
//! as `(origin, document)` pairs for the snapshot loader, and [`write_snapshot`] stores it as
//! `DIR/<account>/<region>/<Key>.json` plus `DIR/manifest.json` (see [`Manifest`]).
//!
//! A call that fails (AccessDenied for one API, a region that is not enabled) does not stop
//! the capture: it is recorded in the manifest with the AWS error code, its file is not
//! written, and the caller reports it. The manifest also lists every API action that went
//! over the wire (recorded by an SDK interceptor), which the test suite compares with the
//! documented IAM policy. Credentials are never stored: error messages are scrubbed of the
//! resolved credential values before they are kept.
//!
//! The public entry points are synchronous; each builds its own tokio runtime, so nothing
//! outside `source` is async.

mod audit;
mod calls;
mod shape;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::{ProvideCredentials, Region as SdkRegion};
use aws_smithy_types::DateTime;
use serde_json::Value;

use audit::{Recorder, Redactor};
use calls::Outcome;

pub use super::manifest::{CallError, CallRecord, Manifest, MANIFEST_FILE, MANIFEST_FORMAT};

/// What to capture and how to reach AWS.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Regions to capture. Empty means the region of the standard AWS configuration chain
    /// (environment, profile), unless `all_regions` is set.
    pub regions: Vec<String>,
    /// Capture every region enabled for the account (from DescribeRegions).
    pub all_regions: bool,
    /// A named profile of the shared AWS config and credentials files.
    pub profile: Option<String>,
    /// Send every request to this endpoint instead of AWS (a local emulator such as moto).
    pub endpoint_url: Option<String>,
    /// Keep only these VPCs and what belongs to them; empty means every VPC.
    pub vpc_ids: Vec<String>,
    /// Attempts per request, including the first, for throttling and transient errors.
    pub max_attempts: u32,
    /// Requests in flight at once, over all regions.
    pub concurrency: usize,
}

impl Default for CaptureOptions {
    fn default() -> CaptureOptions {
        CaptureOptions {
            regions: Vec::new(),
            all_regions: false,
            profile: None,
            endpoint_url: None,
            vpc_ids: Vec::new(),
            max_attempts: 10,
            concurrency: 16,
        }
    }
}

/// Receives progress events while a capture runs. The library never draws anything itself;
/// the CLI implements this with a progress bar per region. Every method defaults to doing
/// nothing.
pub trait CaptureProgress {
    /// The capture is about to call `calls_per_region` APIs in each of `regions`.
    fn started(&self, regions: &[String], calls_per_region: usize) {
        let _ = (regions, calls_per_region);
    }
    /// The call that fills `key` in `region` has finished, successfully or not.
    fn call_finished(&self, region: &str, key: &str, ok: bool) {
        let _ = (region, key, ok);
    }
    /// Every call has finished.
    fn finished(&self) {}
}

/// A [`CaptureProgress`] that ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl CaptureProgress for NoProgress {}

/// A captured document: its origin (`<account>/<region>/<Key>.json`) and its JSON.
pub type Document = (String, Value);

/// Why a capture could not run or could not be stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The tokio runtime could not be built.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// No region was given and the AWS configuration names none.
    #[error("no AWS region: name one (or all regions), or set AWS_REGION or a profile region")]
    NoRegion,
    /// The credential chain produced no credentials.
    #[error("cannot resolve AWS credentials: {0}")]
    Credentials(String),
    /// DescribeRegions failed, so the regions to capture are unknown.
    #[error("cannot list the account's regions (DescribeRegions): {}: {}", .0.code, .0.message)]
    ListRegions(CallError),
    /// Every call failed: there is nothing to analyse.
    #[error("every call failed; the first: {region} {action}: {}: {}", .error.code, .error.message)]
    NothingCaptured {
        /// The region of the first failure.
        region: String,
        /// Its API action.
        action: String,
        /// Its error.
        error: CallError,
    },
    /// The output directory already holds files.
    #[error("{} is not empty; choose a new directory or replace the earlier capture", .0.display())]
    NotEmpty(PathBuf),
    /// Writing the snapshot failed.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The file or directory being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Captures the account into memory: the documents in the AWS CLI's shape, each named by its
/// origin `<account>/<region>/<Key>.json`, and the manifest. Failed calls are in the
/// manifest; the capture fails as a whole only when it cannot start or nothing succeeded.
pub fn capture_documents(
    opts: &CaptureOptions,
    progress: &dyn CaptureProgress,
) -> Result<(Vec<Document>, Manifest), CaptureError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CaptureError::Runtime)?;
    runtime.block_on(run(opts, progress))
}

/// What [`write_snapshot`] does when the directory already holds files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`CaptureError::NotEmpty`].
    Refuse,
    /// Remove the manifest and the `.json` files of the captured account/regions first, so
    /// no stale file from an earlier capture survives beside the new ones.
    Replace,
}

/// Captures the account and writes it to `dir`; returns the manifest (also written).
pub fn capture(
    opts: &CaptureOptions,
    progress: &dyn CaptureProgress,
    dir: &Path,
    existing: Existing,
) -> Result<Manifest, CaptureError> {
    // Check before the capture, so a mistyped directory costs nothing.
    if existing == Existing::Refuse && !is_empty_dir(dir)? {
        return Err(CaptureError::NotEmpty(dir.to_owned()));
    }
    let (docs, manifest) = capture_documents(opts, progress)?;
    write_snapshot(dir, &docs, &manifest, existing)?;
    Ok(manifest)
}

fn is_empty_dir(dir: &Path) -> Result<bool, CaptureError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(source) => Err(CaptureError::Write { path: dir.to_owned(), source }),
    }
}

/// Writes captured documents as `dir/<origin>` (pretty JSON) and the manifest as
/// `dir/manifest.json`.
pub fn write_snapshot(
    dir: &Path,
    docs: &[Document],
    manifest: &Manifest,
    existing: Existing,
) -> Result<(), CaptureError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CaptureError::Write { path, source }
    };
    if !is_empty_dir(dir)? {
        if existing == Existing::Refuse {
            return Err(CaptureError::NotEmpty(dir.to_owned()));
        }
        remove_earlier_capture(dir, manifest)?;
    }
    for (origin, doc) in docs {
        let path = dir.join(origin);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, pretty(doc)).map_err(io(&path))?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(MANIFEST_FILE);
    let json = serde_json::to_value(manifest).unwrap_or(Value::Null);
    std::fs::write(&path, pretty(&json)).map_err(io(&path))
}

fn pretty(doc: &Value) -> String {
    // Serialising a `Value` to a string cannot fail: its keys are already strings.
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
    s.push('\n');
    s
}

fn remove_earlier_capture(dir: &Path, manifest: &Manifest) -> Result<(), CaptureError> {
    let remove = |path: PathBuf| match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CaptureError::Write { path, source }),
    };
    remove(dir.join(MANIFEST_FILE))?;
    for region in &manifest.regions {
        let region_dir = dir.join(&manifest.account).join(region);
        let Ok(entries) = std::fs::read_dir(&region_dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "json") {
                remove(path)?;
            }
        }
    }
    Ok(())
}

fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    shape::rfc3339(&DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX)))
}

async fn run(
    opts: &CaptureOptions,
    progress: &dyn CaptureProgress,
) -> Result<(Vec<Document>, Manifest), CaptureError> {
    let started_at = now();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;

    // Resolve the credentials once, up front: a missing chain is one clear error instead of
    // one per call, and knowing the values lets every stored message be scrubbed of them.
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| CaptureError::Credentials("no credential provider is configured".into()))?;
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| CaptureError::Credentials(calls::error_chain(&e)))?;
    let redactor = Redactor::new(
        [Some(creds.access_key_id()), Some(creds.secret_access_key()), creds.session_token()]
            .into_iter()
            .flatten()
            .map(str::to_owned),
    );
    drop(creds);

    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let ec2_client = |region: &str| {
        let conf = aws_sdk_ec2::config::Builder::from(&sdk)
            .region(SdkRegion::new(region.to_owned()))
            .interceptor(Recorder::new("ec2", Arc::clone(&seen)))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    };
    let home = opts
        .regions
        .first()
        .cloned()
        .or_else(|| sdk.region().map(|r| r.as_ref().to_owned()));

    let regions = if opts.all_regions {
        let home = home.clone().unwrap_or_else(|| "us-east-1".to_owned());
        let out = ec2_client(&home).describe_regions().send().await.map_err(|e| {
            let mut err = calls::call_error(&e);
            err.message = redactor.redact(&err.message);
            CaptureError::ListRegions(err)
        })?;
        out.regions.unwrap_or_default().into_iter().filter_map(|r| r.region_name).collect()
    } else if !opts.regions.is_empty() {
        opts.regions.clone()
    } else {
        vec![home.clone().ok_or(CaptureError::NoRegion)?]
    };
    let regions: Vec<String> = regions.into_iter().collect::<BTreeSet<_>>().into_iter().collect();

    // The account id names the snapshot's top directory.
    let mut other_errors = Vec::new();
    let sts_region = home.clone().or_else(|| regions.first().cloned()).unwrap_or_default();
    let mut account = caller_account(&sdk, &sts_region, &seen, &redactor, &mut other_errors).await;

    // One task per call (or per listing and its dependants), all regions at once, with a
    // global cap on requests in flight. Outcomes come back over a channel so that progress
    // is reported from this thread and needs no synchronisation.
    let permits = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Outcome)>();
    for (index, name) in regions.iter().enumerate() {
        let region = Arc::new(calls::Region {
            ec2: ec2_client(name),
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(&sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("rds", Arc::clone(&seen)))
                    .build(),
            ),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(&sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("elasticloadbalancing", Arc::clone(&seen)))
                    .build(),
            ),
            elb: aws_sdk_elasticloadbalancing::Client::from_conf(
                aws_sdk_elasticloadbalancing::config::Builder::from(&sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("elasticloadbalancing", Arc::clone(&seen)))
                    .build(),
            ),
            nfw: aws_sdk_networkfirewall::Client::from_conf(
                aws_sdk_networkfirewall::config::Builder::from(&sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("network-firewall", Arc::clone(&seen)))
                    .build(),
            ),
            vpc_ids: opts.vpc_ids.clone(),
        });
        for task in calls::tasks(&region) {
            let tx = tx.clone();
            let permits = Arc::clone(&permits);
            tokio::spawn(async move {
                // The semaphore is never closed, so acquiring only fails if it were.
                let _permit = permits.acquire_owned().await;
                for outcome in task.await {
                    let _ = tx.send((index, outcome));
                }
            });
        }
    }
    drop(tx);
    progress.started(&regions, calls::ALL.len());
    let mut outcomes: Vec<BTreeMap<&'static str, Outcome>> = regions.iter().map(|_| BTreeMap::new()).collect();
    while let Some((index, outcome)) = rx.recv().await {
        progress.call_finished(&regions[index], outcome.call.key, outcome.result.is_ok());
        outcomes[index].insert(outcome.call.key, outcome);
    }
    progress.finished();

    if account.is_none() {
        account = owner_of_first_vpc(&outcomes);
    }
    let account = account.unwrap_or_else(|| "unknown-account".to_owned());

    let (docs, records) = documents(&account, &regions, outcomes, &redactor);
    if docs.is_empty() {
        if let Some(first) = records.iter().chain(&other_errors).find(|r| r.error.is_some()) {
            return Err(CaptureError::NothingCaptured {
                region: first.region.clone(),
                action: first.action.clone(),
                error: first.error.clone().unwrap_or(CallError { code: String::new(), message: String::new() }),
            });
        }
    }

    let operations = seen.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        tool: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        finished_at: now(),
        account,
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.as_deref().map(audit::strip_userinfo),
        regions,
        vpc_ids: opts.vpc_ids.clone(),
        calls: records,
        other_errors,
        operations,
    };
    Ok((docs, manifest))
}

/// The account of the credentials (STS `GetCallerIdentity`); a failure is recorded in
/// `other_errors`.
async fn caller_account(
    sdk: &aws_config::SdkConfig,
    region: &str,
    seen: &Arc<Mutex<BTreeSet<String>>>,
    redactor: &Redactor,
    other_errors: &mut Vec<CallRecord>,
) -> Option<String> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .region(SdkRegion::new(region.to_owned()))
            .interceptor(Recorder::new("sts", Arc::clone(seen)))
            .build(),
    );
    match sts.get_caller_identity().send().await {
        Ok(out) => out.account,
        Err(e) => {
            let mut err = calls::call_error(&e);
            err.message = redactor.redact(&err.message);
            other_errors.push(CallRecord {
                region: region.to_owned(),
                key: "CallerIdentity".into(),
                action: "GetCallerIdentity".into(),
                file: None,
                count: None,
                error: Some(err),
            });
            None
        }
    }
}

/// The captured documents (named `<account>/<region>/<Key>.json`) and one record per call
/// and region, errors scrubbed of credentials.
fn documents(account: &str, regions: &[String], outcomes: Vec<BTreeMap<&'static str, Outcome>>, redactor: &Redactor) -> (Vec<Document>, Vec<CallRecord>) {
    let mut docs = Vec::new();
    let mut records = Vec::new();
    for (region, mut by_key) in regions.iter().zip(outcomes) {
        for call in calls::ALL {
            let mut record = CallRecord {
                region: region.clone(),
                key: call.key.to_owned(),
                action: call.action.to_owned(),
                file: None,
                count: None,
                error: None,
            };
            match by_key.remove(call.key).map(|o| o.result) {
                Some(Ok(doc)) => {
                    let origin = format!("{account}/{region}/{}.json", call.key);
                    record.count = Some(calls::count(*call, &doc));
                    record.file = Some(origin.clone());
                    docs.push((origin, doc));
                }
                Some(Err(mut err)) => {
                    err.message = redactor.redact(&err.message);
                    record.error = Some(err);
                }
                // A task that panicked sends nothing; say so rather than pretend.
                None => {
                    record.error = Some(CallError {
                        code: "InternalError".into(),
                        message: "the capture task stopped before this call finished".into(),
                    })
                }
            }
            records.push(record);
        }
    }
    (docs, records)
}

/// The `OwnerId` of the first captured VPC: the account, when STS could not say.
fn owner_of_first_vpc(outcomes: &[BTreeMap<&'static str, Outcome>]) -> Option<String> {
    outcomes.iter().find_map(|by_key| {
        let doc = by_key.get(calls::VPCS.key)?.result.as_ref().ok()?;
        doc.pointer("/Vpcs/0/OwnerId")?.as_str().map(str::to_owned)
    })
}

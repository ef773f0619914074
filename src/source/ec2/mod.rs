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

mod accounts;
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

pub use super::manifest::{
    AccountRecord, AccountStatus, CallError, CallRecord, Manifest, MANIFEST_FILE, MANIFEST_FORMAT,
};
pub use accounts::{is_account_id, AccountScope};

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
    /// Requests in flight at once, over all accounts and regions.
    pub concurrency: usize,
    /// The accounts to capture: the credentials' own (default), a list, or an organization.
    pub accounts: AccountScope,
    /// The role to assume in each account of a multi-account capture (`--role-name`):
    /// `arn:<partition>:iam::<account>:role/<role_name>`. Required unless `accounts` is
    /// [`AccountScope::Own`].
    pub role_name: Option<String>,
    /// The external id the role's trust policy asks for (`--external-id`).
    pub external_id: Option<String>,
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
            accounts: AccountScope::Own,
            role_name: None,
            external_id: None,
        }
    }
}

/// Receives progress events while a capture runs. The library never draws anything itself;
/// the CLI implements this with a progress bar per region. Every method defaults to doing
/// nothing.
pub trait CaptureProgress {
    /// The capture is about to make its calls: `(bar, calls)` pairs, a bar being a region
    /// in a one-account capture and an account (its id) in a capture of several.
    fn started(&self, bars: &[(String, usize)]) {
        let _ = bars;
    }
    /// The call that fills `key` has finished in `bar`, successfully or not.
    fn call_finished(&self, bar: &str, key: &str, ok: bool) {
        let _ = (bar, key, ok);
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
    /// A capture of several accounts names no role to assume in them.
    #[error("capturing several accounts needs the role to assume in each: give --role-name")]
    NoRoleName,
    /// An account of `--accounts` is not a 12-digit account id.
    #[error("{0:?} is not an AWS account id (12 digits)")]
    InvalidAccount(String),
    /// Organizations ListAccounts failed, so the accounts to capture are unknown.
    #[error("cannot list the organization's accounts (Organizations ListAccounts; run from the management account or a delegated administrator): {}: {}", .0.code, .0.message)]
    ListAccounts(CallError),
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
    // The directories of the new capture and of the one it replaces (its manifest says where
    // it wrote), so that an account or region the new capture lacks leaves nothing stale.
    let mut dirs = capture_dirs(manifest);
    let earlier = std::fs::read(dir.join(MANIFEST_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok());
    if let Some(earlier) = &earlier {
        dirs.extend(capture_dirs(earlier));
    }
    remove(dir.join(MANIFEST_FILE))?;
    for sub in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join(&sub)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e == "json") {
                remove(path)?;
            }
        }
    }
    Ok(())
}

/// The directories a capture writes, relative to the snapshot: `<account>/<region>`, or
/// `accounts/<account>/<region>` for each account of a multi-account capture.
fn capture_dirs(manifest: &Manifest) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::new();
    if manifest.is_multi_account() {
        for account in &manifest.accounts {
            for region in &account.regions {
                dirs.insert(Path::new("accounts").join(&account.account).join(region));
            }
        }
    } else {
        for region in &manifest.regions {
            dirs.insert(Path::new(&manifest.account).join(region));
        }
    }
    // Whatever the calls name, too (an account without regions listed still wrote none).
    for call in &manifest.calls {
        if let Some(parent) = call.file.as_deref().and_then(|f| Path::new(f).parent()) {
            dirs.insert(parent.to_owned());
        }
    }
    // Never leave the snapshot: a manifest is input, and its paths must stay below `dir`.
    dirs.retain(|d| d.components().all(|c| matches!(c, std::path::Component::Normal(_))));
    dirs
}

fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    shape::rfc3339(&DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX)))
}

/// One account being captured: the configuration that reaches it and its regions.
struct Target {
    /// The account id; `None` only for the caller's own account when STS could not say.
    account: Option<String>,
    name: Option<String>,
    sdk: aws_config::SdkConfig,
    role_arn: Option<String>,
    regions: Vec<String>,
}

async fn run(
    opts: &CaptureOptions,
    progress: &dyn CaptureProgress,
) -> Result<(Vec<Document>, Manifest), CaptureError> {
    let started_at = now();
    let multi = opts.accounts.is_multi();
    let role_name = match (&opts.accounts, opts.role_name.as_deref()) {
        (AccountScope::Own, _) => None,
        (_, Some(name)) if !name.is_empty() => Some(name.to_owned()),
        _ => return Err(CaptureError::NoRoleName),
    };
    if let AccountScope::List(ids) = &opts.accounts {
        if let Some(bad) = ids.iter().find(|id| !accounts::is_account_id(id)) {
            return Err(CaptureError::InvalidAccount(bad.clone()));
        }
    }
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
    let mut secrets: Vec<String> = [Some(creds.access_key_id()), Some(creds.secret_access_key()), creds.session_token()]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    drop(creds);
    let mut redactor = Redactor::new(secrets.iter().cloned());

    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let home = opts
        .regions
        .first()
        .cloned()
        .or_else(|| sdk.region().map(|r| r.as_ref().to_owned()));
    if home.is_none() && !opts.all_regions {
        return Err(CaptureError::NoRegion);
    }
    let sts_region = home.clone().unwrap_or_else(|| "us-east-1".to_owned());

    // The caller's account names a one-account snapshot's top directory; in a capture of
    // several accounts it is captured with the caller's own credentials.
    let mut other_errors = Vec::new();
    let caller = caller_identity(&sdk, &sts_region, &seen, &redactor, &mut other_errors).await;
    let caller_account = caller.as_ref().map(|c| c.0.clone());
    let partition = caller
        .as_ref()
        .and_then(|c| accounts::partition_of(&c.1).map(str::to_owned))
        .unwrap_or_else(|| "aws".to_owned());

    let mut account_records: Vec<AccountRecord> = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    if let Some(role_name) = &role_name {
        let listed = match &opts.accounts {
            AccountScope::Organization => accounts::organization_accounts(&sdk, &sts_region, &seen)
                .await
                .map_err(|mut e| {
                    e.message = redactor.redact(&e.message);
                    CaptureError::ListAccounts(e)
                })?,
            AccountScope::List(ids) => {
                let ids: BTreeSet<&String> = ids.iter().collect();
                ids.into_iter().map(|id| accounts::Listed { id: id.clone(), name: None, inactive: None }).collect()
            }
            AccountScope::Own => Vec::new(),
        };
        // Assume the role in every other active account, all at once (bounded like calls).
        let permits = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
        let mut assuming = tokio::task::JoinSet::new();
        for account in listed {
            if let Some(state) = &account.inactive {
                account_records.push(AccountRecord {
                    account: account.id,
                    name: account.name,
                    status: AccountStatus::Skipped,
                    role_arn: None,
                    regions: Vec::new(),
                    files: 0,
                    failed_calls: 0,
                    error: Some(CallError { code: state.clone(), message: "the organization lists the account as not active".into() }),
                });
                continue;
            }
            if caller_account.as_deref() == Some(account.id.as_str()) {
                targets.push(Target { account: Some(account.id), name: account.name, sdk: sdk.clone(), role_arn: None, regions: Vec::new() });
                continue;
            }
            let arn = accounts::role_arn(&partition, &account.id, role_name);
            let (sdk, seen, region, permits) = (sdk.clone(), Arc::clone(&seen), sts_region.clone(), Arc::clone(&permits));
            let external_id = opts.external_id.clone();
            assuming.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let result = accounts::assume(&sdk, &region, &seen, &arn, external_id.as_deref()).await;
                (account, arn, result)
            });
        }
        while let Some(joined) = assuming.join_next().await {
            // A task that panicked has no account to report; the others are unaffected.
            let Ok((account, arn, result)) = joined else { continue };
            match result {
                Ok(assumed) => {
                    secrets.extend(assumed.secrets);
                    targets.push(Target { account: Some(account.id), name: account.name, sdk: assumed.sdk, role_arn: Some(arn), regions: Vec::new() });
                }
                Err(refused) => account_records.push(AccountRecord {
                    account: account.id,
                    name: account.name,
                    status: refused.status,
                    role_arn: Some(arn),
                    regions: Vec::new(),
                    files: 0,
                    failed_calls: 0,
                    error: Some(refused.error),
                }),
            }
        }
        redactor = Redactor::new(secrets.iter().cloned());
        for record in &mut account_records {
            if let Some(err) = &mut record.error {
                err.message = redactor.redact(&err.message);
            }
        }
        targets.sort_by(|a, b| a.account.cmp(&b.account));
    } else {
        targets.push(Target { account: caller_account.clone(), name: None, sdk: sdk.clone(), role_arn: None, regions: Vec::new() });
    }

    // The regions of each account: every enabled one (DescribeRegions, asked of each account,
    // since opt-in regions differ), the ones named, or the configuration's.
    let mut kept = Vec::with_capacity(targets.len());
    for mut target in targets {
        let regions = if opts.all_regions {
            let client = ec2_client(&target.sdk, &sts_region, &seen);
            match client.describe_regions().send().await {
                Ok(out) => out.regions.unwrap_or_default().into_iter().filter_map(|r| r.region_name).collect(),
                Err(e) => {
                    let mut err = calls::call_error(&e);
                    err.message = redactor.redact(&err.message);
                    if !multi {
                        return Err(CaptureError::ListRegions(err));
                    }
                    account_records.push(AccountRecord {
                        account: target.account.clone().unwrap_or_default(),
                        name: target.name.clone(),
                        status: accounts::status_of_calls(0, std::iter::once(&err)),
                        role_arn: target.role_arn.clone(),
                        regions: Vec::new(),
                        files: 0,
                        failed_calls: 0,
                        error: Some(err),
                    });
                    continue;
                }
            }
        } else if !opts.regions.is_empty() {
            opts.regions.clone()
        } else {
            vec![sts_region.clone()]
        };
        target.regions = regions.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        kept.push(target);
    }
    let targets = kept;

    // One task per call (or per listing and its dependants), every account and region at
    // once, with a global cap on requests in flight. Outcomes come back over a channel so that
    // progress is reported from this thread and needs no synchronisation. A unit is one
    // (account, region); a progress bar is a region in a one-account capture and an account
    // in a capture of several.
    let units: Vec<(usize, &String)> =
        targets.iter().enumerate().flat_map(|(t, target)| target.regions.iter().map(move |r| (t, r))).collect();
    let bar_of = |unit: usize| -> String {
        let (t, region) = units[unit];
        if multi { targets[t].account.clone().unwrap_or_default() } else { region.clone() }
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(opts.concurrency.max(1)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Outcome)>();
    for (index, &(t, name)) in units.iter().enumerate() {
        let sdk = &targets[t].sdk;
        let region = Arc::new(calls::Region {
            ec2: ec2_client(sdk, name, &seen),
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("rds", Arc::clone(&seen)))
                    .build(),
            ),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("elasticloadbalancing", Arc::clone(&seen)))
                    .build(),
            ),
            elb: aws_sdk_elasticloadbalancing::Client::from_conf(
                aws_sdk_elasticloadbalancing::config::Builder::from(sdk)
                    .region(SdkRegion::new(name.clone()))
                    .interceptor(Recorder::new("elasticloadbalancing", Arc::clone(&seen)))
                    .build(),
            ),
            nfw: aws_sdk_networkfirewall::Client::from_conf(
                aws_sdk_networkfirewall::config::Builder::from(sdk)
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
    let mut bars: Vec<(String, usize)> = Vec::new();
    for unit in 0..units.len() {
        let bar = bar_of(unit);
        match bars.iter_mut().find(|(b, _)| *b == bar) {
            Some((_, n)) => *n += calls::ALL.len(),
            None => bars.push((bar, calls::ALL.len())),
        }
    }
    progress.started(&bars);
    let mut outcomes: Vec<BTreeMap<&'static str, Outcome>> = units.iter().map(|_| BTreeMap::new()).collect();
    while let Some((index, outcome)) = rx.recv().await {
        progress.call_finished(&bar_of(index), outcome.call.key, outcome.result.is_ok());
        outcomes[index].insert(outcome.call.key, outcome);
    }
    progress.finished();

    // The account of a one-account capture, when STS could not say: the VPCs' owner.
    let own_account = caller_account
        .clone()
        .or_else(|| owner_of_first_vpc(&outcomes))
        .unwrap_or_else(|| "unknown-account".to_owned());
    let unit_places: Vec<(String, String)> = units
        .iter()
        .map(|&(t, region)| (targets[t].account.clone().unwrap_or_else(|| own_account.clone()), region.clone()))
        .collect();
    let (docs, records) = documents(&unit_places, multi, outcomes, &redactor);
    if multi {
        for target in &targets {
            let account = target.account.clone().unwrap_or_default();
            let mine: Vec<&CallRecord> = records.iter().filter(|r| r.account.as_deref() == Some(account.as_str())).collect();
            let files = mine.iter().filter(|r| r.file.is_some()).count();
            let errors = mine.iter().filter_map(|r| r.error.as_ref());
            account_records.push(AccountRecord {
                status: accounts::status_of_calls(files, errors),
                failed_calls: mine.iter().filter(|r| r.error.is_some()).count(),
                files,
                account,
                name: target.name.clone(),
                role_arn: target.role_arn.clone(),
                regions: target.regions.clone(),
                error: None,
            });
        }
        account_records.sort_by(|a, b| a.account.cmp(&b.account));
    }
    if docs.is_empty() {
        if let Some(first) = records.iter().chain(&other_errors).find(|r| r.error.is_some()) {
            return Err(CaptureError::NothingCaptured {
                region: first.region.clone(),
                action: first.action.clone(),
                error: first.error.clone().unwrap_or(CallError { code: String::new(), message: String::new() }),
            });
        }
        if let Some(first) = account_records.iter().find(|a| a.error.is_some()) {
            return Err(CaptureError::NothingCaptured {
                region: format!("account {}", first.account),
                action: "AssumeRole".to_owned(),
                error: first.error.clone().unwrap_or(CallError { code: String::new(), message: String::new() }),
            });
        }
    }

    let operations = seen.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    let regions: BTreeSet<&String> = targets.iter().flat_map(|t| &t.regions).collect();
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        tool: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        finished_at: now(),
        account: if multi { caller_account.unwrap_or_else(|| "unknown-account".to_owned()) } else { own_account },
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.as_deref().map(audit::strip_userinfo),
        regions: regions.into_iter().cloned().collect(),
        vpc_ids: opts.vpc_ids.clone(),
        calls: records,
        other_errors,
        operations,
        account_source: match opts.accounts {
            AccountScope::Own => None,
            AccountScope::List(_) => Some("list".to_owned()),
            AccountScope::Organization => Some("organization".to_owned()),
        },
        role_name,
        accounts: account_records,
    };
    Ok((docs, manifest))
}

/// An EC2 client for `region` with the operation recorder.
fn ec2_client(sdk: &aws_config::SdkConfig, region: &str, seen: &Arc<Mutex<BTreeSet<String>>>) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::config::Builder::from(sdk)
        .region(SdkRegion::new(region.to_owned()))
        .interceptor(Recorder::new("ec2", Arc::clone(seen)))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

/// The account and ARN of the credentials (STS `GetCallerIdentity`); a failure is recorded
/// in `other_errors`.
async fn caller_identity(
    sdk: &aws_config::SdkConfig,
    region: &str,
    seen: &Arc<Mutex<BTreeSet<String>>>,
    redactor: &Redactor,
    other_errors: &mut Vec<CallRecord>,
) -> Option<(String, String)> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .region(SdkRegion::new(region.to_owned()))
            .interceptor(Recorder::new("sts", Arc::clone(seen)))
            .build(),
    );
    match sts.get_caller_identity().send().await {
        Ok(out) => out.account.map(|account| (account, out.arn.unwrap_or_default())),
        Err(e) => {
            let mut err = calls::call_error(&e);
            err.message = redactor.redact(&err.message);
            other_errors.push(CallRecord {
                account: None,
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

/// The captured documents and one record per call, account and region, errors scrubbed of
/// credentials. `places` are the (account, region) of each unit of `outcomes`; a capture of
/// several accounts names its documents `accounts/<account>/<region>/<Key>.json` and its
/// records' accounts, a one-account capture `<account>/<region>/<Key>.json`.
fn documents(
    places: &[(String, String)],
    multi: bool,
    outcomes: Vec<BTreeMap<&'static str, Outcome>>,
    redactor: &Redactor,
) -> (Vec<Document>, Vec<CallRecord>) {
    let mut docs = Vec::new();
    let mut records = Vec::new();
    for ((account, region), mut by_key) in places.iter().zip(outcomes) {
        let dir = if multi { format!("accounts/{account}/{region}") } else { format!("{account}/{region}") };
        for call in calls::ALL {
            let mut record = CallRecord {
                account: multi.then(|| account.clone()),
                region: region.clone(),
                key: call.key.to_owned(),
                action: call.action.to_owned(),
                file: None,
                count: None,
                error: None,
            };
            match by_key.remove(call.key).map(|o| o.result) {
                Some(Ok(doc)) => {
                    let origin = format!("{dir}/{}.json", call.key);
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

//! `vpcscope snapshot`: capture a live account's network through the AWS APIs into a
//! snapshot directory every other command reads. Also home of [`LiveArgs`], the
//! `--region/--profile/--endpoint-url` flags that let an analysis command capture into
//! memory instead of reading `--snapshot DIR`. Without the `aws` cargo feature the flags
//! still parse, and using them is an error saying the binary has no AWS support.

use std::io::Write;
use std::path::PathBuf;

#[cfg(feature = "aws")]
use anyhow::Context;
#[cfg(feature = "aws")]
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
#[cfg(feature = "aws")]
use std::io::IsTerminal;
#[cfg(feature = "aws")]
use vpcscope::source::ec2::{self, AccountScope, AccountStatus, CaptureOptions, CaptureProgress, Existing};
use vpcscope::source::manifest::Manifest;

/// Where a live capture reads from: the standard AWS configuration chain, narrowed by these
/// flags. Flatten it into any command that can work on a live account.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LiveArgs {
    /// AWS region to capture (repeat for several). Default: the region of the AWS
    /// configuration (AWS_REGION, the profile).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Capture every region enabled for the account.
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Named profile from the shared AWS config and credentials files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every AWS request to this endpoint (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Keep only this VPC and what belongs to it (repeat for several).
    #[arg(long = "vpc-id", value_name = "VPC_ID")]
    pub vpc_ids: Vec<String>,
    /// Attempts per AWS request, for throttling and transient errors.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_attempts: u32,
    /// Capture every active account of the AWS Organization (Organizations ListAccounts,
    /// from the management account or a delegated administrator), assuming --role-name in
    /// each. Written as `accounts/<account>/<region>/`.
    #[arg(long, conflicts_with = "accounts", requires = "role_name")]
    pub org: bool,
    /// Capture these accounts (12-digit ids, comma-separated or repeated), assuming
    /// --role-name in each. The credentials' own account, when listed, is captured with them.
    #[arg(long, value_name = "ID,...", value_delimiter = ',', value_parser = account_id, requires = "role_name")]
    pub accounts: Vec<String>,
    /// The role to assume in every account of --org/--accounts
    /// (`arn:aws:iam::<account>:role/NAME`).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// The external id the role's trust policy requires.
    #[arg(long, value_name = "ID", requires = "role_name")]
    pub external_id: Option<String>,
}

/// A 12-digit AWS account id.
fn account_id(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(format!("{s:?} is not an AWS account id (12 digits)"))
    }
}

impl LiveArgs {
    /// Whether any flag asks for a live capture (the caller then needs no `--snapshot`).
    pub fn is_live(&self) -> bool {
        !self.regions.is_empty()
            || self.all_regions
            || self.profile.is_some()
            || self.endpoint_url.is_some()
            || self.org
            || !self.accounts.is_empty()
    }

    #[cfg(feature = "aws")]
    fn options(&self) -> CaptureOptions {
        CaptureOptions {
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            vpc_ids: self.vpc_ids.clone(),
            max_attempts: self.max_attempts,
            accounts: if self.org {
                AccountScope::Organization
            } else if !self.accounts.is_empty() {
                AccountScope::List(self.accounts.clone())
            } else {
                AccountScope::Own
            },
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
            ..CaptureOptions::default()
        }
    }
}

/// Arguments of `vpcscope snapshot`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  vpcscope snapshot --out snap/ --region us-east-1
  vpcscope snapshot --out snap/ --all-regions --profile audit
  vpcscope snapshot --out estate/ --org --role-name VpcscopeReader --all-regions
  vpcscope snapshot --out two/ --accounts 111111111111,222222222222 --role-name VpcscopeReader --region eu-west-1")]
pub struct Args {
    /// Directory to write the snapshot to (`DIR/<account>/<region>/*.json`, or
    /// `DIR/accounts/<account>/<region>/*.json` with --org/--accounts, and
    /// `DIR/manifest.json`). It must be empty or absent unless --replace is given.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an earlier capture in DIR (its manifest and the captured regions' files).
    #[arg(long)]
    pub replace: bool,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Runs `vpcscope snapshot`: captures, writes, prints a summary to `out` and a warning on
/// stderr per failed call. Exit status 0 when the snapshot was written, even if some calls
/// failed (the manifest says which).
#[cfg(feature = "aws")]
pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let existing = if args.replace { Existing::Replace } else { Existing::Refuse };
    let bars = Bars::new();
    let manifest = ec2::capture(&args.live.options(), &bars, &args.out, existing)
        .with_context(|| format!("capture into {} failed", args.out.display()))?;
    warn_failures(&manifest);
    let files = manifest.calls.iter().filter(|c| c.file.is_some()).count();
    let failed = manifest.failures().count();
    if manifest.is_multi_account() {
        let count = |status: AccountStatus| manifest.accounts.iter().filter(|a| a.status == status).count();
        let captured = count(AccountStatus::Captured) + count(AccountStatus::Partial);
        let mut missing = Vec::new();
        for (status, word) in [
            (AccountStatus::Partial, "partial"),
            (AccountStatus::Denied, "denied"),
            (AccountStatus::Failed, "failed"),
            (AccountStatus::Skipped, "skipped"),
        ] {
            if count(status) > 0 {
                missing.push(format!("{} {word}", count(status)));
            }
        }
        let missing = if missing.is_empty() { String::new() } else { format!(" ({})", missing.join(", ")) };
        writeln!(
            out,
            "captured {captured} of {} accounts{missing} in {} region{} into {}: {files} files, {failed} failed calls; see {}",
            manifest.accounts.len(),
            manifest.regions.len(),
            if manifest.regions.len() == 1 { "" } else { "s" },
            args.out.display(),
            args.out.join(ec2::MANIFEST_FILE).display(),
        )?;
    } else {
        writeln!(
            out,
            "captured account {} ({}) into {}: {files} files, {failed} failed calls; see {}",
            manifest.account,
            manifest.regions.join(", "),
            args.out.display(),
            args.out.join(ec2::MANIFEST_FILE).display(),
        )?;
    }
    Ok(0)
}

/// `vpcscope snapshot` in a build without the `aws` feature: an error.
#[cfg(not(feature = "aws"))]
pub fn run(args: Args, _out: &mut dyn Write) -> anyhow::Result<u8> {
    let _ = (args.out, args.replace, args.live);
    Err(super::without_aws("vpcscope snapshot (live capture)"))
}

/// A captured document: its origin (`<account>/<region>/<Key>.json`) and its JSON.
pub type Document = (String, serde_json::Value);

/// Captures a live account into memory for an analysis command: shows progress, warns on
/// stderr about failed calls, and returns the documents for
/// `vpcscope::source::snapshot::load_documents` plus the manifest (whose
/// `missing_warnings()` belong with the loader's warnings).
#[cfg(feature = "aws")]
pub fn capture_live(live: &LiveArgs) -> anyhow::Result<(Vec<Document>, Manifest)> {
    let bars = Bars::new();
    let (docs, manifest) = ec2::capture_documents(&live.options(), &bars).context("live capture failed")?;
    warn_failures(&manifest);
    Ok((docs, manifest))
}

/// Live capture in a build without the `aws` feature: an error naming the flags.
#[cfg(not(feature = "aws"))]
pub fn capture_live(live: &LiveArgs) -> anyhow::Result<(Vec<Document>, Manifest)> {
    let _ = (&live.vpc_ids, live.max_attempts, live.org, &live.accounts, &live.role_name, &live.external_id);
    Err(super::without_aws("live capture (--region/--all-regions/--profile/--endpoint-url)"))
}

/// `CODE: message`, or just `CODE` when the service sent no message.
#[cfg(feature = "aws")]
fn describe(err: &ec2::CallError) -> String {
    if err.message.is_empty() {
        err.code.clone()
    } else {
        format!("{}: {}", err.code, err.message)
    }
}

/// One warning line per failed call; a region where every call failed gets one line, and
/// so does an account that is missing whole (denied, failed, skipped).
#[cfg(feature = "aws")]
fn warn_failures(manifest: &Manifest) {
    for account in &manifest.accounts {
        let why = match account.status {
            AccountStatus::Denied => "denied",
            AccountStatus::Failed => "failed",
            AccountStatus::Skipped => "skipped",
            AccountStatus::Captured | AccountStatus::Partial => continue,
        };
        let name = account.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let detail = account.error.as_ref().map(|e| format!(": {}", describe(e))).unwrap_or_default();
        eprintln!(
            "vpcscope: warning: account {}{name} {why}{detail}; its network is missing from the snapshot",
            account.account
        );
    }
    let mut places: Vec<(Option<&String>, &String)> =
        manifest.calls.iter().map(|c| (c.account.as_ref(), &c.region)).collect();
    places.dedup();
    for (account, region) in places {
        let calls: Vec<_> =
            manifest.calls.iter().filter(|c| c.account.as_ref() == account && &c.region == region).collect();
        let failed: Vec<_> = calls.iter().filter(|c| c.error.is_some()).collect();
        let place = match account {
            Some(account) => format!("{account} {region}"),
            None => region.clone(),
        };
        if !calls.is_empty() && failed.len() == calls.len() {
            if let Some(err) = failed.first().and_then(|c| c.error.as_ref()) {
                eprintln!("vpcscope: warning: {place}: every call failed ({}); the region is missing", describe(err));
            }
            continue;
        }
        for call in failed {
            if let Some(err) = &call.error {
                eprintln!(
                    "vpcscope: warning: {place}: {} failed ({}); {} is missing from the snapshot",
                    call.action,
                    describe(err),
                    call.key
                );
            }
        }
    }
    for call in &manifest.other_errors {
        if let Some(err) = &call.error {
            eprintln!("vpcscope: warning: {} failed ({})", call.action, describe(err));
        }
    }
}

/// A progress bar per region (per account in a capture of several) on stderr, drawn only
/// when stderr is a terminal.
#[cfg(feature = "aws")]
struct Bars {
    multi: Option<MultiProgress>,
    bars: std::cell::RefCell<Vec<(String, ProgressBar)>>,
}

#[cfg(feature = "aws")]
impl Bars {
    fn new() -> Bars {
        let multi = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Bars { multi, bars: std::cell::RefCell::new(Vec::new()) }
    }
}

#[cfg(feature = "aws")]
impl CaptureProgress for Bars {
    fn started(&self, units: &[(String, usize)]) {
        let Some(multi) = &self.multi else { return };
        let style = ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let mut bars = self.bars.borrow_mut();
        for (unit, calls) in units {
            let bar = multi.add(ProgressBar::new(*calls as u64));
            bar.set_style(style.clone());
            bar.set_prefix(unit.clone());
            bars.push((unit.clone(), bar));
        }
    }

    fn call_finished(&self, unit: &str, key: &str, ok: bool) {
        if let Some((_, bar)) = self.bars.borrow().iter().find(|(r, _)| r == unit) {
            bar.set_message(if ok { key.to_owned() } else { format!("{key} failed") });
            bar.inc(1);
        }
    }

    fn finished(&self) {
        for (_, bar) in self.bars.borrow().iter() {
            bar.finish_and_clear();
        }
    }
}

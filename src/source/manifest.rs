//! The manifest of a vpcscope capture (`manifest.json` at the top of a written snapshot):
//! which calls a capture made and which failed. It lives apart from the capture code in
//! `ec2` so that the snapshot loader can read it in a build without the AWS SDK (the `aws`
//! feature off).

use serde::{Deserialize, Serialize};

/// The `format` value of every manifest this version writes.
pub const MANIFEST_FORMAT: &str = "vpcscope-capture/1";

/// The file name of the manifest at the top of a written snapshot.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Why one API call produced no data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallError {
    /// The AWS error code (`UnauthorizedOperation`, `AccessDenied`, `OptInRequired`, ...)
    /// or, when the request never got an answer, `DispatchFailure` or `Timeout`.
    pub code: String,
    /// The service's message, with credential values removed.
    pub message: String,
}

/// One API call of a capture, as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The account the call went to, in a capture of several accounts (`--org`,
    /// `--accounts`); absent in a one-account capture, whose account is the manifest's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<String>,
    /// The region the call went to.
    pub region: String,
    /// The top-level key of the document (also the file stem), e.g. `Vpcs`.
    pub key: String,
    /// The API action, e.g. `DescribeVpcs`.
    pub action: String,
    /// The document's origin (`<account>/<region>/<Key>.json`, or
    /// `accounts/<account>/<region>/<Key>.json` in a capture of several accounts), when the
    /// call succeeded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    /// How many items the document holds, when the call succeeded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub count: Option<usize>,
    /// Why the call produced no document.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<CallError>,
}

/// How one account of a multi-account capture went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Every call succeeded.
    Captured,
    /// Some calls succeeded, some failed (see the calls of this account).
    Partial,
    /// The role could not be assumed, or every call was refused: the account is missing.
    Denied,
    /// Nothing was captured for another reason (network, throttling, an unknown region).
    Failed,
    /// Not attempted: the organization lists the account as suspended, closed or closing.
    Skipped,
}

/// One account of a multi-account capture (`--org`, `--accounts`), as recorded in the
/// manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The 12-digit account id.
    pub account: String,
    /// The account's name in AWS Organizations, when the accounts came from there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// What happened.
    pub status: AccountStatus,
    /// The role assumed to capture it; absent for the account of the caller's own
    /// credentials, which are used as they are.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role_arn: Option<String>,
    /// The regions captured in it.
    pub regions: Vec<String>,
    /// Files written for it.
    pub files: usize,
    /// Its calls that failed.
    pub failed_calls: usize,
    /// Why it is missing (the AssumeRole or DescribeRegions error), or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<CallError>,
}

/// What a capture did: `manifest.json` at the top of a written snapshot.
///
/// ```json
/// {"format": "vpcscope-capture/1", "tool": "vpcscope", "version": "0.1.0",
///  "started_at": "2024-05-03T01:39:10Z", "finished_at": "2024-05-03T01:39:14Z",
///  "account": "123456789012", "regions": ["us-east-1"], "vpc_ids": [],
///  "calls": [{"region": "us-east-1", "key": "Vpcs", "action": "DescribeVpcs",
///             "file": "123456789012/us-east-1/Vpcs.json", "count": 3},
///            {"region": "us-east-1", "key": "FlowLogs", "action": "DescribeFlowLogs",
///             "error": {"code": "UnauthorizedOperation", "message": "..."}}],
///  "operations": ["ec2:DescribeVpcs", "sts:GetCallerIdentity", ...]}
/// ```
///
/// `calls` has one record per file per region, failed ones included; `operations` lists
/// every API action sent over the wire as `service:Action`. No credential is ever stored.
///
/// A capture of several accounts (`--org`, `--accounts`) writes
/// `accounts/<account>/<region>/<Key>.json`; its manifest's `account` is the caller's, each
/// call record names its `account`, and `accounts` has one [`AccountRecord`] per account:
///
/// ```json
/// {"account": "111111111111", "account_source": "organization", "role_name": "VpcscopeReader",
///  "accounts": [{"account": "222222222222", "name": "payments", "status": "captured",
///                "role_arn": "arn:aws:iam::222222222222:role/VpcscopeReader",
///                "regions": ["eu-west-1"], "files": 40, "failed_calls": 0},
///               {"account": "333333333333", "status": "denied", "regions": [], "files": 0,
///                "failed_calls": 0, "error": {"code": "AccessDenied", "message": "..."}}], ...}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`]; lets a reader recognise the file.
    pub format: String,
    /// The tool that wrote the capture (`vpcscope`).
    pub tool: String,
    /// Its version.
    pub version: String,
    /// UTC start time, RFC 3339.
    pub started_at: String,
    /// UTC end time, RFC 3339.
    pub finished_at: String,
    /// The account captured (from STS GetCallerIdentity, else the VPCs' owner).
    pub account: String,
    /// The named profile used, if any (a name, never a secret).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profile: Option<String>,
    /// The endpoint override, if any, without user information.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub endpoint_url: Option<String>,
    /// The regions captured.
    pub regions: Vec<String>,
    /// The `--vpc-id` scope; empty means every VPC.
    pub vpc_ids: Vec<String>,
    /// Every call, per region, with its count or its error.
    pub calls: Vec<CallRecord>,
    /// Calls outside the regional list that failed (e.g. `GetCallerIdentity`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub other_errors: Vec<CallRecord>,
    /// Every API action invoked, as `service:Action`, sorted.
    pub operations: Vec<String>,
    /// How the accounts of a multi-account capture were chosen: `organization` (`--org`,
    /// AWS Organizations ListAccounts) or `list` (`--accounts`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account_source: Option<String>,
    /// The role assumed in each account of a multi-account capture (`--role-name`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role_name: Option<String>,
    /// One record per account of a multi-account capture, in account order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub accounts: Vec<AccountRecord>,
}

impl Manifest {
    /// The calls that produced no document: the parts of the model that are missing.
    pub fn failures(&self) -> impl Iterator<Item = &CallRecord> {
        self.calls.iter().chain(&self.other_errors).filter(|c| c.error.is_some())
    }

    /// One line per failed call, for the loader's warnings: "us-east-1: DescribeFlowLogs
    /// failed (UnauthorizedOperation); FlowLogs are missing from the snapshot" (prefixed
    /// with the account in a multi-account capture), and one line per account that is
    /// missing whole: "account 333333333333: not captured (denied: AccessDenied); its
    /// network is missing from the snapshot".
    pub fn missing_warnings(&self) -> Vec<String> {
        let accounts = self.accounts.iter().filter_map(|a| {
            let why = match a.status {
                AccountStatus::Denied => "denied",
                AccountStatus::Failed => "failed",
                AccountStatus::Skipped => "skipped",
                AccountStatus::Captured | AccountStatus::Partial => return None,
            };
            // An account whose calls were made has them listed below instead.
            if self.calls.iter().any(|c| c.account.as_deref() == Some(a.account.as_str())) {
                return None;
            }
            let code = a.error.as_ref().map_or("", |e| e.code.as_str());
            Some(format!("account {}: not captured ({why}: {code}); its network is missing from the snapshot", a.account))
        });
        let calls = self.failures().map(|c| {
            let code = c.error.as_ref().map_or("", |e| e.code.as_str());
            let place = match &c.account {
                Some(account) => format!("{account} {}", c.region),
                None => c.region.clone(),
            };
            format!("{place}: {} failed ({code}); {} are missing from the snapshot", c.action, c.key)
        });
        accounts.chain(calls).collect()
    }

    /// Whether this is a capture of several accounts (`--org`, `--accounts`), written as
    /// `accounts/<account>/<region>/`.
    pub fn is_multi_account(&self) -> bool {
        self.account_source.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(accounts: Vec<AccountRecord>, calls: Vec<CallRecord>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.into(),
            tool: "vpcscope".into(),
            version: "0".into(),
            started_at: String::new(),
            finished_at: String::new(),
            account: "111111111111".into(),
            profile: None,
            endpoint_url: None,
            regions: vec!["eu-west-1".into()],
            vpc_ids: Vec::new(),
            calls,
            other_errors: Vec::new(),
            operations: Vec::new(),
            account_source: Some("list".into()),
            role_name: Some("Reader".into()),
            accounts,
        }
    }

    fn record(account: &str, status: AccountStatus, error: Option<&str>) -> AccountRecord {
        AccountRecord {
            account: account.into(),
            name: None,
            status,
            role_arn: None,
            regions: Vec::new(),
            files: 0,
            failed_calls: 0,
            error: error.map(|code| CallError { code: code.into(), message: String::new() }),
        }
    }

    #[test]
    fn a_missing_account_is_one_warning_and_a_failed_call_names_its_account() {
        let call = CallRecord {
            account: Some("222222222222".into()),
            region: "eu-west-1".into(),
            key: "FlowLogs".into(),
            action: "DescribeFlowLogs".into(),
            file: None,
            count: None,
            error: Some(CallError { code: "UnauthorizedOperation".into(), message: String::new() }),
        };
        let m = manifest(
            vec![
                record("222222222222", AccountStatus::Partial, None),
                record("333333333333", AccountStatus::Denied, Some("AccessDenied")),
                record("444444444444", AccountStatus::Skipped, Some("SUSPENDED")),
            ],
            vec![call],
        );
        assert!(m.is_multi_account());
        assert_eq!(
            m.missing_warnings(),
            [
                "account 333333333333: not captured (denied: AccessDenied); its network is missing from the snapshot",
                "account 444444444444: not captured (skipped: SUSPENDED); its network is missing from the snapshot",
                "222222222222 eu-west-1: DescribeFlowLogs failed (UnauthorizedOperation); FlowLogs are missing from the snapshot",
            ]
        );
    }

    #[test]
    fn a_one_account_manifest_reads_without_the_account_fields() {
        let text = r#"{"format": "vpcscope-capture/1", "tool": "vpcscope", "version": "0.1.0",
            "started_at": "", "finished_at": "", "account": "123456789012", "regions": ["us-east-1"],
            "vpc_ids": [], "calls": [{"region": "us-east-1", "key": "Vpcs", "action": "DescribeVpcs",
            "file": "123456789012/us-east-1/Vpcs.json", "count": 1}], "operations": []}"#;
        let m: Manifest = serde_json::from_str(text).expect("an earlier manifest still reads");
        assert!(!m.is_multi_account());
        assert!(m.accounts.is_empty() && m.calls[0].account.is_none());
        let back = serde_json::to_value(&m).expect("serialise");
        assert!(back.get("accounts").is_none() && back["calls"][0].get("account").is_none());
    }
}

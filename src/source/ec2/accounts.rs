//! The accounts of a capture: the caller's own, a list (`--accounts`), or every active
//! account of an AWS Organization (`--org`, Organizations `ListAccounts`), each reached by
//! assuming the same role in it through STS (`--role-name`, optional `--external-id`).
//!
//! The caller's own account is captured with the caller's credentials (no role is assumed
//! into it). A role that cannot be assumed makes its account `denied` (AccessDenied) or
//! `failed` (anything else) in the manifest; the other accounts are captured all the same.
//! The temporary credentials of a role last as long as the role's session default (an hour
//! unless the role says otherwise); their values join the redactor like the caller's.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_sdk_ec2::config::{Credentials, Region as SdkRegion, SharedCredentialsProvider};

use super::audit::Recorder;
use super::calls;
use crate::source::manifest::{AccountStatus, CallError};

/// The accounts a capture covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AccountScope {
    /// The account of the credentials, written as `<account>/<region>/`.
    #[default]
    Own,
    /// These account ids, written as `accounts/<account>/<region>/`.
    List(Vec<String>),
    /// Every active account AWS Organizations lists (`ListAccounts`, called from the
    /// management account or a delegated administrator), written as
    /// `accounts/<account>/<region>/`.
    Organization,
}

impl AccountScope {
    /// Whether the capture covers several accounts (and assumes a role into them).
    pub fn is_multi(&self) -> bool {
        !matches!(self, AccountScope::Own)
    }
}

/// Whether `id` is an AWS account id (twelve ASCII digits).
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// An account to capture, as listed.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    pub id: String,
    /// Its name in Organizations.
    pub name: Option<String>,
    /// Why it is not captured: the organization lists it as not active.
    pub inactive: Option<String>,
}

/// Every account of the organization (`ListAccounts`, followed to its last page), in id
/// order. The Organizations endpoint is global; `region` only picks the partition's.
pub(super) async fn organization_accounts(
    sdk: &aws_config::SdkConfig,
    region: &str,
    seen: &Arc<Mutex<BTreeSet<String>>>,
) -> Result<Vec<Listed>, CallError> {
    let client = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(sdk)
            .region(SdkRegion::new(region.to_owned()))
            .interceptor(Recorder::new("organizations", Arc::clone(seen)))
            .build(),
    );
    let mut pages = client.list_accounts().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| calls::call_error(&e))?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            // `State` replaces the deprecated `Status`; either may be what an endpoint sends.
            #[allow(deprecated)]
            let state = account
                .state()
                .map(|s| s.as_str().to_owned())
                .or_else(|| account.status().map(|s| s.as_str().to_owned()));
            let inactive = state.filter(|s| s != "ACTIVE");
            out.push(Listed { id: id.to_owned(), name: account.name().map(str::to_owned), inactive });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}

/// A role assumed in an account: the configuration that reaches the account and the
/// credential values to redact.
pub(super) struct Assumed {
    pub sdk: aws_config::SdkConfig,
    pub secrets: Vec<String>,
}

/// Why a role could not be assumed.
pub(super) struct NotAssumed {
    pub status: AccountStatus,
    pub error: CallError,
}

/// The role ARN `--role-name` names in `account`.
pub(super) fn role_arn(partition: &str, account: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// Assumes `role_arn` (STS `AssumeRole`, session `vpcscope-snapshot`) and returns a copy of
/// `sdk` that uses the role's temporary credentials.
pub(super) async fn assume(
    sdk: &aws_config::SdkConfig,
    region: &str,
    seen: &Arc<Mutex<BTreeSet<String>>>,
    role_arn: &str,
    external_id: Option<&str>,
) -> Result<Assumed, NotAssumed> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .region(SdkRegion::new(region.to_owned()))
            .interceptor(Recorder::new("sts", Arc::clone(seen)))
            .build(),
    );
    let out = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("vpcscope-snapshot")
        .set_external_id(external_id.map(str::to_owned))
        .send()
        .await
        .map_err(|e| {
            let error = calls::call_error(&e);
            NotAssumed { status: status_of_refusal(&error.code), error }
        })?;
    let Some(creds) = out.credentials() else {
        return Err(NotAssumed {
            status: AccountStatus::Failed,
            error: CallError { code: "MissingCredentials".into(), message: "AssumeRole answered without credentials".into() },
        });
    };
    let expiry = SystemTime::try_from(*creds.expiration()).ok();
    let secrets = vec![
        creds.access_key_id().to_owned(),
        creds.secret_access_key().to_owned(),
        creds.session_token().to_owned(),
    ];
    let credentials = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_owned()),
        expiry,
        "vpcscope-assume-role",
    );
    let sdk = sdk.to_builder().credentials_provider(SharedCredentialsProvider::new(credentials)).build();
    Ok(Assumed { sdk, secrets })
}

/// Error codes that mean "not allowed" rather than "went wrong".
fn is_refusal(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "AuthFailure" | "InvalidClientTokenId"
            | "RegionDisabledException" | "OptInRequired"
    )
}

fn status_of_refusal(code: &str) -> AccountStatus {
    if is_refusal(code) { AccountStatus::Denied } else { AccountStatus::Failed }
}

/// The status of an account whose calls were made: every call succeeded, some did, or none
/// (refused, or failed otherwise).
pub(super) fn status_of_calls<'a>(files: usize, errors: impl Iterator<Item = &'a CallError>) -> AccountStatus {
    let errors: Vec<&CallError> = errors.collect();
    match (files, errors.is_empty()) {
        (_, true) => AccountStatus::Captured,
        (0, false) if errors.iter().all(|e| is_refusal(&e.code)) => AccountStatus::Denied,
        (0, false) => AccountStatus::Failed,
        _ => AccountStatus::Partial,
    }
}

/// The partition of an ARN (`arn:aws-us-gov:...` gives `aws-us-gov`).
pub(super) fn partition_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn")).then(|| parts.next()).flatten().filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: &str) -> CallError {
        CallError { code: code.into(), message: String::new() }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("12345678901a"));
        assert!(!is_account_id("1234567890123"));
    }

    #[test]
    fn role_arn_uses_the_callers_partition() {
        assert_eq!(partition_of("arn:aws-us-gov:iam::123456789012:user/a"), Some("aws-us-gov"));
        assert_eq!(partition_of("arn:aws:sts::123456789012:assumed-role/r/s"), Some("aws"));
        assert_eq!(partition_of("not-an-arn"), None);
        assert_eq!(role_arn("aws-cn", "111111111111", "Reader"), "arn:aws-cn:iam::111111111111:role/Reader");
    }

    #[test]
    fn an_account_whose_every_call_was_refused_is_denied_not_failed() {
        let refused = [err("UnauthorizedOperation"), err("AccessDenied")];
        assert_eq!(status_of_calls(0, refused.iter()), AccountStatus::Denied);
        let broken = [err("UnauthorizedOperation"), err("Timeout")];
        assert_eq!(status_of_calls(0, broken.iter()), AccountStatus::Failed);
        assert_eq!(status_of_calls(3, broken.iter()), AccountStatus::Partial);
        assert_eq!(status_of_calls(3, [].iter()), AccountStatus::Captured);
        assert_eq!(status_of_refusal("AccessDenied"), AccountStatus::Denied);
        assert_eq!(status_of_refusal("Throttling"), AccountStatus::Failed);
    }
}

//! Proof that the capture is read-only, and that it keeps credentials to itself.
//!
//! [`Recorder`] is an SDK interceptor installed on every client the capture builds. Just
//! before each HTTP request is sent it reads the action: the `Action=` parameter of a
//! query-protocol body (EC2, RDS, STS and both Elastic Load Balancing APIs speak it) or the
//! operation of a JSON-protocol `X-Amz-Target: Service_Version.Operation` header (Network
//! Firewall), and records `service:Action`, so the manifest lists
//! exactly what went over the wire: the IAM policy test compares that list with
//! `docs/iam-policy.json`. [`Redactor`] blanks the resolved credential values out of any
//! text the capture stores (error messages end up in the manifest and on stderr).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};

/// Records the API actions the capture invokes, as `service:Action` (IAM's spelling).
#[derive(Debug, Clone)]
pub(super) struct Recorder {
    service: &'static str,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl Recorder {
    /// A recorder for one service that adds to the shared `seen` set.
    pub(super) fn new(service: &'static str, seen: Arc<Mutex<BTreeSet<String>>>) -> Recorder {
        Recorder { service, seen }
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "vpcscope::source::ec2::Recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request();
        let action = request
            .headers()
            .get("x-amz-target")
            .and_then(target_action)
            .or_else(|| request.body().bytes().and_then(query_action))
            .unwrap_or_else(|| "<unknown>".to_owned());
        // A poisoned lock only means another request panicked while recording; the set
        // itself is still a valid set of strings.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.insert(format!("{}:{}", self.service, action));
        Ok(())
    }
}

/// The `Action` parameter of a form-encoded query-protocol body.
fn query_action(body: &[u8]) -> Option<String> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let value = pair.strip_prefix(b"Action=")?;
        let value = std::str::from_utf8(value).ok()?;
        // Action names are plain ASCII words; anything else is not an action name.
        value.bytes().all(|b| b.is_ascii_alphanumeric()).then(|| value.to_owned())
    })
}

/// The operation of a JSON-protocol `X-Amz-Target` header
/// (`NetworkFirewall_20201112.DescribeFirewall` -> `DescribeFirewall`).
fn target_action(target: &str) -> Option<String> {
    let (_, op) = target.rsplit_once('.')?;
    // Operation names are plain ASCII words; anything else is not an operation name.
    (!op.is_empty() && op.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| op.to_owned())
}

/// Replaces known secret values in text with `<redacted>`.
#[derive(Debug, Clone, Default)]
pub(super) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for the given values; empty and very short values are ignored because
    /// blanking them would mangle ordinary text without protecting anything.
    pub(super) fn new<I: IntoIterator<Item = String>>(values: I) -> Redactor {
        let mut secrets: Vec<String> = values.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a value that contains another is blanked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    /// `text` with every secret value replaced.
    pub(super) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }
}

/// `url` without any `user:password@` part.
pub(super) fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_action_reads_the_action_parameter() {
        assert_eq!(
            query_action(b"Action=DescribeVpcs&Version=2016-11-15").as_deref(),
            Some("DescribeVpcs")
        );
        assert_eq!(
            query_action(b"Version=2014-10-31&Action=DescribeDBInstances").as_deref(),
            Some("DescribeDBInstances")
        );
        assert_eq!(query_action(b"Version=1"), None);
    }

    #[test]
    fn target_action_reads_the_json_protocol_operation() {
        assert_eq!(
            target_action("NetworkFirewall_20201112.DescribeFirewallPolicy").as_deref(),
            Some("DescribeFirewallPolicy")
        );
        assert_eq!(target_action("NetworkFirewall_20201112."), None);
        assert_eq!(target_action("no-dot"), None);
        assert_eq!(target_action("X.Drop Table"), None);
    }

    #[test]
    fn redactor_blanks_every_secret() {
        let r = Redactor::new(["AKIAEXAMPLE".to_owned(), "s3cr3t-value".to_owned(), "".to_owned()]);
        assert_eq!(
            r.redact("Credential=AKIAEXAMPLE/x token s3cr3t-value"),
            "Credential=<redacted>/x token <redacted>"
        );
    }

    #[test]
    fn strip_userinfo_keeps_host_and_path() {
        assert_eq!(strip_userinfo("http://u:p@127.0.0.1:5000/x"), "http://127.0.0.1:5000/x");
        assert_eq!(strip_userinfo("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
    }
}

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
    /// The region the call went to.
    pub region: String,
    /// The top-level key of the document (also the file stem), e.g. `Vpcs`.
    pub key: String,
    /// The API action, e.g. `DescribeVpcs`.
    pub action: String,
    /// The document's origin, `<account>/<region>/<Key>.json`, when the call succeeded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    /// How many items the document holds, when the call succeeded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub count: Option<usize>,
    /// Why the call produced no document.
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
}

impl Manifest {
    /// The calls that produced no document: the parts of the model that are missing.
    pub fn failures(&self) -> impl Iterator<Item = &CallRecord> {
        self.calls.iter().chain(&self.other_errors).filter(|c| c.error.is_some())
    }

    /// One line per failed call, for the loader's warnings: "us-east-1: DescribeFlowLogs
    /// failed (UnauthorizedOperation); FlowLogs are missing from the snapshot".
    pub fn missing_warnings(&self) -> Vec<String> {
        self.failures()
            .map(|c| {
                let code = c.error.as_ref().map_or("", |e| e.code.as_str());
                format!("{}: {} failed ({code}); {} are missing from the snapshot", c.region, c.action, c.key)
            })
            .collect()
    }
}

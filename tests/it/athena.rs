//! `flows summary --athena TABLE` (issue 19) against moto's Athena (scripts/test.sh starts
//! it). moto does not run SQL: the test sets what a query returns through moto's results API,
//! computed here in Python from the shop sample log the way the query groups it, and checks
//! that vpcscope pages those rows into the report a local scan of the same log gives, and
//! that the query it sent carries the filters and the partition predicate.

use crate::util::{sample, vpcscope, Run};

/// Groups the sample log as `queries/athena/summary.sql` does and queues the rows (with
/// Athena's header row) as the result of the next `count` queries.
const PRESET: &str = r#"
import json, sys, urllib.request
endpoint, log, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
cols = ["interfaceId", "srcAddr", "dstAddr", "srcPort", "dstPort", "protocol", "action", "logStatus",
        "packets", "bytes", "records", "firstStart", "lastEnd"]
groups = {}
for line in open(log):
    f = line.split()
    if len(f) != 14:
        continue
    none = lambda v: None if v == "-" else v
    key = (f[2], none(f[3]), none(f[4]), none(f[5]), none(f[6]), none(f[7]), none(f[12]), f[13])
    g = groups.setdefault(key, [0, 0, 0, None, None])
    g[0] += int(f[8]) if f[8] != "-" else 0
    g[1] += int(f[9]) if f[9] != "-" else 0
    g[2] += 1
    g[3] = int(f[10]) if g[3] is None else min(g[3], int(f[10]))
    g[4] = int(f[11]) if g[4] is None else max(g[4], int(f[11]))
def cell(v):
    return {} if v is None else {"VarCharValue": str(v)}
rows = [{"Data": [{"VarCharValue": c} for c in cols]}]
for k, g in groups.items():
    rows.append({"Data": [cell(v) for v in list(k) + g]})
info = [{"Name": c, "Label": c, "Type": "varchar", "CatalogName": "hive", "SchemaName": "", "TableName": "",
         "Nullable": "UNKNOWN", "Precision": 0, "Scale": 0, "CaseSensitive": True} for c in cols]
body = json.dumps({"results": [{"rows": rows, "column_info": info}] * count}).encode()
req = urllib.request.Request(endpoint + "/moto-api/static/athena/query-results", data=body, method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
"#;

const QUERY_OF: &str = r#"
import sys, boto3
athena = boto3.client("athena", endpoint_url=sys.argv[1], region_name="us-east-1")
print(athena.get_query_execution(QueryExecutionId=sys.argv[2])["QueryExecution"]["Query"])
"#;

#[test]
fn athena_results_become_the_local_report() {
    let (Some(endpoint), Some(python)) = (std::env::var_os("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) else {
        eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT/VPCSCOPE_PYTHON unset (run scripts/test.sh); skipping the Athena test");
        return;
    };
    let endpoint = endpoint.to_string_lossy().into_owned();
    let log = sample("flowlogs/shop/shop-default.log");
    let py = |script: &str, args: &[&str]| -> String {
        let out = std::process::Command::new(&python).arg("-c").arg(script).args(args).output().expect("run python");
        assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    py(PRESET, &[&endpoint, log.to_str().unwrap(), "2"]);
    let base = ["flows", "summary", "--athena", "vpc_flow_logs", "--athena-database", "flows", "--athena-output", "s3://results/vpcscope/", "--endpoint-url", &endpoint, "--region", "us-east-1", "--format", "json", "--top", "0"];
    let r: Run = vpcscope(base);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let athena = r.json();
    assert!(r.stderr.contains("bytes scanned"), "{}", r.stderr);
    let local = vpcscope(["flows", "summary", log.to_str().unwrap(), "--format", "json", "--top", "0"]).json();
    assert_eq!(athena["engine"], "athena");
    for k in ["records", "conversations_total", "conversations", "top_talkers", "rejected", "interfaces"] {
        assert_eq!(athena[k], local[k], "{k}");
    }
    let id = athena["athena"]["query_ids"][0].as_str().unwrap().to_string();
    assert!(r.stderr.contains(&id), "{}", r.stderr);
    let query = py(QUERY_OF, &[&endpoint, &id]);
    assert!(query.contains("FROM vpc_flow_logs") && query.contains("WHERE TRUE"), "{query}");

    // The filters and the window go into the query as predicates, partitions included.
    let mut args = base.to_vec();
    args.extend(["--since", "2025-11-26T09:40:00Z", "--until", "2025-11-26T09:50:00Z", "--interface", "eni-0a1b2c3d4e5f600d1", "--athena-partitioning", "day"]);
    let r = vpcscope(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["filter"]["interfaces"][0], "eni-0a1b2c3d4e5f600d1");
    let id = v["athena"]["query_ids"][0].as_str().unwrap().to_string();
    let query = py(QUERY_OF, &[&endpoint, &id]);
    for part in ["\"end\" >= 1764150000", "start <= 1764150600", "interface_id IN ('eni-0a1b2c3d4e5f600d1')", "day BETWEEN '2025/11/26' AND '2025/11/26'"] {
        assert!(query.contains(part), "{part} missing from {query}");
    }
    // `flows explain --athena`: the same rows explained as the local read of the log is:
    // the same findings, counts and fixes; the evidence is the conversation's earliest
    // start in the table, not a file line. (In this function: moto's queued results are
    // shared by every query, so the Athena runs stay sequential.)
    py(PRESET, &[&endpoint, log.to_str().unwrap(), "1"]);
    let snap = sample("snapshots/shop");
    let snap = snap.to_str().unwrap();
    let explain_args = ["flows", "explain", "--quiet", "--snapshot", snap, "--athena", "vpc_flow_logs", "--athena-database", "flows", "--athena-output", "s3://results/vpcscope/", "--endpoint-url", &endpoint, "--region", "us-east-1", "--format", "json", "--fail-on", "nacl-return-path"];
    let r = vpcscope(explain_args);
    assert_eq!(r.code, 1, "a nacl-return-path finding fails the run: {}", r.stderr);
    let athena = r.json();
    let local = vpcscope(["flows", "explain", "--quiet", "--snapshot", snap, log.to_str().unwrap(), "--format", "json"]).json();
    assert_eq!(athena["engine"], "athena");
    assert!(local.get("engine").is_none(), "a local read keeps its contract");
    assert_eq!(athena["athena"]["query_ids"].as_array().map(Vec::len), Some(1));
    for k in ["records", "conversations", "undetermined_direction", "undecided_checks"] {
        assert_eq!(athena[k], local[k], "{k}");
    }
    let strip = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["findings"].as_array().unwrap().iter().map(|f| {
            let mut f = f.clone();
            f.as_object_mut().unwrap().remove("evidence");
            f
        }).collect()
    };
    assert!(!strip(&local).is_empty());
    assert_eq!(strip(&athena), strip(&local));
    for f in athena["findings"].as_array().unwrap() {
        let e = &f["evidence"][0];
        assert_eq!(e["source"], "athena:vpc_flow_logs", "{f}");
        assert!(e["timestamp_ms"].as_i64().is_some_and(|t| t > 1_700_000_000_000), "{f}");
    }
}

//! Flow logs read from S3 (issue 19), against moto's S3 (scripts/test.sh starts it): both
//! key layouts (AWS's default one, and the Hive-compatible one with hourly partitions),
//! gzip text and Parquet objects; the same report as the same files read locally; a time
//! window lists only the date and hour prefixes inside it (the requests are counted);
//! account and region narrowing; a broken object is a damaged source; only GET requests.

use crate::util::{vpcscope, Run};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use vpcscope::flowlog::Format;
use vpcscope::source::parquet::{write_parquet, ColumnNames};

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
/// 2025-11-25T00:00:00Z.
const DAY0: u64 = 1_764_028_800;
const HOURS: [u64; 6] = [0, 6, 10, 11, 12, 18];

/// The records of the delivery written at `t` (5 minutes of traffic before it).
fn records(account: &str, t: u64) -> String {
    let mut out = String::new();
    for i in 0..20u64 {
        let start = t - 300 + i * 10;
        let action = if i % 5 == 0 { "REJECT" } else { "ACCEPT" };
        out.push_str(&format!(
            "2 {account} eni-0a1b2c3d4e5f6000{} 10.0.{}.{} 10.0.1.1 {} {} 6 3 {} {start} {} {action} OK\n",
            i % 4,
            t % 7,
            i,
            40_000 + i,
            if i % 3 == 0 { 22 } else { 443 },
            100 + i,
            start + 60
        ));
    }
    out
}

/// The date and hour segments of time `t` (November 2025), and its file-name timestamp.
fn stamp(t: u64) -> (String, String, String, String, String) {
    let day = (t - DAY0) / 86_400 + 25;
    let (hh, mm) = ((t % 86_400) / 3600, (t % 3600) / 60);
    ("2025".into(), "11".into(), format!("{day:02}"), format!("{hh:02}"), format!("202511{day:02}T{hh:02}{mm:02}Z"))
}

fn gz(text: &str) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

fn put(root: &Path, key: &str, bytes: &[u8]) {
    let p = root.join(key);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Writes both layouts under `root`, as keys; returns the number of objects.
fn layouts(root: &Path) -> usize {
    let mut n = 0;
    for day in 0..2u64 {
        for (i, hour) in HOURS.iter().enumerate() {
            let t = DAY0 + day * 86_400 + hour * 3600 + 300;
            let (y, m, d, hh, ts) = stamp(t);
            let a = "111122223333";
            let key = format!("AWSLogs/{a}/vpcflowlogs/us-east-1/{y}/{m}/{d}/{a}_vpcflowlogs_us-east-1_fl-0a1b2c3d_{ts}_{:08x}.log.gz", t);
            put(root, &key, &gz(&format!("{HEADER}\n{}", records(a, t))));
            let b = "444455556666";
            let base = format!("AWSLogs/aws-account-id={b}/aws-service=vpcflowlogs/aws-region=eu-west-1/year={y}/month={m}/day={d}/hour={hh}");
            if i % 2 == 0 {
                let mut bytes = Vec::new();
                write_parquet(&records(b, t), &Format::default_v2(), &mut bytes, ColumnNames::Hyphens, 7).unwrap();
                put(root, &format!("{base}/{b}_vpcflowlogs_eu-west-1_fl-0e0f_{ts}_{:08x}.parquet", t), &bytes);
            } else {
                put(root, &format!("{base}/{b}_vpcflowlogs_eu-west-1_fl-0e0f_{ts}_{:08x}.log.gz", t), &gz(&format!("{HEADER}\n{}", records(b, t))));
            }
            n += 2;
        }
    }
    n
}

fn summary(args: &[&str]) -> Value {
    let mut full = vec!["flows", "summary"];
    full.extend(args);
    full.extend(["--format", "json", "--top", "0"]);
    let r: Run = vpcscope(&full);
    assert_eq!(r.code, 0, "{full:?}: {}", r.stderr);
    r.json()
}

/// The parts of a report that do not name sources.
fn content(v: &Value) -> Value {
    let mut v = v.clone();
    let m = v.as_object_mut().unwrap();
    for k in ["s3", "malformed_samples", "damaged_sources"] {
        m.remove(k);
    }
    v
}

#[test]
fn s3_layouts_read_like_local_files_and_windows_prune_listing() {
    let (Some(endpoint), Some(python)) = (std::env::var_os("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) else {
        eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT/VPCSCOPE_PYTHON unset (run scripts/test.sh); skipping the S3 test");
        return;
    };
    let endpoint = endpoint.to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bucket");
    let objects = layouts(&root);
    // A broken object beside them, in the window.
    let cut = gz(&format!("{HEADER}\n{}", records("111122223333", DAY0 + 86_400 + 10 * 3600 + 600)));
    put(&root, "AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/11/26/111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d_20251126T1010Z_cut.log.gz", &cut[..cut.len() - 30]);
    let bucket = format!("vpcscope-{}-{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis());
    let script = r#"
import os, sys, boto3
endpoint, bucket, root = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        s3.upload_file(p, bucket, os.path.relpath(p, root))
"#;
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&endpoint).arg(&bucket).arg(&root).output().expect("run python");
    assert!(out.status.success(), "boto3 setup failed: {}", String::from_utf8_lossy(&out.stderr));
    let url = format!("s3://{bucket}/");
    let aws = ["--endpoint-url", endpoint.as_str(), "--region", "us-east-1"];

    // 1. Everything: the same report as the same files on disk.
    let mut args = vec![url.as_str()];
    args.extend(aws);
    let remote = summary(&args);
    let local = summary(&[root.to_str().unwrap()]);
    assert_eq!(content(&remote), content(&local));
    let s3 = &remote["s3"];
    assert_eq!(s3["objects_listed"].as_u64(), Some(objects as u64 + 1));
    // Read-only: listings and GetObject, nothing else.
    assert_eq!(s3["other_requests"], serde_json::json!([]), "{s3}");
    assert_eq!(s3["get_object_requests"].as_u64(), Some(objects as u64 + 1));
    let damaged = remote["damaged_sources"].as_array().unwrap();
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert!(damaged[0]["source"].as_str().unwrap().starts_with(&format!("s3://{bucket}/AWSLogs/111122223333/")));

    // 2. A window of one hour: only day 26's prefixes (and, in the hourly layout, the hours
    // around the window) are listed; files outside it are skipped unread.
    let since = "2025-11-26T10:00:00Z";
    let until = "2025-11-26T11:00:00Z";
    let mut args = vec![url.as_str(), "--since", since, "--until", until];
    args.extend(aws);
    let remote = summary(&args);
    let local = summary(&[root.to_str().unwrap(), "--since", since, "--until", until]);
    for k in ["conversations", "conversations_total", "top_talkers", "rejected", "interfaces", "filter"] {
        assert_eq!(remote[k], local[k], "{k}");
    }
    assert_eq!(remote["records"]["ok"], local["records"]["ok"]);
    let s3 = &remote["s3"];
    let prefixes: Vec<&str> = s3["list_prefixes"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    for p in &prefixes {
        assert!(!p.contains("/25/") && !p.contains("day=25"), "listed a day outside the window: {p}");
        if let Some(h) = p.split("hour=").nth(1) {
            assert!(["09/", "10/", "11/", "12/"].contains(&h), "listed an hour outside the window: {p}");
        }
    }
    let lists: Vec<&str> = s3["list_requests"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(s3["other_requests"], serde_json::json!([]), "{s3}");
    assert_eq!(s3["get_object_requests"], 5, "{s3}");
    // The bucket's top, AWSLogs/, each account (2), each service (2), day 26 of each region
    // (2), and hours 10, 11 and 12 of the hourly layout (3).
    assert_eq!(lists.len(), 11, "{lists:#?}");
    assert!(lists.iter().all(|r| r.contains("delimiter=") || r.contains("hour")), "a recursive listing outside an hour: {lists:#?}");
    // Read: 10:05, 10:10 (the broken one) and 11:05 of the daily layout, 10:05 and 11:05 of
    // the hourly one. Skipped by name: the daily layout's 00:05, 06:05, 12:05 and 18:05, and
    // the 12:05 file listed under hour=12.
    assert_eq!(s3["objects_read"], 5, "{s3}");
    assert_eq!(s3["objects_skipped"], 5, "{s3}");

    // 3. `flows explain` and `audit --flows` read S3 as they read files.
    let shop = crate::util::sample("flowlogs/shop/shop-default.log");
    let snap = crate::util::sample("snapshots/shop");
    let key = "shop/AWSLogs/111122223333/vpcflowlogs/us-east-1/2025/11/26/111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d_20251126T0940Z_5e1f.log";
    let upload = r#"
import sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.upload_file(sys.argv[4], sys.argv[2], sys.argv[3])
"#;
    let out = std::process::Command::new(&python).arg("-c").arg(upload).arg(&endpoint).arg(&bucket).arg(key).arg(&shop).output().expect("run python");
    assert!(out.status.success(), "boto3 upload failed: {}", String::from_utf8_lossy(&out.stderr));
    let shop_url = format!("s3://{bucket}/shop/");
    let explain = |input: &str, extra: &[&str]| -> Value {
        let mut a = vec!["flows", "explain", "--snapshot", snap.to_str().unwrap(), input, "--format", "json", "--fail-on", "none"];
        a.extend(extra);
        let r = vpcscope(&a);
        assert_eq!(r.code, 0, "{a:?}: {}", r.stderr);
        let mut v = r.json();
        // Evidence names the file or the object: compare the rest.
        for f in v["findings"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("evidence");
        }
        v
    };
    assert_eq!(explain(&shop_url, &aws), explain(shop.to_str().unwrap(), &[]));
    let r = vpcscope(["audit", "--snapshot", snap.to_str().unwrap(), "--flows", shop_url.as_str(), "--endpoint-url", endpoint.as_str(), "--region", "us-east-1", "--format", "json", "--quiet"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let local = vpcscope(["audit", "--snapshot", snap.to_str().unwrap(), "--flows", shop.to_str().unwrap(), "--format", "json", "--quiet"]);
    assert_eq!(r.json()["summary"], local.json()["summary"]);

    // 4. Account and region narrowing by key segment.
    let mut args = vec![url.as_str(), "--account", "444455556666", "--log-region", "eu-west-1"];
    args.extend(aws);
    let v = summary(&args);
    let only_b = v["interfaces"].as_array().unwrap().iter().map(|i| i["records"].as_u64().unwrap()).sum::<u64>();
    assert_eq!(only_b, 12 * 20);
    assert_eq!(v["s3"]["objects_read"], 12);
    let mut args = vec![url.as_str(), "--log-region", "ap-south-1"];
    args.extend(aws);
    let mut full = vec!["flows", "summary"];
    full.extend(&args);
    let r = vpcscope(&full);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("no flow-log records"), "{}", r.stderr);
}

//! Incident filters (issue 19): `--since`, `--until`, `--interface`, `--addr`, `--src`,
//! `--dst`, `--port`, `--protocol`, `--action` on `flows summary`, `flows explain` and
//! `audit --flows`. Each filter's result is checked against the records of the sample log
//! selected here by a plain reading of its columns, and the fast path (default format)
//! against the general parser (the same records in a custom column order).

use crate::util::{sample, vpcscope, Run};
use serde_json::Value;
use std::net::IpAddr;

const LOG: &str = "flowlogs/shop/shop-default.log";

/// One record of the sample, read column by column (`-` is `None`).
struct Line {
    interface: String,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    sport: Option<u16>,
    dport: Option<u16>,
    proto: Option<u8>,
    start: u64,
    end: u64,
    action: Option<String>,
}

fn lines() -> Vec<Line> {
    std::fs::read_to_string(sample(LOG))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split(' ').collect();
            assert_eq!(c.len(), 14, "{l}");
            let opt = |s: &str| (s != "-").then(|| s.to_string());
            Line {
                interface: c[2].to_string(),
                src: opt(c[3]).map(|s| s.parse().unwrap()),
                dst: opt(c[4]).map(|s| s.parse().unwrap()),
                sport: opt(c[5]).map(|s| s.parse().unwrap()),
                dport: opt(c[6]).map(|s| s.parse().unwrap()),
                proto: opt(c[7]).map(|s| s.parse().unwrap()),
                start: c[10].parse().unwrap(),
                end: c[11].parse().unwrap(),
                action: opt(c[12]),
            }
        })
        .collect()
}

fn in_net(a: Option<IpAddr>, net: &str) -> bool {
    let n: ipnet::IpNet = net.parse().unwrap();
    a.is_some_and(|a| n.contains(&a))
}

fn run(args: &[&str]) -> Run {
    vpcscope(args)
}

/// `flows summary LOG FILTER --format json`, with the accounting identity checked.
fn summary(extra: &[&str]) -> Value {
    let log = sample(LOG);
    let mut args = vec!["flows", "summary", log.to_str().unwrap(), "--format", "json", "--top", "0"];
    args.extend(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    identity(&v["records"]);
    v
}

fn identity(r: &Value) {
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("records.{k} missing in {r}"));
    assert_eq!(n("total"), n("ok") + n("nodata") + n("skipdata") + n("malformed") + n("filtered_out"), "{r}");
}

/// Checks that `flags` keep exactly the records `keep` selects.
fn check(flags: &[&str], keep: impl Fn(&Line) -> bool) {
    let all = lines();
    let kept = all.iter().filter(|l| keep(l)).count() as u64;
    assert!(kept > 0 && kept < all.len() as u64, "{flags:?} keeps {kept} of {}: not a discriminating test", all.len());
    let v = summary(flags);
    let r = &v["records"];
    assert_eq!(r["total"].as_u64(), Some(all.len() as u64), "{flags:?}");
    assert_eq!(r["filtered_out"].as_u64(), Some(all.len() as u64 - kept), "{flags:?}: {r}");
    assert!(v["filter"].is_object(), "{flags:?}: {}", v["filter"]);
    let convs = v["conversations"].as_array().unwrap();
    let records: u64 = convs.iter().map(|c| c["records"].as_u64().unwrap()).sum();
    assert_eq!(records, r["ok"].as_u64().unwrap(), "{flags:?}");
}

#[test]
fn each_filter_keeps_the_records_it_names() {
    check(&["--since", "1764150100"], |l| l.end >= 1_764_150_100);
    check(&["--until", "2025-11-26T09:41:00Z"], |l| l.start <= 1_764_150_060);
    check(&["--since", "1764150100", "--until", "1764150130"], |l| l.end >= 1_764_150_100 && l.start <= 1_764_150_130);
    check(&["--interface", "eni-0a1b2c3d4e5f600d1"], |l| l.interface == "eni-0a1b2c3d4e5f600d1");
    check(&["--interface", "eni-0a1b2c3d4e5f600d1", "--interface", "eni-0a1b2c3d4e5f600a1"], |l| {
        l.interface == "eni-0a1b2c3d4e5f600d1" || l.interface == "eni-0a1b2c3d4e5f600a1"
    });
    check(&["--addr", "10.0.2.25"], |l| in_net(l.src, "10.0.2.25/32") || in_net(l.dst, "10.0.2.25/32"));
    check(&["--src", "10.0.1.0/24"], |l| in_net(l.src, "10.0.1.0/24"));
    check(&["--dst", "10.0.0.0/24"], |l| in_net(l.dst, "10.0.0.0/24"));
    check(&["--port", "5432"], |l| l.sport == Some(5432) || l.dport == Some(5432));
    check(&["--protocol", "tcp", "--port", "22"], |l| l.proto == Some(6) && (l.sport == Some(22) || l.dport == Some(22)));
    check(&["--action", "REJECT"], |l| l.action.as_deref() == Some("REJECT"));
    check(&["--action", "accept", "--addr", "10.0.0.0/16"], |l| {
        l.action.as_deref() == Some("ACCEPT") && (in_net(l.src, "10.0.0.0/16") || in_net(l.dst, "10.0.0.0/16"))
    });
}

#[test]
fn the_filter_is_echoed_and_absent_without_one() {
    let v = summary(&[]);
    assert!(v["filter"].is_null());
    assert_eq!(v["records"]["filtered_out"], 0);
    let v = summary(&["--port", "5432", "--protocol", "6", "--action", "REJECT", "--addr", "10.0.2.0/24", "--since", "1764150000"]);
    assert_eq!(v["filter"], serde_json::json!({"port": 5432, "protocol": 6, "action": "REJECT", "addr": "10.0.2.0/24", "since": 1764150000u64}));
    let log = sample(LOG);
    let text = run(&["flows", "summary", log.to_str().unwrap(), "--port", "5432"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("filter: port 5432 ("), "{}", text.stdout);
    // A relative time: the sample is from November 2025, so "the last 15 minutes" keeps
    // none of it, and the run still reports what it read.
    let v = summary(&["--since", "15m"]);
    assert_eq!(v["records"]["filtered_out"], v["records"]["total"]);
    assert_eq!(v["conversations_total"], 0);
}

/// The fast path (default format) and the general parser (the same records with two columns
/// swapped, given as `--log-format`) keep the same records under every filter.
#[test]
fn fast_path_and_general_parser_filter_alike() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample(LOG)).unwrap();
    let swapped: String = text
        .lines()
        .map(|l| {
            let mut c: Vec<&str> = l.split(' ').collect();
            c.swap(12, 13);
            c.join(" ") + "\n"
        })
        .collect();
    let custom = dir.path().join("custom.log");
    std::fs::write(&custom, swapped).unwrap();
    let format = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${log-status} ${action}";
    for flags in [
        vec!["--since", "1764150100"],
        vec!["--interface", "eni-0a1b2c3d4e5f600w1", "--action", "REJECT"],
        vec!["--addr", "10.0.2.0/24", "--port", "5432", "--until", "1764150060"],
        vec!["--dst", "10.0.0.20", "--protocol", "6"],
    ] {
        let fast = summary(&flags);
        let mut args = vec!["flows", "summary", custom.to_str().unwrap(), "--log-format", format, "--format", "json", "--top", "0"];
        args.extend(&flags);
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let general = r.json();
        assert!(fast["records"]["filtered_out"].as_u64().unwrap() > 0);
        for key in ["records", "filter", "conversations_total", "conversations", "top_talkers", "rejected", "interfaces"] {
            assert_eq!(fast[key], general[key], "{flags:?}: {key}");
        }
    }
}

#[test]
fn interface_names_resolve_through_the_snapshot() {
    let snap = sample("snapshots/shop");
    let by_id = summary(&["--interface", "eni-0a1b2c3d4e5f600d1", "--snapshot", snap.to_str().unwrap()]);
    let by_name = summary(&["--interface", "orders-db", "--snapshot", snap.to_str().unwrap()]);
    assert_eq!(by_name["filter"]["interfaces"], serde_json::json!(["eni-0a1b2c3d4e5f600d1"]));
    assert_eq!(by_id["records"], by_name["records"]);
    assert_eq!(by_id["conversations"], by_name["conversations"]);
    // A name without a snapshot, or one the snapshot lacks, is an error.
    let log = sample(LOG);
    let r = run(&["flows", "summary", log.to_str().unwrap(), "--interface", "orders-db"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("needs --snapshot"), "{}", r.stderr);
    let r = run(&["flows", "summary", log.to_str().unwrap(), "--interface", "no-such-thing", "--snapshot", snap.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-thing"), "{}", r.stderr);
}

#[test]
fn bad_filter_values_are_errors_naming_the_flag() {
    let log = sample(LOG);
    let log = log.to_str().unwrap();
    for (flag, value) in [("--since", "yesterday"), ("--addr", "10.0.0.0/40"), ("--protocol", "tcpx"), ("--action", "DROP"), ("--src", "x")] {
        let r = run(&["flows", "summary", log, flag, value]);
        assert_eq!(r.code, 2, "{flag} {value}");
        assert!(r.stderr.contains(&format!("bad {flag}")), "{flag}: {}", r.stderr);
    }
    let r = run(&["flows", "summary", log, "--since", "1764150100", "--until", "1764150000"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("time window is empty"), "{}", r.stderr);
}

#[test]
fn explain_takes_the_filters() {
    let snap = sample("snapshots/shop");
    let log = sample(LOG);
    let base = ["flows", "explain", "--snapshot", snap.to_str().unwrap(), log.to_str().unwrap(), "--format", "json", "--fail-on", "none"];
    let all = run(&base);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let all = all.json();
    assert!(all["filter"].is_null());
    let mut args = base.to_vec();
    args.extend(["--interface", "orders-db", "--port", "5432"]);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    identity(&v["records"]);
    let kept = lines().iter().filter(|l| l.interface == "eni-0a1b2c3d4e5f600d1" && (l.sport == Some(5432) || l.dport == Some(5432))).count() as u64;
    assert_eq!(v["records"]["total"], all["records"]["total"]);
    assert_eq!(v["records"]["filtered_out"].as_u64(), Some(all["records"]["total"].as_u64().unwrap() - kept));
    assert_eq!(v["filter"]["interfaces"], serde_json::json!(["eni-0a1b2c3d4e5f600d1"]));
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["interface"] == "eni-0a1b2c3d4e5f600d1"), "{findings:?}");
    assert!(findings.len() < all["findings"].as_array().unwrap().len());
}

#[test]
fn audit_flows_take_the_filters() {
    let snap = sample("snapshots/shop");
    let log = sample(LOG);
    let base = ["audit", "--snapshot", snap.to_str().unwrap(), "--flows", log.to_str().unwrap(), "--format", "json", "--quiet"];
    let all = run(&base);
    assert!(all.code == 0 || all.code == 1, "{}", all.stderr);
    let all = all.json();
    assert!(all["summary"]["flow_filter"].is_null());
    let mut args = base.to_vec();
    args.extend(["--action", "REJECT"]);
    let r = run(&args);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = r.json();
    let rejects = lines().iter().filter(|l| l.action.as_deref() == Some("REJECT")).count() as u64;
    let total = lines().len() as u64;
    assert_eq!(v["summary"]["flow_filter"], serde_json::json!({"action": "REJECT"}));
    assert_eq!(v["summary"]["flow_records_filtered_out"].as_u64(), Some(total - rejects));
    assert!(v["summary"]["flow_records"].as_u64() < all["summary"]["flow_records"].as_u64());
    // A filter without --flows has nothing to filter.
    let r = run(&["audit", "--snapshot", snap.to_str().unwrap(), "--port", "22"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--flows"), "{}", r.stderr);
}

/// CloudWatch Logs through moto: the time window narrows the requested event range, one
/// interface becomes the stream prefix, and the rest is filtered record by record.
#[test]
fn log_group_reads_take_the_filters() {
    let (Some(endpoint), Some(python)) = (std::env::var_os("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) else {
        eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT/VPCSCOPE_PYTHON unset (run scripts/test.sh); skipping the CloudWatch filter test");
        return;
    };
    let endpoint = endpoint.to_string_lossy().into_owned();
    let group = format!("/vpcscope/test/filters-{}-{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    // Events are stamped with their record's start, as flow logs delivered to CloudWatch are;
    // the records are from the last seven hours (CloudWatch refuses events older than 14 days).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let base = (now - 7 * 3600) / 3600 * 3600;
    let script = r#"
import sys, boto3
endpoint, group, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
logs.create_log_group(logGroupName=group)
streams = {"eni-aaaaaaaaaaaaaaaaa-all": [], "eni-bbbbbbbbbbbbbbbbb-all": []}
for hour in range(6):
    for i in range(10):
        start = base + hour * 3600 + i * 60
        for stream in streams:
            eni = stream[:-4]
            action = "REJECT" if i % 2 else "ACCEPT"
            streams[stream].append((start, "2 123456789010 %s 10.0.0.%d 10.0.1.1 40000 %d 6 3 300 %d %d %s OK" % (eni, i, 22 if i < 5 else 443, start, start + 60, action)))
for stream, events in streams.items():
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t * 1000, "message": m} for t, m in events])
"#;
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&endpoint).arg(&group).arg(base.to_string()).output().expect("run python");
    assert!(out.status.success(), "boto3 setup failed: {}", String::from_utf8_lossy(&out.stderr));
    let args0 = ["flows", "summary", "--log-group", group.as_str(), "--endpoint-url", endpoint.as_str(), "--region", "us-east-1", "--format", "json"];
    let all = run(&args0).json();
    identity(&all["records"]);
    assert_eq!(all["records"]["total"], 120);
    // Hour 3 (records starting 3:00-3:09, window 3:00-3:10): the event range requested
    // reaches 15 minutes either side, so neighbouring hours are never read.
    let since = (base + 3 * 3600).to_string();
    let until = (base + 3 * 3600 + 600).to_string();
    let mut args = args0.to_vec();
    args.extend(["--since", since.as_str(), "--until", until.as_str(), "--interface", "eni-aaaaaaaaaaaaaaaaa", "--port", "22"]);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    identity(&v["records"]);
    assert_eq!(v["records"]["total"], 10, "{}", v["records"]);
    assert_eq!(v["records"]["ok"], 5);
    assert_eq!(v["records"]["filtered_out"], 5);
    assert!(v["conversations"].as_array().unwrap().iter().all(|c| c["interface"] == "eni-aaaaaaaaaaaaaaaaa" && c["dst_port"] == 22));
}

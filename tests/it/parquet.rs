//! Parquet flow logs (issue 19): the same records written as text and as Parquet (with the
//! parquet crate's writer, through `source::parquet::write_parquet`) give the same reports,
//! whatever the column naming (AWS's hyphens or the Athena DDL's underscores) and row-group
//! split; impossible values are malformed records with their row; a broken file is a
//! damaged source.

use crate::util::{sample, vpcscope, Run};
use serde_json::Value;
use std::path::Path;
use vpcscope::flowlog::Format;
use vpcscope::source::parquet::{write_parquet, ColumnNames};

fn json(args: &[&str]) -> Value {
    let r: Run = vpcscope(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.json()
}

fn summary(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["flows", "summary", path.to_str().unwrap(), "--format", "json", "--top", "0"];
    args.extend(extra);
    json(&args)
}

/// The report with every source name replaced by `SRC`: text and Parquet inputs differ only
/// in their file names.
fn without_sources(mut v: Value, names: &[&Path]) -> Value {
    fn walk(v: &mut Value, names: &[String]) {
        match v {
            Value::String(s) if names.iter().any(|n| s == n) => *s = "SRC".into(),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, names)),
            Value::Object(m) => m.values_mut().for_each(|x| walk(x, names)),
            _ => {}
        }
    }
    let names: Vec<String> = names.iter().map(|p| p.to_str().unwrap().to_string()).collect();
    walk(&mut v, &names);
    v
}

fn write(text: &str, path: &Path, names: ColumnNames, rows_per_group: usize) {
    let file = std::fs::File::create(path).unwrap();
    write_parquet(text, &Format::default_v2(), file, names, rows_per_group).unwrap();
}

/// Generated records plus three impossible values (a port of 70000, a negative byte count,
/// an address that is not one) and an action word vpcscope does not know (a record, kept as
/// unknown), as text and as Parquet: `flows summary` reports the same.
#[test]
fn parquet_and_text_summaries_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gen.log");
    let r = vpcscope(["flows", "generate", "--records", "30000", "--conversations", "4000", "--interfaces", "12", "--seed", "7", "-o", log.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("2 123456789010 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 70000 443 6 1 60 1418530010 1418530070 ACCEPT OK\n");
    text.push_str("2 123456789010 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 40000 443 6 1 -60 1418530010 1418530070 ACCEPT OK\n");
    text.push_str("2 123456789010 eni-0123456789abcdef0 10.0.0.1 10.0.0.999 40000 443 6 1 60 1418530010 1418530070 ACCEPT OK\n");
    text.push_str("2 123456789010 eni-0123456789abcdef0 10.0.0.1 10.0.0.2 40000 443 6 1 60 1418530010 1418530070 MAYBE OK\n");
    std::fs::write(&log, &text).unwrap();
    let expected = summary(&log, &[]);
    assert_eq!(expected["records"]["malformed"], 3, "{}", expected["records"]);
    let want = without_sources(expected, &[&log]);
    for (names, rows_per_group) in [(ColumnNames::Hyphens, 4096), (ColumnNames::Underscores, 1000), (ColumnNames::Hyphens, 30_004)] {
        let pq = dir.path().join(format!("gen-{rows_per_group}.parquet"));
        write(&text, &pq, names, rows_per_group);
        let got = without_sources(summary(&pq, &[]), &[&pq]);
        assert_eq!(got, want, "{names:?}, {rows_per_group} rows per group");
        // Rows are numbered through the file, like lines.
        let lines: Vec<&Value> = got["malformed_samples"].as_array().unwrap().iter().map(|s| &s["line"]).collect();
        assert_eq!(lines, vec![&Value::from(30_001), &Value::from(30_002), &Value::from(30_003)]);
    }
    // The incident filters apply to Parquet rows as to text lines.
    let pq = dir.path().join("gen-1000.parquet");
    let interface = text.split_ascii_whitespace().nth(2).unwrap().to_string();
    let src = text.split_ascii_whitespace().nth(3).unwrap().to_string();
    for flags in [
        &["--action", "REJECT"][..],
        &["--port", "443", "--protocol", "tcp"],
        &["--since", "1700000100"],
        &["--since", "1700000100", "--until", "1700000400"],
        &["--interface", &interface],
        &["--addr", &format!("{src}/24")],
        &["--src", &format!("{src}/32"), "--action", "ACCEPT"],
    ] {
        let got = without_sources(summary(&pq, flags), &[&pq]);
        let filtered = got["records"]["filtered_out"].as_u64().unwrap_or(0);
        assert!(filtered > 0 && filtered < 30_004, "{flags:?}: {}", got["records"]);
        assert_eq!(got, without_sources(summary(&log, flags), &[&log]), "{flags:?}");
    }
}

/// `flows explain` on the Parquet sample finds what it finds on the text it was made from,
/// and a directory mixing Parquet and text reads both.
#[test]
fn parquet_sample_explains_like_its_text() {
    let snap = sample("snapshots/shop");
    let text = sample("flowlogs/shop/shop-default.log");
    let pq = sample("flowlogs/parquet/shop-default.parquet");
    let explain = |p: &Path| json(&["flows", "explain", "--snapshot", snap.to_str().unwrap(), p.to_str().unwrap(), "--format", "json", "--fail-on", "none"]);
    let want = without_sources(explain(&text), &[&text]);
    assert!(!want["findings"].as_array().unwrap().is_empty());
    assert_eq!(without_sources(explain(&pq), &[&pq]), want);
    assert_eq!(without_sources(summary(&pq, &[]), &[&pq]), without_sources(summary(&text, &[]), &[&text]));
    // The custom-format sample with Athena's column names.
    let v5 = sample("flowlogs/shop/shop-v5.log");
    let v5pq = sample("flowlogs/parquet/shop-v5-athena-names.parquet");
    assert_eq!(without_sources(summary(&v5pq, &[]), &[&v5pq]), without_sources(summary(&v5, &[]), &[&v5]));

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&pq, dir.path().join("a.parquet")).unwrap();
    std::fs::copy(&text, dir.path().join("b.log")).unwrap();
    let both = summary(dir.path(), &[]);
    let one = summary(&text, &[]);
    assert_eq!(both["records"]["total"].as_u64(), Some(2 * one["records"]["total"].as_u64().unwrap()));
    assert_eq!(both["conversations_total"], one["conversations_total"]);
}

/// A truncated Parquet file is a damaged source named in the report; the other inputs count.
#[test]
fn a_broken_parquet_file_is_a_damaged_source() {
    let dir = tempfile::tempdir().unwrap();
    let pq = sample("flowlogs/parquet/shop-default.parquet");
    let bytes = std::fs::read(&pq).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let good = sample("flowlogs/default-v2.log");
    let r: Run = vpcscope(["flows", "summary", cut.to_str().unwrap(), good.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let damaged = v["damaged_sources"].as_array().unwrap();
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0]["source"], cut.to_str().unwrap());
    assert!(damaged[0]["reason"].as_str().unwrap().contains("Parquet"), "{}", damaged[0]["reason"]);
    assert!(r.stderr.contains("cut.parquet"), "{}", r.stderr);
    assert!(v["records"]["total"].as_u64().unwrap() > 0);
}

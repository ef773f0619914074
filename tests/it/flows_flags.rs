//! The flows commands' common flags (issue 23): `--output FILE` with the format from its
//! extension, `--quiet`, `flows explain --fail-on`, `--log-region` for a log group's
//! region, and input without a single record exiting 2 with a hint.

use crate::util::{sample, vpcscope, Run};
use serde_json::Value;
use std::path::Path;

fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Run {
    vpcscope(args.iter().map(|a| a.as_ref().to_os_string()))
}

#[test]
fn summary_output_file_takes_its_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let log = sample("flowlogs/default-v2.log");
    let stdout_json = run(&[&"flows", &"summary", &log, &"--format", &"json"]).json();
    let json = dir.path().join("summary.json");
    let r = run(&[&"flows", &"summary", &log, &"--output", &json]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let from_file: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(from_file, stdout_json);
    let csv = dir.path().join("conversations.CSV");
    assert_eq!(run(&[&"flows", &"summary", &log, &"-o", &csv]).code, 0);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("interface,src,dst,"), "{text}");
    // --format wins over the extension; an unknown extension is text.
    let forced = dir.path().join("forced.json");
    assert_eq!(run(&[&"flows", &"summary", &log, &"--format", &"text", &"--output", &forced]).code, 0);
    assert!(serde_json::from_str::<Value>(&std::fs::read_to_string(&forced).unwrap()).is_err());
    let plain = dir.path().join("summary.txt");
    assert_eq!(run(&[&"flows", &"summary", &log, &"--output", &plain]).code, 0);
    assert!(std::fs::read_to_string(&plain).unwrap().contains("records"), "text report expected");
    // A file that cannot be created is an error naming it.
    let bad = dir.path().join("no/such/dir/x.json");
    let r = run(&[&"flows", &"summary", &log, &"--output", &bad]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot create") && r.stderr.contains("x.json"), "{}", r.stderr);
}

/// `flows explain --fail-on KINDS` exits 1 exactly when a finding of a listed kind exists;
/// the report is written either way; `none` never fails; the default fails on refused replies
/// and drift, not on refused traffic.
#[test]
fn explain_fails_on_the_listed_finding_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let snap = sample("snapshots/shop");
    let log = sample("flowlogs/shop/shop-default.log");
    let base = run(&[&"flows", &"explain", &"--quiet", &"--snapshot", &snap, &log, &"--format", &"json"]);
    assert_eq!(base.code, 1, "the shop log has a refused reply: {}", base.stderr);
    let kinds: Vec<String> = base.json()["findings"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap().to_string()).collect();
    assert!(kinds.iter().any(|k| k == "nacl-return-path") && kinds.iter().any(|k| k == "rejected"), "{kinds:?}");
    for (fail_on, expect) in [
        ("nacl-return-path", 1),
        ("rejected", 1),
        ("drift", i32::from(kinds.iter().any(|k| k == "drift"))),
        ("unknown-interface", i32::from(kinds.iter().any(|k| k == "unknown-interface"))),
        ("drift,nacl-return-path", 1),
        ("any", 1),
        ("none", 0),
    ] {
        let out = dir.path().join(format!("{}.md", fail_on.replace(',', "-")));
        let r = run(&[&"flows", &"explain", &"--quiet", &"--snapshot", &snap, &log, &"--fail-on", &fail_on, &"--output", &out]);
        assert_eq!(r.code, expect, "--fail-on {fail_on}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        let md = std::fs::read_to_string(&out).unwrap();
        assert!(md.starts_with("## Flow-log explanation"), "markdown expected in {}", out.display());
    }
    let json = dir.path().join("explain.json");
    assert_eq!(run(&[&"flows", &"explain", &"--quiet", &"--snapshot", &snap, &log, &"-o", &json]).code, 1);
    let from_file: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(from_file, base.json());
    let r = run(&[&"flows", &"explain", &"--snapshot", &snap, &log, &"--fail-on", &"everything"]);
    assert_eq!(r.code, 2);
}

fn truncated_gzip(dir: &Path) -> std::path::PathBuf {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(gz, "2 123456789010 eni-0a1b2c3d4e5f600d1 10.0.1.15 10.0.2.25 {} 5432 6 3 300 1418530010 1418530070 ACCEPT OK", 40000 + i % 1000).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let path = dir.join("cut.log.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    path
}

/// `--quiet` keeps stderr empty (the damaged input stays in the report); without it the
/// damage is also a warning.
#[test]
fn quiet_prints_nothing_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let cut = truncated_gzip(dir.path());
    let loud = run(&[&"flows", &"summary", &cut, &"--format", &"json"]);
    assert_eq!(loud.code, 0, "{}", loud.stderr);
    assert!(loud.stderr.contains("warning") && loud.stderr.contains("cut.log.gz"), "{}", loud.stderr);
    let quiet = run(&[&"flows", &"summary", &cut, &"--format", &"json", &"--quiet"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    assert_eq!(quiet.json()["damaged_sources"], loud.json()["damaged_sources"]);
    assert_eq!(quiet.json()["damaged_sources"].as_array().map(Vec::len), Some(1));
    let snap = sample("snapshots/shop");
    let loud = run(&[&"flows", &"explain", &"--snapshot", &snap, &cut, &"--format", &"json"]);
    assert!(loud.stderr.contains("cut.log.gz"), "{}", loud.stderr);
    let quiet = run(&[&"flows", &"explain", &"--quiet", &"--snapshot", &snap, &cut, &"--format", &"json"]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
}

/// Issue 23: `flows summary README.md` counted 675 malformed lines and exited 0. Input whose
/// every line is malformed exits 2, naming the first bad line and `--log-format`; a filter
/// that keeps nothing is still an answer (exit 0).
#[test]
fn input_without_a_record_exits_2_with_a_hint() {
    let readme = crate::util::root().join("README.md");
    for cmd in [&["flows", "summary"][..], &["flows", "explain", "--snapshot", "samples/snapshots/shop"][..]] {
        let mut args: Vec<std::ffi::OsString> = cmd.iter().map(Into::into).collect();
        args.push(readme.clone().into());
        let r = vpcscope(&args);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stdout);
        assert!(r.stdout.is_empty());
        for needle in ["no flow-log records", "malformed", "README.md:1:", "--log-format"] {
            assert!(r.stderr.contains(needle), "{cmd:?}: `{needle}` not in {}", r.stderr);
        }
    }
    let log = sample("flowlogs/default-v2.log");
    let r = run(&[&"flows", &"summary", &log, &"--port", &"1", &"--format", &"json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["records"]["ok"], 0);
    assert!(v["records"]["filtered_out"].as_u64().unwrap() > 0);
}

/// `--log-region` names the log group's region, over `--region`; two of them are an error.
#[cfg(feature = "aws")]
#[test]
fn log_region_names_the_log_groups_region() {
    let r = run(&[&"flows", &"summary", &"--log-group", &"/g", &"--log-region", &"eu-west-1", &"--log-region", &"us-east-1", &"--endpoint-url", &"http://127.0.0.1:9"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at most one --log-region"), "{}", r.stderr);
    let (Some(endpoint), Some(python)) = (std::env::var_os("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) else {
        eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT/VPCSCOPE_PYTHON unset (run scripts/test.sh); skipping the moto part");
        return;
    };
    let endpoint = endpoint.to_string_lossy().into_owned();
    let group = format!("/vpcscope/test/log-region-{}", std::process::id());
    let script = r#"
import sys, time, boto3
endpoint, group = sys.argv[1], sys.argv[2]
logs = boto3.client("logs", endpoint_url=endpoint, region_name="eu-west-1")
logs.create_log_group(logGroupName=group)
logs.create_log_stream(logGroupName=group, logStreamName="eni-1235b8ca123456789-all")
logs.put_log_events(logGroupName=group, logStreamName="eni-1235b8ca123456789-all", logEvents=[{"timestamp": int(time.time() * 1000), "message": "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"}])
"#;
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&endpoint).arg(&group).output().expect("run python");
    assert!(out.status.success(), "boto3 setup failed: {}", String::from_utf8_lossy(&out.stderr));
    let elsewhere = run(&[&"flows", &"summary", &"--log-group", &group, &"--endpoint-url", &endpoint, &"--region", &"us-east-1"]);
    assert_eq!(elsewhere.code, 2, "the group is in eu-west-1 only: {}", elsewhere.stdout);
    let there = run(&[&"flows", &"summary", &"--log-group", &group, &"--endpoint-url", &endpoint, &"--region", &"us-east-1", &"--log-region", &"eu-west-1", &"--format", &"json"]);
    assert_eq!(there.code, 0, "{}", there.stderr);
    assert_eq!(there.json()["records"]["ok"], 1);
}

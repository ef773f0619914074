//! `vpcscope flows summary` (issue 3): AWS's documented example records, every record type,
//! custom formats, every reading path giving the same answer, hostile input, CloudWatch Logs
//! through a local moto server.

use crate::util::{root, sample, shared_fixtures, vpcscope, vpcscope_in, Run};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs `flows summary ARGS --format json` and checks the record-count invariant.
fn summary_json<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Value {
    let mut full: Vec<std::ffi::OsString> = vec!["flows".into(), "summary".into()];
    full.extend(args.iter().map(|a| a.as_ref().to_os_string()));
    full.extend(["--format".into(), "json".into()]);
    let run = vpcscope(&full);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let v = run.json();
    check_invariant(&v);
    v
}

fn check_invariant(v: &Value) {
    let r = &v["records"];
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("records.{k} missing in {r}"));
    assert_eq!(n("total"), n("ok") + n("nodata") + n("skipdata") + n("malformed") + n("filtered_out"), "invariant broken: {r}");
    assert!(v["malformed_samples"].as_array().unwrap().len() <= 10);
}

fn counts(v: &Value) -> (u64, u64, u64, u64, u64) {
    let r = &v["records"];
    let n = |k: &str| r[k].as_u64().unwrap();
    (n("total"), n("ok"), n("nodata"), n("skipdata"), n("malformed"))
}

/// The record lines of each `## N.` section of the fixture, with the section's format line
/// (a code block made only of field names) when it has one.
fn fixture_sections(text: &str) -> Vec<(String, Option<String>, Vec<String>)> {
    let mut sections = Vec::new();
    let mut in_block = false;
    let mut block: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            sections.push((line.to_string(), None, Vec::new()));
            continue;
        }
        if line.starts_with("```") {
            if in_block {
                if let Some((_, format, records)) = sections.last_mut() {
                    let is_format = block.len() == 1
                        && block[0].split(' ').all(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
                    if is_format {
                        *format = Some(block[0].clone());
                    } else {
                        records.extend(block.iter().filter(|l| l.trim() != "...").map(|l| match l.find(" #") {
                            Some(i) => l[..i].to_string(),
                            None => l.clone(),
                        }));
                    }
                }
                block.clear();
            }
            in_block = !in_block;
            continue;
        }
        if in_block {
            block.push(line.to_string());
        }
    }
    sections.retain(|s| !s.2.is_empty());
    sections
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn aws_documented_examples() {
    let Some(fixtures) = shared_fixtures() else { return };
    let text = std::fs::read_to_string(fixtures.join("aws-flowlog-examples.md")).expect("fixture");
    let sections = fixture_sections(&text);
    assert!(sections.len() >= 7, "found {} sections", sections.len());
    let dir = tempfile::tempdir().unwrap();
    for (i, (title, format, records)) in sections.iter().enumerate() {
        let mut body = String::new();
        if let Some(f) = format {
            body.push_str(f);
            body.push('\n');
        }
        for r in records {
            body.push_str(r);
            body.push('\n');
        }
        let path = write(dir.path(), &format!("s{i}.log"), body.as_bytes());
        let v = summary_json(&[&path]);
        let (total, _, _, _, malformed) = counts(&v);
        assert_eq!(total, records.len() as u64, "{title}: {v}");
        assert_eq!(malformed, 0, "{title}: {}", v["malformed_samples"]);
    }
    // Sections 1-4 (default format) together: every record type.
    let mut all = String::new();
    for (_, format, records) in sections.iter().filter(|s| s.1.is_none()) {
        assert!(format.is_none());
        for r in records {
            all.push_str(r);
            all.push('\n');
        }
    }
    let path = write(dir.path(), "default.log", all.as_bytes());
    let v = summary_json(&[&path]);
    assert_eq!(counts(&v), (7, 5, 1, 1, 0));
    let rejected = v["rejected"].as_array().unwrap();
    assert!(rejected.iter().any(|r| r["dst_port"] == 3389 && r["protocol"] == 6), "{rejected:?}");
    assert!(rejected.iter().any(|r| r["dst_port"] == 0 && r["protocol"] == 1), "{rejected:?}");
    assert!(v["conversations"].as_array().unwrap().iter().any(|c| c["src"] == "2001:db8:1234:a100:8d6e:3477:df66:f105"));
}

#[test]
fn tcp_flags_are_ored_and_directions_kept() {
    let Some(fixtures) = shared_fixtures() else { return };
    let text = std::fs::read_to_string(fixtures.join("aws-flowlog-examples.md")).expect("fixture");
    let sections = fixture_sections(&text);
    let tcp = sections.iter().find(|s| s.0.contains("TCP flag")).expect("TCP flag section");
    let dir = tempfile::tempdir().unwrap();
    let body = format!("{}\n{}\n", tcp.1.as_ref().unwrap(), tcp.2.join("\n"));
    let path = write(dir.path(), "tcp.log", body.as_bytes());
    let v = summary_json(&[path.as_os_str(), "--top".as_ref(), "0".as_ref()]);
    let conv = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["src_port"] == 43418 && c["dst_port"] == 5001)
        .expect("client->server 43418");
    // SYN (2) in the first interval, FIN (1) in the next.
    assert_eq!(conv["tcp_flags"], 3);
    assert_eq!(conv["records"], 2);
    assert_eq!(conv["bytes"], 100701 + 23294588);
    // Version 5: flow-direction, fields reordered.
    let v5 = sections.iter().find(|s| s.1.as_deref().is_some_and(|f| f.contains("flow-direction"))).expect("v5 section");
    let body = format!("{}\n{}\n", v5.1.as_ref().unwrap(), v5.2.join("\n"));
    let path = write(dir.path(), "v5.log", body.as_bytes());
    let v = summary_json(&[&path]);
    let dirs: Vec<&str> = v["conversations"].as_array().unwrap().iter().map(|c| c["direction"].as_str().unwrap()).collect();
    assert_eq!(dirs, vec!["ingress", "egress"]);
}

#[test]
fn samples_directory_with_headers_and_log_format() {
    let v = summary_json(&[sample("flowlogs/AWSLogs")]);
    assert_eq!(counts(&v), (8, 7, 1, 0, 0));
    let r = &v["rejected"][0];
    assert_eq!((r["dst_port"].as_u64(), r["records"].as_u64(), r["conversations"].as_u64()), (Some(22), Some(2), Some(2)));
    // The same records in the v5 format, given through --log-format instead of a header.
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(sample("flowlogs/AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/05/01/123456789010_vpcflowlogs_us-east-1_fl-0f9e8d7c_20240501T0005Z_e5f6a7b8.log")).unwrap();
    let (header, body) = src.split_once('\n').unwrap();
    let path = write(dir.path(), "nohdr.log", body.as_bytes());
    let log_format: Vec<String> = header.split(' ').map(|f| format!("${{{f}}}")).collect();
    let with_flag = summary_json(&[path.as_os_str(), "--log-format".as_ref(), log_format.join(" ").as_ref()]);
    let with_header = summary_json(&[write(dir.path(), "hdr.log", src.as_bytes())]);
    assert_eq!(with_flag["conversations"], with_header["conversations"]);
    assert_eq!(counts(&with_flag), (3, 3, 0, 0, 0));
}

#[test]
fn malformed_lines_are_sampled_with_positions() {
    let v = summary_json(&[sample("flowlogs/malformed.log")]);
    assert_eq!(counts(&v), (4, 1, 0, 0, 3));
    let samples: Vec<(u64, String)> = v["malformed_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert!(s["source"].as_str().unwrap().ends_with("malformed.log"));
            (s["line"].as_u64().unwrap(), s["reason"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        samples,
        vec![(2, "expected 14 fields, found 4".to_string()), (3, "srcport: not a number".to_string()), (4, "srcaddr: not an IP address".to_string())]
    );
}

#[test]
fn empty_and_header_only_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.log", b"");
    let header = write(dir.path(), "header.log", b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\r\n");
    for p in [&empty, &header] {
        let run = vpcscope(["flows".as_ref(), "summary".as_ref(), p.as_os_str()]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(run.stderr.contains("no flow-log records in the input"), "{}", run.stderr);
    }
    let empty_dir = dir.path().join("nothing");
    std::fs::create_dir(&empty_dir).unwrap();
    let run = vpcscope(["flows".as_ref(), "summary".as_ref(), empty_dir.as_os_str()]);
    assert_eq!(run.code, 2);
    let run = vpcscope(["flows", "summary"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no input"), "{}", run.stderr);
    let run = vpcscope(["flows".as_ref(), "summary".as_ref(), dir.path().join("missing.log").as_os_str()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

/// Synthetic logs with a header, CRLF endings on some lines, blank lines and malformed lines.
fn mixed_input(dir: &Path) -> Vec<u8> {
    let gen = dir.join("gen.log");
    let run = vpcscope(["flows".as_ref(), "generate".as_ref(), "--records".as_ref(), "60000".as_ref(), "--conversations".as_ref(), "5000".as_ref(), "-o".as_ref(), gen.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = std::fs::read(&gen).unwrap();
    let mut out = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n".to_vec();
    for (i, line) in body.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        out.extend_from_slice(line);
        match i % 1000 {
            7 => out.extend_from_slice(b"\r\n"),
            8 => out.extend_from_slice(b"\n\n"),
            9 => out.extend_from_slice(b"\n2 123 eni-x 10.0.0.1 bad\n"),
            _ => out.push(b'\n'),
        }
    }
    out
}

#[test]
fn every_reading_path_gives_the_same_summary() {
    let dir = tempfile::tempdir().unwrap();
    let data = mixed_input(dir.path());
    let plain = write(dir.path(), "in/plain.log", &data);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let gzpath = write(dir.path(), "gz/plain.log.gz", &gz.finish().unwrap());

    let base = summary_json(&[plain.as_os_str(), "--top".as_ref(), "0".as_ref(), "--sequential".as_ref()]);
    let (total, ok, _, _, malformed) = counts(&base);
    assert_eq!(malformed, 60);
    assert_eq!(total, 60060);
    assert!(ok > 50000);
    let strip = |mut v: Value| {
        // Sources are named differently per path; everything else must match.
        for s in v["malformed_samples"].as_array_mut().unwrap() {
            s["source"] = Value::Null;
        }
        v
    };
    let base = strip(base);
    let variants: Vec<Vec<std::ffi::OsString>> = vec![
        vec![plain.clone().into()],
        vec![plain.clone().into(), "--piece-size".into(), "4099".into()],
        vec![plain.clone().into(), "--sequential".into(), "--buffer-size".into(), "3".into()],
        vec![gzpath.clone().into()],
        vec![gzpath.clone().into(), "--buffer-size".into(), "17".into()],
    ];
    for args in variants {
        let mut a = args.clone();
        a.extend(["--top".into(), "0".into()]);
        let got = strip(summary_json(&a));
        assert!(got == base, "variant {args:?} differs");
    }
    let run = vpcscope_in(&root(), ["flows", "summary", "-", "--top", "0", "--format", "json"], Some(&data));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(strip(run.json()) == base, "stdin differs");
    // Gzip on stdin is inflated on a thread of its own.
    let run = vpcscope_in(&root(), ["flows", "summary", "-", "--top", "0", "--format", "json"], Some(&std::fs::read(&gzpath).unwrap()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(strip(run.json()) == base, "gzip on stdin differs");
    // Text and CSV render the same data.
    let text = vpcscope(["flows".as_ref(), "summary".as_ref(), plain.as_os_str()]);
    assert!(text.stdout.starts_with(&format!("records: 60060 total, {ok} ok")), "{}", text.stdout);
    let csv = vpcscope(["flows".as_ref(), "summary".as_ref(), plain.as_os_str(), "--format".as_ref(), "csv".as_ref(), "--top".as_ref(), "3".as_ref()]);
    assert_eq!(csv.stdout.lines().count(), 4);
    assert!(csv.stdout.starts_with("interface,src,dst,src_port,dst_port,protocol,action,packets,bytes"));
}

#[test]
fn many_files_in_parallel_equal_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = mixed_input(dir.path());
    let text = String::from_utf8(data).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let one = write(dir.path(), "one.log", format!("{}\n", lines.join("\n")).as_bytes());
    for (i, part) in lines.chunks(7000).enumerate() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!("{}\n", part.join("\n")).as_bytes()).unwrap();
        write(dir.path(), &format!("AWSLogs/1/vpcflowlogs/us-east-1/2024/05/{:02}/f{i}.log.gz", i + 1), &gz.finish().unwrap());
    }
    let a = summary_json(&[one.as_os_str(), "--top".as_ref(), "0".as_ref()]);
    let b = summary_json(&[dir.path().join("AWSLogs").as_os_str(), "--top".as_ref(), "0".as_ref()]);
    assert_eq!(counts(&a), counts(&b));
    assert!(a["conversations"] == b["conversations"]);
    assert!(a["rejected"] == b["rejected"]);
    assert!(a["top_talkers"] == b["top_talkers"]);
}

#[test]
fn crlf_equals_lf() {
    let dir = tempfile::tempdir().unwrap();
    let lf = std::fs::read_to_string(sample("flowlogs/default-v2.log")).unwrap();
    let crlf = lf.replace('\n', "\r\n");
    let a = summary_json(&[write(dir.path(), "lf.log", lf.as_bytes())]);
    let b = summary_json(&[write(dir.path(), "crlf.log", crlf.as_bytes())]);
    assert_eq!(counts(&b), (7, 5, 1, 1, 0));
    assert_eq!(a["conversations"], b["conversations"]);
}

#[test]
fn hostile_input_is_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let good = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
    let mut data = good.as_bytes().to_vec();
    data.extend(std::iter::repeat(b'a').take(3 << 20)); // a 3 MiB line
    data.push(b'\n');
    data.extend_from_slice(good.as_bytes());
    let mut x: u32 = 12345;
    let garbage: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    data.extend_from_slice(&garbage);
    data.push(b'\n');
    data.extend_from_slice(good.as_bytes());
    data.extend_from_slice(&[0u8; 100]);
    let path = write(dir.path(), "hostile.log", &data);
    for extra in [&[][..], &["--sequential", "--buffer-size", "5"][..], &["--piece-size", "65536"][..]] {
        let mut args: Vec<std::ffi::OsString> = vec![path.clone().into()];
        args.extend(extra.iter().map(|s| s.into()));
        let v = summary_json(&args);
        let (total, ok, _, _, malformed) = counts(&v);
        assert_eq!(ok, 3, "{extra:?}: {v}");
        assert!(malformed >= 2 && total == ok + malformed, "{extra:?}: {}", v["records"]);
        let first = &v["malformed_samples"][0];
        assert_eq!((first["line"].as_u64(), first["reason"].as_str()), (Some(2), Some("line longer than 65536 bytes")), "{extra:?}");
    }
}

#[test]
fn truncated_gzip_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
    for _ in 0..5000 {
        gz.write_all(line.as_bytes()).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let path = write(dir.path(), "cut.log.gz", &bytes[..bytes.len() * 2 / 3]);
    let run = vpcscope(["flows".as_ref(), "summary".as_ref(), path.as_os_str(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("cut.log.gz") && run.stderr.contains("truncated"), "{}", run.stderr);
    let v = run.json();
    check_invariant(&v);
    let d = &v["damaged_sources"][0];
    assert!(d["source"].as_str().unwrap().ends_with("cut.log.gz"));
    assert_eq!(d["records_before_damage"], v["records"]["total"]);
    assert!(v["records"]["total"].as_u64().unwrap() > 100);
}

/// A line count past 2^31 (issue 3: "a 2 GB line count"). Writes about 2.2 GB; runs only
/// with VPCSCOPE_SLOW_TESTS=1.
#[test]
fn line_numbers_past_two_billion() {
    if std::env::var_os("VPCSCOPE_SLOW_TESTS").is_none() {
        eprintln!("NOTICE: VPCSCOPE_SLOW_TESTS is unset; skipping the 2^31-line test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let blank = vec![b'\n'; 1 << 20];
    let n: u64 = (1 << 31) + (1 << 20) * 8;
    for _ in 0..n / (1 << 20) {
        f.write_all(&blank).unwrap();
    }
    f.write_all(b"2 1 eni-a 1.2.3.4 bad\n").unwrap();
    f.flush().unwrap();
    drop(f);
    let v = summary_json(&[&path]);
    assert_eq!(v["malformed_samples"][0]["line"].as_u64(), Some(n + 1));
}

/// CloudWatch Logs through moto: events put into two streams come back as records.
#[test]
fn cloudwatch_log_group_from_moto() {
    let (Some(endpoint), Some(python)) = (std::env::var_os("VPCSCOPE_MOTO_ENDPOINT"), std::env::var_os("VPCSCOPE_PYTHON")) else {
        eprintln!("NOTICE: VPCSCOPE_MOTO_ENDPOINT/VPCSCOPE_PYTHON unset (run scripts/test.sh); skipping the CloudWatch test");
        return;
    };
    let endpoint = endpoint.to_string_lossy().into_owned();
    let group = format!("/vpcscope/test/flows-{}-{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    let script = r#"
import sys, time, boto3
endpoint, group = sys.argv[1], sys.argv[2]
logs = boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")
logs.create_log_group(logGroupName=group)
now = int(time.time() * 1000)
lines = {
  "eni-1235b8ca123456789-all": [
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
    "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK",
    "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
  ],
  "eni-11111111aaaaaaaaa-all": [
    "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA",
    "2 123456789010 eni-11111111aaaaaaaaa 172.31.9.69 not-an-address 1 2 6 1 1 1 2 REJECT OK",
  ] + ["2 123456789010 eni-11111111aaaaaaaaa 10.0.0.%d 10.0.1.1 40000 443 6 3 300 1418530010 1418530070 ACCEPT OK" % (i % 50) for i in range(150)],
}
for stream, msgs in lines.items():
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)])
"#;
    let out = std::process::Command::new(&python).arg("-c").arg(script).arg(&endpoint).arg(&group).output().expect("run python");
    assert!(out.status.success(), "boto3 setup failed: {}", String::from_utf8_lossy(&out.stderr));
    let args = ["flows", "summary", "--log-group", &group, "--endpoint-url", &endpoint, "--region", "us-east-1", "--format", "json"];
    let run: Run = vpcscope(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    check_invariant(&v);
    assert_eq!(counts(&v), (155, 152, 1, 1, 1));
    let s = &v["malformed_samples"][0];
    assert_eq!(s["source"].as_str(), Some(format!("{group}/eni-11111111aaaaaaaaa-all").as_str()));
    assert!(s["timestamp_ms"].as_i64().is_some() && s["line"].is_null());
    assert_eq!(v["conversations_total"], 52);
    // The stream prefix narrows the read.
    let mut narrowed: Vec<&str> = args.to_vec();
    narrowed.extend(["--log-stream-prefix", "eni-1235"]);
    let v = vpcscope(&narrowed).json();
    assert_eq!(counts(&v), (3, 2, 1, 0, 0));
    // A missing group is an error naming it.
    let run = vpcscope(["flows", "summary", "--log-group", "/vpcscope/none", "--endpoint-url", &endpoint, "--region", "us-east-1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/vpcscope/none"), "{}", run.stderr);
    // Logs Insights: moto's query engine is limited; the run must either produce a valid
    // report or fail with a clear error, never print a partial report.
    let mut insights: Vec<&str> = args.to_vec();
    insights.push("--insights");
    let run = vpcscope(&insights);
    if run.code == 0 {
        check_invariant(&run.json());
    } else {
        assert_eq!(run.code, 2);
        assert!(run.stdout.is_empty());
        eprintln!("NOTICE: moto could not run the Logs Insights queries: {}", run.stderr.trim());
    }
}

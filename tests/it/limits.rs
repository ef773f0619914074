//! Resource limits on hostile flow-log input (issue 9, item 6): a gzip bomb stops at the
//! decompression-ratio limit with an error naming the file, a line of hundreds of megabytes
//! is one malformed line and costs no memory, and a directory of many files is read without
//! listing it up front.

use crate::util::vpcscope;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const GOOD: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

fn summary<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> crate::util::Run {
    let mut full: Vec<std::ffi::OsString> = vec!["flows".into(), "summary".into(), "--format".into(), "json".into()];
    full.extend(args.iter().map(|a| a.as_ref().to_os_string()));
    vpcscope(&full)
}

/// One record followed by a 16 MiB line of spaces: about 16 KiB compressed, a ratio near
/// deflate's maximum (about 1000). Built from gzip members (a reader must take them one
/// after another), so the test compresses only 1 MiB.
fn bomb(dir: &Path) -> std::path::PathBuf {
    let mut bytes = gzip(GOOD.as_bytes());
    let blank = gzip(&vec![b' '; 1 << 20]);
    for _ in 0..16 {
        bytes.extend_from_slice(&blank);
    }
    let path = dir.join("bomb.log.gz");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn gzip_bomb_stops_at_the_ratio_limit_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = bomb(dir.path());
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 200 << 10, "the bomb should be small: {size} bytes");

    let run = summary(&[&path]);
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains("bomb.log.gz") && run.stderr.contains("expands more than 100 times"), "{}", run.stderr);
    assert!(run.stderr.contains("--max-gzip-ratio"), "{}", run.stderr);
    // The same from stdin names stdin.
    let run = crate::util::vpcscope_in(&crate::util::root(), ["flows", "summary", "-"], Some(&std::fs::read(&path).unwrap()));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("vpcscope: -: gzip stream expands"), "{}", run.stderr);

    // A higher limit, or none, reads it; a lower one still stops it.
    for limit in ["5000", "0"] {
        let run = summary(&[path.as_os_str(), "--max-gzip-ratio".as_ref(), limit.as_ref()]);
        assert_eq!(run.code, 0, "--max-gzip-ratio {limit}: {}", run.stderr);
        let v = run.json();
        assert_eq!((v["records"]["ok"].as_u64(), v["records"]["malformed"].as_u64()), (Some(1), Some(1)), "{v}");
    }
    let run = summary(&[path.as_os_str(), "--max-gzip-ratio".as_ref(), "2000".as_ref()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = summary(&[path.as_os_str(), "--max-gzip-ratio".as_ref(), "10".as_ref()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("more than 10 times"), "{}", run.stderr);
}

#[test]
fn ordinary_gzip_logs_pass_the_default_ratio() {
    // Varied records compress about 10 times; 2 MiB of them passes the floor and the limit.
    let mut data = String::new();
    let mut i = 0u32;
    while data.len() < 2 << 20 {
        i += 1;
        data.push_str(&format!(
            "2 123456789010 eni-{:017x} 10.0.{}.{} 10.1.{}.{} {} 443 6 {} {} {} {} ACCEPT OK\n",
            i % 7,
            i % 251,
            i % 13,
            i % 17,
            i % 241,
            1024 + i % 60000,
            i % 90 + 1,
            (i * 37) % 90000,
            1_700_000_000 + i,
            1_700_000_060 + i
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("real.log.gz");
    std::fs::write(&path, gzip(data.as_bytes())).unwrap();
    let run = summary(&[&path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["records"]["ok"].as_u64(), Some(i as u64));
}

/// Peak resident memory of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/PID/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Streams a record, a line of `line_len` bytes (a multiple of 1 MiB) and another record
/// (plain, or gzip when `gzip`) into `vpcscope flows summary -` and returns the peak RSS seen
/// while the last of the long line was being read, and the JSON output.
fn stream_long_line(line_len: usize, gzip: bool, extra: &[&str]) -> (u64, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vpcscope"));
    cmd.args(["flows", "summary", "-", "--format", "json"]).args(extra);
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let stdin = child.stdin.take().unwrap();
    // With gzip, every piece is its own gzip member (compressed once), which a reader must
    // take as one stream: the line runs on across members.
    let wrap = |b: &[u8]| if gzip { self::gzip(b) } else { b.to_vec() };
    let block = wrap(&vec![b'x'; 1 << 20]);
    let mut sink = stdin;
    sink.write_all(&wrap(GOOD.as_bytes())).unwrap();
    for _ in 0..line_len >> 20 {
        sink.write_all(&block).unwrap();
    }
    sink.flush().unwrap();
    // Writes block until the reader takes them, so by now vpcscope has read all but a
    // pipe buffer of the long line.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let peak = peak_rss_kib(pid);
    sink.write_all(&wrap(format!("\n{GOOD}").as_bytes())).unwrap();
    drop(sink);
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{stderr}");
    (peak, serde_json::from_str(&stdout).unwrap())
}

#[test]
fn a_line_of_hundreds_of_megabytes_is_one_malformed_line_in_bounded_memory() {
    let (peak, v) = stream_long_line(300 << 20, false, &[]);
    assert_eq!(v["records"]["ok"], 2, "{v}");
    assert_eq!(v["records"]["malformed"], 1, "{v}");
    assert_eq!(v["malformed_samples"][0]["line"], 2);
    assert_eq!(v["malformed_samples"][0]["reason"], "line longer than 65536 bytes");
    assert!(peak < 100 << 10, "peak RSS {peak} KiB while reading a 300 MiB line");
}

#[test]
fn a_long_line_inside_gzip_is_not_buffered_either() {
    // A line of 'x' compresses about 1000 times: lift the ratio limit for this one.
    let (peak, v) = stream_long_line(100 << 20, true, &["--max-gzip-ratio", "0"]);
    assert_eq!((v["records"]["ok"].as_u64(), v["records"]["malformed"].as_u64()), (Some(2), Some(1)), "{v}");
    assert_eq!(v["malformed_samples"][0]["reason"], "line longer than 65536 bytes");
    assert!(peak < 100 << 10, "peak RSS {peak} KiB while reading a 100 MiB gzip line");
}

#[test]
fn a_directory_of_twenty_thousand_files_is_read_as_walked() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    // 100 directories of 200 files, like days of an S3 sync.
    for d in 0..100 {
        let sub = dir.path().join(format!("day-{d:03}"));
        std::fs::create_dir(&sub).unwrap();
        for f in 0..n / 100 {
            let line = GOOD.replace("eni-1235b8ca123456789", &format!("eni-{d:03}{f:014}"));
            let text = if (d + f) % 2 == 0 { format!("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n{line}") } else { line };
            std::fs::write(sub.join(format!("{f:05}.log")), text).unwrap();
        }
    }
    std::fs::write(dir.path().join("day-050").join("00007.log"), "2 broken\n").unwrap();
    let run = summary(&[dir.path().as_os_str(), "--top".as_ref(), "0".as_ref()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!((v["records"]["ok"].as_u64(), v["records"]["malformed"].as_u64()), (Some(n as u64 - 1), Some(1)));
    assert_eq!(v["interfaces"].as_array().unwrap().len(), n - 1);
    let sample = &v["malformed_samples"][0];
    assert!(sample["source"].as_str().unwrap().ends_with("day-050/00007.log"), "{sample}");
    assert_eq!(sample["line"], 1);
}

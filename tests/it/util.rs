//! Helpers shared by every integration test: run the binary, locate fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `samples/`.
pub fn sample(rel: &str) -> PathBuf {
    root().join("samples").join(rel)
}

/// Copies the one-region sample snapshot `name` into `dir` (as `dir/us-east-1/`), leaving
/// out the documents named in `drop`, and passes each document that `edit` names to it.
pub fn sample_copy(name: &str, dir: &Path, drop: &[&str], edit: &[(&str, &dyn Fn(&mut serde_json::Value))]) -> PathBuf {
    let out = dir.join("us-east-1");
    std::fs::create_dir_all(&out).unwrap();
    for e in std::fs::read_dir(sample(&format!("snapshots/{name}")).join("us-east-1")).unwrap() {
        let e = e.unwrap();
        let file = e.file_name().to_string_lossy().to_string();
        let key = file.trim_end_matches(".json");
        if drop.contains(&key) {
            continue;
        }
        let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
        for (k, f) in edit {
            if *k == key {
                f(&mut v);
            }
        }
        std::fs::write(out.join(&file), serde_json::to_string(&v).unwrap()).unwrap();
    }
    dir.to_path_buf()
}

/// `../shared/fixtures`, or `None` with a visible notice when it is absent (a user's fresh
/// clone): tests that need it then skip.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("VPCSCOPE_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/fixtures"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("NOTICE: {} is absent; skipping tests that read the shared fixtures", dir.display());
        None
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as JSON, failing the test with both streams on error.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}):\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
        })
    }
}

/// Runs `vpcscope ARGS` in `cwd` (the project root when `None`).
pub fn vpcscope<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    vpcscope_in(&root(), args, None)
}

/// Runs `vpcscope ARGS` in `cwd`, with `stdin` piped in when given.
pub fn vpcscope_in<I, S>(cwd: &Path, args: I, stdin: Option<&[u8]>) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vpcscope"));
    cmd.args(args).current_dir(cwd);
    let output: Output = match stdin {
        None => cmd.stdin(std::process::Stdio::null()).output().expect("run vpcscope"),
        Some(bytes) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn vpcscope");
            let mut input = child.stdin.take().expect("stdin");
            let data = bytes.to_vec();
            let writer = std::thread::spawn(move || {
                let _ = input.write_all(&data);
            });
            let out = child.wait_with_output().expect("wait vpcscope");
            let _ = writer.join();
            out
        }
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Asserts two strings are equal, printing both in full when they are not.
#[macro_export]
macro_rules! eqnice {
    ($expected:expr, $got:expr) => {{
        let expected = &*$expected;
        let got = &*$got;
        if expected != got {
            panic!("\n--- expected\n{expected}\n--- got\n{got}\n");
        }
    }};
}

//! The `vpcscope` binary: parses the command line (in `cli`), runs one subcommand over the
//! library, and turns the outcome into an exit status. Nothing else lives here.
//!
//! Exit status follows ripgrep's convention: 0 = yes (reachable, no violation), 1 = no
//! (not reachable, violation found), 2 = error.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A closed pipe (`vpcscope ... | head`) is the reader saying it has seen enough,
            // not an error worth reporting; the answer keeps its status (a CI step that pipes
            // a failing report still fails), as in ripgrep.
            if is_broken_pipe(&err) {
                return ExitCode::from(cli::decided_status());
            }
            eprintln!("vpcscope: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(broken_pipe)
}

/// Whether `e` is, or wraps, a write to a closed pipe: an I/O error of that kind, possibly
/// inside a JSON serializer's error inside another I/O error.
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return true;
        }
        if let Some(inner) = io.get_ref() {
            if broken_pipe(inner) {
                return true;
            }
        }
    }
    if let Some(j) = e.downcast_ref::<serde_json::Error>() {
        if j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
            return true;
        }
    }
    e.source().is_some_and(broken_pipe)
}

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
            // not an error worth reporting.
            if is_broken_pipe(&err) {
                return ExitCode::from(0);
            }
            eprintln!("vpcscope: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

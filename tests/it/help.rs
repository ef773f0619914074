//! Every subcommand's `--help` ends with examples, and every example that reads a bundled
//! sample runs as written (it answers; it does not fail on its arguments).

use crate::util::vpcscope;

#[test]
fn help_examples_run_as_written() {
    let mut ran = 0;
    for cmd in ["reach", "audit", "check", "diff", "matrix", "snapshot", "ls", "flows summary", "flows explain"] {
        let help = vpcscope(cmd.split(' ').chain(["--help"]));
        assert_eq!(help.code, 0);
        let examples: Vec<&str> = help.stdout.lines().skip_while(|l| *l != "Examples:").skip(1).map(str::trim).filter(|l| l.starts_with("vpcscope ")).collect();
        assert!(!examples.is_empty(), "`vpcscope {cmd} --help` has no example:\n{}", help.stdout);
        for ex in examples {
            // Examples that read the bundled samples and write nowhere run here.
            if !ex.contains("samples/") || ex.contains("--output") {
                continue;
            }
            let args: Vec<&str> = ex.split_whitespace().skip(1).chain(["--quiet"]).collect();
            let r = vpcscope(&args);
            assert!(r.code == 0 || r.code == 1, "`{ex}` exits {}: {}", r.code, r.stderr);
            assert!(!r.stdout.is_empty(), "`{ex}` prints nothing");
            ran += 1;
        }
    }
    assert!(ran >= 8, "only {ran} examples ran");
}

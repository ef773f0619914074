//! The documentation is checked against the binary: every `$ vpcscope ...` example in
//! README.md and `docs/*.md` whose inputs ship with the project is run, and each output line
//! the example shows must appear in what the binary prints (a line with `...` is compared up
//! to the `...`). Examples that write files (`--output`), read globs or pipes, or name inputs
//! a user supplies (a log group, `logs/*.log.gz`) are listed as skipped, never silently.

use crate::util::{root, vpcscope};

/// One example: where it is, the arguments, and the output lines it shows.
struct Example {
    place: String,
    args: Vec<String>,
    shown: Vec<String>,
}

fn examples(file: &str, text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(cmd) = line.strip_prefix("$ vpcscope ") else { continue };
        let args: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        // Output runs to the end of the block or the next command.
        let shown = lines[i + 1..].iter().take_while(|l| !l.starts_with("```") && !l.starts_with("$ ")).map(|l| l.to_string()).collect();
        out.push(Example { place: format!("{file}:{}", i + 1), args, shown });
    }
    out
}

/// Why an example is not run, if it is not.
fn skipped(e: &Example) -> Option<&'static str> {
    let joined = e.args.join(" ");
    if e.args.iter().any(|a| a.contains('*') || a == "|" || a == "\\") || joined.contains('|') {
        return Some("globs, pipes or continued lines");
    }
    if e.args.iter().any(|a| a == "--output") {
        return Some("writes a file");
    }
    if e.args.iter().any(|a| a.starts_with("--log-group") || a.starts_with("--athena") || a.starts_with("s3://")) {
        return Some("reads AWS");
    }
    let missing = e.args.iter().filter(|a| a.contains('/') && !a.starts_with("--")).any(|a| !root().join(a).exists());
    missing.then_some("names inputs that do not ship with the project")
}

#[test]
fn every_documented_example_prints_what_the_documentation_shows() {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root().join("docs")).expect("docs/ exists").filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "md")).collect();
    docs.sort();
    files.extend(docs);
    let (mut run, mut skips, mut failures) = (0, Vec::new(), Vec::new());
    for f in files {
        let name = f.strip_prefix(root()).unwrap_or(&f).display().to_string();
        let text = std::fs::read_to_string(&f).expect("documentation reads");
        for e in examples(&name, &text) {
            if let Some(why) = skipped(&e) {
                skips.push(format!("{} ({why})", e.place));
                continue;
            }
            run += 1;
            let r = vpcscope(&e.args);
            let got: Vec<&str> = r.stdout.lines().map(str::trim_end).collect();
            for want in e.shown.iter().map(|l| l.trim_end()).filter(|l| !l.trim().is_empty() && l.trim() != "...") {
                let found = match want.find("...") {
                    Some(cut) => {
                        let head = want[..cut].trim_end();
                        got.iter().any(|g| g.starts_with(head))
                    }
                    None => got.contains(&want),
                };
                if !found {
                    failures.push(format!("{}: `vpcscope {}` does not print\n    {want}", e.place, e.args.join(" ")));
                }
            }
        }
    }
    eprintln!("NOTICE: documentation examples: {run} run; skipped: {}", skips.join(", "));
    assert!(run >= 8, "only {run} documented examples could be run");
    assert!(failures.is_empty(), "{} documented output lines differ from the binary:\n{}", failures.len(), failures.join("\n"));
}

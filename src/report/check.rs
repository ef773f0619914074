//! Renders a `check` report.
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"intents": [{"name", "description", "severity": "critical"|"high"|"medium"|"low"|"info",
//!               "kind": "must-reach"|"must-not-reach"|"isolated", "file", "line",
//!               "status": "holds"|"violated"|"undecided", "sources", "destinations", "flows",
//!               "violation_count", "note": null | "...",
//!               "undecided": [same shape as a violation; "reason" names what is missing],
//!               "violations": [{"from": {"id", "name", "address"}, "to": {...},
//!                               "protocol", "ports": [u16], "ranges": null | ["CIDR"],
//!                               "reason", "blocked_by": null | {reach's blocked_by},
//!                               "trace": {"reachable", "forward", "return", "blocked_by", "fix"}}]}],
//!  "held": n, "violated": n, "undecided": n, "warnings": ["..."]}
//! ```
//!
//! `violations` has one entry per violating pair for `must-not-reach`/`isolated` (with an
//! example trace and the ports that get through) and one per failing flow for
//! `must-reach` (with the blocking hop). An intent that no flow violates but some flow's
//! answer is unknown (the path meets something the model does not evaluate) is
//! `undecided`, never `holds`. **JUnit XML**: one test suite, one test case per
//! intent, a `<failure>` per violated intent. **SARIF 2.1.0**: one rule per intent, one
//! result per violation, located at the intent's file and line. **Text**: for a terminal
//! or a CI log.

use super::{path_line, text_safe, xml_escape};
use crate::analysis::check::{CheckReport, IntentResult, Status, Violation};
use crate::intent::Severity;
use serde_json::json;
use std::io::{self, Write};

/// How many violations per intent the text and JUnit outputs list (JSON and SARIF list all).
pub const SHOWN: usize = 20;

/// Writes the report as one JSON document.
pub fn json(out: &mut dyn Write, r: &CheckReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r).map_err(io::Error::other)?;
    writeln!(out)
}

fn violation_line(i: &IntentResult, v: &Violation) -> String {
    let mut s = format!("{} -> {} {}", text_safe(&v.from.display()), text_safe(&v.to.display()), v.protocol.to_string().to_lowercase());
    if !v.ports.is_empty() {
        s.push_str(&format!(" {}", v.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(",")));
    }
    if v.any_address {
        let internet = v.from.id == "internet" || v.to.id == "internet";
        s.push_str(if internet { " from any internet address" } else { " from every address of the range" });
    } else if let Some(r) = &v.ranges {
        if !r.is_empty() {
            let shown: Vec<String> = r.iter().take(4).map(|n| n.to_string()).collect();
            s.push_str(&format!(" from {}{}", shown.join(", "), if r.len() > 4 { ", ..." } else { "" }));
        }
    }
    s.push_str(&format!(": {}", text_safe(&v.reason)));
    let _ = i;
    s
}

fn summary(i: &IntentResult) -> String {
    match (i.status, i.kind) {
        (Status::Holds, _) => format!("holds ({} evaluated)", super::count(i.flows as u64, "flow", "flows")),
        (Status::Violated, crate::intent::IntentKind::MustReach) if i.violation_count == 0 => "violated: nothing to evaluate".to_string(),
        (Status::Violated, crate::intent::IntentKind::MustReach) => format!("violated: {} of {} {} not get through", i.violation_count, super::count(i.flows as u64, "flow", "flows"), if i.violation_count == 1 { "does" } else { "do" }),
        (Status::Violated, _) => format!("violated: {} pair{} can reach", i.violation_count, if i.violation_count == 1 { "" } else { "s" }),
        (Status::Undecided, _) => {
            let n = i.undecided.len();
            format!("undecided: the snapshot cannot decide {n} {}", if n == 1 { "pair" } else { "pairs" })
        }
    }
}

/// Writes the report for a terminal or a CI log.
pub fn text(out: &mut dyn Write, r: &CheckReport) -> io::Result<()> {
    for w in &r.warnings {
        writeln!(out, "warning: {}", text_safe(w))?;
    }
    for i in &r.intents {
        let tag = match i.status {
            Status::Holds => "PASS",
            Status::Violated => "FAIL",
            Status::Undecided => "UNDECIDED",
        };
        writeln!(out, "{tag} {} [{}, {}] {}:{}", text_safe(&i.name), i.kind, i.severity, text_safe(&i.file), i.line)?;
        if !i.description.is_empty() && i.status == Status::Violated {
            writeln!(out, "  {}", text_safe(&i.description))?;
        }
        writeln!(out, "  {}", summary(i))?;
        if let Some(n) = &i.note {
            writeln!(out, "  note: {}", text_safe(n))?;
        }
        for v in i.violations.iter().take(SHOWN) {
            writeln!(out, "  - {}", violation_line(i, v))?;
            writeln!(out, "{}", super::path_lines(&v.trace, "    path: ", "          ", 100))?;
        }
        if i.violations.len() > SHOWN {
            writeln!(out, "  ... and {} more (use --format json for all)", i.violations.len() - SHOWN)?;
        }
        if i.status == Status::Undecided {
            for v in i.undecided.iter().take(SHOWN) {
                writeln!(out, "  ? {}", violation_line(i, v))?;
            }
        }
    }
    let undecided = if r.undecided > 0 { format!(", {} undecided", r.undecided) } else { String::new() };
    writeln!(out, "{}: {} held, {} violated{undecided}", super::count(r.intents.len() as u64, "intent", "intents"), r.held, r.violated)
}

/// Writes JUnit XML: one test case per intent.
pub fn junit(out: &mut dyn Write, r: &CheckReport) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let failures = r.violated + r.undecided;
    writeln!(out, r#"<testsuites name="vpcscope check" tests="{}" failures="{failures}">"#, r.intents.len())?;
    writeln!(out, r#"  <testsuite name="vpcscope check" tests="{}" failures="{failures}" errors="0" skipped="0">"#, r.intents.len())?;
    for i in &r.intents {
        let class = xml_escape(&i.file);
        writeln!(out, r#"    <testcase name="{}" classname="{class}" file="{class}" line="{}">"#, xml_escape(&i.name), i.line)?;
        if i.status == Status::Undecided {
            let body: Vec<String> = i.undecided.iter().take(SHOWN).map(|v| violation_line(i, v)).collect();
            writeln!(out, r#"      <failure message="{}" type="undecided">{}</failure>"#, xml_escape(&format!("{} [{}]: {}", i.name, i.severity, summary(i))), xml_escape(&body.join("\n")))?;
        }
        if i.status == Status::Violated {
            let mut body = String::new();
            if !i.description.is_empty() {
                body.push_str(&i.description);
                body.push('\n');
            }
            if let Some(n) = &i.note {
                body.push_str(&format!("note: {n}\n"));
            }
            for v in i.violations.iter().take(SHOWN) {
                body.push_str(&format!("{}\n  path: {}\n", violation_line(i, v), path_line(&v.trace)));
            }
            if i.violations.len() > SHOWN {
                body.push_str(&format!("... and {} more\n", i.violations.len() - SHOWN));
            }
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                xml_escape(&format!("{} [{}]: {}", i.name, i.severity, summary(i))),
                i.kind,
                xml_escape(&body)
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Writes SARIF 2.1.0: one rule per intent, one result per violation.
pub fn sarif(out: &mut dyn Write, r: &CheckReport) -> io::Result<()> {
    let rules: Vec<_> = r
        .intents
        .iter()
        .map(|i| {
            json!({
                "id": i.name,
                "name": i.name,
                "shortDescription": {"text": if i.description.is_empty() { format!("{} intent", i.kind) } else { i.description.clone() }},
                "defaultConfiguration": {"level": level(i.severity)},
                "properties": {"kind": i.kind, "severity": i.severity},
            })
        })
        .collect();
    let mut results = Vec::new();
    for i in r.intents.iter().filter(|i| i.status != Status::Holds) {
        let location = json!([{"physicalLocation": {"artifactLocation": {"uri": i.file}, "region": {"startLine": i.line}}}]);
        if i.violations.is_empty() {
            results.push(json!({"ruleId": i.name, "level": level(i.severity), "message": {"text": format!("{}: {}", i.name, i.note.clone().unwrap_or_else(|| summary(i)))}, "locations": location}));
        }
        for v in i.violations.iter().chain(&i.undecided) {
            results.push(json!({
                "ruleId": i.name,
                "level": level(i.severity),
                "message": {"text": format!("{}: {}", i.name, violation_line(i, v))},
                "locations": location,
                "properties": {"from": v.from, "to": v.to, "protocol": v.protocol, "ports": v.ports, "path": path_line(&v.trace)},
            }));
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "vpcscope", "informationUri": "https://github.com/vpcscope/vpcscope", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

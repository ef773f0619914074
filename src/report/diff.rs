//! Renders a `diff` report.
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"opened": [{"from": {"id", "name", "address"}, "to": {...}, "protocol", "port": u16 | null,
//!              "ranges": null | ["CIDR"],   // outside ranges that changed, for internet ends
//!              "any_address": bool,         // the change covers every outside address
//!              "cause": null | {change}, "at": null | "hop where the paths diverge"}],
//!  "closed": [same shape],
//!  "changes": [{"id", "kind", "change", "description", "vpc"}],
//!  "flows_evaluated": n, "ports": [["tcp", 443], ...], "warnings": ["..."]}
//! ```
//!
//! **Markdown** is meant to be posted as a pull-request comment: every AWS-derived string
//! is escaped for a table cell. **Text** is for a terminal.

use super::{markdown_escape, text_safe};
use crate::analysis::diff::{Delta, DiffReport};
use std::io::{self, Write};

/// Writes the report as one JSON document.
pub fn json(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r).map_err(io::Error::other)?;
    writeln!(out)
}

fn flow(d: &Delta) -> String {
    let mut s = d.protocol.to_string().to_lowercase();
    if let Some(p) = d.port {
        s.push_str(&format!(" {p}"));
    }
    s
}

fn ranges(d: &Delta) -> Option<String> {
    if d.any_address {
        return Some("any internet address".into());
    }
    d.ranges.as_ref().filter(|r| !r.is_empty()).map(|r| {
        let shown: Vec<String> = r.iter().take(4).map(|n| n.to_string()).collect();
        format!("{}{}", shown.join(", "), if r.len() > 4 { ", ..." } else { "" })
    })
}

fn cause(d: &Delta) -> String {
    match &d.cause {
        Some(c) => format!("{}: {}", c.id, c.description),
        None => "unattributed".into(),
    }
}

/// Writes the report for a terminal.
pub fn text(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    for w in &r.warnings {
        writeln!(out, "warning: {}", text_safe(w))?;
    }
    writeln!(out, "Changes ({}):", r.changes.len())?;
    for c in &r.changes {
        writeln!(out, "  {} [{}] {}", text_safe(&c.id), c.kind, text_safe(&c.description))?;
    }
    for (title, list) in [("Opened", &r.opened), ("Closed", &r.closed)] {
        writeln!(out, "{title} paths ({}):", list.len())?;
        for d in list {
            let mut line = format!("  {} -> {} {}", text_safe(&d.from.display()), text_safe(&d.to.display()), flow(d));
            if let Some(rg) = ranges(d) {
                line.push_str(&format!(" ({} {rg})", if d.from.id == "internet" { "from" } else { "to" }));
            }
            writeln!(out, "{line}")?;
            writeln!(out, "    cause: {}", text_safe(&cause(d)))?;
            if let Some(at) = &d.at {
                writeln!(out, "    at: {}", text_safe(at))?;
            }
        }
    }
    writeln!(out, "{} opened, {} closed ({} flows evaluated)", r.opened.len(), r.closed.len(), r.flows_evaluated)
}

/// Writes a pull-request comment.
pub fn markdown(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    writeln!(out, "### vpcscope: reachability changes\n")?;
    if r.opened.is_empty() && r.closed.is_empty() {
        writeln!(out, "No path is opened or closed by this change ({} flows evaluated).\n", r.flows_evaluated)?;
    } else {
        writeln!(out, "**{} opened**, **{} closed** ({} flows evaluated).\n", r.opened.len(), r.closed.len(), r.flows_evaluated)?;
    }
    for (title, list) in [("Opened paths", &r.opened), ("Closed paths", &r.closed)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "#### {title}\n")?;
        writeln!(out, "| from | to | flow | outside ranges | cause |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for d in list {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                markdown_escape(&d.from.display()),
                markdown_escape(&d.to.display()),
                flow(d),
                ranges(d).map(|s| markdown_escape(&s)).unwrap_or_default(),
                markdown_escape(&cause(d)),
            )?;
        }
        writeln!(out)?;
    }
    if !r.changes.is_empty() {
        writeln!(out, "<details><summary>{} configuration changes</summary>\n", r.changes.len())?;
        writeln!(out, "| component | kind | change |")?;
        writeln!(out, "|---|---|---|")?;
        for c in &r.changes {
            writeln!(out, "| {} | {} | {} |", markdown_escape(&c.id), c.kind, markdown_escape(&c.description))?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    if !r.warnings.is_empty() {
        writeln!(out, "**Warnings**\n")?;
        for w in &r.warnings {
            writeln!(out, "- {}", markdown_escape(w))?;
        }
    }
    Ok(())
}

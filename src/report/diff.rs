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

use super::{count, markdown_escape, text_safe};
use crate::analysis::diff::{Delta, DiffReport};
use std::io::{self, Write};

/// Writes the report as one JSON document.
pub fn json(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r).map_err(io::Error::other)?;
    writeln!(out)
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

/// The paths one change opened or closed, pair by pair, ports collapsed.
struct Group<'r> {
    cause: String,
    pairs: Vec<Pair<'r>>,
}

/// One pair of ends (and outside ranges) with every port a change opened or closed.
struct Pair<'r> {
    from: String,
    to: String,
    ranges: Option<String>,
    outside_is_source: bool,
    flows: Vec<&'r Delta>,
}

impl Pair<'_> {
    /// `tcp 22, 80, 3306`, or the protocols alone when they have no ports.
    fn flows(&self) -> String {
        let mut by_proto: Vec<(String, Vec<String>)> = Vec::new();
        for d in &self.flows {
            let proto = d.protocol.to_string().to_lowercase();
            let port = d.port.map(|p| p.to_string());
            match by_proto.iter_mut().find(|(p, _)| *p == proto) {
                Some((_, ports)) => ports.extend(port),
                None => by_proto.push((proto, port.into_iter().collect())),
            }
        }
        by_proto.into_iter().map(|(p, ports)| if ports.is_empty() { p } else { format!("{p} {}", ports.join(", ")) }).collect::<Vec<_>>().join("; ")
    }

    /// Where the paths diverge, once when every port agrees.
    fn at(&self) -> Vec<String> {
        let mut ats: Vec<String> = Vec::new();
        for d in &self.flows {
            if let Some(a) = &d.at {
                if !ats.contains(a) {
                    ats.push(a.clone());
                }
            }
        }
        ats
    }
}

/// Groups `list` by cause, then by pair, in order of first appearance.
fn groups(list: &[Delta]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for d in list {
        let c = cause(d);
        let g = match out.iter().position(|g| g.cause == c) {
            Some(i) => &mut out[i],
            None => {
                out.push(Group { cause: c, pairs: Vec::new() });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        let (from, to, rg) = (d.from.display(), d.to.display(), ranges(d));
        match g.pairs.iter_mut().find(|p| p.from == from && p.to == to && p.ranges == rg) {
            Some(p) => p.flows.push(d),
            None => g.pairs.push(Pair { from, to, ranges: rg, outside_is_source: d.from.id == "internet", flows: vec![d] }),
        }
    }
    out
}

/// Writes the report for a terminal: paths grouped by the change that caused them, then by
/// pair, ports collapsed.
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
        for g in groups(list) {
            writeln!(out, "  by {}:", text_safe(&g.cause))?;
            for p in &g.pairs {
                let mut line = format!("    {} -> {} {}", text_safe(&p.from), text_safe(&p.to), p.flows());
                if let Some(rg) = &p.ranges {
                    line.push_str(&format!(" ({} {})", if p.outside_is_source { "from" } else { "to" }, text_safe(rg)));
                }
                writeln!(out, "{line}")?;
                for at in p.at() {
                    writeln!(out, "      at: {}", text_safe(&at))?;
                }
            }
        }
    }
    writeln!(
        out,
        "{} opened, {} closed ({} evaluated)",
        count(r.opened.len() as u64, "flow", "flows"),
        count(r.closed.len() as u64, "flow", "flows"),
        count(r.flows_evaluated as u64, "flow", "flows")
    )
}

/// Writes a pull-request comment.
pub fn markdown(out: &mut dyn Write, r: &DiffReport) -> io::Result<()> {
    writeln!(out, "### vpcscope: reachability changes\n")?;
    if r.opened.is_empty() && r.closed.is_empty() {
        writeln!(out, "No path is opened or closed by this change ({} evaluated).\n", count(r.flows_evaluated as u64, "flow", "flows"))?;
    } else {
        writeln!(out, "**{} opened**, **{} closed** ({} evaluated).\n", r.opened.len(), r.closed.len(), count(r.flows_evaluated as u64, "flow", "flows"))?;
    }
    for (title, list) in [("Opened paths", &r.opened), ("Closed paths", &r.closed)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "#### {title}\n")?;
        writeln!(out, "| from | to | flows | outside ranges | cause |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for g in groups(list) {
            for p in &g.pairs {
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    markdown_escape(&p.from),
                    markdown_escape(&p.to),
                    p.flows(),
                    p.ranges.as_deref().map(markdown_escape).unwrap_or_default(),
                    markdown_escape(&g.cause),
                )?;
            }
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

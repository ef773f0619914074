//! Renders a `reach` answer.
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"reachable": bool,
//!  "forward": {"disposition": "accepted"|"denied-in"|"denied-out"|"no-route"|"blackhole"|
//!              "dropped"|"exits-network"|"loop"|"insufficient-info",
//!              "hops": [{"id", "kind", "name", "direction", "action", "rule", "packet", "detail"}]},
//!  "return": {same shape} | null,
//!  "blocked_by": null | {"id", "kind", "direction", "rule", "rule_number", "path", "code", "explanation"},
//!  "fix": null | {"action", "id", "description", "aws_cli"},
//!  "from": {"spec", "interface", "address", "name"}, "to": {...},
//!  "protocol", "port", "source_port",
//!  "internet_ranges": null | ["CIDR", ...], "internet_any": null | bool, "internet_sample": null | "IP"}
//! ```
//!
//! **Text**: a trace a person can paste into an incident channel.

use super::text_safe;
use crate::analysis::reach::{Answer, EndpointInfo};
use crate::eval::{Hop, Leg, PathKind};
use std::io::{self, Write};

/// Writes the answer as one JSON document.
pub fn json(out: &mut dyn Write, a: &Answer) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, a).map_err(io::Error::other)?;
    writeln!(out)
}

fn endpoint(e: &EndpointInfo) -> String {
    let mut s = text_safe(&e.spec);
    let mut inner: Vec<String> = Vec::new();
    if let Some(name) = &e.name {
        if name != &e.spec {
            inner.push(text_safe(name));
        }
    }
    if let Some(i) = &e.interface {
        if i != &e.spec {
            inner.push(i.clone());
        }
    }
    if let Some(a) = &e.address {
        if a.to_string() != e.spec {
            inner.push(a.to_string());
        }
    }
    if !inner.is_empty() {
        s.push_str(&format!(" ({})", inner.join(", ")));
    }
    s
}

fn hop_line(n: usize, h: &Hop) -> String {
    let mut s = format!("  {n:>2}. {}", h.id);
    if let Some(name) = &h.name {
        s.push_str(&format!(" ({})", text_safe(name)));
    }
    s.push_str(&format!(" [{}]", h.kind));
    if let Some(d) = h.direction {
        s.push_str(&format!(" {d}"));
    }
    s.push_str(&format!(" {:?}", h.action).to_uppercase());
    if let Some(r) = &h.rule {
        s.push_str(&format!(": {r}"));
    }
    s.push_str(&format!("\n        {}", text_safe(&h.detail)));
    s
}

fn leg(out: &mut dyn Write, title: &str, l: &Leg) -> io::Result<()> {
    let packet = l.hops.first().map(|h| h.packet.as_str()).unwrap_or("");
    writeln!(out, "{title} ({packet}): {}", l.disposition)?;
    for (i, h) in l.hops.iter().enumerate() {
        writeln!(out, "{}", hop_line(i + 1, h))?;
    }
    Ok(())
}

/// Writes the answer as a readable trace.
pub fn text(out: &mut dyn Write, a: &Answer) -> io::Result<()> {
    let proto = a.protocol.to_string().to_lowercase();
    let port = a.port.map(|p| format!("/{p}")).unwrap_or_default();
    writeln!(out, "{} -> {}  {proto}{port}", endpoint(&a.from), endpoint(&a.to))?;
    let verdict = if a.trace.reachable { "REACHABLE" } else { "NOT REACHABLE" };
    match &a.trace.blocked_by {
        Some(b) => {
            let path = if b.path == PathKind::Return { "the reply" } else { "the request" };
            writeln!(out, "Result: {verdict}: {path} is stopped by {} ({})", b.id, b.code)?;
        }
        None => writeln!(out, "Result: {verdict}")?,
    }
    if let Some(ranges) = &a.internet_ranges {
        let sample = a.internet_sample.map(|s| s.to_string()).unwrap_or_default();
        if a.internet_any == Some(true) {
            writeln!(out, "Internet: every public address gets through (trace shown for {sample})")?;
        } else if ranges.is_empty() {
            writeln!(out, "Internet: no outside address gets through (trace shown for {sample})")?;
        } else {
            let shown: Vec<String> = ranges.iter().take(12).map(|r| r.to_string()).collect();
            let more = if ranges.len() > 12 { format!(" and {} more", ranges.len() - 12) } else { String::new() };
            writeln!(out, "Internet: these outside ranges get through: {}{more} (trace shown for {sample})", shown.join(", "))?;
        }
    }
    writeln!(out)?;
    leg(out, "Forward path", &a.trace.forward)?;
    if let Some(r) = &a.trace.ret {
        writeln!(out)?;
        leg(out, "Return path", r)?;
    }
    if let Some(b) = &a.trace.blocked_by {
        writeln!(out)?;
        let mut what = format!("{} [{}]", b.id, b.kind);
        if let Some(d) = b.direction {
            what.push_str(&format!(" {d}"));
        }
        if let Some(r) = &b.rule {
            what.push_str(&format!(", rule {r}"));
        }
        let path = if b.path == PathKind::Return { "return" } else { "forward" };
        writeln!(out, "Blocked by: {what} on the {path} path [{}]", b.code)?;
        writeln!(out, "  {}", text_safe(&b.explanation))?;
    }
    if let Some(f) = &a.trace.fix {
        writeln!(out, "Fix: {}", text_safe(&f.description))?;
        if let Some(cli) = &f.aws_cli {
            writeln!(out, "  {cli}")?;
        }
    }
    Ok(())
}

//! Renders a `reach` answer.
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"reachable": bool,
//!  "verdict": "reachable"|"not-reachable"|"unknown",
//!  "forward": {"disposition": "accepted"|"denied-in"|"denied-out"|"no-route"|"blackhole"|
//!              "dropped"|"exits-network"|"loop"|"insufficient-info",
//!              "hops": [{"id", "kind", "name", "direction", "action", "rule", "packet", "detail"}]},
//!  "return": {same shape} | null,
//!  "blocked_by": null | {"id", "kind", "direction", "rule", "rule_number", "path", "code", "explanation"},
//!  "fix": null | {"action", "id", "description", "aws_cli"},
//!  "from": {"spec", "interface", "address", "name"}, "to": {...},
//!  "protocol", "port", "source_port",
//!  "internet_ranges": null | ["CIDR", ...], "internet_any": null | bool,
//!  "internet_any_ipv4": null | bool, "internet_any_ipv6": null | bool, "internet_sample": null | "IP",
//!  "internet_refused_ranges": null | ["CIDR", ...],
//!  "onprem_ranges": null | ["CIDR", ...], "onprem_sample": null | "IP",
//!  "unknown_ranges": null | ["CIDR", ...]}
//! ```
//!
//! `reachable` is true only for `"verdict": "reachable"`; with `"unknown"`, `blocked_by` names
//! what the model cannot evaluate (disposition `insufficient-info`) and `explanation` says what
//! would decide it.
//!
//! ```text
//! ```
//!
//! **Text**: a trace a person can paste into an incident channel.

use super::{text_safe, words};
use crate::analysis::reach::{Answer, EndpointInfo};
use crate::eval::{Hop, Leg, PathKind, Verdict};
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
    if let Some(r) = words::hop_rule(h) {
        s.push_str(&format!(": {r}"));
    }
    s.push_str(&format!("\n        {}", text_safe(&words::hop_detail(h))));
    s
}

fn leg(out: &mut dyn Write, title: &str, l: &Leg) -> io::Result<()> {
    let packet = l.hops.first().map(|h| h.packet.to_string()).unwrap_or_default();
    writeln!(out, "{title} ({packet}): {}", l.disposition)?;
    for (i, h) in l.hops.iter().enumerate() {
        writeln!(out, "{}", hop_line(i + 1, h))?;
    }
    Ok(())
}

fn list(ranges: &[ipnet::IpNet]) -> String {
    let shown: Vec<String> = ranges.iter().take(12).map(|r| r.to_string()).collect();
    let more = if ranges.len() > 12 { format!(" and {} more", ranges.len() - 12) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}

/// The load balancer's listener and the answer for each target behind it.
fn balancer(out: &mut dyn Write, b: &crate::eval::Balanced) -> io::Result<()> {
    let scheme = if b.internet_facing { "internet-facing" } else { "internal" };
    let listener = b.listener.as_ref().map(|l| format!("listener {}:{}", l.protocol, l.port)).unwrap_or_else(|| "no listener".into());
    writeln!(out, "Load balancer: {} ({}, {scheme}), {listener}, node {} in {}", text_safe(&b.name), b.kind.label(), b.node, b.zone)?;
    let reachable = b.targets.iter().filter(|t| t.verdict == Verdict::Reachable).count();
    if b.targets.len() > 1 {
        writeln!(out, "  {reachable} of {} targets get through:", b.targets.len())?;
    }
    for t in &b.targets {
        let addr = match (t.address, t.port) {
            (Some(a), Some(p)) => format!(" {a}:{p}"),
            (Some(a), None) => format!(" {a}"),
            _ => String::new(),
        };
        let why = t.blocked_by.as_ref().map(|x| format!(", stopped by {} ({})", x.id, x.code)).unwrap_or_default();
        let health = match t.health_check {
            Some(v) if v == Verdict::Reachable => ", health checks get through".to_string(),
            Some(v) => format!(", health checks {}", v.label().to_lowercase()),
            None => String::new(),
        };
        let client = if t.client_ip_preserved { ", sees the client's address" } else { "" };
        let traced = if t.traced { "  [traced below]" } else { "" };
        writeln!(out, "  - {}{addr} ({}): {}{why}{client}{health}{traced}", t.target, t.health, t.verdict.label())?;
    }
    Ok(())
}

/// Writes the answer as a readable trace.
pub fn text(out: &mut dyn Write, a: &Answer) -> io::Result<()> {
    let proto = a.protocol.to_string().to_lowercase();
    let port = a.port.map(|p| format!("/{p}")).unwrap_or_default();
    writeln!(out, "{} -> {}  {proto}{port}", endpoint(&a.from), endpoint(&a.to))?;
    let verdict = a.trace.verdict.label();
    match &a.trace.blocked_by {
        Some(b) if a.trace.verdict == Verdict::Unknown => {
            let path = if b.path == PathKind::Return { "the reply" } else { "the request" };
            writeln!(out, "Result: {verdict}: {path} meets {}, which the snapshot cannot decide ({})", b.id, b.code)?;
        }
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
        } else if a.internet_any_ipv6 == Some(true) || a.internet_any_ipv4 == Some(true) {
            let (all, other) = if a.internet_any_ipv6 == Some(true) { ("IPv6", "IPv4") } else { ("IPv4", "IPv6") };
            let rest: Vec<String> = ranges.iter().filter(|r| (all == "IPv6") != r.addr().is_ipv6()).take(12).map(|r| r.to_string()).collect();
            let rest = if rest.is_empty() { format!("no {other} address") } else { format!("{other}: {}", rest.join(", ")) };
            writeln!(out, "Internet: every public {all} address gets through; {rest} (trace shown for {sample})")?;
        } else if let Some(except) = a.internet_refused_ranges.as_ref().filter(|r| !r.is_empty() && r.len() <= 3 && a.unknown_ranges.as_ref().is_none_or(|u| u.is_empty())) {
            // Most of the internet gets through: name the few ranges that do not.
            let except: Vec<String> = except.iter().map(|r| r.to_string()).collect();
            writeln!(out, "Internet: every public address gets through except {} (trace shown for {sample})", except.join(", "))?;
        } else if ranges.is_empty() {
            writeln!(out, "Internet: no outside address gets through (trace shown for {sample})")?;
        } else {
            let shown: Vec<String> = ranges.iter().take(12).map(|r| r.to_string()).collect();
            let more = if ranges.len() > 12 { format!(" and {} more", ranges.len() - 12) } else { String::new() };
            writeln!(out, "Internet: these outside ranges get through: {}{more} (trace shown for {sample})", shown.join(", "))?;
        }
    }
    if let Some(ranges) = &a.onprem_ranges {
        let sample = a.onprem_sample.map(|s| s.to_string()).unwrap_or_default();
        if ranges.is_empty() {
            writeln!(out, "On premises: no on-premises address gets through (trace shown for {sample})")?;
        } else {
            writeln!(out, "On premises: these ranges get through: {} (trace shown for {sample})", list(ranges))?;
        }
    }
    if let Some(ranges) = a.unknown_ranges.as_ref().filter(|r| !r.is_empty()) {
        writeln!(out, "Undecided: the snapshot cannot tell for {}", list(ranges))?;
    }
    if let Some(b) = &a.trace.balancer {
        balancer(out, b)?;
    }
    if let Some(nodes) = a.load_balancer_nodes.as_ref().filter(|n| n.len() > 1) {
        let ok = nodes.iter().filter(|n| n.verdict == Verdict::Reachable).count();
        let each: Vec<String> = nodes
            .iter()
            .map(|n| {
                let why = n.blocked_by.as_ref().map(|b| format!(" ({} {})", b.id, b.code)).unwrap_or_default();
                format!("{} in {}: {}{why}", n.node, n.zone, n.verdict.label())
            })
            .collect();
        let note = if ok > 0 && ok < nodes.len() { "; clients that resolve the name to the others fail" } else { "" };
        writeln!(out, "  through {ok} of {} nodes{note}: {}", nodes.len(), each.join("; "))?;
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
        let head = if a.trace.verdict == Verdict::Unknown { "Undecided at" } else { "Blocked by" };
        writeln!(out, "{head}: {what} on the {path} path [{}]", b.code)?;
        writeln!(out, "  {}", text_safe(&words::explanation(b)))?;
    }
    if let Some(f) = a.trace.fix.as_ref().map(words::fix) {
        writeln!(out, "Fix: {}", text_safe(&f.description))?;
        if let Some(cli) = &f.aws_cli {
            writeln!(out, "  {cli}")?;
        }
    }
    Ok(())
}

//! Renderers of `vpcscope paths`: text, the JSON contract (README, "paths"), Markdown, and
//! Graphviz DOT of the reported paths. Names come from AWS tags: escaped for each format.

use super::{dot_escape, markdown_escape, text_safe};
use crate::analysis::paths::{Paths, PathHop, TargetPaths};
use std::collections::BTreeSet;
use std::io::{self, Write};

fn node_label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    }
}

fn target_title(t: &TargetPaths) -> String {
    let port = t.port.map(|p| format!(" port {p}")).unwrap_or_else(|| " (any pivot port)".into());
    format!("{} [class c{}]{port}", t.target.resource.label(), t.target.class)
}

fn hop_line(h: &PathHop) -> String {
    format!(
        "{} -> {}  {} (reach {})",
        node_label(&h.from, h.from_name.as_deref()),
        node_label(&h.to, h.to_name.as_deref()),
        h.ports,
        h.reach
    )
}

/// Text: per target with a path, the shortest paths hop by hop with their rules, and the cut.
pub fn text(out: &mut dyn Write, p: &Paths) -> io::Result<()> {
    let with: Vec<&TargetPaths> = p.targets.iter().filter(|t| t.shortest_hops.is_some()).collect();
    writeln!(
        out,
        "from {}: {} of {} targets reachable in at most {} hops (graph: {} nodes, {} edges, {} edges into targets; {} classes)",
        text_safe(&p.source),
        with.len(),
        p.targets.len(),
        p.graph.max_hops,
        p.graph.nodes,
        p.graph.edges,
        p.graph.final_edges,
        p.graph.classes
    )?;
    for t in &with {
        writeln!(out)?;
        let total = if t.paths_total_capped { format!("at least {}", t.paths_total) } else { t.paths_total.to_string() };
        writeln!(out, "{}: shortest {} hops, {total} paths", text_safe(&target_title(t)), t.shortest_hops.unwrap_or(0))?;
        for (i, path) in t.paths.iter().enumerate() {
            writeln!(out, "  path {}:", i + 1)?;
            for h in &path.hops {
                writeln!(out, "    {}{}", text_safe(&hop_line(h)), if h.confirmed { "" } else { "  [NOT CONFIRMED by reach]" })?;
                for r in &h.rules {
                    writeln!(out, "        {}", text_safe(r))?;
                }
            }
        }
        if !t.cut_missing_groups.is_empty() {
            writeln!(out, "  cut incomplete: {} not in the snapshot (rules it may hold cannot be named)", text_safe(&t.cut_missing_groups.join(", ")))?;
        }
        if t.cut.is_empty() {
            writeln!(out, "  cut: none found (an edge no security-group rule closes)")?;
        } else {
            writeln!(out, "  cut{} ({}, {}):", if t.cut_minimal { "" } else { " (not minimal: every rule into the target)" }, super::count(t.cut.len() as u64, "rule", "rules"), super::count(t.cut_edges_total as u64, "edge", "edges"))?;
            for c in &t.cut {
                let more = if c.edges_total > c.edges.len() { format!(" and {} more", c.edges_total - c.edges.len()) } else { String::new() };
                writeln!(out, "    revoke {} {} (closes {}{more})", c.id, text_safe(&c.rule), text_safe(&c.edges.join(", ")))?;
                if let Some(cmd) = &c.fix.aws_cli {
                    writeln!(out, "      {}", text_safe(cmd))?;
                }
            }
        }
    }
    let without = p.targets.len() - with.len();
    if without > 0 {
        writeln!(out)?;
        writeln!(out, "no path in at most {} hops to {}:", p.graph.max_hops, super::count(without as u64, "target", "targets"))?;
        for t in p.targets.iter().filter(|t| t.shortest_hops.is_none()) {
            writeln!(out, "  {}", text_safe(&target_title(t)))?;
        }
    }
    for u in &p.undecided_entries {
        writeln!(out, "undecided: {} -> {} on {} from {} (not an edge)", text_safe(&p.source), u.to, u.ports, u.ranges.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "))?;
    }
    for n in &p.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}

/// The JSON contract.
pub fn json(out: &mut dyn Write, p: &Paths) -> io::Result<()> {
    serde_json::to_writer(&mut *out, p)?;
    writeln!(out)
}

/// Markdown: a section per target with a path, a table of hops per path, the cut.
pub fn markdown(out: &mut dyn Write, p: &Paths) -> io::Result<()> {
    writeln!(out, "# Attack paths from {}", markdown_escape(&p.source))?;
    writeln!(out)?;
    let with = p.targets.iter().filter(|t| t.shortest_hops.is_some()).count();
    writeln!(out, "{with} of {} targets reachable in at most {} hops.", p.targets.len(), p.graph.max_hops)?;
    for t in p.targets.iter().filter(|t| t.shortest_hops.is_some()) {
        writeln!(out)?;
        writeln!(out, "## {}", markdown_escape(&target_title(t)))?;
        writeln!(out)?;
        writeln!(out, "Shortest: {} hops; paths: {}{}.", t.shortest_hops.unwrap_or(0), t.paths_total, if t.paths_total_capped { " or more" } else { "" })?;
        for (i, path) in t.paths.iter().enumerate() {
            writeln!(out)?;
            writeln!(out, "Path {}:", i + 1)?;
            writeln!(out)?;
            writeln!(out, "| from | to | ports | rules |")?;
            writeln!(out, "|---|---|---|---|")?;
            for h in &path.hops {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    markdown_escape(&node_label(&h.from, h.from_name.as_deref())),
                    markdown_escape(&node_label(&h.to, h.to_name.as_deref())),
                    markdown_escape(&h.ports),
                    h.rules.iter().map(|r| markdown_escape(r)).collect::<Vec<_>>().join("<br>")
                )?;
            }
        }
        writeln!(out)?;
        writeln!(out, "Cut{}:", if t.cut_minimal { "" } else { " (not minimal)" })?;
        writeln!(out)?;
        if !t.cut_missing_groups.is_empty() {
            writeln!(out, "* incomplete: {} not in the snapshot (rules it may hold cannot be named)", markdown_escape(&t.cut_missing_groups.join(", ")))?;
        }
        for c in &t.cut {
            writeln!(out, "* revoke `{}` {} (closes {})", c.id, markdown_escape(&c.rule), markdown_escape(&c.edges.join(", ")))?;
            if let Some(cmd) = &c.fix.aws_cli {
                writeln!(out, "  `{}`", cmd.replace('`', "'"))?;
            }
        }
    }
    Ok(())
}

/// Graphviz DOT of every reported path: nodes are the outside and interfaces (classes),
/// edges are hops labelled with their ports; cut edges are drawn red and dashed.
pub fn dot(out: &mut dyn Write, p: &Paths) -> io::Result<()> {
    writeln!(out, "digraph paths {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box];")?;
    let mut nodes: BTreeSet<(String, String)> = BTreeSet::new();
    let mut edges: BTreeSet<(String, String, String, bool)> = BTreeSet::new();
    for t in &p.targets {
        let cut: BTreeSet<&str> = t.cut_edges.iter().map(String::as_str).collect();
        for path in &t.paths {
            for h in &path.hops {
                nodes.insert((h.from.clone(), node_label(&h.from, h.from_name.as_deref())));
                nodes.insert((h.to.clone(), node_label(&h.to, h.to_name.as_deref())));
                let key = format!("{} -> {}", h.from, h.to);
                edges.insert((h.from.clone(), h.to.clone(), h.ports.clone(), cut.contains(key.as_str())));
            }
        }
    }
    for (id, label) in &nodes {
        writeln!(out, "  \"{}\" [label=\"{}\"];", dot_escape(id), dot_escape(label))?;
    }
    for (a, b, ports, cut) in &edges {
        let style = if *cut { ", color=red, style=dashed" } else { "" };
        writeln!(out, "  \"{}\" -> \"{}\" [label=\"{}\"{style}];", dot_escape(a), dot_escape(b), dot_escape(ports))?;
    }
    writeln!(out, "}}")
}

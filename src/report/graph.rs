//! Renderers of `vpcscope graph`: Graphviz DOT, Mermaid, JSON and GraphML of the network's
//! structure ([`Structure`]). Names come from AWS tags: escaped for each format.

use super::{dot_escape, mermaid_escape, xml_escape};
use crate::topology::graph::{GNode, Structure};
use std::io::{self, Write};

fn label(n: &GNode) -> String {
    let mut l = match &n.name {
        Some(name) if name != &n.id => format!("{name}\n{}", n.id),
        _ => n.id.clone(),
    };
    if let Some(k) = n.interfaces {
        l.push_str(&format!("\n{k} interface{}", if k == 1 { "" } else { "s" }));
    }
    l
}

fn shape(kind: &str) -> &'static str {
    match kind {
        "vpc" => "box3d",
        "subnet" => "box",
        "route-table" | "transit-gateway-route-table" => "note",
        "internet" => "doublecircle",
        "interfaces" => "component",
        _ => "ellipse",
    }
}

/// Graphviz DOT (`dot -Tsvg`).
pub fn dot(out: &mut dyn Write, s: &Structure) -> io::Result<()> {
    writeln!(out, "digraph network {{")?;
    writeln!(out, "  rankdir=LR;")?;
    let nodes = s.nodes();
    for (i, n) in nodes.iter().enumerate() {
        // Labels are escaped DOT strings; a line break is DOT's `\n` escape, added here.
        let l = label(n).split('\n').map(dot_escape).collect::<Vec<_>>().join("\\n");
        writeln!(out, "  n{i} [label=\"{l}\", shape={}, tooltip=\"{}\"];", shape(&n.kind), dot_escape(&n.kind))?;
    }
    for (a, b, e) in s.edges() {
        let style = match e.kind.as_str() {
            "contains" => ", style=dotted, arrowhead=none",
            "reach" => ", color=red",
            _ => "",
        };
        let l = e.label.as_deref().map(|l| format!("{}: {}", e.kind, l)).unwrap_or_else(|| e.kind.clone());
        writeln!(out, "  n{a} -> n{b} [label=\"{}\"{style}];", dot_escape(&l))?;
    }
    writeln!(out, "}}")
}

/// Mermaid `flowchart LR`.
pub fn mermaid(out: &mut dyn Write, s: &Structure) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    for (i, n) in s.nodes().iter().enumerate() {
        let l = label(n).split('\n').map(mermaid_escape).collect::<Vec<_>>().join("<br/>");
        writeln!(out, "  n{i}[\"{l}\"]")?;
    }
    for (a, b, e) in s.edges() {
        let l = e.label.as_deref().map(|l| format!("{}: {}", e.kind, l)).unwrap_or_else(|| e.kind.clone());
        let arrow = if e.kind == "contains" { "-.-" } else { "-->" };
        writeln!(out, "  n{a} {arrow}|\"{}\"| n{b}", mermaid_escape(&l))?;
    }
    Ok(())
}

/// JSON: `{"nodes": [{"id", "kind", "name", "vpc", "interfaces"}], "edges": [{"from", "to",
/// "kind", "label"}]}`, edges naming nodes by index.
pub fn json(out: &mut dyn Write, s: &Structure) -> io::Result<()> {
    let edges: Vec<serde_json::Value> =
        s.edges().iter().map(|(a, b, e)| serde_json::json!({"from": a, "to": b, "kind": e.kind, "label": e.label})).collect();
    serde_json::to_writer(&mut *out, &serde_json::json!({"nodes": s.nodes(), "edges": edges}))?;
    writeln!(out)
}

/// GraphML (yEd, Gephi, NetworkX).
pub fn graphml(out: &mut dyn Write, s: &Structure) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns">"#)?;
    for (k, f) in [("id", "node"), ("kind", "node"), ("name", "node"), ("vpc", "node"), ("interfaces", "node"), ("ekind", "edge"), ("label", "edge")] {
        writeln!(out, r#"  <key id="{k}" for="{f}" attr.name="{}" attr.type="string"/>"#, if k == "ekind" { "kind" } else { k })?;
    }
    writeln!(out, r#"  <graph id="network" edgedefault="directed">"#)?;
    for (i, n) in s.nodes().iter().enumerate() {
        write!(out, r#"    <node id="n{i}"><data key="id">{}</data><data key="kind">{}</data>"#, xml_escape(&n.id), xml_escape(&n.kind))?;
        if let Some(name) = &n.name {
            write!(out, r#"<data key="name">{}</data>"#, xml_escape(name))?;
        }
        if let Some(v) = &n.vpc {
            write!(out, r#"<data key="vpc">{}</data>"#, xml_escape(v))?;
        }
        if let Some(k) = n.interfaces {
            write!(out, r#"<data key="interfaces">{k}</data>"#)?;
        }
        writeln!(out, "</node>")?;
    }
    for (j, (a, b, e)) in s.edges().iter().enumerate() {
        write!(out, r#"    <edge id="e{j}" source="n{a}" target="n{b}"><data key="ekind">{}</data>"#, xml_escape(&e.kind))?;
        if let Some(l) = &e.label {
            write!(out, r#"<data key="label">{}</data>"#, xml_escape(l))?;
        }
        writeln!(out, "</edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

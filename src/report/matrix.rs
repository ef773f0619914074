//! Renderers for `matrix`: text grouped by class (readable for big networks: one line per
//! destination class and port set, sources as class-id runs), JSON (the contract in
//! `docs/matrix.md`) and CSV (one line per run of source classes).
//!
//! JSON contract (stable):
//!
//! ```text
//! {"classes": [{"id": 0, "interfaces": ["eni-..."], "names": ["Name" | null], "subnet": "subnet-...", "vpc": "vpc-...",
//!               "security_groups": ["sg-..."], "public": false, "source": true, "destination": true}],
//!  "reachable": [{"to_class": 3, "protocol": "tcp", "ports": "22,443,8000-8100",
//!                 "from_classes": [[0, 12], [15, 15]]}],
//!  "stats": {...}}
//! ```
//!
//! `from_classes` lists inclusive runs of class ids; ICMP rows have `"ports": "-"`.

use crate::analysis::matrix::{format_ports, Matrix};
use crate::report::text_safe;
use crate::topology::Topology;
use serde::Serialize;
use std::io::{self, Write};

fn runs(r: &[(u32, u32)]) -> String {
    r.iter().map(|&(a, b)| if a == b { format!("c{a}") } else { format!("c{a}-c{b}") }).collect::<Vec<_>>().join(",")
}

fn proto(p: crate::model::Protocol) -> String {
    p.to_string().to_lowercase()
}

/// The text report: a summary, the classes, then `to <- protocol ports: sources` lines.
pub fn text(out: &mut dyn Write, topo: &Topology<'_>, mx: &Matrix) -> io::Result<()> {
    let m = topo.model;
    let s = &mx.stats;
    writeln!(
        out,
        "{} in {} ({} skipped); {} and {} reachable",
        super::count(s.interfaces as u64, "interface", "interfaces"),
        super::count(s.classes as u64, "class", "classes"),
        s.skipped_interfaces,
        super::count(s.reachable_class_pairs, "class pair", "class pairs"),
        super::count(s.reachable_interface_pairs, "interface pair", "interface pairs")
    )?;
    writeln!(out, "\nclasses:")?;
    for (i, c) in mx.classes.iter().enumerate() {
        let sub = &m.subnets[c.subnet];
        let name = sub.tags.name().map(|n| format!(" ({})", text_safe(n))).unwrap_or_default();
        let sgs = if c.security_groups.is_empty() { "no security groups".to_string() } else { c.security_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",") };
        let shown: Vec<String> = c.members.iter().take(3).map(|&e| member(topo, e)).collect();
        let more = if c.members.len() > 3 { format!(" +{} more", c.members.len() - 3) } else { String::new() };
        writeln!(out, "  c{i}  {}{name}  {}  {sgs}{}  {}{more}", sub.id, c.vpc, if c.public { "  public" } else { "" }, text_safe(&shown.join(" ")))?;
    }
    writeln!(out, "\nreachable (destination <- protocol ports: source classes):")?;
    for r in mx.rows() {
        writeln!(out, "  c{} <- {} {}: {}", r.to_class, proto(r.entry.protocol), format_ports(r.entry.protocol, &r.entry.ports), runs(&r.entry.from))?;
    }
    Ok(())
}

/// An interface as the matrix lists it: its id and, when it has one, its name.
fn member(topo: &Topology<'_>, ix: usize) -> String {
    let id = topo.model.enis[ix].id.as_str();
    match topo.name_of(id).filter(|n| !n.is_empty()) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

#[derive(Serialize)]
struct ClassOut<'a> {
    id: usize,
    interfaces: Vec<&'a str>,
    /// The Name tag (or RDS identifier) of each interface, aligned with `interfaces`.
    names: Vec<Option<&'a str>>,
    subnet: &'a str,
    vpc: &'a str,
    /// The accounts owning the interfaces, aligned with `interfaces` (null when unknown).
    accounts: Vec<Option<&'a str>>,
    security_groups: Vec<&'a str>,
    public: bool,
    source: bool,
    destination: bool,
}

#[derive(Serialize)]
struct RowOut<'a> {
    to_class: u32,
    protocol: String,
    ports: String,
    from_classes: &'a [(u32, u32)],
}

/// The JSON report (see the module docs for the contract), streamed.
pub fn json(out: &mut dyn Write, topo: &Topology<'_>, mx: &Matrix) -> io::Result<()> {
    let m = topo.model;
    out.write_all(b"{\"classes\":[")?;
    for (i, c) in mx.classes.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let row = ClassOut {
            id: i,
            interfaces: c.members.iter().map(|&e| m.enis[e].id.as_str()).collect(),
            names: c.members.iter().map(|&e| topo.name_of(m.enis[e].id.as_str()).filter(|n| !n.is_empty())).collect(),
            subnet: m.subnets[c.subnet].id.as_str(),
            vpc: c.vpc.as_str(),
            accounts: c.members.iter().map(|&e| topo.eni_account(e)).collect(),
            security_groups: c.security_groups.iter().map(|g| g.as_str()).collect(),
            public: c.public,
            source: c.is_source,
            destination: c.is_destination,
        };
        serde_json::to_writer(&mut *out, &row)?;
    }
    out.write_all(b"],\"reachable\":[")?;
    for (i, r) in mx.rows().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let row = RowOut { to_class: r.to_class, protocol: proto(r.entry.protocol), ports: format_ports(r.entry.protocol, &r.entry.ports), from_classes: &r.entry.from };
        serde_json::to_writer(&mut *out, &row)?;
    }
    out.write_all(b"],\"stats\":")?;
    serde_json::to_writer(&mut *out, &mx.stats)?;
    out.write_all(b"}\n")
}

/// CSV: `to_class,protocol,ports,from_class_first,from_class_last,to_interfaces,from_interfaces`,
/// one line per run of source classes; the last two columns list the member interfaces (id
/// and name) so that the file reads without the class table.
pub fn csv(out: &mut dyn Write, topo: &Topology<'_>, mx: &Matrix) -> io::Result<()> {
    writeln!(out, "to_class,protocol,ports,from_class_first,from_class_last,to_interfaces,from_interfaces")?;
    let members = |classes: std::ops::RangeInclusive<u32>| -> String {
        let all: Vec<String> = classes.flat_map(|c| mx.classes.get(c as usize).map(|k| k.members.clone()).unwrap_or_default()).map(|e| member(topo, e)).collect();
        csv_field(&all.join("; "))
    };
    for r in mx.rows() {
        let ports = format_ports(r.entry.protocol, &r.entry.ports);
        let to = members(r.to_class..=r.to_class);
        for &(a, b) in &r.entry.from {
            writeln!(out, "{},{},\"{}\",{a},{b},{to},{}", r.to_class, proto(r.entry.protocol), ports, members(a..=b))?;
        }
    }
    Ok(())
}

/// A CSV field: quoted, inner quotes doubled, and a leading formula character neutralised
/// (names are AWS tags anyone with console access can write).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

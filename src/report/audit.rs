//! Renderers of an [`Audit`]: text for a terminal, JSON (the contract in `docs/audit.md`),
//! Markdown for a pull request or wiki, one self-contained HTML file (inline CSS and an
//! inline SVG diagram of the network, no scripts, no network fetches), and SARIF 2.1.0 for
//! code-scanning tools.
//!
//! Every string that can carry AWS data (names, tags, descriptions, and the titles and
//! explanations built from them) goes through the escaping helper of its format:
//! [`text_safe`], [`html_escape`] or [`markdown_escape`]. JSON and SARIF are escaped by the
//! serializer.

use super::{count, html_escape, markdown_escape, text_safe, words};
use crate::analysis::audit::{Audit, Finding, FindingKind, Severity};
use crate::eval::{Hop, Leg};
use crate::topology::graph::{GEdge, Level, Structure};
use crate::topology::Topology;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// `3 findings in 1 VPC, 4 subnets, 9 interfaces`.
fn inventory_words(s: &crate::analysis::audit::Summary) -> String {
    format!(
        "{} in {}, {}, {}",
        count(s.total as u64, "finding", "findings"),
        count(s.vpcs as u64, "VPC", "VPCs"),
        count(s.subnets as u64, "subnet", "subnets"),
        count(s.interfaces as u64, "interface", "interfaces")
    )
}

/// Text for a terminal.
pub fn text(out: &mut dyn Write, a: &Audit) -> io::Result<()> {
    let s = &a.summary;
    writeln!(out, "vpcscope audit: {}", inventory_words(s))?;
    let counts: Vec<String> = Severity::ALL.iter().map(|v| format!("{} {v}", s.by_severity.get(v).copied().unwrap_or(0))).collect();
    writeln!(out, "  {}", counts.join(", "))?;
    if let Some(n) = s.flow_records {
        let convs = s.flow_conversations.map(|c| format!(" in {}", count(c as u64, "conversation", "conversations"))).unwrap_or_default();
        writeln!(out, "  flow-log records used: {n}{convs}")?;
    }
    if let Some(f) = &s.flow_filter {
        writeln!(out, "  flow-log filter: {} ({} outside it)", crate::flowlog::render::filter_words(f), count(s.flow_records_filtered_out.unwrap_or(0), "record", "records"))?;
    }
    if let Some(why) = &s.lateral_skipped {
        writeln!(out, "  note: {why}")?;
    }
    for f in &a.findings {
        writeln!(out)?;
        writeln!(out, "[{}] {}: {}", f.severity.as_str().to_uppercase(), f.kind, text_safe(&f.title))?;
        writeln!(out, "  resource: {} [{}]", text_safe(&f.resource.label()), f.resource.kind)?;
        if !f.sources.is_empty() {
            writeln!(out, "  sources:  {}", text_safe(&f.sources.join(", ")))?;
        }
        writeln!(out, "  {}", text_safe(&f.explanation))?;
        if let Some(b) = &f.closed_by {
            writeln!(out, "  closed by: {} {} ({}): {}", b.kind, text_safe(&b.id), b.code, text_safe(&words::explanation(b)))?;
        }
        for e in f.evidence.iter().take(12) {
            writeln!(out, "    - {}", text_safe(e))?;
        }
        if f.evidence.len() > 12 {
            writeln!(out, "    - ... {} more", f.evidence.len() - 12)?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "  fix: {}", text_safe(&fix.description))?;
            if let Some(cli) = &fix.aws_cli {
                writeln!(out, "       {}", text_safe(cli))?;
            }
        }
    }
    if a.findings.is_empty() {
        writeln!(out, "\nNo findings.")?;
    }
    Ok(())
}

/// The JSON contract: `{"tool": {...}, "findings": [...], "summary": {...}}`.
pub fn json(out: &mut dyn Write, a: &Audit) -> io::Result<()> {
    let v = json!({
        "tool": {"name": "vpcscope", "version": env!("CARGO_PKG_VERSION")},
        "findings": a.findings,
        "summary": a.summary,
    });
    serde_json::to_writer_pretty(&mut *out, &v)?;
    writeln!(out)
}

/// Markdown for a pull request or a wiki page.
pub fn markdown(out: &mut dyn Write, a: &Audit) -> io::Result<()> {
    let s = &a.summary;
    writeln!(out, "# vpcscope audit\n")?;
    writeln!(out, "{}.\n", inventory_words(s))?;
    if let Some(why) = &s.lateral_skipped {
        writeln!(out, "Note: {}.\n", markdown_escape(why))?;
    }
    writeln!(out, "| severity | findings |\n|---|---|")?;
    for v in Severity::ALL {
        writeln!(out, "| {v} | {} |", s.by_severity.get(&v).copied().unwrap_or(0))?;
    }
    writeln!(out)?;
    if !a.findings.is_empty() {
        writeln!(out, "| severity | kind | resource | port | sources |\n|---|---|---|---|---|")?;
        for f in &a.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                f.severity,
                f.kind,
                markdown_escape(&f.resource.label()),
                f.port.map(|p| p.to_string()).unwrap_or_default(),
                markdown_escape(&f.sources.join(", "))
            )?;
        }
        writeln!(out)?;
    }
    for v in Severity::ALL {
        let group: Vec<&Finding> = a.findings.iter().filter(|f| f.severity == v).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "## {} ({})\n", capitalise(v.as_str()), group.len())?;
        for f in group {
            writeln!(out, "### {}: {}\n", f.kind, markdown_escape(&f.title))?;
            writeln!(out, "- **Resource:** {} ({})", markdown_escape(&f.resource.label()), f.resource.kind)?;
            if !f.sources.is_empty() {
                writeln!(out, "- **Sources:** {}", markdown_escape(&f.sources.join(", ")))?;
            }
            writeln!(out, "\n{}\n", markdown_escape(&f.explanation))?;
            if !f.evidence.is_empty() {
                writeln!(out, "Evidence:\n")?;
                for e in &f.evidence {
                    writeln!(out, "- {}", markdown_escape(e))?;
                }
                writeln!(out)?;
            }
            if let Some(fix) = &f.fix {
                writeln!(out, "**Fix:** {}\n", markdown_escape(&fix.description))?;
                if let Some(cli) = &fix.aws_cli {
                    // Inside a fenced block only a fence can break out: strip backticks.
                    writeln!(out, "```sh\n{}\n```\n", cli.replace('`', "'").replace(['\n', '\r'], " "))?;
                }
            }
        }
    }
    Ok(())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#b00020",
        Severity::High => "#e65100",
        Severity::Medium => "#b8860b",
        Severity::Low => "#1565c0",
        Severity::Info => "#607d8b",
    }
}

const CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1150px;color:#222;line-height:1.4}
h1{margin-bottom:.2em}.meta{color:#666}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 .5em;font-weight:600;font-size:.85em;text-transform:uppercase}
.finding{border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;padding:.6em 1em;margin:.8em 0}
.finding h3{margin:.2em 0;font-size:1.05em}code,pre{background:#f5f5f5;border-radius:3px}pre{padding:.5em;white-space:pre-wrap;word-break:break-all}
.kind{font-family:monospace;color:#444}details{margin:.4em 0}.hops td{font-size:.85em}svg text{font-family:system-ui,sans-serif}";

/// One self-contained HTML page: summary, diagram, findings grouped by severity.
pub fn html(out: &mut dyn Write, a: &Audit, topo: &Topology<'_>, title: &str) -> io::Result<()> {
    let s = &a.summary;
    writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    // No scripts, no remote resources: the policy makes the browser refuse them even if
    // some data slipped through unescaped.
    writeln!(out, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")?;
    writeln!(out, "<title>vpcscope audit: {}</title><style>{CSS}</style></head><body>", html_escape(title))?;
    writeln!(out, "<h1>vpcscope audit</h1><p class=\"meta\">{} &middot; vpcscope {}</p>", html_escape(title), env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "<h2>Summary</h2><p id=\"summary\">{}; {} checked against the whole internet over the full path, forward and return.</p>", inventory_words(s), count(s.exposure_checks as u64, "(interface, port) pair", "(interface, port) pairs"))?;
    writeln!(out, "<table><tr>")?;
    for v in Severity::ALL {
        writeln!(out, "<th><span class=\"sev\" style=\"background:{}\">{v}</span></th>", sev_color(v))?;
    }
    writeln!(out, "</tr><tr>")?;
    for v in Severity::ALL {
        writeln!(out, "<td>{}</td>", s.by_severity.get(&v).copied().unwrap_or(0))?;
    }
    writeln!(out, "</tr></table>")?;
    if !a.findings.is_empty() {
        writeln!(out, "<table><tr><th>severity</th><th>kind</th><th>resource</th><th>port</th><th>sources</th></tr>")?;
        for (i, f) in a.findings.iter().enumerate() {
            writeln!(
                out,
                "<tr><td><span class=\"sev\" style=\"background:{}\">{}</span></td><td class=\"kind\"><a href=\"#f{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                sev_color(f.severity),
                f.severity,
                f.kind,
                html_escape(&f.resource.label()),
                f.port.map(|p| p.to_string()).unwrap_or_default(),
                html_escape(&short(&f.sources.join(", "), 120))
            )?;
        }
        writeln!(out, "</table>")?;
    }
    writeln!(out, "<h2>Network</h2>")?;
    diagram(out, a, topo)?;
    writeln!(out, "<h2>Findings</h2>")?;
    if a.findings.is_empty() {
        writeln!(out, "<p>No findings.</p>")?;
    }
    for v in Severity::ALL {
        let group: Vec<(usize, &Finding)> = a.findings.iter().enumerate().filter(|(_, f)| f.severity == v).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "<h2 id=\"sev-{v}\">{} ({})</h2>", capitalise(v.as_str()), group.len())?;
        for (i, f) in group {
            finding_html(out, i, f)?;
        }
    }
    writeln!(out, "</body></html>")
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(n).collect::<String>())
    }
}

fn finding_html(out: &mut dyn Write, i: usize, f: &Finding) -> io::Result<()> {
    writeln!(out, "<div class=\"finding\" id=\"f{i}\" style=\"border-left-color:{}\">", sev_color(f.severity))?;
    writeln!(out, "<h3><span class=\"sev\" style=\"background:{}\">{}</span> <span class=\"kind\">{}</span> {}</h3>", sev_color(f.severity), f.severity, f.kind, html_escape(&f.title))?;
    writeln!(out, "<p><b>Resource:</b> {} <span class=\"kind\">[{}]</span>", html_escape(&f.resource.label()), html_escape(&f.resource.kind))?;
    if let Some(sub) = &f.resource.subnet {
        write!(out, " in {}", html_escape(sub))?;
    }
    writeln!(out, "</p>")?;
    if !f.sources.is_empty() {
        writeln!(out, "<p><b>Sources:</b> {}</p>", html_escape(&f.sources.join(", ")))?;
    }
    writeln!(out, "<p>{}</p>", html_escape(&f.explanation))?;
    if let Some(b) = &f.closed_by {
        writeln!(out, "<p><b>Closed by:</b> {} <code>{}</code> ({}): {}</p>", b.kind, html_escape(&b.id), html_escape(b.code.as_str()), html_escape(&words::explanation(b)))?;
    }
    if !f.evidence.is_empty() {
        writeln!(out, "<details open><summary>Evidence</summary><ul>")?;
        for e in &f.evidence {
            writeln!(out, "<li>{}</li>", html_escape(e))?;
        }
        writeln!(out, "</ul></details>")?;
    }
    if let Some(p) = &f.path {
        writeln!(out, "<details><summary>Hop-by-hop path (sample source {})</summary>", html_escape(&p.sample.to_string()))?;
        leg_html(out, "Request", &p.forward)?;
        if let Some(r) = &p.ret {
            leg_html(out, "Reply", r)?;
        }
        writeln!(out, "</details>")?;
    }
    if let Some(fix) = &f.fix {
        writeln!(out, "<p><b>Fix:</b> {}</p>", html_escape(&fix.description))?;
        if let Some(cli) = &fix.aws_cli {
            writeln!(out, "<pre><code>{}</code></pre>", html_escape(cli))?;
        }
    }
    writeln!(out, "</div>")
}

fn leg_html(out: &mut dyn Write, what: &str, leg: &Leg) -> io::Result<()> {
    writeln!(out, "<p><b>{what}:</b> {}</p><table class=\"hops\"><tr><th>#</th><th>component</th><th>action</th><th>rule</th><th>detail</th></tr>", leg.disposition)?;
    for (n, h) in leg.hops.iter().enumerate() {
        writeln!(out, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", n + 1, html_escape(&hop_label(h)), action_word(h), html_escape(&words::hop_rule(h).unwrap_or_default()), html_escape(&words::hop_detail(h)))?;
    }
    writeln!(out, "</table>")
}

fn hop_label(h: &Hop) -> String {
    let dir = h.direction.map(|d| format!(" {d}")).unwrap_or_default();
    match &h.name {
        Some(n) => format!("{} ({n}) [{}]{dir}", h.id, h.kind),
        None => format!("{} [{}]{dir}", h.id, h.kind),
    }
}

fn action_word(h: &Hop) -> String {
    serde_json::to_value(h.action).ok().and_then(|v| v.as_str().map(str::to_uppercase)).unwrap_or_default()
}

/// Subnet boxes drawn in the whole diagram, and per VPC; VPC boxes drawn. The rest are
/// counted in words, so the page stays readable (and bounded) at any size.
const DIAGRAM_SUBNETS: usize = 240;
const DIAGRAM_SUBNETS_PER_VPC: usize = 16;
const DIAGRAM_VPCS: usize = 40;

/// The network as inline SVG, drawn from the subnet-level structure graph
/// (`topology::graph`, the graph `vpcscope graph --level subnet` exports): one box per VPC
/// with what joins it to the rest (internet gateway, transit gateways, peerings, VPN
/// gateways, endpoints), one box per subnet (green when its route table reaches an internet
/// gateway, with its NAT gateways), and a dot per resource with an exposure or latent
/// finding, coloured by severity. Never one node per interface: at most `DIAGRAM_VPCS` VPC
/// boxes and `DIAGRAM_SUBNETS` subnet boxes (`DIAGRAM_SUBNETS_PER_VPC` per VPC, subnets with
/// findings first); the rest are counted. Every AWS-derived string is escaped.
fn diagram(out: &mut dyn Write, a: &Audit, topo: &Topology<'_>) -> io::Result<()> {
    const W: i64 = 1100;
    const COLS: i64 = 4;
    const SW: i64 = 255;
    let st = Structure::build(topo, Level::Subnet);
    let nodes = st.nodes();
    let edges = st.edges();
    let mut out_edges: Vec<Vec<(usize, &GEdge)>> = vec![Vec::new(); nodes.len()];
    let mut in_edges: Vec<Vec<(usize, &GEdge)>> = vec![Vec::new(); nodes.len()];
    for &(x, y, e) in &edges {
        out_edges[x].push((y, e));
        in_edges[y].push((x, e));
    }
    let kind_of = |i: usize| nodes[i].kind.as_str();
    let label_of = |i: usize| match &nodes[i].name {
        Some(n) => format!("{n} ({})", nodes[i].id),
        None => nodes[i].id.clone(),
    };
    // Resources to draw, per subnet: (finding, label).
    let mut marks: BTreeMap<&str, Vec<(&Finding, String)>> = BTreeMap::new();
    for f in &a.findings {
        if matches!(f.kind, FindingKind::ExposedDatabase | FindingKind::ExposedAdminPort | FindingKind::UndecidedExposure | FindingKind::LatentExposure | FindingKind::LateralPath) {
            if let Some(s) = &f.resource.subnet {
                let label = format!("{} :{}", f.resource.name.clone().unwrap_or_else(|| f.resource.id.clone()), f.port.map(|p| p.to_string()).unwrap_or_default());
                marks.entry(s.as_str()).or_default().push((f, label));
            }
        }
    }
    let sub_h = |id: &str| -> i64 { 56 + 18 * marks.get(id).map(|v| v.len().min(8) as i64).unwrap_or(0) };
    let vpcs: Vec<usize> = (0..nodes.len()).filter(|&i| kind_of(i) == "vpc").collect();
    let mut budget = DIAGRAM_SUBNETS;
    let mut body = String::new();
    let mut y: i64 = 10;
    for &v in vpcs.iter().take(DIAGRAM_VPCS) {
        let mut subs: Vec<usize> = out_edges[v].iter().filter(|(x, e)| e.kind == "contains" && kind_of(*x) == "subnet").map(|(x, _)| *x).collect();
        // Subnets with findings first (stable: the snapshot's order otherwise).
        subs.sort_by_key(|&x| !marks.contains_key(nodes[x].id.as_str()));
        let take = subs.len().min(DIAGRAM_SUBNETS_PER_VPC).min(budget);
        budget -= take;
        let shown = &subs[..take];
        let hidden = subs.len() - take;
        // What joins the VPC to the rest: gateways and transit gateways it is attached to,
        // peerings on either side, endpoints it contains.
        let mut links: Vec<String> = Vec::new();
        for (x, e) in &out_edges[v] {
            match (e.kind.as_str(), kind_of(*x)) {
                ("attachment", "internet-gateway") => links.push(format!("internet gateway {}", label_of(*x))),
                ("attachment", "transit-gateway") => links.push(format!("transit gateway {}", label_of(*x))),
                ("attachment", "vpn-gateway") => links.push(format!("VPN gateway {}", label_of(*x))),
                ("peering", _) => {
                    let other = out_edges[*x].iter().find(|(z, e2)| e2.kind == "peering" && *z != v).map(|(z, _)| label_of(*z)).unwrap_or_default();
                    links.push(format!("peering {} to {other}", nodes[*x].id));
                }
                _ => {}
            }
        }
        for (x, e) in &in_edges[v] {
            if e.kind == "peering" && kind_of(*x) == "vpc-peering-connection" {
                let other = in_edges[*x].iter().find(|(z, e2)| e2.kind == "peering" && *z != v).map(|(z, _)| label_of(*z)).unwrap_or_default();
                links.push(format!("peering {} from {other}", nodes[*x].id));
            }
        }
        let endpoints = out_edges[v].iter().filter(|(x, e)| e.kind == "contains" && kind_of(*x) == "vpc-endpoint").count();
        if endpoints > 0 {
            links.push(format!("{endpoints} endpoint(s)"));
        }
        let link_lines: Vec<String> = links.chunks(3).take(3).map(|c| c.join(" · ")).collect();
        let more_links = links.len().saturating_sub(9);
        let head = 40 + 14 * (link_lines.len() as i64 + (more_links > 0) as i64);
        let rows: Vec<i64> = shown.chunks(COLS as usize).map(|row| row.iter().map(|&s| sub_h(nodes[s].id.as_str())).max().unwrap_or(56)).collect();
        let inner: i64 = rows.iter().map(|h| h + 12).sum::<i64>() + if hidden > 0 { 20 } else { 0 };
        let vh = head + inner;
        body.push_str(&format!(
            "<rect x=\"10\" y=\"{y}\" width=\"{}\" height=\"{vh}\" rx=\"8\" fill=\"#f3f7fb\" stroke=\"#5b7fa6\"/><text x=\"22\" y=\"{}\" font-size=\"15\" font-weight=\"600\">{}</text>",
            W - 20,
            y + 22,
            html_escape(&short(&format!("VPC {} {}", label_of(v), topo.model.vpcs.iter().find(|x| x.id.as_str() == nodes[v].id).map(|x| x.cidrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")).unwrap_or_default()), 120))
        ));
        for (i, l) in link_lines.iter().enumerate() {
            body.push_str(&format!("<text x=\"22\" y=\"{}\" font-size=\"11\" fill=\"#37474f\">{}</text>", y + 40 + 14 * i as i64, html_escape(&short(l, 170))));
        }
        if more_links > 0 {
            body.push_str(&format!("<text x=\"22\" y=\"{}\" font-size=\"11\" fill=\"#37474f\">... and {more_links} more connections</text>", y + 40 + 14 * link_lines.len() as i64));
        }
        let mut sy = y + head;
        for (r, row) in shown.chunks(COLS as usize).enumerate() {
            for (c, &s) in row.iter().enumerate() {
                let sx = 24 + c as i64 * (SW + 12);
                let h = rows[r];
                let tables: Vec<usize> = out_edges[s].iter().filter(|(_, e)| e.kind == "associated").map(|(x, _)| *x).collect();
                let public = tables.iter().any(|&t| out_edges[t].iter().any(|(x, e)| e.kind == "route" && kind_of(*x) == "internet-gateway"));
                let nats: Vec<&str> = out_edges[s].iter().filter(|(x, e)| e.kind == "contains" && kind_of(*x) == "nat-gateway").map(|(x, _)| nodes[*x].id.as_str()).collect();
                let sub = topo.subnet_ix(nodes[s].id.as_str()).and_then(|i| topo.model.subnets.get(i));
                let fill = if public { "#e8f5e9" } else { "#ffffff" };
                body.push_str(&format!("<rect x=\"{sx}\" y=\"{sy}\" width=\"{SW}\" height=\"{h}\" rx=\"5\" fill=\"{fill}\" stroke=\"#90a4ae\"/>"));
                body.push_str(&format!("<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"600\">{}</text>", sx + 8, sy + 17, html_escape(&short(&label_of(s), 30))));
                let sub2 = format!(
                    "{} {}{}{}",
                    sub.and_then(|x| x.cidr).map(|c| c.to_string()).unwrap_or_default(),
                    sub.map(|x| x.az.as_str()).unwrap_or_default(),
                    if public { " public" } else { "" },
                    if nats.is_empty() { String::new() } else { format!(" NAT {}", nats.join(",")) }
                );
                body.push_str(&format!("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text>", sx + 8, sy + 33, html_escape(&short(&sub2, 40))));
                if let Some(list) = marks.get(nodes[s].id.as_str()) {
                    for (k, (f, label)) in list.iter().take(8).enumerate() {
                        let cy = sy + 50 + 18 * k as i64;
                        body.push_str(&format!(
                            "<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{}\"><title>{}</title></circle><text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
                            sx + 14,
                            cy - 4,
                            sev_color(f.severity),
                            html_escape(&f.title),
                            sx + 26,
                            cy,
                            html_escape(&short(&format!("{label} {}", f.kind), 38))
                        ));
                    }
                }
            }
            sy += rows[r] + 12;
        }
        if hidden > 0 {
            let hidden_marks = subs[take..].iter().filter(|&&x| marks.contains_key(nodes[x].id.as_str())).count();
            let extra = if hidden_marks > 0 { format!(" ({hidden_marks} with findings: see the list below)") } else { String::new() };
            body.push_str(&format!("<text x=\"24\" y=\"{}\" font-size=\"12\">... and {hidden} more subnets{extra}</text>", sy + 8));
        }
        y += vh + 14;
    }
    if vpcs.len() > DIAGRAM_VPCS {
        body.push_str(&format!("<text x=\"14\" y=\"{}\" font-size=\"13\">... and {} more VPCs (vpcscope graph --level subnet draws them all)</text>", y + 10, vpcs.len() - DIAGRAM_VPCS));
        y += 24;
    }
    let legend_y = y + 6;
    let mut lx = 14;
    for v in Severity::ALL {
        body.push_str(&format!("<circle cx=\"{lx}\" cy=\"{}\" r=\"6\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{v}</text>", legend_y, sev_color(v), lx + 10, legend_y + 4));
        lx += 90;
    }
    body.push_str(&format!("<rect x=\"{lx}\" y=\"{}\" width=\"14\" height=\"12\" fill=\"#e8f5e9\" stroke=\"#90a4ae\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">subnet routed to an internet gateway</text>", legend_y - 6, lx + 20, legend_y + 4));
    writeln!(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"network diagram\" width=\"{W}\" height=\"{}\" viewBox=\"0 0 {W} {}\">{body}</svg>", legend_y + 16, legend_y + 16)
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0-10) from each rule.
fn security_severity(k: FindingKind) -> &'static str {
    match k {
        FindingKind::ExposedDatabase => "9.5",
        FindingKind::ExposedAdminPort => "8.0",
        FindingKind::LateralPath => "7.5",
        FindingKind::RoutingLoop => "3.0",
        FindingKind::UnreachableSubnet => "3.0",
        FindingKind::LatentExposure => "5.0",
        FindingKind::UndecidedExposure => "6.0",
        FindingKind::NaclReturnPath => "4.0",
        FindingKind::SecurityGroupOpenToWorld => "7.0",
        FindingKind::MissingSecurityGroup => "4.0",
        FindingKind::BlackholeRoute => "3.0",
        FindingKind::UnusedSecurityGroup | FindingKind::NoFlowLogs | FindingKind::PeeringNotActive => "2.0",
        FindingKind::UnusedRule => "1.0",
        FindingKind::HealthCheckBlocked => "3.0",
        FindingKind::TargetOpenToWorld => "4.0",
    }
}

/// SARIF 2.1.0. `artifact_uri` names the snapshot (a path relative to the repository
/// root when the report is uploaded to code scanning).
pub fn sarif(out: &mut dyn Write, a: &Audit, artifact_uri: &str) -> io::Result<()> {
    let rules: Vec<serde_json::Value> = FindingKind::ALL
        .iter()
        .map(|k| {
            json!({
                "id": k.as_str(),
                "name": capitalise(&k.as_str().replace('-', " ")).replace(' ', ""),
                "shortDescription": {"text": k.description()},
                "fullDescription": {"text": k.description()},
                "help": {"text": format!("{}. See docs/audit.md for what vpcscope checks and how to read the evidence.", k.description())},
                "properties": {"tags": ["security", "aws", "network"], "security-severity": security_severity(*k)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = a
        .findings
        .iter()
        .map(|f| {
            let rule_index = FindingKind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
            let mut text = format!("{} {}", f.title, f.explanation);
            if let Some(fix) = &f.fix {
                text.push_str(&format!(" Fix: {}", fix.description));
            }
            let fqn = [f.resource.vpc.as_deref(), f.resource.subnet.as_deref(), Some(f.resource.id.as_str())].into_iter().flatten().collect::<Vec<_>>().join("/");
            json!({
                "ruleId": f.kind.as_str(),
                "ruleIndex": rule_index,
                "level": sarif_level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": artifact_uri}},
                    "logicalLocations": [{
                        "name": f.resource.id,
                        "fullyQualifiedName": fqn,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {"vpcscope/v1": format!("{}/{}/{}", f.kind, f.resource.id, f.port.map(|p| p.to_string()).unwrap_or_else(|| f.title.clone()))},
                "properties": {
                    "severity": f.severity,
                    "resource": f.resource,
                    "port": f.port,
                    "sources": f.sources,
                    "evidence": f.evidence,
                },
            })
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vpcscope",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &v)?;
    writeln!(out)
}

#[cfg(test)]
mod diagram_tests {
    use super::*;
    use crate::analysis::audit::Summary;
    use crate::model::Tags;

    fn svg(topo: &Topology<'_>) -> String {
        let mut out = Vec::new();
        diagram(&mut out, &Audit { findings: Vec::new(), summary: Summary::default() }, topo).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn diagram_of_ten_thousand_interfaces_is_aggregated_and_bounded() {
        let spec = crate::testgen::NetworkSpec::with_enis(10_000);
        let loaded = crate::source::snapshot::load_documents(crate::testgen::network(&spec)).unwrap();
        assert!(loaded.model.enis.len() >= 10_000 && loaded.model.subnets.len() > DIAGRAM_SUBNETS);
        let topo = Topology::new(&loaded.model);
        let page = svg(&topo);
        // Boxes: VPCs, subnets, the legend's swatch; never one per interface.
        let boxes = page.matches("<rect").count();
        assert!(boxes <= DIAGRAM_VPCS + DIAGRAM_SUBNETS + 1, "{boxes} boxes");
        assert!(boxes > 10, "{boxes} boxes");
        assert!(!page.contains("eni-"), "no interface is drawn");
        assert!(page.contains("more subnets"), "hidden subnets are counted");
        assert!(page.len() < 400_000, "{} bytes", page.len());
    }

    #[test]
    fn diagram_escapes_hostile_names_from_the_structure_graph() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/hub");
        let mut m = crate::source::snapshot::load(&dir).unwrap().model;
        let evil = "<script>alert(1)</script>&\"'";
        let tag = || Tags(vec![("Name".to_string(), evil.to_string())]);
        for v in &mut m.vpcs {
            v.tags = tag();
        }
        for s in &mut m.subnets {
            s.tags = tag();
        }
        for t in &mut m.transit_gateways {
            t.tags = tag();
        }
        for g in &mut m.internet_gateways {
            g.tags = tag();
        }
        let topo = Topology::new(&m);
        let page = svg(&topo);
        assert!(!page.to_ascii_lowercase().contains("<script"), "no markup from data");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "names are text");
        assert!(page.contains("transit gateway") && page.contains("peering"), "what joins the VPCs is drawn");
    }
}

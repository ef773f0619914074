//! Renders a `flows explain` report.
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"records": {"total", "ok", "nodata", "skipdata", "malformed", "unknown_status", "filtered_out"},
//!  "filter": {"since", "until", "interfaces", "addr", "src", "dst", "port", "protocol", "action"} | null,
//!  "conversations": N, "undetermined_direction": N, "undecided_checks": N,
//!  "findings": [{"kind": "nacl-return-path" | "rejected" | "drift" | "unknown-interface",
//!                "interface": "eni-...", "interface_name": "..." | null,
//!                "flow": {"src", "dst", "src_port", "dst_port", "protocol"} | null,
//!                "blocked_by": {"id", "kind", "direction", "rule"} | null,
//!                "subnet": "subnet-..." | null, "count": N (records), "conversations": N,
//!                "remote_addresses": N,
//!                "evidence": [{"source": "file", "line": N} | {"source": "group/stream", "timestamp_ms": T}],
//!                "fix": {"action", "id", "description", "aws_cli"} | null,
//!                "explanation": "one sentence"}]}
//! ```
//!
//! **Text**: most damaging first (refused replies of accepted requests), then rejects by
//! volume, drift, unknown interfaces. **Markdown**: the same as a table per kind, with every
//! AWS-derived string escaped.

use super::{count, markdown_escape, text_safe};
use crate::analysis::explain::{Evidence, Finding, FindingKind, Report};
use std::io::{self, Write};

/// Writes the report as one JSON document: byte for byte what `serde_json`'s pretty printer
/// writes for the whole report, but with the findings (tens of megabytes on a large run)
/// rendered side by side on the thread pool.
pub fn json(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    use rayon::prelude::*;
    // Everything but the findings, which come last: the document ends `"findings": []\n}`.
    let head = Report {
        records: r.records,
        filter: r.filter.clone(),
        conversations: r.conversations,
        undetermined_direction: r.undetermined_direction,
        undecided_checks: r.undecided_checks,
        engine: r.engine,
        athena: r.athena.clone(),
        findings: Vec::new(),
    };
    let head = serde_json::to_vec_pretty(&head).map_err(io::Error::other)?;
    let Some(open) = head.strip_suffix(b"[]\n}") else {
        // Not the shape expected: render the whole report in one go.
        serde_json::to_writer_pretty(&mut *out, r).map_err(io::Error::other)?;
        return writeln!(out);
    };
    if r.findings.is_empty() {
        out.write_all(&head)?;
        return writeln!(out);
    }
    // Each finding rendered alone, then indented to its depth in the array (two levels);
    // JSON strings hold no raw newlines, so every newline is a line break of the printer.
    // A batch at a time, so the rendered text held at once stays small.
    let render = |f: &Finding| -> io::Result<Vec<u8>> {
        let alone = serde_json::to_vec_pretty(f).map_err(io::Error::other)?;
        let mut nested = Vec::with_capacity(alone.len() + alone.len() / 8);
        for (i, line) in alone.split(|&b| b == b'\n').enumerate() {
            nested.extend_from_slice(if i == 0 { b"    " } else { b"\n    " });
            nested.extend_from_slice(line);
        }
        Ok(nested)
    };
    out.write_all(open)?;
    out.write_all(b"[\n")?;
    for (b, batch) in r.findings.chunks(1024).enumerate() {
        let rendered: Vec<Vec<u8>> = batch.par_iter().map(render).collect::<io::Result<_>>()?;
        for (i, f) in rendered.iter().enumerate() {
            if b > 0 || i > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(f)?;
        }
    }
    out.write_all(b"\n  ]\n}\n")
}

fn title(k: FindingKind) -> &'static str {
    match k {
        FindingKind::NaclReturnPath => "Replies refused by a stateless network ACL (the request got through)",
        FindingKind::Rejected => "Rejected traffic",
        FindingKind::Drift => "Drift: the logs contradict the snapshot",
        FindingKind::UnknownInterface => "Interfaces not in the snapshot",
    }
}

fn evidence(e: &Evidence) -> String {
    match (e.line, e.timestamp_ms) {
        (Some(l), _) => format!("{}:{l}", e.source),
        (None, Some(t)) => format!("{}@{t}", e.source),
        _ => e.source.clone(),
    }
}

fn flow(f: &Finding) -> String {
    f.flow
        .as_ref()
        .map(|f| {
            let proto = f.protocol.to_string().to_lowercase();
            if f.protocol.has_ports() {
                format!("{proto} {}:{} -> {}:{}", f.src, f.src_port, f.dst, f.dst_port)
            } else {
                format!("{proto} {} -> {}", f.src, f.dst)
            }
        })
        .unwrap_or_default()
}

/// Writes the report for a person reading top-down.
pub fn text(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let c = &r.records;
    writeln!(
        out,
        "{} ({} ok, {} nodata, {} skipdata, {} malformed), {}, {}",
        count(c.total, "record", "records"),
        c.ok,
        c.nodata,
        c.skipdata,
        c.malformed,
        count(r.conversations, "conversation", "conversations"),
        count(r.findings.len() as u64, "finding", "findings")
    )?;
    if let Some(f) = &r.filter {
        writeln!(out, "filter: {} ({} records outside it)", crate::flowlog::render::filter_words(f), c.filtered_out)?;
    }
    if r.undetermined_direction > 0 {
        writeln!(out, "{} conversations not evaluated: no flow-direction and the interface owns neither address", r.undetermined_direction)?;
    }
    if r.undecided_checks > 0 {
        writeln!(out, "{} conversations undecided: a network ACL or security group they cross is not in the snapshot (--assume-missing allow|deny decides)", r.undecided_checks)?;
    }
    let mut last = None;
    for f in &r.findings {
        if last != Some(f.kind) {
            writeln!(out, "\n== {} ==", title(f.kind))?;
            last = Some(f.kind);
        }
        let name = f.interface_name.as_deref().map(|n| format!(" ({})", text_safe(n))).unwrap_or_default();
        writeln!(out, "\n* {}{name}  {}  [{}]", f.interface, flow(f), count(f.count, "record", "records"))?;
        writeln!(out, "  {}", text_safe(&f.explanation))?;
        if let Some(b) = &f.blocked_by {
            let dir = b.direction.map(|d| format!(" {d}")).unwrap_or_default();
            let rule = b.rule.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
            writeln!(out, "  blocked by {} [{}]{dir}{rule}{}", b.id, b.kind, f.subnet.as_deref().map(|s| format!(" (subnet {s})")).unwrap_or_default())?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "  fix: {}", text_safe(&fix.description))?;
            if let Some(cli) = &fix.aws_cli {
                writeln!(out, "       {cli}")?;
            }
        }
        if !f.evidence.is_empty() {
            let ev: Vec<String> = f.evidence.iter().map(|e| text_safe(&evidence(e))).collect();
            writeln!(out, "  evidence: {}", ev.join(", "))?;
        }
    }
    Ok(())
}

/// Writes the report as Markdown (for a ticket or a pull request).
pub fn markdown(out: &mut dyn Write, r: &Report) -> io::Result<()> {
    let c = &r.records;
    writeln!(out, "## Flow-log explanation\n")?;
    writeln!(out, "{} ({} ok, {} nodata, {} skipdata, {} malformed), {}.\n", count(c.total, "record", "records"), c.ok, c.nodata, c.skipdata, c.malformed, count(r.conversations, "conversation", "conversations"))?;
    if let Some(f) = &r.filter {
        writeln!(out, "Filter: {} ({} records outside it).\n", markdown_escape(&crate::flowlog::render::filter_words(f)), c.filtered_out)?;
    }
    let mut last = None;
    for f in &r.findings {
        if last != Some(f.kind) {
            writeln!(out, "\n### {}\n", title(f.kind))?;
            writeln!(out, "| interface | flow | records | blocked by | fix | explanation |")?;
            writeln!(out, "|---|---|---|---|---|---|")?;
            last = Some(f.kind);
        }
        let name = f.interface_name.as_deref().map(|n| format!(" ({})", markdown_escape(n))).unwrap_or_default();
        let blocked = f
            .blocked_by
            .as_ref()
            .map(|b| markdown_escape(&format!("{} {}", b.id, b.rule.as_deref().unwrap_or(""))))
            .unwrap_or_default();
        let fix = f.fix.as_ref().map(|x| markdown_escape(&x.description)).unwrap_or_default();
        writeln!(
            out,
            "| {}{name} | {} | {} | {blocked} | {fix} | {} |",
            markdown_escape(&f.interface),
            markdown_escape(&flow(f)),
            f.count,
            markdown_escape(&f.explanation)
        )?;
    }
    Ok(())
}

//! Renders `ls`: a table per section (text), one JSON document, or CSV (one row per
//! component, every section in one file, a `section` column first).
//!
//! **JSON** (`--format json`), a stable contract:
//!
//! ```text
//! {"rows": [{"section": "vpcs"|"subnets"|"interfaces"|"security-groups"|"network-acls"|
//!                       "route-tables"|"gateways",
//!            "id", "kind", "name": null | "...", "vpc": null | "vpc-...",
//!            "place": null | "subnet-..." | "us-east-1a", "addresses": ["..."],
//!            "details": ["key=value", ...]}],
//!  "count": n}
//! ```

use super::text_safe;
use crate::analysis::inventory::{Row, SECTIONS};
use std::io::{self, Write};

/// Writes the rows as one JSON document.
pub fn json(out: &mut dyn Write, rows: &[Row]) -> io::Result<()> {
    let doc = serde_json::json!({ "rows": rows, "count": rows.len() });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// Quotes a CSV field when it holds a separator, a quote or a line break (RFC 4180); a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so that a spreadsheet does not run it.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Writes the rows as CSV: `section,id,kind,name,vpc,place,addresses,details` (lists joined
/// by spaces).
pub fn csv(out: &mut dyn Write, rows: &[Row]) -> io::Result<()> {
    writeln!(out, "section,id,kind,name,vpc,place,addresses,details")?;
    for r in rows {
        let cols = [
            r.section.as_str().to_string(),
            r.id.clone(),
            r.kind.clone(),
            r.name.clone().unwrap_or_default(),
            r.vpc.clone().unwrap_or_default(),
            r.place.clone().unwrap_or_default(),
            r.addresses.join(" "),
            r.details.join(" "),
        ];
        let line: Vec<String> = cols.iter().map(|c| csv_field(c)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("web-1"), "web-1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }
}

/// Writes a table per section, for a person.
pub fn text(out: &mut dyn Write, rows: &[Row]) -> io::Result<()> {
    for section in SECTIONS {
        let these: Vec<&Row> = rows.iter().filter(|r| r.section == section).collect();
        if these.is_empty() {
            continue;
        }
        let n = these.len();
        writeln!(out, "{} ({n})", section.as_str())?;
        let cells: Vec<[String; 5]> = these
            .iter()
            .map(|r| {
                [
                    r.id.clone(),
                    text_safe(r.name.as_deref().unwrap_or("-")),
                    r.kind.clone(),
                    r.place.clone().or_else(|| r.vpc.clone()).unwrap_or_else(|| "-".into()),
                    text_safe(&r.addresses.iter().chain(&r.details).cloned().collect::<Vec<_>>().join("  ")),
                ]
            })
            .collect();
        let width = |i: usize| cells.iter().map(|c| c[i].chars().count()).max().unwrap_or(0);
        let (w0, w1, w2, w3) = (width(0), width(1).min(32), width(2), width(3));
        for c in &cells {
            let name: String = if c[1].chars().count() > 32 { c[1].chars().take(31).chain(['…']).collect() } else { c[1].clone() };
            let line = format!("  {:w0$}  {:w1$}  {:w2$}  {:w3$}  {}", c[0], name, c[2], c[3], c[4]);
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    let n = rows.len();
    writeln!(out, "{n} {}", if n == 1 { "component" } else { "components" })
}

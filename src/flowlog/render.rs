//! Output of `flows summary`: a [`SummaryReport`] built from a [`Summary`] (or from Logs
//! Insights results) and rendered as text, JSON or CSV onto a writer it is handed.
//!
//! The JSON document is an interface; its shape is:
//!
//! ```text
//! {
//!   "engine": "local" | "cloudwatch-logs-insights",
//!   "records": {"total", "ok", "nodata", "skipdata", "malformed", "unknown_status"},
//!   "malformed_samples": [{"source", "line" (null for CloudWatch), "timestamp_ms" (CloudWatch), "reason"}],
//!   "damaged_sources": [{"source", "reason", "records_before_damage"}],
//!   "conversations_total": N,
//!   "conversations": [{"interface", "src", "dst", "src_port", "dst_port", "protocol", "action",
//!                      "packets", "bytes", "records", "first_start", "last_end", "tcp_flags", "direction"}],
//!   "top_talkers": [{"src", "dst", "packets", "bytes", "records"}],
//!   "rejected": [{"dst_port", "protocol", "records", "packets", "bytes", "conversations"}],
//!   "interfaces": [{"interface", "records", "packets", "bytes", "rejected_records", "conversations"}]
//! }
//! ```
//!
//! `total == ok + nodata + skipdata + malformed` always holds. Lists are sorted (bytes, then
//! packets or records, descending; ties by key) and cut to the requested top N. A missing
//! value (a field the format lacks, or `-`) is `null`.

use super::aggregate::{ConversationKey, ConversationStats, InterfaceTotals, RecordCounts, RejectedPort, Summary, TopTalker};
use super::position::Sources;
use serde::Serialize;
use std::io::{self, Write};
use std::net::IpAddr;

/// One input that broke off part-way, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamagedSource {
    /// The input's name.
    pub source: String,
    /// What went wrong.
    pub reason: String,
    /// Records read from it before the damage.
    pub records_before_damage: u64,
}

/// A malformed line, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleOut {
    /// The file or `log-group/log-stream`.
    pub source: String,
    /// The line number (files).
    pub line: Option<u64>,
    /// The event timestamp in ms (CloudWatch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
    /// Why it is malformed.
    pub reason: String,
}

/// A conversation, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversationOut {
    /// `interface-id`.
    pub interface: Option<String>,
    /// What the interface belongs to, when a snapshot was given (`flows summary --snapshot`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    /// `ACCEPT`, `REJECT` or `UNKNOWN`.
    pub action: Option<&'static str>,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// Number of records.
    pub records: u64,
    /// Earliest start (Unix seconds).
    pub first_start: Option<u64>,
    /// Latest end (Unix seconds).
    pub last_end: Option<u64>,
    /// OR of TCP flags.
    pub tcp_flags: Option<u8>,
    /// `ingress` or `egress`.
    pub direction: Option<&'static str>,
}

impl ConversationOut {
    /// Flattens a key and its stats.
    pub fn new(k: &ConversationKey<'_>, s: &ConversationStats) -> ConversationOut {
        ConversationOut {
            interface: k.interface.map(str::to_string),
            interface_name: None,
            src: k.src,
            dst: k.dst,
            src_port: k.src_port,
            dst_port: k.dst_port,
            protocol: k.protocol.map(|p| p.0),
            action: k.action.map(|a| a.as_str()),
            packets: s.packets,
            bytes: s.bytes,
            records: s.records,
            first_start: s.first_start,
            last_end: s.last_end,
            tcp_flags: s.tcp_flags.map(|f| f.0),
            direction: s.direction.map(|d| d.as_str()),
        }
    }
}

/// Rejected traffic to one port, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RejectedOut {
    /// Destination port.
    pub dst_port: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    /// REJECT records.
    pub records: u64,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// Distinct conversations (0 from Logs Insights).
    pub conversations: u64,
}

impl From<&RejectedPort> for RejectedOut {
    fn from(r: &RejectedPort) -> Self {
        RejectedOut { dst_port: r.dst_port, protocol: r.protocol.map(|p| p.0), records: r.records, packets: r.packets, bytes: r.bytes, conversations: r.conversations }
    }
}

/// Per-interface totals, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceOut {
    /// `interface-id`.
    pub interface: Option<String>,
    /// What the interface belongs to, when a snapshot was given (`flows summary --snapshot`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    /// Records with traffic.
    pub records: u64,
    /// Sum of packets.
    pub packets: u64,
    /// Sum of bytes.
    pub bytes: u64,
    /// REJECT records.
    pub rejected_records: u64,
    /// Distinct conversations.
    pub conversations: u64,
}

impl From<&InterfaceTotals> for InterfaceOut {
    fn from(t: &InterfaceTotals) -> Self {
        InterfaceOut {
            interface: t.interface.clone(),
            interface_name: None,
            records: t.records,
            packets: t.packets,
            bytes: t.bytes,
            rejected_records: t.rejected_records,
            conversations: t.conversations,
        }
    }
}

/// Which engine computed the aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Engine {
    /// vpcscope itself, over the raw records.
    #[serde(rename = "local")]
    Local,
    /// CloudWatch Logs Insights (`--insights`).
    #[serde(rename = "cloudwatch-logs-insights")]
    Insights,
    /// Amazon Athena (`--athena`).
    #[serde(rename = "athena")]
    Athena,
}

/// The `flows summary` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryReport {
    /// Which engine computed it.
    pub engine: Engine,
    /// The incident filter of the run ([`RecordFilter::to_json`](super::RecordFilter::to_json)),
    /// or `null` without one.
    pub filter: Option<serde_json::Value>,
    /// Record counts.
    pub records: RecordCounts,
    /// The first malformed lines.
    pub malformed_samples: Vec<SampleOut>,
    /// Inputs that broke off.
    pub damaged_sources: Vec<DamagedSource>,
    /// Distinct conversations (with Logs Insights: the number of rows returned).
    pub conversations_total: u64,
    /// The top conversations by bytes.
    pub conversations: Vec<ConversationOut>,
    /// The top source/destination pairs by bytes.
    pub top_talkers: Vec<TopTalker>,
    /// Rejected traffic by destination port.
    pub rejected: Vec<RejectedOut>,
    /// Per-interface totals.
    pub interfaces: Vec<InterfaceOut>,
    /// With `s3://` inputs: what the S3 read did (objects listed, skipped and read, bytes,
    /// the prefixes listed and every request sent); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<serde_json::Value>,
    /// With `--athena`: the query ids and the bytes Athena scanned; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub athena: Option<serde_json::Value>,
}

impl SummaryReport {
    /// Names every interface with `name` (e.g. its instance and Name tag from a snapshot).
    pub fn name_interfaces(&mut self, name: impl Fn(&str) -> Option<String>) {
        for c in &mut self.conversations {
            c.interface_name = c.interface.as_deref().and_then(&name);
        }
        for i in &mut self.interfaces {
            i.interface_name = i.interface.as_deref().and_then(&name);
        }
    }

    /// The report of a local summary; `top` cuts each list (0: everything).
    pub fn new(summary: &Summary, sources: &Sources, damaged: Vec<DamagedSource>, top: usize) -> SummaryReport {
        let c = &summary.conversations;
        // The four views each pass over every conversation: side by side on the thread pool.
        let ((conversations, top_talkers), (rejected, interfaces)) = rayon::join(
            || rayon::join(|| c.top(top).iter().map(|(k, s)| ConversationOut::new(k, s)).collect(), || c.top_talkers(top)),
            || rayon::join(|| c.rejected_by_port(top).iter().map(RejectedOut::from).collect(), || c.interfaces(top).iter().map(InterfaceOut::from).collect()),
        );
        SummaryReport {
            engine: Engine::Local,
            filter: None,
            records: summary.counts,
            malformed_samples: summary
                .malformed_samples
                .iter()
                .map(|m| {
                    let r = sources.resolve(&m.position);
                    SampleOut { source: r.source.to_string(), line: r.line, timestamp_ms: r.timestamp_ms, reason: m.error.to_string() }
                })
                .collect(),
            damaged_sources: damaged,
            conversations_total: c.len() as u64,
            conversations,
            top_talkers,
            rejected,
            interfaces,
            s3: None,
            athena: None,
        }
    }

    /// Writes the report as one JSON document.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// Writes the conversations as CSV (a header row, then one row per conversation).
    pub fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "interface,src,dst,src_port,dst_port,protocol,action,packets,bytes,records,first_start,last_end,tcp_flags,direction")?;
        for c in &self.conversations {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv(c.interface.as_deref()),
                opt(c.src),
                opt(c.dst),
                opt(c.src_port),
                opt(c.dst_port),
                opt(c.protocol),
                c.action.unwrap_or(""),
                c.packets,
                c.bytes,
                c.records,
                opt(c.first_start),
                opt(c.last_end),
                opt(c.tcp_flags),
                c.direction.unwrap_or("")
            )?;
        }
        Ok(())
    }

    /// Writes the report for people.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = &self.records;
        writeln!(out, "records: {} total, {} ok, {} nodata, {} skipdata, {} malformed", r.total, r.ok, r.nodata, r.skipdata, r.malformed)?;
        if let Some(f) = &self.filter {
            writeln!(out, "filter: {} ({} records outside it)", filter_words(f), r.filtered_out)?;
        }
        if self.engine == Engine::Insights {
            writeln!(out, "(aggregated by CloudWatch Logs Insights)")?;
        }
        if self.engine == Engine::Athena {
            writeln!(out, "(aggregated by Amazon Athena)")?;
        }
        if !self.malformed_samples.is_empty() {
            writeln!(out, "\nmalformed lines (first {}):", self.malformed_samples.len())?;
            for m in &self.malformed_samples {
                match (m.line, m.timestamp_ms) {
                    (Some(l), _) => writeln!(out, "  {}:{}: {}", m.source, l, m.reason)?,
                    (None, Some(t)) => writeln!(out, "  {} @{}: {}", m.source, t, m.reason)?,
                    _ => writeln!(out, "  {}: {}", m.source, m.reason)?,
                }
            }
        }
        if !self.damaged_sources.is_empty() {
            writeln!(out, "\ndamaged inputs:")?;
            for d in &self.damaged_sources {
                writeln!(out, "  {}: {} ({} records read before the damage)", d.source, d.reason, d.records_before_damage)?;
            }
        }
        writeln!(out, "\nconversations: {} distinct; top {} by bytes", self.conversations_total, self.conversations.len())?;
        let rows: Vec<Vec<String>> = self
            .conversations
            .iter()
            .map(|c| {
                vec![
                    named(c.interface.as_deref(), c.interface_name.as_deref()),
                    format!("{}:{}", dash_ip(c.src), dash_opt(c.src_port)),
                    format!("{}:{}", dash_ip(c.dst), dash_opt(c.dst_port)),
                    c.protocol.map_or("-".into(), |p| crate::flowlog::Protocol(p).name().into_owned()),
                    c.action.unwrap_or("-").to_string(),
                    c.packets.to_string(),
                    c.bytes.to_string(),
                    c.records.to_string(),
                ]
            })
            .collect();
        table(out, &["INTERFACE", "SOURCE", "DESTINATION", "PROTO", "ACTION", "PACKETS", "BYTES", "RECORDS"], &rows)?;
        writeln!(out, "\ntop talkers (source -> destination by bytes):")?;
        let rows: Vec<Vec<String>> = self
            .top_talkers
            .iter()
            .map(|t| vec![dash_ip(t.src), dash_ip(t.dst), t.packets.to_string(), t.bytes.to_string(), t.records.to_string()])
            .collect();
        table(out, &["SOURCE", "DESTINATION", "PACKETS", "BYTES", "RECORDS"], &rows)?;
        writeln!(out, "\nrejected by destination port:")?;
        let rows: Vec<Vec<String>> = self
            .rejected
            .iter()
            .map(|r| {
                vec![
                    dash_opt(r.dst_port),
                    r.protocol.map_or("-".into(), |p| crate::flowlog::Protocol(p).name().into_owned()),
                    r.records.to_string(),
                    r.packets.to_string(),
                    r.bytes.to_string(),
                ]
            })
            .collect();
        table(out, &["PORT", "PROTO", "RECORDS", "PACKETS", "BYTES"], &rows)?;
        writeln!(out, "\ninterfaces:")?;
        let rows: Vec<Vec<String>> = self
            .interfaces
            .iter()
            .map(|i| vec![named(i.interface.as_deref(), i.interface_name.as_deref()), i.records.to_string(), i.rejected_records.to_string(), i.packets.to_string(), i.bytes.to_string()])
            .collect();
        table(out, &["INTERFACE", "RECORDS", "REJECTED", "PACKETS", "BYTES"], &rows)
    }
}

fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "  (none)");
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |out: &mut dyn Write, cells: &mut dyn Iterator<Item = &str>| -> io::Result<()> {
        let mut s = String::from(" ");
        for (c, w) in cells.zip(&widths) {
            s.push(' ');
            s.push_str(&format!("{c:<w$}"));
            s.push(' ');
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(out, &mut header.iter().copied())?;
    for r in rows {
        line(out, &mut r.iter().map(String::as_str))?;
    }
    Ok(())
}

fn dash(s: Option<&str>) -> String {
    s.unwrap_or("-").to_string()
}

fn dash_ip(a: Option<IpAddr>) -> String {
    match a {
        Some(IpAddr::V6(v6)) => format!("[{v6}]"),
        Some(a) => a.to_string(),
        None => "-".into(),
    }
}

fn dash_opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

fn csv(s: Option<&str>) -> String {
    match s {
        None => String::new(),
        Some(s) if s.contains([',', '"', '\n']) => format!("\"{}\"", s.replace('"', "\"\"")),
        Some(s) => s.to_string(),
    }
}

/// `eni-0abc (web-1)` when the interface has a name; untrusted names lose control characters.
fn named(interface: Option<&str>, name: Option<&str>) -> String {
    match (interface, name) {
        (Some(i), Some(n)) => format!("{i} ({})", n.chars().filter(|c| !c.is_control()).collect::<String>()),
        _ => dash(interface),
    }
}

/// A filter's JSON echo in words: `key value` pairs, lists joined by " or ".
pub fn filter_words(f: &serde_json::Value) -> String {
    let Some(m) = f.as_object() else { return f.to_string() };
    m.iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => crate::report::text_safe(s),
                serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), crate::report::text_safe)).collect::<Vec<_>>().join(" or "),
                v => v.to_string(),
            };
            format!("{k} {v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}



//! CloudWatch Logs Insights: the queries `flows summary --insights` runs (the files under
//! `queries/insights/`, compiled in), and the conversion of their result rows into the same
//! aggregate types a local scan produces. Rows are plain `(field, value)` string pairs, the
//! shape of `GetQueryResults`; the SDK call itself lives in `source::cloudwatch`.
//!
//! Insights discovers the fields of default-format flow logs by itself. For a custom format,
//! [`query_text`] prefixes each query with a `parse @message` command built from the format.

use super::aggregate::{ConversationKey, ConversationStats, Conversations, InterfaceTotals, RecordCounts, RejectedPort, TopTalker};
use super::filter::RecordFilter;
use super::format::Format;
use super::record::{Action, Protocol};
use super::render::{ConversationOut, Engine, InterfaceOut, RejectedOut, SummaryReport};
use std::net::IpAddr;

/// One result row: `(field, value)` pairs.
pub type Row = Vec<(String, String)>;

/// A query `flows summary --insights` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// Records by log status.
    RecordCounts,
    /// Conversations, largest first.
    Conversations,
    /// Source/destination pairs by bytes.
    TopTalkers,
    /// Rejected traffic by destination port.
    RejectsByPort,
    /// Per-interface totals.
    Interfaces,
}

impl Query {
    /// Every query, in the order they are run.
    pub const ALL: [Query; 5] = [Query::RecordCounts, Query::Conversations, Query::TopTalkers, Query::RejectsByPort, Query::Interfaces];

    /// The query file's text.
    pub fn source(self) -> &'static str {
        match self {
            Query::RecordCounts => include_str!("../../queries/insights/record-counts.insights"),
            Query::Conversations => include_str!("../../queries/insights/conversations.insights"),
            Query::TopTalkers => include_str!("../../queries/insights/top-talkers.insights"),
            Query::RejectsByPort => include_str!("../../queries/insights/rejects-by-port.insights"),
            Query::Interfaces => include_str!("../../queries/insights/interfaces.insights"),
        }
    }
}

/// The most rows Logs Insights returns for one query.
pub const MAX_ROWS: usize = 10_000;

/// The Insights field name for a flow-log field name (`srcaddr` -> `srcAddr`,
/// `log-status` -> `logStatus`), as Insights names the fields it discovers.
pub fn insights_name(field: &str) -> String {
    match field {
        "srcaddr" => return "srcAddr".into(),
        "dstaddr" => return "dstAddr".into(),
        "srcport" => return "srcPort".into(),
        "dstport" => return "dstPort".into(),
        _ => {}
    }
    let mut out = String::new();
    for (i, part) in field.split(['-', '_']).enumerate() {
        let mut cs = part.chars();
        if i > 0 {
            if let Some(c) = cs.next() {
                out.extend(c.to_uppercase());
            }
        }
        out.extend(cs);
    }
    out
}

/// The text of `query` ready to run: the `limit` set to `limit` rows (0: the maximum),
/// records outside `filter` dropped by a `filter` command first, and with `format` given, a
/// `parse @message` command naming every column before everything.
pub fn query_text(query: Query, format: Option<&Format>, limit: usize, filter: &RecordFilter) -> String {
    let limit = if limit == 0 { MAX_ROWS } else { limit.min(MAX_ROWS) };
    let body: Vec<&str> = query.source().lines().filter(|l| !l.trim_start().starts_with('#')).collect();
    let mut text = body.join("\n").replace("| limit 10", &format!("| limit {limit}"));
    if let Some(f) = filter.insights_filter() {
        text = format!("{f}\n| {text}");
    }
    if let Some(f) = format {
        let globs = vec!["*"; f.len()].join(" ");
        let names: Vec<String> = (0..f.len()).map(|i| insights_name(f.column_name(i).unwrap_or("unknown"))).collect();
        text = format!("parse @message \"{globs}\" as {}\n| {text}", names.join(", "));
    }
    text
}

fn field<'r>(row: &'r Row, name: &str) -> Option<&'r str> {
    row.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty() && *v != "-")
}

fn num(row: &Row, name: &str) -> Option<u64> {
    let v = field(row, name)?;
    v.parse::<u64>().ok().or_else(|| v.parse::<f64>().ok().filter(|f| *f >= 0.0).map(|f| f.round() as u64))
}

fn addr(row: &Row, name: &str) -> Option<IpAddr> {
    field(row, name)?.parse().ok()
}

fn port(row: &Row, name: &str) -> Option<u16> {
    num(row, name).and_then(|n| u16::try_from(n).ok())
}

fn protocol(row: &Row) -> Option<Protocol> {
    num(row, "protocol").and_then(|n| u8::try_from(n).ok()).map(Protocol)
}

/// Record counts from the `record-counts` rows.
pub fn record_counts(rows: &[Row]) -> RecordCounts {
    let mut c = RecordCounts::default();
    for row in rows {
        let n = num(row, "records").unwrap_or(0);
        c.total += n;
        match field(row, "logStatus") {
            Some("NODATA") => c.nodata += n,
            Some("SKIPDATA") => c.skipdata += n,
            Some("OK") | None => c.ok += n,
            Some(_) => {
                c.ok += n;
                c.unknown_status += n;
            }
        }
    }
    c
}

/// Conversations from the `conversations` rows.
pub fn conversations(rows: &[Row]) -> Conversations {
    let mut c = Conversations::new();
    for row in rows {
        let (key, stats) = conversation(row);
        c.add_stats(&key, &stats);
    }
    c
}

/// One conversation row (Logs Insights' or Athena's column names) as a key and its stats.
pub fn conversation(row: &Row) -> (ConversationKey<'_>, ConversationStats) {
    {
        let key = ConversationKey {
            interface: field(row, "interfaceId"),
            src: addr(row, "srcAddr"),
            dst: addr(row, "dstAddr"),
            src_port: port(row, "srcPort"),
            dst_port: port(row, "dstPort"),
            protocol: protocol(row),
            action: field(row, "action").map(|a| Action::parse(a.as_bytes())),
        };
        let stats = ConversationStats {
            packets: num(row, "packets").unwrap_or(0),
            bytes: num(row, "bytes").unwrap_or(0),
            records: num(row, "records").unwrap_or(0),
            first_start: num(row, "firstStart"),
            last_end: num(row, "lastEnd"),
            tcp_flags: None,
            direction: None,
        };
        (key, stats)
    }
}

/// Top talkers from the `top-talkers` rows.
pub fn top_talkers(rows: &[Row]) -> Vec<TopTalker> {
    rows.iter()
        .map(|r| TopTalker {
            src: addr(r, "srcAddr"),
            dst: addr(r, "dstAddr"),
            packets: num(r, "packets").unwrap_or(0),
            bytes: num(r, "bytes").unwrap_or(0),
            records: num(r, "records").unwrap_or(0),
        })
        .collect()
}

/// Rejected traffic from the `rejects-by-port` rows.
pub fn rejected(rows: &[Row]) -> Vec<RejectedPort> {
    rows.iter()
        .map(|r| RejectedPort {
            dst_port: port(r, "dstPort"),
            protocol: protocol(r),
            records: num(r, "records").unwrap_or(0),
            packets: num(r, "packets").unwrap_or(0),
            bytes: num(r, "bytes").unwrap_or(0),
            conversations: 0,
        })
        .collect()
}

/// Interface totals from the `interfaces` rows.
pub fn interfaces(rows: &[Row]) -> Vec<InterfaceTotals> {
    rows.iter()
        .map(|r| InterfaceTotals {
            interface: field(r, "interfaceId").map(str::to_string),
            records: num(r, "records").unwrap_or(0),
            packets: num(r, "packets").unwrap_or(0),
            bytes: num(r, "bytes").unwrap_or(0),
            rejected_records: 0,
            conversations: 0,
        })
        .collect()
}

/// The rows of every [`Query`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Results {
    /// [`Query::RecordCounts`] rows.
    pub record_counts: Vec<Row>,
    /// [`Query::Conversations`] rows.
    pub conversations: Vec<Row>,
    /// [`Query::TopTalkers`] rows.
    pub top_talkers: Vec<Row>,
    /// [`Query::RejectsByPort`] rows.
    pub rejects_by_port: Vec<Row>,
    /// [`Query::Interfaces`] rows.
    pub interfaces: Vec<Row>,
}

impl Results {
    /// The rows slot of a query.
    pub fn rows_mut(&mut self, q: Query) -> &mut Vec<Row> {
        match q {
            Query::RecordCounts => &mut self.record_counts,
            Query::Conversations => &mut self.conversations,
            Query::TopTalkers => &mut self.top_talkers,
            Query::RejectsByPort => &mut self.rejects_by_port,
            Query::Interfaces => &mut self.interfaces,
        }
    }

    /// The `flows summary` report of these results (lists cut to `top`, 0: all rows).
    pub fn report(&self, top: usize) -> SummaryReport {
        let convs = conversations(&self.conversations);
        let cut = |n: usize| if top == 0 { n } else { n.min(top) };
        let mut talkers = top_talkers(&self.top_talkers);
        talkers.truncate(cut(talkers.len()));
        let mut rej = rejected(&self.rejects_by_port);
        rej.truncate(cut(rej.len()));
        let mut ifs = interfaces(&self.interfaces);
        ifs.truncate(cut(ifs.len()));
        SummaryReport {
            engine: Engine::Insights,
            filter: None,
            records: record_counts(&self.record_counts),
            malformed_samples: Vec::new(),
            damaged_sources: Vec::new(),
            conversations_total: convs.len() as u64,
            conversations: convs.top(top).iter().map(|(k, s)| ConversationOut::new(k, s)).collect(),
            top_talkers: talkers,
            rejected: rej.iter().map(RejectedOut::from).collect(),
            interfaces: ifs.iter().map(InterfaceOut::from).collect(),
            s3: None,
            athena: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect()
    }

    /// Rows shaped like a recorded `GetQueryResults` response for the summary queries.
    fn recorded() -> Results {
        Results {
            record_counts: vec![row(&[("logStatus", "OK"), ("records", "1200")]), row(&[("logStatus", "NODATA"), ("records", "30")]), row(&[("logStatus", "SKIPDATA"), ("records", "2")])],
            conversations: vec![
                row(&[
                    ("interfaceId", "eni-1235b8ca123456789"),
                    ("srcAddr", "172.31.16.139"),
                    ("dstAddr", "172.31.16.21"),
                    ("srcPort", "20641"),
                    ("dstPort", "22"),
                    ("protocol", "6"),
                    ("action", "ACCEPT"),
                    ("packets", "20"),
                    ("bytes", "4249"),
                    ("records", "1"),
                    ("firstStart", "1418530010"),
                    ("lastEnd", "1418530070"),
                ]),
                row(&[("interfaceId", "eni-1235b8ca123456789"), ("srcAddr", "2001:db8::1"), ("dstAddr", "2001:db8::2"), ("srcPort", "1"), ("dstPort", "3389"), ("protocol", "6"), ("action", "REJECT"), ("packets", "2"), ("bytes", "8.0e1"), ("records", "2")]),
            ],
            top_talkers: vec![row(&[("srcAddr", "172.31.16.139"), ("dstAddr", "172.31.16.21"), ("packets", "20"), ("bytes", "4249"), ("records", "1")])],
            rejects_by_port: vec![row(&[("dstPort", "3389"), ("protocol", "6"), ("records", "2"), ("packets", "2"), ("bytes", "80")])],
            interfaces: vec![row(&[("interfaceId", "eni-1235b8ca123456789"), ("records", "3"), ("packets", "22"), ("bytes", "4329")])],
        }
    }

    #[test]
    fn recorded_results_become_a_report() {
        let r = recorded().report(10);
        assert_eq!(r.records, RecordCounts { total: 1232, ok: 1200, nodata: 30, skipdata: 2, malformed: 0, unknown_status: 0, filtered_out: 0 });
        assert_eq!(r.records.total, r.records.ok + r.records.nodata + r.records.skipdata + r.records.malformed);
        assert_eq!(r.conversations_total, 2);
        assert_eq!(r.conversations[0].bytes, 4249);
        assert_eq!(r.conversations[0].first_start, Some(1418530010));
        assert_eq!(r.conversations[1].bytes, 80);
        assert_eq!(r.conversations[1].action, Some("REJECT"));
        assert_eq!(r.rejected[0].dst_port, Some(3389));
        assert_eq!(r.top_talkers[0].bytes, 4249);
        assert_eq!(r.interfaces[0].bytes, 4329);
    }

    #[test]
    fn query_texts() {
        let q = query_text(Query::TopTalkers, None, 25, &RecordFilter::default());
        assert!(q.ends_with("| limit 25"), "{q}");
        assert!(!q.contains('#'));
        let f = Format::from_header(b"version interface-id srcaddr dstaddr log-status tcp-flags").unwrap();
        let q = query_text(Query::RecordCounts, Some(&f), 0, &RecordFilter::default());
        assert!(q.starts_with("parse @message \"* * * * * *\" as version, interfaceId, srcAddr, dstAddr, logStatus, tcpFlags\n| stats"), "{q}");
        let only = RecordFilter { port: Some(22), action: Some(Action::Reject), ..RecordFilter::default() };
        let q = query_text(Query::Conversations, Some(&f), 5, &only);
        assert!(q.contains("tcpFlags\n| filter (srcPort = 22 or dstPort = 22) and action = \"REJECT\"\n| filter logStatus != \"NODATA\""), "{q}");
    }
}

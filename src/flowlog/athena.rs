//! Amazon Athena as the engine of `flows summary --athena TABLE`: the aggregation query
//! (`queries/athena/summary.sql`, compiled in) with the incident filters and the time window
//! as `WHERE` and partition predicates, and the conversion of its result rows into the same
//! report a local scan produces. Rows are `(column, value)` string pairs, the shape of
//! GetQueryResults; the SDK calls live in `source::athena`.
//!
//! The query groups every record by conversation and log status, so the record counts and
//! the full conversation table come from one result; top talkers, rejected ports and
//! interface totals are then derived locally exactly as for local input.

use super::filter::{RecordFilter, EVENT_WINDOW_MARGIN_S};
use super::insights::{conversations, record_counts, Row};
use super::position::Sources;
use super::render::{Engine, SummaryReport};
use super::Summary;

/// How the table is partitioned, for the time window's partition predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Partitioning {
    /// No partition predicate (the table is not partitioned by date).
    #[default]
    None,
    /// A `day` string partition `yyyy/MM/dd` (`queries/athena/create-table.sql`).
    Day,
    /// Hive-style `year`, `month`, `day` string partitions (and `hour`), as the
    /// Hive-compatible S3 layout and `queries/athena/create-table-parquet-hive.sql` have.
    Hive,
}

/// The query text for `table` with `filter` as predicates.
pub fn query_text(table: &str, filter: &RecordFilter, partitioning: Partitioning) -> String {
    let mut preds: Vec<String> = Vec::new();
    if let Some(s) = filter.since {
        preds.push(format!("\"end\" >= {s}"));
    }
    if let Some(u) = filter.until {
        preds.push(format!("start <= {u}"));
    }
    if !filter.interfaces.is_empty() {
        let ids: Vec<String> = filter.interfaces.iter().map(|i| sql_string(i)).collect();
        preds.push(format!("interface_id IN ({})", ids.join(", ")));
    }
    let within = |col: &str, net: ipnet::IpNet| format!("contains('{net}', CAST({col} AS IPADDRESS))");
    let addr = |col: &str| format!("{col} IS NOT NULL AND {col} <> '-'");
    if let Some(n) = filter.addr {
        preds.push(format!("(({} AND {}) OR ({} AND {}))", addr("srcaddr"), within("srcaddr", n), addr("dstaddr"), within("dstaddr", n)));
    }
    if let Some(n) = filter.src {
        preds.push(format!("({} AND {})", addr("srcaddr"), within("srcaddr", n)));
    }
    if let Some(n) = filter.dst {
        preds.push(format!("({} AND {})", addr("dstaddr"), within("dstaddr", n)));
    }
    if let Some(p) = filter.port {
        preds.push(format!("(srcport = {p} OR dstport = {p})"));
    }
    if let Some(p) = filter.protocol {
        preds.push(format!("protocol = {p}"));
    }
    if let Some(a) = filter.action {
        preds.push(format!("action = '{}'", a.as_str()));
    }
    if let Some(p) = partition_predicate(filter, partitioning) {
        preds.push(p);
    }
    let body: Vec<&str> = include_str!("../../queries/athena/summary.sql").lines().filter(|l| !l.trim_start().starts_with("--")).collect();
    let cond = if preds.is_empty() { "TRUE".to_string() } else { preds.join("\n  AND ") };
    body.join("\n").replace("{table}", table).replace("{where}", &cond)
}

/// The partition predicate of the time window: the days it touches (widened by
/// [`EVENT_WINDOW_MARGIN_S`] before and an hour after, as deliveries lag their records).
fn partition_predicate(filter: &RecordFilter, partitioning: Partitioning) -> Option<String> {
    if partitioning == Partitioning::None || (filter.since.is_none() && filter.until.is_none()) {
        return None;
    }
    let lo = filter.since.map(|s| s.saturating_sub(EVENT_WINDOW_MARGIN_S) / 86_400);
    let hi = filter.until.map(|u| u.saturating_add(3600) / 86_400);
    let date = |d: u64| super::filter::civil_from_days(d as i64);
    match partitioning {
        Partitioning::None => None,
        Partitioning::Day => {
            let fmt = |d: u64| {
                let (y, m, dd) = date(d);
                format!("'{y:04}/{m:02}/{dd:02}'")
            };
            Some(match (lo, hi) {
                (Some(l), Some(h)) => format!("day BETWEEN {} AND {}", fmt(l), fmt(h)),
                (Some(l), None) => format!("day >= {}", fmt(l)),
                (None, Some(h)) => format!("day <= {}", fmt(h)),
                (None, None) => return None,
            })
        }
        Partitioning::Hive => {
            let (l, h) = (lo?, hi?);
            if h < l || h - l > 62 {
                return None;
            }
            let days: Vec<String> = (l..=h)
                .map(|d| {
                    let (y, m, dd) = date(d);
                    format!("(year = '{y:04}' AND month = '{m:02}' AND day = '{dd:02}')")
                })
                .collect();
            Some(format!("({})", days.join(" OR ")))
        }
    }
}


/// A SQL string literal.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The `flows summary` report of the query's rows (the header row already dropped); `top`
/// cuts each list (0: everything).
pub fn report(rows: &[Row], top: usize) -> SummaryReport {
    let mut summary = Summary::new();
    summary.counts = record_counts(rows);
    let traffic: Vec<Row> = rows
        .iter()
        .filter(|r| !r.iter().any(|(k, v)| k == "logStatus" && (v == "NODATA" || v == "SKIPDATA")))
        .cloned()
        .collect();
    summary.conversations = conversations(&traffic);
    let mut report = SummaryReport::new(&summary, &Sources::new(), Vec::new(), top);
    report.engine = Engine::Athena;
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::filter::parse_cidr;
    use crate::flowlog::Action;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn query_has_every_predicate() {
        let f = RecordFilter {
            since: Some(1_764_151_200),
            until: Some(1_764_154_800),
            interfaces: vec!["eni-0a".into(), "o'brien".into()],
            addr: Some(parse_cidr("10.0.1.0/24").unwrap()),
            port: Some(5432),
            protocol: Some(6),
            action: Some(Action::Reject),
            ..RecordFilter::default()
        };
        let q = query_text("db.flows", &f, Partitioning::Day);
        for part in [
            "FROM db.flows",
            "\"end\" >= 1764151200",
            "start <= 1764154800",
            "interface_id IN ('eni-0a', 'o''brien')",
            "contains('10.0.1.0/24', CAST(srcaddr AS IPADDRESS))",
            "(srcport = 5432 OR dstport = 5432)",
            "protocol = 6",
            "action = 'REJECT'",
            "day BETWEEN '2025/11/26' AND '2025/11/26'",
            "GROUP BY interface_id",
        ] {
            assert!(q.contains(part), "{part} missing from\n{q}");
        }
        assert!(!q.contains("--"), "{q}");
        let q = query_text("t", &f, Partitioning::Hive);
        assert!(q.contains("((year = '2025' AND month = '11' AND day = '26'))"), "{q}");
        assert!(query_text("t", &RecordFilter::default(), Partitioning::Hive).contains("WHERE TRUE"));
    }

    #[test]
    fn rows_become_the_report() {
        let rows = vec![
            row(&[("interfaceId", "eni-1"), ("srcAddr", "10.0.0.1"), ("dstAddr", "10.0.0.2"), ("srcPort", "40000"), ("dstPort", "22"), ("protocol", "6"), ("action", "REJECT"), ("logStatus", "OK"), ("packets", "3"), ("bytes", "180"), ("records", "2"), ("firstStart", "100"), ("lastEnd", "160")]),
            row(&[("interfaceId", "eni-1"), ("srcAddr", ""), ("dstAddr", ""), ("srcPort", ""), ("dstPort", ""), ("protocol", ""), ("action", ""), ("logStatus", "NODATA"), ("packets", ""), ("bytes", ""), ("records", "4"), ("firstStart", "100"), ("lastEnd", "160")]),
        ];
        let r = report(&rows, 10);
        assert_eq!(r.engine, Engine::Athena);
        assert_eq!((r.records.total, r.records.ok, r.records.nodata), (6, 2, 4));
        assert_eq!(r.conversations_total, 1);
        assert_eq!(r.rejected[0].dst_port, Some(22));
        assert_eq!(r.interfaces[0].bytes, 180);
    }
}

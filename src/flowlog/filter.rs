//! Incident filters: [`RecordFilter`], a record-level predicate (time window, interfaces,
//! addresses, port, protocol, action) that readers apply to each record as it is parsed,
//! and [`Filtered`], the [`RecordSink`] adapter that applies it in front of any other sink.
//! Records outside the filter are not dropped silently: the sink counts them
//! ([`RecordSink::filtered`], `records.filtered_out`), so `total == ok + nodata + skipdata +
//! malformed + filtered_out` still holds.
//!
//! The predicate reads the typed values the parser has already filled (the default format's
//! fast path fills them too), so a filtered run parses exactly as an unfiltered one and
//! pays one comparison per criterion per record.
//!
//! The filter is also data for the engines that scan elsewhere: [`RecordFilter::insights_filter`]
//! writes it as a Logs Insights `filter` command, and [`RecordFilter::event_window_ms`] turns
//! the time window into the event-time range to request from CloudWatch Logs.

use super::position::{Position, RecordSink};
use super::record::{Action, FlowRecord, ParseError, Protocol};
use ipnet::IpNet;
use std::net::IpAddr;

/// Which records a run keeps. Every criterion given must match; an empty filter keeps
/// everything. A record that lacks a field a criterion needs (a NODATA record has no
/// addresses; a custom format may have no `start`) does not match that criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Records whose capture window ends at or after this time (Unix seconds).
    pub since: Option<u64>,
    /// Records whose capture window starts at or before this time (Unix seconds).
    pub until: Option<u64>,
    /// Records logged by one of these interfaces (empty: any).
    pub interfaces: Vec<String>,
    /// Records with the source or the destination address in this network.
    pub addr: Option<IpNet>,
    /// Records with the source address in this network.
    pub src: Option<IpNet>,
    /// Records with the destination address in this network.
    pub dst: Option<IpNet>,
    /// Records with this source or destination port.
    pub port: Option<u16>,
    /// Records of this IP protocol number.
    pub protocol: Option<u8>,
    /// Records with this action.
    pub action: Option<Action>,
}

/// A filter value that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// A time that is neither RFC 3339, Unix seconds nor a relative duration.
    #[error("bad time {0:?}: expected RFC 3339 (2024-05-01T12:00:00Z), Unix seconds, or a duration before now (15m, 2h, 1d)")]
    BadTime(String),
    /// An address range that is not a CIDR or an address.
    #[error("bad address {0:?}: expected a CIDR (10.0.1.0/24) or an address")]
    BadCidr(String),
    /// A protocol that is neither a known name nor a number 0-255.
    #[error("bad protocol {0:?}: expected tcp, udp, icmp, icmpv6, all, or a number 0-255")]
    BadProtocol(String),
    /// An action other than ACCEPT or REJECT.
    #[error("bad action {0:?}: expected ACCEPT or REJECT")]
    BadAction(String),
    /// `since` is after `until`.
    #[error("the time window is empty: --since ({since}) is after --until ({until})")]
    EmptyWindow {
        /// The start, Unix seconds.
        since: u64,
        /// The end, Unix seconds.
        until: u64,
    },
}

impl RecordFilter {
    /// Whether the filter keeps every record.
    pub fn is_empty(&self) -> bool {
        *self == RecordFilter::default()
    }

    /// Checks that the window is not empty.
    pub fn validate(&self) -> Result<(), FilterError> {
        match (self.since, self.until) {
            (Some(since), Some(until)) if since > until => Err(FilterError::EmptyWindow { since, until }),
            _ => Ok(()),
        }
    }

    /// Whether `r` passes every criterion.
    #[inline]
    pub fn matches(&self, r: &FlowRecord<'_>) -> bool {
        if let Some(since) = self.since {
            if !r.end().is_some_and(|end| end >= since) {
                return false;
            }
        }
        if let Some(until) = self.until {
            if !r.start().is_some_and(|start| start <= until) {
                return false;
            }
        }
        if !self.interfaces.is_empty() {
            let Some(id) = r.interface_id() else { return false };
            if !self.interfaces.iter().any(|i| i == id) {
                return false;
            }
        }
        if self.addr.is_some() || self.src.is_some() || self.dst.is_some() {
            let (src, dst) = (r.srcaddr(), r.dstaddr());
            if !within(self.src, src) || !within(self.dst, dst) {
                return false;
            }
            if let Some(net) = self.addr {
                if !(src.is_some_and(|a| net.contains(&a)) || dst.is_some_and(|a| net.contains(&a))) {
                    return false;
                }
            }
        }
        if let Some(port) = self.port {
            if r.srcport() != Some(port) && r.dstport() != Some(port) {
                return false;
            }
        }
        if let Some(p) = self.protocol {
            if r.protocol() != Some(Protocol(p)) {
                return false;
            }
        }
        if let Some(a) = self.action {
            if r.action() != Some(a) {
                return false;
            }
        }
        true
    }

    /// The event-time range (ms since the epoch) to request from CloudWatch Logs for this
    /// time window. A flow-log event is stamped with its record's capture window, which lasts
    /// up to the longest aggregation interval (10 minutes), so the range is widened by
    /// [`EVENT_WINDOW_MARGIN_S`] on both sides; [`RecordFilter::matches`] then keeps exactly
    /// the records of the window.
    pub fn event_window_ms(&self) -> (Option<i64>, Option<i64>) {
        let ms = |t: u64| i64::try_from(t).ok().and_then(|t| t.checked_mul(1000));
        (
            self.since.and_then(|s| ms(s.saturating_sub(EVENT_WINDOW_MARGIN_S))),
            self.until.and_then(|u| ms(u.saturating_add(EVENT_WINDOW_MARGIN_S))),
        )
    }

    /// The filter as one Logs Insights `filter` command over the fields Insights discovers in
    /// flow logs (or that a `parse` command names after the format's fields), or `None` for
    /// an empty filter.
    pub fn insights_filter(&self) -> Option<String> {
        let mut clauses = Vec::new();
        if let Some(s) = self.since {
            clauses.push(format!("end >= {s}"));
        }
        if let Some(u) = self.until {
            clauses.push(format!("start <= {u}"));
        }
        if !self.interfaces.is_empty() {
            let ids: Vec<String> = self.interfaces.iter().map(|i| insights_string(i)).collect();
            clauses.push(format!("interfaceId in [{}]", ids.join(", ")));
        }
        let subnet = |field: &str, net: IpNet| format!("isIpInSubnet({field}, \"{net}\")");
        if let Some(n) = self.addr {
            clauses.push(format!("({} or {})", subnet("srcAddr", n), subnet("dstAddr", n)));
        }
        if let Some(n) = self.src {
            clauses.push(subnet("srcAddr", n));
        }
        if let Some(n) = self.dst {
            clauses.push(subnet("dstAddr", n));
        }
        if let Some(p) = self.port {
            clauses.push(format!("(srcPort = {p} or dstPort = {p})"));
        }
        if let Some(p) = self.protocol {
            clauses.push(format!("protocol = {p}"));
        }
        if let Some(a) = self.action {
            clauses.push(format!("action = \"{}\"", a.as_str()));
        }
        (!clauses.is_empty()).then(|| format!("filter {}", clauses.join(" and ")))
    }

    /// The filter as the JSON object reports echo (`"filter"`): only the criteria given,
    /// times as Unix seconds, networks as CIDRs, the protocol as its number.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(s) = self.since {
            m.insert("since".into(), s.into());
        }
        if let Some(u) = self.until {
            m.insert("until".into(), u.into());
        }
        if !self.interfaces.is_empty() {
            m.insert("interfaces".into(), self.interfaces.clone().into());
        }
        for (name, net) in [("addr", self.addr), ("src", self.src), ("dst", self.dst)] {
            if let Some(n) = net {
                m.insert(name.into(), n.to_string().into());
            }
        }
        if let Some(p) = self.port {
            m.insert("port".into(), p.into());
        }
        if let Some(p) = self.protocol {
            m.insert("protocol".into(), p.into());
        }
        if let Some(a) = self.action {
            m.insert("action".into(), a.as_str().into());
        }
        serde_json::Value::Object(m)
    }

    /// The filter in words, for text reports ("since 1718000000, interface eni-1, port 22").
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.since {
            parts.push(format!("since {s}"));
        }
        if let Some(u) = self.until {
            parts.push(format!("until {u}"));
        }
        if !self.interfaces.is_empty() {
            parts.push(format!("interface {}", self.interfaces.join(" or ")));
        }
        for (name, net) in [("addr", self.addr), ("src", self.src), ("dst", self.dst)] {
            if let Some(n) = net {
                parts.push(format!("{name} {n}"));
            }
        }
        if let Some(p) = self.port {
            parts.push(format!("port {p}"));
        }
        if let Some(p) = self.protocol {
            parts.push(format!("protocol {}", Protocol(p).name()));
        }
        if let Some(a) = self.action {
            parts.push(format!("action {}", a.as_str()));
        }
        parts.join(", ")
    }
}

/// How far the event-time range sent to CloudWatch Logs reaches past the time window, in
/// seconds: the longest aggregation interval (10 minutes) plus delivery slack.
pub const EVENT_WINDOW_MARGIN_S: u64 = 15 * 60;

fn within(net: Option<IpNet>, a: Option<IpAddr>) -> bool {
    match net {
        None => true,
        Some(n) => a.is_some_and(|a| n.contains(&a)),
    }
}

/// A string literal for a Logs Insights query.
fn insights_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Parses a time: RFC 3339 (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00+02:00`, fractions
/// of a second ignored), Unix seconds, or a duration before `now` (`90s`, `15m`, `2h`, `1d`).
/// Returns Unix seconds.
pub fn parse_time(text: &str, now: u64) -> Result<u64, FilterError> {
    let bad = || FilterError::BadTime(text.to_string());
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| bad());
    }
    if let Some(unit) = t.chars().last().filter(|c| matches!(c, 's' | 'm' | 'h' | 'd')) {
        let digits = &t[..t.len() - 1];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            let n: u64 = digits.parse().map_err(|_| bad())?;
            let scale = match unit {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                _ => 86_400,
            };
            return n.checked_mul(scale).map(|d| now.saturating_sub(d)).ok_or_else(bad);
        }
    }
    rfc3339(t).ok_or_else(bad)
}

/// RFC 3339 date-time to Unix seconds (times before 1970 are refused).
fn rfc3339(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (year, month, day) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hour, min, sec) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                return None;
            }
            let parse = |s: &str| -> Option<i64> { s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())? };
            let (h, m) = (parse(&rest[1..3])?, parse(&rest[4..6])?);
            if h > 23 || m > 59 {
                return None;
            }
            let o = h * 3600 + m * 60;
            if rb[0] == b'-' {
                -o
            } else {
                o
            }
        }
    };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset;
    u64::try_from(secs).ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of day `z` since 1970-01-01: the
/// inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Parses a CIDR, or a single address as its host network (`/32`, `/128`).
pub fn parse_cidr(text: &str) -> Result<IpNet, FilterError> {
    let t = text.trim();
    t.parse::<IpNet>()
        .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
        .map(|n| n.trunc())
        .map_err(|_| FilterError::BadCidr(text.to_string()))
}

/// Parses a protocol name (`tcp`, `udp`, `icmp`, `icmpv6`) or number.
pub fn parse_protocol(text: &str) -> Result<u8, FilterError> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Protocol::TCP.0),
        "udp" => Ok(Protocol::UDP.0),
        "icmp" => Ok(Protocol::ICMP.0),
        "icmpv6" | "ipv6-icmp" => Ok(Protocol::ICMPV6.0),
        _ => t.parse::<u8>().map_err(|_| FilterError::BadProtocol(text.to_string())),
    }
}

/// Parses `ACCEPT` or `REJECT` (any case).
pub fn parse_action(text: &str) -> Result<Action, FilterError> {
    match Action::parse(text.trim().to_ascii_uppercase().as_bytes()) {
        Action::Unknown => Err(FilterError::BadAction(text.to_string())),
        a => Ok(a),
    }
}

/// A [`RecordSink`] that passes the records a [`RecordFilter`] keeps to `inner` and reports
/// the others to `inner` as filtered out. Malformed lines pass through: a line that is not
/// a record cannot be judged.
#[derive(Debug)]
pub struct Filtered<'f, S> {
    filter: &'f RecordFilter,
    inner: S,
}

impl<'f, S: RecordSink> Filtered<'f, S> {
    /// Wraps `inner`.
    pub fn new(filter: &'f RecordFilter, inner: S) -> Filtered<'f, S> {
        Filtered { filter, inner }
    }

    /// The wrapped sink.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: RecordSink> RecordSink for Filtered<'_, S> {
    #[inline]
    fn record(&mut self, position: Position, record: &FlowRecord<'_>) {
        if self.filter.matches(record) {
            self.inner.record(position, record);
        } else {
            self.inner.filtered(position);
        }
    }
    fn malformed(&mut self, position: Position, error: ParseError) {
        self.inner.malformed(position, error);
    }
    fn filtered(&mut self, position: Position) {
        self.inner.filtered(position);
    }
    fn finish(&mut self) {
        self.inner.finish();
    }
    fn merge(&mut self, other: Self) {
        self.inner.merge(other.inner);
    }
    fn text_fields(&self) -> crate::flowlog::TextFields {
        // The filter reads typed values and the interface id.
        self.inner.text_fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::{ParserBuilder, SourceId, Summary};

    /// AWS's documented examples, plus records around a time window.
    const LOG: &str = "\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-11111111111111111 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-11111111111111111 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK
2 123456789010 eni-22222222222222222 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK
2 123456789010 eni-22222222222222222 10.0.1.5 10.0.2.9 5432 49152 6 3 180 1600000000 1600000060 ACCEPT OK
2 123456789010 eni-22222222222222222 10.0.2.9 10.0.1.5 49152 5432 17 3 180 1600000000 1600000060 REJECT OK
";

    /// Runs `filter` over `LOG` with the fast path on or off, returning the summary.
    fn run(filter: &RecordFilter, fast: bool) -> Summary {
        let mut parser = ParserBuilder::new().fast_path(fast).build();
        let mut sink = Filtered::new(filter, Summary::new());
        let used = parser.feed(LOG.as_bytes(), |line, r| {
            let position = Position::Line { source: SourceId(0), chunk: 0, line };
            match r {
                Ok(rec) => sink.record(position, &rec),
                Err(e) => sink.malformed(position, e),
            }
        });
        assert_eq!(used, LOG.len());
        sink.finish();
        sink.into_inner()
    }

    /// The lines (1-based) `filter` keeps, decided record by record with the general parser.
    fn kept(filter: &RecordFilter) -> Vec<u64> {
        let mut parser = ParserBuilder::new().fast_path(false).build();
        let mut out = Vec::new();
        for (i, line) in LOG.lines().enumerate() {
            let r = parser.parse_line(line.as_bytes()).unwrap();
            if filter.matches(&r) {
                out.push(i as u64 + 1);
            }
        }
        out
    }

    fn check(filter: RecordFilter, expect: &[u64]) {
        assert_eq!(kept(&filter), expect, "{filter:?}");
        let fast = run(&filter, true);
        let slow = run(&filter, false);
        let c = fast.counts;
        assert_eq!(c.total, 8);
        assert_eq!(c.filtered_out, 8 - expect.len() as u64);
        assert_eq!(c.total, c.ok + c.nodata + c.skipdata + c.malformed + c.filtered_out);
        assert_eq!(fast.counts, slow.counts);
        let convs = |s: &Summary| s.conversations.top(0).iter().map(|(k, v)| format!("{k:?}{v:?}")).collect::<Vec<_>>();
        assert_eq!(convs(&fast), convs(&slow));
    }

    #[test]
    fn every_criterion_alone_and_together() {
        check(RecordFilter::default(), &[1, 2, 3, 4, 5, 6, 7, 8]);
        check(RecordFilter { since: Some(1_431_280_900), ..Default::default() }, &[3, 4, 5, 6, 7, 8]);
        check(RecordFilter { until: Some(1_418_530_010), ..Default::default() }, &[1, 2]);
        check(RecordFilter { since: Some(1_432_917_050), until: Some(1_432_917_050), ..Default::default() }, &[4]);
        check(RecordFilter { interfaces: vec!["eni-11111111111111111".into(), "eni-x".into()], ..Default::default() }, &[4, 5]);
        check(RecordFilter { addr: Some(parse_cidr("172.31.16.139").unwrap()), ..Default::default() }, &[1, 4, 5]);
        check(RecordFilter { src: Some(parse_cidr("172.31.0.0/16").unwrap()), ..Default::default() }, &[1, 2, 5]);
        check(RecordFilter { dst: Some(parse_cidr("2001:db8::/32").unwrap()), ..Default::default() }, &[6]);
        check(RecordFilter { port: Some(22), ..Default::default() }, &[1, 6]);
        check(RecordFilter { port: Some(5432), ..Default::default() }, &[7, 8]);
        check(RecordFilter { protocol: Some(1), ..Default::default() }, &[4, 5]);
        check(RecordFilter { action: Some(Action::Reject), ..Default::default() }, &[2, 5, 8]);
        check(
            RecordFilter {
                interfaces: vec!["eni-22222222222222222".into()],
                addr: Some(parse_cidr("10.0.0.0/16").unwrap()),
                port: Some(5432),
                protocol: Some(17),
                action: Some(Action::Reject),
                ..Default::default()
            },
            &[8],
        );
    }

    #[test]
    fn times() {
        let now = 1_700_000_000;
        assert_eq!(parse_time("1418530010", now), Ok(1_418_530_010));
        assert_eq!(parse_time("2024-05-01T00:00:00Z", now), Ok(1_714_521_600));
        assert_eq!(parse_time("2024-05-01T02:30:00.250+02:30", now), Ok(1_714_521_600));
        assert_eq!(parse_time("2024-02-29 10:02:00z", now), Ok(1_709_200_920));
        assert_eq!(parse_time("15m", now), Ok(now - 900));
        assert_eq!(parse_time("2h", now), Ok(now - 7200));
        assert_eq!(parse_time("1d", now), Ok(now - 86_400));
        assert_eq!(parse_time("30s", now), Ok(now - 30));
        for bad in ["", "yesterday", "2023-02-29T00:00:00Z", "2024-05-01T00:00:00", "2024-05-01T24:00:00Z", "m", "1969-12-31T23:59:59Z", "15 m"] {
            assert_eq!(parse_time(bad, now), Err(FilterError::BadTime(bad.into())), "{bad}");
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn values() {
        assert_eq!(parse_cidr("10.0.1.7/24").unwrap().to_string(), "10.0.1.0/24");
        assert_eq!(parse_cidr("2001:db8::1").unwrap().to_string(), "2001:db8::1/128");
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert_eq!(parse_protocol("TCP"), Ok(6));
        assert_eq!(parse_protocol("icmpv6"), Ok(58));
        assert_eq!(parse_protocol("50"), Ok(50));
        assert!(parse_protocol("256").is_err());
        assert_eq!(parse_action("reject"), Ok(Action::Reject));
        assert!(parse_action("DROP").is_err());
        let f = RecordFilter { since: Some(10), until: Some(5), ..Default::default() };
        assert_eq!(f.validate(), Err(FilterError::EmptyWindow { since: 10, until: 5 }));
    }

    #[test]
    fn pushdown_and_echo() {
        let f = RecordFilter {
            since: Some(1_000_000),
            until: Some(1_000_600),
            interfaces: vec!["eni-1".into()],
            addr: Some(parse_cidr("10.0.1.0/24").unwrap()),
            port: Some(5432),
            protocol: Some(6),
            action: Some(Action::Reject),
            ..Default::default()
        };
        assert_eq!(
            f.insights_filter().unwrap(),
            "filter end >= 1000000 and start <= 1000600 and interfaceId in [\"eni-1\"] and (isIpInSubnet(srcAddr, \"10.0.1.0/24\") or isIpInSubnet(dstAddr, \"10.0.1.0/24\")) and (srcPort = 5432 or dstPort = 5432) and protocol = 6 and action = \"REJECT\""
        );
        assert_eq!(f.event_window_ms(), (Some(1_000_000_000 - 900_000), Some(1_000_600_000 + 900_000)));
        assert_eq!(
            f.to_json().to_string(),
            r#"{"action":"REJECT","addr":"10.0.1.0/24","interfaces":["eni-1"],"port":5432,"protocol":6,"since":1000000,"until":1000600}"#
        );
        assert_eq!(f.describe(), "since 1000000, until 1000600, interface eni-1, addr 10.0.1.0/24, port 5432, protocol tcp, action REJECT");
        assert_eq!(RecordFilter::default().insights_filter(), None);
        assert!(RecordFilter::default().is_empty());
    }
}

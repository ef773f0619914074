//! Aggregation of records into conversations, and the views derived from them (top talkers,
//! rejected traffic by destination port, per-interface totals). [`Conversations`] is a
//! compact hash table whose memory grows with the number of distinct conversations, never
//! with the input: a conversation costs about 60 bytes. Tables and [`Summary`] values combine
//! with `+=`, so per-thread results reduce into one.
//!
//! Each conversation gets a dense [`ConvId`] (returned by [`Conversations::add`]), so a caller
//! can keep per-conversation side data, such as the first few evidence positions, in a plain
//! `Vec` indexed by it.

//!
//! Units: `table` holds the packed open-addressing table ([`Conversations`]), `intern` the
//! interners of interface ids and IPv6 addresses (seeded hashing), `ring` the look-ahead
//! ring that overlaps the table's cache misses with parsing ([`Ahead`]), `views` the
//! derived views, and `summary` the `flows summary` aggregate ([`Summary`]).

use super::record::{Action, Direction, FlowRecord, Protocol, TcpFlags};
use std::net::IpAddr;
use std::ops::AddAssign;

mod intern;
mod ring;
mod summary;
mod table;
mod views;

pub use ring::Ahead;
pub use summary::{Malformed, RecordCounts, Summary, MALFORMED_SAMPLES};
pub(crate) use table::prefetch;
pub use table::Conversations;
pub use views::{InterfaceTotals, RejectedPort, TopTalker};

/// The dense index of a conversation in one [`Conversations`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConvId(pub u32);

/// What identifies a conversation: (interface, source, destination, source port,
/// destination port, protocol, action). Fields are `None` when the format lacks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConversationKey<'a> {
    /// `interface-id`.
    pub interface: Option<&'a str>,
    /// `srcaddr`.
    pub src: Option<IpAddr>,
    /// `dstaddr`.
    pub dst: Option<IpAddr>,
    /// `srcport`.
    pub src_port: Option<u16>,
    /// `dstport`.
    pub dst_port: Option<u16>,
    /// `protocol`.
    pub protocol: Option<Protocol>,
    /// `action`.
    pub action: Option<Action>,
}

impl<'a> ConversationKey<'a> {
    /// The key of a record.
    pub fn of(record: &FlowRecord<'a>) -> ConversationKey<'a> {
        ConversationKey {
            interface: record.interface_id(),
            src: record.srcaddr(),
            dst: record.dstaddr(),
            src_port: record.srcport(),
            dst_port: record.dstport(),
            protocol: record.protocol(),
            action: record.action(),
        }
    }
}

/// What is known about a conversation: sums over its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConversationStats {
    /// Sum of `packets`.
    pub packets: u64,
    /// Sum of `bytes`.
    pub bytes: u64,
    /// Number of records.
    pub records: u64,
    /// Earliest `start` (Unix seconds).
    pub first_start: Option<u64>,
    /// Latest `end` (Unix seconds).
    pub last_end: Option<u64>,
    /// OR of `tcp-flags`.
    pub tcp_flags: Option<TcpFlags>,
    /// `flow-direction`, when every record of the conversation has the same one.
    pub direction: Option<Direction>,
}

impl ConversationStats {
    /// The stats of one record.
    pub fn of(record: &FlowRecord<'_>) -> ConversationStats {
        ConversationStats {
            packets: record.packets().unwrap_or(0),
            bytes: record.bytes().unwrap_or(0),
            records: 1,
            first_start: record.start(),
            last_end: record.end(),
            tcp_flags: record.tcp_flags(),
            direction: record.direction(),
        }
    }
}

impl AddAssign<&ConversationStats> for ConversationStats {
    fn add_assign(&mut self, o: &ConversationStats) {
        let had_records = self.records > 0;
        self.packets = self.packets.saturating_add(o.packets);
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.records = self.records.saturating_add(o.records);
        self.first_start = min_opt(self.first_start, o.first_start);
        self.last_end = max_opt(self.last_end, o.last_end);
        self.tcp_flags = match (self.tcp_flags, o.tcp_flags) {
            (Some(a), Some(b)) => Some(TcpFlags(a.0 | b.0)),
            (a, b) => a.or(b),
        };
        self.direction = if had_records { if self.direction == o.direction { self.direction } else { None } } else { o.direction };
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::parser::Parser;
    use super::ring::AHEAD;
    use super::table::BLOCK;
    use crate::flowlog::position::{Position, RecordSink};

    const LOG: &str = "\
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 0 0 1 4 336 1432917094 1432917142 REJECT OK
2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 2 100 1432917000 1432917300 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 2001:db8::1 2001:db8::2 34892 22 6 54 8855 1477913708 1477913820 REJECT OK
2 123456789010 eni-aaaaaaaaaaaaaaaaa 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA
";

    fn summarize(text: &str) -> Summary {
        let mut p = Parser::default();
        let mut s = Summary::new();
        let used = p.feed(text.as_bytes(), |n, r| match r {
            Ok(r) => {
                s.add(&r);
            }
            Err(e) => s.add_malformed(Position::Line { source: super::super::SourceId(0), chunk: 0, line: n }, e),
        });
        assert_eq!(used, text.len());
        s
    }

    /// `find_reverse` answers what `find` answers for the reversed key: over IPv4 and IPv6
    /// addresses, missing ports, tags and actions, with the reverses often present.
    /// One sink reading pieces out of order keeps the earliest malformed lines, in position
    /// order, however they arrive (the report's first sample is the file's first bad line).
    #[test]
    fn malformed_samples_are_the_earliest_in_position_order() {
        let at = |chunk: u32, line: u64| Position::Line { source: crate::flowlog::SourceId(0), chunk, line };
        let mut s = Summary::new();
        for chunk in (0..4).rev() {
            for line in 1..=5 {
                s.add_malformed(at(chunk, line), crate::flowlog::ParseError::NotText);
            }
        }
        let kept: Vec<Position> = s.malformed_samples.iter().map(|m| m.position).collect();
        let want: Vec<Position> = (0..2).flat_map(|chunk| (1..=5).map(move |line| at(chunk, line))).collect();
        assert_eq!(kept, want);
        assert_eq!(s.counts.malformed, 20);
    }

    #[test]
    fn find_reverse_agrees_with_find_on_the_reversed_key() {
        let addrs = ["10.0.0.1", "10.0.0.2", "2001:db8::1", "2001:db8::2"];
        let ports = ["22", "443", "-", "50000"];
        let mut rng = crate::flowlog::synth::Rng(9);
        let mut c = Conversations::new();
        let mut p = Parser::default();
        for _ in 0..2000 {
            let pick = |rng: &mut crate::flowlog::synth::Rng, from: &[&'static str]| from[rng.below(from.len() as u64) as usize];
            let (src, dst) = (pick(&mut rng, &addrs), pick(&mut rng, &addrs));
            let (sport, dport) = (pick(&mut rng, &ports), pick(&mut rng, &ports));
            let (iface, action) = (pick(&mut rng, &["eni-a", "eni-b"]), pick(&mut rng, &["ACCEPT", "REJECT"]));
            let line = format!("2 1 {iface} {src} {dst} {sport} {dport} 6 1 100 1000 1060 {action} OK");
            let r = p.parse_line(line.as_bytes()).unwrap();
            c.add_tagged(&r, rng.below(3) as u8);
        }
        let mut found = 0;
        for id in 0..c.len() as u32 {
            let (k, _) = c.get(ConvId(id)).unwrap();
            let reverse = ConversationKey { src: k.dst, dst: k.src, src_port: k.dst_port, dst_port: k.src_port, ..k };
            for action in [Some(Action::Accept), Some(Action::Reject), None] {
                // (No entry has tag 5: answered without probing.)
                for tag in [0, 1, 2, 5] {
                    let want = c.find(&ConversationKey { action, ..reverse }, tag);
                    assert_eq!(c.find_reverse(ConvId(id), action, tag), want, "{k:?} {action:?} {tag}");
                    found += usize::from(want.is_some());
                }
            }
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn counts_and_conversations() {
        let s = summarize(LOG);
        assert_eq!(s.counts, RecordCounts { total: 7, ok: 5, nodata: 1, skipdata: 1, malformed: 0, unknown_status: 0, filtered_out: 0 });
        assert_eq!(s.conversations.len(), 4);
        let top = s.conversations.top(1);
        assert_eq!(top[0].0.src, Some("2001:db8::1".parse().unwrap()));
        let ping = s
            .conversations
            .iter()
            .find(|(_, k, _)| k.action == Some(Action::Accept))
            .map(|(_, _, st)| st)
            .unwrap();
        assert_eq!(
            ping,
            ConversationStats { packets: 6, bytes: 436, records: 2, first_start: Some(1432917000), last_end: Some(1432917300), tcp_flags: None, direction: None }
        );
    }

    #[test]
    fn derived_views() {
        let s = summarize(LOG);
        let rej = s.conversations.rejected_by_port(0);
        assert_eq!(rej.len(), 3);
        assert_eq!((rej[0].dst_port, rej[0].records, rej[0].packets), (Some(22), 1, 54));
        let talkers = s.conversations.top_talkers(2);
        assert_eq!(talkers[0].bytes, 8855);
        assert_eq!(talkers[1].bytes, 4249);
        let ifs = s.conversations.interfaces(0);
        assert_eq!(ifs[0].interface.as_deref(), Some("eni-1235b8ca123456789"));
        assert_eq!((ifs[0].records, ifs[0].rejected_records, ifs[0].conversations), (4, 2, 3));
    }

    #[test]
    fn merge_equals_single_pass() {
        let whole = summarize(LOG);
        let (a, b) = LOG.split_at(LOG.find("2 123456789010 eni-aaaa").unwrap());
        let mut left = summarize(a);
        left += summarize(b);
        assert_eq!(left.counts, whole.counts);
        let render = |s: &Summary| format!("{:?}", s.conversations.top(0));
        assert_eq!(render(&left), render(&whole));
    }

    /// Records given to the sink are held back a few at a time (to prefetch their slots):
    /// `finish` and `merge` must deliver every one, in order, so the table equals the one
    /// built by adding each record at once, conversation ids included.
    #[test]
    fn held_back_records_all_arrive_in_order() {
        let mut log = String::new();
        for i in 0..(AHEAD * 5 + 3) {
            log.push_str(&format!("2 1 eni-{} 10.0.0.{} 10.1.0.1 {} 443 6 1 {} 1 2 ACCEPT OK\n", i % 3, i % 11, 1000 + i % 7, i));
        }
        log.push_str(LOG);
        let immediate = summarize(&log);
        let feed = |text: &str| {
            let mut s = Summary::new();
            Parser::default().feed(text.as_bytes(), |n, r| {
                let position = Position::Line { source: super::super::SourceId(0), chunk: 0, line: n };
                match r {
                    Ok(r) => s.record(position, &r),
                    Err(e) => s.malformed(position, e),
                }
            });
            s
        };
        let mut sunk = feed(&log);
        sunk.finish();
        let render = |s: &Summary| format!("{:?} {:?}", s.counts, s.conversations.iter().collect::<Vec<_>>());
        assert_eq!(render(&sunk), render(&immediate));
        // Merging delivers both sides' held-back records; so does `add`.
        let (a, b) = log.split_at(log.find("2 123456789010").unwrap());
        let mut left = feed(a);
        left.merge(feed(b));
        assert_eq!(render(&left), render(&immediate));
        let mut mixed = feed(a);
        for line in b.lines() {
            if let Ok(r) = Parser::default().parse_line(line.as_bytes()) {
                mixed.add(&r);
            }
        }
        assert_eq!(format!("{:?}", mixed.conversations.iter().collect::<Vec<_>>()), format!("{:?}", immediate.conversations.iter().collect::<Vec<_>>()));
    }

    #[test]
    fn direction_agrees_or_is_dropped() {
        let mut a = ConversationStats { records: 1, direction: Some(Direction::Ingress), ..Default::default() };
        a += &ConversationStats { records: 1, direction: Some(Direction::Ingress), ..Default::default() };
        assert_eq!(a.direction, Some(Direction::Ingress));
        a += &ConversationStats { records: 1, direction: Some(Direction::Egress), ..Default::default() };
        assert_eq!(a.direction, None);
    }

    #[test]
    fn many_conversations_grow_past_a_block() {
        let mut c = Conversations::new();
        let mut p = Parser::default();
        for i in 0..(BLOCK as u32 * 2 + 5) {
            let line = format!("2 1 eni-{} 10.0.{}.{} 10.1.0.1 {} 443 6 1 100 1 2 ACCEPT OK", i % 7, i >> 8 & 255, i & 255, i % 60000);
            let r = p.parse_line(line.as_bytes()).unwrap();
            c.add(&r);
        }
        assert_eq!(c.len(), BLOCK * 2 + 5);
        let total: u64 = c.iter().map(|(_, _, s)| s.bytes).sum();
        assert_eq!(total, 100 * (BLOCK as u64 * 2 + 5));
    }
}

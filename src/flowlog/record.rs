//! [`FlowRecord`]: a borrowed view over one parsed flow-log line, and the small value types
//! its typed accessors return ([`Action`], [`LogStatus`], [`Direction`], [`Protocol`],
//! [`TcpFlags`]). The parser fills the record's typed values once per line; text columns are
//! slices of the line, so reading a record allocates nothing.

use super::field::Field;
use super::format::Format;
use std::fmt;
use std::net::IpAddr;

/// The `action` field. Words AWS may add later are kept as [`Action::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// `ACCEPT`: the traffic was allowed by security groups and network ACLs.
    Accept,
    /// `REJECT`: the traffic was refused (or arrived after the connection closed).
    Reject,
    /// Any other word; the text stays readable through [`FlowRecord::get`].
    Unknown,
}

impl Action {
    /// The AWS spelling (`ACCEPT`, `REJECT`, or `UNKNOWN`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "ACCEPT",
            Action::Reject => "REJECT",
            Action::Unknown => "UNKNOWN",
        }
    }

    /// Parses the AWS spelling; other words are [`Action::Unknown`].
    pub fn parse(text: &[u8]) -> Action {
        match text {
            b"ACCEPT" => Action::Accept,
            b"REJECT" => Action::Reject,
            _ => Action::Unknown,
        }
    }
}

/// The `log-status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStatus {
    /// `OK`: data is logging normally.
    Ok,
    /// `NODATA`: no traffic during the aggregation interval.
    NoData,
    /// `SKIPDATA`: records were skipped during the aggregation interval.
    SkipData,
    /// Any other word.
    Unknown,
}

impl LogStatus {
    /// Parses the AWS spelling; other words are [`LogStatus::Unknown`].
    pub fn parse(text: &[u8]) -> LogStatus {
        match text {
            b"OK" => LogStatus::Ok,
            b"NODATA" => LogStatus::NoData,
            b"SKIPDATA" => LogStatus::SkipData,
            _ => LogStatus::Unknown,
        }
    }
}

/// Traffic direction relative to the logged interface (the `flow-direction` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Traffic arriving at the interface.
    Ingress,
    /// Traffic leaving the interface.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// An IANA protocol number with names for the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Protocol(pub u8);

impl Protocol {
    /// ICMP (1).
    pub const ICMP: Protocol = Protocol(1);
    /// TCP (6).
    pub const TCP: Protocol = Protocol(6);
    /// UDP (17).
    pub const UDP: Protocol = Protocol(17);
    /// ICMPv6 (58).
    pub const ICMPV6: Protocol = Protocol(58);

    /// A short lowercase name (`tcp`, `udp`, `icmp`, `icmpv6`), or the number.
    pub fn name(self) -> std::borrow::Cow<'static, str> {
        match self.0 {
            1 => "icmp".into(),
            6 => "tcp".into(),
            17 => "udp".into(),
            58 => "icmpv6".into(),
            n => n.to_string().into(),
        }
    }
}

/// The OR of the TCP flags seen during the aggregation interval (FIN 1, SYN 2, RST 4,
/// SYN-ACK 18; ACK or PSH alone log 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// FIN.
    pub const FIN: u8 = 1;
    /// SYN.
    pub const SYN: u8 = 2;
    /// RST.
    pub const RST: u8 = 4;
    /// ACK (only logged together with SYN, as SYN-ACK = 18).
    pub const ACK: u8 = 16;

    /// Whether every bit of `flag` is set.
    pub fn contains(self, flag: u8) -> bool {
        self.0 & flag == flag
    }
}

impl std::ops::BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

/// Why a line is not a valid record. Small and `Copy`: the reader adds the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The line has a different number of fields than the format (`found` is capped at
    /// one more than expected).
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// Columns in the format.
        expected: u16,
        /// Fields on the line.
        found: u16,
    },
    /// A numeric field holds something else.
    #[error("{0}: not a number")]
    NotANumber(Field),
    /// A numeric field is too large for its type.
    #[error("{0}: number out of range")]
    OutOfRange(Field),
    /// An address field holds neither an IPv4 nor an IPv6 address.
    #[error("{0}: not an IP address")]
    BadAddress(Field),
    /// `flow-direction` is neither `ingress` nor `egress`.
    #[error("flow-direction: not ingress or egress")]
    BadDirection,
    /// The line is not UTF-8 text.
    #[error("not UTF-8 text")]
    NotText,
    /// The line is longer than the parser's limit (in bytes).
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    /// The first line looks like an S3 header line but names a field twice.
    #[error("bad header line")]
    BadHeader,
    /// A Parquet value holds a space or a control character (one field would become several).
    #[error("{0}: value holds a space or control character")]
    SpaceInValue(Field),
    /// A Parquet value of a type no flow-log field has (boolean, floating point, date, ...).
    #[error("{0}: value of the wrong type")]
    WrongType(Field),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The typed values the parser extracts from every line. A value is present when its bit
/// (`Values::SRCPORT`, ...) is set in `present`: absent when the format lacks the field or
/// the line has `-`, and then left at its default, so equal records have equal values. Bits
/// rather than `Option`s: a line's values are written and read with one word of flags, and
/// the conversation table takes its key's presence bits (source port to interface, bits 4
/// to 7) from that word directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Values {
    pub present: u32,
    pub version: u8,
    pub srcaddr: IpAddr,
    pub dstaddr: IpAddr,
    pub pkt_srcaddr: IpAddr,
    pub pkt_dstaddr: IpAddr,
    pub srcport: u16,
    pub dstport: u16,
    pub protocol: u8,
    pub packets: u64,
    pub bytes: u64,
    pub start: u64,
    pub end: u64,
    pub action: Action,
    pub log_status: LogStatus,
    pub tcp_flags: u8,
    pub direction: Direction,
    pub interface: (u32, u32),
}

impl Values {
    pub const VERSION: u32 = 1 << 0;
    pub const SRCADDR: u32 = 1 << 1;
    pub const DSTADDR: u32 = 1 << 2;
    pub const PKT_SRCADDR: u32 = 1 << 3;
    pub const SRCPORT: u32 = 1 << 4;
    pub const DSTPORT: u32 = 1 << 5;
    pub const PROTOCOL: u32 = 1 << 6;
    pub const INTERFACE: u32 = 1 << 7;
    pub const PKT_DSTADDR: u32 = 1 << 8;
    pub const PACKETS: u32 = 1 << 9;
    pub const BYTES: u32 = 1 << 10;
    pub const START: u32 = 1 << 11;
    pub const END: u32 = 1 << 12;
    pub const ACTION: u32 = 1 << 13;
    pub const LOG_STATUS: u32 = 1 << 14;
    pub const TCP_FLAGS: u32 = 1 << 15;
    pub const DIRECTION: u32 = 1 << 16;

    /// `value` when `bit` is present.
    #[inline(always)]
    fn get<T>(&self, bit: u32, value: T) -> Option<T> {
        (self.present & bit != 0).then_some(value)
    }
}

impl Default for Values {
    fn default() -> Self {
        let unspecified = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        Values {
            present: 0,
            version: 0,
            srcaddr: unspecified,
            dstaddr: unspecified,
            pkt_srcaddr: unspecified,
            pkt_dstaddr: unspecified,
            srcport: 0,
            dstport: 0,
            protocol: 0,
            packets: 0,
            bytes: 0,
            start: 0,
            end: 0,
            action: Action::Unknown,
            log_status: LogStatus::Unknown,
            tcp_flags: 0,
            direction: Direction::Ingress,
            interface: (0, 0),
        }
    }
}

/// Where a record's columns are in its line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Columns<'a> {
    /// Each column's start and end (the general parser's).
    Spans(&'a [(u32, u32)]),
    /// The positions of the single spaces between the columns (the default-format fast
    /// path's, which need not be turned into spans for every line).
    Spaces(&'a [u32]),
}

/// One parsed flow-log line: typed accessors for the fields vpcscope uses, and text access
/// to every column (known or not). Borrowed from the parser and the input bytes; copy out
/// what you keep.
#[derive(Clone, Copy)]
pub struct FlowRecord<'a> {
    pub(crate) line: &'a str,
    pub(crate) columns: Columns<'a>,
    pub(crate) format: &'a Format,
    pub(crate) values: &'a Values,
    /// The reader's name for the interface id's text, when it has one.
    pub(crate) interface_key: InterfaceKey,
}

/// A reader's name for a record's interface id: records with the same key (other than
/// [`InterfaceKey::NONE`]) have the same interface id. The Parquet reader names each entry
/// of an interface column's dictionary, so the conversation table interns each entry's
/// text once rather than once per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct InterfaceKey {
    /// A dictionary, numbered once per process ([`InterfaceKey::new_dictionary`]); 0: no key.
    pub dictionary: u64,
    /// The entry of that dictionary.
    pub entry: u32,
}

impl InterfaceKey {
    /// No key: the text is all there is.
    pub const NONE: InterfaceKey = InterfaceKey { dictionary: 0, entry: 0 };

    /// A dictionary number not given before in this process.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub fn new_dictionary() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}

impl fmt::Debug for FlowRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowRecord").field("line", &self.line).finish()
    }
}

impl<'a> FlowRecord<'a> {
    /// The whole line (without its line ending).
    pub fn line(&self) -> &'a str {
        self.line
    }

    /// The format the line was parsed with.
    pub fn format(&self) -> &'a Format {
        self.format
    }

    /// The text of column `i`, or `None` for `-` or a column the format lacks.
    pub fn column(&self, i: usize) -> Option<&'a str> {
        let (s, e) = self.span(i)?;
        let text = self.line.get(s..e)?;
        (text != "-").then_some(text)
    }

    /// Where column `i` is in the line.
    pub(crate) fn span(&self, i: usize) -> Option<(usize, usize)> {
        match self.columns {
            Columns::Spans(spans) => spans.get(i).map(|&(s, e)| (s as usize, e as usize)),
            Columns::Spaces(at) => {
                let start = if i == 0 { 0 } else { *at.get(i - 1)? as usize + 1 };
                let end = if i == at.len() { self.line.len() } else { *at.get(i)? as usize };
                Some((start, end))
            }
        }
    }

    /// The text of `field`, or `None` when the format lacks it or the line has `-`. A record
    /// read from Parquet holds only its text columns as text: its numbers are read with
    /// [`FlowRecord::get_u64`] and the typed accessors, and `get` answers `None` for them.
    pub fn get(&self, field: Field) -> Option<&'a str> {
        self.column(self.format.position(field)?)
    }

    /// The text of an unknown (opaque) field by name.
    pub fn get_unknown(&self, name: &str) -> Option<&'a str> {
        self.column(self.format.unknown_position(name)?)
    }

    /// Every column as (name, text) pairs, `None` for `-`.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + '_ {
        (0..self.format.len()).map(move |i| (self.format.column_name(i).unwrap_or("?"), self.column(i)))
    }

    /// A numeric field's value (already validated by the parser), for fields without a
    /// dedicated accessor such as `traffic-path` or `packets-lost-no-route`. A record read
    /// from Parquet columns has no text for its number fields (its line holds the text
    /// columns only): their values come from the typed accessors.
    pub fn get_u64(&self, field: Field) -> Option<u64> {
        if self.format.position(field).is_some() {
            return self.get(field)?.parse().ok();
        }
        match field {
            Field::Version => self.version().map(u64::from),
            Field::SrcPort => self.srcport().map(u64::from),
            Field::DstPort => self.dstport().map(u64::from),
            Field::Protocol => self.protocol().map(|p| u64::from(p.0)),
            Field::Packets => self.packets(),
            Field::Bytes => self.bytes(),
            Field::Start => self.start(),
            Field::End => self.end(),
            Field::TcpFlags => self.tcp_flags().map(|f| u64::from(f.0)),
            _ => None,
        }
    }

    /// `version`.
    pub fn version(&self) -> Option<u8> {
        self.values.get(Values::VERSION, self.values.version)
    }
    /// `interface-id`.
    pub fn interface_id(&self) -> Option<&'a str> {
        let (s, e) = self.values.get(Values::INTERFACE, self.values.interface)?;
        Some(&self.line[s as usize..e as usize])
    }
    /// `srcaddr`.
    pub fn srcaddr(&self) -> Option<IpAddr> {
        self.values.get(Values::SRCADDR, self.values.srcaddr)
    }
    /// `dstaddr`.
    pub fn dstaddr(&self) -> Option<IpAddr> {
        self.values.get(Values::DSTADDR, self.values.dstaddr)
    }
    /// `pkt-srcaddr`.
    pub fn pkt_srcaddr(&self) -> Option<IpAddr> {
        self.values.get(Values::PKT_SRCADDR, self.values.pkt_srcaddr)
    }
    /// `pkt-dstaddr`.
    pub fn pkt_dstaddr(&self) -> Option<IpAddr> {
        self.values.get(Values::PKT_DSTADDR, self.values.pkt_dstaddr)
    }
    /// `srcport`.
    pub fn srcport(&self) -> Option<u16> {
        self.values.get(Values::SRCPORT, self.values.srcport)
    }
    /// `dstport`.
    pub fn dstport(&self) -> Option<u16> {
        self.values.get(Values::DSTPORT, self.values.dstport)
    }
    /// `protocol`.
    pub fn protocol(&self) -> Option<Protocol> {
        self.values.get(Values::PROTOCOL, Protocol(self.values.protocol))
    }
    /// `packets`.
    pub fn packets(&self) -> Option<u64> {
        self.values.get(Values::PACKETS, self.values.packets)
    }
    /// `bytes`.
    pub fn bytes(&self) -> Option<u64> {
        self.values.get(Values::BYTES, self.values.bytes)
    }
    /// `start` (Unix seconds).
    pub fn start(&self) -> Option<u64> {
        self.values.get(Values::START, self.values.start)
    }
    /// `end` (Unix seconds).
    pub fn end(&self) -> Option<u64> {
        self.values.get(Values::END, self.values.end)
    }
    /// `action`.
    pub fn action(&self) -> Option<Action> {
        self.values.get(Values::ACTION, self.values.action)
    }
    /// `log-status`; a format without the field logs only [`LogStatus::Ok`] records.
    pub fn log_status(&self) -> LogStatus {
        self.values.get(Values::LOG_STATUS, self.values.log_status).unwrap_or(LogStatus::Ok)
    }
    /// `tcp-flags`.
    pub fn tcp_flags(&self) -> Option<TcpFlags> {
        self.values.get(Values::TCP_FLAGS, TcpFlags(self.values.tcp_flags))
    }
    /// `flow-direction`.
    pub fn direction(&self) -> Option<Direction> {
        self.values.get(Values::DIRECTION, self.values.direction)
    }
}

//! The record parser: turns bytes into [`FlowRecord`]s without allocating per line. A
//! [`Parser`] is built once ([`ParserBuilder`]) around a [`Format`]; the per-line loop splits
//! fields with `memchr` into a reused span buffer and parses integers and addresses straight
//! from the bytes. The parser never opens a file: [`Parser::feed`] takes any chunk of bytes,
//! reports every complete line, and returns how much it consumed, so the unused tail can be
//! carried into the next chunk (plain reads, gzip streams, pieces of a large file).
//! [`Parser::parse_line`] parses one line on its own (CloudWatch event messages).

use super::field::{Column, Field, Kind};
use super::format::{trim_line, trim_range, Format};
use super::record::{Action, Columns, Direction, FlowRecord, LogStatus, ParseError, Values};
use super::v2;
use memchr::memchr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The default limit on line length: longer lines are malformed and skipped without being
/// buffered. Real records, even with every ECS field, stay under a few kilobytes.
pub const DEFAULT_MAX_LINE_LEN: usize = 64 * 1024;

/// Whether the parser looks for an S3 header line on its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// If the first non-blank line names fields, it sets the format and is not a record
    /// (files delivered to S3 start with such a line).
    #[default]
    Detect,
    /// Every line is a record (CloudWatch events, later pieces of a split file).
    Never,
}

/// Builds a [`Parser`].
#[derive(Debug, Clone)]
pub struct ParserBuilder {
    format: Format,
    header: HeaderMode,
    max_line_len: usize,
    first_line: u64,
    fast_path: bool,
}

impl Default for ParserBuilder {
    fn default() -> Self {
        ParserBuilder { format: Format::default_v2(), header: HeaderMode::Detect, max_line_len: DEFAULT_MAX_LINE_LEN, first_line: 1, fast_path: true }
    }
}

impl ParserBuilder {
    /// The default: version-2 format, header detection on, 64 KiB line limit, lines numbered
    /// from 1.
    pub fn new() -> ParserBuilder {
        ParserBuilder::default()
    }
    /// The format of records (a header line, when detected, replaces it).
    pub fn format(&mut self, format: Format) -> &mut Self {
        self.format = format;
        self
    }
    /// Header-line detection.
    pub fn header(&mut self, mode: HeaderMode) -> &mut Self {
        self.header = mode;
        self
    }
    /// Lines longer than this many bytes are malformed (at least 16).
    pub fn max_line_len(&mut self, len: usize) -> &mut Self {
        self.max_line_len = len.clamp(16, u32::MAX as usize);
        self
    }
    /// The line number of the first line fed (1 by default).
    pub fn first_line(&mut self, n: u64) -> &mut Self {
        self.first_line = n;
        self
    }
    /// Whether lines of the default format go through its fast path first (on by default).
    /// The results are the same either way; turning it off is for comparing the two.
    pub fn fast_path(&mut self, on: bool) -> &mut Self {
        self.fast_path = on;
        self
    }
    /// Builds the parser.
    pub fn build(&self) -> Parser {
        let mut p = Parser {
            format: self.format.clone(),
            slots: Vec::new(),
            spans: Vec::with_capacity(self.format.len() + 1),
            v2: false,
            fast_path: self.fast_path,
            v2_spaces: [0; 32],
            values: Values::default(),
            cpu: v2::Cpu::detect(),
            detect: self.header == HeaderMode::Detect,
            max_line_len: self.max_line_len,
            next_line: self.first_line,
            first_line: self.first_line,
            skipping: false,
        };
        p.slots = slots(&p.format);
        p.v2 = p.fast_path && v2::is_default(&p.format);
        p
    }
}

/// What the parser does with one column, resolved once per format.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Version,
    Interface,
    SrcAddr,
    DstAddr,
    PktSrcAddr,
    PktDstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    TcpFlags,
    Direction,
    U8(Field),
    U16(Field),
    U64(Field),
    Addr(Field),
    Text,
}

impl Slot {
    /// The slot's presence bit in [`Values::present`] (0 for columns without a typed value).
    fn bit(&self) -> u32 {
        match self {
            Slot::Version => Values::VERSION,
            Slot::Interface => Values::INTERFACE,
            Slot::SrcAddr => Values::SRCADDR,
            Slot::DstAddr => Values::DSTADDR,
            Slot::PktSrcAddr => Values::PKT_SRCADDR,
            Slot::PktDstAddr => Values::PKT_DSTADDR,
            Slot::SrcPort => Values::SRCPORT,
            Slot::DstPort => Values::DSTPORT,
            Slot::Protocol => Values::PROTOCOL,
            Slot::Packets => Values::PACKETS,
            Slot::Bytes => Values::BYTES,
            Slot::Start => Values::START,
            Slot::End => Values::END,
            Slot::Action => Values::ACTION,
            Slot::LogStatus => Values::LOG_STATUS,
            Slot::TcpFlags => Values::TCP_FLAGS,
            Slot::Direction => Values::DIRECTION,
            Slot::U8(_) | Slot::U16(_) | Slot::U64(_) | Slot::Addr(_) | Slot::Text => 0,
        }
    }
}

fn slots(format: &Format) -> Vec<Slot> {
    format
        .columns()
        .iter()
        .map(|c| match *c {
            Column::Unknown(_) => Slot::Text,
            Column::Known(f) => match f {
                Field::Version => Slot::Version,
                Field::InterfaceId => Slot::Interface,
                Field::SrcAddr => Slot::SrcAddr,
                Field::DstAddr => Slot::DstAddr,
                Field::PktSrcAddr => Slot::PktSrcAddr,
                Field::PktDstAddr => Slot::PktDstAddr,
                Field::SrcPort => Slot::SrcPort,
                Field::DstPort => Slot::DstPort,
                Field::Protocol => Slot::Protocol,
                Field::Packets => Slot::Packets,
                Field::Bytes => Slot::Bytes,
                Field::Start => Slot::Start,
                Field::End => Slot::End,
                Field::Action => Slot::Action,
                Field::LogStatus => Slot::LogStatus,
                Field::TcpFlags => Slot::TcpFlags,
                Field::FlowDirection => Slot::Direction,
                f => match f.kind() {
                    Kind::U8 => Slot::U8(f),
                    Kind::U16 => Slot::U16(f),
                    Kind::U64 => Slot::U64(f),
                    Kind::Addr => Slot::Addr(f),
                    _ => Slot::Text,
                },
            },
        })
        .collect()
}

/// A flow-log parser for one stream of lines (one file, one piece of a file, one log stream).
#[derive(Debug, Clone)]
pub struct Parser {
    format: Format,
    slots: Vec<Slot>,
    spans: Vec<(u32, u32)>,
    /// Whether the format is the default one, parsed by the fast path ([`v2`]).
    v2: bool,
    fast_path: bool,
    /// The space positions of the fast path's last line ([`Columns::Spaces`]).
    v2_spaces: v2::Spaces,
    /// The typed values of the last record parsed (records borrow them).
    values: Values,
    cpu: v2::Cpu,
    detect: bool,
    max_line_len: usize,
    next_line: u64,
    first_line: u64,
    skipping: bool,
}

impl Default for Parser {
    fn default() -> Self {
        ParserBuilder::new().build()
    }
}

impl Parser {
    /// The format in use (after header detection, the header's).
    pub fn format(&self) -> &Format {
        &self.format
    }

    /// How many lines (blank ones and the header included) the parser has seen.
    pub fn lines(&self) -> u64 {
        self.next_line - self.first_line
    }

    /// Replaces the format.
    pub fn set_format(&mut self, format: Format) {
        self.slots = slots(&format);
        self.spans = Vec::with_capacity(format.len() + 1);
        self.v2 = self.fast_path && v2::is_default(&format);
        self.format = format;
    }

    /// Parses every complete (`\n`-terminated) line of `chunk`, calling `visit` with each
    /// line's number and its record or error; blank lines and a detected header line are not
    /// reported. Returns how many bytes were consumed: the rest is the start of an unfinished
    /// line, to be passed again at the front of the next chunk (or to [`Parser::finish`]).
    /// A line that grows past the length limit is reported once as
    /// [`ParseError::LineTooLong`] and skipped without being buffered.
    pub fn feed<F>(&mut self, chunk: &[u8], mut visit: F) -> usize
    where
        F: FnMut(u64, Result<FlowRecord<'_>, ParseError>),
    {
        let mut pos = 0;
        if self.skipping {
            match memchr(b'\n', chunk) {
                None => return chunk.len(),
                Some(i) => {
                    pos = i + 1;
                    self.skipping = false;
                }
            }
        }
        loop {
            // The default format's fast path finds the line's end itself.
            if self.v2 && !self.detect && self.max_line_len >= v2::MAX_LEN {
                if let Some((len, n)) = v2::parse_window(self.cpu, &chunk[pos..], &mut self.v2_spaces, &mut self.values) {
                    let line = self.next_line;
                    self.next_line += 1;
                    // `parse_window` accepts only ASCII lines.
                    visit(line, Ok(FlowRecord { line: ascii_str(&chunk[pos..pos + n]), columns: self.v2_columns(), format: &self.format, values: &self.values, interface_key: super::record::InterfaceKey::NONE }));
                    pos += len + 1;
                    continue;
                }
            }
            let Some(i) = memchr(b'\n', &chunk[pos..]) else { break };
            self.handle_line(&chunk[pos..], i, &mut visit);
            pos += i + 1;
        }
        if chunk.len() - pos > self.max_line_len {
            let n = self.next_line;
            self.next_line += 1;
            self.skipping = true;
            // The long line is the first non-blank line: a header can no longer follow, just
            // as when the whole line arrives in one chunk (`handle_line`).
            self.detect = false;
            visit(n, Err(ParseError::LineTooLong(self.max_line_len)));
            return chunk.len();
        }
        pos
    }

    /// Parses the final, unterminated line of the input (the tail [`Parser::feed`] left).
    pub fn finish<F>(&mut self, tail: &[u8], mut visit: F)
    where
        F: FnMut(u64, Result<FlowRecord<'_>, ParseError>),
    {
        if std::mem::take(&mut self.skipping) {
            return;
        }
        if !tail.is_empty() {
            self.handle_line(tail, tail.len(), &mut visit);
        }
    }

    /// Handles the line `rest[..len]`; the bytes after it (`rest[len..]`, the rest of the
    /// chunk) let the fast path read past the line's end instead of copying it.
    fn handle_line<F>(&mut self, rest: &[u8], len: usize, visit: &mut F)
    where
        F: FnMut(u64, Result<FlowRecord<'_>, ParseError>),
    {
        let n = self.next_line;
        self.next_line += 1;
        if len > self.max_line_len {
            self.detect = false;
            visit(n, Err(ParseError::LineTooLong(self.max_line_len)));
            return;
        }
        let (s, e) = trim_range(&rest[..len]);
        if s == e {
            return;
        }
        let line = &rest[s..e];
        if std::mem::take(&mut self.detect) && Format::is_header(line) {
            match Format::from_header(line) {
                Ok(format) => self.set_format(format),
                Err(_) => visit(n, Err(ParseError::BadHeader)),
            }
            return;
        }
        let result = self.parse_trimmed(&rest[s..], e - s);
        visit(n, result);
    }

    /// Parses one line (without its line ending; a trailing `\r` is ignored). Does not count
    /// lines or detect headers.
    pub fn parse_line<'p>(&'p mut self, line: &'p [u8]) -> Result<FlowRecord<'p>, ParseError> {
        if line.len() > self.max_line_len {
            return Err(ParseError::LineTooLong(self.max_line_len));
        }
        let line = trim_line(line);
        self.parse_trimmed(line, line.len())
    }

    /// Parses the trimmed line `rest[..len]`; `rest` may go on past the line.
    fn parse_trimmed<'p>(&'p mut self, rest: &'p [u8], len: usize) -> Result<FlowRecord<'p>, ParseError> {
        let bytes = &rest[..len];
        if self.v2 {
            if let Some(values) = v2::parse(rest, len, &mut self.v2_spaces) {
                self.values = values;
                // `v2::parse` accepts only ASCII lines.
                return Ok(FlowRecord { line: ascii_str(bytes), columns: self.v2_columns(), format: &self.format, values: &self.values, interface_key: super::record::InterfaceKey::NONE });
            }
        }
        self.parse_general(bytes)
    }

    /// The columns of a line the fast path parsed.
    fn v2_columns(&self) -> Columns<'_> {
        Columns::Spaces(&self.v2_spaces[..v2::COLUMNS - 1])
    }

    fn parse_general<'p>(&'p mut self, bytes: &'p [u8]) -> Result<FlowRecord<'p>, ParseError> {
        let expected = self.slots.len();
        let (found, ascii) = split(bytes, &mut self.spans, expected);
        let line = if ascii {
            // `split` saw every byte and none had the high bit set.
            ascii_str(bytes)
        } else {
            std::str::from_utf8(bytes).map_err(|_| ParseError::NotText)?
        };
        if found != expected {
            return Err(ParseError::FieldCount { expected: expected as u16, found: found as u16 });
        }
        let mut v = Values::default();
        for (slot, &(s, e)) in self.slots.iter().zip(self.spans.iter()) {
            let (s, e) = (s as usize, e as usize);
            if e - s == 1 && bytes[s] == b'-' {
                continue;
            }
            let t = &bytes[s..e];
            v.present |= slot.bit();
            match *slot {
                Slot::Version => v.version = num_u8(bytes, s, e, Field::Version)?,
                Slot::Interface => v.interface = (s as u32, e as u32),
                Slot::SrcAddr => v.srcaddr = addr(t, Field::SrcAddr)?,
                Slot::DstAddr => v.dstaddr = addr(t, Field::DstAddr)?,
                Slot::PktSrcAddr => v.pkt_srcaddr = addr(t, Field::PktSrcAddr)?,
                Slot::PktDstAddr => v.pkt_dstaddr = addr(t, Field::PktDstAddr)?,
                Slot::SrcPort => v.srcport = num_u16(bytes, s, e, Field::SrcPort)?,
                Slot::DstPort => v.dstport = num_u16(bytes, s, e, Field::DstPort)?,
                Slot::Protocol => v.protocol = num_u8(bytes, s, e, Field::Protocol)?,
                Slot::Packets => v.packets = num(bytes, s, e, Field::Packets)?,
                Slot::Bytes => v.bytes = num(bytes, s, e, Field::Bytes)?,
                Slot::Start => v.start = num(bytes, s, e, Field::Start)?,
                Slot::End => v.end = num(bytes, s, e, Field::End)?,
                Slot::Action => v.action = Action::parse(t),
                Slot::LogStatus => v.log_status = LogStatus::parse(t),
                Slot::TcpFlags => v.tcp_flags = num_u8(bytes, s, e, Field::TcpFlags)?,
                Slot::Direction => {
                    v.direction = match t {
                        b"ingress" => Direction::Ingress,
                        b"egress" => Direction::Egress,
                        _ => return Err(ParseError::BadDirection),
                    }
                }
                Slot::U8(f) => {
                    num_u8(bytes, s, e, f)?;
                }
                Slot::U16(f) => {
                    num_u16(bytes, s, e, f)?;
                }
                Slot::U64(f) => {
                    num(bytes, s, e, f)?;
                }
                Slot::Addr(f) => {
                    addr(t, f)?;
                }
                Slot::Text => {}
            }
        }
        self.values = v;
        Ok(FlowRecord { line, columns: Columns::Spans(&self.spans), format: &self.format, values: &self.values, interface_key: super::record::InterfaceKey::NONE })
    }
}

/// `bytes` as text, for bytes already checked to be ASCII.
#[inline]
fn ascii_str(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: the caller checked that every byte is below 0x80, and ASCII is UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HI: u64 = 0x8080_8080_8080_8080;

/// The 8 bytes of `b` from `at` as a little-endian word (`b` must have them).
#[inline(always)]
pub(super) fn word(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Splits `line` at runs of spaces into at most `max` spans; returns the field count, capped
/// at `max + 1`, and whether every byte of the line is ASCII (then it is text without a
/// separate UTF-8 pass). Spaces are found eight bytes at a time (SWAR): fields are short, so
/// one `memchr` call per field would cost more than the search itself.
#[inline]
fn split(line: &[u8], spans: &mut Vec<(u32, u32)>, max: usize) -> (usize, bool) {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    spans.clear();
    let n = line.len();
    let mut start = 0usize;
    let mut count = 0usize;
    let mut base = 0usize;
    let mut high = 0u64;
    macro_rules! space_at {
        ($sp:expr) => {{
            let sp = $sp;
            if sp > start {
                if count == max {
                    return (max + 1, false);
                }
                spans.push((start as u32, sp as u32));
                count += 1;
            }
            start = sp + 1;
        }};
    }
    while base + 8 <= n {
        let w = word(line, base);
        high |= w;
        let x = w ^ SPACES;
        // High bit set exactly in the bytes of `x` that are zero (the spaces).
        let mut m = !(((x & LO7) + LO7) | x) & HI;
        while m != 0 {
            space_at!(base + (m.trailing_zeros() / 8) as usize);
            m &= m - 1;
        }
        base += 8;
    }
    for (i, &b) in line.iter().enumerate().skip(base) {
        high |= b as u64;
        if b == b' ' {
            space_at!(i);
        }
    }
    if n > start {
        if count == max {
            return (max + 1, false);
        }
        spans.push((start as u32, n as u32));
        count += 1;
    }
    (count, high & HI == 0)
}

/// The high bit of every byte of `w` that is not an ASCII digit.
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    // Non-zero where the high nibble is not 3, or the low nibble is above 9.
    let bad = ((w & HIGH_NIBBLES) ^ 0x3030_3030_3030_3030) | (((w & !HIGH_NIBBLES) + 0x0606_0606_0606_0606) & HIGH_NIBBLES);
    (((bad & LO7) + LO7) | bad) & HI
}

/// The value of eight ASCII digits, the most significant in the lowest byte.
#[inline(always)]
pub(super) fn eight_digits(w: u64) -> u64 {
    let mut d = w & 0x0f0f_0f0f_0f0f_0f0f;
    d = (d.wrapping_mul(10) + (d >> 8)) & 0x00ff_00ff_00ff_00ff;
    d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_ffff_0000_ffff;
    (d.wrapping_mul(10000) + (d >> 32)) & 0xffff_ffff
}

/// The value of the `len` (1 to 8) digits at the start of `w`, or `None` if one is not a digit.
#[inline(always)]
fn digits(w: u64, len: usize) -> Option<u64> {
    let shift = 8 * (8 - len) as u32;
    if non_digits(w) << shift != 0 {
        return None;
    }
    Some(eight_digits(w << shift))
}

pub(super) const POW10: [u64; 9] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/// The decimal number in `line[s..e]`. Up to 16 digits are read eight at a time (SWAR) when
/// the line has eight readable bytes from each group; otherwise, digit by digit.
#[inline]
fn num(line: &[u8], s: usize, e: usize, field: Field) -> Result<u64, ParseError> {
    let len = e - s;
    if len == 0 {
        return Err(ParseError::NotANumber(field));
    }
    if len <= 8 && s + 8 <= line.len() {
        return digits(word(line, s), len).ok_or(ParseError::NotANumber(field));
    }
    if len <= 16 && s + 16 <= line.len() {
        let hi = digits(word(line, s), 8);
        let lo = digits(word(line, s + 8), len - 8);
        return match (hi, lo) {
            (Some(hi), Some(lo)) => Ok(hi * POW10[len - 8] + lo),
            _ => Err(ParseError::NotANumber(field)),
        };
    }
    num_slow(&line[s..e], field)
}

/// [`num`] digit by digit, with overflow checks past 19 digits.
#[cold]
fn num_slow(t: &[u8], field: Field) -> Result<u64, ParseError> {
    if !t.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::NotANumber(field));
    }
    let digit = |b: &u8| (b - b'0') as u64;
    if t.len() < 20 {
        return Ok(t.iter().fold(0, |v, b| v * 10 + digit(b)));
    }
    t.iter().try_fold(0u64, |v, b| v.checked_mul(10).and_then(|v| v.checked_add(digit(b)))).ok_or(ParseError::OutOfRange(field))
}

/// The decimal number `t` (a whole value), as a line's field is read.
#[cfg(feature = "parquet")]
#[inline]
pub(super) fn number(t: &[u8], field: Field) -> Result<u64, ParseError> {
    num(t, 0, t.len(), field)
}

#[inline]
fn num_u16(line: &[u8], s: usize, e: usize, field: Field) -> Result<u16, ParseError> {
    u16::try_from(num(line, s, e, field)?).map_err(|_| ParseError::OutOfRange(field))
}

#[inline]
fn num_u8(line: &[u8], s: usize, e: usize, field: Field) -> Result<u8, ParseError> {
    u8::try_from(num(line, s, e, field)?).map_err(|_| ParseError::OutOfRange(field))
}

#[inline]
pub(super) fn addr(t: &[u8], field: Field) -> Result<IpAddr, ParseError> {
    if let Some(v4) = ipv4(t) {
        return Ok(IpAddr::V4(v4));
    }
    if memchr(b':', t).is_some() {
        if let Some(v6) = ipv6(t) {
            return Ok(IpAddr::V6(v6));
        }
        // Forms `ipv6` leaves to the standard parser: an IPv4 tail (`::ffff:10.0.0.1`).
        if let Some(v6) = std::str::from_utf8(t).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) {
            return Ok(IpAddr::V6(v6));
        }
    }
    Err(ParseError::BadAddress(field))
}

/// An IPv6 address of hex groups and colons (at most one `::`), as the standard parser reads
/// it, in one pass over the bytes; `None` for anything else, including the forms with an IPv4
/// tail, which the standard parser then takes. A test holds the two equal over this alphabet.
fn ipv6(t: &[u8]) -> Option<Ipv6Addr> {
    // Groups before and after the `::`, if any.
    let mut groups = [[0u16; 8]; 2];
    let mut counts = [0usize; 2];
    let mut side = 0;
    let mut i = 0;
    if t.starts_with(b"::") {
        side = 1;
        i = 2;
    }
    while i < t.len() {
        let start = i;
        let mut v = 0u16;
        while let Some(d) = t.get(i).and_then(|&b| (b as char).to_digit(16)) {
            if i - start == 4 {
                return None;
            }
            v = v << 4 | d as u16;
            i += 1;
        }
        if i == start || counts[0] + counts[1] == 8 {
            return None;
        }
        groups[side][counts[side]] = v;
        counts[side] += 1;
        match t.get(i) {
            None => break,
            Some(b':') => i += 1,
            Some(_) => return None,
        }
        if t.get(i) == Some(&b':') {
            if side == 1 {
                return None;
            }
            side = 1;
            i += 1;
        } else if i == t.len() {
            return None;
        }
    }
    let (head, tail) = (counts[0], counts[1]);
    // Without `::`, eight groups; with it, at most seven (it stands for at least one).
    if (side == 0 && head != 8) || (side == 1 && head + tail > 7) {
        return None;
    }
    let mut out = [0u16; 8];
    out[..head].copy_from_slice(&groups[0][..head]);
    out[8 - tail..].copy_from_slice(&groups[1][..tail]);
    Some(Ipv6Addr::from(out))
}

/// A dotted-quad IPv4 address: four decimal octets of one to three digits.
#[inline]
pub(super) fn ipv4(t: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if t.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let d = t.get(i)?.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        let mut v = d as u32;
        i += 1;
        for _ in 0..2 {
            match t.get(i) {
                Some(&b) if b.wrapping_sub(b'0') <= 9 => {
                    v = v * 10 + b.wrapping_sub(b'0') as u32;
                    i += 1;
                }
                _ => break,
            }
        }
        *octet = u8::try_from(v).ok()?;
    }
    (i == t.len()).then(|| Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    /// The one-pass IPv6 reader accepts exactly what the standard parser accepts over hex
    /// digits and colons, with the same value: random strings of that alphabet, and random
    /// addresses written in full, compressed and with leading zeros.
    #[test]
    fn ipv6_agrees_with_the_standard_parser() {
        use std::net::Ipv6Addr;
        let mut rng = crate::flowlog::synth::Rng(11);
        let alphabet = b"0123456789abcdefABCDEF:::::";
        let mut accepted = 0;
        let mut check = |t: &str| {
            let want = t.parse::<Ipv6Addr>().ok();
            assert_eq!(super::ipv6(t.as_bytes()), want, "{t:?}");
            accepted += usize::from(want.is_some());
        };
        for s in ["::", "::1", "1::", "1::2", ":", ":::", "1:::2", "::1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "12345::", "0000:0000::", "fe80::1:", ":fe80::1", "FFFF::ffff"] {
            check(s);
        }
        for _ in 0..200_000 {
            let len = 1 + rng.below(40) as usize;
            let t: String = (0..len).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize] as char).collect();
            check(&t);
        }
        for _ in 0..20_000 {
            let mut groups = [0u16; 8];
            for g in groups.iter_mut() {
                // Runs of zeros, so that `::` appears in the compressed form.
                *g = if rng.below(3) == 0 { 0 } else { rng.below(65536) as u16 };
            }
            // (`to_string` writes an IPv4-mapped address with a dotted tail: not this alphabet.)
            let a = Ipv6Addr::from(groups).to_string();
            if !a.contains('.') {
                check(&a);
            }
            check(&groups.iter().map(|g| format!("{g:04x}")).collect::<Vec<_>>().join(":"));
            check(&groups.iter().map(|g| format!("{g:X}")).collect::<Vec<_>>().join(":"));
        }
        assert!(accepted > 60_000, "{accepted}");
    }

    use super::*;
    use crate::flowlog::record::Protocol;

    const A1: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
    const N1: &str = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
    const V6: &str = "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK";
    const T3_FORMAT: &str = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status";
    const T3: &str = "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK";

    /// Parses `line` with `format` (default v2 when `None`) and renders the outcome.
    fn check(format: Option<&str>, line: &str, expect: &str) {
        let mut b = ParserBuilder::new();
        if let Some(f) = format {
            b.format(Format::from_header(f.as_bytes()).unwrap());
        }
        let mut p = b.build();
        let got = match p.parse_line(line.as_bytes()) {
            Ok(r) => format!(
                "{:?} {:?} {:?}:{:?} -> {:?}:{:?} proto={:?} pk={:?} by={:?} {:?}..{:?} {:?} {:?} flags={:?} dir={:?}",
                r.interface_id(),
                r.version(),
                r.srcaddr(),
                r.srcport(),
                r.dstaddr(),
                r.dstport(),
                r.protocol().map(|p| p.name()),
                r.packets(),
                r.bytes(),
                r.start(),
                r.end(),
                r.action(),
                r.log_status(),
                r.tcp_flags().map(|f| f.0),
                r.direction()
            ),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expect, "line: {line}");
    }

    #[test]
    fn accepted_v2() {
        check(None, A1, r#"Some("eni-1235b8ca123456789") Some(2) Some(172.31.16.139):Some(20641) -> Some(172.31.16.21):Some(22) proto=Some("tcp") pk=Some(20) by=Some(4249) Some(1418530010)..Some(1418530070) Some(Accept) Ok flags=None dir=None"#);
    }

    #[test]
    fn nodata_is_a_record() {
        check(None, N1, r#"Some("eni-1235b8ca123456789") Some(2) None:None -> None:None proto=None pk=None by=None Some(1431280876)..Some(1431280934) None NoData flags=None dir=None"#);
    }

    #[test]
    fn ipv6() {
        check(None, V6, r#"Some("eni-1235b8ca123456789") Some(2) Some(2001:db8:1234:a100:8d6e:3477:df66:f105):Some(34892) -> Some(2001:db8:1234:a102:3304:8879:34cf:4071):Some(22) proto=Some("tcp") pk=Some(54) by=Some(8855) Some(1477913708)..Some(1477913820) Some(Accept) Ok flags=None dir=None"#);
    }

    #[test]
    fn custom_reordered_with_double_space() {
        check(Some(T3_FORMAT), T3, r#"Some("eni-1235b8ca123456789") Some(3) Some(10.0.0.62):Some(5001) -> Some(52.213.180.42):Some(43638) proto=Some("tcp") pk=Some(14) by=Some(967) Some(1566933133)..Some(1566933193) Some(Accept) Ok flags=Some(19) dir=None"#);
    }

    #[test]
    fn malformed_lines() {
        check(None, "2 123 eni-1 1.2.3.4", "error: expected 14 fields, found 4");
        check(None, &format!("{A1} extra"), "error: expected 14 fields, found 15");
        check(None, &A1.replace(" 20641 ", " 2064x "), "error: srcport: not a number");
        check(None, &A1.replace(" 20641 ", " 70000 "), "error: srcport: number out of range");
        check(None, &A1.replace("172.31.16.139", "172.31.16.300"), "error: srcaddr: not an IP address");
        check(None, &A1.replace("172.31.16.139", "2001:db8::zz"), "error: srcaddr: not an IP address");
        check(None, &A1.replace(" 4249 ", " 99999999999999999999999 "), "error: bytes: number out of range");
        check(None, &A1.replace(" 6 ", " 300 "), "error: protocol: number out of range");
        check(None, "2 \u{0} \u{ff}", "error: expected 14 fields, found 3");
        check(Some("version flow-direction"), "5 sideways", "error: flow-direction: not ingress or egress");
    }

    #[test]
    fn unknown_action_and_status_still_parse() {
        let line = A1.replace("ACCEPT OK", "MAYBE LATER");
        let mut p = Parser::default();
        let r = p.parse_line(line.as_bytes()).unwrap();
        assert_eq!(r.action(), Some(Action::Unknown));
        assert_eq!(r.log_status(), LogStatus::Unknown);
        assert_eq!(r.get(Field::Action), Some("MAYBE"));
        assert_eq!(r.protocol(), Some(Protocol::TCP));
    }

    #[test]
    fn binary_garbage_is_not_text() {
        let mut p = Parser::default();
        let mut line = A1.as_bytes().to_vec();
        line[40] = 0xff;
        assert_eq!(p.parse_line(&line).unwrap_err(), ParseError::NotText);
    }

    /// Runs the parser over `input` fed in pieces of `step` bytes and renders the events.
    fn events(input: &[u8], step: usize) -> Vec<String> {
        let mut p = ParserBuilder::new().max_line_len(200).build();
        let mut out = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut push = |n: u64, r: Result<FlowRecord<'_>, ParseError>| {
            out.push(match r {
                Ok(r) => format!("{n}: {} {:?}", r.interface_id().unwrap_or("-"), r.bytes()),
                Err(e) => format!("{n}: {e}"),
            })
        };
        for piece in input.chunks(step.max(1)) {
            buf.extend_from_slice(piece);
            let used = p.feed(&buf, &mut push);
            buf.drain(..used);
        }
        p.finish(&buf, &mut push);
        out
    }

    #[test]
    fn chunking_never_changes_the_result() {
        let long = "x".repeat(1000);
        let input = format!("version interface-id bytes log-status\r\n5 eni-a 10 OK\r\n\r\n{long}\n5 eni-b - NODATA\n5 eni-c 7 OK\n{long}");
        let whole = events(input.as_bytes(), usize::MAX);
        assert_eq!(
            whole,
            vec!["2: eni-a Some(10)", "4: line longer than 200 bytes", "5: eni-b None", "6: eni-c Some(7)", "7: line longer than 200 bytes"]
        );
        for step in [1, 2, 3, 7, 64, 199, 200, 201, 1000] {
            assert_eq!(events(input.as_bytes(), step), whole, "step {step}");
        }
    }

    /// Found by fuzzing (`fuzz/`, target `flowlog`): a long first line fed in pieces left
    /// header detection on, so the second line was taken for a header; fed whole, it was not.
    #[test]
    fn a_long_first_line_ends_header_detection_whatever_the_chunking() {
        let input = format!("{}\nversion interface-id\n", "y".repeat(300));
        let whole = events(input.as_bytes(), usize::MAX);
        assert_eq!(whole, vec!["1: line longer than 200 bytes", "2: expected 14 fields, found 2"]);
        for step in [1, 8, 200, 201, 299] {
            assert_eq!(events(input.as_bytes(), step), whole, "step {step}");
        }
    }

    #[test]
    fn header_only_and_empty() {
        assert!(events(b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n", 5).is_empty());
        assert!(events(b"", 5).is_empty());
        assert!(events(b"\n\n\r\n", 1).is_empty());
    }

    #[test]
    fn header_only_on_the_first_line() {
        let got = events(b"5 eni-a 1 2 3 4 5 6 7 8 9 10 11 12\nversion interface-id\n", 4);
        assert_eq!(got, vec!["1: srcaddr: not an IP address", "2: expected 14 fields, found 2"]);
    }

    #[test]
    fn line_numbers_past_u32() {
        let first = u32::MAX as u64 + 10;
        let mut p = ParserBuilder::new().first_line(first).build();
        let mut seen = Vec::new();
        p.feed(b"\n\nbad\n", |n, r| seen.push((n, r.is_err())));
        assert_eq!(seen, vec![(first + 2, true)]);
        assert_eq!(p.lines(), 3);
    }

    #[test]
    fn every_field_of_every_version_parses() {
        use crate::flowlog::field::Kind;
        let fields: Vec<Field> = Field::ALL.to_vec();
        let format = Format::from_fields(&fields).unwrap();
        assert_eq!(format.version(), 8);
        let values: Vec<&str> = fields
            .iter()
            .map(|f| match f.kind() {
                Kind::Addr => "10.0.0.1",
                Kind::U8 | Kind::U16 | Kind::U64 => "7",
                Kind::Action => "REJECT",
                Kind::LogStatus => "OK",
                Kind::Direction => "egress",
                Kind::Text => "text",
            })
            .collect();
        let line = values.join(" ");
        let mut p = ParserBuilder::new().format(format).build();
        let r = p.parse_line(line.as_bytes()).unwrap();
        for (f, v) in fields.iter().zip(&values) {
            assert_eq!(r.get(*f), Some(*v), "{f}");
        }
        assert_eq!(r.get_u64(Field::PacketsLostBlackhole), Some(7));
        assert_eq!(r.direction(), Some(Direction::Egress));
        assert_eq!(r.fields().count(), Field::ALL.len());
    }

    #[test]
    fn split_matches_a_plain_split() {
        let mut spans = Vec::new();
        for line in ["", " ", "a", "a b", "  a   b  ", "abcdefgh ijklmnop", "a b c d e f g h i j k l m n o p q", "x        y", "0123456 89abcdef0 2"] {
            let want: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
            let (n, ascii) = split(line.as_bytes(), &mut spans, 100);
            assert!(ascii);
            let got: Vec<&str> = spans.iter().map(|&(s, e)| &line[s as usize..e as usize]).collect();
            assert_eq!((n, got), (want.len(), want.clone()), "{line:?}");
            if !want.is_empty() {
                assert_eq!(split(line.as_bytes(), &mut spans, want.len() - 1).0, want.len());
            }
        }
    }

    /// The word-at-a-time number reader agrees with `str::parse` on every length, with and
    /// without eight readable bytes after the field, and on every non-digit position.
    #[test]
    fn numbers_read_word_at_a_time_match_str_parse() {
        let digits = "98765432109876543210987654";
        for len in 1..=digits.len() {
            let text = &digits[..len];
            for bad_at in std::iter::once(None).chain((0..len).map(Some)) {
                let mut field = text.as_bytes().to_vec();
                if let Some(i) = bad_at {
                    field[i] = [b'/', b':', b'x', b' ', 0xb0][i % 5];
                }
                let want = std::str::from_utf8(&field).ok().and_then(|t| t.parse::<u64>().ok());
                for (before, after) in [(0, 0), (3, 0), (0, 20), (5, 9)] {
                    let mut line = vec![b' '; before];
                    line.extend_from_slice(&field);
                    line.extend(std::iter::repeat(b'7').take(after));
                    let got = num(&line, before, before + len, Field::Bytes);
                    match want {
                        Some(v) => assert_eq!(got, Ok(v), "{:?}", String::from_utf8_lossy(&line)),
                        None if bad_at.is_none() => assert_eq!(got, Err(ParseError::OutOfRange(Field::Bytes)), "{text}"),
                        None => assert_eq!(got, Err(ParseError::NotANumber(Field::Bytes)), "{:?}", String::from_utf8_lossy(&line)),
                    }
                }
            }
        }
        assert_eq!(num(b"18446744073709551615", 0, 20, Field::Bytes), Ok(u64::MAX));
        assert_eq!(num(b"18446744073709551616", 0, 20, Field::Bytes), Err(ParseError::OutOfRange(Field::Bytes)));
        assert_eq!(num(b"00000000000000000000000042", 0, 26, Field::Bytes), Ok(42));
    }

    #[test]
    fn non_ascii_text_is_still_text() {
        let line = A1.replace("eni-1235b8ca123456789", "eni-\u{e9}t\u{e9}");
        let mut p = Parser::default();
        assert_eq!(p.parse_line(line.as_bytes()).unwrap().interface_id(), Some("eni-\u{e9}t\u{e9}"));
    }

    /// The default-format fast path (`v2`) either declines a line or parses it exactly as
    /// the general parser does: checked on generated logs and on lines damaged at random
    /// (a byte replaced by a digit, space, `-`, tab, colon, dot, letter or non-ASCII byte,
    /// or removed, or a space doubled).
    #[test]
    fn the_default_format_fast_path_agrees_with_the_general_parser() {
        use crate::flowlog::synth::{write_synthetic, Rng, SynthConfig};
        let mut log = Vec::new();
        write_synthetic(&SynthConfig { records: 3000, conversations: 300, ..SynthConfig::default() }, &mut log).unwrap();
        let mut lines: Vec<Vec<u8>> = log.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
        lines.extend([A1, N1, V6].map(|l| l.as_bytes().to_vec()));
        // Every alignment of the fields against the fast path's 64-bit masks, long numbers,
        // the longest addresses and lines around the fast path's length limit.
        for pad in 1..=150 {
            let account = "1".repeat(pad);
            let big = if pad % 2 == 0 { "9999999999999999" } else { "12345678901234567" };
            lines.push(format!("2 {account} eni-0a1b2c3d4e5f60718 255.255.255.255 10.0.0.1 65535 0 255 1234567890123456 {big} 1700000001 1700000061 REJECT OK").into_bytes());
            lines.push(format!("2 {account} eni-1 1.2.3.4 001.002.003.004 1 2 3 4 5 6 7 ACCEPT SKIPDATA").into_bytes());
            // Numbers of every length up to 16 digits in every numeric field, ports and
            // protocol just in and out of range.
            let digits = |k: usize| &"9876543210987654"[..k % 16 + 1];
            let (port, proto) = (["65535", "65536", "0", "00080"][pad % 4], ["255", "256", "6", "017"][pad % 4]);
            lines.push(format!("{} 7 eni-2 10.0.0.1 10.0.0.2 {port} {} {proto} {} {} {} {} ACCEPT OK", ["2", "255", "256"][pad % 3], digits(pad / 3), digits(pad), digits(pad + 5), digits(pad * 7), digits(pad * 3)).into_bytes());
        }
        let mut rng = Rng(7);
        let mut p = Parser::default();
        let (mut fast, mut declined) = (0, 0);
        for (i, clean) in lines.iter().enumerate() {
            let mut variants = vec![clean.clone()];
            for _ in 0..8 {
                let mut line = clean.clone();
                let at = rng.below(line.len() as u64) as usize;
                match rng.below(4) {
                    0 => line[at] = b"0957 -\t:.xA\xc3\xff"[rng.below(13) as usize],
                    1 => {
                        line.remove(at);
                    }
                    2 => line.insert(at, b' '),
                    _ => line.truncate(at),
                }
                variants.push(line);
            }
            for (k, line) in variants.iter().enumerate() {
                let line = trim_line(line);
                let mut spans = [0; 32];
                // Read in place, followed by more of the chunk (spaces, digits, dots, and a
                // non-ASCII byte), the fast path must see exactly what it sees in a copy.
                let mut in_chunk = line.to_vec();
                in_chunk.extend_from_slice(b"\n2 1 99.9 \xff 12345678901234567890");
                let mut spans_in_chunk = [0; 32];
                let fast_in_chunk = v2::parse(&in_chunk, line.len(), &mut spans_in_chunk);
                let copied = v2::parse(line, line.len(), &mut spans);
                let spaces = |at: [u32; 32]| at[..v2::COLUMNS - 1].to_vec();
                assert_eq!(fast_in_chunk.map(|v| (v, spaces(spans_in_chunk))), copied.map(|v| (v, spaces(spans))), "{}", String::from_utf8_lossy(line));
                let Some(values) = copied else {
                    // Clean lines go to the general parser only for a `-`, a number of more
                    // than 16 digits, a length past the limit, or a value out of range
                    // (which the general parser reports).
                    let has_dash = line.windows(3).any(|w| w == b" - ");
                    let long_number = line.split(|&b| b == b' ').any(|t| t.len() > 16 && t.iter().all(u8::is_ascii_digit));
                    let rejected = p.parse_general(line).is_err();
                    assert!(k > 0 || has_dash || long_number || rejected || line.len() > v2::MAX_LEN, "a clean line was declined: {}", String::from_utf8_lossy(line));
                    declined += 1;
                    continue;
                };
                fast += 1;
                let general = p.parse_general(line).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)));
                let fast = FlowRecord { line: general.line, columns: Columns::Spaces(&spans[..v2::COLUMNS - 1]), format: general.format, values: &values, interface_key: crate::flowlog::record::InterfaceKey::NONE };
                let columns = |r: &FlowRecord<'_>| (0..v2::COLUMNS + 1).map(|c| r.span(c)).collect::<Vec<_>>();
                assert_eq!((*general.values, columns(&general)), (values, columns(&fast)), "line {i}: {}", String::from_utf8_lossy(line));
            }
        }
        assert!(fast > 3000 && declined > 3000, "fast {fast}, declined {declined}");
        assert!(lines.iter().any(|l| l.len() > v2::MAX_LEN));
    }

    /// Fed whole, a log takes the fast path's window route (the line's end found by the same
    /// pass that splits it): the events must equal the general parser's, line numbers
    /// included, through LF and CRLF endings, blank and indented lines, damaged lines and
    /// lines too long for the window.
    #[test]
    fn the_fast_path_window_gives_the_general_parsers_events() {
        use crate::flowlog::synth::{write_synthetic, Rng, SynthConfig};
        let mut log = Vec::new();
        write_synthetic(&SynthConfig { records: 4000, conversations: 400, ..SynthConfig::default() }, &mut log).unwrap();
        let mut rng = Rng(11);
        let mut input = Vec::new();
        for line in log.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let mut line = line.to_vec();
            match rng.below(12) {
                0 => line.insert(0, b' '),
                1 => line.push(b' '),
                2 => {
                    let at = rng.below(line.len() as u64) as usize;
                    line[at] = b'-';
                }
                3 => input.push(b'\n'),
                4 => line.extend_from_slice(b" 777777777777777777777777777777777777777"),
                5 => line.extend_from_slice(b"\r"),
                _ => {}
            }
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        let render = |fast: bool| {
            let mut p = ParserBuilder::new().fast_path(fast).build();
            let mut out = Vec::new();
            let used = p.feed(&input, |n, r| {
                out.push(match r {
                    Ok(r) => format!("{n}: {:?} {:?} {:?}", r.fields().collect::<Vec<_>>(), r.values, (0..r.format.len() + 1).map(|c| r.span(c)).collect::<Vec<_>>()),
                    Err(e) => format!("{n}: {e}"),
                })
            });
            assert_eq!(used, input.len());
            out
        };
        let (fast, general) = (render(true), render(false));
        assert_eq!(fast.len(), general.len());
        for (a, b) in fast.iter().zip(&general) {
            assert_eq!(a, b);
        }
        assert!(general.iter().filter(|e| e.contains("expected 14 fields")).count() > 100);
    }

    #[test]
    fn ipv4_parser() {
        assert_eq!(ipv4(b"0.0.0.0"), Some(Ipv4Addr::new(0, 0, 0, 0)));
        assert_eq!(ipv4(b"255.255.255.255"), Some(Ipv4Addr::BROADCAST));
        assert_eq!(ipv4(b"10.2.168.230"), Some(Ipv4Addr::new(10, 2, 168, 230)));
        assert_eq!(ipv4(b"001.02.3.004"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        for bad in [&b"1.2.3"[..], b"1.2.3.4.5", b"256.1.1.1", b"1..2.3", b"1.2.3.", b"", b"1.2.3.4x", b"1234.1.1.1", b".1.2.3", b"1.2.3.256", b"1.2.3.0001"] {
            assert_eq!(ipv4(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}

//! The fast path for the default version-2 format, which is what most flow logs are: one
//! left-to-right pass that finds each field and parses it at once, eight bytes at a time
//! (numbers are located and converted by the same SWAR step, spaces and non-ASCII bytes are
//! found by word-wide masks). It only accepts the plain shape of a line (single spaces, no
//! `-`, IPv4 or IPv6 addresses, numbers in range, ASCII): anything else returns `None` and
//! the general parser decides, so the two always agree on errors. A test and the fuzz target
//! hold it equal to the general parser.

use super::parser::{addr, eight_digits, non_digits, word, HI, LO7, POW10};
use super::field::Column;
use super::format::{Format, DEFAULT_V2_FIELDS};
use super::record::{Action, LogStatus, Values};
use super::Field;

/// Whether `format` is the default one, column for column.
pub(super) fn is_default(format: &Format) -> bool {
    let columns = format.columns();
    columns.len() == COLUMNS && columns.iter().zip(DEFAULT_V2_FIELDS).all(|(c, f)| *c == Column::Known(f))
}

/// Columns in the default format.
pub(super) const COLUMNS: usize = 14;

const SPACES: u64 = 0x2020_2020_2020_2020;

struct Cursor<'a> {
    line: &'a [u8],
    pos: usize,
    /// OR of the words read by [`Cursor::token`]: the high bits say whether any was not ASCII.
    high: u64,
}

impl Cursor<'_> {
    /// A decimal number of 1 to 16 digits ending at a space; leaves the cursor after it.
    #[inline(always)]
    fn number(&mut self) -> Option<(u64, usize, usize)> {
        let (line, s) = (self.line, self.pos);
        if s + 16 > line.len() {
            return None;
        }
        let w = word(line, s);
        let nd = non_digits(w);
        let (value, len) = if nd != 0 {
            let len = (nd.trailing_zeros() / 8) as usize;
            if len == 0 {
                return None;
            }
            (eight_digits(w << (64 - 8 * len as u32)), len)
        } else {
            let w2 = word(line, s + 8);
            let nd2 = non_digits(w2);
            if nd2 == 0 {
                return None;
            }
            let len2 = (nd2.trailing_zeros() / 8) as usize;
            let lo = if len2 == 0 { 0 } else { eight_digits(w2 << (64 - 8 * len2 as u32)) };
            (eight_digits(w) * POW10[len2] + lo, 8 + len2)
        };
        let e = s + len;
        if line[e] != b' ' {
            return None;
        }
        self.pos = e + 1;
        Some((value, s, e))
    }

    /// A non-empty run of bytes ending at a space; leaves the cursor after the space.
    #[inline(always)]
    fn token(&mut self) -> Option<(usize, usize)> {
        let (line, s) = (self.line, self.pos);
        let mut at = s;
        loop {
            if at + 8 > line.len() {
                return None;
            }
            let w = word(line, at);
            self.high |= w;
            let x = w ^ SPACES;
            let m = !(((x & LO7) + LO7) | x) & HI;
            if m != 0 {
                let e = at + (m.trailing_zeros() / 8) as usize;
                if e == s {
                    return None;
                }
                self.pos = e + 1;
                return Some((s, e));
            }
            at += 8;
        }
    }
}

/// Parses a trimmed default-format line into `values` and `spans`, or returns `None` when the
/// line is not of the plain shape (then the general parser takes it).
#[inline]
pub(super) fn parse(line: &[u8], spans: &mut [(u32, u32); COLUMNS]) -> Option<Values> {
    let mut c = Cursor { line, pos: 0, high: 0 };
    let mut v = Values::default();
    let span = |(s, e): (usize, usize)| (s as u32, e as u32);

    let (version, s, e) = c.number()?;
    v.version = Some(u8::try_from(version).ok()?);
    spans[0] = span((s, e));
    spans[1] = span(c.token()?);
    let iface = c.token()?;
    if iface.1 - iface.0 == 1 && line[iface.0] == b'-' {
        return None;
    }
    v.interface = Some(span(iface));
    spans[2] = span(iface);
    let src = c.token()?;
    v.srcaddr = Some(addr(&line[src.0..src.1], Field::SrcAddr).ok()?);
    spans[3] = span(src);
    let dst = c.token()?;
    v.dstaddr = Some(addr(&line[dst.0..dst.1], Field::DstAddr).ok()?);
    spans[4] = span(dst);
    let (sport, s, e) = c.number()?;
    v.srcport = Some(u16::try_from(sport).ok()?);
    spans[5] = span((s, e));
    let (dport, s, e) = c.number()?;
    v.dstport = Some(u16::try_from(dport).ok()?);
    spans[6] = span((s, e));
    let (proto, s, e) = c.number()?;
    v.protocol = Some(u8::try_from(proto).ok()?);
    spans[7] = span((s, e));
    let (packets, s, e) = c.number()?;
    v.packets = Some(packets);
    spans[8] = span((s, e));
    let (bytes, s, e) = c.number()?;
    v.bytes = Some(bytes);
    spans[9] = span((s, e));
    let (start, s, e) = c.number()?;
    v.start = Some(start);
    spans[10] = span((s, e));
    let (end, s, e) = c.number()?;
    v.end = Some(end);
    spans[11] = span((s, e));
    let action = c.token()?;
    let action_text = &line[action.0..action.1];
    if action_text == b"-" {
        return None;
    }
    v.action = Some(Action::parse(action_text));
    spans[12] = span(action);
    let status = &line[c.pos..];
    if status.is_empty() || status == b"-" || status.iter().any(|&b| b == b' ' || b >= 0x80) || c.high & HI != 0 {
        return None;
    }
    v.log_status = Some(LogStatus::parse(status));
    spans[13] = span((c.pos, line.len()));
    Some(v)
}

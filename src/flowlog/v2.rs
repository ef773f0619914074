//! The fast path for the default version-2 format, which is what most flow logs are.
//!
//! One pass classifies up to 128 bytes from the start of the line, sixteen at a time (SSE2
//! on x86-64, a plain loop elsewhere), into bit masks: newlines, spaces, digits, dots and
//! non-ASCII bytes. When the parser has the rest of the chunk ([`parse_window`]), the first
//! newline ends the line, so finding the line and splitting it are one pass. Field
//! boundaries are the set bits of the space mask; one mask test validates the seven adjacent
//! numeric fields, which are converted eight digits at a time (SWAR); IPv4 octets are found
//! from the dot mask. It only accepts the plain shape of a line (single spaces, no `-`,
//! numbers of at most 16 digits and in range, ASCII, at most [`MAX_LEN`] bytes, nothing to
//! trim but a final `\r`); anything else returns `None` and the general parser decides, so
//! the two always agree, errors included. Tests and the `flowlog` fuzz target hold it equal
//! to the general parser.

use super::field::Column;
use super::format::{Format, DEFAULT_V2_FIELDS};
use super::parser::{addr, eight_digits, word, POW10};
use super::record::{Action, LogStatus, Values};
use super::Field;
use std::net::{IpAddr, Ipv4Addr};

/// Columns in the default format.
pub(super) const COLUMNS: usize = 14;

/// The longest line the fast path takes (one bit per byte in a `u128`). Default-format lines
/// are 100-130 bytes.
pub(super) const MAX_LEN: usize = 128;

/// How far past a line's end the fast path reads: 16-byte classification and eight-byte
/// number loads stay within it. A line with fewer bytes after it is copied into zeroed space
/// first.
const SLACK: usize = 16;

const BUF: usize = MAX_LEN + SLACK;

/// Whether `format` is the default one, column for column.
pub(super) fn is_default(format: &Format) -> bool {
    let columns = format.columns();
    columns.len() == COLUMNS && columns.iter().zip(DEFAULT_V2_FIELDS).all(|(c, f)| *c == Column::Known(f))
}

/// One bit per byte of the line.
#[derive(Default)]
struct Masks {
    newlines: u128,
    spaces: u128,
    digits: u128,
    dots: u128,
    high: u128,
}

impl Masks {
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn of(buf: &[u8], len: usize) -> Masks {
        use std::arch::x86_64::*;
        let mut m = Masks::default();
        let mut c = 0;
        while c * 16 < len {
            let chunk = &buf[c * 16..c * 16 + 16];
            // SAFETY: SSE2 is part of the x86-64 baseline, and the load reads the 16 bytes of
            // `chunk`.
            let [newlines, spaces, digits, dots, high] = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
                let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
                [
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))),
                    _mm_movemask_epi8(is_digit),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))),
                    _mm_movemask_epi8(v),
                ]
            };
            let shift = 16 * c;
            m.newlines |= (newlines as u16 as u128) << shift;
            m.spaces |= (spaces as u16 as u128) << shift;
            m.digits |= (digits as u16 as u128) << shift;
            m.dots |= (dots as u16 as u128) << shift;
            m.high |= (high as u16 as u128) << shift;
            c += 1;
        }
        m
    }

    /// Drops the bits past the line's end (bytes read beyond it).
    #[inline(always)]
    fn clip(mut self, len: usize) -> Masks {
        let valid = if len >= 128 { u128::MAX } else { (1u128 << len) - 1 };
        self.newlines &= valid;
        self.spaces &= valid;
        self.digits &= valid;
        self.dots &= valid;
        self.high &= valid;
        self
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of(buf: &[u8], len: usize) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in buf[..len].iter().enumerate() {
            let bit = 1u128 << i;
            if b == b'\n' {
                m.newlines |= bit;
            }
            if b == b' ' {
                m.spaces |= bit;
            }
            if b.is_ascii_digit() {
                m.digits |= bit;
            }
            if b == b'.' {
                m.dots |= bit;
            }
            if b >= 0x80 {
                m.high |= bit;
            }
        }
        m
    }
}

/// The `len` (at most 63) bits of `mask` from bit `s` (below 128).
#[inline(always)]
fn bits(mask: u128, s: usize, len: usize) -> u64 {
    (mask >> (s & 127)) as u64 & ((1u64 << len) - 1)
}

/// The value of the `len` (1 to 16) digits at `s`.
#[inline(always)]
fn number(buf: &[u8], s: usize, len: usize) -> u64 {
    if len <= 8 {
        eight_digits(word(buf, s) << (64 - 8 * len as u32))
    } else {
        eight_digits(word(buf, s)) * POW10[len - 8] + eight_digits(word(buf, s + 8) << (128 - 8 * len as u32))
    }
}

/// The value of a numeric field `buf[s..s + len]`: all digits, at most 16 of them.
#[inline(always)]
fn digits_at(buf: &[u8], m: &Masks, s: usize, len: usize) -> Option<u64> {
    if len > 16 || bits(m.digits, s, len) != (1u64 << len) - 1 {
        return None;
    }
    Some(number(buf, s, len))
}

/// The address in `buf[s..s + len]`: dotted-quad from the masks, anything else through the
/// general address parser.
#[inline(always)]
fn address_at(buf: &[u8], m: &Masks, s: usize, len: usize, field: Field) -> Option<IpAddr> {
    if len <= 15 && bits(m.digits, s, len) | bits(m.dots, s, len) == (1u64 << len) - 1 {
        ipv4(buf, m, s, len).map(IpAddr::V4)
    } else {
        addr(&buf[s..s + len], field).ok()
    }
}

#[inline(always)]
fn octet(buf: &[u8], at: usize, n: usize) -> Option<u8> {
    if n > 3 {
        return None;
    }
    u8::try_from(eight_digits(word(buf, at) << (64 - 8 * n as u32))).ok()
}

/// A dotted-quad address in `buf[s..s + len]`, whose bytes are known to be digits or dots.
#[inline(always)]
fn ipv4(buf: &[u8], m: &Masks, s: usize, len: usize) -> Option<Ipv4Addr> {
    let dots = bits(m.dots, s, len);
    // Three dots, none first, last or next to another: four octets of at least one digit.
    if dots.count_ones() != 3 || dots & 1 != 0 || dots >> (len - 1) != 0 || dots & (dots >> 1) != 0 {
        return None;
    }
    let d1 = dots.trailing_zeros() as usize;
    let d2 = (dots & (dots - 1)).trailing_zeros() as usize;
    let d3 = (63 - dots.leading_zeros()) as usize;
    Some(Ipv4Addr::new(octet(buf, s, d1)?, octet(buf, s + d1 + 1, d2 - d1 - 1)?, octet(buf, s + d2 + 1, d3 - d2 - 1)?, octet(buf, s + d3 + 1, len - d3 - 1)?))
}

/// Parses the trimmed default-format line `rest[..n]` into `values` and `spans`, or returns
/// `None` when the line is not of the plain shape (then the general parser takes it). `rest`
/// may go on past the line: with [`SLACK`] bytes after it, the line is read in place.
#[inline]
pub(super) fn parse(rest: &[u8], n: usize, spans: &mut [(u32, u32); COLUMNS]) -> Option<Values> {
    if n > MAX_LEN || n > rest.len() {
        return None;
    }
    if rest.len() >= n + SLACK {
        return parse_in(rest, n, spans);
    }
    let mut buf = [0u8; BUF];
    buf[..n].copy_from_slice(&rest[..n]);
    parse_in(&buf, n, spans)
}

/// How many bytes [`parse_window`] looks at for a line's end.
const WINDOW: usize = MAX_LEN;

/// Finds and parses the line at the start of `rest`, which must hold at least
/// `WINDOW + SLACK` bytes: one classification pass both finds the line's end and splits its
/// fields, saving the separate search for the newline. Returns the line's length (without
/// its `\n`), its trimmed length and its values, or `None` when the line does not end within
/// the window, has anything to trim but a final `\r`, or is not of the plain shape; the
/// caller then handles the line the ordinary way.
#[inline]
pub(super) fn parse_window(rest: &[u8], spans: &mut [(u32, u32); COLUMNS]) -> Option<(usize, usize, Values)> {
    if rest.len() < WINDOW + SLACK {
        return None;
    }
    let m = Masks::of(rest, WINDOW);
    if m.newlines == 0 {
        return None;
    }
    let len = m.newlines.trailing_zeros() as usize;
    let (&first, &last) = (rest.first()?, rest.get(len.checked_sub(1)?)?);
    let n = if last == b'\r' { len - 1 } else { len };
    let &end = rest.get(n.checked_sub(1)?)?;
    if matches!(first, b' ' | b'\t') || matches!(end, b' ' | b'\t' | b'\r') {
        return None;
    }
    Some((len, n, parse_classified(rest, n, m.clip(n), spans)?))
}

/// [`parse`] on `buf[..n]`, with at least [`SLACK`] readable bytes after it.
#[inline(always)]
fn parse_in(buf: &[u8], n: usize, spans: &mut [(u32, u32); COLUMNS]) -> Option<Values> {
    parse_classified(buf, n, Masks::of(buf, n).clip(n), spans)
}

/// [`parse_in`] with the line's masks already computed.
#[inline(always)]
fn parse_classified(buf: &[u8], n: usize, m: Masks, spans: &mut [(u32, u32); COLUMNS]) -> Option<Values> {
    let line = &buf[..n];
    // Exactly 13 single spaces (the line is trimmed): 14 non-empty fields.
    let spaces = m.spaces;
    if m.high != 0 || spaces.count_ones() != COLUMNS as u32 - 1 || spaces & (spaces >> 1) != 0 {
        return None;
    }
    let mut x = spaces;
    let mut start = 0u32;
    for span in spans.iter_mut().take(COLUMNS - 1) {
        let at = x.trailing_zeros();
        *span = (start, at);
        start = at + 1;
        x &= x - 1;
    }
    spans[COLUMNS - 1] = (start, n as u32);

    let field = |i: usize| {
        let (s, e) = spans[i];
        (s as usize, (e - s) as usize)
    };
    // Fields 5 to 11 (ports, protocol, packets, bytes, start, end) are adjacent: one mask
    // test checks that all of them are digits.
    let (numbers_start, numbers_end) = (spans[5].0 as usize, spans[11].1 as usize);
    let numbers = ((1u128 << (numbers_end - numbers_start)) - 1) << numbers_start;
    if (m.digits | m.spaces) & numbers != numbers {
        return None;
    }
    let value = |i: usize| {
        let (s, len) = field(i);
        (len <= 16).then(|| number(buf, s, len))
    };
    let (version_at, version_len) = field(0);
    let (src_at, src_len) = field(3);
    let (dst_at, dst_len) = field(4);
    let mut v = Values {
        version: Some(u8::try_from(digits_at(buf, &m, version_at, version_len)?).ok()?),
        srcaddr: Some(address_at(buf, &m, src_at, src_len, Field::SrcAddr)?),
        dstaddr: Some(address_at(buf, &m, dst_at, dst_len, Field::DstAddr)?),
        srcport: Some(u16::try_from(value(5)?).ok()?),
        dstport: Some(u16::try_from(value(6)?).ok()?),
        protocol: Some(u8::try_from(value(7)?).ok()?),
        packets: Some(value(8)?),
        bytes: Some(value(9)?),
        start: Some(value(10)?),
        end: Some(value(11)?),
        ..Values::default()
    };
    let text = |i: usize| {
        let (s, len) = field(i);
        &line[s..s + len]
    };
    let (iface, action, status) = (text(2), text(12), text(13));
    if iface == b"-" || action == b"-" || status == b"-" {
        return None;
    }
    v.interface = Some(spans[2]);
    v.action = Some(Action::parse(action));
    v.log_status = Some(LogStatus::parse(status));
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The classifier agrees with a byte-by-byte reference, for every length up to the limit,
    /// on bytes of every class, whatever follows the line (the line-level agreement with the
    /// general parser is tested in `parser`).
    #[test]
    fn classifiers_agree_with_a_byte_loop() {
        let alphabet = b"0123456789 .\n-aZ:\t\r\x00\x7f\x80\xff";
        let mut rng = crate::flowlog::synth::Rng(3);
        for _ in 0..300 {
            let buf: Vec<u8> = (0..MAX_LEN + SLACK).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
            for len in 0..=MAX_LEN {
                let mut want = Masks::default();
                for (i, &b) in buf[..len].iter().enumerate() {
                    let bit = 1u128 << i;
                    want.newlines |= if b == b'\n' { bit } else { 0 };
                    want.spaces |= if b == b' ' { bit } else { 0 };
                    want.digits |= if b.is_ascii_digit() { bit } else { 0 };
                    want.dots |= if b == b'.' { bit } else { 0 };
                    want.high |= if b >= 0x80 { bit } else { 0 };
                }
                let key = |m: Masks| (m.newlines, m.spaces, m.digits, m.dots, m.high);
                let want = key(want);
                assert_eq!(key(Masks::of(&buf, len).clip(len)), want, "len {len}");
            }
        }
    }
}

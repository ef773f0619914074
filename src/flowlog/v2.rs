//! The fast path for the default version-2 format, which is what most flow logs are.
//!
//! A line is read from a fixed window of 144 bytes (copied into a zeroed one near the end of
//! a chunk). One pass classifies the window's first 128 bytes, sixteen at a time (SSE2 on
//! x86-64, a plain loop elsewhere), into bit masks: newlines, spaces, digits and dots, and
//! whether any byte is non-ASCII. When the parser has the rest of the chunk
//! ([`parse_window`]), the first newline ends the line, so finding the line and splitting it
//! are one pass. Field boundaries are the set bits of the space mask, kept as the record's
//! column positions ([`Spaces`]); one mask test validates the seven adjacent numeric fields,
//! which are converted as words of eight digits, four words at a time (SWAR); IPv4 octets
//! are found from the dot mask.
//!
//! On x86-64 CPUs with BMI1/2, LZCNT, POPCNT and AVX2 the window parser runs as a copy
//! compiled with them, which classifies 32 bytes at a time, converts the four words with
//! AVX2 multiply-adds, and the two addresses with one shuffle ([`ipv4_pair_avx2`]).
//!
//! The fast path only accepts the plain shape of a line (single spaces, no `-`, numbers of
//! at most 16 digits and in range, ASCII, at most [`MAX_LEN`] bytes, nothing to trim but a
//! final `\r`); anything else returns `None` and the general parser decides, so the two
//! always agree, errors included. Tests and the `flowlog` fuzz target hold it equal to the
//! general parser, and the vector helpers equal to their scalar twins.

use super::field::Column;
use super::format::{Format, DEFAULT_V2_FIELDS};
use super::parser::{addr, eight_digits};
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

/// The positions of the 13 spaces of a default-format line (room for 32, so that indexes
/// masked to five bits need no bounds checks).
pub(super) type Spaces = [u32; 32];

/// Whether `format` is the default one, column for column.
pub(super) fn is_default(format: &Format) -> bool {
    let columns = format.columns();
    columns.len() == COLUMNS && columns.iter().zip(DEFAULT_V2_FIELDS).all(|(c, f)| *c == Column::Known(f))
}

/// The bytes a line is parsed from: [`WINDOW`] classified bytes and [`SLACK`] more, so every
/// load below stays inside the array whatever the field positions (indexes are masked to
/// the window, which the compiler sees, so the loads need no bounds checks).
type Win = [u8; BUF];

/// The eight bytes at `at` (below [`WINDOW`]) as a little-endian word.
#[inline(always)]
fn load(w: &Win, at: usize) -> u64 {
    let at = at & (WINDOW - 1);
    let mut b = [0u8; 8];
    b.copy_from_slice(&w[at..at + 8]);
    u64::from_le_bytes(b)
}

/// One bit per byte of the window.
#[derive(Default, Clone, Copy)]
struct Masks {
    newlines: u128,
    spaces: u128,
    digits: u128,
    dots: u128,
    /// Whether any byte of the window has its high bit set (the exact mask is computed only
    /// then: [`Masks::high`]).
    any_high: bool,
}

impl Masks {
    /// Classifies the whole window.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn of(w: &Win) -> Masks {
        use std::arch::x86_64::*;
        let mut halves = [[0u64; 4]; 2];
        // SAFETY: SSE2 is part of the x86-64 baseline; every load reads 16 bytes inside `w`
        // (offsets 0 to 112 of a 144-byte array).
        let any_high = unsafe {
            let mut high = _mm_setzero_si128();
            for (c, chunk) in w[..WINDOW].chunks_exact(16).enumerate() {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                let d = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
                let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
                let bits = [
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8))),
                    _mm_movemask_epi8(is_digit),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))),
                ];
                for (h, b) in halves[c / 4].iter_mut().zip(bits) {
                    *h |= (b as u16 as u64) << (16 * (c % 4));
                }
                high = _mm_or_si128(high, v);
            }
            _mm_movemask_epi8(high) != 0
        };
        let join = |k: usize| (halves[1][k] as u128) << 64 | halves[0][k] as u128;
        Masks { newlines: join(0), spaces: join(1), digits: join(2), dots: join(3), any_high }
    }

    /// [`Masks::of`] 32 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn of_avx2(w: &Win) -> Masks {
        use std::arch::x86_64::*;
        let mut masks = [[0u32; 4]; 4];
        let mut high = _mm256_setzero_si256();
        for (c, chunk) in w[..WINDOW].chunks_exact(32).enumerate() {
            // SAFETY: every load reads 32 bytes inside `w` (offsets 0 to 96 of a 144-byte
            // array); AVX2 is enabled for this function.
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let d = _mm256_sub_epi8(v, _mm256_set1_epi8(b'0' as i8));
            let is_digit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d);
            masks[c] = [
                _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\n' as i8))) as u32,
                _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b' ' as i8))) as u32,
                _mm256_movemask_epi8(is_digit) as u32,
                _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'.' as i8))) as u32,
            ];
            high = _mm256_or_si256(high, v);
        }
        let join = |k: usize| (masks[3][k] as u128) << 96 | (masks[2][k] as u128) << 64 | (masks[1][k] as u128) << 32 | masks[0][k] as u128;
        Masks { newlines: join(0), spaces: join(1), digits: join(2), dots: join(3), any_high: _mm256_movemask_epi8(high) != 0 }
    }

    /// Classifies the whole window.
    #[cfg(not(target_arch = "x86_64"))]
    fn of(w: &Win) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in w[..WINDOW].iter().enumerate() {
            let bit = 1u128 << i;
            m.newlines |= if b == b'\n' { bit } else { 0 };
            m.spaces |= if b == b' ' { bit } else { 0 };
            m.digits |= if b.is_ascii_digit() { bit } else { 0 };
            m.dots |= if b == b'.' { bit } else { 0 };
            m.any_high |= b >= 0x80;
        }
        m
    }

    /// The exact mask of bytes with the high bit set (rarely needed: see `any_high`).
    #[cold]
    fn high(w: &Win) -> u128 {
        w[..WINDOW].iter().enumerate().fold(0, |m, (i, &b)| m | u128::from(b >= 0x80) << i)
    }

    /// Drops the bits past the line's end (bytes read beyond it).
    #[inline(always)]
    fn clip(mut self, len: usize) -> Masks {
        let valid = line_mask(len);
        self.newlines &= valid;
        self.spaces &= valid;
        self.digits &= valid;
        self.dots &= valid;
        self
    }
}

/// A mask of the `len` (at most 63) low bits.
#[inline(always)]
fn low(len: usize) -> u64 {
    (1u64 << (len & 63)) - 1
}

/// The `len` (at most 63) bits of `mask` from bit `s` (below 128).
#[inline(always)]
fn bits(mask: u128, s: usize, len: usize) -> u64 {
    (mask >> (s & 127)) as u64 & low(len)
}

/// The source and destination addresses at `src` and `dst` (start, length): two dotted
/// quads (the common case) through `pair`, anything else one at a time.
#[inline(always)]
fn addresses(w: &Win, m: &Masks, src: (usize, usize), dst: (usize, usize), pair: &impl QuadPair) -> Option<(IpAddr, IpAddr)> {
    let dotted = |(s, len): (usize, usize)| len <= 15 && bits(m.digits | m.dots, s, len) == low(len);
    if dotted(src) && dotted(dst) {
        let (a, b) = pair(w, (bits(m.dots, src.0, src.1), src.0, src.1), (bits(m.dots, dst.0, dst.1), dst.0, dst.1))?;
        return Some((IpAddr::V4(a), IpAddr::V4(b)));
    }
    Some((address_at(w, m, src, Field::SrcAddr)?, address_at(w, m, dst, Field::DstAddr)?))
}

/// Reads two dotted quads, each given as its dot mask, start and length.
trait QuadPair: Fn(&Win, (u64, usize, usize), (u64, usize, usize)) -> Option<(Ipv4Addr, Ipv4Addr)> {}
impl<F: Fn(&Win, (u64, usize, usize), (u64, usize, usize)) -> Option<(Ipv4Addr, Ipv4Addr)>> QuadPair for F {}

/// [`ipv4`] on two dotted quads.
#[inline(always)]
fn ipv4_pair(w: &Win, (a_dots, a_at, a_len): (u64, usize, usize), (b_dots, b_at, b_len): (u64, usize, usize)) -> Option<(Ipv4Addr, Ipv4Addr)> {
    Some((ipv4(w, a_dots, a_at, a_len)?, ipv4(w, b_dots, b_at, b_len)?))
}

/// The address in `w[s..s + len]`: dotted-quad from the masks, anything else through the
/// general address parser.
#[inline(always)]
fn address_at(w: &Win, m: &Masks, (s, len): (usize, usize), field: Field) -> Option<IpAddr> {
    if len <= 15 && bits(m.digits | m.dots, s, len) == low(len) {
        ipv4(w, bits(m.dots, s, len), s, len).map(IpAddr::V4)
    } else {
        general_address(w, s, len, field)
    }
}

#[cold]
fn general_address(w: &Win, s: usize, len: usize, field: Field) -> Option<IpAddr> {
    addr(w.get(s..s + len)?, field).ok()
}

/// The value of the `n` (1 to 3) digits at `at`, if it fits in a byte. Three digits fit when
/// they are at most "255" (compared as text); the digits, placed at the top of a 32-bit word,
/// are then combined by one multiply: byte 3 of the product collects 100 times the first, 10
/// times the second and the third, and the lower bytes stay below 100, so nothing carries in.
#[inline(always)]
fn octet(w: &Win, at: usize, n: usize) -> Option<u8> {
    if n > 3 {
        return None;
    }
    let c = (load(w, at) << ((32 - 8 * n) & 31)) as u32;
    if n == 3 && c.swap_bytes() > u32::from_be_bytes([0, b'2', b'5', b'5']) {
        return None;
    }
    Some(((c & 0x0f0f_0f0f).wrapping_mul(0x0064_0a01) >> 24) as u8)
}

/// A dotted-quad address in `w[s..s + len]`, whose bytes are known to be digits or the dots
/// of `dots` (relative to `s`).
#[inline(always)]
fn ipv4(w: &Win, dots: u64, s: usize, len: usize) -> Option<Ipv4Addr> {
    // Three dots, none first, last or next to another: four octets of at least one digit.
    // (The dots are counted by clearing them one by one, which also yields their positions.)
    let (after1, after2) = (dots & dots.wrapping_sub(1), dots & dots.wrapping_sub(1) & (dots & dots.wrapping_sub(1)).wrapping_sub(1));
    if after2 == 0 || after2 & after2.wrapping_sub(1) != 0 || dots & 1 != 0 || dots >> ((len - 1) & 63) != 0 || dots & (dots >> 1) != 0 {
        return None;
    }
    let d1 = dots.trailing_zeros() as usize;
    let d2 = after1.trailing_zeros() as usize;
    let d3 = after2.trailing_zeros() as usize;
    Some(Ipv4Addr::new(octet(w, s, d1)?, octet(w, s + d1 + 1, d2 - d1 - 1)?, octet(w, s + d2 + 1, d3 - d2 - 1)?, octet(w, s + d3 + 1, len - d3 - 1)?))
}

/// The `len` (1 to 16) digits at `s` as two words of eight digits, right-aligned with zero
/// bytes in front: those before the last eight (zero when there are none), and the last
/// eight.
#[inline(always)]
fn long(w: &Win, s: usize, len: usize) -> (u64, u64) {
    let e = s + len;
    let last = load(w, e.wrapping_sub(8)) & u64::MAX << ((8 * 8usize.saturating_sub(len)) & 63);
    let before = if len > 8 { load(w, e.wrapping_sub(16)) & u64::MAX << ((8 * (16 - len)) & 63) } else { 0 };
    (before, last)
}

/// The values of four words of eight ASCII digits each (the most significant in the lowest
/// byte; zero bytes count as zeros).
#[inline(always)]
fn digits(words: [u64; 4]) -> [u64; 4] {
    words.map(eight_digits)
}

/// [`digits`] with AVX2: pairs of digits, then pairs of pairs, are combined by two
/// multiply-adds across all four words, and each word's two four-digit halves by one
/// 32-bit multiply.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn digits_avx2(words: [u64; 4]) -> [u64; 4] {
    use std::arch::x86_64::*;
    let v = _mm256_set_epi64x(words[3] as i64, words[2] as i64, words[1] as i64, words[0] as i64);
    let d = _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
    // Byte pairs (first, second) as 10 * first + second; then pairs of those by 100.
    let pairs = _mm256_maddubs_epi16(d, _mm256_set1_epi16(0x010a));
    let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_0064));
    // Each word: its first four digits (low half) times 10,000 plus its last four.
    let value = _mm256_add_epi64(_mm256_mul_epu32(quads, _mm256_set1_epi64x(10_000)), _mm256_srli_epi64(quads, 32));
    let mut out = [0u64; 4];
    // SAFETY: the store writes 32 bytes into a 32-byte array.
    unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), value) };
    out
}

/// Which of the 81 shuffles ([`QUADS`]) places the dotted quad whose dots are `dots`
/// (relative to its start; the field is `len` bytes of digits and dots): `None` unless
/// there are exactly three dots and four octets of one to three digits.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn quad_shape(dots: u64, len: usize) -> Option<usize> {
    // Exactly three dots (clearing three leaves nothing)...
    let after1 = dots & dots.wrapping_sub(1);
    let after2 = after1 & after1.wrapping_sub(1);
    if after2 == 0 || after2 & after2.wrapping_sub(1) != 0 {
        return None;
    }
    let (d1, d2, d3) = (dots.trailing_zeros() as usize, after1.trailing_zeros() as usize, after2.trailing_zeros() as usize);
    // ... and octets of one to three digits (the dots lie inside the field, so `d3 < len`).
    let (l1, l2, l3, l4) = (d1, d2 - d1 - 1, d3 - d2 - 1, len.wrapping_sub(d3 + 1));
    if l1.wrapping_sub(1) > 2 || l2.wrapping_sub(1) > 2 || l3.wrapping_sub(1) > 2 || l4.wrapping_sub(1) > 2 {
        return None;
    }
    Some((l1 - 1) * 27 + (l2 - 1) * 9 + (l3 - 1) * 3 + (l4 - 1))
}

/// Two dotted quads at once (a record's source and destination), each given as its dots,
/// start and length, with AVX2, one address per 128-bit lane: the four octets' lengths,
/// each 1 to 3, pick one of 81 shuffles that places every octet's digits right-aligned in
/// its own four bytes; one multiply-add weighs them by 100, 10 and 1 and another sums each
/// octet, so all eight octets are converted and range-checked at once. `None` when either
/// is not a valid dotted quad ([`ipv4`] agrees on each).
///
/// # Safety
///
/// The CPU must have AVX2. (Not a `target_feature` function, so that it can be inlined
/// always: its one caller is the feature copy of the window parser.)
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn ipv4_pair_avx2(w: &Win, (a_dots, a_at, a_len): (u64, usize, usize), (b_dots, b_at, b_len): (u64, usize, usize)) -> Option<(Ipv4Addr, Ipv4Addr)> {
    use std::arch::x86_64::*;
    let (a_shape, b_shape) = (QUADS.get(quad_shape(a_dots, a_len)?)?, QUADS.get(quad_shape(b_dots, b_len)?)?);
    let (a, b) = (a_at & 127, b_at & 127);
    let (a_text, b_text): (&[u8; 16], &[u8; 16]) = (w[a..a + 16].first_chunk()?, w[b..b + 16].first_chunk()?);
    // SAFETY: each load reads 16 bytes from a 16-byte array; the caller vouches for AVX2.
    unsafe {
        let text = _mm256_loadu2_m128i(b_text.as_ptr().cast(), a_text.as_ptr().cast());
        let shuffle = _mm256_loadu2_m128i(b_shape.as_ptr().cast(), a_shape.as_ptr().cast());
        let digits = _mm256_sub_epi8(text, _mm256_set1_epi8(b'0' as i8));
        // Bytes 4k..4k+3 of each lane: octet k's hundreds, tens, ones (zero where it has
        // fewer digits), zero.
        let placed = _mm256_shuffle_epi8(digits, shuffle);
        let weights = _mm256_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0);
        let octets = _mm256_madd_epi16(_mm256_maddubs_epi16(placed, weights), _mm256_set1_epi16(1));
        if _mm256_movemask_epi8(_mm256_cmpgt_epi32(octets, _mm256_set1_epi32(255))) != 0 {
            return None;
        }
        let bytes = _mm256_shuffle_epi8(octets, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
        let quad = |lane: i32| Ipv4Addr::from((lane as u32).to_le_bytes());
        Some((quad(_mm256_extract_epi32::<0>(bytes)), quad(_mm256_extract_epi32::<4>(bytes))))
    }
}

/// Whether the CPU has SSSE3 and SSE4.1 (for [`ipv4_window`]).
#[cfg(target_arch = "x86_64")]
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) fn has_ssse3() -> bool {
    std::arch::is_x86_feature_detected!("ssse3") && std::arch::is_x86_feature_detected!("sse4.1")
}

/// The dotted quad that is the first `len` bytes of `window` (the bytes after them are
/// anything), as [`ipv4_pair_avx2`] reads one: the dots found by one compare, the octets
/// placed by the shuffle their lengths pick, weighed and range-checked at once. `None` when
/// the text is not a dotted quad of four octets of one to three digits up to 255 (the
/// scalar parser agrees: a test holds them equal). For the Parquet reader, whose address
/// columns hold one address per value.
///
/// # Safety
///
/// The CPU must have SSSE3 and SSE4.1 ([`has_ssse3`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3,sse4.1")]
#[inline]
#[cfg_attr(not(feature = "parquet"), allow(dead_code))]
pub(crate) unsafe fn ipv4_window(window: &[u8; 16], len: usize) -> Option<Ipv4Addr> {
    use std::arch::x86_64::*;
    if !(7..=15).contains(&len) {
        return None;
    }
    let within = (1u32 << len) - 1;
    // SAFETY: the load reads the 16 bytes of a 16-byte array; the caller vouches for the
    // CPU's features.
    unsafe {
        let text = _mm_loadu_si128(window.as_ptr().cast());
        let dots = _mm_movemask_epi8(_mm_cmpeq_epi8(text, _mm_set1_epi8(b'.' as i8))) as u32 & within;
        let digits = _mm_sub_epi8(text, _mm_set1_epi8(b'0' as i8));
        // A digit is 0..=9 after the subtraction, as an unsigned byte.
        let is_digit = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(digits, _mm_set1_epi8(9)), digits)) as u32 & within;
        if dots | is_digit != within || dots & is_digit != 0 {
            return None;
        }
        let shape = QUADS.get(quad_shape(u64::from(dots), len)?)?;
        let placed = _mm_shuffle_epi8(digits, _mm_loadu_si128(shape.as_ptr().cast()));
        let weights = _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0);
        let octets = _mm_madd_epi16(_mm_maddubs_epi16(placed, weights), _mm_set1_epi16(1));
        if _mm_movemask_epi8(_mm_cmpgt_epi32(octets, _mm_set1_epi32(255))) != 0 {
            return None;
        }
        let bytes = _mm_shuffle_epi8(octets, _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
        Some(Ipv4Addr::from((_mm_cvtsi128_si32(bytes) as u32).to_le_bytes()))
    }
}

/// [`ipv4_pair_avx2`]'s shuffles, by octet lengths `l1..l4` at `(l1-1)*27 + (l2-1)*9 +
/// (l3-1)*3 + (l4-1)`. Lane 4k+j takes octet k's digit `j - (3 - lk)` (hundreds first);
/// lanes before an octet's first digit and every fourth lane take nothing (0x80 gives 0).
#[cfg(target_arch = "x86_64")]
const QUADS: [[u8; 16]; 81] = {
    let mut t = [[0x80u8; 16]; 81];
    let mut i = 0;
    while i < 81 {
        let lens = [i / 27 + 1, i / 9 % 3 + 1, i / 3 % 3 + 1, i % 3 + 1];
        let mut start = 0;
        let mut k = 0;
        while k < 4 {
            let mut j = 3 - lens[k];
            while j < 3 {
                t[i][4 * k + j] = (start + j + lens[k] - 3) as u8;
                j += 1;
            }
            start += lens[k] + 1;
            k += 1;
        }
        i += 1;
    }
    t
};

/// The `len` bytes at `s` (at most 8) as a word, for comparing short words.
#[inline(always)]
fn short(w: &Win, s: usize, len: usize) -> Option<u64> {
    (len <= 8).then(|| load(w, s) & (u64::MAX >> ((64 - 8 * len) & 63)))
}

const fn word_of(t: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let mut i = 0;
    while i < t.len() {
        b[i] = t[i];
        i += 1;
    }
    u64::from_le_bytes(b)
}

/// Parses the trimmed default-format line `rest[..n]` into `values` and `spans`, or returns
/// `None` when the line is not of the plain shape (then the general parser takes it). `rest`
/// may go on past the line: with [`SLACK`] bytes after the window, the line is read in
/// place; otherwise it is copied into zeroed space first.
#[inline]
pub(super) fn parse(rest: &[u8], n: usize, spans: &mut Spaces) -> Option<Values> {
    if n > MAX_LEN || n > rest.len() {
        return None;
    }
    if let Some(w) = rest.first_chunk::<BUF>() {
        return parse_classified(w, n, Masks::of(w).clip(n), spans, &ipv4_pair, &digits);
    }
    let mut buf = [0u8; BUF];
    buf[..n].copy_from_slice(&rest[..n]);
    parse_classified(&buf, n, Masks::of(&buf).clip(n), spans, &ipv4_pair, &digits)
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
pub(super) fn parse_window(cpu: Cpu, rest: &[u8], spans: &mut Spaces, values: &mut Values) -> Option<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    if cpu.fast {
        // SAFETY: `Cpu::detect` found the features `parse_window_bmi` is compiled for.
        return unsafe { parse_window_bmi(rest, spans, values) };
    }
    let _ = cpu;
    parse_window_in(rest, spans, values, Masks::of, ipv4_pair, digits)
}

/// What the CPU offers the fast path, detected once per parser ([`Cpu::detect`]) rather
/// than per line. Only `detect` makes one, so `fast` is true only where it was found.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cpu {
    /// BMI1/2, LZCNT, POPCNT and AVX2 (x86-64 CPUs since 2013-2015, but not every low-end
    /// model).
    #[cfg(target_arch = "x86_64")]
    fast: bool,
}

impl Cpu {
    pub(super) fn detect() -> Cpu {
        Cpu {
            #[cfg(target_arch = "x86_64")]
            fast: bmi(),
        }
    }
}

/// Whether the CPU has BMI1/2, LZCNT, POPCNT and AVX2.
#[cfg(target_arch = "x86_64")]
fn bmi() -> bool {
    use std::arch::is_x86_feature_detected as has;
    has!("bmi1") && has!("bmi2") && has!("lzcnt") && has!("popcnt") && has!("avx2")
}

/// [`parse_window`] compiled with bit-manipulation instructions and AVX2: the mask
/// arithmetic (bit scans, variable shifts, counts) takes single instructions instead of
/// sequences, vector code takes three-operand forms, and the window is classified 32 bytes
/// at a time ([`Masks::of_avx2`]). Measured 4-6% faster on `flows summary` as a whole with
/// BMI alone; AVX2 took 1,667 instructions per record (parser and summary) to 1,541.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1,bmi2,lzcnt,popcnt,avx,avx2")]
fn parse_window_bmi(rest: &[u8], spans: &mut Spaces, values: &mut Values) -> Option<(usize, usize)> {
    parse_window_in(
        rest,
        spans,
        values,
        #[inline(always)]
        |w| Masks::of_avx2(w),
        // SAFETY: this copy runs only where `Cpu::detect` found AVX2.
        #[inline(always)]
        |w, a, b| unsafe { ipv4_pair_avx2(w, a, b) },
        #[inline(always)]
        |words| digits_avx2(words),
    )
}

#[inline(always)]
fn parse_window_in(
    rest: &[u8],
    spans: &mut Spaces,
    values: &mut Values,
    classify: impl Fn(&Win) -> Masks,
    quad: impl QuadPair,
    digits: impl Fn([u64; 4]) -> [u64; 4],
) -> Option<(usize, usize)> {
    let w = rest.first_chunk::<BUF>()?;
    let m = classify(w);
    if m.newlines == 0 {
        return None;
    }
    let len = m.newlines.trailing_zeros() as usize;
    let last = w[len.checked_sub(1)? & (WINDOW - 1)];
    let n = if last == b'\r' { len - 1 } else { len };
    let end = w[n.checked_sub(1)? & (WINDOW - 1)];
    if matches!(w[0], b' ' | b'\t') || matches!(end, b' ' | b'\t' | b'\r') {
        return None;
    }
    *values = parse_classified(w, n, m.clip(n), spans, &quad, &digits)?;
    Some((len, n))
}

/// [`parse`] on the window `w` whose line is `w[..n]`, with its masks clipped to the line.
#[inline(always)]
fn parse_classified(
    w: &Win,
    n: usize,
    m: Masks,
    at: &mut Spaces,
    quad: &impl QuadPair,
    digits: &impl Fn([u64; 4]) -> [u64; 4],
) -> Option<Values> {
    // Exactly 13 single spaces (the line is trimmed): 14 non-empty fields.
    let spaces = m.spaces;
    let (lo, hi) = (spaces as u64, (spaces >> 64) as u64);
    let low_count = lo.count_ones() as usize;
    if low_count + hi.count_ones() as usize != COLUMNS - 1 || spaces & (spaces >> 1 | 1) != 0 || (m.any_high && Masks::high(w) & line_mask(n) != 0) {
        return None;
    }
    // The space positions, without a data-dependent loop: thirteen positions are taken from
    // each half unconditionally (a spent half yields 64, the trailing-zero count of zero),
    // the high half's written over the low half's from its `low_count`-th place on.
    let mut x = lo;
    for p in at.iter_mut().take(COLUMNS - 1) {
        *p = x.trailing_zeros();
        x &= x.wrapping_sub(1);
    }
    let mut x = hi;
    for j in 0..COLUMNS - 1 {
        at[(low_count + j) & 31] = 64 + x.trailing_zeros();
        x &= x.wrapping_sub(1);
    }
    // The last field is not empty.
    if at[COLUMNS - 2] as usize + 1 >= n {
        return None;
    }
    // Field `i` (below 14) as its start and length.
    let start = |i: usize| if i == 0 { 0 } else { at[(i - 1) & 31] as usize + 1 };
    let end = |i: usize| if i == COLUMNS - 1 { n } else { at[i & 31] as usize };
    let field = |i: usize| (start(i), end(i) - start(i));
    // Fields 5 to 11 (ports, protocol, packets, bytes, start, end) are adjacent: one mask
    // test checks that all of them are digits; the version is checked alone.
    let (numbers_start, numbers_end) = (start(5), end(11));
    let numbers = ((1u128 << (numbers_end - numbers_start)) - 1) << numbers_start;
    let (_, version_len) = field(0);
    if (m.digits | m.spaces) & numbers != numbers || bits(m.digits, 0, version_len) != low(version_len) {
        return None;
    }
    let (src_at, src_len) = field(3);
    let (dst_at, dst_len) = field(4);
    let (sport_at, sport_len) = field(5);
    let (dport_at, dport_len) = field(6);
    let (proto_at, proto_len) = field(7);
    let (packets_at, packets_len) = field(8);
    let (bytes_at, bytes_len) = field(9);
    let (start_at, start_len) = field(10);
    let (end_at, end_len) = field(11);
    let (iface_at, iface_len) = field(2);
    let (action_at, action_len) = field(12);
    let (status_at, status_len) = field(13);
    // `-` is the only one-byte value these text fields cannot hold here.
    let dash = |at: usize, len: usize| len == 1 && w[at & (WINDOW - 1)] == b'-';
    if dash(iface_at, iface_len) || dash(action_at, action_len) || dash(status_at, status_len) {
        return None;
    }
    // Compared with their lengths: the word of a shorter field is padded with zeros.
    let action = match (action_len, short(w, action_at, action_len)) {
        (6, Some(ACCEPT)) => Action::Accept,
        (6, Some(REJECT)) => Action::Reject,
        _ => Action::Unknown,
    };
    let log_status = match (status_len, short(w, status_at, status_len)) {
        (2, Some(OK)) => LogStatus::Ok,
        (6, Some(NODATA)) => LogStatus::NoData,
        (8, Some(SKIPDATA)) => LogStatus::SkipData,
        _ => LogStatus::Unknown,
    };
    // The numbers as words of up to eight digits (right-aligned, zeros in front), converted
    // four at a time: the version, ports and protocol have at most eight digits, the
    // counters and times at most sixteen (two words: the digits before the last eight,
    // and the last eight).
    if version_len.max(sport_len).max(dport_len).max(proto_len) > 8 || packets_len.max(bytes_len).max(start_len).max(end_len) > 16 {
        return None;
    }
    let word = |s: usize, len: usize| load(w, s) << ((64 - 8 * len) & 63);
    let [version, sport, dport, protocol] = digits([word(0, version_len), word(sport_at, sport_len), word(dport_at, dport_len), word(proto_at, proto_len)]);
    let ((ph, pl), (bh, bl)) = (long(w, packets_at, packets_len), long(w, bytes_at, bytes_len));
    let ((sh, sl), (eh, el)) = (long(w, start_at, start_len), long(w, end_at, end_len));
    let [ph, pl, bh, bl] = digits([ph, pl, bh, bl]);
    let [sh, sl, eh, el] = digits([sh, sl, eh, el]);
    if version > u8::MAX.into() || sport > u16::MAX.into() || dport > u16::MAX.into() || protocol > u8::MAX.into() {
        return None;
    }
    let (srcaddr, dstaddr) = addresses(w, &m, (src_at, src_len), (dst_at, dst_len), quad)?;
    const E8: u64 = 100_000_000;
    Some(Values {
        present: V2_PRESENT,
        version: version as u8,
        srcaddr,
        dstaddr,
        srcport: sport as u16,
        dstport: dport as u16,
        protocol: protocol as u8,
        packets: ph * E8 + pl,
        bytes: bh * E8 + bl,
        start: sh * E8 + sl,
        end: eh * E8 + el,
        interface: (start(2) as u32, end(2) as u32),
        action,
        log_status,
        ..Values::default()
    })
}

/// The values every plain default-format line has.
const V2_PRESENT: u32 = Values::VERSION
    | Values::INTERFACE
    | Values::SRCADDR
    | Values::DSTADDR
    | Values::SRCPORT
    | Values::DSTPORT
    | Values::PROTOCOL
    | Values::PACKETS
    | Values::BYTES
    | Values::START
    | Values::END
    | Values::ACTION
    | Values::LOG_STATUS;

const ACCEPT: u64 = word_of(b"ACCEPT");
const REJECT: u64 = word_of(b"REJECT");
const OK: u64 = word_of(b"OK");
const NODATA: u64 = word_of(b"NODATA");
const SKIPDATA: u64 = word_of(b"SKIPDATA");

/// One bit for each byte of a line of `len` bytes.
#[inline(always)]
fn line_mask(len: usize) -> u128 {
    if len >= 128 {
        u128::MAX
    } else {
        (1u128 << len) - 1
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The classifier agrees with a byte-by-byte reference, for every length up to the limit,
    /// on bytes of every class, whatever follows the line (the line-level agreement with the
    /// general parser is tested in `parser`).
    /// Octets of one to three digits, leading zeros included, convert to their value when it
    /// fits in a byte and are refused otherwise.
    #[test]
    fn octets_convert_every_one_to_three_digit_string() {
        for n in 1..=3usize {
            for v in 0..10u32.pow(n as u32) {
                let text = format!("{v:0n$}");
                let mut w = [b'7'; BUF];
                w[10..10 + n].copy_from_slice(text.as_bytes());
                assert_eq!(octet(&w, 10, n), u8::try_from(v).ok(), "{text}");
            }
        }
    }

    /// Dotted quads of every octet-length combination, with octets at the edges of the
    /// range (and past them: 256, 999, four digits).
    fn edge_quads() -> impl Iterator<Item = String> {
        const EDGES: [&str; 18] = ["0", "9", "00", "10", "99", "000", "007", "100", "199", "200", "249", "250", "255", "256", "299", "300", "999", "0000"];
        EDGES.into_iter().flat_map(|a| EDGES.into_iter().flat_map(move |b| ["0", "255", "256", "01", "1000"].into_iter().flat_map(move |c| EDGES.into_iter().map(move |d| format!("{a}.{b}.{c}.{d}")))))
    }

    /// The AVX2 dotted-quad pair reader agrees with the scalar reader on every shape of one
    /// to fifteen digits and dots: every octet-length combination with edge values, and
    /// random strings, each paired with a valid and with an invalid address.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_dotted_quad_pairs_agree_with_the_scalar_reader() {
        if !bmi() {
            eprintln!("NOTICE: the CPU lacks AVX2; the AVX2 dotted-quad reader is not tested");
            return;
        }
        let dots_of = |text: &[u8]| text.iter().enumerate().fold(0u64, |m, (i, &b)| m | u64::from(b == b'.') << i);
        let check = |text: &[u8], at: usize, other: &[u8], first: bool| {
            // The address under test in the window's first half, the other in the second.
            let mut w = [b'9'; BUF];
            w[at..at + text.len()].copy_from_slice(text);
            w[70..70 + other.len()].copy_from_slice(other);
            let (a, b) = ((dots_of(text), at, text.len()), (dots_of(other), 70, other.len()));
            let (a, b) = if first { (a, b) } else { (b, a) };
            // SAFETY: `bmi` detected AVX2.
            let simd = unsafe { ipv4_pair_avx2(&w, a, b) };
            assert_eq!(simd, ipv4_pair(&w, a, b), "{:?} at {at} with {:?}", String::from_utf8_lossy(text), String::from_utf8_lossy(other));
            simd
        };
        let mut accepted = 0;
        for text in edge_quads().filter(|t| t.len() <= 15) {
            accepted += usize::from(check(text.as_bytes(), 64 - text.len(), b"255.0.10.1", true).is_some());
            check(text.as_bytes(), 0, b"1.2.3.256", false);
        }
        assert!(accepted > 1000, "{accepted}");
        let mut rng = crate::flowlog::synth::Rng(11);
        for round in 0..200_000 {
            let len = 1 + rng.below(15) as usize;
            let text: Vec<u8> = (0..len).map(|_| if rng.below(4) == 0 { b'.' } else { b'0' + rng.below(10) as u8 }).collect();
            let other: &[u8] = if round % 2 == 0 { b"10.20.30.40" } else { b"1.2.3" };
            check(&text, rng.below((64 - len + 1) as u64) as usize, other, round % 3 != 0);
        }
    }

    /// The one-address SSSE3 reader accepts exactly the dotted quads the line parser's
    /// scalar reader accepts, with the same value, whatever bytes follow in the window: every
    /// octet-length combination with edge values, and random strings of digits, dots and
    /// other bytes.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn ssse3_dotted_quads_agree_with_the_scalar_reader() {
        if !has_ssse3() {
            eprintln!("NOTICE: the CPU lacks SSSE3; the one-address dotted-quad reader is not tested");
            return;
        }
        let check = |text: &[u8], tail: u8| {
            let mut w = [tail; 16];
            w[..text.len()].copy_from_slice(text);
            // SAFETY: `has_ssse3` detected the features.
            let simd = unsafe { ipv4_window(&w, text.len()) };
            assert_eq!(simd, crate::flowlog::parser::ipv4(text), "{:?}", String::from_utf8_lossy(text));
            simd
        };
        let mut accepted = 0;
        for text in edge_quads().filter(|t| t.len() <= 16) {
            accepted += usize::from(check(text.as_bytes(), b'1').is_some());
            check(text.as_bytes(), b'.');
        }
        assert!(accepted > 1000, "{accepted}");
        let mut rng = crate::flowlog::synth::Rng(17);
        for _ in 0..200_000 {
            let len = rng.below(17) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| match rng.below(12) {
                    0 | 1 | 2 => b'.',
                    3 => b"/: -x\xff"[rng.below(6) as usize],
                    _ => b'0' + rng.below(10) as u8,
                })
                .collect();
            check(&text, b"0.9"[rng.below(3) as usize]);
        }
    }

    /// The AVX2 digit converter agrees with the scalar one on words of digits with zero
    /// bytes in front (how the parser passes shorter numbers).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_digit_words_agree_with_the_scalar_converter() {
        if !bmi() {
            eprintln!("NOTICE: the CPU lacks AVX2; the AVX2 digit converter is not tested");
            return;
        }
        let mut rng = crate::flowlog::synth::Rng(5);
        let word = |rng: &mut crate::flowlog::synth::Rng| {
            let len = rng.below(9) as usize;
            let mut b = [0u8; 8];
            for d in &mut b[8 - len..] {
                *d = b'0' + rng.below(10) as u8;
            }
            u64::from_le_bytes(b)
        };
        let all = |d: u8| u64::from_le_bytes([d; 8]);
        let mut cases = vec![[all(b'9'), all(b'0'), 0, all(b'1')]];
        for _ in 0..100_000 {
            cases.push([word(&mut rng), word(&mut rng), word(&mut rng), word(&mut rng)]);
        }
        for words in cases {
            // SAFETY: `bmi` detected AVX2.
            assert_eq!(unsafe { digits_avx2(words) }, digits(words), "{words:x?}");
        }
        assert_eq!(digits([all(b'9'), 0, all(b'0'), word_of(b"\0\0\0\0\x31\x32\x33\x34")]), [99_999_999, 0, 0, 1234]);
    }

    #[test]
    fn classifiers_agree_with_a_byte_loop() {
        let alphabet = b"0123456789 .\n-aZ:\t\r\x00\x7f\x80\xff";
        let mut rng = crate::flowlog::synth::Rng(3);
        for round in 0..3000 {
            // Mostly ASCII windows, some with a high byte somewhere.
            let top = if round % 3 == 0 { alphabet.len() } else { alphabet.len() - 2 };
            let mut buf = [0u8; BUF];
            for b in buf.iter_mut() {
                *b = alphabet[rng.below(top as u64) as usize];
            }
            let mut want = [0u128; 5];
            for (i, &b) in buf[..WINDOW].iter().enumerate() {
                let bit = 1u128 << i;
                let classes = [b == b'\n', b == b' ', b.is_ascii_digit(), b == b'.', b >= 0x80];
                for (w, c) in want.iter_mut().zip(classes) {
                    *w |= if c { bit } else { 0 };
                }
            }
            let m = Masks::of(&buf);
            assert_eq!([m.newlines, m.spaces, m.digits, m.dots], want[..4], "round {round}");
            assert_eq!(m.any_high, want[4] != 0, "round {round}");
            #[cfg(target_arch = "x86_64")]
            if bmi() {
                // SAFETY: `bmi` detected AVX2.
                let v = unsafe { Masks::of_avx2(&buf) };
                assert_eq!([v.newlines, v.spaces, v.digits, v.dots], want[..4], "round {round}, AVX2");
                assert_eq!(v.any_high, want[4] != 0, "round {round}, AVX2");
            }
            assert_eq!(Masks::high(&buf), want[4], "round {round}");
            for len in [0, 1, 63, 64, 65, 100, 127, 128] {
                let c = m.clip(len);
                let keep = line_mask(len);
                assert_eq!([c.newlines, c.spaces, c.digits, c.dots], want[..4].iter().map(|w| w & keep).collect::<Vec<_>>()[..], "round {round}, len {len}");
            }
        }
    }
}

//! A column chunk's pages decoded by vpcscope itself, for the encodings flow-log writers use:
//! PLAIN values, dictionary pages with RLE_DICTIONARY (or PLAIN_DICTIONARY) indices, and RLE
//! definition levels, in v1 and v2 data pages of a top-level column (the parquet crate's
//! page reader finds, checks and decompresses the pages). A dictionary page's entries are
//! judged once each (`flowlog::columnar::ColumnValues`); the rows carry their entry's index.
//! The parquet crate's typed column readers copied each string value into a
//! reference-counted buffer of its own and the rows judged it again, row after row.
//!
//! Anything else (another encoding, a nested column, a value count that does not add up)
//! is [`Unsupported`]: the caller reads that row group with the crate's column readers,
//! which decode every encoding and say precisely what is damaged.

use crate::flowlog::columnar::{ColumnValues, NULL};
use parquet::basic::{Encoding, Type as Physical};
use parquet::column::page::{Page, PageReader};

/// The pages of a column chunk are not in a shape this decoder reads (or are damaged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

/// Decodes the column chunk whose pages are `pages` (`rows` rows, values of `physical` type,
/// `max_def` 0 for a required column and 1 for an optional one): each value judged into
/// `values` (cleared first), each row's entry index (or [`NULL`]) into `rows_out`.
pub(super) fn decode_chunk(pages: &mut dyn PageReader, physical: Physical, max_def: i16, rows: usize, values: &mut ColumnValues, rows_out: &mut Vec<u32>) -> Result<()> {
    if !matches!(physical, Physical::INT32 | Physical::INT64 | Physical::BYTE_ARRAY) || !(0..=1).contains(&max_def) {
        return Err(Unsupported);
    }
    values.clear();
    rows_out.clear();
    rows_out.reserve(rows);
    let mut dictionary: Option<u32> = None;
    let mut scratch = Vec::new();
    for page in pages {
        let page = page.map_err(|_| Unsupported)?;
        // A data page claiming more rows than the row group has left is damaged (and its
        // count must not size an allocation).
        let claimed = match &page {
            Page::DataPage { num_values, .. } | Page::DataPageV2 { num_values, .. } => *num_values as usize,
            Page::DictionaryPage { .. } => 0,
        };
        if claimed > rows.saturating_sub(rows_out.len()) {
            return Err(Unsupported);
        }
        match page {
            Page::DictionaryPage { buf, num_values, encoding, .. } => {
                if dictionary.is_some() || !values_empty(values) || !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                    return Err(Unsupported);
                }
                let n = plain(&buf, physical, num_values as usize, values)?;
                dictionary = Some(n as u32);
            }
            Page::DataPage { buf, num_values, encoding, def_level_encoding, .. } => {
                let mut data: &[u8] = &buf;
                let levels = if max_def == 1 {
                    if def_level_encoding != Encoding::RLE {
                        return Err(Unsupported);
                    }
                    let len = u32::from_le_bytes(take(&mut data, 4)?.try_into().map_err(|_| Unsupported)?) as usize;
                    Some(take(&mut data, len)?)
                } else {
                    None
                };
                page_values(data, levels, num_values as usize, encoding, physical, dictionary, values, &mut scratch, rows_out)?;
            }
            Page::DataPageV2 { buf, num_values, encoding, def_levels_byte_len, rep_levels_byte_len, num_rows, .. } => {
                if rep_levels_byte_len != 0 || num_rows != num_values {
                    return Err(Unsupported);
                }
                let mut data: &[u8] = &buf;
                let levels = take(&mut data, def_levels_byte_len as usize)?;
                let levels = if max_def == 1 { Some(levels) } else { None };
                page_values(data, levels, num_values as usize, encoding, physical, dictionary, values, &mut scratch, rows_out)?;
            }
        }
        if rows_out.len() > rows {
            return Err(Unsupported);
        }
    }
    if rows_out.len() != rows {
        return Err(Unsupported);
    }
    Ok(())
}

fn values_empty(values: &ColumnValues) -> bool {
    values.len() == 0
}

/// The next `n` bytes of `data`.
fn take<'a>(data: &mut &'a [u8], n: usize) -> Result<&'a [u8]> {
    if data.len() < n {
        return Err(Unsupported);
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Ok(head)
}

/// One data page: `n` rows, their definition levels (`None`: every row has a value), values
/// in `data`; `scratch` is room for levels and indices.
#[allow(clippy::too_many_arguments)]
fn page_values(data: &[u8], levels: Option<&[u8]>, n: usize, encoding: Encoding, physical: Physical, dictionary: Option<u32>, values: &mut ColumnValues, scratch: &mut Vec<u32>, rows_out: &mut Vec<u32>) -> Result<()> {
    // Which rows have a value: definition level 1 (a page without nulls is one run of ones).
    scratch.clear();
    let present = match levels {
        None => n,
        Some(levels) => {
            Hybrid::new(levels, 1).fill(scratch, n)?;
            scratch.iter().map(|&l| l as usize).sum()
        }
    };
    let nulls = present != n;
    // Their values as entry indices, straight into the rows when there is no null.
    let start = rows_out.len();
    match encoding {
        Encoding::PLAIN => {
            let first = values.len() as u32;
            plain(data, physical, present, values)?;
            if !nulls {
                rows_out.extend(first..first + present as u32);
            } else {
                let mut next = first;
                rows_out.extend(scratch.iter().map(|&l| {
                    if l == 0 {
                        NULL
                    } else {
                        next += 1;
                        next - 1
                    }
                }));
            }
        }
        Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
            let entries = dictionary.ok_or(Unsupported)?;
            let (&width, rest) = data.split_first().ok_or(Unsupported)?;
            if width > 32 {
                return Err(Unsupported);
            }
            let mut d = Hybrid::new(rest, u32::from(width));
            if !nulls {
                d.fill(rows_out, present)?;
            } else {
                let levels_end = scratch.len();
                d.fill(scratch, present)?;
                let (levels, indices) = scratch.split_at(levels_end);
                let mut next = indices.iter();
                for &l in levels {
                    rows_out.push(if l == 0 { NULL } else { *next.next().ok_or(Unsupported)? });
                }
            }
            // Every index names an entry (null's index is past them all).
            if rows_out[start..].iter().any(|&i| i >= entries && i != NULL) {
                return Err(Unsupported);
            }
        }
        _ => return Err(Unsupported),
    }
    Ok(())
}

/// Reads `n` PLAIN values of `physical` type from `data` into `values`; returns how many.
fn plain(data: &[u8], physical: Physical, n: usize, values: &mut ColumnValues) -> Result<usize> {
    match physical {
        Physical::INT32 => {
            let chunks = data.get(..n.checked_mul(4).ok_or(Unsupported)?).ok_or(Unsupported)?;
            for c in chunks.chunks_exact(4) {
                values.push_int(i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])));
            }
        }
        Physical::INT64 => {
            let chunks = data.get(..n.checked_mul(8).ok_or(Unsupported)?).ok_or(Unsupported)?;
            for c in chunks.chunks_exact(8) {
                values.push_int(i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
            }
        }
        Physical::BYTE_ARRAY => {
            let mut data = data;
            for _ in 0..n {
                let len = take(&mut data, 4)?;
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                values.push_text(take(&mut data, len)?);
            }
        }
        _ => return Err(Unsupported),
    }
    Ok(n)
}

/// Parquet's RLE / bit-packed hybrid encoding of small integers (definition levels,
/// dictionary indices), of `width` bits each.
struct Hybrid<'a> {
    data: &'a [u8],
    width: u32,
    /// Values left in the current RLE run, and its value.
    repeat: usize,
    value: u32,
    /// Values left in the current bit-packed run, and the bit offset of the next in `data`.
    packed: usize,
    bit: usize,
    /// The current bit-packed run's bytes.
    packed_data: &'a [u8],
}

impl<'a> Hybrid<'a> {
    fn new(data: &'a [u8], width: u32) -> Hybrid<'a> {
        Hybrid { data, width, repeat: 0, value: 0, packed: 0, bit: 0, packed_data: &[] }
    }

    /// Appends the next `n` values to `out`.
    fn fill(&mut self, out: &mut Vec<u32>, mut n: usize) -> Result<()> {
        out.reserve(n);
        while n > 0 {
            if self.repeat > 0 {
                let k = self.repeat.min(n);
                out.resize(out.len() + k, self.value);
                self.repeat -= k;
                n -= k;
            } else if self.packed > 0 {
                let k = self.packed.min(n);
                if self.width == 0 {
                    out.resize(out.len() + k, 0);
                } else {
                    // Whole groups of eight at a time, then the rest one by one.
                    let mut left = k;
                    while left >= 8 && self.bit % 8 == 0 {
                        self.unpack8(out);
                        left -= 8;
                    }
                    out.extend((0..left).map(|_| self.unpack()));
                }
                self.packed -= k;
                n -= k;
            } else {
                self.run()?;
                if self.repeat == 0 && self.packed == 0 && self.data.is_empty() {
                    return Err(Unsupported);
                }
            }
        }
        Ok(())
    }

    /// Reads the next run's header (and an RLE run's value).
    fn run(&mut self) -> Result<()> {
        // The header is a ULEB128 varint.
        let mut header: u64 = 0;
        let mut shift = 0;
        loop {
            let (&b, rest) = self.data.split_first().ok_or(Unsupported)?;
            self.data = rest;
            header |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 35 {
                return Err(Unsupported);
            }
        }
        let count = (header >> 1) as usize;
        if header & 1 == 0 {
            let bytes = self.width.div_ceil(8) as usize;
            let raw = take(&mut self.data, bytes)?;
            let mut v = 0u32;
            for (i, &b) in raw.iter().enumerate() {
                v |= u32::from(b) << (8 * i);
            }
            if self.width < 32 && v >> self.width != 0 {
                return Err(Unsupported);
            }
            self.value = v;
            self.repeat = count;
        } else {
            // `count` groups of eight values, `width` bytes each group.
            let bytes = count.checked_mul(self.width as usize).ok_or(Unsupported)?;
            let values = count.checked_mul(8).ok_or(Unsupported)?;
            // The last run may be cut short: only the values the page has are read.
            let avail = bytes.min(self.data.len());
            let run = &self.data[..avail];
            self.data = &self.data[avail..];
            self.packed_data = run;
            self.bit = 0;
            self.packed = if self.width == 0 { values } else { values.min(avail * 8 / self.width as usize) };
        }
        Ok(())
    }

    /// The next eight values of the current bit-packed run, which starts at a byte.
    #[inline]
    fn unpack8(&mut self, out: &mut Vec<u32>) {
        let w = self.width as usize;
        let byte = self.bit / 8;
        // Eight values of up to 32 bits are at most 32 bytes; 8 more of padding let each
        // value be read as one little-endian word.
        let mut buf = [0u8; 40];
        let src = self.packed_data.get(byte..).unwrap_or(&[]);
        let n = src.len().min(w);
        buf[..n].copy_from_slice(&src[..n]);
        macro_rules! widths {
            ($($w:literal)*) => {
                match w {
                    $($w => unpack8::<$w>(&buf),)*
                    _ => [0; 8],
                }
            };
        }
        out.extend_from_slice(&widths!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32));
        self.bit += 8 * w;
    }

    /// The next value of the current bit-packed run.
    #[inline]
    fn unpack(&mut self) -> u32 {
        if self.width == 0 {
            return 0;
        }
        let byte = self.bit / 8;
        let shift = self.bit % 8;
        let word = match self.packed_data.get(byte..byte + 8) {
            Some(w) => u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
            None => {
                let mut w = [0u8; 8];
                let src = self.packed_data.get(byte..).unwrap_or(&[]);
                let n = src.len().min(8);
                w[..n].copy_from_slice(&src[..n]);
                u64::from_le_bytes(w)
            }
        };
        self.bit += self.width as usize;
        ((word >> shift) & ((1u64 << self.width) - 1)) as u32
    }
}

/// Eight values of `W` bits packed in `buf` (one function per width, so the shifts are
/// constants).
#[inline(always)]
fn unpack8<const W: usize>(buf: &[u8; 40]) -> [u32; 8] {
    let mut out = [0u32; 8];
    let mask = (1u64 << W) - 1;
    for (j, v) in out.iter_mut().enumerate() {
        let at = j * W;
        let mut word = [0u8; 8];
        word.copy_from_slice(&buf[at / 8..at / 8 + 8]);
        *v = ((u64::from_le_bytes(word) >> (at % 8)) & mask) as u32;
    }
    out
}

//! A column chunk's pages decoded by vpcscope itself, for the encodings flow-log writers use:
//! PLAIN values, dictionary pages with RLE_DICTIONARY (or PLAIN_DICTIONARY) indices, and RLE
//! definition levels, in v1 and v2 data pages of a top-level column (the parquet crate's
//! page reader finds, checks and decompresses the pages). A dictionary page's entries are
//! judged once each (`flowlog::columnar::ColumnValues`); the rows carry their entry's index.
//! The parquet crate's typed column readers copied each string value into a
//! reference-counted buffer of its own and the rows judged it again, row after row.
//!
//! A [`ChunkCursor`] decodes a chunk a batch of rows at a time, page after page: a batch's
//! plain values are judged into the column's values after the dictionary's entries (and
//! forgotten with the next batch), so what a batch touches stays in the CPU's cache and a
//! row group costs no memory per row.
//!
//! Anything else (another encoding, a nested column, a value count that does not add up)
//! is [`Unsupported`]: the caller reads the rest of that row group with the crate's column
//! readers, which decode every encoding and say precisely what is damaged.

use crate::flowlog::columnar::{Checkpoint, ColumnValues, NULL};
use bytes::Bytes;
use parquet::basic::{Encoding, Type as Physical};
use parquet::column::page::{Page, PageReader};

/// The pages of a column chunk are not in a shape this decoder reads (or are damaged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

/// Where a chunk's pages come from.
pub(super) enum PageSource {
    /// The parquet crate's page reader (every codec).
    Crate(Box<dyn PageReader>),
    /// A gzip-compressed chunk's bytes, its pages read by [`GzipPages`].
    Gzip(GzipPages),
}

impl PageSource {
    fn next(&mut self) -> Result<Option<Page>> {
        match self {
            PageSource::Crate(pages) => pages.get_next_page().map_err(|_| Unsupported),
            PageSource::Gzip(pages) => pages.next_page(),
        }
    }
}

/// The pages of a gzip-compressed column chunk (the codec of AWS's flow-log files), from
/// the chunk's bytes: each page header read ([`super::header`]), each page inflated whole
/// by libdeflate into a buffer of the size its header gives. The crate's reader inflates through a streaming decoder into a
/// growing buffer, a third slower. A page of several gzip members is inflated by flate2;
/// any other surprise is [`Unsupported`].
pub(super) struct GzipPages {
    chunk: Bytes,
    at: usize,
    inflater: libdeflater::Decompressor,
}

impl GzipPages {
    /// The pages of a chunk whose bytes are `chunk`.
    pub(super) fn new(chunk: Bytes) -> GzipPages {
        GzipPages { chunk, at: 0, inflater: libdeflater::Decompressor::new() }
    }

    /// The next data or dictionary page (index pages are skipped), `None` at the end.
    pub(super) fn next_page(&mut self) -> Result<Option<Page>> {
        use super::header::{self, DATA_PAGE, DATA_PAGE_V2, DICTIONARY_PAGE};
        loop {
            let Some(rest) = self.chunk.get(self.at..).filter(|rest| !rest.is_empty()) else { return Ok(None) };
            let (h, header_len) = header::read(rest).map_err(|_| Unsupported)?;
            self.at += header_len;
            let size = usize::try_from(h.compressed_size).map_err(|_| Unsupported)?;
            let end = self.at.checked_add(size).filter(|&end| end <= self.chunk.len()).ok_or(Unsupported)?;
            let body = self.chunk.slice(self.at..end);
            self.at = end;
            let out = usize::try_from(h.uncompressed_size).map_err(|_| Unsupported)?;
            let encoding = |n| header::encoding(n).ok_or(Unsupported);
            let count = |n: i32| u32::try_from(n).map_err(|_| Unsupported);
            return Ok(Some(match h.kind {
                DICTIONARY_PAGE if h.has_dictionary => Page::DictionaryPage { buf: self.inflate(&body, 0, out)?, num_values: count(h.num_values)?, encoding: encoding(h.encoding)?, is_sorted: h.is_sorted },
                DATA_PAGE if h.has_data => Page::DataPage {
                    buf: self.inflate(&body, 0, out)?,
                    num_values: count(h.num_values)?,
                    encoding: encoding(h.encoding)?,
                    def_level_encoding: encoding(h.def_level_encoding)?,
                    rep_level_encoding: encoding(h.rep_level_encoding)?,
                    statistics: None,
                },
                DATA_PAGE_V2 if h.has_data_v2 => {
                    // The levels are not compressed; the values are unless the page says not.
                    let (def, rep) = (count(h.def_levels_len)?, count(h.rep_levels_len)?);
                    let levels = (def as usize).checked_add(rep as usize).filter(|&n| n <= body.len() && n <= out).ok_or(Unsupported)?;
                    let buf = if h.is_compressed { self.inflate(&body, levels, out)? } else { body };
                    Page::DataPageV2 {
                        buf,
                        num_values: count(h.num_values)?,
                        encoding: encoding(h.encoding)?,
                        num_nulls: count(h.num_nulls)?,
                        num_rows: count(h.num_rows)?,
                        def_levels_byte_len: def,
                        rep_levels_byte_len: rep,
                        is_compressed: false,
                        statistics: None,
                    }
                }
                DATA_PAGE | DICTIONARY_PAGE | DATA_PAGE_V2 => return Err(Unsupported),
                _ => continue,
            }));
        }
    }

    /// `body`'s first `keep` bytes as they are, then the rest inflated: `out` bytes in all.
    fn inflate(&mut self, body: &[u8], keep: usize, out: usize) -> Result<Bytes> {
        let (head, gz) = body.split_at_checked(keep).ok_or(Unsupported)?;
        let mut buf = vec![0u8; out];
        buf.get_mut(..keep).ok_or(Unsupported)?.copy_from_slice(head);
        let want = out - keep;
        if want == 0 {
            return Ok(buf.into());
        }
        match self.inflater.gzip_decompress(gz, &mut buf[keep..]) {
            Ok(n) if n == want => Ok(buf.into()),
            // Several members (libdeflate reads the first), or not what the header says.
            _ => {
                use std::io::Read;
                buf.truncate(keep);
                flate2::read::MultiGzDecoder::new(gz).take(want as u64 + 1).read_to_end(&mut buf).map_err(|_| Unsupported)?;
                if buf.len() != out {
                    return Err(Unsupported);
                }
                Ok(buf.into())
            }
        }
    }
}

/// A column chunk (`rows` rows of `physical` type; `max_def` 0 for a required column, 1 for
/// an optional one) read a batch of rows at a time ([`ChunkCursor::fill`]).
pub(super) struct ChunkCursor {
    pages: PageSource,
    physical: Physical,
    max_def: i16,
    /// Rows of the chunk not yet in a page read.
    unread: usize,
    /// The dictionary's entry count and where its entries end in the column's values.
    dictionary: Option<(u32, Checkpoint)>,
    /// Whether a data page was read (a dictionary page comes first or not at all).
    data_seen: bool,
    page: Option<DataPage>,
    scratch: Vec<u32>,
}

/// The data page being read.
struct DataPage {
    /// Rows left in it.
    left: usize,
    /// Its definition levels (`None`: a required column, every row has a value).
    levels: Option<Hybrid>,
    values: PageValues,
}

enum PageValues {
    /// PLAIN values from this offset of the page.
    Plain(Bytes, usize),
    /// Dictionary indices.
    Indices(Hybrid),
}

impl ChunkCursor {
    /// A cursor over `pages`; `values` is the column's, cleared.
    pub(super) fn new(pages: PageSource, physical: Physical, max_def: i16, rows: usize, values: &mut ColumnValues) -> Result<ChunkCursor> {
        if !matches!(physical, Physical::INT32 | Physical::INT64 | Physical::BYTE_ARRAY) || !(0..=1).contains(&max_def) {
            return Err(Unsupported);
        }
        values.clear();
        Ok(ChunkCursor { pages, physical, max_def, unread: rows, dictionary: None, data_seen: false, page: None, scratch: Vec::new() })
    }

    /// Decodes the next `n` rows: each row's entry index in `values` (or [`NULL`]) into
    /// `rows_out` (cleared first). The previous batch's plain values are forgotten.
    pub(super) fn fill(&mut self, n: usize, values: &mut ColumnValues, rows_out: &mut Vec<u32>) -> Result<()> {
        rows_out.clear();
        values.reset_to(self.dictionary.map_or_else(Checkpoint::default, |d| d.1));
        let mut need = n;
        while need > 0 {
            let Some(page) = self.page.as_mut().filter(|p| p.left > 0) else {
                self.next_page(values)?;
                continue;
            };
            let k = need.min(page.left);
            page_rows(page, k, self.physical, self.dictionary.map(|d| d.0), values, &mut self.scratch, rows_out)?;
            page.left -= k;
            need -= k;
        }
        Ok(())
    }

    /// Reads the next page: a dictionary (before any data page) or a data page.
    fn next_page(&mut self, values: &mut ColumnValues) -> Result<()> {
        let page = self.pages.next()?.ok_or(Unsupported)?;
        // A data page claiming more rows than the row group has left is damaged (and its
        // count must not size an allocation).
        let claimed = match &page {
            Page::DataPage { num_values, .. } | Page::DataPageV2 { num_values, .. } => *num_values as usize,
            Page::DictionaryPage { .. } => 0,
        };
        if claimed > self.unread {
            return Err(Unsupported);
        }
        self.unread -= claimed;
        let (buf, levels_at, levels_len, encoding): (Bytes, usize, usize, Encoding) = match page {
            Page::DictionaryPage { buf, num_values, encoding, .. } => {
                if self.dictionary.is_some() || self.data_seen || !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                    return Err(Unsupported);
                }
                values.clear();
                plain(&buf, 0, self.physical, num_values as usize, values)?;
                values.mark_dictionary();
                self.dictionary = Some((num_values, values.checkpoint()));
                return Ok(());
            }
            Page::DataPage { buf, encoding, def_level_encoding, .. } => {
                if self.max_def == 1 {
                    if def_level_encoding != Encoding::RLE {
                        return Err(Unsupported);
                    }
                    let len = buf.get(..4).ok_or(Unsupported)?;
                    let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    (buf, 4, len, encoding)
                } else {
                    (buf, 0, 0, encoding)
                }
            }
            Page::DataPageV2 { buf, num_values, encoding, def_levels_byte_len, rep_levels_byte_len, num_rows, .. } => {
                if rep_levels_byte_len != 0 || num_rows != num_values {
                    return Err(Unsupported);
                }
                (buf, 0, def_levels_byte_len as usize, encoding)
            }
        };
        self.data_seen = true;
        let values_at = levels_at.checked_add(levels_len).filter(|&end| end <= buf.len()).ok_or(Unsupported)?;
        let levels = (self.max_def == 1).then(|| Hybrid::new(buf.clone(), levels_at, values_at, 1));
        let values = match encoding {
            Encoding::PLAIN => PageValues::Plain(buf, values_at),
            Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
                self.dictionary.ok_or(Unsupported)?;
                let width = *buf.get(values_at).ok_or(Unsupported)?;
                if width > 32 {
                    return Err(Unsupported);
                }
                let end = buf.len();
                PageValues::Indices(Hybrid::new(buf, values_at + 1, end, u32::from(width)))
            }
            _ => return Err(Unsupported),
        };
        self.page = Some(DataPage { left: claimed, levels, values });
        Ok(())
    }
}

/// The next `n` rows of `page` (`dictionary`: the dictionary's entry count) as entry
/// indices appended to `rows_out`; `scratch` is room for levels and indices.
fn page_rows(page: &mut DataPage, n: usize, physical: Physical, dictionary: Option<u32>, values: &mut ColumnValues, scratch: &mut Vec<u32>, rows_out: &mut Vec<u32>) -> Result<()> {
    // Which rows have a value: definition level 1 (a page without nulls is one run of ones).
    scratch.clear();
    let present = match &mut page.levels {
        None => n,
        Some(levels) => {
            levels.fill(scratch, n)?;
            scratch.iter().map(|&l| l as usize).sum()
        }
    };
    let nulls = present != n;
    let start = rows_out.len();
    match &mut page.values {
        PageValues::Plain(buf, at) => {
            let first = values.len() as u32;
            *at = plain(buf, *at, physical, present, values)?;
            if !nulls {
                rows_out.extend(first..first + present as u32);
            } else {
                // (Without a branch per row: a row takes the next value's index, or null.)
                let mut next = first;
                rows_out.extend(scratch.iter().map(|&l| {
                    let i = if l != 0 { next } else { NULL };
                    next += l;
                    i
                }));
            }
        }
        PageValues::Indices(d) => {
            let entries = dictionary.ok_or(Unsupported)?;
            if !nulls {
                d.fill(rows_out, present)?;
            } else {
                let levels_end = scratch.len();
                d.fill(scratch, present)?;
                let (levels, indices) = scratch.split_at(levels_end);
                // (Without a branch per row: a row takes the next index, or null; `present`
                // counts the rows with a value, so there are as many indices as they need.)
                let mut next = 0;
                rows_out.extend(levels.iter().map(|&l| {
                    let i = if l != 0 { indices.get(next).copied().unwrap_or(NULL) } else { NULL };
                    next += l as usize;
                    i
                }));
            }
            // Every index names an entry (null's index, u32::MAX, is past them all: one more
            // wraps to 0). A maximum rather than a search, so the check runs on vectors.
            const _: () = assert!(NULL == u32::MAX);
            if rows_out[start..].iter().map(|&i| i.wrapping_add(1)).max().unwrap_or(0) > entries {
                return Err(Unsupported);
            }
        }
    }
    Ok(())
}

/// Reads `n` PLAIN values of `physical` type from `data` at `at` into `values`; returns the
/// offset after them.
fn plain(data: &[u8], at: usize, physical: Physical, n: usize, values: &mut ColumnValues) -> Result<usize> {
    let rest = data.get(at..).ok_or(Unsupported)?;
    match physical {
        Physical::INT32 => {
            let len = n.checked_mul(4).ok_or(Unsupported)?;
            for c in rest.get(..len).ok_or(Unsupported)?.chunks_exact(4) {
                values.push_int(i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])));
            }
            Ok(at + len)
        }
        Physical::INT64 => {
            let len = n.checked_mul(8).ok_or(Unsupported)?;
            for c in rest.get(..len).ok_or(Unsupported)?.chunks_exact(8) {
                values.push_int(i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
            }
            Ok(at + len)
        }
        Physical::BYTE_ARRAY => Ok(at + values.push_plain_texts(rest, n).ok_or(Unsupported)?),
        _ => Err(Unsupported),
    }
}

/// Parquet's RLE / bit-packed hybrid encoding of small integers (definition levels,
/// dictionary indices), of `width` bits each, in `data[at..end]`.
struct Hybrid {
    data: Bytes,
    at: usize,
    end: usize,
    width: u32,
    /// Values left in the current RLE run, and its value.
    repeat: usize,
    value: u32,
    /// Values left in the current bit-packed run, the bit offset of the next from
    /// `packed_at`, and where the run's bytes end.
    packed: usize,
    bit: usize,
    packed_at: usize,
    packed_end: usize,
}

impl Hybrid {
    fn new(data: Bytes, at: usize, end: usize, width: u32) -> Hybrid {
        Hybrid { data, at, end, width, repeat: 0, value: 0, packed: 0, bit: 0, packed_at: 0, packed_end: 0 }
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
                    if self.bit % 8 == 0 && left >= 8 {
                        self.unpack_groups(out, left / 8);
                        left %= 8;
                    }
                    out.extend((0..left).map(|_| self.unpack()));
                }
                self.packed -= k;
                n -= k;
            } else {
                self.run()?;
                if self.repeat == 0 && self.packed == 0 && self.at >= self.end {
                    return Err(Unsupported);
                }
            }
        }
        Ok(())
    }

    /// The next byte of the encoded data.
    fn byte(&mut self) -> Result<u8> {
        let b = *self.data.get(self.at).filter(|_| self.at < self.end).ok_or(Unsupported)?;
        self.at += 1;
        Ok(b)
    }

    /// Reads the next run's header (and an RLE run's value).
    fn run(&mut self) -> Result<()> {
        // The header is a ULEB128 varint.
        let mut header: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
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
            let mut v = 0u32;
            for i in 0..self.width.div_ceil(8) {
                v |= u32::from(self.byte()?) << (8 * i);
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
            let avail = bytes.min(self.end - self.at);
            self.packed_at = self.at;
            self.packed_end = self.at + avail;
            self.at += avail;
            self.bit = 0;
            self.packed = if self.width == 0 { values } else { values.min(avail * 8 / self.width as usize) };
        }
        Ok(())
    }

    /// The current bit-packed run's bytes from `byte`.
    #[inline]
    fn packed_from(&self, byte: usize) -> &[u8] {
        self.data.get(self.packed_at + byte..self.packed_end).unwrap_or(&[])
    }

    /// The next `groups` groups of eight values of the current bit-packed run, which starts
    /// at a byte: one loop per width, so the shifts are constants.
    fn unpack_groups(&mut self, out: &mut Vec<u32>, groups: usize) {
        macro_rules! widths {
            ($($w:literal)*) => {
                match self.width {
                    $($w => self.unpack_groups_of::<$w>(out, groups),)*
                    _ => {}
                }
            };
        }
        widths!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
    }

    #[inline(always)]
    fn unpack_groups_of<const W: usize>(&mut self, out: &mut Vec<u32>, groups: usize) {
        let src = self.packed_from(self.bit / 8);
        out.reserve(groups * 8);
        for g in 0..groups {
            // Eight values of up to 32 bits are at most 32 bytes; 8 more let each value be
            // read as one little-endian word. Near the run's end, from a padded copy.
            let at = src.get(g * W..).unwrap_or(&[]);
            let values = match at.first_chunk::<40>() {
                Some(buf) => unpack8::<W>(buf),
                None => {
                    let mut buf = [0u8; 40];
                    let n = at.len().min(W);
                    buf[..n].copy_from_slice(&at[..n]);
                    unpack8::<W>(&buf)
                }
            };
            out.extend_from_slice(&values);
        }
        self.bit += 8 * W * groups;
    }

    /// The next value of the current bit-packed run.
    #[inline]
    fn unpack(&mut self) -> u32 {
        if self.width == 0 {
            return 0;
        }
        let shift = self.bit % 8;
        let src = self.packed_from(self.bit / 8);
        let word = match src.get(..8) {
            Some(w) => u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]),
            None => {
                let mut w = [0u8; 8];
                w[..src.len()].copy_from_slice(src);
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

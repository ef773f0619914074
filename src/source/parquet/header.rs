//! Parquet page headers (Thrift's compact protocol), read by vpcscope for the gzip pages it
//! inflates itself ([`super::pages::GzipPages`]): only the fields a page's decoding needs,
//! every other field skipped. A header is read from the chunk's bytes and never claims
//! memory for a length it states: a binary field longer than what is left of the chunk is
//! damage (a general Thrift reader allocates the stated length first, up to 4 GiB, before it
//! finds the bytes missing).

use parquet::basic::Encoding;

/// The header is not one this reader takes (damaged, or nested deeper than a page header
/// ever is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadHeader;

type Result<T> = std::result::Result<T, BadHeader>;

/// What a page header says, as far as decoding the page goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct PageHeader {
    /// 0 data page, 1 index page, 2 dictionary page, 3 data page v2.
    pub kind: i32,
    pub uncompressed_size: i32,
    pub compressed_size: i32,
    /// The data or dictionary page header's.
    pub num_values: i32,
    pub encoding: i32,
    /// A v1 data page's level encodings.
    pub def_level_encoding: i32,
    pub rep_level_encoding: i32,
    /// A v2 data page's.
    pub num_nulls: i32,
    pub num_rows: i32,
    pub def_levels_len: i32,
    pub rep_levels_len: i32,
    /// A v2 data page's values are compressed unless it says not (Parquet's default).
    pub is_compressed: bool,
    /// A dictionary page's.
    pub is_sorted: bool,
    /// Which of the page-kind headers the header held.
    pub has_data: bool,
    pub has_dictionary: bool,
    pub has_data_v2: bool,
}

/// Page kinds ([`PageHeader::kind`]).
pub(super) const DATA_PAGE: i32 = 0;
pub(super) const DICTIONARY_PAGE: i32 = 2;
pub(super) const DATA_PAGE_V2: i32 = 3;

/// An encoding number as the crate's encoding.
pub(super) fn encoding(n: i32) -> Option<Encoding> {
    Encoding::try_from(parquet::format::Encoding(n)).ok()
}

/// Reads the page header at the start of `data`; returns it and its length in bytes.
pub(super) fn read(data: &[u8]) -> Result<(PageHeader, usize)> {
    let mut r = Reader { data, at: 0 };
    let mut h = PageHeader { is_compressed: true, ..PageHeader::default() };
    r.fields(0, |r, id, ty| match (id, ty) {
        (1, I32) => Ok(h.kind = r.i32()?),
        (2, I32) => Ok(h.uncompressed_size = r.i32()?),
        (3, I32) => Ok(h.compressed_size = r.i32()?),
        (5, STRUCT) => {
            h.has_data = true;
            r.fields(1, |r, id, ty| match (id, ty) {
                (1, I32) => Ok(h.num_values = r.i32()?),
                (2, I32) => Ok(h.encoding = r.i32()?),
                (3, I32) => Ok(h.def_level_encoding = r.i32()?),
                (4, I32) => Ok(h.rep_level_encoding = r.i32()?),
                _ => r.skip(ty, 2),
            })
        }
        (7, STRUCT) => {
            h.has_dictionary = true;
            r.fields(1, |r, id, ty| match (id, ty) {
                (1, I32) => Ok(h.num_values = r.i32()?),
                (2, I32) => Ok(h.encoding = r.i32()?),
                (3, TRUE | FALSE) => Ok(h.is_sorted = ty == TRUE),
                _ => r.skip(ty, 2),
            })
        }
        (8, STRUCT) => {
            h.has_data_v2 = true;
            r.fields(1, |r, id, ty| match (id, ty) {
                (1, I32) => Ok(h.num_values = r.i32()?),
                (2, I32) => Ok(h.num_nulls = r.i32()?),
                (3, I32) => Ok(h.num_rows = r.i32()?),
                (4, I32) => Ok(h.encoding = r.i32()?),
                (5, I32) => Ok(h.def_levels_len = r.i32()?),
                (6, I32) => Ok(h.rep_levels_len = r.i32()?),
                (7, TRUE | FALSE) => Ok(h.is_compressed = ty == TRUE),
                _ => r.skip(ty, 2),
            })
        }
        _ => r.skip(ty, 1),
    })?;
    Ok((h, r.at))
}

// Compact-protocol types.
const STOP: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;

/// How deep structs and containers may nest (a page header's statistics are two levels
/// down; anything far deeper is not a page header).
const MAX_DEPTH: u32 = 16;

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.data.get(self.at).ok_or(BadHeader)?;
        self.at += 1;
        Ok(b)
    }

    /// An unsigned LEB128 varint of at most 64 bits.
    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(BadHeader)
    }

    fn zigzag(&mut self) -> Result<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self) -> Result<i32> {
        i32::try_from(self.zigzag()?).map_err(|_| BadHeader)
    }

    /// Skips `n` bytes that must be there.
    fn skip_bytes(&mut self, n: u64) -> Result<()> {
        let n = usize::try_from(n).map_err(|_| BadHeader)?;
        self.at = self.at.checked_add(n).filter(|&end| end <= self.data.len()).ok_or(BadHeader)?;
        Ok(())
    }

    /// Reads a struct's fields up to its stop, handing each (id, type) to `field`, which
    /// reads or skips the value.
    fn fields(&mut self, depth: u32, mut field: impl FnMut(&mut Self, i16, u8) -> Result<()>) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(BadHeader);
        }
        let mut last: i16 = 0;
        loop {
            let b = self.byte()?;
            let ty = b & 0x0f;
            if ty == STOP {
                return Ok(());
            }
            let delta = i16::from(b >> 4);
            let id = if delta == 0 { i16::try_from(self.zigzag()?).map_err(|_| BadHeader)? } else { last.checked_add(delta).ok_or(BadHeader)? };
            last = id;
            field(self, id, ty)?;
        }
    }

    /// Skips a value of type `ty`.
    fn skip(&mut self, ty: u8, depth: u32) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(BadHeader);
        }
        match ty {
            // A boolean field's value is its type.
            TRUE | FALSE => Ok(()),
            BYTE => self.byte().map(drop),
            I16 | I32 | I64 => self.varint().map(drop),
            DOUBLE => self.skip_bytes(8),
            BINARY => {
                let n = self.varint()?;
                self.skip_bytes(n)
            }
            LIST | SET => {
                let b = self.byte()?;
                let n = match b >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                self.skip_elements(n, b & 0x0f, depth)
            }
            MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let types = self.byte()?;
                for _ in 0..n {
                    self.skip_element(types >> 4, depth)?;
                    self.skip_element(types & 0x0f, depth)?;
                }
                Ok(())
            }
            STRUCT => self.fields(depth + 1, |r, _, ty| r.skip(ty, depth + 1)),
            _ => Err(BadHeader),
        }
    }

    /// Skips `n` container elements of type `ty` (each at least a byte: a count larger than
    /// what is left is damage, found before looping over it).
    fn skip_elements(&mut self, n: u64, ty: u8, depth: u32) -> Result<()> {
        if n > (self.data.len() - self.at) as u64 {
            return Err(BadHeader);
        }
        for _ in 0..n {
            self.skip_element(ty, depth)?;
        }
        Ok(())
    }

    /// Skips one container element: a boolean element is a byte of its own.
    fn skip_element(&mut self, ty: u8, depth: u32) -> Result<()> {
        match ty {
            TRUE | FALSE => self.byte().map(drop),
            ty => self.skip(ty, depth + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hostile lengths are damage, not allocations or loops: a binary field claiming 4 GiB,
    /// a list claiming a billion elements, nesting without end, a header cut short.
    #[test]
    fn hostile_headers_are_refused() {
        // Field 1 (type i32) = 0, then field 6 as binary of length 2^32 - 1.
        let huge_binary = [0x15, 0x00, 0x58, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(read(&huge_binary), Err(BadHeader));
        // Field 6 as a list of 10^9 i32 elements.
        let huge_list = [0x69, 0xf5, 0x80, 0x94, 0xeb, 0xdc, 0x03];
        assert_eq!(read(&huge_list), Err(BadHeader));
        // Field 6 as a struct holding a struct holding ... with no stop.
        let deep: Vec<u8> = std::iter::once(0x6c).chain(std::iter::repeat(0x1c).take(1000)).collect();
        assert_eq!(read(&deep), Err(BadHeader));
        assert_eq!(read(&[0x15]), Err(BadHeader));
        assert_eq!(read(&[]), Err(BadHeader));
        // A well-formed header of a v1 data page: type 0, sizes 100 and 60, then the data
        // page header (num_values 10, encodings 0, 3, 3), an unknown field skipped, stop.
        let ok = [0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x78, 0x2c, 0x15, 0x14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x18, 0x02, b'h', b'i', 0x00, 0xee];
        let (h, len) = read(&ok).unwrap();
        assert_eq!(len, ok.len() - 1);
        assert_eq!((h.kind, h.uncompressed_size, h.compressed_size, h.num_values, h.encoding, h.def_level_encoding), (DATA_PAGE, 100, 60, 10, 0, 3));
        assert!(h.has_data && !h.has_dictionary && !h.has_data_v2 && h.is_compressed);
    }
}

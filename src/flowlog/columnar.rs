//! Records from typed column values (a Parquet row), without a text line to parse:
//! [`RowBuilder`] takes a row's values column by column, integers as integers and strings as
//! bytes, and fills the same typed [`Values`] the [`Parser`](super::Parser) fills from a
//! line, judged by the same rules, so a row gives the record (or the [`ParseError`]) its
//! text line would:
//!
//! - a number field takes an integer, or a string of decimal digits; a negative integer is
//!   not a number (the line would read `-5`), one too large for the field is out of range;
//! - an address field takes an IPv4 or IPv6 address; `action`, `log-status` and
//!   `flow-direction` take their words, as text;
//! - a string that is empty or `-` is absent, as null is; a string holding a space or a
//!   control character (it would be several fields of a line), or bytes that are not UTF-8,
//!   makes the row malformed; so does a value of a type no field has (boolean, floating
//!   point), reported by the reader as [`RowBuilder::wrong_type`].
//!
//! The record's line holds only the row's text columns (string values, and every value of a
//! text field), in column order with `-` for absent ones: what [`FlowRecord::get`] and the
//! interface id read. Number fields are read through the typed accessors
//! ([`FlowRecord::srcport`], ...) and [`FlowRecord::get_u64`]: writing every number of every
//! row as text, only for no one to read it, was a quarter of a Parquet scan.

use super::field::{Field, Kind};
use super::format::Format;
use super::parser::{addr, ipv4, number};
use super::position::{Position, RecordSink, TextFields};
use super::record::{Action, Columns, Direction, FlowRecord, InterfaceKey, LogStatus, ParseError, Values};
use std::net::IpAddr;

/// What a column's values become.
#[derive(Debug, Clone, Copy)]
struct Column {
    field: Field,
    /// Whether the column's text goes in the record's line.
    in_line: bool,
}

/// Builds one record at a time from a row's column values (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct RowBuilder {
    columns: Vec<Column>,
    /// The format of the line: the columns with `in_line`.
    line_format: Format,
    max_line_len: usize,
    line: Vec<u8>,
    spans: Vec<(u32, u32)>,
    values: Values,
    error: Option<ParseError>,
    digits: Vec<u8>,
}

impl RowBuilder {
    /// A builder for rows of `columns`: each column's field and whether its values are
    /// strings (integers otherwise, or a type no field has). Every value of a string column
    /// and every value of a text field (an id, an address, a word) is kept in the line. A
    /// field named twice is an error.
    pub(crate) fn new(columns: &[(Field, bool)], max_line_len: usize) -> Result<RowBuilder, super::FormatError> {
        let columns: Vec<Column> = columns.iter().map(|&(field, string)| Column { field, in_line: string || !is_number(field) }).collect();
        Format::from_fields(&columns.iter().map(|c| c.field).collect::<Vec<_>>())?;
        let line_format = Format::from_fields(&columns.iter().filter(|c| c.in_line).map(|c| c.field).collect::<Vec<_>>())?;
        Ok(RowBuilder {
            columns,
            line_format,
            max_line_len,
            line: Vec::with_capacity(256),
            spans: Vec::with_capacity(16),
            values: Values::default(),
            error: None,
            digits: Vec::with_capacity(20),
        })
    }

    /// Starts a row.
    #[inline]
    pub(crate) fn start(&mut self) {
        self.line.clear();
        self.spans.clear();
        self.values = Values::default();
        self.error = None;
    }

    /// Column `c` is null.
    #[inline]
    pub(crate) fn null(&mut self, c: usize) {
        if self.columns.get(c).is_some_and(|col| col.in_line) {
            self.push_span(b"-");
        }
    }

    /// Column `c` holds a value of a type no flow-log field has.
    #[inline]
    pub(crate) fn wrong_type(&mut self, c: usize) {
        let field = self.columns.get(c).map_or(Field::Version, |col| col.field);
        self.fail(ParseError::WrongType(field));
        self.null(c);
    }

    /// Column `c` holds the integer `x`.
    #[inline]
    pub(crate) fn int(&mut self, c: usize, x: i64) {
        let Some(&col) = self.columns.get(c) else { return };
        if self.error.is_some() {
            return;
        }
        if col.in_line {
            // A text field written as a number: its decimal text is the value.
            let mut digits = std::mem::take(&mut self.digits);
            digits.clear();
            push_number(&mut digits, x);
            self.text(c, &digits);
            self.digits = digits;
            return;
        }
        match u64::try_from(x) {
            Ok(x) => {
                if let Err(e) = self.set_number(col.field, x) {
                    self.fail(e);
                }
            }
            Err(_) => self.fail(ParseError::NotANumber(col.field)),
        }
    }

    /// Column `c` holds the string `s`.
    #[inline]
    pub(crate) fn text(&mut self, c: usize, s: &[u8]) {
        let Some(&col) = self.columns.get(c) else { return };
        if s.is_empty() || s == b"-" {
            return self.null(c);
        }
        if !s.iter().all(|&b| (0x21..0x7f).contains(&b)) {
            let checked = match std::str::from_utf8(s) {
                Err(_) => Err(ParseError::NotText),
                Ok(t) if t.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) => Err(ParseError::SpaceInValue(col.field)),
                Ok(_) => Ok(()),
            };
            if let Err(e) = checked {
                self.fail(e);
                return self.null(c);
            }
        }
        let span = if col.in_line { self.push_span(s) } else { (0, 0) };
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.set_text(col.field, s, span) {
            self.fail(e);
        }
    }

    /// The row's record, or why it is malformed.
    #[inline]
    pub(crate) fn finish(&mut self) -> Result<FlowRecord<'_>, ParseError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.line.len() > self.max_line_len {
            return Err(ParseError::LineTooLong(self.max_line_len));
        }
        // Every piece of the line was checked to be UTF-8 (`text`); checked again rather
        // than trusted: it is short.
        let line = std::str::from_utf8(&self.line).map_err(|_| ParseError::NotText)?;
        Ok(FlowRecord { line, columns: Columns::Spans(&self.spans), format: &self.line_format, values: &self.values, interface_key: InterfaceKey::NONE })
    }

    fn fail(&mut self, e: ParseError) {
        self.error.get_or_insert(e);
    }

    fn push_span(&mut self, s: &[u8]) -> (u32, u32) {
        if !self.line.is_empty() {
            self.line.push(b' ');
        }
        let start = self.line.len() as u32;
        self.line.extend_from_slice(s);
        let span = (start, self.line.len() as u32);
        self.spans.push(span);
        span
    }

    /// A number field's value.
    #[inline]
    fn set_number(&mut self, field: Field, x: u64) -> Result<(), ParseError> {
        store_number(&mut self.values, field, x)
    }

    /// A string value (checked to be text without spaces), at `span` of the line if it is
    /// in it.
    #[inline]
    fn set_text(&mut self, field: Field, t: &[u8], span: (u32, u32)) -> Result<(), ParseError> {
        let v = &mut self.values;
        match field.kind() {
            Kind::U8 | Kind::U16 | Kind::U64 => return self.set_number(field, number(t, field)?),
            Kind::Addr => {
                let a = addr(t, field)?;
                match field {
                    Field::SrcAddr => (v.srcaddr, v.present) = (a, v.present | Values::SRCADDR),
                    Field::DstAddr => (v.dstaddr, v.present) = (a, v.present | Values::DSTADDR),
                    Field::PktSrcAddr => (v.pkt_srcaddr, v.present) = (a, v.present | Values::PKT_SRCADDR),
                    Field::PktDstAddr => (v.pkt_dstaddr, v.present) = (a, v.present | Values::PKT_DSTADDR),
                    _ => {}
                }
            }
            Kind::Action => (v.action, v.present) = (Action::parse(t), v.present | Values::ACTION),
            Kind::LogStatus => (v.log_status, v.present) = (LogStatus::parse(t), v.present | Values::LOG_STATUS),
            Kind::Direction => {
                v.direction = match t {
                    b"ingress" => Direction::Ingress,
                    b"egress" => Direction::Egress,
                    _ => return Err(ParseError::BadDirection),
                };
                v.present |= Values::DIRECTION;
            }
            Kind::Text => {
                if field == Field::InterfaceId {
                    v.interface = span;
                    v.present |= Values::INTERFACE;
                }
            }
        }
        Ok(())
    }
}

/// Stores number field `field`'s value `x` in `v`, or says it is out of range for the field.
#[inline]
fn store_number(v: &mut Values, field: Field, x: u64) -> Result<(), ParseError> {
    let out_of_range = |_| ParseError::OutOfRange(field);
    match field {
        Field::Version => {
            v.version = u8::try_from(x).map_err(out_of_range)?;
            v.present |= Values::VERSION;
        }
        Field::SrcPort => {
            v.srcport = u16::try_from(x).map_err(out_of_range)?;
            v.present |= Values::SRCPORT;
        }
        Field::DstPort => {
            v.dstport = u16::try_from(x).map_err(out_of_range)?;
            v.present |= Values::DSTPORT;
        }
        Field::Protocol => {
            v.protocol = u8::try_from(x).map_err(out_of_range)?;
            v.present |= Values::PROTOCOL;
        }
        Field::TcpFlags => {
            v.tcp_flags = u8::try_from(x).map_err(out_of_range)?;
            v.present |= Values::TCP_FLAGS;
        }
        Field::Packets => {
            v.packets = x;
            v.present |= Values::PACKETS;
        }
        Field::Bytes => {
            v.bytes = x;
            v.present |= Values::BYTES;
        }
        Field::Start => {
            v.start = x;
            v.present |= Values::START;
        }
        Field::End => {
            v.end = x;
            v.present |= Values::END;
        }
        f => match f.kind() {
            Kind::U8 => {
                u8::try_from(x).map_err(out_of_range)?;
            }
            Kind::U16 => {
                u16::try_from(x).map_err(out_of_range)?;
            }
            _ => {}
        },
    }
    Ok(())
}

fn is_number(field: Field) -> bool {
    matches!(field.kind(), Kind::U8 | Kind::U16 | Kind::U64)
}

/// A column's values judged once each: a dictionary page's entries, or a plain page's
/// values, as the row builder would judge them (see the module docs). Rows refer to
/// entries by index ([`NULL`] for a null), so a dictionary-encoded column's addresses,
/// interface ids and words are checked and parsed once per column chunk, not once per row.
#[derive(Debug, Clone)]
pub(crate) struct ColumnValues {
    field: Field,
    kind: Kind,
    /// Whether the column is a text column (its values would be in the line).
    text_column: bool,
    /// Whether its text is kept for the record's line (a text column the sink reads).
    in_line: bool,
    entries: Vec<Judged>,
    /// Each entry's text in `text` (for a column kept in the line; else only the span's
    /// length is meaningful, the text is not kept). A column of integers has none.
    spans: Vec<(u32, u32)>,
    text: Vec<u8>,
    /// The longest value's text.
    max_len: u32,
    /// The dictionary's number ([`InterfaceKey::new_dictionary`]) and entry count, once
    /// its entries are judged.
    dictionary: Option<(u64, u32)>,
    digits: Vec<u8>,
    /// Whether addresses can be read with [`ipv4_window`](super::v2::ipv4_window).
    #[cfg(target_arch = "x86_64")]
    ssse3: bool,
}

/// A point [`ColumnValues::reset_to`] goes back to (after a dictionary's entries).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Checkpoint {
    entries: usize,
    text: usize,
    max_len: u32,
}

/// The row index of a null value.
pub(crate) const NULL: u32 = u32::MAX;

/// One value, judged.
#[derive(Debug, Clone, Copy)]
enum Judged {
    Null,
    Bad(ParseError),
    Number(u64),
    Addr(IpAddr),
    Action(Action),
    LogStatus(LogStatus),
    Direction(Direction),
    /// A text field's value (an interface id, a reason): its text is all there is.
    Text,
}

impl ColumnValues {
    /// The values of a column of `field`, strings or integers (`string`), for a sink reading
    /// `text`.
    pub(crate) fn new(field: Field, string: bool, text: TextFields) -> ColumnValues {
        let text_column = string || !is_number(field);
        ColumnValues {
            field,
            kind: field.kind(),
            text_column,
            in_line: text_column && text.includes(field),
            entries: Vec::new(),
            spans: Vec::new(),
            text: Vec::new(),
            max_len: 0,
            dictionary: None,
            digits: Vec::new(),
            #[cfg(target_arch = "x86_64")]
            ssse3: super::v2::has_ssse3(),
        }
    }

    /// Forgets every value (a new column chunk).
    pub(crate) fn clear(&mut self) {
        self.reset_to(Checkpoint::default());
        self.dictionary = None;
    }

    /// The values judged so far are the chunk's dictionary: they get a number of their own,
    /// which records carry as their [`InterfaceKey`] with the entry.
    pub(crate) fn mark_dictionary(&mut self) {
        self.dictionary = Some((InterfaceKey::new_dictionary(), self.entries.len() as u32));
    }

    /// The key of entry `i`: its dictionary's, for an entry of the dictionary.
    #[inline]
    fn key_of(&self, i: u32) -> InterfaceKey {
        match self.dictionary {
            Some((dictionary, n)) if i < n => InterfaceKey { dictionary, entry: i },
            _ => InterfaceKey::NONE,
        }
    }

    /// Where the values are now.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint { entries: self.entries.len(), text: self.text.len(), max_len: self.max_len }
    }

    /// Forgets the values judged since `at`.
    pub(crate) fn reset_to(&mut self, at: Checkpoint) {
        self.entries.truncate(at.entries);
        self.spans.truncate(at.entries);
        self.text.truncate(at.text);
        self.max_len = at.max_len;
    }

    /// The number of values judged.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Judges `n` PLAIN byte-array values (each a 4-byte little-endian length and its
    /// bytes) from the start of `data`; returns the bytes they take, or `None` when `data`
    /// ends first.
    pub(crate) fn push_plain_texts(&mut self, data: &[u8], n: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if matches!(self.kind, Kind::Addr) && self.ssse3 {
            // SAFETY: `ssse3` says the CPU has the features.
            return unsafe { self.push_plain_addrs_ssse3(data, n) };
        }
        self.push_plain_with(data, n, |_, _| None)
    }

    /// [`push_plain_texts`](Self::push_plain_texts) for an address column: each value with
    /// 16 bytes of the page from its start is read as a dotted quad in one go
    /// ([`ipv4_window`](super::v2::ipv4_window)), any other the ordinary way.
    ///
    /// # Safety
    ///
    /// The CPU must have SSSE3 and SSE4.1.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3,sse4.1")]
    unsafe fn push_plain_addrs_ssse3(&mut self, data: &[u8], n: usize) -> Option<usize> {
        // SAFETY: this function's features are the reader's.
        self.push_plain_with(data, n, |window, len| unsafe { super::v2::ipv4_window(window, len) })
    }

    /// The loop of [`push_plain_texts`](Self::push_plain_texts); `v4` reads a value's
    /// 16-byte window as a dotted quad.
    #[inline(always)]
    fn push_plain_with(&mut self, data: &[u8], n: usize, v4: impl Fn(&[u8; 16], usize) -> Option<std::net::Ipv4Addr>) -> Option<usize> {
        let mut rest = data;
        for _ in 0..n {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = u32::from_le_bytes(*len) as usize;
            let s = tail.get(..len)?;
            match tail.first_chunk::<16>().and_then(|w| v4(w, len)) {
                Some(a) => self.push_judged(Judged::Addr(IpAddr::V4(a)), s),
                None => self.push_text(s),
            }
            rest = &tail[len..];
        }
        Some(data.len() - rest.len())
    }

    /// Judges the string `s` as the next value.
    #[inline]
    pub(crate) fn push_text(&mut self, s: &[u8]) {
        self.push_judged(judge_text(self.field, self.kind, s), s);
    }

    /// Adds the value `s` judged `judged`.
    #[inline]
    fn push_judged(&mut self, judged: Judged, s: &[u8]) {
        let span = if matches!(judged, Judged::Null | Judged::Bad(_)) {
            (0, 0)
        } else if self.in_line {
            let start = self.text.len() as u32;
            self.text.extend_from_slice(s);
            (start, self.text.len() as u32)
        } else {
            (0, s.len() as u32)
        };
        self.max_len = self.max_len.max(span.1 - span.0);
        self.entries.push(judged);
        self.spans.push(span);
    }

    /// Judges the integer `x` as the next value.
    pub(crate) fn push_int(&mut self, x: i64) {
        if self.text_column {
            // A text field written as a number: its decimal text is the value.
            let mut digits = std::mem::take(&mut self.digits);
            digits.clear();
            push_number(&mut digits, x);
            self.push_text(&digits);
            self.digits = digits;
            return;
        }
        let judged = match u64::try_from(x) {
            Ok(x) => judge_number(self.field, self.kind, x),
            Err(_) => Judged::Bad(ParseError::NotANumber(self.field)),
        };
        // (A number column has no text: its entries have no spans.)
        self.entries.push(judged);
    }

    /// Sets this column's value of each row (`rows`: entry indices) in `values`, the first
    /// error of a row in `errors`.
    fn apply(&self, rows: &[u32], values: &mut [Values], errors: &mut [Option<ParseError>]) {
        match self.field {
            Field::SrcAddr => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Addr(a) = j {
                    (v.srcaddr, v.present) = (a, v.present | Values::SRCADDR);
                }
            }),
            Field::DstAddr => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Addr(a) = j {
                    (v.dstaddr, v.present) = (a, v.present | Values::DSTADDR);
                }
            }),
            Field::PktSrcAddr => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Addr(a) = j {
                    (v.pkt_srcaddr, v.present) = (a, v.present | Values::PKT_SRCADDR);
                }
            }),
            Field::PktDstAddr => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Addr(a) = j {
                    (v.pkt_dstaddr, v.present) = (a, v.present | Values::PKT_DSTADDR);
                }
            }),
            Field::SrcPort => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.srcport, v.present) = (x as u16, v.present | Values::SRCPORT);
                }
            }),
            Field::DstPort => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.dstport, v.present) = (x as u16, v.present | Values::DSTPORT);
                }
            }),
            Field::Protocol => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.protocol, v.present) = (x as u8, v.present | Values::PROTOCOL);
                }
            }),
            Field::Packets => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.packets, v.present) = (x, v.present | Values::PACKETS);
                }
            }),
            Field::Bytes => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.bytes, v.present) = (x, v.present | Values::BYTES);
                }
            }),
            Field::Start => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.start, v.present) = (x, v.present | Values::START);
                }
            }),
            Field::End => self.apply_with(rows, values, errors, |v, j| {
                if let Judged::Number(x) = j {
                    (v.end, v.present) = (x, v.present | Values::END);
                }
            }),
            _ => self.apply_with(rows, values, errors, |v, j| match j {
                // (Numbers were range-checked when judged: storing cannot fail.)
                Judged::Number(x) => {
                    let _ = store_number(v, self.field, x);
                }
                Judged::Addr(_) | Judged::Null | Judged::Bad(_) => {}
                Judged::Action(a) => (v.action, v.present) = (a, v.present | Values::ACTION),
                Judged::LogStatus(s) => (v.log_status, v.present) = (s, v.present | Values::LOG_STATUS),
                Judged::Direction(d) => (v.direction, v.present) = (d, v.present | Values::DIRECTION),
                Judged::Text => {
                    if self.field == Field::InterfaceId {
                        v.present |= Values::INTERFACE;
                    }
                }
            }),
        }
    }

    #[inline(always)]
    fn apply_with(&self, rows: &[u32], values: &mut [Values], errors: &mut [Option<ParseError>], set: impl Fn(&mut Values, Judged)) {
        for ((&i, v), e) in rows.iter().zip(values.iter_mut()).zip(errors.iter_mut()) {
            // (The page decoder checks every index; an index past the entries reads as
            // null rather than panicking.)
            match self.entries.get(i as usize) {
                Some(&Judged::Bad(bad)) => {
                    e.get_or_insert(bad);
                }
                Some(&j) => set(v, j),
                None => {}
            }
        }
    }

    /// Appends the text of entry `i` (`-` for null or a bad value) to `line`. Ids and
    /// addresses are short: one copy of 32 bytes (into the line's spare room, then cut to
    /// length) is cheaper than a call to copy a length only known at run time.
    #[inline]
    fn copy_text(&self, i: u32, line: &mut Vec<u8>) {
        if let Some(&(a, b)) = self.spans.get(i as usize) {
            let (a, b) = (a as usize, b as usize);
            if b > a && b - a <= 32 {
                if let Some(Ok(word)) = self.text.get(a..a + 32).map(<[u8; 32]>::try_from) {
                    let len = line.len();
                    line.extend_from_slice(&word);
                    line.truncate(len + (b - a));
                    return;
                }
            }
        }
        line.extend_from_slice(if i == NULL { b"-" } else { self.text_of(i) });
    }

    /// The length of entry `i`'s text in a line (1 for `-`).
    #[inline]
    fn line_len(&self, i: u32) -> usize {
        match self.spans.get(i as usize) {
            Some(&(a, b)) if b > a => (b - a) as usize,
            _ => 1,
        }
    }

    /// The text of entry `i` for the record's line (`-` for null or a bad value).
    #[inline]
    fn text_of(&self, i: u32) -> &[u8] {
        match self.spans.get(i as usize) {
            Some(&(a, b)) if b > a => self.text.get(a as usize..b as usize).unwrap_or(b"-"),
            _ => b"-",
        }
    }
}

/// A string value judged by the rules of [`RowBuilder::text`] (`kind`: the field's).
#[inline]
fn judge_text(field: Field, kind: Kind, s: &[u8]) -> Judged {
    // (A dotted quad is text without spaces: the checks below would pass.)
    if matches!(kind, Kind::Addr) {
        if let Some(v4) = ipv4(s) {
            return Judged::Addr(IpAddr::V4(v4));
        }
    }
    if s.is_empty() || s == b"-" {
        return Judged::Null;
    }
    if !s.iter().all(|&b| (0x21..0x7f).contains(&b)) {
        match std::str::from_utf8(s) {
            Err(_) => return Judged::Bad(ParseError::NotText),
            Ok(t) if t.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) => return Judged::Bad(ParseError::SpaceInValue(field)),
            Ok(_) => {}
        }
    }
    judge_word(field, kind, s)
}

/// A string value that is text without spaces, judged for its field.
#[inline]
fn judge_word(field: Field, kind: Kind, s: &[u8]) -> Judged {
    match kind {
        Kind::U8 | Kind::U16 | Kind::U64 => match number(s, field) {
            Ok(x) => judge_number(field, kind, x),
            Err(e) => Judged::Bad(e),
        },
        Kind::Addr => match addr(s, field) {
            Ok(a) => Judged::Addr(a),
            Err(e) => Judged::Bad(e),
        },
        Kind::Action => Judged::Action(Action::parse(s)),
        Kind::LogStatus => Judged::LogStatus(LogStatus::parse(s)),
        Kind::Direction => match s {
            b"ingress" => Judged::Direction(Direction::Ingress),
            b"egress" => Judged::Direction(Direction::Egress),
            _ => Judged::Bad(ParseError::BadDirection),
        },
        Kind::Text => Judged::Text,
    }
}

/// A number value judged by the rules of [`RowBuilder::int`] (range for the field, whose
/// kind is `kind`: the range [`store_number`] checks).
#[inline]
fn judge_number(field: Field, kind: Kind, x: u64) -> Judged {
    let fits = match kind {
        Kind::U8 => x <= u64::from(u8::MAX),
        Kind::U16 => x <= u64::from(u16::MAX),
        _ => true,
    };
    if fits {
        Judged::Number(x)
    } else {
        Judged::Bad(ParseError::OutOfRange(field))
    }
}

/// Rows per batch of [`Assembler::deliver`]: the batch's typed values stay in cache while
/// each column fills its field.
const ROWS: usize = 1024;

/// Turns columns of judged values into records, a batch of rows at a time: each column
/// fills its field of every row of the batch (one field, one loop), then each row's line of
/// text columns is written and the record (or its first error, in column order) goes to
/// the sink. The records are the ones [`RowBuilder`] builds from the same values, except
/// that the line holds only the text columns the sink reads ([`RecordSink::text_fields`]);
/// a row is still judged by the length of the line of every text column.
#[derive(Debug, Clone)]
pub(crate) struct Assembler {
    line_format: Format,
    max_line_len: usize,
    values: Vec<Values>,
    errors: Vec<Option<ParseError>>,
    line: Vec<u8>,
    spans: Vec<(u32, u32)>,
    /// The text columns, in column order.
    text_columns: Vec<usize>,
    /// Of those, the ones whose text goes in the line.
    in_line: Vec<usize>,
    /// The interface id's column.
    interface: Option<usize>,
}

impl Assembler {
    /// An assembler for rows of `columns` (as [`RowBuilder::new`] takes them), for a sink
    /// reading `text`.
    pub(crate) fn new(columns: &[(Field, bool)], max_line_len: usize, text: TextFields) -> Result<Assembler, super::FormatError> {
        Format::from_fields(&columns.iter().map(|c| c.0).collect::<Vec<_>>())?;
        let text_columns: Vec<usize> = columns.iter().enumerate().filter(|(_, &(f, string))| string || !is_number(f)).map(|(c, _)| c).collect();
        let in_line: Vec<usize> = text_columns.iter().copied().filter(|&c| text.includes(columns[c].0)).collect();
        let line_format = Format::from_fields(&in_line.iter().map(|&c| columns[c].0).collect::<Vec<_>>())?;
        let interface = columns.iter().position(|c| c.0 == Field::InterfaceId);
        Ok(Assembler { line_format, max_line_len, values: Vec::new(), errors: Vec::new(), line: Vec::with_capacity(256), spans: Vec::with_capacity(16), text_columns, in_line, interface })
    }

    /// Delivers `n` rows: row `r`'s value of column `c` is entry `rows[c][r]` of
    /// `columns[c]`; `position(r)` is where row `r` is. A column with fewer than `n` rows
    /// makes the missing values null (the reader checks the lengths).
    pub(crate) fn deliver<S: RecordSink>(&mut self, columns: &[ColumnValues], rows: &[Vec<u32>], n: usize, position: impl Fn(usize) -> Position, sink: &mut S) {
        // Whether a row's whole line (every text column) could be too long: only then is its
        // length added up from the columns left out of the line.
        let longest: usize = self.text_columns.iter().filter_map(|&c| columns.get(c)).map(|col| (col.max_len as usize).max(1) + 1).sum();
        let check_omitted = self.in_line.len() < self.text_columns.len() && longest > self.max_line_len;
        // A line of one column (the interface id, for most sinks) is that column's text, in
        // place: every value was checked to be text when judged, so their concatenation is
        // checked once, not each line.
        let single = match self.in_line.as_slice() {
            &[c] => columns.get(c).zip(rows.get(c)).and_then(|(col, idx)| Some((col, idx, std::str::from_utf8(&col.text).ok()?))),
            _ => None,
        };
        let mut from = 0;
        while from < n {
            let to = (from + ROWS).min(n);
            let batch = to - from;
            self.values.clear();
            self.values.resize(batch, Values::default());
            self.errors.clear();
            self.errors.resize(batch, None);
            for (col, idx) in columns.iter().zip(rows) {
                let idx = idx.get(from..to.min(idx.len())).unwrap_or(&[]);
                col.apply(idx, &mut self.values, &mut self.errors);
            }
            for r in 0..batch {
                let position = position(from + r);
                if let Some(e) = self.errors[r] {
                    sink.malformed(position, e);
                    continue;
                }
                let interface_key = match self.interface.and_then(|c| Some((columns.get(c)?, rows.get(c)?))) {
                    Some((col, idx)) => col.key_of(idx.get(from + r).copied().unwrap_or(NULL)),
                    None => InterfaceKey::NONE,
                };
                if let Some((col, idx, text)) = single {
                    let i = idx.get(from + r).copied().unwrap_or(NULL);
                    let (a, b) = col.spans.get(i as usize).copied().filter(|&(a, b)| b > a).unwrap_or((0, 0));
                    // (A value's span lies on character boundaries of the text; `-` for none.)
                    let line = if b > a { text.get(a as usize..b as usize).unwrap_or("-") } else { "-" };
                    let span = [(0, line.len() as u32)];
                    if col.field == Field::InterfaceId && self.values[r].present & Values::INTERFACE != 0 {
                        self.values[r].interface = span[0];
                    }
                    if check_omitted && self.whole_len(columns, rows, from + r) > self.max_line_len {
                        sink.malformed(position, ParseError::LineTooLong(self.max_line_len));
                        continue;
                    }
                    sink.record(position, &FlowRecord { line, columns: Columns::Spans(&span), format: &self.line_format, values: &self.values[r], interface_key });
                    continue;
                }
                self.line.clear();
                self.spans.clear();
                for &c in &self.in_line {
                    let (Some(col), Some(idx)) = (columns.get(c), rows.get(c)) else { continue };
                    let i = idx.get(from + r).copied().unwrap_or(NULL);
                    if !self.line.is_empty() {
                        self.line.push(b' ');
                    }
                    let start = self.line.len() as u32;
                    col.copy_text(i, &mut self.line);
                    let span = (start, self.line.len() as u32);
                    self.spans.push(span);
                    if col.field == Field::InterfaceId && self.values[r].present & Values::INTERFACE != 0 {
                        self.values[r].interface = span;
                    }
                }
                let whole = if check_omitted { self.whole_len(columns, rows, from + r) } else { self.line.len() };
                if whole > self.max_line_len {
                    sink.malformed(position, ParseError::LineTooLong(self.max_line_len));
                    continue;
                }
                // (Every piece was checked to be text when judged; the line is checked again
                // rather than trusted.)
                match std::str::from_utf8(&self.line) {
                    Ok(line) => sink.record(position, &FlowRecord { line, columns: Columns::Spans(&self.spans), format: &self.line_format, values: &self.values[r], interface_key }),
                    Err(_) => sink.malformed(position, ParseError::NotText),
                }
            }
            from = to;
        }
    }
}

impl Assembler {
    /// The length of row `r`'s line of every text column.
    fn whole_len(&self, columns: &[ColumnValues], rows: &[Vec<u32>], r: usize) -> usize {
        let lens: usize = self.text_columns.iter().filter_map(|&c| Some((columns.get(c)?, rows.get(c)?))).map(|(col, idx)| col.line_len(idx.get(r).copied().unwrap_or(NULL))).sum();
        lens + self.text_columns.len().saturating_sub(1)
    }
}

/// Writes `x` in decimal, without the formatting machinery.
pub(crate) fn push_number(buf: &mut Vec<u8>, x: i64) {
    if x < 0 {
        buf.push(b'-');
    }
    super::push_u64(buf, x.unsigned_abs());
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::ParserBuilder;

    enum V<'a> {
        Null,
        Int(i64),
        Str(&'a [u8]),
        Wrong,
    }

    fn view(r: &FlowRecord<'_>) -> String {
        format!(
            "{:?}",
            ((r.interface_id(), r.srcaddr(), r.dstaddr(), r.srcport(), r.dstport(), r.protocol()), (r.packets(), r.bytes(), r.start(), r.end(), r.action(), r.log_status()), (r.direction(), r.get(Field::RejectReason), r.get_u64(Field::SrcPort), r.get_u64(Field::Bytes)))
        )
    }

    /// Builds `row` of `fields` (`string`: which columns are strings) and parses the line
    /// the old reader wrote for it; the two must agree on the record or the error.
    fn same_as_line(fields: &[Field], string: &[bool], row: &[V<'_>]) {
        let cols: Vec<(Field, bool)> = fields.iter().copied().zip(string.iter().copied()).collect();
        let mut b = RowBuilder::new(&cols, 1 << 16).unwrap();
        b.start();
        let mut line = Vec::new();
        for (c, v) in row.iter().enumerate() {
            if c > 0 {
                line.push(b' ');
            }
            match v {
                V::Null => {
                    b.null(c);
                    line.push(b'-');
                }
                V::Int(x) => {
                    b.int(c, *x);
                    push_number(&mut line, *x);
                }
                V::Str(s) => {
                    b.text(c, s);
                    line.extend_from_slice(if s.is_empty() { b"-" } else { s });
                }
                V::Wrong => {
                    b.wrong_type(c);
                    line.push(b'-');
                }
            }
        }
        let mut parser = ParserBuilder::new().format(Format::from_fields(fields).unwrap()).build();
        let built = b.finish().map(|r| view(&r));
        let wrong = row.iter().position(|v| matches!(v, V::Wrong));
        let parsed = match wrong {
            Some(c) if built.is_err() => Err(ParseError::WrongType(fields[c])),
            _ => parser.parse_line(&line).map(|r| view(&r)),
        };
        assert_eq!(built, parsed, "{}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn rows_read_as_their_lines() {
        use Field::*;
        let fields = [InterfaceId, SrcAddr, DstAddr, SrcPort, DstPort, Protocol, Packets, Bytes, Start, End, Action, LogStatus, FlowDirection, RejectReason];
        let string = [true, true, true, false, false, false, false, false, false, false, true, true, true, true];
        let ok: Vec<V<'_>> = vec![V::Str(b"eni-1"), V::Str(b"10.0.0.1"), V::Str(b"::1"), V::Int(443), V::Int(0), V::Int(6), V::Int(3), V::Int(120), V::Int(1), V::Int(2), V::Str(b"ACCEPT"), V::Str(b"OK"), V::Str(b"egress"), V::Str(b"BPA")];
        same_as_line(&fields, &string, &ok);
        let with = |c: usize, v: V<'static>| {
            let mut row: Vec<V<'_>> = vec![V::Str(b"eni-1"), V::Str(b"10.0.0.1"), V::Str(b"::1"), V::Int(443), V::Int(0), V::Int(6), V::Int(3), V::Int(120), V::Int(1), V::Int(2), V::Str(b"ACCEPT"), V::Str(b"OK"), V::Str(b"egress"), V::Str(b"BPA")];
            row[c] = v;
            row
        };
        for (c, v) in [
            (3, V::Int(70000)),
            (3, V::Int(-1)),
            (5, V::Int(256)),
            (6, V::Int(i64::MAX)),
            (7, V::Int(-5)),
            (1, V::Str(b"10.0.0.256")),
            (2, V::Str(b"not-an-address")),
            (12, V::Str(b"sideways")),
            (10, V::Str(b"DROP")),
            (11, V::Str(b"NODATA")),
            (0, V::Null),
            (0, V::Str(b"")),
            (0, V::Str(b"-")),
            (0, V::Str("caf\u{e9}".as_bytes())),
            (13, V::Null),
            (3, V::Null),
            (0, V::Wrong),
            (6, V::Wrong),
        ] {
            same_as_line(&fields, &string, &with(c, v));
        }
        // Numbers as strings, text fields as integers.
        let string = [false, true, true, true, true, true, true, true, true, true, true, true, true, true];
        same_as_line(&fields, &string, &[V::Int(12), V::Str(b"10.0.0.1"), V::Str(b"10.0.0.2"), V::Str(b"443"), V::Str(b"0080"), V::Str(b"6"), V::Str(b"18446744073709551615"), V::Str(b"1"), V::Str(b"1"), V::Str(b"2"), V::Str(b"REJECT"), V::Str(b"OK"), V::Str(b"ingress"), V::Null]);
        same_as_line(&fields, &string, &[V::Int(12), V::Str(b"10.0.0.1"), V::Str(b"10.0.0.2"), V::Str(b"4x3"), V::Str(b"80"), V::Str(b"6"), V::Str(b"18446744073709551616"), V::Str(b"1"), V::Str(b"1"), V::Str(b"2"), V::Str(b"REJECT"), V::Str(b"OK"), V::Str(b"ingress"), V::Null]);
        same_as_line(&fields, &string, &[V::Int(12), V::Str(b"10.0.0.1"), V::Str(b"10.0.0.2"), V::Str(b"443"), V::Str(b"80"), V::Str(b"6"), V::Str(b"18446744073709551616"), V::Str(b"1"), V::Str(b"1"), V::Str(b"2"), V::Str(b"REJECT"), V::Str(b"OK"), V::Str(b"ingress"), V::Null]);
    }

    #[test]
    fn spaces_control_characters_and_bytes_that_are_not_text() {
        let mut b = RowBuilder::new(&[(Field::InterfaceId, true), (Field::Action, true)], 1 << 16).unwrap();
        for (s, e) in [(&b"a b"[..], ParseError::SpaceInValue(Field::Action)), (b"a\x7f", ParseError::SpaceInValue(Field::Action)), (b"a\nb", ParseError::SpaceInValue(Field::Action)), (b"\xff\xfe", ParseError::NotText)] {
            b.start();
            b.text(0, b"eni-1");
            b.text(1, s);
            assert_eq!(b.finish().err(), Some(e));
        }
        b.start();
        b.text(0, b"eni-1");
        b.text(1, b"ACCEPT");
        let r = b.finish().unwrap();
        assert_eq!((r.line(), r.get(Field::InterfaceId), r.interface_id(), r.action()), ("eni-1 ACCEPT", Some("eni-1"), Some("eni-1"), Some(Action::Accept)));
        let mut tiny = RowBuilder::new(&[(Field::InterfaceId, true)], 16).unwrap();
        tiny.start();
        tiny.text(0, &[b'x'; 17]);
        assert_eq!(tiny.finish().err(), Some(ParseError::LineTooLong(16)));
        assert!(RowBuilder::new(&[(Field::Action, true), (Field::Action, false)], 100).is_err());
    }

    /// A judged number is in range exactly when the row builder would store it.
    #[test]
    fn judged_numbers_are_in_range_as_stored_numbers_are() {
        for field in Field::ALL.iter().copied().filter(|&f| is_number(f)) {
            for x in [0, 1, 255, 256, 65535, 65536, u64::from(u32::MAX), u64::MAX] {
                let judged = matches!(judge_number(field, field.kind(), x), Judged::Number(_));
                assert_eq!(judged, store_number(&mut Values::default(), field, x).is_ok(), "{field:?} {x}");
            }
        }
    }

    #[test]
    fn numbers_are_written_as_format_writes_them() {
        for x in [0, 1, -1, 9, 10, 65535, 70000, i64::from(i32::MIN), i64::MAX, i64::MIN, -1_000_000_007] {
            let mut buf = Vec::new();
            push_number(&mut buf, x);
            assert_eq!(String::from_utf8(buf).unwrap(), x.to_string());
        }
    }
}

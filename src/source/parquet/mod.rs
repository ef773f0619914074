//! Flow logs in Apache Parquet (the S3 delivery's `.parquet` files), read into the same
//! [`RecordSink`]s as text. Behind the cargo feature `parquet` (default on).
//!
//! Columns are matched by name, AWS's hyphenated field names (`interface-id`) or the Athena
//! DDL's underscore ones (`interface_id`), case-insensitively; columns vpcscope does not
//! use, and unknown ones, are not read at all (a projection). Any integer or string physical
//! type is accepted for any field, as AWS's record docs list `INT_32`/`INT_64`/`STRING` and
//! Athena's DDL uses `int`/`bigint`/`string`.
//!
//! Each row group is a unit of work (read in parallel with rayon, one sink per worker,
//! merged as text pieces' sinks are). Its column chunks are decoded by [`pages`] where their
//! pages are PLAIN or dictionary-encoded (what AWS, DuckDB, Spark and the parquet crate
//! write): a dictionary's entries are judged once each and the rows carry their indices,
//! then [`Assembler`] fills the rows' typed values a column at a time. Other encodings (delta,
//! byte stream split) are read in batches of rows with the crate's typed column readers,
//! each row's values handed to [`RowBuilder`]. Either way no text line is written and parsed
//! again, and values are judged by the rules a text line is judged by: a value no field can hold (a port of 70000, a negative
//! byte count, an address that is not one) makes the row a malformed record, sampled with
//! the file and its row number (rows count from 1, like lines). The record's line holds the
//! row's text columns; its numbers are read through the typed accessors. The incident
//! filters wrap the sink and read the same typed values. A row group that cannot be
//! decoded, or a file whose footer is unreadable, is a damaged source: the rows before the
//! damage count.

mod header;
mod pages;

use crate::flowlog::columnar::{Assembler, ColumnValues, RowBuilder};
use crate::flowlog::{Field, Format, Position, RecordSink, SourceId};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::Type;
use rayon::prelude::*;
use std::fs::File;
use std::sync::Arc;

/// The fields the flow-log aggregations read (summary, explain, audit and the incident
/// filters); the only columns read from a Parquet file.
pub const USED_FIELDS: [Field; 15] = [
    Field::InterfaceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
    Field::TcpFlags,
    Field::FlowDirection,
    Field::RejectReason,
];

/// The first four bytes of a Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// The flow-log field a Parquet column name stands for: `interface-id`, `interface_id` and
/// `Interface_ID` all name [`Field::InterfaceId`].
pub fn field_of_column(name: &str) -> Option<Field> {
    let canonical: String = name.trim().chars().map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    Field::from_name(canonical.as_bytes())
}

/// What reading one Parquet file produced.
#[derive(Debug, Default)]
pub(crate) struct FileOutcome {
    /// Rows per row group, in row-group order (for file row numbers).
    pub rows_per_group: Vec<u64>,
    /// Why the file broke off, if it did.
    pub damage: Option<String>,
    /// Rows delivered before the first damaged row group.
    pub rows_before_damage: u64,
}

/// A file read with positioned reads (`pread`), so row groups can be read from several
/// threads at once: the `File` reader of the parquet crate shares one file offset between
/// its clones.
struct Positioned(Arc<File>);

/// A reader over a [`Positioned`] file from an offset.
struct PositionedRead {
    file: Arc<File>,
    at: u64,
}

impl std::io::Read for PositionedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl parquet::file::reader::Length for Positioned {
    fn len(&self) -> u64 {
        self.0.metadata().map_or(0, |m| m.len())
    }
}

impl parquet::file::reader::ChunkReader for Positioned {
    type T = PositionedRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<PositionedRead> {
        Ok(PositionedRead { file: Arc::clone(&self.0), at: start })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0u8; length];
        self.0.read_exact_at(&mut buf, start).map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
        Ok(buf.into())
    }
}

/// Reads one Parquet file into `sink`: its row groups in parallel, each into a sink from
/// `new_sink`, merged into `sink`. Positions are `Line { source, chunk: row group, line:
/// row in the group }`; `rows_per_group` turns them into file row numbers.
pub(crate) fn read_file<S, F>(file: File, source: SourceId, max_line_len: usize, new_sink: &F, sink: &mut S) -> FileOutcome
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    read_file_with(file, source, max_line_len, new_sink, sink, true)
}

/// [`read_file`], with the page decoder (`pages`) or with the crate's column readers only
/// (the tests hold the two equal).
fn read_file_with<S, F>(file: File, source: SourceId, max_line_len: usize, new_sink: &F, sink: &mut S, pages: bool) -> FileOutcome
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    let file = Arc::new(file);
    let reader = match SerializedFileReader::new(Positioned(Arc::clone(&file))) {
        Ok(r) => Arc::new(r),
        Err(e) => return FileOutcome { damage: Some(format!("not a readable Parquet file: {e}")), ..FileOutcome::default() },
    };
    let schema = reader.metadata().file_metadata().schema_descr();
    let mut fields = Vec::new();
    let mut leaves = Vec::new();
    for (i, column) in schema.columns().iter().enumerate() {
        // Top-level columns only: a nested group's leaves are no flow-log field.
        if column.path().parts().len() != 1 {
            continue;
        }
        if let Some(f) = field_of_column(column.name()).filter(|f| USED_FIELDS.contains(f) && !fields.iter().any(|&(g, _)| g == *f)) {
            fields.push((f, column.physical_type() == parquet::basic::Type::BYTE_ARRAY));
            leaves.push(i);
        }
    }
    let groups = reader.metadata().num_row_groups();
    let rows_per_group: Vec<u64> = (0..groups).map(|i| reader.metadata().row_group(i).num_rows().max(0) as u64).collect();
    if fields.is_empty() {
        // No flow-log column: every row is a record of nothing (a NODATA-like row would
        // still have a log status), so the whole file is reported rather than guessed at.
        let total: u64 = rows_per_group.iter().sum();
        if total == 0 {
            return FileOutcome { rows_per_group, ..FileOutcome::default() };
        }
        return FileOutcome { damage: Some("no flow-log columns (interface-id, srcaddr, ... or interface_id, ...) in the Parquet schema".into()), rows_per_group, ..FileOutcome::default() };
    }
    let text = sink.text_fields();
    let (Ok(row), Ok(assembler)) = (RowBuilder::new(&fields, max_line_len), Assembler::new(&fields, max_line_len, text)) else {
        return FileOutcome { damage: Some("the Parquet schema names a flow-log field twice".into()), rows_per_group, ..FileOutcome::default() };
    };
    let row = GroupReader { pages, file: pages.then_some(file), row, assembler, columns: fields.iter().map(|&(f, string)| ColumnValues::new(f, string, text)).collect(), rows: vec![Vec::new(); fields.len()] };
    // One sink per worker, each taking the next row group until none is left, then the
    // workers' sinks merged: a sink per row group built a conversation table per group (as
    // large as the file's when conversations recur throughout it) only to merge it away, and
    // memory held a table per group until the end. Groups are handed out one at a time, so
    // the workers finish within a group of each other (a fold over halves of the groups left
    // one worker reading several groups alone at the end). Each group's rows and damage ride
    // along, put back in row-group order below.
    type Groups = Vec<(usize, u64, Option<String>)>;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, groups.max(1));
    let merged: Option<(S, Groups)> = (0..workers)
        .into_par_iter()
        .with_max_len(1)
        .map(|_| {
            let (mut s, mut row, mut done) = (new_sink(), row.clone(), Vec::new());
            loop {
                let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if g >= groups {
                    break;
                }
                let (rows, err) = read_group(&reader, g, &leaves, &mut row, source, &mut s);
                done.push((g, rows, err));
            }
            s.finish();
            (s, done)
        })
        .reduce_with(|(mut a, mut ga), (b, gb)| {
            a.merge(b);
            ga.extend(gb);
            (a, ga)
        });
    let mut outcome = FileOutcome { rows_per_group, ..FileOutcome::default() };
    let Some((merged, mut results)) = merged else { return outcome };
    sink.merge(merged);
    results.sort_unstable_by_key(|&(g, _, _)| g);
    for (_, rows, err) in results {
        if outcome.damage.is_none() {
            outcome.rows_before_damage += rows;
            outcome.damage = err;
        }
    }
    outcome
}

/// Rows read from a row group at a time by the column readers (per column, then
/// assembled into records).
const BATCH: usize = 8192;

/// Rows decoded at a time by [`pages`]: a batch's values stay in the CPU's cache while the
/// assembler turns them into records.
const PAGE_BATCH: usize = 1024;

/// A worker's means of reading row groups: the page decoder's columns and the assembler
/// that turns them into records, and the row builder for the column readers' path.
#[derive(Clone)]
struct GroupReader {
    /// Whether to use the page decoder where it can.
    pages: bool,
    /// The file, for the page decoder to read gzip-compressed chunks' bytes itself
    /// ([`pages::GzipPages`]); without it, the crate's page reader reads every chunk.
    file: Option<Arc<File>>,
    row: RowBuilder,
    assembler: Assembler,
    columns: Vec<ColumnValues>,
    rows: Vec<Vec<u32>>,
}

/// Reads row group `g` with the page decoder, a batch of rows at a time, for as long as
/// every projected column's pages are in a shape it reads. Returns the rows delivered:
/// `Ok` all of them, `Err(n)` the first `n` (a whole number of batches) when a page was
/// not, for the column readers to read the rest.
fn read_group_pages<S: RecordSink>(group: &dyn parquet::file::reader::RowGroupReader, g: usize, leaves: &[usize], reader: &mut GroupReader, source: SourceId, sink: &mut S) -> Result<u64, u64> {
    let total = usize::try_from(group.metadata().num_rows()).map_err(|_| 0u64)?;
    let mut cursors = Vec::with_capacity(leaves.len());
    for (c, &leaf) in leaves.iter().enumerate() {
        let descr = group.metadata().column(leaf).column_descr();
        if descr.max_rep_level() != 0 {
            return Err(0);
        }
        let meta = group.metadata().column(leaf);
        let pages = match &reader.file {
            Some(file) if matches!(meta.compression(), parquet::basic::Compression::GZIP(_)) => {
                use std::os::unix::fs::FileExt;
                let (start, len) = meta.byte_range();
                // (A chunk past the file's end is damage, not an allocation to make.)
                let size = file.metadata().map_err(|_| 0u64)?.len();
                if start.checked_add(len).is_none_or(|end| end > size) {
                    return Err(0);
                }
                let mut chunk = vec![0u8; usize::try_from(len).map_err(|_| 0u64)?];
                file.read_exact_at(&mut chunk, start).map_err(|_| 0u64)?;
                pages::PageSource::Gzip(pages::GzipPages::new(chunk.into()))
            }
            _ => pages::PageSource::Crate(group.get_column_page_reader(leaf).map_err(|_| 0u64)?),
        };
        let values = reader.columns.get_mut(c).ok_or(0u64)?;
        cursors.push(pages::ChunkCursor::new(pages, descr.physical_type(), descr.max_def_level(), total, values).map_err(|_| 0u64)?);
    }
    let chunk = g as u32;
    let mut done = 0;
    while done < total {
        let n = PAGE_BATCH.min(total - done);
        for ((cursor, values), rows) in cursors.iter_mut().zip(&mut reader.columns).zip(&mut reader.rows) {
            cursor.fill(n, values, rows).map_err(|_| done as u64)?;
        }
        let first = done as u64 + 1;
        reader.assembler.deliver(&reader.columns, &reader.rows, n, |r| Position::Line { source, chunk, line: first + r as u64 }, sink);
        done += n;
    }
    Ok(total as u64)
}

/// One projected column of a row group: its typed reader, and the levels and values of the
/// current batch.
enum ColumnBatch {
    I32(ColumnReaderImpl<Int32Type>, Vec<i32>),
    I64(ColumnReaderImpl<Int64Type>, Vec<i64>),
    Bytes(ColumnReaderImpl<ByteArrayType>, Vec<ByteArray>),
    /// A physical type no flow-log field has (boolean, floating point, INT96, fixed-length
    /// bytes): only its definition levels are read, a value makes the row malformed.
    Other(ColumnReader),
}

/// Reads row group `g`: with the page decoder ([`read_group_pages`]) where it can, else
/// column by column with the crate's column readers, a batch of rows at a time, each row's
/// values handed to the row builder (which judges them as the parser judges a line) and
/// its record or error to the sink; returns the rows read and the error that stopped it.
fn read_group<S: RecordSink>(reader: &SerializedFileReader<Positioned>, g: usize, leaves: &[usize], group_reader: &mut GroupReader, source: SourceId, sink: &mut S) -> (u64, Option<String>) {
    let group = match reader.get_row_group(g) {
        Ok(group) => group,
        Err(e) => return (0, Some(format!("row group {g}: {e}"))),
    };
    // Rows the page decoder delivered before it met a page it does not read: the column
    // readers read them again and do not deliver them.
    let mut delivered = 0;
    if group_reader.pages {
        match read_group_pages(&*group, g, leaves, group_reader, source, sink) {
            Ok(rows) => return (rows, None),
            Err(rows) => delivered = rows,
        }
    }
    let row = &mut group_reader.row;
    let total = group.metadata().num_rows().max(0) as u64;
    let mut columns = Vec::with_capacity(leaves.len());
    let mut required = Vec::with_capacity(leaves.len());
    for &leaf in leaves {
        required.push(group.metadata().column(leaf).column_descr().max_def_level() == 0);
        let col = match group.get_column_reader(leaf) {
            Ok(c) => c,
            Err(e) => return (delivered, Some(format!("row group {g}: {e}"))),
        };
        columns.push(match col {
            ColumnReader::Int32ColumnReader(r) => ColumnBatch::I32(r, Vec::with_capacity(BATCH)),
            ColumnReader::Int64ColumnReader(r) => ColumnBatch::I64(r, Vec::with_capacity(BATCH)),
            ColumnReader::ByteArrayColumnReader(r) => ColumnBatch::Bytes(r, Vec::with_capacity(BATCH)),
            other => ColumnBatch::Other(other),
        });
    }
    let mut defs: Vec<Vec<i16>> = vec![Vec::with_capacity(BATCH); leaves.len()];
    let chunk = g as u32;
    let mut n = 0u64;
    while n < total {
        let want = BATCH.min((total - n) as usize);
        let mut got = None;
        for (c, col) in columns.iter_mut().enumerate() {
            defs[c].clear();
            let levels = if required[c] { None } else { Some(&mut defs[c]) };
            let read = match col {
                ColumnBatch::I32(r, v) => {
                    v.clear();
                    r.read_records(want, levels, None, v)
                }
                ColumnBatch::I64(r, v) => {
                    v.clear();
                    r.read_records(want, levels, None, v)
                }
                ColumnBatch::Bytes(r, v) => {
                    v.clear();
                    r.read_records(want, levels, None, v)
                }
                ColumnBatch::Other(r) => other_levels(r, want, levels),
            };
            let rows = match read {
                Ok((rows, _, _)) => rows,
                Err(e) => return (n.max(delivered), Some(format!("row group {g}, rows from {}: {e}", n.max(delivered) + 1))),
            };
            if *got.get_or_insert(rows) != rows || rows == 0 {
                return (n.max(delivered), Some(format!("row group {g}, rows from {}: columns of different lengths", n.max(delivered) + 1)));
            }
        }
        let rows = got.unwrap_or(0);
        let mut next = vec![0usize; columns.len()];
        for r in 0..rows {
            n += 1;
            if n <= delivered {
                // (Its values are still counted off each column.)
                for (c, _) in columns.iter().enumerate() {
                    if required[c] || defs[c].get(r).is_some_and(|&d| d > 0) {
                        next[c] += 1;
                    }
                }
                continue;
            }
            row.start();
            for (c, col) in columns.iter().enumerate() {
                let present = required[c] || defs[c].get(r).is_some_and(|&d| d > 0);
                if !present {
                    row.null(c);
                    continue;
                }
                let i = next[c];
                next[c] += 1;
                // (A value missing from a batch that its levels announce is a type error of
                // the row rather than a panic.)
                match col {
                    ColumnBatch::I32(_, v) => match v.get(i) {
                        Some(&x) => row.int(c, i64::from(x)),
                        None => row.wrong_type(c),
                    },
                    ColumnBatch::I64(_, v) => match v.get(i) {
                        Some(&x) => row.int(c, x),
                        None => row.wrong_type(c),
                    },
                    ColumnBatch::Bytes(_, v) => match v.get(i) {
                        Some(b) => row.text(c, b.data()),
                        None => row.wrong_type(c),
                    },
                    ColumnBatch::Other(_) => row.wrong_type(c),
                }
            }
            let position = Position::Line { source, chunk, line: n };
            match row.finish() {
                Ok(record) => sink.record(position, &record),
                Err(e) => sink.malformed(position, e),
            }
        }
    }
    (n.max(delivered), None)
}

/// Reads the definition levels of a column of another physical type (its values are
/// skipped into a scratch buffer).
fn other_levels(r: &mut ColumnReader, want: usize, levels: Option<&mut Vec<i16>>) -> parquet::errors::Result<(usize, usize, usize)> {
    match r {
        ColumnReader::BoolColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::Int96ColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::FloatColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::DoubleColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::FixedLenByteArrayColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::Int32ColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::Int64ColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
        ColumnReader::ByteArrayColumnReader(r) => r.read_records(want, levels, None, &mut Vec::new()),
    }
}

/// How [`write_parquet`] names its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnNames {
    /// AWS's field names (`interface-id`).
    Hyphens,
    /// The Athena DDL's (`interface_id`).
    Underscores,
}

/// Errors of [`write_parquet`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The text has no usable format (a bad header line).
    #[error("line {line}: {message}")]
    Input {
        /// The line, from 1.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The Parquet writer failed.
    #[error("cannot write Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
}

/// Writes flow-log text (records of `format`, or of the format its S3 header line names) as a
/// Parquet file shaped like AWS's: one column per field, in the format's order, typed as
/// AWS's flow-log record docs list them (`INT_32` for `version`, ports, `protocol`,
/// `tcp-flags`, `traffic-path`; `INT_64` for `packets`, `bytes`, `start`, `end`; UTF-8
/// strings otherwise), `-` written as null, gzip-compressed, `rows_per_group` rows per row
/// group. Blank lines are skipped. For samples and tests: a number column must hold a
/// number of its Parquet type (an out-of-range port such as 70000 is kept, as a malformed
/// record of a real file would be). Returns the rows written.
pub fn write_parquet<W: std::io::Write + Send>(text: &str, format: &Format, out: W, names: ColumnNames, rows_per_group: usize) -> Result<u64, WriteError> {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    write_parquet_with(text, format, out, names, rows_per_group, WriterProperties::builder().set_compression(Compression::GZIP(Default::default())).build())
}

/// [`write_parquet`] with the writer's properties (page version, encodings, compression).
fn write_parquet_with<W: std::io::Write + Send>(text: &str, format: &Format, out: W, names: ColumnNames, rows_per_group: usize, props: parquet::file::properties::WriterProperties) -> Result<u64, WriteError> {
    use parquet::basic::{ConvertedType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
    use parquet::file::writer::SerializedFileWriter;

    let mut lines: Vec<(u64, &str)> = text.lines().enumerate().map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r'))).filter(|(_, l)| !l.trim().is_empty()).collect();
    let mut format = format.clone();
    if let Some(&(n, first)) = lines.first() {
        if Format::is_header(first.as_bytes()) {
            format = Format::from_header(first.as_bytes()).map_err(|e| WriteError::Input { line: n, message: e.to_string() })?;
            lines.remove(0);
        }
    }
    #[derive(Clone, Copy)]
    enum Col {
        I32,
        I64,
        Text,
    }
    let cols: Vec<(String, Col)> = (0..format.len())
        .map(|i| {
            let name = format.column_name(i).unwrap_or("unknown");
            let kind = match field_of_column(name).map(|f| f.kind()) {
                Some(crate::flowlog::field::Kind::U8 | crate::flowlog::field::Kind::U16) => Col::I32,
                Some(crate::flowlog::field::Kind::U64) => Col::I64,
                _ => Col::Text,
            };
            let name = match names {
                ColumnNames::Hyphens => name.to_string(),
                ColumnNames::Underscores => name.replace('-', "_"),
            };
            (name, kind)
        })
        .collect();
    let fields: Vec<Arc<Type>> = cols
        .iter()
        .map(|(name, kind)| {
            let (physical, converted) = match kind {
                Col::I32 => (Physical::INT32, ConvertedType::NONE),
                Col::I64 => (Physical::INT64, ConvertedType::NONE),
                Col::Text => (Physical::BYTE_ARRAY, ConvertedType::UTF8),
            };
            Type::primitive_type_builder(name, physical).with_repetition(Repetition::OPTIONAL).with_converted_type(converted).build().map(Arc::new)
        })
        .collect::<Result<_, _>>()?;
    let schema = Arc::new(Type::group_type_builder("flowlogs").with_fields(fields).build()?);
    let props = Arc::new(props);
    let mut writer = SerializedFileWriter::new(out, schema, props)?;
    let split: Vec<(u64, Vec<&str>)> = lines.iter().map(|&(n, l)| (n, l.split_ascii_whitespace().collect())).collect();
    for (n, tokens) in &split {
        if tokens.len() != cols.len() {
            return Err(WriteError::Input { line: *n, message: format!("expected {} fields, found {}", cols.len(), tokens.len()) });
        }
    }
    for group in split.chunks(rows_per_group.max(1)) {
        let mut rg = writer.next_row_group()?;
        let mut c = 0;
        while let Some(mut col) = rg.next_column()? {
            let mut defs = Vec::with_capacity(group.len());
            let number = |n: u64, t: &str| WriteError::Input { line: n, message: format!("column {}: {t:?} is not a number", cols[c].0) };
            match cols[c].1 {
                Col::I32 => {
                    let values = column_values(group, c, &mut defs, |n, t| t.parse::<i32>().map_err(|_| number(n, t)))?;
                    col.typed::<Int32Type>().write_batch(&values, Some(&defs), None)?;
                }
                Col::I64 => {
                    let values = column_values(group, c, &mut defs, |n, t| t.parse::<i64>().map_err(|_| number(n, t)))?;
                    col.typed::<Int64Type>().write_batch(&values, Some(&defs), None)?;
                }
                Col::Text => {
                    let values = column_values(group, c, &mut defs, |_, t| Ok(ByteArray::from(t)))?;
                    col.typed::<ByteArrayType>().write_batch(&values, Some(&defs), None)?;
                }
            }
            col.close()?;
            c += 1;
        }
        rg.close()?;
    }
    writer.close()?;
    Ok(split.len() as u64)
}

/// Column `c` of a row group's lines (line number, tokens): each row's definition level in
/// `defs` (0 for `-`, written as null), and the values of the others, read by `value`.
fn column_values<T>(group: &[(u64, Vec<&str>)], c: usize, defs: &mut Vec<i16>, value: impl Fn(u64, &str) -> Result<T, WriteError>) -> Result<Vec<T>, WriteError> {
    let mut values = Vec::new();
    for (n, tokens) in group {
        let t = tokens.get(c).copied().unwrap_or("-");
        defs.push(i16::from(t != "-"));
        if t != "-" {
            values.push(value(*n, t)?);
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::ParseError;
    use crate::flowlog::Summary;

    const LOG: &str = "\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 70000 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 172.31.9.69 not-an-address 1 3389 6 20 -5 1418530010 1418530070 REJECT OK
";

    fn summary_of(path: &std::path::Path) -> (Summary, FileOutcome) {
        let mut sink = Summary::new();
        let outcome = read_file(File::open(path).unwrap(), SourceId(0), 1 << 16, &Summary::new, &mut sink);
        sink.finish();
        (sink, outcome)
    }

    #[test]
    fn rows_are_records_and_impossible_values_malformed() {
        let dir = tempfile::tempdir().unwrap();
        for names in [ColumnNames::Hyphens, ColumnNames::Underscores] {
            let path = dir.path().join("f.parquet");
            let rows = write_parquet(LOG, &Format::default_v2(), File::create(&path).unwrap(), names, 2).unwrap();
            assert_eq!(rows, 5);
            let (s, outcome) = summary_of(&path);
            assert_eq!(outcome.rows_per_group, vec![2, 2, 1]);
            assert!(outcome.damage.is_none(), "{:?}", outcome.damage);
            assert_eq!((s.counts.total, s.counts.ok, s.counts.nodata, s.counts.malformed), (5, 2, 1, 2));
            let errors: Vec<_> = s.malformed_samples.iter().map(|m| (m.position, m.error)).collect();
            assert_eq!(
                errors,
                vec![
                    (Position::Line { source: SourceId(0), chunk: 1, line: 2 }, ParseError::OutOfRange(Field::SrcPort)),
                    (Position::Line { source: SourceId(0), chunk: 2, line: 1 }, ParseError::BadAddress(Field::DstAddr)),
                ]
            );
        }
    }

    #[test]
    fn unused_columns_are_not_read_and_garbage_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        // `account-id` holds numbers here: it is not projected, so it does not matter.
        let text = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n".to_string()
            + &LOG.lines().next().unwrap().to_string();
        let path = dir.path().join("h.parquet");
        write_parquet(&text, &Format::default_v2(), File::create(&path).unwrap(), ColumnNames::Underscores, 10).unwrap();
        let (s, _) = summary_of(&path);
        assert_eq!((s.counts.total, s.counts.ok), (1, 1));
        let bad = dir.path().join("bad.parquet");
        std::fs::write(&bad, b"PAR1 not really").unwrap();
        let (s, outcome) = summary_of(&bad);
        assert_eq!(s.counts.total, 0);
        assert!(outcome.damage.unwrap().contains("not a readable Parquet file"));
    }

    /// Every record's view, and every malformed row's error, by position. `Rows(_, false)`
    /// reads every text field and views a record as its line and values; `Rows(_, true)`
    /// reads only the interface id and the reject reason (as `flows explain` does) and views
    /// a record as its typed values and those texts.
    #[derive(Default)]
    struct Rows(Vec<((u32, u64), Result<String, ParseError>)>, bool);

    fn typed(r: &crate::flowlog::FlowRecord<'_>) -> String {
        format!(
            "{:?}",
            ((r.interface_id(), r.srcaddr(), r.dstaddr(), r.srcport(), r.dstport(), r.protocol()), (r.packets(), r.bytes(), r.start(), r.end(), r.action(), r.log_status()), (r.direction(), r.tcp_flags(), r.get(Field::RejectReason)))
        )
    }

    impl RecordSink for Rows {
        fn record(&mut self, position: Position, record: &crate::flowlog::FlowRecord<'_>) {
            let view = if self.1 { typed(record) } else { format!("{} {:?} {:?}", record.line(), record.values, record.interface_id()) };
            self.0.push((key(position), Ok(view)));
        }
        fn malformed(&mut self, position: Position, error: ParseError) {
            self.0.push((key(position), Err(error)));
        }
        fn filtered(&mut self, _: Position) {}
        fn merge(&mut self, other: Self) {
            self.0.extend(other.0);
        }
        fn text_fields(&self) -> crate::flowlog::TextFields {
            if self.1 {
                crate::flowlog::TextFields::Only(&[Field::RejectReason])
            } else {
                crate::flowlog::TextFields::All
            }
        }
    }

    /// Every conversation of a file's summary, in a stable order.
    fn conversations_of(path: &std::path::Path, pages: bool) -> Vec<String> {
        let mut sink = Summary::new();
        read_file_with(File::open(path).unwrap(), SourceId(0), 1 << 16, &Summary::new, &mut sink, pages);
        sink.finish();
        let mut all: Vec<String> = sink.conversations.iter().map(|(_, key, stats)| format!("{key:?} {stats:?}")).collect();
        all.sort();
        assert!(all.len() > 100);
        all
    }

    /// The typed view of [`rows_of`]'s records.
    fn typed_of(path: &std::path::Path, pages: bool) -> Vec<((u32, u64), Result<String, ParseError>)> {
        typed_within(path, pages, 1 << 16)
    }

    /// [`typed_of`] with lines of at most `max_line_len` bytes.
    fn typed_within(path: &std::path::Path, pages: bool, max_line_len: usize) -> Vec<((u32, u64), Result<String, ParseError>)> {
        let typed = || Rows(Vec::new(), true);
        let mut sink = typed();
        read_file_with(File::open(path).unwrap(), SourceId(0), max_line_len, &typed, &mut sink, pages);
        sink.0.sort_by_key(|r| r.0);
        sink.0
    }

    /// A sink reading the reject reason besides the interface id (as `flows explain` does)
    /// gets a line of those two columns, the same values as through the column readers.
    #[test]
    fn a_sink_reading_two_text_fields_gets_both() {
        let mut fields = crate::flowlog::DEFAULT_V2_FIELDS.to_vec();
        fields.push(Field::RejectReason);
        let format = Format::from_fields(&fields).unwrap();
        let text: String = LOG.lines().enumerate().map(|(i, l)| format!("{l} {}\n", if i == 1 { "BPA" } else { "-" })).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reasons.parquet");
        write_parquet(&text, &format, File::create(&path).unwrap(), ColumnNames::Underscores, 10).unwrap();
        let rows = typed_of(&path, true);
        assert_eq!(rows, typed_of(&path, false));
        assert_eq!(rows.iter().filter(|r| r.1.as_ref().is_ok_and(|t| t.contains("Some(\"BPA\")"))).count(), 1, "{rows:?}");
        assert_eq!(rows.iter().filter(|r| r.1.as_ref().is_ok_and(|t| t.contains("Some(\"eni-1235b8ca123456789\")"))).count(), 3, "{rows:?}");
    }

    /// A sink that reads few texts gets a short line, but a row is judged by the line of all
    /// its text columns, as a text log's line is: too long is too long for every sink.
    #[test]
    fn a_row_too_long_is_malformed_whichever_texts_the_sink_reads() {
        let long = "X".repeat(120);
        let text = format!("{}\n{}\n", LOG.lines().next().unwrap(), LOG.lines().next().unwrap().replace("ACCEPT", &long));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.parquet");
        write_parquet(&text, &Format::default_v2(), File::create(&path).unwrap(), ColumnNames::Hyphens, 10).unwrap();
        let lean = typed_within(&path, true, 100);
        assert!(lean[0].1.is_ok());
        assert_eq!(lean[1].1, Err(ParseError::LineTooLong(100)));
        assert_eq!(lean, typed_within(&path, false, 100));
    }

    fn key(position: Position) -> (u32, u64) {
        match position {
            Position::Line { chunk, line, .. } => (chunk, line),
            _ => (u32::MAX, 0),
        }
    }

    fn rows_of(path: &std::path::Path, pages: bool) -> (Vec<((u32, u64), Result<String, ParseError>)>, Option<String>) {
        let mut sink = Rows::default();
        let outcome = read_file_with(File::open(path).unwrap(), SourceId(0), 1 << 16, &Rows::default, &mut sink, pages);
        sink.0.sort_by_key(|r| r.0);
        (sink.0, outcome.damage)
    }

    #[test]
    fn page_decoder_reads_what_the_column_readers_read() {
        use parquet::basic::{Compression, Encoding};
        use parquet::file::properties::{WriterProperties, WriterVersion};
        let mut text = Vec::new();
        let cfg = crate::flowlog::synth::SynthConfig { records: 3000, conversations: 500, interfaces: 7, nodata_ratio: 0.05, ..Default::default() };
        crate::flowlog::synth::write_synthetic(&cfg, &mut text).unwrap();
        let mut text = String::from_utf8(text).unwrap();
        // Malformed values among them, and an IPv6 conversation.
        text.push_str(LOG);
        text.push_str("2 123456789010 eni-1235b8ca123456789 2001:db8::1 2001:db8::2 443 49152 6 20 4249 1418530010 1418530070 ACCEPT OK\n");
        text.push_str(&LOG.lines().take(2).map(|l| format!("{l}\n")).collect::<String>());
        let dir = tempfile::tempdir().unwrap();
        let shapes = [
            ("v1, dictionary", WriterProperties::builder().set_compression(Compression::GZIP(Default::default())).build()),
            ("v1, plain", WriterProperties::builder().set_dictionary_enabled(false).build()),
            ("v1, dictionary in small pages", WriterProperties::builder().set_data_page_row_count_limit(100).set_write_batch_size(50).set_dictionary_page_size_limit(256).build()),
            ("v2, dictionary", WriterProperties::builder().set_writer_version(WriterVersion::PARQUET_2_0).set_compression(Compression::SNAPPY).build()),
            ("v2, dictionary, gzip", WriterProperties::builder().set_writer_version(WriterVersion::PARQUET_2_0).set_compression(Compression::GZIP(Default::default())).build()),
            ("v1, plain, gzip, small pages", WriterProperties::builder().set_dictionary_enabled(false).set_compression(Compression::GZIP(Default::default())).set_data_page_row_count_limit(100).set_write_batch_size(50).build()),
            ("v2, plain", WriterProperties::builder().set_writer_version(WriterVersion::PARQUET_2_0).set_dictionary_enabled(false).set_encoding(Encoding::PLAIN).build()),
            ("v2, delta encodings (column readers)", WriterProperties::builder().set_writer_version(WriterVersion::PARQUET_2_0).set_dictionary_enabled(false).build()),
        ];
        for (name, props) in shapes {
            for names in [ColumnNames::Hyphens, ColumnNames::Underscores] {
                let path = dir.path().join("p.parquet");
                write_parquet_with(&text, &Format::default_v2(), File::create(&path).unwrap(), names, 700, props.clone()).unwrap();
                let (pages, damage) = rows_of(&path, true);
                let (readers, readers_damage) = rows_of(&path, false);
                assert_eq!(damage, None, "{name}");
                assert_eq!(readers_damage, None, "{name}");
                assert_eq!(pages.len(), 3008, "{name}");
                assert_eq!(pages.iter().filter(|r| r.1.is_err()).count(), 2, "{name}");
                assert_eq!(pages, readers, "{name}");
                // A sink reading fewer texts sees the same values.
                assert_eq!(typed_of(&path, true), typed_of(&path, false), "{name}");
                // The conversations of records keyed by their interface's dictionary entry are
                // those of the same records read by the column readers, without keys.
                assert_eq!(conversations_of(&path, true), conversations_of(&path, false), "{name}");
            }
        }
    }

    /// The page decoder reads a batch at a time: when a page it does not read comes after
    /// rows it delivered, the column readers read the rest of the group and deliver only
    /// the rows after those, so every row arrives once.
    #[test]
    fn a_page_the_decoder_does_not_read_hands_the_rest_of_the_group_to_the_column_readers() {
        use parquet::file::properties::{WriterProperties, WriterVersion};
        // 1,500 rows of one conversation, then 3,000 of 500: the address columns'
        // dictionaries overflow after the first batch and go on in a delta encoding (the
        // fallback of version 2 files), in one row group.
        let mut text = format!("{}\n", LOG.lines().next().unwrap()).repeat(1500);
        let mut synthetic = Vec::new();
        let cfg = crate::flowlog::synth::SynthConfig { records: 3000, conversations: 500, interfaces: 7, nodata_ratio: 0.05, ..Default::default() };
        crate::flowlog::synth::write_synthetic(&cfg, &mut synthetic).unwrap();
        text.push_str(std::str::from_utf8(&synthetic).unwrap());
        text.push_str(LOG);
        let props = WriterProperties::builder().set_writer_version(WriterVersion::PARQUET_2_0).set_dictionary_page_size_limit(256).set_data_page_row_count_limit(100).set_write_batch_size(50).build();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fallback.parquet");
        write_parquet_with(&text, &Format::default_v2(), File::create(&path).unwrap(), ColumnNames::Hyphens, 10_000, props).unwrap();
        // The decoder delivers whole batches, then stops at the first delta page.
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let group = reader.get_row_group(0).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr();
        let mut fields = Vec::new();
        let mut leaves = Vec::new();
        for (i, column) in schema.columns().iter().enumerate() {
            if let Some(f) = field_of_column(column.name()).filter(|f| USED_FIELDS.contains(f)) {
                fields.push((f, column.physical_type() == parquet::basic::Type::BYTE_ARRAY));
                leaves.push(i);
            }
        }
        let text_fields = crate::flowlog::TextFields::All;
        let mut group_reader = GroupReader {
            pages: true,
            file: None,
            row: RowBuilder::new(&fields, 1 << 16).unwrap(),
            assembler: Assembler::new(&fields, 1 << 16, text_fields).unwrap(),
            columns: fields.iter().map(|&(f, string)| ColumnValues::new(f, string, text_fields)).collect(),
            rows: vec![Vec::new(); fields.len()],
        };
        let mut sink = Rows::default();
        let delivered = read_group_pages(&*group, 0, &leaves, &mut group_reader, SourceId(0), &mut sink).unwrap_err();
        assert!(delivered >= PAGE_BATCH as u64 && delivered % PAGE_BATCH as u64 == 0, "{delivered}");
        assert_eq!(sink.0.len() as u64, delivered);
        // The whole file: every row once, as the column readers alone read it.
        let (pages, damage) = rows_of(&path, true);
        let (readers, _) = rows_of(&path, false);
        assert_eq!(damage, None);
        assert_eq!(pages.len(), 1500 + 3000 + 5);
        assert_eq!(pages, readers);
        assert_eq!(typed_of(&path, true), typed_of(&path, false));
    }

    /// The pages of gzip chunks read by the project's reader are the crate's reader's pages.
    #[test]
    fn gzip_pages_are_the_crate_readers_pages() {
        use parquet::basic::Compression;
        use parquet::column::page::Page;
        use parquet::file::properties::{WriterProperties, WriterVersion};
        let mut text = Vec::new();
        let cfg = crate::flowlog::synth::SynthConfig { records: 2000, conversations: 300, interfaces: 5, nodata_ratio: 0.05, ..Default::default() };
        crate::flowlog::synth::write_synthetic(&cfg, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for version in [WriterVersion::PARQUET_1_0, WriterVersion::PARQUET_2_0] {
            let path = dir.path().join("g.parquet");
            let props = WriterProperties::builder().set_writer_version(version).set_compression(Compression::GZIP(Default::default())).set_data_page_row_count_limit(300).set_write_batch_size(100).build();
            write_parquet_with(&text, &Format::default_v2(), File::create(&path).unwrap(), ColumnNames::Hyphens, 1500, props).unwrap();
            let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
            let file = File::open(&path).unwrap();
            let view = |p: &Page| match p {
                Page::DictionaryPage { buf, num_values, encoding, .. } => ("dictionary", buf.clone(), *num_values, *encoding),
                Page::DataPage { buf, num_values, encoding, .. } => ("v1", buf.clone(), *num_values, *encoding),
                Page::DataPageV2 { buf, num_values, encoding, .. } => ("v2", buf.clone(), *num_values, *encoding),
            };
            let mut pages_read = 0;
            for g in 0..reader.num_row_groups() {
                let group = reader.get_row_group(g).unwrap();
                for c in 0..group.num_columns() {
                    let (start, len) = group.metadata().column(c).byte_range();
                    let mut chunk = vec![0u8; len as usize];
                    std::os::unix::fs::FileExt::read_exact_at(&file, &mut chunk, start).unwrap();
                    let mut ours = pages::GzipPages::new(chunk.into());
                    let mut theirs = group.get_column_page_reader(c).unwrap();
                    while let Some(page) = theirs.get_next_page().unwrap() {
                        assert_eq!(ours.next_page().unwrap().map(|p| view(&p)), Some(view(&page)), "{version:?} group {g} column {c}");
                        pages_read += 1;
                    }
                    assert!(ours.next_page().unwrap().is_none());
                }
            }
            assert!(pages_read > 40, "{pages_read}");
        }
    }

    #[test]
    fn column_names() {
        assert_eq!(field_of_column("interface-id"), Some(Field::InterfaceId));
        assert_eq!(field_of_column("interface_id"), Some(Field::InterfaceId));
        assert_eq!(field_of_column("LOG_STATUS"), Some(Field::LogStatus));
        assert_eq!(field_of_column("pkt_src_aws_service"), Some(Field::PktSrcAwsService));
        assert_eq!(field_of_column("region_partition"), None);
    }
}

//! Where a record came from: [`Position`] (a small `Copy` value a visitor can store cheaply,
//! for example as per-conversation evidence), the [`Sources`] table that names the files and
//! log streams behind [`SourceId`]s and turns chunk-relative line numbers into file line
//! numbers, and the [`RecordSink`] trait through which the readers in `source` hand parsed
//! records to aggregations (the summary here, or a caller's own visitor).

use super::field::Field;
use super::record::{FlowRecord, ParseError};

/// An index into a [`Sources`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub u32);

/// The evidence position of one record. Small and `Copy`; resolve it with
/// [`Sources::resolve`] to print it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    /// A line of a file or stdin. A large file is parsed in pieces in parallel; `line` is
    /// then relative to piece `chunk` until resolved.
    Line {
        /// The file.
        source: SourceId,
        /// The piece of the file (0 when it was read in one go).
        chunk: u32,
        /// The line number within the piece, from 1.
        line: u64,
    },
    /// A CloudWatch Logs event.
    Event {
        /// The log stream.
        source: SourceId,
        /// The event's timestamp, in milliseconds since the Unix epoch.
        timestamp_ms: i64,
    },
}

impl Position {
    /// The file or log stream.
    pub fn source(&self) -> SourceId {
        match *self {
            Position::Line { source, .. } | Position::Event { source, .. } => source,
        }
    }
}

/// A position in printable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The file name (`-` for stdin) or `log-group/log-stream`.
    pub source: &'a str,
    /// The line number in the file, for file sources.
    pub line: Option<u64>,
    /// The event timestamp (ms), for CloudWatch sources.
    pub timestamp_ms: Option<i64>,
}

/// The files and log streams of one run, indexed by [`SourceId`]. Compact, because a
/// directory can hold a million files: the names share one string buffer (a file costs its
/// name plus one offset), and only files read in several pieces keep a line table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// Every name, one after another.
    names: String,
    /// Where each name ends in `names`.
    ends: Vec<usize>,
    /// For files split into pieces: the file line number of each piece's first line.
    chunk_first_line: std::collections::BTreeMap<u32, Vec<u64>>,
}

impl Sources {
    /// An empty table.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a source and returns its id (ids follow insertion order, which is input order).
    pub fn add(&mut self, name: impl Into<String>) -> SourceId {
        self.names.push_str(&name.into());
        self.ends.push(self.names.len());
        SourceId((self.ends.len() - 1) as u32)
    }

    /// Records how many lines each chunk of a split file held, in chunk order.
    pub fn set_chunk_lines(&mut self, id: SourceId, lines_per_chunk: &[u64]) {
        if id.0 as usize >= self.ends.len() {
            return;
        }
        let mut first = 1u64;
        let firsts: Vec<u64> = lines_per_chunk
            .iter()
            .map(|&n| {
                let f = first;
                first = first.saturating_add(n);
                f
            })
            .collect();
        if firsts.len() > 1 {
            self.chunk_first_line.insert(id.0, firsts);
        } else {
            self.chunk_first_line.remove(&id.0);
        }
    }

    /// The name of a source.
    pub fn name(&self, id: SourceId) -> &str {
        let i = id.0 as usize;
        let Some(&end) = self.ends.get(i) else { return "?" };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.names[start..end]
    }

    /// How many sources the table holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// A position with its source name and absolute line number.
    pub fn resolve(&self, pos: &Position) -> Resolved<'_> {
        match *pos {
            Position::Line { source, chunk, line } => {
                let first = match self.chunk_first_line.get(&source.0) {
                    Some(firsts) => firsts.get(chunk as usize).copied().unwrap_or(1),
                    None => 1,
                };
                Resolved { source: self.name(source), line: Some(first.saturating_add(line).saturating_sub(1)), timestamp_ms: None }
            }
            Position::Event { source, timestamp_ms } => {
                Resolved { source: self.name(source), line: None, timestamp_ms: Some(timestamp_ms) }
            }
        }
    }
}

/// Receives parsed records from a reader. Readers run many sinks in parallel (one per worker
/// thread) and combine them with [`RecordSink::merge`], so a sink must not depend on the
/// order in which pieces arrive; positions give the order back when it matters.
///
/// A sink may hold the last few records back to work on them in batches (the [`Summary`]
/// does, to fetch their conversations from memory ahead of time): whoever feeds a sink calls
/// [`RecordSink::finish`] when its input ends, before reading the sink. The readers in
/// `source` do.
///
/// [`Summary`]: super::Summary
pub trait RecordSink: Send {
    /// A parsed record (any log status).
    fn record(&mut self, position: Position, record: &FlowRecord<'_>);
    /// A line that is not a valid record.
    fn malformed(&mut self, position: Position, error: ParseError);
    /// A record outside the run's [`RecordFilter`](super::RecordFilter): counted
    /// (`records.filtered_out`), not aggregated.
    fn filtered(&mut self, position: Position);
    /// Completes the work on records held back; called once the input ends. The default
    /// does nothing.
    fn finish(&mut self) {}
    /// Adds another sink's results into this one.
    fn merge(&mut self, other: Self)
    where
        Self: Sized;
    /// The text fields this sink reads from a record ([`FlowRecord::get`],
    /// [`FlowRecord::line`], ...) besides its interface id, which every record carries. A
    /// reader that builds records from typed columns (Parquet) leaves the other text columns
    /// out of the record's line; the typed values ([`FlowRecord::srcaddr`], ...) are always
    /// there. The default is every field.
    fn text_fields(&self) -> TextFields {
        TextFields::All
    }
}

/// Which text fields a [`RecordSink`] reads ([`RecordSink::text_fields`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFields {
    /// Every field: the record's line holds every text column.
    All,
    /// The interface id and these fields only.
    Only(&'static [Field]),
}

impl TextFields {
    /// Whether the text of `field` is read.
    pub fn includes(self, field: Field) -> bool {
        match self {
            TextFields::All => true,
            TextFields::Only(fields) => field == Field::InterfaceId || fields.contains(&field),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_lines_resolve_to_file_lines() {
        let mut s = Sources::new();
        let a = s.add("a.log");
        let b = s.add("b.log");
        s.set_chunk_lines(b, &[10, 5, 7]);
        assert_eq!(s.resolve(&Position::Line { source: a, chunk: 0, line: 3 }).line, Some(3));
        assert_eq!(s.resolve(&Position::Line { source: b, chunk: 0, line: 3 }).line, Some(3));
        assert_eq!(s.resolve(&Position::Line { source: b, chunk: 2, line: 1 }).line, Some(16));
        let r = s.resolve(&Position::Event { source: a, timestamp_ms: 5 });
        assert_eq!((r.source, r.line, r.timestamp_ms), ("a.log", None, Some(5)));
        assert_eq!((s.name(a), s.name(b), s.name(SourceId(2)), s.len()), ("a.log", "b.log", "?", 2));
    }

    #[test]
    fn unknown_sources_and_huge_line_numbers_resolve() {
        let mut s = Sources::new();
        let a = s.add("");
        s.set_chunk_lines(SourceId(9), &[1, 2]);
        s.set_chunk_lines(a, &[u64::MAX, 5]);
        assert_eq!(s.resolve(&Position::Line { source: a, chunk: 1, line: 3 }).line, Some(u64::MAX - 1));
        assert_eq!(s.resolve(&Position::Line { source: a, chunk: 7, line: 0 }).line, Some(0));
        assert_eq!(s.resolve(&Position::Line { source: SourceId(9), chunk: 1, line: 2 }).source, "?");
    }
}

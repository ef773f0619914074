//! The read pipeline: planned work run on rayon's workers, one sink per worker, merged at
//! the end; the readers of remote objects share it.

use super::{finish_report, io_err, Damage, Input, Parallelism, Progress, ReadOptions, ReadReport, SourceError};
use super::plan::{is_parquet_file, plan, PieceKind, Work};
use super::stream::{parse_stream, stream, StreamError};
use super::walk::walk;
use crate::flowlog::{Filtered, Format, HeaderMode, ParseError, ParserBuilder, Position, RecordFilter, RecordSink, SourceId};
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::sync::Mutex;

/// Reads every input into sinks made by `new_sink` (one per worker thread) and returns the
/// merged sink with the read report. Unreadable inputs stop the read with an error; damaged
/// ones are reported in [`ReadReport::damaged`].
///
/// Files are planned (named in the source table, split into pieces when large) on the
/// calling side of a rayon bridge as the directory walk finds them, and read by the workers
/// while the walk goes on, so no list of every file is ever built.
pub fn read<S, F>(inputs: &[Input], opts: &ReadOptions, progress: &dyn Progress, new_sink: F) -> Result<(S, ReadReport), SourceError>
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    let mut report = ReadReport::default();
    let mut total = 0u64;
    let chunk_lines: Mutex<Vec<(SourceId, u32, u64)>> = Mutex::new(Vec::new());
    let damaged: Mutex<Vec<Damage>> = Mutex::new(Vec::new());
    progress.start(0);

    // The work items, in input order, planned one file at a time as the walk finds them.
    let sources = &mut report.sources;
    let total_ref = &mut total;
    let mut work = walk(inputs).flat_map(move |input| -> Vec<Result<Work, SourceError>> {
        match input.and_then(|input| plan(input, opts, sources, total_ref, progress)) {
            Ok(items) => items.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        }
    });
    // Small files travel in batches (up to a piece's worth of bytes or 256 files), so a
    // directory of many tiny files does not cost a trip through the bridge per file; a piece
    // or a large file is a batch of its own, so large inputs still spread over the threads.
    let piece_size = opts.piece_size.max(1);
    let batches = std::iter::from_fn(move || {
        let mut batch = Vec::new();
        let mut bytes = 0u64;
        for item in work.by_ref() {
            let weight = match &item {
                Ok(w) => w.weight(),
                Err(_) => u64::MAX,
            };
            batch.push(item);
            bytes = bytes.saturating_add(weight);
            if bytes >= piece_size || batch.len() >= 256 {
                break;
            }
        }
        (!batch.is_empty()).then_some(batch)
    });

    let run = |w: Result<Work, SourceError>, sink: &mut S| -> Result<(), SourceError> {
        match w? {
            Work::Stream { source, path, len } => {
                let outcome = match &path {
                    Some(p) => {
                        let file = File::open(p).map_err(io_err(p))?;
                        if is_parquet_file(&file).map_err(io_err(p))? {
                            let (rows, damage) = read_parquet(file, source, opts, &new_sink, sink);
                            progress.advance(len);
                            if let Some(damage) = damage {
                                lock(&damaged).push(damage);
                            }
                            let mut lines = lock(&chunk_lines);
                            lines.extend(rows.iter().enumerate().map(|(g, &n)| (source, g as u32, n)));
                            return Ok(());
                        }
                        stream(file, len, source, opts, progress, sink)
                    }
                    None => stream(io::stdin(), len, source, opts, progress, sink),
                };
                let path = path.as_deref().unwrap_or(Path::new("-"));
                match outcome {
                    Ok(()) => Ok(()),
                    Err(StreamError::Open(e)) => Err(io_err(path)(e)),
                    Err(StreamError::Damaged { reason, records_before }) => {
                        lock(&damaged).push(Damage { source, reason, records_before });
                        Ok(())
                    }
                    Err(StreamError::Ratio(r)) => Err(SourceError::GzipRatio {
                        path: path.to_path_buf(),
                        limit: r.limit,
                        decompressed: r.decompressed,
                        compressed: r.compressed,
                    }),
                }
            }
            Work::Piece { source, chunk, start, end, kind: PieceKind::LongLine, .. } => {
                sink.malformed(Position::Line { source, chunk, line: 1 }, ParseError::LineTooLong(opts.max_line_len));
                progress.advance(end - start);
                lock(&chunk_lines).push((source, chunk, 1));
                Ok(())
            }
            Work::Piece { source, path, chunk, start, end, format, kind: PieceKind::Lines } => {
                let lines = piece(&path, source, chunk, start, end, format.as_ref(), opts, sink).map_err(io_err(&path))?;
                progress.advance(end - start);
                lock(&chunk_lines).push((source, chunk, lines));
                Ok(())
            }
        }
    };

    let sink = match opts.parallelism {
        Parallelism::Sequential => {
            let mut sink = new_sink();
            for w in batches.flatten() {
                run(w, &mut sink)?;
            }
            sink.finish();
            sink
        }
        Parallelism::Auto => {
            // Idle sinks: a batch takes one (or makes one) and puts it back when done. No lock
            // is held while a batch is read: a Parquet file's row groups are read in parallel
            // inside, and a thread waiting for them may start another batch meanwhile (with a
            // sink per thread, locked for the batch, it would wait for itself).
            let idle: Mutex<Vec<S>> = Mutex::new(Vec::new());
            batches.par_bridge().try_for_each(|batch| {
                let mut sink = lock(&idle).pop().unwrap_or_else(&new_sink);
                let read = batch.into_iter().try_for_each(|w| run(w, &mut sink));
                lock(&idle).push(sink);
                read
            })?;
            let sinks = idle.into_inner().unwrap_or_else(|e| e.into_inner());
            super::merge_slots(sinks.into_iter().map(|s| Mutex::new(Some(s))).collect()).unwrap_or_else(&new_sink)
        }
    };

    finish_report(&mut report, chunk_lines, damaged);
    report.bytes = total;
    Ok((sink, report))
}

/// [`read`] with an incident filter: records `filter` does not keep are reported to the sink
/// as filtered out ([`RecordSink::filtered`]) as they are parsed. An empty filter reads
/// exactly as [`read`] does, without the per-record check.
pub fn read_filtered<S, F>(inputs: &[Input], opts: &ReadOptions, progress: &dyn Progress, filter: &RecordFilter, new_sink: F) -> Result<(S, ReadReport), SourceError>
where
    S: RecordSink,
    F: Fn() -> S + Sync,
{
    if filter.is_empty() {
        return read(inputs, opts, progress, new_sink);
    }
    let (sink, report) = read(inputs, opts, progress, || Filtered::new(filter, new_sink()))?;
    Ok((sink.into_inner(), report))
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads a Parquet file (row groups in parallel); returns its rows per row group and the
/// damage, if it broke off.
#[cfg(feature = "parquet")]
pub(super) fn read_parquet<S: RecordSink, F: Fn() -> S + Sync>(file: File, source: SourceId, opts: &ReadOptions, new_sink: &F, sink: &mut S) -> (Vec<u64>, Option<Damage>) {
    let outcome = crate::source::parquet::read_file(file, source, opts.max_line_len, new_sink, sink);
    let damage = outcome.damage.map(|reason| Damage { source, reason, records_before: outcome.rows_before_damage });
    (outcome.rows_per_group, damage)
}

/// A Parquet file in a build without the `parquet` feature: a damaged source saying so.
#[cfg(not(feature = "parquet"))]
pub(super) fn read_parquet<S: RecordSink, F: Fn() -> S + Sync>(_file: File, source: SourceId, _opts: &ReadOptions, _new_sink: &F, _sink: &mut S) -> (Vec<u64>, Option<Damage>) {
    let reason = "a Parquet file, but this vpcscope was built without Parquet support (the cargo feature `parquet`)".to_string();
    (Vec::new(), Some(Damage { source, reason, records_before: 0 }))
}

pub(super) fn piece<S: RecordSink>(
    path: &Path,
    source: SourceId,
    chunk: u32,
    start: u64,
    end: u64,
    format: Option<&Format>,
    opts: &ReadOptions,
    sink: &mut S,
) -> io::Result<u64> {
    let mut b = ParserBuilder::new();
    b.max_line_len(opts.max_line_len);
    if chunk == 0 {
        b.format(opts.format.clone()).header(HeaderMode::Detect);
    } else {
        b.format(format.cloned().unwrap_or_else(|| opts.format.clone())).header(HeaderMode::Never);
    }
    let mut parser = b.build();
    if end <= start {
        return Ok(0);
    }
    // Read through one buffer of `buffer_size` bytes rather than mapped: the buffer stays in
    // the core's L2 cache while it is parsed, and no page tables are built and torn down
    // (with a cross-core TLB flush) for every piece. Measured 3-8% faster than a populated
    // map on `flows summary` (docs/flows.md).
    let mut file = File::open(path)?;
    file.seek(io::SeekFrom::Start(start))?;
    parse_stream(file.take(end - start), &mut parser, source, chunk, opts, sink).map_err(|e| match e {
        StreamError::Open(e) => e,
        StreamError::Damaged { reason, .. } => io::Error::other(reason),
        StreamError::Ratio(r) => io::Error::other(r),
    })?;
    Ok(parser.lines())
}

/// Reads one object of a remote source (an S3 object's body, as a byte stream) into `sink`:
/// gzip or plain, as a file is, with the same limits. Anything that goes wrong is the
/// object's damage, returned rather than stopping the run: the records before it count.
#[cfg(feature = "aws")]
pub(crate) fn read_object<R: Read + Send, S: RecordSink>(input: R, len: u64, source: SourceId, opts: &ReadOptions, progress: &dyn Progress, sink: &mut S) -> Option<Damage> {
    let reason = match stream(input, len, source, opts, progress, sink) {
        Ok(()) => return None,
        Err(StreamError::Open(e)) => (format!("read error: {e}"), 0),
        Err(StreamError::Damaged { reason, records_before }) => (reason, records_before),
        Err(StreamError::Ratio(r)) => (format!("{r} ({} bytes from {} compressed); not read further, as a likely decompression bomb", r.decompressed, r.compressed), 0),
    };
    Some(Damage { source, reason: reason.0, records_before: reason.1 })
}

/// Reads a Parquet object saved to `file` (see [`read_parquet`]); returns its rows per row
/// group and its damage.
#[cfg(feature = "aws")]
pub(crate) fn read_parquet_object<S: RecordSink, F: Fn() -> S + Sync>(file: File, source: SourceId, opts: &ReadOptions, new_sink: &F, sink: &mut S) -> (Vec<u64>, Option<Damage>) {
    read_parquet(file, source, opts, new_sink, sink)
}

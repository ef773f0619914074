//! Reading flow logs from files, gzip files, directories and stdin, in parallel. The readers
//! hand bytes to `flowlog`'s [`Parser`] and each parsed record to a [`RecordSink`]; they never
//! hold more of the input than one buffer per worker thread, so memory
//! is bounded by what the sink keeps (for a summary, the distinct conversations).
//!
//! Resource limits on hostile input: a line longer than [`ReadOptions::max_line_len`] is
//! counted as malformed and skipped without being buffered (a 1 GB line costs no more memory
//! than a short one); a gzip stream that expands more than [`ReadOptions::max_gzip_ratio`]
//! times its compressed size stops the read with [`SourceError::GzipRatio`]; directories are
//! walked lazily, one directory listing at a time, and files are read as they are found, so a
//! directory of a million files costs the source table (the file names) and no per-file work
//! list.
//!
//! Parallelism: each file is a unit of work for rayon; a large uncompressed file is split
//! at newlines into pieces that are read and parsed in parallel. Each worker thread
//! owns one sink; the sinks are merged at the end. Gzip input is detected by its magic bytes
//! (not by name) and decompressed with flate2's zlib-rs backend; a damaged gzip stream does
//! not stop the run: the records before the damage count, and the damage is reported.

use crate::flowlog::parser::DEFAULT_MAX_LINE_LEN;
use crate::flowlog::{Filtered, Format, HeaderMode, ParseError, Parser, ParserBuilder, Position, RecordFilter, RecordSink, SourceId, Sources};
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a directory read recursively.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Input {
    /// `-` is stdin; anything else a path.
    pub fn from_arg(arg: &std::ffi::OsStr) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// Whether the reader may use several threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// Files in parallel, and large plain files split into pieces parsed in parallel.
    #[default]
    Auto,
    /// One file after another on the calling thread, each read as a stream.
    Sequential,
}

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The format of files without a header line (S3 files have one; the default is v2).
    pub format: Format,
    /// Lines longer than this are malformed.
    pub max_line_len: usize,
    /// Threads or not.
    pub parallelism: Parallelism,
    /// Plain files larger than twice this are split into pieces of about this size.
    pub piece_size: u64,
    /// The read buffer for streamed input (it grows while a line does not fit).
    pub buffer_size: usize,
    /// A gzip stream may expand to at most this many times its compressed size (0: no
    /// limit); past it the read stops with [`SourceError::GzipRatio`]. The first
    /// [`GZIP_RATIO_FLOOR`] decompressed bytes are always allowed.
    pub max_gzip_ratio: u64,
    /// Gzip inputs of at least this many (compressed) bytes, and stdin, are inflated on a
    /// thread of their own while the reading worker parses ([`DEFAULT_PIPELINE_GZIP`];
    /// `u64::MAX`: never).
    pub pipeline_gzip: u64,
}

/// The default [`ReadOptions::max_gzip_ratio`]. Deflate cannot expand more than about 1032
/// times, so a bomb is at most that; flow logs compress about 10 times (NODATA-heavy ones
/// about 20), so 100 leaves real logs a wide margin and stops a bomb after reading a
/// hundredth of what it would produce.
pub const DEFAULT_MAX_GZIP_RATIO: u64 = 100;

/// Decompressed bytes a gzip stream may always produce, whatever its ratio: the limit is for
/// bombs, not for small, very repetitive files.
pub const GZIP_RATIO_FLOOR: u64 = 1 << 20;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: Format::default_v2(),
            max_line_len: DEFAULT_MAX_LINE_LEN,
            parallelism: Parallelism::Auto,
            piece_size: 8 << 20,
            buffer_size: 256 << 10,
            max_gzip_ratio: DEFAULT_MAX_GZIP_RATIO,
            pipeline_gzip: DEFAULT_PIPELINE_GZIP,
        }
    }
}

/// Errors that stop a read: an input that cannot be opened or listed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A file or stdin could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The input.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A directory could not be listed.
    #[error("cannot list {}", path.display())]
    Walk {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: walkdir::Error,
    },
    /// A gzip stream expanded past [`ReadOptions::max_gzip_ratio`] (a decompression bomb, or
    /// an unusually repetitive file).
    #[error(
        "{}: gzip stream expands more than {limit} times its size ({decompressed} bytes from {compressed} compressed); stopped reading it as a likely decompression bomb",
        path.display()
    )]
    GzipRatio {
        /// The input (`-` for stdin).
        path: PathBuf,
        /// The ratio limit.
        limit: u64,
        /// Decompressed bytes when the read stopped.
        decompressed: u64,
        /// Compressed bytes read by then.
        compressed: u64,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SourceError + '_ {
    move |source| SourceError::Io { path: path.to_path_buf(), source }
}

/// An input that broke off part-way (a truncated or corrupt gzip file, a read error): the
/// records before the damage were delivered to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The input.
    pub source: SourceId,
    /// What went wrong.
    pub reason: String,
    /// Records (valid lines) delivered from this input before the damage.
    pub records_before: u64,
}

/// What a read went through, besides what the sink collected.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    /// Every file read, in input order; resolves positions.
    pub sources: Sources,
    /// Inputs that broke off, in input order.
    pub damaged: Vec<Damage>,
    /// Bytes read from the inputs (compressed size for gzip files).
    pub bytes: u64,
}

/// Records what the workers collected into `report`: the line counts of each source's
/// pieces (in piece order, so positions resolve) and the damaged inputs, in input order.
pub(crate) fn finish_report(report: &mut ReadReport, chunk_lines: Mutex<Vec<(SourceId, u32, u64)>>, damaged: Mutex<Vec<Damage>>) {
    let mut pieces = chunk_lines.into_inner().unwrap_or_else(|e| e.into_inner());
    pieces.sort_unstable();
    for group in pieces.chunk_by(|a, b| a.0 == b.0) {
        let lines: Vec<u64> = group.iter().map(|p| p.2).collect();
        report.sources.set_chunk_lines(group[0].0, &lines);
    }
    report.damaged = damaged.into_inner().unwrap_or_else(|e| e.into_inner());
    report.damaged.sort_by_key(|d| d.source);
}

/// Receives progress, in input bytes. Called from worker threads.
pub trait Progress: Sync {
    /// Reading starts; `total_bytes` is the size of the inputs known so far (0 when files are
    /// found while reading, see [`Progress::grow`]).
    fn start(&self, total_bytes: u64);
    /// More input was found (a file of a directory being walked): the total grows.
    fn grow(&self, bytes: u64) {
        let _ = bytes;
    }
    /// More bytes were read.
    fn advance(&self, bytes: u64);
    /// Objects of a remote source read so far, of `total` (S3).
    fn objects(&self, done: u64, total: u64) {
        let _ = (done, total);
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// One unit of work.
#[derive(Debug)]
enum Work {
    /// A whole file or stdin, read as a stream (gzip or plain); `len` is its size (stdin:
    /// `u64::MAX`, unknown).
    Stream { source: SourceId, path: Option<PathBuf>, len: u64 },
    /// A piece of a large plain file: bytes `start..end`, which begin and end at line starts.
    Piece { source: SourceId, path: PathBuf, chunk: u32, start: u64, end: u64, format: Option<Format>, kind: PieceKind },
}

impl Work {
    /// The bytes this item reads, for batching.
    fn weight(&self) -> u64 {
        match *self {
            Work::Stream { len, .. } => len,
            Work::Piece { start, end, .. } => end - start,
        }
    }
}

/// What a piece holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    /// Whole lines, read and parsed.
    Lines,
    /// One line longer than the limit: reported, not read.
    LongLine,
}

/// The files of the inputs, in order: a directory's files sorted by path, hidden ones (name
/// starting with `.`) skipped. Lazy: a directory is listed when the walk reaches it, so
/// memory holds one directory listing at a time, never the whole tree.
pub fn walk(inputs: &[Input]) -> impl Iterator<Item = Result<Input, SourceError>> + '_ {
    inputs.iter().flat_map(|input| -> Box<dyn Iterator<Item = Result<Input, SourceError>> + Send> {
        let p = match input {
            Input::Stdin => return Box::new(std::iter::once(Ok(Input::Stdin))),
            Input::Path(p) => p,
        };
        match std::fs::metadata(p) {
            Err(e) => Box::new(std::iter::once(Err(io_err(p)(e)))),
            Ok(meta) if !meta.is_dir() => Box::new(std::iter::once(Ok(Input::Path(p.clone())))),
            Ok(_) => {
                let walk = walkdir::WalkDir::new(p).follow_links(true).sort_by_file_name();
                let root = p.clone();
                Box::new(
                    walk.into_iter()
                        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
                        .filter_map(move |entry| match entry {
                            Err(source) => Some(Err(SourceError::Walk { path: root.clone(), source })),
                            Ok(e) if e.file_type().is_file() => Some(Ok(Input::Path(e.into_path()))),
                            Ok(_) => None,
                        }),
                )
            }
        }
    })
}

/// Lists the files of the inputs, in order (see [`walk`], which does not build the list).
pub fn expand(inputs: &[Input]) -> Result<Vec<Input>, SourceError> {
    walk(inputs).collect()
}

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
            let slots: Vec<Mutex<Option<S>>> = (0..rayon::current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
            batches.par_bridge().try_for_each(|batch| {
                let i = rayon::current_thread_index().unwrap_or(0) % slots.len();
                let mut slot = lock(&slots[i]);
                let sink = slot.get_or_insert_with(&new_sink);
                batch.into_iter().try_for_each(|w| run(w, sink))
            })?;
            let mut merged: Option<S> = None;
            for slot in slots {
                if let Some(mut s) = slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
                    s.finish();
                    match merged.as_mut() {
                        None => merged = Some(s),
                        Some(m) => m.merge(s),
                    }
                }
            }
            merged.unwrap_or_else(&new_sink)
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

/// Names one input in the source table and turns it into work: the whole input as a stream,
/// or a large plain file as pieces.
fn plan(input: Input, opts: &ReadOptions, sources: &mut Sources, total: &mut u64, progress: &dyn Progress) -> Result<Vec<Work>, SourceError> {
    let path = match input {
        Input::Stdin => return Ok(vec![Work::Stream { source: sources.add("-"), path: None, len: u64::MAX }]),
        Input::Path(path) => path,
    };
    let source = sources.add(path.display().to_string());
    // A stat, not an open: a small file is opened once, by the worker that reads it.
    let len = std::fs::metadata(&path).map_err(io_err(&path))?.len();
    *total += len;
    progress.grow(len);
    let mut work = Vec::new();
    if opts.parallelism == Parallelism::Auto && len > 2 * opts.piece_size.max(1) {
        let file = File::open(&path).map_err(io_err(&path))?;
        if !is_gzip_file(&file).map_err(io_err(&path))? && !is_parquet_file(&file).map_err(io_err(&path))? {
            plan_pieces(&file, &path, source, len, opts, &mut work).map_err(io_err(&path))?;
            return Ok(work);
        }
    }
    work.push(Work::Stream { source, path: Some(path), len });
    Ok(work)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the file starts with Parquet's magic bytes (`PAR1`).
fn is_parquet_file(file: &File) -> io::Result<bool> {
    let mut magic = [0u8; 4];
    let n = file.read_at(&mut magic, 0)?;
    Ok(n == 4 && &magic == b"PAR1")
}

/// Reads a Parquet file (row groups in parallel); returns its rows per row group and the
/// damage, if it broke off.
#[cfg(feature = "parquet")]
fn read_parquet<S: RecordSink, F: Fn() -> S + Sync>(file: File, source: SourceId, opts: &ReadOptions, new_sink: &F, sink: &mut S) -> (Vec<u64>, Option<Damage>) {
    let outcome = super::parquet::read_file(file, source, opts.max_line_len, new_sink, sink);
    let damage = outcome.damage.map(|reason| Damage { source, reason, records_before: outcome.rows_before_damage });
    (outcome.rows_per_group, damage)
}

/// A Parquet file in a build without the `parquet` feature: a damaged source saying so.
#[cfg(not(feature = "parquet"))]
fn read_parquet<S: RecordSink, F: Fn() -> S + Sync>(_file: File, source: SourceId, _opts: &ReadOptions, _new_sink: &F, _sink: &mut S) -> (Vec<u64>, Option<Damage>) {
    let reason = "a Parquet file, but this vpcscope was built without Parquet support (the cargo feature `parquet`)".to_string();
    (Vec::new(), Some(Damage { source, reason, records_before: 0 }))
}

fn is_gzip_file(file: &File) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let n = file.read_at(&mut magic, 0)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// Splits a plain file into pieces that start at line starts, and reads its header line. A
/// line longer than the limit that crosses a piece boundary becomes its own `LongLine` item,
/// so no piece spans more than `piece_size + max_line_len` bytes.
fn plan_pieces(file: &File, path: &Path, source: SourceId, len: u64, opts: &ReadOptions, work: &mut Vec<Work>) -> io::Result<()> {
    let first = read_line_at(file, 0, opts.max_line_len)?;
    let format = match first {
        Some(line) if Format::is_header(&line) => Format::from_header(&line).ok(),
        _ => None,
    };
    let mut start = 0u64;
    let mut chunk = 0u32;
    let mut push = |work: &mut Vec<Work>, kind: PieceKind, start: u64, end: u64| {
        work.push(Work::Piece { source, path: path.to_path_buf(), chunk, start, end, format: format.clone(), kind });
        chunk += 1;
    };
    while start < len {
        let nominal = start + opts.piece_size.max(1);
        if nominal >= len {
            push(work, PieceKind::Lines, start, len);
            break;
        }
        let limit = nominal.saturating_add(opts.max_line_len as u64 + 2);
        match next_line_start(file, nominal, len, Some(limit))? {
            Some(end) => {
                push(work, PieceKind::Lines, start, end);
                start = end;
            }
            None => {
                let line_start = line_start_before(file, nominal, start)?;
                if line_start > start {
                    push(work, PieceKind::Lines, start, line_start);
                }
                let end = next_line_start(file, nominal, len, None)?.unwrap_or(len);
                push(work, PieceKind::LongLine, line_start, end);
                start = end;
            }
        }
    }
    Ok(())
}

/// The first line at `offset` (without its newline), if it is at most `max` bytes.
fn read_line_at(file: &File, offset: u64, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; max.min(1 << 20) + 1];
    let n = file.read_at(&mut buf, offset)?;
    buf.truncate(n);
    Ok(memchr::memchr(b'\n', &buf).map(|i| buf[..i].to_vec()))
}

/// The offset just after the first newline at or after `from`: `Some(len)` at the end of the
/// file, `None` when there is no newline before `limit`.
fn next_line_start(file: &File, from: u64, len: u64, limit: Option<u64>) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 64 << 10];
    let mut pos = from;
    while pos < len {
        if limit.is_some_and(|l| pos >= l) {
            return Ok(None);
        }
        let n = file.read_at(&mut buf, pos)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(Some(pos + i as u64 + 1));
        }
        pos += n as u64;
    }
    Ok(Some(len))
}

/// The start of the line holding byte `at` (never before `floor`).
fn line_start_before(file: &File, at: u64, floor: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; 64 << 10];
    let mut end = at;
    while end > floor {
        let begin = end.saturating_sub(buf.len() as u64).max(floor);
        let n = (end - begin) as usize;
        file.read_exact_at(&mut buf[..n], begin)?;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
            return Ok(begin + i as u64 + 1);
        }
        end = begin;
    }
    Ok(floor)
}

fn piece<S: RecordSink>(
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

enum StreamError {
    /// The input could not be opened or read at all.
    Open(io::Error),
    /// It broke off part-way.
    Damaged { reason: String, records_before: u64 },
    /// A gzip stream expanded past the ratio limit.
    Ratio(RatioExceeded),
}

/// The error a [`RatioLimit`] reader returns when a gzip stream expands too much.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("gzip stream expands more than {limit} times its size")]
struct RatioExceeded {
    limit: u64,
    decompressed: u64,
    compressed: u64,
}

/// Counts bytes into the progress reporter and into `count`.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
    count: &'p AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Stops a decompressing reader once its output exceeds `limit` times the compressed bytes
/// read so far (and [`GZIP_RATIO_FLOOR`]). The compressed count includes the read-ahead of
/// the buffer in between, so the check errs on the side of reading on; a bomb still stops
/// after a bounded amount of output.
struct RatioLimit<'c, R> {
    inner: R,
    compressed: &'c AtomicU64,
    decompressed: u64,
    limit: u64,
}

impl<R: Read> Read for RatioLimit<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.decompressed += n as u64;
        let compressed = self.compressed.load(Ordering::Relaxed);
        if self.limit > 0 && self.decompressed > GZIP_RATIO_FLOOR && self.decompressed / self.limit > compressed {
            return Err(io::Error::other(RatioExceeded { limit: self.limit, decompressed: self.decompressed, compressed }));
        }
        Ok(n)
    }
}

/// The default [`ReadOptions::pipeline_gzip`]: gzip streams at least this large are inflated
/// on a thread of their own while the worker parses, so one big file is limited by
/// decompression rather than by decompression plus parsing. Smaller files are not worth a
/// thread: an S3 delivery is thousands of small files, which the workers already read in
/// parallel.
pub const DEFAULT_PIPELINE_GZIP: u64 = 4 << 20;

/// Decompressed bytes handed from the inflating thread to the parser at a time.
const PIPELINE_CHUNK: usize = 1 << 20;

fn stream<R: Read + Send, S: RecordSink>(input: R, len: u64, source: SourceId, opts: &ReadOptions, progress: &dyn Progress, sink: &mut S) -> Result<(), StreamError> {
    let compressed = AtomicU64::new(0);
    let mut reader = BufReader::with_capacity(128 << 10, Counting { inner: input, progress, count: &compressed });
    let head = reader.fill_buf().map_err(StreamError::Open)?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut parser = ParserBuilder::new().format(opts.format.clone()).max_line_len(opts.max_line_len).build();
    if !gzip {
        return parse_stream(reader, &mut parser, source, 0, opts, sink);
    }
    let inflate = |reader| {
        let decoder = flate2::bufread::MultiGzDecoder::new(reader);
        RatioLimit { inner: decoder, compressed: &compressed, decompressed: 0, limit: opts.max_gzip_ratio }
    };
    if opts.pipeline_gzip == u64::MAX || len < opts.pipeline_gzip {
        return parse_stream(inflate(reader), &mut parser, source, 0, opts, sink);
    }
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<io::Result<Vec<u8>>>(2);
        let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(4);
        let mut inflating = inflate(reader);
        scope.spawn(move || pump(&mut inflating, &full_tx, &empty_rx));
        parse_stream(Pipe { full: full_rx, empty: empty_tx, chunk: Vec::new(), at: 0 }, &mut parser, source, 0, opts, sink)
    })
}

/// The inflating side of a pipelined gzip stream: fills buffers (reusing those the parser
/// gave back) and sends them, then the error that ended the stream, if any. Stops early when
/// the parser hangs up.
fn pump<R: Read>(input: &mut R, full: &SyncSender<io::Result<Vec<u8>>>, empty: &Receiver<Vec<u8>>) {
    loop {
        let mut buf = empty.try_recv().unwrap_or_default();
        buf.resize(PIPELINE_CHUNK, 0);
        let mut filled = 0;
        let end = loop {
            match input.read(&mut buf[filled..]) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    filled += n;
                    if filled == buf.len() {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        buf.truncate(filled);
        let done = filled < PIPELINE_CHUNK;
        if filled > 0 && full.send(Ok(buf)).is_err() {
            return;
        }
        if let Err(e) = end {
            let _ = full.send(Err(e));
            return;
        }
        if done {
            return;
        }
    }
}

/// The parsing side of a pipelined gzip stream, as a reader.
struct Pipe {
    full: Receiver<io::Result<Vec<u8>>>,
    empty: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for Pipe {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            let next = match self.full.recv() {
                Ok(next) => next?,
                Err(_) => return Ok(0),
            };
            let used = std::mem::replace(&mut self.chunk, next);
            self.at = 0;
            let _ = self.empty.try_send(used);
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Feeds a byte stream through `parser`: reads into a buffer, parses the complete lines,
/// and carries the unfinished tail to the front for the next read.
fn parse_stream<R: Read, S: RecordSink>(mut input: R, parser: &mut Parser, source: SourceId, chunk: u32, opts: &ReadOptions, sink: &mut S) -> Result<(), StreamError> {
    let mut buf = vec![0u8; opts.buffer_size.max(1)];
    let mut filled = 0usize;
    let mut records = 0u64;
    let mut visit = |line: u64, r: Result<crate::flowlog::FlowRecord<'_>, crate::flowlog::ParseError>| {
        let position = Position::Line { source, chunk, line };
        match r {
            Ok(rec) => {
                records += 1;
                sink.record(position, &rec)
            }
            Err(e) => sink.malformed(position, e),
        }
    };
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                drop(visit);
                if let Some(r) = e.get_ref().and_then(|inner| inner.downcast_ref::<RatioExceeded>()) {
                    return Err(StreamError::Ratio(*r));
                }
                return Err(StreamError::Damaged { reason: damage_reason(&e), records_before: records });
            }
        };
        filled += n;
        let used = parser.feed(&buf[..filled], &mut visit);
        buf.copy_within(used..filled, 0);
        filled -= used;
        if filled < buf.len() / 4 && buf.len() > opts.buffer_size.max(1) {
            // A long line made the buffer grow; give the memory back once it has passed.
            buf.truncate(opts.buffer_size.max(1).max(filled));
            buf.shrink_to_fit();
        }
    }
    parser.finish(&buf[..filled], &mut visit);
    Ok(())
}

fn damage_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated gzip stream (unexpected end of file)".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => format!("corrupt gzip stream: {e}"),
        _ => format!("read error: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::Summary;
    use std::io::Write;

    const LINES: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";

    #[test]
    fn truncated_gzip_keeps_records_before_damage() {
        let dir = tempfile::tempdir().unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for _ in 0..1000 {
            enc.write_all(LINES.as_bytes()).unwrap();
        }
        let gz = enc.finish().unwrap();
        let path = dir.path().join("cut.log.gz");
        std::fs::write(&path, &gz[..gz.len() - 20]).unwrap();
        // Inflated by the worker itself, or on a thread of its own.
        for pipeline_gzip in [u64::MAX, 0] {
            let opts = ReadOptions { pipeline_gzip, ..ReadOptions::default() };
            let (s, report) = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).unwrap();
            assert_eq!(report.damaged.len(), 1);
            assert!(report.damaged[0].reason.contains("truncated"), "{}", report.damaged[0].reason);
            assert_eq!(report.damaged[0].records_before, s.counts.total);
            assert!(s.counts.total > 0 && s.counts.total <= 1000);
            assert_eq!(s.counts.malformed, 0);
        }
    }

    #[test]
    fn pieces_start_at_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let text = format!("version interface-id bytes log-status\n{}", "2 eni-a 5 OK\n".repeat(1000));
        std::fs::write(&path, &text).unwrap();
        let opts = ReadOptions { piece_size: 100, ..ReadOptions::default() };
        let (s, report) = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).unwrap();
        assert_eq!(s.counts.ok, 1000);
        assert_eq!(s.conversations.top(1)[0].1.bytes, 5000);
        assert!(report.damaged.is_empty());
    }

    #[test]
    fn a_long_line_across_pieces_is_one_malformed_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.log");
        let good = "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 1 10 1 2 ACCEPT OK\n";
        let text = format!("{}{}\n{}{}", good.repeat(50), "x".repeat(5000), good.repeat(50), "y".repeat(3000));
        std::fs::write(&path, &text).unwrap();
        let sequential = ReadOptions { max_line_len: 1000, parallelism: Parallelism::Sequential, buffer_size: 7, ..ReadOptions::default() };
        let pieces = ReadOptions { max_line_len: 1000, piece_size: 300, ..ReadOptions::default() };
        let mut seen = Vec::new();
        for opts in [sequential, pieces] {
            let (s, report) = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).unwrap();
            assert_eq!((s.counts.ok, s.counts.malformed), (100, 2));
            let lines: Vec<_> = s.malformed_samples.iter().map(|m| (report.sources.resolve(&m.position).line, m.error)).collect();
            assert_eq!(lines, vec![(Some(51), ParseError::LineTooLong(1000)), (Some(102), ParseError::LineTooLong(1000))]);
            seen.push(s.conversations.top(0).iter().map(|(k, v)| format!("{k:?}{v:?}")).collect::<Vec<_>>());
        }
        assert_eq!(seen[0], seen[1]);
    }
    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_past_the_ratio_limit_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut data = LINES.as_bytes().to_vec();
        data.resize(8 << 20, b'\n');
        let path = dir.path().join("bomb.gz");
        std::fs::write(&path, gz(&data)).unwrap();
        for (parallelism, pipeline_gzip) in [(Parallelism::Auto, u64::MAX), (Parallelism::Sequential, u64::MAX), (Parallelism::Auto, 0)] {
            let opts = ReadOptions { parallelism, pipeline_gzip, ..ReadOptions::default() };
            let err = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).unwrap_err();
            let SourceError::GzipRatio { path: p, limit, decompressed, compressed } = &err else { panic!("{err}") };
            assert_eq!((p, *limit), (&path, DEFAULT_MAX_GZIP_RATIO));
            assert!(*decompressed > GZIP_RATIO_FLOOR && *decompressed / 100 > *compressed, "{err}");
            assert!(err.to_string().contains("bomb.gz: gzip stream expands more than 100 times"), "{err}");
        }
        let opts = ReadOptions { max_gzip_ratio: 0, ..ReadOptions::default() };
        let (s, _) = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).unwrap();
        assert_eq!(s.counts.ok, 1);
        // Below the floor the ratio does not matter: 1 MiB of blank lines is read.
        let small = dir.path().join("small.gz");
        std::fs::write(&small, gz(&data[..GZIP_RATIO_FLOOR as usize])).unwrap();
        let (s, _) = read(&[Input::Path(small)], &ReadOptions::default(), &NoProgress, Summary::new).unwrap();
        assert_eq!(s.counts.ok, 1);
    }

    #[test]
    fn directories_are_walked_lazily() {
        // The walk yields the first file before it reaches a broken entry further on, so a
        // directory is never listed as a whole before reading starts.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/1.log"), LINES).unwrap();
        std::fs::create_dir_all(dir.path().join("z")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("z/loop")).unwrap();
        let inputs = [Input::Path(dir.path().to_path_buf())];
        let mut walk = walk(&inputs);
        assert_eq!(walk.next().unwrap().unwrap(), Input::Path(dir.path().join("a/1.log")));
        assert!(matches!(walk.next(), Some(Err(SourceError::Walk { .. }))));
        assert!(expand(&inputs).is_err());
        // The reader reports the loop as an error, whichever mode.
        for parallelism in [Parallelism::Auto, Parallelism::Sequential] {
            let opts = ReadOptions { parallelism, ..ReadOptions::default() };
            assert!(matches!(read(&inputs, &opts, &NoProgress, Summary::new), Err(SourceError::Walk { .. })));
        }
    }

    #[test]
    fn files_are_named_in_walk_order_and_the_total_grows_as_they_are_found() {
        struct Total(std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64);
        impl Progress for Total {
            fn start(&self, total: u64) {
                self.0.store(total, std::sync::atomic::Ordering::Relaxed);
            }
            fn grow(&self, bytes: u64) {
                self.0.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
            }
            fn advance(&self, bytes: u64) {
                self.1.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut names = Vec::new();
        for i in (0..50).rev() {
            let p = dir.path().join(format!("d{}/f{i:02}.log", i % 3));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, LINES).unwrap();
            names.push(p.display().to_string());
        }
        names.sort();
        std::fs::write(dir.path().join(".hidden.log"), "garbage\n").unwrap();
        let progress = Total(Default::default(), Default::default());
        let (s, report) = read(&[Input::Path(dir.path().to_path_buf())], &ReadOptions::default(), &progress, Summary::new).unwrap();
        assert_eq!(s.counts.ok, 50);
        let got: Vec<&str> = (0..report.sources.len()).map(|i| report.sources.name(SourceId(i as u32))).collect();
        assert_eq!(got, names);
        let total = 50 * LINES.len() as u64;
        assert_eq!((report.bytes, progress.0.into_inner(), progress.1.into_inner()), (total, total, total));
    }
    /// Property tests (issue 9): flow logs written from random records, in the default
    /// format or a random custom field order behind a header line, parse back to the same
    /// records whatever the chunking, the reading path (streamed with any buffer size, split
    /// into pieces read in parallel) and the compression.
    mod roundtrip {
        use super::*;
        use crate::flowlog::field::Kind;
        use crate::flowlog::{Field, FlowRecord, DEFAULT_V2_FIELDS};
        use proptest::prelude::*;
        use std::net::IpAddr;

        /// A random value of one field, `None` for `-`.
        fn value(field: Field) -> BoxedStrategy<Option<String>> {
            let some = match field.kind() {
                Kind::Text => "[a-z0-9][a-z0-9_:/.-]{0,20}".boxed(),
                Kind::U8 => any::<u8>().prop_map(|v| v.to_string()).boxed(),
                Kind::U16 => any::<u16>().prop_map(|v| v.to_string()).boxed(),
                Kind::U64 => prop_oneof![any::<u64>(), 0u64..100_000].prop_map(|v| v.to_string()).boxed(),
                Kind::Addr => prop_oneof![
                    any::<[u8; 4]>().prop_map(|o| IpAddr::from(o).to_string()),
                    any::<u128>().prop_map(|v| IpAddr::from(v.to_be_bytes()).to_string()),
                ]
                .boxed(),
                Kind::Action => prop_oneof![Just("ACCEPT"), Just("REJECT")].prop_map(str::to_string).boxed(),
                Kind::LogStatus => prop_oneof![Just("OK"), Just("NODATA"), Just("SKIPDATA")].prop_map(str::to_string).boxed(),
                Kind::Direction => prop_oneof![Just("ingress"), Just("egress")].prop_map(str::to_string).boxed(),
            };
            proptest::option::weighted(0.85, some).boxed()
        }

        /// A format (the default v2 one, or a random subset of the catalogue in random
        /// order) and records of it, as column texts.
        fn log() -> impl Strategy<Value = (Vec<Field>, bool, Vec<Vec<Option<String>>>)> {
            let default = (Just(DEFAULT_V2_FIELDS.to_vec()), any::<bool>());
            let custom = (Just(Field::ALL.to_vec()).prop_shuffle(), 1..Field::ALL.len())
                .prop_map(|(fields, n)| fields[..n].to_vec())
                .prop_map(|f| (f, true));
            prop_oneof![default, custom].prop_flat_map(|(fields, header)| {
                let row: Vec<_> = fields.iter().map(|&f| value(f)).collect();
                (Just(fields), Just(header), proptest::collection::vec(row, 0..40))
            })
        }

        fn text(fields: &[Field], header: bool, rows: &[Vec<Option<String>>], crlf: bool) -> String {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut out = String::new();
            if header {
                out.push_str(&fields.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "));
                out.push_str(end);
            }
            for row in rows {
                out.push_str(&row.iter().map(|v| v.as_deref().unwrap_or("-")).collect::<Vec<_>>().join(" "));
                out.push_str(end);
            }
            out
        }

        /// Every column and every typed accessor of a record.
        fn render(r: &FlowRecord<'_>) -> String {
            let columns: Vec<String> = r.fields().map(|(n, v)| format!("{n}={}", v.unwrap_or("-"))).collect();
            format!(
                "{} | {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                columns.join(" "),
                r.version(),
                r.interface_id(),
                r.srcaddr(),
                r.dstaddr(),
                r.pkt_srcaddr(),
                r.pkt_dstaddr(),
                r.srcport(),
                r.dstport(),
                r.protocol(),
                r.packets(),
                r.bytes(),
                r.start(),
                r.end(),
                r.action(),
                r.log_status(),
                r.tcp_flags().map(|f| f.0),
                r.direction()
            )
        }

        /// Collects (position, rendering) of every record; merging appends.
        #[derive(Default)]
        struct Collect(Vec<(Position, String)>);

        impl RecordSink for Collect {
            fn record(&mut self, position: Position, record: &FlowRecord<'_>) {
                self.0.push((position, render(record)));
            }
            fn malformed(&mut self, position: Position, error: ParseError) {
                self.0.push((position, format!("malformed: {error}")));
            }
            fn filtered(&mut self, position: Position) {
                self.0.push((position, "filtered".to_string()));
            }
            fn merge(&mut self, other: Self) {
                self.0.extend(other.0);
            }
        }

        /// The records a reading path produced, as (file line, rendering) in line order.
        fn lines(sink: Collect, sources: &Sources) -> Vec<(u64, String)> {
            let mut out: Vec<(u64, String)> = sink.0.iter().map(|(p, r)| (sources.resolve(p).line.unwrap_or(0), r.clone())).collect();
            out.sort();
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

            #[test]
            fn records_survive_any_chunking_reading_path_and_compression(
                (fields, header, rows) in log(),
                crlf in any::<bool>(),
                pieces in proptest::collection::vec(1usize..300, 1..8),
                piece_size in 40u64..400,
                buffer_size in 1usize..64,
            ) {
                let format = Format::from_fields(&fields).unwrap();
                // What each record must be: every column's text and, for typed fields, the
                // value written (parsed one line at a time, the CloudWatch path).
                let mut one = ParserBuilder::new().format(format.clone()).build();
                let mut expected = Vec::new();
                let first = 1 + header as u64;
                for (i, row) in rows.iter().enumerate() {
                    let line = row.iter().map(|v| v.as_deref().unwrap_or("-")).collect::<Vec<_>>().join(" ");
                    let r = one.parse_line(line.as_bytes()).unwrap();
                    for (f, v) in fields.iter().zip(row) {
                        prop_assert_eq!(r.get(*f), v.as_deref(), "{}", f.name());
                        let typed = match f.kind() {
                            Kind::Addr => r.get(*f).map(|t| t.parse::<IpAddr>().map(|a| a.to_string()).unwrap()),
                            Kind::U8 | Kind::U16 | Kind::U64 => r.get_u64(*f).map(|n| n.to_string()),
                            _ => v.clone(),
                        };
                        prop_assert_eq!(&typed, v, "{}", f.name());
                    }
                    match (r.srcaddr(), fields.iter().position(|f| *f == Field::SrcAddr).and_then(|i| row[i].as_deref())) {
                        (Some(a), Some(t)) => prop_assert_eq!(a, t.parse::<IpAddr>().unwrap()),
                        (a, t) => prop_assert!(a.is_none() && t.is_none()),
                    }
                    expected.push((first + i as u64, render(&r)));
                }
                let log = text(&fields, header, &rows, crlf);
                // Without a header line the reader must be told the format.
                let opts = ReadOptions { format: format.clone(), ..ReadOptions::default() };

                // The parser fed in random-size pieces.
                let mut p = ParserBuilder::new().format(format.clone()).build();
                let mut got = Collect::default();
                let mut buf: Vec<u8> = Vec::new();
                let mut rest = log.as_bytes();
                let mut sizes = pieces.iter().cycle();
                while !rest.is_empty() {
                    let n = (*sizes.next().unwrap()).min(rest.len());
                    buf.extend_from_slice(&rest[..n]);
                    rest = &rest[n..];
                    let used = p.feed(&buf, |line, r| got.0.push((Position::Line { source: SourceId(0), chunk: 0, line }, r.map(|r| render(&r)).unwrap_or_else(|e| format!("malformed: {e}")))));
                    buf.drain(..used);
                }
                p.finish(&buf, |line, r| got.0.push((Position::Line { source: SourceId(0), chunk: 0, line }, r.map(|r| render(&r)).unwrap_or_else(|e| format!("malformed: {e}")))));
                let mut sources = Sources::new();
                sources.add("-");
                prop_assert_eq!(&lines(got, &sources), &expected, "fed in pieces of {:?}", pieces);

                // Files: plain (split into pieces read in parallel, or streamed through a tiny
                // buffer) and gzip (several members, as concatenated .gz files are).
                let dir = tempfile::tempdir().unwrap();
                let plain = dir.path().join("log");
                std::fs::write(&plain, &log).unwrap();
                let gzip = dir.path().join("log.gz");
                let mut gz = Vec::new();
                for part in log.as_bytes().chunks(pieces[0] * 7) {
                    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    enc.write_all(part).unwrap();
                    gz.extend(enc.finish().unwrap());
                }
                std::fs::write(&gzip, &gz).unwrap();
                let split = ReadOptions { piece_size, ..opts.clone() };
                let streamed = ReadOptions { parallelism: Parallelism::Sequential, buffer_size, ..opts.clone() };
                let piped = ReadOptions { pipeline_gzip: 0, buffer_size, ..opts.clone() };
                for (path, o, what) in [(&plain, &split, "split"), (&plain, &streamed, "streamed"), (&gzip, &split, "gzip"), (&gzip, &streamed, "gzip streamed"), (&gzip, &piped, "gzip inflated on its own thread")] {
                    let (sink, report) = read(&[Input::Path(path.clone())], o, &NoProgress, Collect::default).unwrap();
                    prop_assert!(report.damaged.is_empty(), "{}: {:?}", what, report.damaged);
                    prop_assert_eq!(&lines(sink, &report.sources), &expected, "{}", what);
                }
            }
        }
    }
}

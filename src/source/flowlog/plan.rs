//! Planning: each input named in the source table and turned into work, a whole stream
//! or, for a large plain file, pieces that start at line starts.

use super::{io_err, Input, Parallelism, Progress, ReadOptions, SourceError};
use crate::flowlog::{Format, SourceId, Sources};
use std::fs::File;
use std::io::{self};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// One unit of work.
#[derive(Debug)]
pub(super) enum Work {
    /// A whole file or stdin, read as a stream (gzip or plain); `len` is its size (stdin:
    /// `u64::MAX`, unknown).
    Stream { source: SourceId, path: Option<PathBuf>, len: u64 },
    /// A piece of a large plain file: bytes `start..end`, which begin and end at line starts.
    Piece { source: SourceId, path: PathBuf, chunk: u32, start: u64, end: u64, format: Option<Format>, kind: PieceKind },
}

impl Work {
    /// The bytes this item reads, for batching.
    pub(super) fn weight(&self) -> u64 {
        match *self {
            Work::Stream { len, .. } => len,
            Work::Piece { start, end, .. } => end - start,
        }
    }
}

/// What a piece holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PieceKind {
    /// Whole lines, read and parsed.
    Lines,
    /// One line longer than the limit: reported, not read.
    LongLine,
}

/// Names one input in the source table and turns it into work: the whole input as a stream,
/// or a large plain file as pieces.
pub(super) fn plan(input: Input, opts: &ReadOptions, sources: &mut Sources, total: &mut u64, progress: &dyn Progress) -> Result<Vec<Work>, SourceError> {
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

/// Whether the file starts with Parquet's magic bytes (`PAR1`).
pub(super) fn is_parquet_file(file: &File) -> io::Result<bool> {
    let mut magic = [0u8; 4];
    let n = file.read_at(&mut magic, 0)?;
    Ok(n == 4 && &magic == b"PAR1")
}

pub(super) fn is_gzip_file(file: &File) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let n = file.read_at(&mut magic, 0)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// Splits a plain file into pieces that start at line starts, and reads its header line. A
/// line longer than the limit that crosses a piece boundary becomes its own `LongLine` item,
/// so no piece spans more than `piece_size + max_line_len` bytes.
pub(super) fn plan_pieces(file: &File, path: &Path, source: SourceId, len: u64, opts: &ReadOptions, work: &mut Vec<Work>) -> io::Result<()> {
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
pub(super) fn read_line_at(file: &File, offset: u64, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; max.min(1 << 20) + 1];
    let n = file.read_at(&mut buf, offset)?;
    buf.truncate(n);
    Ok(memchr::memchr(b'\n', &buf).map(|i| buf[..i].to_vec()))
}

/// The offset just after the first newline at or after `from`: `Some(len)` at the end of the
/// file, `None` when there is no newline before `limit`.
pub(super) fn next_line_start(file: &File, from: u64, len: u64, limit: Option<u64>) -> io::Result<Option<u64>> {
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
pub(super) fn line_start_before(file: &File, at: u64, floor: u64) -> io::Result<u64> {
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

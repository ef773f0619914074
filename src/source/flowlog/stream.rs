//! Byte streams through the parser: a buffer refilled and parsed line by line, and for
//! large gzip streams, inflation on a thread of its own while the worker parses.

use super::{Progress, ReadOptions};
use super::gzip::{Counting, RatioExceeded, RatioLimit};
use crate::flowlog::{Parser, ParserBuilder, Position, RecordSink, SourceId};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

pub(super) enum StreamError {
    /// The input could not be opened or read at all.
    Open(io::Error),
    /// It broke off part-way.
    Damaged { reason: String, records_before: u64 },
    /// A gzip stream expanded past the ratio limit.
    Ratio(RatioExceeded),
}

/// The default [`ReadOptions::pipeline_gzip`]: gzip streams at least this large are inflated
/// on a thread of their own while the worker parses, so one big file is limited by
/// decompression rather than by decompression plus parsing. Smaller files are not worth a
/// thread: an S3 delivery is thousands of small files, which the workers already read in
/// parallel.
pub const DEFAULT_PIPELINE_GZIP: u64 = 4 << 20;

/// Decompressed bytes handed from the inflating thread to the parser at a time.
pub(super) const PIPELINE_CHUNK: usize = 1 << 20;

pub(super) fn stream<R: Read + Send, S: RecordSink>(input: R, len: u64, source: SourceId, opts: &ReadOptions, progress: &dyn Progress, sink: &mut S) -> Result<(), StreamError> {
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
pub(super) fn pump<R: Read>(input: &mut R, full: &SyncSender<io::Result<Vec<u8>>>, empty: &Receiver<Vec<u8>>) {
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
pub(super) struct Pipe {
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
pub(super) fn parse_stream<R: Read, S: RecordSink>(mut input: R, parser: &mut Parser, source: SourceId, chunk: u32, opts: &ReadOptions, sink: &mut S) -> Result<(), StreamError> {
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

pub(super) fn damage_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated gzip stream (unexpected end of file)".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => format!("corrupt gzip stream: {e}"),
        _ => format!("read error: {e}"),
    }
}

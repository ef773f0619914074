//! Gzip limits: the expansion ratio past which a stream is treated as a decompression bomb,
//! and the byte counting it needs.

use super::{Progress, GZIP_RATIO_FLOOR};
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// The error a [`RatioLimit`] reader returns when a gzip stream expands too much.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("gzip stream expands more than {limit} times its size")]
pub(super) struct RatioExceeded {
    pub(super) limit: u64,
    pub(super) decompressed: u64,
    pub(super) compressed: u64,
}

/// Counts bytes into the progress reporter and into `count`.
pub(super) struct Counting<'p, R> {
    pub(super) inner: R,
    pub(super) progress: &'p dyn Progress,
    pub(super) count: &'p AtomicU64,
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
pub(super) struct RatioLimit<'c, R> {
    pub(super) inner: R,
    pub(super) compressed: &'c AtomicU64,
    pub(super) decompressed: u64,
    pub(super) limit: u64,
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

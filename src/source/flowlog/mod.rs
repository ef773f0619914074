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
//! not stop the run: the records before the damage count, and the damage is reported.//!
//! Units: `walk` lists the inputs' files lazily, `plan` names each in the source table and
//! turns it into work (a stream, or pieces of a large plain file), `read` runs the work on
//! rayon's workers, `stream` feeds byte streams (pipelined gzip included) through the
//! parser, and `gzip` holds the decompression limits.

use crate::flowlog::parser::DEFAULT_MAX_LINE_LEN;
use crate::flowlog::{Format, SourceId, Sources};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod gzip;
mod plan;
mod read;
mod stream;
mod walk;

#[cfg(feature = "aws")]
pub(crate) use read::{read_object, read_parquet_object};
pub use read::{read, read_filtered};
pub use stream::DEFAULT_PIPELINE_GZIP;
pub use walk::{expand, walk};


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

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SourceError + '_ {
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

/// The workers' sinks, each finished, merged into one (`None` when no worker made one).
pub(crate) fn merge_slots<S: crate::flowlog::RecordSink>(slots: Vec<Mutex<Option<S>>>) -> Option<S> {
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
    merged
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flowlog::{ParseError, ParserBuilder, Position, RecordSink};
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

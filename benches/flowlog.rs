//! Parse and aggregation throughput of the flow-log parser on generated default-format logs
//! (bytes per second, one thread; the `gzip` group reads a `.gz` file through the reader
//! against inflating it alone). Each iteration checks the record count, so the benchmark
//! cannot quietly measure nothing. The whole-binary comparison with DuckDB is
//! `benches/flows-vs-duckdb.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vpcscope::analysis::explain::{explain, ExplainSink};
use vpcscope::flowlog::synth::{write_synthetic, SynthConfig};
use vpcscope::flowlog::{Parser, Position, RecordSink, SourceId, Sources, Summary};
use vpcscope::testgen::{network, write_flow_logs, FlowSpec, NetworkSpec};
use vpcscope::topology::Topology;

fn input(records: u64, conversations: u32) -> Vec<u8> {
    let cfg = SynthConfig { records, conversations, ..SynthConfig::default() };
    let mut out = Vec::new();
    write_synthetic(&cfg, &mut out).expect("generate");
    out
}

/// Parses `data` whole into `sink`, as a reader does (records to `record`, then `finish`).
fn feed<S: RecordSink>(data: &[u8], sink: &mut S) {
    let mut p = Parser::default();
    let used = p.feed(data, |line, r| {
        let position = Position::Line { source: SourceId(0), chunk: 0, line };
        match r {
            Ok(r) => sink.record(position, &r),
            Err(e) => sink.malformed(position, e),
        }
    });
    assert_eq!(used, data.len());
    sink.finish();
}

fn bench(c: &mut Criterion) {
    const RECORDS: u64 = 200_000;
    let data = input(RECORDS, 20_000);
    let mut g = c.benchmark_group("flowlog");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);

    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut p = Parser::default();
            let mut n = 0u64;
            let mut bytes = 0u64;
            let used = p.feed(&data, |_, r| {
                if let Ok(r) = r {
                    n += 1;
                    bytes += r.bytes().unwrap_or(0);
                }
            });
            assert_eq!(used, data.len());
            assert_eq!(n, RECORDS);
            bytes
        })
    });

    g.bench_function("summary", |b| {
        b.iter(|| {
            let mut s = Summary::new();
            feed(&data, &mut s);
            assert_eq!(s.counts.total, RECORDS);
            s.conversations.len()
        })
    });

    g.bench_function("chunked-64k", |b| {
        b.iter(|| {
            let mut p = Parser::default();
            let mut s = Summary::new();
            let mut tail: Vec<u8> = Vec::new();
            for chunk in data.chunks(64 << 10) {
                tail.extend_from_slice(chunk);
                let used = p.feed(&tail, |_, r| {
                    if let Ok(r) = r {
                        s.add(&r);
                    }
                });
                tail.drain(..used);
            }
            p.finish(&tail, |_, r| {
                if let Ok(r) = r {
                    s.add(&r);
                }
            });
            assert_eq!(s.counts.total, RECORDS);
            s.conversations.len()
        })
    });
    g.finish();
}

/// `flows explain` against `flows summary` on the same records (generated between the
/// interfaces of a generated 2,000-interface network, as `benches/explain-vs-summary.sh` does
/// at full scale): the summary is the baseline, the target is explain <= 1.5x summary.
fn bench_explain(c: &mut Criterion) {
    const RECORDS: u64 = 400_000;
    let model = vpcscope::source::snapshot::load_documents(network(&NetworkSpec::with_enis(2000))).expect("generated network loads").model;
    let topo = Topology::new(&model);
    let mut data = Vec::new();
    write_flow_logs(&model, &FlowSpec { records: RECORDS, connections: 40_000, reject_every: 10, seed: 3 }, &mut data).expect("generate");
    let mut sources = Sources::new();
    sources.add("flows.log");
    let mut g = c.benchmark_group("explain");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("summary (baseline)", |b| {
        b.iter(|| {
            let mut s = Summary::new();
            feed(&data, &mut s);
            assert_eq!(s.counts.total, RECORDS);
            vpcscope::flowlog::render::SummaryReport::new(&s, &sources, Vec::new(), 10).conversations_total
        })
    });
    g.bench_function("explain", |b| {
        b.iter(|| {
            let mut s = ExplainSink::new();
            feed(&data, &mut s);
            let report = explain(&topo, &s, &sources);
            assert_eq!(report.records.total, RECORDS);
            assert!(!report.findings.is_empty());
            report.findings.len()
        })
    });
    g.finish();
}

/// Gzip input: the summary of one large `.gz` file against inflating it alone (the baseline:
/// the same zlib-rs backend, output thrown away), with inflation on its own thread (what
/// `flows summary` does for large gzip files) and on the reading worker.
fn bench_gzip(c: &mut Criterion) {
    use std::io::Write;
    use vpcscope::source::flowlog::{read, Input, NoProgress, ReadOptions};
    const RECORDS: u64 = 400_000;
    let data = input(RECORDS, 20_000);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&data).expect("compress");
    let gz = enc.finish().expect("compress");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("flows.log.gz");
    std::fs::write(&path, &gz).expect("write");
    let mut g = c.benchmark_group("gzip");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("inflate only (baseline)", |b| {
        // Read as the reader reads: a 128 KiB buffered input, 1 MiB of output at a time.
        let mut out = vec![0u8; 1 << 20];
        b.iter(|| {
            use std::io::Read;
            let mut d = flate2::bufread::MultiGzDecoder::new(std::io::BufReader::with_capacity(128 << 10, &gz[..]));
            let mut n = 0;
            loop {
                match d.read(&mut out).expect("inflate") {
                    0 => break,
                    k => n += k,
                }
            }
            assert_eq!(n, data.len());
            n
        })
    });
    for (name, pipeline_gzip) in [("summary, inflated on its own thread", 0), ("summary, inflated by the worker", u64::MAX)] {
        let opts = ReadOptions { pipeline_gzip, ..ReadOptions::default() };
        g.bench_function(name, |b| {
            b.iter(|| {
                let (s, _) = read(&[Input::Path(path.clone())], &opts, &NoProgress, Summary::new).expect("read");
                assert_eq!(s.counts.total, RECORDS);
                s.conversations.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_explain, bench_gzip);
criterion_main!(benches);

//! Parse and aggregation throughput of the flow-log parser on generated default-format logs
//! (bytes per second, one thread). Each iteration checks the record count, so the benchmark
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
            let mut p = Parser::default();
            let mut s = Summary::new();
            p.feed(&data, |line, r| {
                if let Ok(r) = r {
                    s.record(Position::Line { source: SourceId(0), chunk: 0, line }, &r);
                }
            });
            s.finish();
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
            let mut p = Parser::default();
            let mut s = Summary::new();
            p.feed(&data, |line, r| {
                if let Ok(r) = r {
                    s.record(Position::Line { source: SourceId(0), chunk: 0, line }, &r);
                }
            });
            s.finish();
            assert_eq!(s.counts.total, RECORDS);
            vpcscope::flowlog::render::SummaryReport::new(&s, &sources, Vec::new(), 10).conversations_total
        })
    });
    g.bench_function("explain", |b| {
        b.iter(|| {
            let mut p = Parser::default();
            let mut s = ExplainSink::new();
            p.feed(&data, |line, r| {
                if let Ok(r) = r {
                    s.record(Position::Line { source: SourceId(0), chunk: 0, line }, &r);
                }
            });
            let report = explain(&topo, &s, &sources);
            assert_eq!(report.records.total, RECORDS);
            assert!(!report.findings.is_empty());
            report.findings.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_explain);
criterion_main!(benches);

//! Parse and aggregation throughput of the flow-log parser on generated default-format logs
//! (bytes per second, one thread). Each iteration checks the record count, so the benchmark
//! cannot quietly measure nothing. The whole-binary comparison with DuckDB is
//! `benches/flows-vs-duckdb.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vpcscope::flowlog::synth::{write_synthetic, SynthConfig};
use vpcscope::flowlog::{Parser, Summary};

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
            p.feed(&data, |_, r| {
                if let Ok(r) = r {
                    s.add(&r);
                }
            });
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

criterion_group!(benches, bench);
criterion_main!(benches);

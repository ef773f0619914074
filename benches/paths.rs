//! Attack paths (`paths::paths`, internet -> databases, 3 hops, pivot on any port) on
//! generated networks of 1,000 and 10,000 interfaces, against the all-pairs matrix on the
//! same network (the matrix is paths' first phase, so the ratio is what the graph adds); and the
//! structure graph at subnet level on 10,000 interfaces, against building the topology
//! indexes of the same network. Baselines are measured in the same run, so the results read
//! as ratios that hold on any machine.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use vpcscope::analysis::matrix::{Matrix, MatrixOptions};
use vpcscope::analysis::paths::{self, Options, Pivot, Source, Targets};
use vpcscope::source::snapshot;
use vpcscope::testgen::{network, NetworkSpec};
use vpcscope::topology::graph::{Level, Structure};
use vpcscope::topology::Topology;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("paths");
    g.sample_size(10);
    let loaded = snapshot::load_documents(network(&NetworkSpec::with_enis(1_000))).unwrap();
    let topo = Topology::new(&loaded.model);
    g.bench_with_input(BenchmarkId::new("matrix_baseline", 1000), &1000, |b, _| {
        b.iter(|| {
            let m = Matrix::compute(&topo, &MatrixOptions::default());
            assert!(m.stats.reachable_class_pairs > 0);
            black_box(m.stats.classes)
        })
    });
    g.bench_with_input(BenchmarkId::new("internet_to_databases", 1000), &1000, |b, _| {
        b.iter(|| {
            let p = paths::paths(&topo, &Options { from: Source::Internet, to: Targets::Databases, max_hops: 3, pivot: Pivot::Any, top: 3 });
            assert!(p.any_path());
            black_box(p.graph.edges)
        })
    });
    let big = snapshot::load_documents(network(&NetworkSpec::with_enis(10_000))).unwrap();
    let topo = Topology::new(&big.model);
    // The target: paths on 10,000 interfaces, against the matrix on the same network.
    g.bench_with_input(BenchmarkId::new("matrix_baseline", 10000), &10000, |b, _| {
        b.iter(|| {
            let m = Matrix::compute(&topo, &MatrixOptions::default());
            assert!(m.stats.reachable_class_pairs > 0);
            black_box(m.stats.classes)
        })
    });
    g.bench_with_input(BenchmarkId::new("internet_to_databases", 10000), &10000, |b, _| {
        b.iter(|| {
            let p = paths::paths(&topo, &Options { from: Source::Internet, to: Targets::Databases, max_hops: 3, pivot: Pivot::Any, top: 3 });
            assert!(p.targets.len() > 10_000 && p.any_path());
            black_box(p.graph.edges)
        })
    });
    g.bench_with_input(BenchmarkId::new("topology_build_baseline", 10000), &10000, |b, _| {
        b.iter(|| {
            let t = Topology::new(&big.model);
            black_box(t.subnet_ix("subnet-0000000000000000"))
        })
    });
    g.bench_with_input(BenchmarkId::new("graph_subnet_level", 10000), &10000, |b, _| {
        b.iter(|| {
            let s = Structure::build(&topo, Level::Subnet);
            assert!(s.nodes().len() > 2000);
            black_box(s.edges().len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

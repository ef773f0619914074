//! All-pairs reachability (`Matrix::compute`, every TCP/UDP port and ICMP) on generated
//! networks of 1,000 and 10,000 interfaces. Two baselines are measured in the same run, so
//! the results read as ratios that hold on any machine: one single-flow `eval::evaluate`
//! between two interfaces of the 1,000-interface network ("the whole matrix costs N single
//! flows"), and building the `Topology` indexes of each network ("the matrix costs N
//! topology builds").

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::net::IpAddr;
use vpcscope::analysis::matrix::{Matrix, MatrixOptions};
use vpcscope::eval::{self, Endpoint, DEFAULT_SOURCE_PORT};
use vpcscope::model::Protocol;
use vpcscope::source::snapshot;
use vpcscope::testgen::{network, NetworkSpec};
use vpcscope::topology::Topology;

fn matrix(c: &mut Criterion) {
    let mut g = c.benchmark_group("matrix");
    g.sample_size(10);
    for enis in [1_000usize, 10_000] {
        let loaded = snapshot::load_documents(network(&NetworkSpec::with_enis(enis))).unwrap();
        let topo = Topology::new(&loaded.model);
        g.throughput(Throughput::Elements(loaded.model.enis.len() as u64));
        g.bench_with_input(BenchmarkId::new("topology_build_baseline", enis), &enis, |bch, _| {
            bch.iter(|| {
                let t = Topology::new(&loaded.model);
                black_box(t.subnet_ix("subnet-0000000000000000"))
            })
        });
        if enis == 1_000 {
            let e = &loaded.model.enis;
            let (a, b) = (100, e.len() - 100);
            let ip = |i: usize| e[i].private_ips.iter().copied().find(IpAddr::is_ipv4).unwrap();
            g.bench_function("single_flow_baseline", |bch| {
                bch.iter(|| {
                    let t = eval::evaluate(&topo, &Endpoint::Eni { ix: a, ip: ip(a) }, &Endpoint::Eni { ix: b, ip: ip(b) }, Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
                    assert!(!t.forward.hops.is_empty());
                })
            });
        }
        g.bench_with_input(BenchmarkId::new("all_ports", enis), &enis, |bch, _| {
            bch.iter(|| {
                let m = Matrix::compute(&topo, &MatrixOptions::default());
                assert!(m.stats.reachable_class_pairs > 0);
                black_box(m.stats.classes)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, matrix);
criterion_main!(benches);

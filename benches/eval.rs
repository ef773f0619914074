//! Snapshot loading and single-flow evaluation on a generated network of ~10,000 interfaces
//! (50 VPCs, 2,000 subnets, 2,000 security groups, a transit gateway).
//!
//! Baselines measured in the same run, so results read as ratios on any machine:
//! `load/json_parse_only` (reading and parsing the same files into `serde_json::Value`,
//! without building anything) for `load/snapshot`, and `reach/topology_lookup` (one hash
//! probe per endpoint) for the `reach/*` benches.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;
use vpcscope::analysis::reach::{reach, Query};
use vpcscope::model::Protocol;
use vpcscope::source::snapshot;
use vpcscope::testgen::{network, NetworkSpec};
use vpcscope::topology::Topology;

fn write(dir: &Path, enis: usize) -> u64 {
    let mut bytes = 0;
    for (origin, value) in network(&NetworkSpec::with_enis(enis)) {
        let path = dir.join(origin);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let data = serde_json::to_vec(&value).unwrap();
        bytes += data.len() as u64;
        std::fs::write(path, data).unwrap();
    }
    bytes
}

fn load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let bytes = write(dir.path(), 10_000);
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("json_parse_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for e in walkdir::WalkDir::new(dir.path()) {
                let e = e.unwrap();
                if e.file_type().is_file() {
                    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
                    n += v.as_object().map_or(0, |o| o.len());
                }
            }
            assert_eq!(n, 13);
        })
    });
    g.bench_function("snapshot", |b| {
        b.iter(|| {
            let loaded = snapshot::load(dir.path()).unwrap();
            assert!(loaded.model.enis.len() >= 10_000);
            let topo = Topology::new(&loaded.model);
            black_box(topo.eni_ix("eni-00000000000000000"));
        })
    });
    g.finish();
}

fn query(from: &str, to: &str, port: u16) -> Query {
    Query { from: from.into(), to: to.into(), protocol: Protocol::Tcp, port: Some(port), source_port: None }
}

fn reach_bench(c: &mut Criterion) {
    let loaded = snapshot::load_documents(network(&NetworkSpec::with_enis(10_000))).unwrap();
    let topo = Topology::new(&loaded.model);
    let enis = &loaded.model.enis;
    // Pairs across VPCs (through the transit gateway) and within one VPC.
    let far = (enis[300].id.to_string(), enis[enis.len() - 300].id.to_string());
    let near = (enis[1000].id.to_string(), enis[1010].id.to_string());
    // An ordinary interface with a public address (not the NAT gateway's, which refuses
    // every inbound connection and would time a sweep that never gets through).
    // The first such interface whose groups open a port to the world, with that port.
    let (public, open_port) = enis
        .iter()
        .filter(|e| e.kind == vpcscope::model::EniKind::Interface && !e.public_ips.is_empty())
        .find_map(|e| {
            let world = |r: &&vpcscope::model::SgRule| matches!(r.peer, vpcscope::model::SgPeer::Cidr(c) if c.prefix_len() == 0);
            e.security_groups.iter().filter_map(|g| topo.sg(g.as_str())).flat_map(|g| g.ingress.iter()).find(world).and_then(|r| match r.l4 {
                vpcscope::model::L4Match::Ports(p) => Some((e.id.to_string(), p.from)),
                _ => None,
            })
        })
        .unwrap();
    let crosses_tgw = |hops: &[vpcscope::eval::Hop]| hops.iter().any(|h| h.kind == vpcscope::eval::Kind::TransitGatewayRouteTable);
    let mut g = c.benchmark_group("reach");
    g.bench_function("topology_lookup", |b| b.iter(|| black_box((topo.eni_ix(&far.0), topo.eni_ix(&far.1)))));
    for (name, (a, z)) in [("same_vpc", &near), ("via_transit_gateway", &far)] {
        let through_tgw = name == "via_transit_gateway";
        g.bench_with_input(BenchmarkId::new("eni_to_eni", name), &(a, z), |b, (a, z)| {
            b.iter(|| {
                let ans = reach(&topo, &query(a, z, 443)).unwrap();
                // The pair is chosen for its path: the far pair crosses the transit gateway.
                assert_eq!(crosses_tgw(&ans.trace.forward.hops), through_tgw);
            })
        });
    }
    g.bench_function("internet_to_eni", |b| {
        b.iter(|| {
            let ans = reach(&topo, &query("internet", &public, open_port)).unwrap();
            // A real sweep: some outside range gets through the internet gateway.
            assert!(ans.internet_ranges.as_ref().is_some_and(|r| !r.is_empty()));
        })
    });
    g.finish();
}

/// Load balancers and inspection on the `web` sample: a flow to an ALB (the listener, then one
/// walk per target with its health checks, request and reply) and egress through a Network
/// Firewall, against a plain interface-to-interface flow of the same snapshot.
fn balancer_bench(c: &mut Criterion) {
    let loaded = snapshot::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/snapshots/web"))).unwrap();
    let topo = Topology::new(&loaded.model);
    let mut g = c.benchmark_group("reach_web");
    let cases = [
        ("eni_to_eni", "app-1", "orders-db", 5432, false),
        ("eni_to_alb_listener", "bastion", "shop-alb", 443, true),
        ("egress_through_firewall", "app-1", "8.8.8.8", 443, false),
        ("internet_to_alb_listener", "internet", "shop-alb", 443, true),
    ];
    for (name, from, to, port, balanced) in cases {
        g.bench_function(name, |b| {
            b.iter(|| {
                let ans = reach(&topo, &query(from, to, port)).unwrap();
                assert!(ans.trace.reachable);
                assert_eq!(ans.trace.balancer.is_some(), balanced);
            })
        });
    }
    g.finish();
}

/// A whole estate: ~114,500 interfaces in 500 VPCs over 50 accounts (`testgen::estate`, a
/// network account sharing the transit gateway), against the 10,000-interface one-account
/// network in the same run: the per-flow cost must not grow with the estate. The pairs cross
/// accounts through the shared transit gateway; the estate's load is timed by the scaling
/// script (`benches/estate-scaling.sh`), not here.
fn estate_bench(c: &mut Criterion) {
    let small = snapshot::load_documents(network(&NetworkSpec::with_enis(10_000))).unwrap();
    let big = snapshot::load_documents(vpcscope::testgen::estate(&NetworkSpec::with_enis(100_000), 50)).unwrap();
    let mut g = c.benchmark_group("reach_estate");
    for (name, loaded) in [("10k_one_account", &small), ("100k_50_accounts", &big)] {
        let topo = Topology::new(&loaded.model);
        let enis = &loaded.model.enis;
        let (a, z) = (enis[300].id.to_string(), enis[enis.len() - 300].id.to_string());
        let accounts = (topo.account_of(&a).map(str::to_owned), topo.account_of(&z).map(str::to_owned));
        if name.starts_with("100k") {
            assert_ne!(accounts.0, accounts.1, "the estate pair crosses accounts");
        }
        g.bench_with_input(BenchmarkId::new("eni_to_eni_via_transit_gateway", name), &(a, z), |b, (a, z)| {
            b.iter(|| {
                let ans = reach(&topo, &query(a, z, 443)).unwrap();
                assert!(ans.trace.forward.hops.iter().any(|h| h.kind == vpcscope::eval::Kind::TransitGatewayRouteTable));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, load, reach_bench, balancer_bench, estate_bench);
criterion_main!(benches);

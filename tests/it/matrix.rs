//! `matrix`: the all-pairs engine agrees with the single-flow evaluator (the reference) on
//! generated networks with random narrow rules, NAT detours and restrictive egress, and the
//! command prints the documented JSON contract.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::net::IpAddr;
use vpcscope::analysis::matrix::{Matrix, MatrixOptions};
use vpcscope::eval::{self, Endpoint, DEFAULT_SOURCE_PORT};
use vpcscope::model::{Model, PortRange, Protocol};
use vpcscope::source::snapshot;
use vpcscope::testgen::{network, NetworkSpec};
use vpcscope::topology::Topology;

use crate::util::vpcscope;

/// Deterministic edits that give small generated networks narrow rules (address and port
/// atoms), restricted egress, SG references in egress, and a route through a NAT gateway.
fn mutate(docs: &mut [(String, Value)], seed: u64) {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1;
    let mut next = move |n: usize| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % n.max(1) as u64) as usize
    };
    let ips: Vec<String> = docs
        .iter()
        .filter_map(|(_, v)| v.get("NetworkInterfaces"))
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["PrivateIpAddress"].as_str().map(str::to_string))
        .collect();
    let sg_ids: Vec<String> = docs
        .iter()
        .filter_map(|(_, v)| v.get("SecurityGroups"))
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .filter_map(|g| g["GroupId"].as_str().map(str::to_string))
        .collect();
    let ports = [22u16, 80, 443, 1024, 5432, 8080, 49152, 65535];
    for (_, v) in docs.iter_mut() {
        if let Some(acls) = v.get_mut("NetworkAcls").and_then(Value::as_array_mut) {
            for acl in acls.iter_mut() {
                for k in 0..2 {
                    let ip = &ips[next(ips.len())];
                    let len = [32, 28, 24][next(3)];
                    let port = ports[next(ports.len())];
                    let action = if next(2) == 0 { "deny" } else { "allow" };
                    let egress = next(2) == 0;
                    let entry = json!({"RuleNumber": 40 + k, "Protocol": "6", "RuleAction": action, "Egress": egress,
                        "CidrBlock": format!("{ip}/{len}"), "PortRange": {"From": port, "To": port}});
                    acl["Entries"].as_array_mut().map(|e| e.push(entry));
                }
                if next(4) == 0 {
                    let ip = &ips[next(ips.len())];
                    let entry = json!({"RuleNumber": 45, "Protocol": "1", "RuleAction": "deny", "Egress": next(2) == 0,
                        "CidrBlock": format!("{ip}/32"), "IcmpTypeCode": {"Type": -1, "Code": -1}});
                    acl["Entries"].as_array_mut().map(|e| e.push(entry));
                }
            }
        }
        if let Some(groups) = v.get_mut("SecurityGroups").and_then(Value::as_array_mut) {
            for g in groups.iter_mut() {
                match next(5) {
                    0 => {
                        let ip = &ips[next(ips.len())];
                        let p = ports[next(ports.len())];
                        g["IpPermissions"].as_array_mut().map(|r| {
                            r.push(json!({"IpProtocol": "tcp", "FromPort": p, "ToPort": p.saturating_add(100), "IpRanges": [{"CidrIp": format!("{ip}/32")}]}))
                        });
                    }
                    1 => {
                        let peer = &sg_ids[next(sg_ids.len())];
                        g["IpPermissionsEgress"] = json!([{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": peer}]},
                            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/9"}]}]);
                    }
                    2 => {
                        g["IpPermissions"].as_array_mut().map(|r| r.push(json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})));
                    }
                    3 => {
                        g["IpPermissions"].as_array_mut().map(|r| r.push(json!({"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})));
                    }
                    _ => {}
                }
            }
        }
        if let Some(rts) = v.get_mut("RouteTables").and_then(Value::as_array_mut) {
            // VPC 0's private subnets reach VPC 1 through VPC 0's NAT gateway: the destination
            // then sees the NAT's address (the engine falls back to the evaluator).
            if next(2) == 0 {
                if let Some(rt) = rts.iter_mut().find(|r| r["RouteTableId"].as_str().is_some_and(|id| id.starts_with("rtb-r") && id.ends_with("000"))) {
                    rt["Routes"].as_array_mut().map(|r| {
                        r.push(json!({"DestinationCidrBlock": "10.0.64.0/18", "NatGatewayId": "nat-0000000000000000", "Origin": "CreateRoute", "State": "active"}))
                    });
                }
            }
        }
    }
}

pub(crate) fn small(seed: u64, vpcs: usize, subnets: usize, enis: usize, sgs: usize) -> Model {
    let spec = NetworkSpec { vpcs, subnets_per_vpc: subnets, enis_per_subnet: enis, sgs_per_vpc: sgs, seed };
    let mut docs = network(&spec);
    mutate(&mut docs, seed);
    snapshot::load_documents(docs).expect("load generated network").model
}

const PROBES: &[(Protocol, u16)] = &[
    (Protocol::Tcp, 22),
    (Protocol::Tcp, 80),
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 544),
    (Protocol::Tcp, 1024),
    (Protocol::Tcp, 5432),
    (Protocol::Tcp, 5433),
    (Protocol::Tcp, 8080),
    (Protocol::Tcp, 65535),
    (Protocol::Udp, 53),
    (Protocol::Udp, 54),
    (Protocol::Icmp, 0),
];

fn v4(m: &Model, ix: usize) -> Option<IpAddr> {
    m.enis[ix].private_ips.iter().copied().find(IpAddr::is_ipv4)
}

/// Every (src, dst, probe) the sampler picks must agree with `eval::evaluate`.
fn agree(m: &Model, picks: &[(usize, usize, usize)]) -> Result<(usize, usize, u64), String> {
    let topo = Topology::new(m);
    let mx = Matrix::compute(&topo, &MatrixOptions::default());
    let (mut yes, mut no) = (0, 0);
    for &(a, b, p) in picks {
        let (a, b) = (a % m.enis.len(), b % m.enis.len());
        let (Some(ia), Some(ib)) = (v4(m, a), v4(m, b)) else { continue };
        if a == b {
            continue;
        }
        let (proto, port) = PROBES[p % PROBES.len()];
        let t = eval::evaluate(&topo, &Endpoint::Eni { ix: a, ip: ia }, &Endpoint::Eni { ix: b, ip: ib }, proto, DEFAULT_SOURCE_PORT, port);
        let got = mx.reachable(a, b, proto, port);
        // Generated interfaces have unique addresses: the matrix decides every flow.
        if mx.decide(a, b, proto, port) != Some(got) {
            return Err(format!("{} -> {} {proto} {port}: decide says {:?}, reachable says {got}", m.enis[a].id, m.enis[b].id, mx.decide(a, b, proto, port)));
        }
        if got { yes += 1 } else { no += 1 }
        if got != t.reachable {
            return Err(format!(
                "{} -> {} {proto} {port}: matrix says {got}, evaluator says {} ({:?})",
                m.enis[a].id,
                m.enis[b].id,
                t.reachable,
                t.blocked_by.map(|b| vpcscope::report::words::explanation(&b))
            ));
        }
    }
    Ok((yes, no, mx.stats.fallback_evaluations))
}

#[test]
fn matrix_agrees_with_the_evaluator_on_every_pair_of_a_small_network() {
    let (mut yes, mut no, mut fallbacks) = (0, 0, 0);
    for seed in [1, 2, 3] {
        let m = small(seed, 3, 6, 2, 4);
        let n = m.enis.len();
        let picks: Vec<(usize, usize, usize)> = (0..n).flat_map(|a| (0..n).flat_map(move |b| (0..PROBES.len()).map(move |p| (a, b, p)))).collect();
        let (y, n, f) = agree(&m, &picks).unwrap();
        (yes, no, fallbacks) = (yes + y, no + n, fallbacks + f);
    }
    // The comparison means something: both answers occur, and NAT detours took the fallback.
    assert!(yes > 100 && no > 100 && fallbacks > 0, "{yes} reachable, {no} not, {fallbacks} fallbacks");
}

/// `eval::evaluate_verdict` (the walks the matrix makes) is the same walk as `eval::evaluate`
/// keeping no steps: the same verdict, dispositions, ACL crossings, translations, blocking
/// component and fix.
#[test]
fn verdict_walks_decide_like_walks_with_steps_and_keep_none() {
    let key = |t: &eval::Trace| {
        let legs: Vec<_> = std::iter::once(&t.forward).chain(t.ret.as_ref()).map(|l| (l.disposition, l.acls.clone(), l.translated)).collect();
        (t.reachable, t.verdict, legs, t.blocked_by.clone(), t.fix.clone())
    };
    let mut compared = 0;
    for seed in [1, 2] {
        let m = small(seed, 3, 6, 2, 4);
        let topo = Topology::new(&m);
        let outside: IpAddr = "198.51.100.7".parse().unwrap();
        let mut ends: Vec<Endpoint> = (0..m.enis.len()).filter_map(|i| v4(&m, i).map(|ip| Endpoint::Eni { ix: i, ip })).collect();
        ends.push(Endpoint::External(outside));
        for a in &ends {
            for b in &ends {
                for &(proto, port) in &PROBES[..4] {
                    let t = eval::evaluate(&topo, a, b, proto, DEFAULT_SOURCE_PORT, port);
                    let v = eval::evaluate_verdict(&topo, a, b, proto, DEFAULT_SOURCE_PORT, port);
                    assert_eq!(key(&t), key(&v), "{a:?} -> {b:?} {proto} {port}");
                    assert!(v.forward.hops.is_empty() && v.ret.as_ref().is_none_or(|r| r.hops.is_empty()));
                    assert!(!t.forward.hops.is_empty());
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 1000);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn matrix_agrees_with_the_evaluator_on_sampled_flows(
        seed in 1u64..10_000,
        vpcs in 1usize..4,
        subnets in 3usize..8,
        enis in 1usize..4,
        sgs in 1usize..6,
        picks in proptest::collection::vec((0usize..400, 0usize..400, 0usize..64), 150),
    ) {
        let m = small(seed, vpcs, subnets, enis, sgs);
        if let Err(e) = agree(&m, &picks) {
            prop_assert!(false, "{}", e);
        }
    }
}

#[test]
fn matrix_json_lists_classes_rows_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    for (origin, value) in network(&NetworkSpec { vpcs: 2, subnets_per_vpc: 4, enis_per_subnet: 2, sgs_per_vpc: 3, seed: 5 }) {
        let path = dir.path().join(origin);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(&value).unwrap()).unwrap();
    }
    let run = vpcscope(["matrix", "--snapshot", dir.path().to_str().unwrap(), "--ports", "tcp/22,tcp/443,icmp", "--format", "json"]);
    let v = run.json();
    // Exit 0 exactly when some pair is reachable.
    assert_eq!(run.code, if v["reachable"].as_array().unwrap().is_empty() { 1 } else { 0 }, "{}", run.stderr);
    let classes = v["classes"].as_array().unwrap();
    assert!(!classes.is_empty());
    assert!(classes[0]["interfaces"].as_array().is_some_and(|i| !i.is_empty()));
    assert!(classes[0]["subnet"].as_str().is_some_and(|s| s.starts_with("subnet-")));
    for row in v["reachable"].as_array().unwrap() {
        assert!(row["to_class"].is_u64());
        assert!(["tcp", "icmp"].contains(&row["protocol"].as_str().unwrap()));
        assert!(row["from_classes"].as_array().is_some_and(|r| !r.is_empty()));
    }
    assert_eq!(v["stats"]["classes"].as_u64(), Some(classes.len() as u64));
    // Text and CSV render the same matrix.
    let text = vpcscope(["matrix", "--snapshot", dir.path().to_str().unwrap(), "--ports", "tcp/22,tcp/443,icmp"]);
    let head = format!("{} interfaces in {} classes", v["stats"]["interfaces"], v["stats"]["classes"]);
    assert!(text.stdout.starts_with(&head), "{head}\n{}", text.stdout);
    assert!(text.stdout.contains(&format!("{} class pairs", v["stats"]["reachable_class_pairs"])), "{}", text.stdout);
    let csv = vpcscope(["matrix", "--snapshot", dir.path().to_str().unwrap(), "--ports", "22", "--format", "csv", "--to", "vpc-0000000000000001"]);
    assert!(csv.stdout.starts_with("to_class,protocol,ports,from_class_first,from_class_last,to_interfaces,from_interfaces\n"), "{}", csv.stdout);
}

#[test]
fn matrix_rejects_unknown_selectors_and_ports() {
    let run = vpcscope(["matrix", "--snapshot", "samples/snapshots/shop", "--from", "sg-nope"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("selector `sg-nope` matches no interface"), "{}", run.stderr);
    let run = vpcscope(["matrix", "--snapshot", "samples/snapshots/shop", "--ports", "sctp/9"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("sctp"), "names the bad part: {}", run.stderr);
}

#[test]
fn selectors_take_names_like_reach_and_a_miss_suggests_the_closest() {
    let shop = crate::util::sample("snapshots/shop");
    let s = shop.to_str().unwrap();
    // Name tags and RDS identifiers, as reach takes them.
    let r = vpcscope(["matrix", "--quiet", "--snapshot", s, "--from", "app-1", "--to", "orders-db", "--ports", "5432", "--format", "json"]);
    assert_ne!(r.code, 2, "{}", r.stderr);
    let j = r.json();
    let ifaces: Vec<&str> = j["classes"].as_array().unwrap().iter().flat_map(|c| c["interfaces"].as_array().unwrap().iter().map(|i| i.as_str().unwrap())).collect();
    assert_eq!(ifaces.len(), 2);
    assert!(ifaces.contains(&"eni-0a1b2c3d4e5f600a1") && ifaces.contains(&"eni-0a1b2c3d4e5f600d1"), "{ifaces:?}");
    // A typo: an error that names the closest names.
    let r = vpcscope(["matrix", "--quiet", "--snapshot", s, "--from", "ordres-db"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("selector `ordres-db` matches no interface in the snapshot (did you mean `orders-db`?)"), "{}", r.stderr);
    let r = vpcscope(["reach", "--quiet", "--snapshot", s, "--from", "app1", "--to", "orders-db"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown endpoint `app1` (did you mean `app-1`?)"), "{}", r.stderr);
}

/// By default the sources are the interfaces that open connections: a NAT gateway's
/// interface is a destination class, never a source. Classes name their interfaces, and the
/// CSV (format taken from the `--output` extension) lists the member interfaces with their
/// names so that it reads without the class table.
#[test]
fn nat_interfaces_are_not_sources_and_the_csv_names_its_interfaces() {
    let v = vpcscope(["matrix", "--snapshot", "samples/snapshots/shop", "--format", "json"]).json();
    let classes = v["classes"].as_array().expect("classes");
    let nat = classes.iter().find(|c| c["interfaces"][0] == "eni-0a1b2c3d4e5f600n1").expect("the NAT gateway's interface has a class");
    assert_eq!((nat["source"].as_bool(), nat["destination"].as_bool()), (Some(false), Some(true)), "{nat}");
    let web = classes.iter().find(|c| c["interfaces"][0] == "eni-0a1b2c3d4e5f600w1").expect("web-1 has a class");
    assert_eq!(web["names"][0], "web-1");
    let text = vpcscope(["matrix", "--snapshot", "samples/snapshots/shop"]).stdout;
    assert!(text.contains("eni-0a1b2c3d4e5f600a1 (app-1)"), "{text}");
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("m.csv");
    let r = vpcscope(["matrix", "--snapshot", "samples/snapshots/shop", "--output", csv.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let body = std::fs::read_to_string(&csv).expect("the CSV was written");
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("to_class,protocol,ports,from_class_first,from_class_last,to_interfaces,from_interfaces"));
    assert!(lines.any(|l| l.contains("\"eni-0a1b2c3d4e5f600w1 (web-1)\"") && l.contains("eni-0a1b2c3d4e5f600a1 (app-1)")), "{body}");
    let sources: Vec<&str> = body.lines().skip(1).filter_map(|l| l.rsplit_once(",\"").map(|(_, from)| from)).collect();
    assert!(!sources.is_empty() && sources.iter().all(|f| !f.contains("600n1")), "the NAT gateway's interface is no source: {body}");
}

/// Flows to a load balancer's node depend on its listeners and go on to its targets: the
/// matrix evaluates them pair by pair and agrees with the evaluator on every pair of the
/// `web` sample.
#[test]
fn matrix_agrees_with_the_evaluator_through_load_balancers() {
    let m = snapshot::load(std::path::Path::new("samples/snapshots/web")).expect("web sample loads").model;
    let topo = Topology::new(&m);
    let opts = MatrixOptions { ports: vec![(Protocol::Tcp, PortRange { from: 1, to: 65535 })], ..MatrixOptions::default() };
    let mx = Matrix::compute(&topo, &opts);
    let mut through = 0;
    for a in 0..m.enis.len() {
        for b in 0..m.enis.len() {
            let (Some(ia), Some(ib)) = (v4(&m, a), v4(&m, b)) else { continue };
            if a == b {
                continue;
            }
            for port in [443, 80, 5432, 2222, 22, 8080] {
                let t = eval::evaluate(&topo, &Endpoint::Eni { ix: a, ip: ia }, &Endpoint::Eni { ix: b, ip: ib }, Protocol::Tcp, DEFAULT_SOURCE_PORT, port);
                assert_eq!(mx.reachable(a, b, Protocol::Tcp, port), t.reachable, "{} -> {} tcp/{port}", m.enis[a].id, m.enis[b].id);
                through += usize::from(t.reachable && t.balancer.is_some());
            }
        }
    }
    assert!(through > 0, "some pairs reach a target through a load balancer");
}

//! `audit` on a generated network of 10,000 interfaces (issue 6: under 2 s). The generator
//! lives here until a shared one (`vpcscope::testgen`) exists: 10 VPCs x 20 subnets x 50
//! interfaces, half the subnets public (IGW route, public addresses), web, app, database
//! and admin security groups, a database ACL with a broken return path, so every kind of
//! exposure check runs. The loop checks the finding count so it cannot measure nothing.

use criterion::{criterion_group, criterion_main, Criterion};
use ipnet::{IpNet, Ipv4Net};
use std::net::{IpAddr, Ipv4Addr};
use vpcscope::analysis::audit::{self, FindingKind};
use vpcscope::model::*;
use vpcscope::topology::Topology;

fn cidr(s: &str) -> IpNet {
    s.parse().expect("cidr")
}

fn rule(proto: Protocol, from: u16, to: u16, peer: SgPeer) -> SgRule {
    SgRule { protocol: proto, l4: L4Match::Ports(PortRange { from, to }), peer, description: None }
}

fn acl_entry(n: u16, proto: Protocol, l4: L4Match, c: &str, action: RuleAction) -> NaclEntry {
    NaclEntry { number: RuleNumber(n), protocol: proto, l4, cidr: cidr(c), action }
}

/// A network of `vpcs * 20 * 50` interfaces.
pub fn generate(vpcs: usize) -> Model {
    let mut m = Model::default();
    let tags = |n: String| Tags(vec![("Name".into(), n)]);
    for v in 0..vpcs {
        let vpc = VpcId(format!("vpc-{v:017x}"));
        m.vpcs.push(Vpc { id: vpc.clone(), owner: None, region: Some("us-east-1".into()), cidrs: vec![cidr(&format!("10.{v}.0.0/16"))], tags: tags(format!("vpc-{v}")) });
        let igw = IgwId(format!("igw-{v:017x}"));
        m.internet_gateways.push(InternetGateway { id: igw.clone(), vpcs: vec![vpc.clone()], tags: Tags::default() });
        let sg = |k: usize| SgId(format!("sg-{v:08x}{k:09x}"));
        let world = SgPeer::Cidr(cidr("0.0.0.0/0"));
        let groups = [
            ("web", vec![rule(Protocol::Tcp, 443, 443, world.clone()), rule(Protocol::Tcp, 22, 22, SgPeer::Cidr(cidr("203.0.113.0/24")))]),
            ("app", vec![rule(Protocol::Tcp, 8080, 8080, SgPeer::Group(sg(0)))]),
            ("db", vec![rule(Protocol::Tcp, 5432, 5432, SgPeer::Group(sg(1)))]),
            ("legacy-db", vec![rule(Protocol::Tcp, 3306, 3306, world.clone())]),
            ("admin", vec![rule(Protocol::Tcp, 22, 22, world.clone()), rule(Protocol::Tcp, 3389, 3389, world.clone())]),
        ];
        for (k, (name, ingress)) in groups.into_iter().enumerate() {
            m.security_groups.push(SecurityGroup {
                id: sg(k),
                vpc: Some(vpc.clone()),
                name: name.into(),
                description: String::new(),
                owner: None,
                ingress,
                egress: vec![SgRule { protocol: Protocol::Any, l4: L4Match::Any, peer: world.clone(), description: None }],
                tags: Tags::default(),
            });
        }
        let public_rt = RouteTableId(format!("rtb-{v:08x}000000001"));
        let private_rt = RouteTableId(format!("rtb-{v:08x}000000002"));
        let local = Route { dest: RouteDest::Cidr(cidr(&format!("10.{v}.0.0/16"))), target: RouteTarget::Local, state: RouteState::Active, origin: RouteOrigin::Table };
        let mut public_subnets = Vec::new();
        let mut private_subnets = Vec::new();
        let mut db_subnets = Vec::new();
        for s in 0..20usize {
            let id = SubnetId(format!("subnet-{v:08x}{s:09x}"));
            let net: Ipv4Net = format!("10.{v}.{s}.0/24").parse().expect("subnet");
            m.subnets.push(Subnet { id: id.clone(), vpc: vpc.clone(), az: "us-east-1a".into(), cidr: Some(net), ipv6_cidrs: vec![], owner: None, tags: tags(format!("subnet-{v}-{s}")) });
            let public = s % 2 == 0;
            if public { public_subnets.push(id.clone()) } else { private_subnets.push(id.clone()) }
            if s % 5 == 1 {
                db_subnets.push(id.clone());
            }
            for e in 0..50usize {
                let ip = Ipv4Addr::new(10, v as u8, s as u8, 10 + e as u8);
                // Web on public subnets, a sprinkling of admin and legacy databases.
                let group = match (public, e % 10) {
                    (true, 0) => 4,
                    (true, _) => 0,
                    (false, 0) => 3,
                    (false, 1..=3) => 2,
                    (false, _) => 1,
                };
                m.enis.push(Eni {
                    prefixes: vec![],
                    id: EniId(format!("eni-{v:04x}{s:04x}{e:09x}")),
                    vpc: vpc.clone(),
                    subnet: id.clone(),
                    kind: EniKind::Interface,
                    private_ips: vec![IpAddr::V4(ip)],
                    public_ips: if public { vec![PublicMapping { public: Ipv4Addr::new(54, v as u8, s as u8, 10 + e as u8), private: ip }] } else { vec![] },
                    security_groups: vec![sg(group)],
                    instance: None,
                    description: "Primary network interface".into(),
                    managed_by: None,
                    owner: None,
                    source_dest_check: Some(true),
                    tags: tags(format!("host-{v}-{s}-{e}")),
                });
            }
        }
        m.route_tables.push(RouteTable {
            id: public_rt,
            vpc: vpc.clone(),
            main: false,
            subnets: public_subnets,
            edge_gateways: vec![],
            propagating_vgws: vec![],
            routes: vec![local.clone(), Route { dest: RouteDest::Cidr(cidr("0.0.0.0/0")), target: RouteTarget::InternetGateway(igw), state: RouteState::Active, origin: RouteOrigin::Static }],
            tags: Tags::default(),
        });
        m.route_tables.push(RouteTable { id: private_rt, vpc: vpc.clone(), main: true, subnets: private_subnets, edge_gateways: vec![], routes: vec![local], propagating_vgws: vec![], tags: Tags::default() });
        let deny_all = |n| acl_entry(n, Protocol::Any, L4Match::Any, "0.0.0.0/0", RuleAction::Deny);
        m.network_acls.push(NetworkAcl {
            id: NaclId(format!("acl-{v:08x}000000001")),
            vpc: vpc.clone(),
            is_default: true,
            subnets: vec![],
            ingress: vec![acl_entry(100, Protocol::Any, L4Match::Any, "0.0.0.0/0", RuleAction::Allow), deny_all(32767)],
            egress: vec![acl_entry(100, Protocol::Any, L4Match::Any, "0.0.0.0/0", RuleAction::Allow), deny_all(32767)],
            tags: Tags::default(),
        });
        m.network_acls.push(NetworkAcl {
            id: NaclId(format!("acl-{v:08x}000000002")),
            vpc: vpc.clone(),
            is_default: false,
            subnets: db_subnets,
            ingress: vec![acl_entry(100, Protocol::Tcp, L4Match::Ports(PortRange { from: 5432, to: 5432 }), &format!("10.{v}.0.0/16"), RuleAction::Allow), deny_all(32767)],
            egress: vec![acl_entry(100, Protocol::Tcp, L4Match::Ports(PortRange { from: 443, to: 443 }), "0.0.0.0/0", RuleAction::Allow), deny_all(32767)],
            tags: Tags::default(),
        });
    }
    m
}

fn bench(c: &mut Criterion) {
    let model = generate(10);
    assert_eq!(model.enis.len(), 10_000);
    let mut g = c.benchmark_group("audit");
    g.sample_size(10);
    g.bench_function("10k-eni", |b| {
        b.iter(|| {
            let topo = Topology::new(&model);
            let a = audit::audit(&topo, &audit::Options::default());
            assert!(a.summary.by_kind.get(&FindingKind::ExposedAdminPort).copied().unwrap_or(0) >= 1000);
            assert!(a.summary.by_kind.contains_key(&FindingKind::LatentExposure));
            assert!(a.summary.by_kind.contains_key(&FindingKind::NaclReturnPath));
            a.findings.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

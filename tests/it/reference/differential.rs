//! Differential property test: the production evaluator (`vpcscope::eval::evaluate`) and the
//! reference evaluator (`super::evaluate`) answer the same questions on random networks,
//! generated as describe-* JSON and loaded by the production loader.

use super::{at_interface, evaluate, Answer, End, Verdict};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::net::IpAddr;
use vpcscope::eval::{at_interface_gate, evaluate as production, Direction, Endpoint, Gate, Kind, Packet, Verdict as PVerdict};
use vpcscope::model::{EniKind, Protocol};
use vpcscope::source::snapshot::load_documents;
use vpcscope::topology::Topology;

const NETWORKS: u32 = 500;
const QUESTIONS: usize = 60;
const PORTS: [u16; 4] = [22, 80, 443, 5432];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const VPCS: usize = 3;
const SUBNETS: usize = 3;
const AZS: [&str; 2] = ["us-east-1a", "us-east-1b"];

fn v6_cidr(v: usize) -> String {
    format!("2600:1f18:{v}::/56")
}

fn port_range(rng: &mut Rng, acl: bool) -> (u16, u16) {
    let menu: &[(u16, u16)] = if acl {
        &[
            (22, 22),
            (80, 80),
            (443, 443),
            (1024, 65535),
            (0, 65535),
            (5432, 5432),
        ]
    } else {
        &[(22, 22), (80, 80), (443, 443), (0, 65535), (5432, 5432)]
    };
    *rng.pick(menu)
}

fn v4_peer(rng: &mut Rng) -> String {
    let (v, s) = (rng.below(VPCS), rng.below(SUBNETS));
    rng.pick(&[
        "0.0.0.0/0".to_string(),
        "10.0.0.0/8".into(),
        format!("10.{v}.0.0/16"),
        format!("10.{v}.{s}.0/24"),
        "203.0.113.0/24".into(),
        "172.16.0.0/12".into(),
    ])
    .clone()
}

/// One security group rule with one peer: every protocol, TCP or UDP ports, or ICMP
/// (echo request or any type).
fn sg_rule(rng: &mut Rng, groups: &[Vec<String>]) -> Value {
    let mut r = match rng.below(20) {
        0..=4 => json!({"IpProtocol": "-1"}),
        5..=7 => {
            let (from, to) = port_range(rng, false);
            json!({"IpProtocol": "udp", "FromPort": from, "ToPort": to})
        }
        8 => json!({"IpProtocol": "icmp", "FromPort": *rng.pick(&[8, -1]), "ToPort": -1}),
        9 => json!({"IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1}),
        _ => {
            let (from, to) = port_range(rng, false);
            json!({"IpProtocol": "tcp", "FromPort": from, "ToPort": to})
        }
    };
    match rng.below(10) {
        0 => r["Ipv6Ranges"] = json!([{"CidrIpv6": "::/0"}]),
        1 => r["PrefixListIds"] = json!([{"PrefixListId": "pl-0000000000000001"}]),
        2..=4 => {
            let vg = &groups[rng.below(groups.len())];
            r["UserIdGroupPairs"] =
                json!([{"GroupId": vg[rng.below(vg.len())], "UserId": "123456789012"}]);
        }
        _ => r["IpRanges"] = json!([{"CidrIp": v4_peer(rng)}]),
    }
    r
}

fn acl_entries(rng: &mut Rng, v6: bool) -> Vec<Value> {
    let mut entries = vec![];
    for egress in [false, true] {
        let n = 1 + rng.below(4);
        for i in 0..n {
            let mut e = json!({"RuleNumber": 10 * (i + 1) as u64 + rng.below(5) as u64, "Egress": egress,
                "RuleAction": if rng.chance(65) { "allow" } else { "deny" }});
            match rng.below(20) {
                0..=5 => e["Protocol"] = json!("-1"),
                6..=8 => {
                    let (from, to) = port_range(rng, true);
                    e["Protocol"] = json!("17");
                    e["PortRange"] = json!({"From": from, "To": to});
                }
                // ICMP: echo request (8), echo reply (0), or every type; ICMPv6 likewise.
                9 | 10 => {
                    e["Protocol"] = json!(if v6 && rng.chance(50) { "58" } else { "1" });
                    e["IcmpTypeCode"] = json!({"Type": *rng.pick(&[8, 0, 128, 129, -1]), "Code": -1});
                }
                _ => {
                    let (from, to) = port_range(rng, true);
                    e["Protocol"] = json!("6");
                    e["PortRange"] = json!({"From": from, "To": to});
                }
            }
            if v6 && rng.chance(20) {
                e["Ipv6CidrBlock"] = json!("::/0");
            } else {
                e["CidrBlock"] = json!(v4_peer(rng));
            }
            entries.push(e);
        }
        if rng.chance(50) {
            entries.push(json!({"RuleNumber": 900, "Egress": egress, "RuleAction": "allow", "Protocol": "-1", "CidrBlock": "0.0.0.0/0"}));
            if v6 {
                entries.push(json!({"RuleNumber": 901, "Egress": egress, "RuleAction": "allow", "Protocol": "-1", "Ipv6CidrBlock": "::/0"}));
            }
        }
        entries.push(json!({"RuleNumber": 32767, "Egress": egress, "RuleAction": "deny", "Protocol": "-1", "CidrBlock": "0.0.0.0/0"}));
        if v6 {
            entries.push(json!({"RuleNumber": 32768, "Egress": egress, "RuleAction": "deny", "Protocol": "-1", "Ipv6CidrBlock": "::/0"}));
        }
    }
    entries
}

fn allow_all(v6: bool) -> Vec<Value> {
    let mut e = vec![];
    for egress in [false, true] {
        e.push(json!({"RuleNumber": 100, "Egress": egress, "RuleAction": "allow", "Protocol": "-1", "CidrBlock": "0.0.0.0/0"}));
        e.push(json!({"RuleNumber": 32767, "Egress": egress, "RuleAction": "deny", "Protocol": "-1", "CidrBlock": "0.0.0.0/0"}));
        if v6 {
            e.push(json!({"RuleNumber": 101, "Egress": egress, "RuleAction": "allow", "Protocol": "-1", "Ipv6CidrBlock": "::/0"}));
            e.push(json!({"RuleNumber": 32768, "Egress": egress, "RuleAction": "deny", "Protocol": "-1", "Ipv6CidrBlock": "::/0"}));
        }
    }
    e
}

/// A random network of three VPCs (10.v.0.0/16, some with IPv6), three subnets each in two
/// zones, as describe-* documents.
pub fn network(seed: u64) -> Vec<(String, Value)> {
    let mut rng = Rng(seed | 1);
    let v6: Vec<bool> = (0..VPCS).map(|_| rng.chance(40)).collect();
    let vpc = |v: usize| format!("vpc-{v:017x}");
    let sub = |v: usize, s: usize| format!("subnet-{v:08x}{s:09x}");
    let groups: Vec<Vec<String>> = (0..VPCS)
        .map(|v| (0..3).map(|g| format!("sg-{v:08x}{g:09x}")).collect())
        .collect();
    let pcx = ["pcx-00000000000000001", "pcx-00000000000000012"];
    let pcx_between = |a: usize, b: usize| match (a.min(b), a.max(b)) {
        (0, 1) => Some(pcx[0]),
        (1, 2) => Some(pcx[1]),
        _ => None,
    };
    let tgw = "tgw-00000000000000001";
    let tgw_rts = ["tgw-rtb-0000000000000001", "tgw-rtb-0000000000000002"];
    let two_tables = rng.chance(50);
    // One virtual private gateway per VPC, attached to it (or not); routes mostly name their
    // own VPC's gateway, sometimes another VPC's.
    let vgw_of = |v: usize| format!("vgw-{v:017x}");
    let (
        mut vpcs,
        mut subnets,
        mut rts,
        mut acls,
        mut sgs,
        mut enis,
        mut igws,
        mut eigws,
        mut nats,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    let (mut atts, mut vpc_atts) = (vec![], vec![]);
    let mut tgw_routes: Vec<Vec<Value>> = vec![vec![], vec![]];
    let mut props: Vec<Vec<Value>> = vec![vec![], vec![]];
    let has_att: Vec<bool> = (0..VPCS).map(|_| rng.chance(80)).collect();
    let has_nat: Vec<bool> = (0..VPCS).map(|_| rng.chance(80)).collect();
    let igw_attached: Vec<bool> = (0..VPCS).map(|_| rng.chance(85)).collect();
    for v in 0..VPCS {
        let mut vj = json!({"VpcId": vpc(v), "CidrBlock": format!("10.{v}.0.0/16"), "OwnerId": "123456789012"});
        if v6[v] {
            vj["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": v6_cidr(v), "Ipv6CidrBlockState": {"State": "associated"}}]);
        }
        vpcs.push(vj);
        let zone: Vec<usize> = (0..SUBNETS)
            .map(|s| if s < 2 { s } else { rng.below(2) })
            .collect();
        for s in 0..SUBNETS {
            let mut sj = json!({"SubnetId": sub(v, s), "VpcId": vpc(v), "CidrBlock": format!("10.{v}.{s}.0/24"), "AvailabilityZone": AZS[zone[s]]});
            if v6[v] {
                sj["Ipv6CidrBlockAssociationSet"] = json!([{"Ipv6CidrBlock": format!("2600:1f18:{v}:{s}::/64"), "Ipv6CidrBlockState": {"State": "associated"}}]);
            }
            subnets.push(sj);
        }
        let igw = format!("igw-{v:017x}");
        let att = if igw_attached[v] {
            json!([{"VpcId": vpc(v), "State": "available"}])
        } else {
            json!([])
        };
        igws.push(json!({"InternetGatewayId": igw, "Attachments": att}));
        let eigw = format!("eigw-{v:016x}");
        if v6[v] {
            eigws.push(json!({"EgressOnlyInternetGatewayId": eigw, "Attachments": [{"VpcId": vpc(v), "State": "attached"}]}));
        }
        let nat = format!("nat-{v:017x}");
        if has_nat[v] {
            let nat_eni = format!("eni-9{v:016x}");
            let nat_ip = format!("10.{v}.0.5");
            let state = if rng.chance(90) {
                "available"
            } else {
                "failed"
            };
            nats.push(json!({"NatGatewayId": nat, "VpcId": vpc(v), "SubnetId": sub(v, 0), "State": state, "ConnectivityType": "public",
                "NatGatewayAddresses": [{"NetworkInterfaceId": nat_eni, "PrivateIp": nat_ip, "PublicIp": format!("52.0.{v}.1")}]}));
            enis.push(json!({"NetworkInterfaceId": nat_eni, "VpcId": vpc(v), "SubnetId": sub(v, 0), "PrivateIpAddress": nat_ip,
                "InterfaceType": "nat_gateway", "Groups": [], "Description": format!("Interface for NAT Gateway {nat}"),
                "RequesterManaged": true}));
        }
        // Route tables: a public table for subnet 0, the main table, a custom table for some
        // of the others; each with random extra routes.
        let local = |v: usize| {
            let mut r = vec![
                json!({"DestinationCidrBlock": format!("10.{v}.0.0/16"), "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}),
            ];
            if v6[v] {
                r.push(json!({"DestinationIpv6CidrBlock": v6_cidr(v), "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}));
            }
            r
        };
        let route = |dest: &str, key: &str, target: &str, state: &str| {
            let mut r = json!({"Origin": "CreateRoute", "State": state});
            r[if dest.contains(':') {
                "DestinationIpv6CidrBlock"
            } else {
                "DestinationCidrBlock"
            }] = json!(dest);
            r[key] = json!(target);
            r
        };
        let extras = |rng: &mut Rng, public: bool| {
            let mut r = local(v);
            let default = if public { 0 } else { rng.below(6) };
            match default {
                0 => r.push(route("0.0.0.0/0", "GatewayId", &igw, "active")),
                1 if has_nat[v] => r.push(route("0.0.0.0/0", "NatGatewayId", &nat, "active")),
                2 => r.push(route("0.0.0.0/0", "TransitGatewayId", tgw, "active")),
                3 => r.push(route("0.0.0.0/0", "GatewayId", &vgw_of(v), "active")),
                _ => {}
            }
            for w in (0..VPCS).filter(|w| *w != v) {
                let dest = format!("10.{w}.0.0/16");
                match rng.below(12) {
                    0..=3 => {
                        if let Some(p) = pcx_between(v, w) {
                            r.push(route(&dest, "VpcPeeringConnectionId", p, "active"));
                            // IPv6 over the peering too, when both sides have it.
                            if v6[v] && v6[w] && rng.chance(70) {
                                r.push(route(&v6_cidr(w), "VpcPeeringConnectionId", p, "active"));
                            }
                        }
                    }
                    4..=6 => r.push(route(&dest, "TransitGatewayId", tgw, "active")),
                    7 => r.push(route(
                        &dest,
                        "VpcPeeringConnectionId",
                        "pcx-0000000000000dead",
                        "blackhole",
                    )),
                    8 => r.push(route(
                        &dest,
                        "GatewayId",
                        "vpce-0000000000000f1e7",
                        "active",
                    )),
                    9 => r.push(route(
                        &dest,
                        "NetworkInterfaceId",
                        "eni-0000000000000a99e",
                        "active",
                    )),
                    _ => {}
                }
            }
            if rng.chance(30) {
                r.push(route("10.0.0.0/8", "TransitGatewayId", tgw, "active"));
            }
            if rng.chance(50) {
                let g = if rng.chance(90) { v } else { (v + 1) % VPCS };
                r.push(route("172.16.0.0/12", "GatewayId", &vgw_of(g), "active"));
            }
            if v6[v] {
                match rng.below(3) {
                    0 => r.push(route("::/0", "GatewayId", &igw, "active")),
                    1 => r.push(route(
                        "::/0",
                        "EgressOnlyInternetGatewayId",
                        &eigw,
                        "active",
                    )),
                    _ => {}
                }
            }
            r
        };
        rts.push(json!({"RouteTableId": format!("rtb-p{v:016x}"), "VpcId": vpc(v), "Associations": [{"SubnetId": sub(v, 0), "Main": false}],
            "Routes": extras(&mut rng, true)}));
        rts.push(json!({"RouteTableId": format!("rtb-m{v:016x}"), "VpcId": vpc(v), "Associations": [{"Main": true}],
            "Routes": extras(&mut rng, false)}));
        let custom: Vec<Value> = (1..SUBNETS)
            .filter(|_| rng.chance(50))
            .map(|s| json!({"SubnetId": sub(v, s), "Main": false}))
            .collect();
        rts.push(json!({"RouteTableId": format!("rtb-c{v:016x}"), "VpcId": vpc(v), "Associations": custom, "Routes": extras(&mut rng, false)}));
        // Network ACLs: the default (open or random) and a random custom one.
        let default = if rng.chance(60) {
            allow_all(v6[v])
        } else {
            acl_entries(&mut rng, v6[v])
        };
        acls.push(json!({"NetworkAclId": format!("acl-d{v:016x}"), "VpcId": vpc(v), "IsDefault": true, "Entries": default, "Associations": []}));
        let assoc: Vec<Value> = (0..SUBNETS)
            .filter(|_| rng.chance(40))
            .map(|s| json!({"SubnetId": sub(v, s)}))
            .collect();
        acls.push(
            json!({"NetworkAclId": format!("acl-c{v:016x}"), "VpcId": vpc(v), "IsDefault": false,
            "Entries": acl_entries(&mut rng, v6[v]), "Associations": assoc}),
        );
        // Security groups.
        for g in &groups[v] {
            let mut ingress: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| sg_rule(&mut rng, &groups))
                .collect();
            // Some groups open a wide door, so that enough questions get through.
            if rng.chance(30) {
                ingress.push(json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}));
            }
            let egress: Vec<Value> = if rng.chance(65) {
                vec![
                    json!({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}),
                ]
            } else {
                (0..1 + rng.below(2))
                    .map(|_| sg_rule(&mut rng, &groups))
                    .collect()
            };
            sgs.push(json!({"GroupId": g, "GroupName": g, "Description": "generated", "VpcId": vpc(v), "OwnerId": "123456789012",
                "IpPermissions": ingress, "IpPermissionsEgress": egress}));
        }
        // Interfaces.
        for s in 0..SUBNETS {
            for k in 0..1 + rng.below(2) {
                let id = format!("eni-{v:04x}{s:04x}{k:09x}");
                let ip = format!("10.{v}.{s}.{}", 10 + k);
                let mut gs = vec![json!({"GroupId": groups[v][rng.below(3)]})];
                if rng.chance(30) {
                    gs.push(json!({"GroupId": groups[v][rng.below(3)]}));
                }
                let mut e = json!({"NetworkInterfaceId": id, "VpcId": vpc(v), "SubnetId": sub(v, s), "PrivateIpAddress": ip,
                    "InterfaceType": "interface", "Groups": gs});
                if rng.chance(if s == 0 { 70 } else { 20 }) {
                    e["Association"] = json!({"PublicIp": format!("54.{v}.{s}.{}", 10 + k)});
                    e["PrivateIpAddresses"] = json!([{"PrivateIpAddress": ip, "Primary": true, "Association": {"PublicIp": format!("54.{v}.{s}.{}", 10 + k)}}]);
                }
                if v6[v] && rng.chance(60) {
                    e["Ipv6Addresses"] =
                        json!([{"Ipv6Address": format!("2600:1f18:{v}:{s}::{:x}", 0xa0 + k)}]);
                }
                enis.push(e);
            }
        }
        // The transit gateway attachment: at most one subnet per zone.
        if has_att[v] {
            let mut att_subs = vec![];
            for z in 0..2 {
                if rng.chance(75) {
                    let candidates: Vec<usize> = (0..SUBNETS).filter(|s| zone[*s] == z).collect();
                    att_subs.push(sub(v, *rng.pick(&candidates)));
                }
            }
            if att_subs.is_empty() {
                att_subs.push(sub(v, 1));
            }
            let id = format!("tgw-attach-{v:017x}");
            let table = if two_tables {
                tgw_rts[rng.below(2)]
            } else {
                tgw_rts[0]
            };
            atts.push(json!({"TransitGatewayAttachmentId": id, "TransitGatewayId": tgw, "ResourceType": "vpc", "ResourceId": vpc(v),
                "State": "available", "Association": {"TransitGatewayRouteTableId": table, "State": "associated"}}));
            vpc_atts.push(json!({"TransitGatewayAttachmentId": id, "TransitGatewayId": tgw, "VpcId": vpc(v), "SubnetIds": att_subs,
                "State": "available", "Options": {"ApplianceModeSupport": "disable"}}));
            for (t, routes) in tgw_routes.iter_mut().enumerate() {
                let attj = json!([{"TransitGatewayAttachmentId": id, "ResourceId": vpc(v), "ResourceType": "vpc"}]);
                // A propagation, and the propagated route a capture shows for it; a static
                // route for the same prefix (below) wins over it.
                if rng.chance(30) {
                    props[t].push(json!({"TransitGatewayAttachmentId": id, "ResourceId": vpc(v), "ResourceType": "vpc", "State": "enabled"}));
                    routes.push(json!({"DestinationCidrBlock": format!("10.{v}.0.0/16"), "TransitGatewayAttachments": attj, "Type": "propagated", "State": "active"}));
                }
                match rng.below(10) {
                    0..=6 => routes.push(json!({"DestinationCidrBlock": format!("10.{v}.0.0/16"), "TransitGatewayAttachments": attj, "Type": "static", "State": "active"})),
                    7 => routes.push(json!({"DestinationCidrBlock": format!("10.{v}.0.0/16"), "Type": "static", "State": "blackhole"})),
                    _ => {}
                }
            }
        }
    }
    let peerings: Vec<Value> = [(0usize, 1usize), (1, 2)]
        .iter()
        .zip(pcx)
        .map(|((a, b), id)| {
            let info = |v: usize| json!({"VpcId": vpc(v), "OwnerId": "123456789012", "Region": "us-east-1", "CidrBlock": format!("10.{v}.0.0/16"),
                "CidrBlockSet": [{"CidrBlock": format!("10.{v}.0.0/16")}],
                "Ipv6CidrBlockSet": if v6[v] { json!([{"Ipv6CidrBlock": v6_cidr(v)}]) } else { json!([]) }});
            let status = if rng.chance(75) { "active" } else { "pending-acceptance" };
            json!({"VpcPeeringConnectionId": id, "RequesterVpcInfo": info(*a), "AccepterVpcInfo": info(*b), "Status": {"Code": status}})
        })
        .collect();
    let tables: Vec<Value> = (0..if two_tables { 2 } else { 1 })
        .map(|t| json!({"TransitGatewayRouteTableId": tgw_rts[t], "TransitGatewayId": tgw, "State": "available"}))
        .collect();
    let route_sets: Vec<Value> = (0..tables.len())
        .map(|t| json!({"TransitGatewayRouteTableId": tgw_rts[t], "Routes": tgw_routes[t]}))
        .collect();
    let mut vgws = vec![];
    let mut vpns = vec![];
    for v in 0..VPCS {
        let att = if rng.chance(85) {
            json!([{"VpcId": vpc(v), "State": "attached"}])
        } else {
            json!([])
        };
        vgws.push(json!({"VpnGatewayId": vgw_of(v), "State": "available", "VpcAttachments": att}));
        let tunnel = |rng: &mut Rng, ip: String| json!({"OutsideIpAddress": ip, "Status": if rng.chance(60) { "UP" } else { "DOWN" }});
        let telemetry = json!([
            tunnel(&mut rng, format!("34.0.{v}.1")),
            tunnel(&mut rng, format!("34.0.{v}.2"))
        ]);
        vpns.push(json!({"VpnConnectionId": format!("vpn-{v:017x}"), "State": "available",
            "VpnGatewayId": vgw_of(v), "CustomerGatewayId": format!("cgw-{v:017x}"), "Options": {"StaticRoutesOnly": true},
            "Routes": [{"DestinationCidrBlock": "172.16.0.0/16", "State": "available"}], "VgwTelemetry": telemetry}));
    }
    let origin = |k: &str| format!("123456789012/us-east-1/{k}.json");
    // Now and then a snapshot lacks a whole class of filters: answers that depend on it are
    // unknown.
    let (no_acls, no_sgs) = (rng.chance(4), rng.chance(4));
    let mut docs = vec![
        (origin("Vpcs"), json!({"Vpcs": vpcs})),
        (origin("Subnets"), json!({"Subnets": subnets})),
        (origin("RouteTables"), json!({"RouteTables": rts})),
        (origin("NetworkAcls"), json!({"NetworkAcls": acls})),
        (origin("SecurityGroups"), json!({"SecurityGroups": sgs})),
        (
            origin("NetworkInterfaces"),
            json!({"NetworkInterfaces": enis}),
        ),
        (
            origin("InternetGateways"),
            json!({"InternetGateways": igws}),
        ),
        (
            origin("EgressOnlyInternetGateways"),
            json!({"EgressOnlyInternetGateways": eigws}),
        ),
        (origin("NatGateways"), json!({"NatGateways": nats})),
        (
            origin("VpcPeeringConnections"),
            json!({"VpcPeeringConnections": peerings}),
        ),
        (
            origin("TransitGateways"),
            json!({"TransitGateways": [{"TransitGatewayId": tgw, "State": "available", "OwnerId": "123456789012"}]}),
        ),
        (
            origin("TransitGatewayAttachments"),
            json!({"TransitGatewayAttachments": atts}),
        ),
        (
            origin("TransitGatewayVpcAttachments"),
            json!({"TransitGatewayVpcAttachments": vpc_atts}),
        ),
        (
            origin("TransitGatewayRouteTables"),
            json!({"TransitGatewayRouteTables": tables}),
        ),
        (
            origin("TransitGatewayPropagations"),
            json!({"TransitGatewayPropagations": (0..tables.len()).map(|t| json!({"TransitGatewayRouteTableId": tgw_rts[t],
                "TransitGatewayRouteTablePropagations": props[t]})).collect::<Vec<_>>()}),
        ),
        (
            origin("TransitGatewayRoutes"),
            json!({"TransitGatewayRoutes": route_sets}),
        ),
        (
            origin("ManagedPrefixLists"),
            json!({"ManagedPrefixLists": [{"PrefixListId": "pl-0000000000000001", "PrefixListName": "corp"}]}),
        ),
        (
            origin("PrefixListEntries"),
            json!({"PrefixListEntries": [{"PrefixListId": "pl-0000000000000001",
            "Entries": [{"Cidr": "10.1.0.0/16"}, {"Cidr": "203.0.113.0/24"}]}]}),
        ),
        (origin("VpnGateways"), json!({"VpnGateways": vgws})),
        (origin("VpnConnections"), json!({"VpnConnections": vpns})),
    ];
    docs.retain(|(o, _)| {
        !(no_acls && o.ends_with("/NetworkAcls.json")
            || no_sgs && o.ends_with("/SecurityGroups.json"))
    });
    docs
}

const INTERNET_V4: [&str; 2] = ["203.0.113.9", "198.51.100.20"];
const INTERNET_V6: &str = "2a05:d018::9";
const ON_PREMISES: [&str; 2] = ["172.16.5.5", "172.20.1.1"];

/// One random question: (source, destination) for the reference, by model index.
fn question(rng: &mut Rng, m: &vpcscope::model::Model) -> (End, End) {
    let ordinary: Vec<usize> = (0..m.enis.len())
        .filter(|&i| m.enis[i].kind == EniKind::Interface)
        .collect();
    let any = |rng: &mut Rng| {
        if rng.chance(10) {
            rng.below(m.enis.len())
        } else {
            *rng.pick(&ordinary)
        }
    };
    let addr = |rng: &mut Rng, i: usize, v6: bool| {
        let ips = &m.enis[i].private_ips;
        let want: Vec<IpAddr> = ips
            .iter()
            .copied()
            .filter(|ip| ip.is_ipv6() == v6)
            .collect();
        if want.is_empty() {
            ips[0]
        } else {
            *rng.pick(&want)
        }
    };
    let outside = |rng: &mut Rng, v6: bool, onprem: bool| -> IpAddr {
        if onprem {
            rng.pick(&ON_PREMISES).parse().unwrap()
        } else if v6 {
            INTERNET_V6.parse().unwrap()
        } else {
            rng.pick(&INTERNET_V4).parse().unwrap()
        }
    };
    let v6 = rng.chance(25);
    match rng.below(4) {
        0 => loop {
            let (a, b) = (*rng.pick(&ordinary), any(rng));
            if a != b {
                let a_ip = addr(rng, a, v6);
                let b_ip = addr(rng, b, a_ip.is_ipv6());
                if a_ip.is_ipv6() == b_ip.is_ipv6() {
                    return (End::Eni(a, a_ip), End::Eni(b, b_ip));
                }
            }
        },
        1 => {
            let b = any(rng);
            let ip = addr(rng, b, v6);
            (
                End::Outside(outside(rng, ip.is_ipv6(), false)),
                End::Eni(b, ip),
            )
        }
        2 => {
            let a = *rng.pick(&ordinary);
            let ip = addr(rng, a, v6);
            let onprem = ip.is_ipv4() && rng.chance(40);
            (
                End::Eni(a, ip),
                End::Outside(outside(rng, ip.is_ipv6(), onprem)),
            )
        }
        _ => {
            let b = any(rng);
            let ip = addr(rng, b, false);
            (End::Outside(outside(rng, false, true)), End::Eni(b, ip))
        }
    }
}

/// Disagreements the test knows of and leaves out, each named, with the reason. Both sides
/// must still say not reachable on the same path: only the charged component differs.
fn known_disagreement(
    reference: Answer,
    production: Option<&vpcscope::eval::Blocked>,
) -> Option<&'static str> {
    let (Some((kind, path)), Some(b)) = (reference.stop, production) else {
        return None;
    };
    if reference.verdict != Verdict::NotReachable || path != b.path {
        return None;
    }
    // GATEWAY_BEFORE_ACL_EGRESS: a packet that the subnet's network ACL refuses on the way out
    // and whose route leads to an inactive peering or (egress-only gateway) to a modelled
    // address. AWS-SEMANTICS.md §1 puts the ACL outbound before the gateway (the packet
    // leaves the subnet first); the production walker checks these gateways first (but the
    // ACL first for a virtual private gateway). The verdict is the same.
    if kind == Kind::NetworkAcl
        && matches!(
            b.code.as_str(),
            "PEERING_NOT_ACTIVE" | "PRIVATE_DESTINATION"
        )
    {
        return Some("GATEWAY_BEFORE_ACL_EGRESS");
    }
    None
}

/// Every disagreement on one network, as (class, report).
fn disagreements(seed: u64) -> Vec<(String, String)> {
    disagreements_and_answers(seed).0
}

/// Every disagreement on one network, and every reference answer (for the survey).
fn disagreements_and_answers(seed: u64) -> (Vec<(String, String)>, Vec<(Answer, String)>) {
    let mut out = vec![];
    let mut answers = vec![];
    let docs = network(seed);
    let loaded = load_documents(docs.clone()).expect("generated network loads");
    let m = &loaded.model;
    let topo = Topology::new(m);
    let mut rng = Rng(seed.wrapping_mul(31) | 1);
    for q in 0..QUESTIONS {
        let (src, dst) = question(&mut rng, m);
        let port = *rng.pick(&PORTS);
        let v6 = match src {
            End::Eni(_, ip) | End::Outside(ip) => ip.is_ipv6(),
        };
        let proto = match rng.below(10) {
            0 | 1 => Protocol::Udp,
            2 if v6 => Protocol::Icmpv6,
            2 => Protocol::Icmp,
            _ => Protocol::Tcp,
        };
        let endpoint = |e: End| match e {
            End::Eni(i, ip) => Endpoint::Eni {
                ix: topo
                    .eni_ix(m.enis[i].id.as_str())
                    .expect("interface indexed"),
                ip,
            },
            End::Outside(ip) => Endpoint::External(ip),
        };
        let trace = production(
            &topo,
            &endpoint(src),
            &endpoint(dst),
            proto,
            49152,
            port,
        );
        let reference = evaluate(m, src, dst, proto, port);
        let crossed: Vec<String> = trace
            .forward
            .hops
            .iter()
            .map(|h| h.kind.to_string())
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "network-interface" | "security-group" | "network-acl" | "route-table"
                )
            })
            .collect();
        answers.push((reference, crossed.join(",")));
        let verdict = match trace.verdict {
            PVerdict::Reachable => Verdict::Reachable,
            PVerdict::NotReachable => Verdict::NotReachable,
            PVerdict::Unknown => Verdict::Unknown,
        };
        let stop = trace.blocked_by.as_ref().map(|b| (b.kind, b.path));
        let agree = verdict == reference.verdict
            && (verdict != Verdict::NotReachable || stop == reference.stop)
            && trace.reachable == (verdict == Verdict::Reachable);
        if !agree && known_disagreement(reference, trace.blocked_by.as_ref()).is_none() {
            let class = format!(
                "{:?}/{:?} vs {verdict:?}/{stop:?} {}",
                reference.verdict,
                reference.stop,
                trace
                    .blocked_by
                    .as_ref()
                    .map(|b| b.code.as_str())
                    .unwrap_or("")
            );
            let name = |e: End| match e {
                End::Eni(i, ip) => format!("{} ({ip})", m.enis[i].id),
                End::Outside(ip) => ip.to_string(),
            };
            let docs: Vec<Value> = docs
                .iter()
                .map(|(o, v)| json!({"origin": o, "value": v}))
                .collect();
            out.push((class, format!(
                "network seed {seed}, question {q}: {proto} {} -> {}:{port}\nreference: {reference:?}\nproduction: {verdict:?} {stop:?} {}\n{}\nnetwork: {}",
                name(src),
                name(dst),
                trace.blocked_by.as_ref().map(|b| format!("{} {}", b.code, vpcscope::report::words::explanation(b))).unwrap_or_default(),
                serde_json::to_string(&trace.forward).unwrap_or_default(),
                serde_json::to_string(&docs).unwrap_or_default(),
            )));
        }
    }
    (out, answers)
}

fn check_network(seed: u64) -> Result<(), TestCaseError> {
    match disagreements(seed).into_iter().next() {
        Some((_, report)) => Err(TestCaseError::fail(report)),
        None => Ok(()),
    }
}

/// A survey for investigating: every class of disagreement over seeds 1-300, with one
/// example each, and the reference's answers counted by what the path crossed; fails when
/// there is any disagreement (`cargo test --test it survey -- --ignored --nocapture`). Ignored
/// in the test command: the differential test above covers the same ground on fresh seeds.
#[test]
#[ignore = "an investigation tool: run with --ignored"]
fn survey_of_disagreements() {
    let mut classes: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    let mut answers: std::collections::BTreeMap<String, usize> = Default::default();
    for seed in 1..=300u64 {
        let (found, given) = disagreements_and_answers(seed);
        for (a, crossed) in given {
            let what = if a.verdict == Verdict::Reachable {
                crossed
            } else {
                String::new()
            };
            *answers
                .entry(format!("{:?} {:?} {what}", a.verdict, a.stop))
                .or_default() += 1;
        }
        for (class, report) in found {
            let e = classes.entry(class).or_insert((0, report));
            e.0 += 1;
        }
    }
    for (answer, n) in &answers {
        println!("{n:6} {answer}");
    }
    for (class, (n, report)) in &classes {
        println!(
            "{n:5} {class}\n      {}",
            report.lines().take(5).collect::<Vec<_>>().join("\n      ")
        );
    }
    assert!(
        classes.is_empty(),
        "{} classes of disagreement over seeds 1-300",
        classes.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: NETWORKS, failure_persistence: None, ..ProptestConfig::default() })]

    /// 500 random networks (three VPCs, three subnets each in two zones, IPv6 on some,
    /// peering active or pending, NAT and internet gateways, egress-only gateways, a transit
    /// gateway with one or two route tables and static and blackhole routes, a virtual
    /// private gateway per VPC whose tunnels may be down, random ACLs and security groups with
    /// group references and a prefix list, routes to appliances and GWLB endpoints, now and
    /// then no NetworkAcls or SecurityGroups document) x 60 random TCP questions each (interface to
    /// interface, internet to interface, interface to internet or on premises, on premises to
    /// interface): 30,000 questions, about 3 s in a debug build. The production evaluator and
    /// the reference agree on the verdict, and for not-reachable on the kind and path of the
    /// first stopping component, except the named cases of `known_disagreement`.
    #[test]
    fn reference_and_production_evaluators_agree(seed in any::<u64>()) {
        check_network(seed)?;
    }

    #[test]
    fn reference_and_gate_agree_at_interfaces(seed in any::<u64>()) {
        check_gate(seed)?;
    }

    #[test]
    fn reference_and_matrix_agree_on_interface_pairs(seed in any::<u64>()) {
        check_matrix(seed)?;
    }
}

/// The all-pairs matrix (`analysis::matrix`, which decides ACLs and groups by set algebra)
/// against the reference on `QUESTIONS` random interface pairs per network, over the IPv4
/// ports and protocols it computes. Pairs the matrix does not decide (shared addresses) and
/// answers the reference cannot decide are left out; the test counts what it compared.
fn check_matrix(seed: u64) -> Result<(), TestCaseError> {
    use vpcscope::analysis::matrix::{parse_ports, Matrix, MatrixOptions};
    let loaded = load_documents(network(seed)).expect("generated network loads");
    let m = &loaded.model;
    let topo = Topology::new(m);
    let ports = parse_ports("tcp/22,tcp/80,tcp/443,tcp/5432,udp/22,udp/80,udp/443,udp/5432,icmp").expect("port list");
    let mx = Matrix::compute(&topo, &MatrixOptions { ports, from: None, to: None });
    let mut rng = Rng(seed.wrapping_mul(13) | 1);
    let v4 = |i: usize| m.enis[i].private_ips.iter().copied().find(IpAddr::is_ipv4);
    for q in 0..QUESTIONS {
        let (a, b) = (rng.below(m.enis.len()), rng.below(m.enis.len()));
        let (Some(ia), Some(ib)) = (v4(a), v4(b)) else { continue };
        let proto = *rng.pick(&[Protocol::Tcp, Protocol::Tcp, Protocol::Udp, Protocol::Icmp]);
        let port = if proto == Protocol::Icmp { 0 } else { *rng.pick(&PORTS) };
        let (xa, xb) = (topo.eni_ix(m.enis[a].id.as_str()).expect("indexed"), topo.eni_ix(m.enis[b].id.as_str()).expect("indexed"));
        let Some(got) = mx.decide(xa, xb, proto, port) else { continue };
        let expected = evaluate(m, End::Eni(a, ia), End::Eni(b, ib), proto, port);
        if expected.verdict == Verdict::Unknown {
            continue;
        }
        prop_assert_eq!(got, expected.verdict == Verdict::Reachable, "network seed {}, question {}: {} {} ({}) -> {} ({}) port {}: matrix {}, reference {:?}", seed, q, proto, m.enis[a].id, ia, m.enis[b].id, ib, port, got, expected);
    }
    Ok(())
}

/// The gate (`eval::at_interface_gate`, what `flows explain` decides every conversation with)
/// against the reference's `at_interface`, on `QUESTIONS` random packets per network: both
/// directions, requests and replies, TCP, UDP and ICMP, remote ends inside and outside.
fn check_gate(seed: u64) -> Result<(), TestCaseError> {
    let loaded = load_documents(network(seed)).expect("generated network loads");
    let m = &loaded.model;
    let topo = Topology::new(m);
    let mut rng = Rng(seed.wrapping_mul(17) | 1);
    for q in 0..QUESTIONS {
        let eni = rng.below(m.enis.len());
        let local = *rng.pick(&m.enis[eni].private_ips);
        let remote: IpAddr = match rng.below(3) {
            0 => {
                let other = &m.enis[rng.below(m.enis.len())];
                match other.private_ips.iter().find(|ip| ip.is_ipv6() == local.is_ipv6()) {
                    Some(ip) => *ip,
                    None => continue,
                }
            }
            1 if local.is_ipv6() => INTERNET_V6.parse().expect("address"),
            1 => rng.pick(&INTERNET_V4).parse().expect("address"),
            _ if local.is_ipv6() => continue,
            _ => rng.pick(&ON_PREMISES).parse().expect("address"),
        };
        let proto = match rng.below(10) {
            0 | 1 => Protocol::Udp,
            2 if local.is_ipv6() => Protocol::Icmpv6,
            2 => Protocol::Icmp,
            _ => Protocol::Tcp,
        };
        let port = *rng.pick(&PORTS);
        let (ingress, reply) = (rng.chance(50), rng.chance(30));
        let expected = at_interface(m, eni, ingress, remote, local, proto, port, reply);
        let ix = topo.eni_ix(m.enis[eni].id.as_str()).expect("interface indexed");
        let (dir, packet) = if ingress {
            (Direction::Ingress, Packet::new(remote, local, proto, 49152, port))
        } else {
            (Direction::Egress, Packet::new(local, remote, proto, 49152, port))
        };
        let gate = at_interface_gate(&topo, ix, dir, &packet, reply);
        let got = match gate {
            Gate::Allowed => Verdict::Reachable,
            Gate::Undecided { .. } => Verdict::Unknown,
            Gate::Acl { .. } | Gate::SecurityGroups { .. } => Verdict::NotReachable,
        };
        prop_assert_eq!(got, expected, "network seed {}, question {}: {} {:?} at {} ({}), remote {}, port {}, reply {}: gate {:?}", seed, q, proto, dir, m.enis[eni].id, local, remote, port, reply, gate);
    }
    Ok(())
}

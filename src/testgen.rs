//! Synthetic networks for benchmarks and scale tests: describe-*-shaped documents for many
//! VPCs joined by a transit gateway, with public and private subnets, NAT and internet
//! gateways, custom network ACLs, reused security groups that reference each other, and
//! thousands of interfaces. Deterministic for a given spec (a small xorshift generator, no
//! randomness from the environment), so benchmark inputs are reproducible.
//!
//! The output goes through the same loader as real snapshots: `source::snapshot::load_documents`
//! in memory, or written to a directory by the caller.

use serde_json::{json, Value};

/// How big a network to generate.
#[derive(Clone, Copy, Debug)]
pub struct NetworkSpec {
    /// VPCs (at most 1024: each gets a /18 of 10.0.0.0/8).
    pub vpcs: usize,
    /// Subnets per VPC (at most 60; two of them are the public and the TGW subnet).
    pub subnets_per_vpc: usize,
    /// Interfaces per private subnet.
    pub enis_per_subnet: usize,
    /// Security groups per VPC.
    pub sgs_per_vpc: usize,
    /// Seed of the generator.
    pub seed: u64,
}

impl NetworkSpec {
    /// About `enis` interfaces in the proportions of the benchmark issue (50 VPCs, 2,000
    /// subnets, 10,000 ENIs, 2,000 security groups for `enis` = 10,000).
    pub fn with_enis(enis: usize) -> NetworkSpec {
        let vpcs = (enis / 200).clamp(1, 1024);
        NetworkSpec { vpcs, subnets_per_vpc: 40, enis_per_subnet: enis.div_ceil(vpcs * 38).max(1), sgs_per_vpc: 40, seed: 7 }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const PORTS: &[u16] = &[22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9092, 27017];

fn tag(name: &str) -> Value {
    json!([{"Key": "Name", "Value": name}])
}

/// Generates the documents of one account and region: `(origin, value)` pairs named like a
/// capture (`<account>/us-east-1/<Key>.json`).
pub fn network(spec: &NetworkSpec) -> Vec<(String, Value)> {
    let mut rng = Rng(spec.seed.max(1));
    let subnets_per_vpc = spec.subnets_per_vpc.clamp(3, 60);
    let (mut vpcs, mut subnets, mut rts, mut acls, mut sgs, mut enis, mut igws, mut nats) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut atts, mut vpc_atts, mut props) = (vec![], vec![], vec![]);
    let tgw = "tgw-0000000000000001";
    let tgw_rt = "tgw-rtb-0000000000000001";
    let mut eni_n = 0usize;
    for v in 0..spec.vpcs.min(1024) {
        let (o2, o3) = (v / 4, (v % 4) * 64);
        let vpc = format!("vpc-{v:016x}");
        let cidr = format!("10.{o2}.{o3}.0/18");
        vpcs.push(json!({"VpcId": vpc, "CidrBlock": cidr, "OwnerId": "123456789012", "Tags": tag(&format!("vpc-{v}"))}));
        let igw = format!("igw-{v:016x}");
        igws.push(json!({"InternetGatewayId": igw, "Attachments": [{"VpcId": vpc, "State": "available"}]}));
        let sub = |s: usize| format!("subnet-{v:08x}{s:08x}");
        let sub_cidr = |s: usize| format!("10.{o2}.{}.0/24", o3 + s);
        // Subnet 0: public (NAT, public interfaces); subnet 1: TGW attachment (zone a);
        // subnet 2: TGW attachment (zone b); the rest private, alternating zones.
        for s in 0..subnets_per_vpc {
            let az = if s % 2 == 0 { "us-east-1a" } else { "us-east-1b" };
            let az = if s == 1 { "us-east-1a" } else if s == 2 { "us-east-1b" } else { az };
            subnets.push(json!({"SubnetId": sub(s), "VpcId": vpc, "CidrBlock": sub_cidr(s), "AvailabilityZone": az,
                "Tags": tag(&format!("vpc-{v}-subnet-{s}"))}));
        }
        let nat = format!("nat-{v:016x}");
        let nat_eni = format!("eni-n{v:016x}");
        let nat_ip = format!("10.{o2}.{o3}.5");
        nats.push(json!({"NatGatewayId": nat, "VpcId": vpc, "SubnetId": sub(0), "State": "available",
            "NatGatewayAddresses": [{"NetworkInterfaceId": nat_eni, "PrivateIp": nat_ip, "PublicIp": format!("52.{}.{}.1", v / 256, v % 256)}]}));
        let private: Vec<Value> = (3..subnets_per_vpc).map(|s| json!({"SubnetId": sub(s), "Main": false})).collect();
        rts.push(json!({"RouteTableId": format!("rtb-p{v:015x}"), "VpcId": vpc, "Associations": [{"SubnetId": sub(0), "Main": false}],
            "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                       {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute", "State": "active"},
                       {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": tgw, "Origin": "CreateRoute", "State": "active"}]}));
        rts.push(json!({"RouteTableId": format!("rtb-m{v:015x}"), "VpcId": vpc, "Associations": [{"Main": true}],
            "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}]}));
        rts.push(json!({"RouteTableId": format!("rtb-r{v:015x}"), "VpcId": vpc, "Associations": private,
            "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
                       {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "Origin": "CreateRoute", "State": "active"},
                       {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": tgw, "Origin": "CreateRoute", "State": "active"}]}));
        // The default ACL allows everything; a custom ACL on every third private subnet has
        // a realistic rule list (service ports in, ephemeral replies, a deny).
        let allow_all = json!([
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"},
            {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"}]);
        acls.push(json!({"NetworkAclId": format!("acl-d{v:015x}"), "VpcId": vpc, "IsDefault": true, "Entries": allow_all, "Associations": []}));
        let custom: Vec<Value> = (3..subnets_per_vpc).filter(|s| s % 3 == 0).map(|s| json!({"SubnetId": sub(s)})).collect();
        let mut entries = vec![
            json!({"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": "10.255.0.0/16", "PortRange": {"From": 22, "To": 22}}),
        ];
        for (i, p) in PORTS.iter().enumerate() {
            entries.push(json!({"RuleNumber": 100 + i * 10, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "10.0.0.0/8", "PortRange": {"From": p, "To": p}}));
        }
        entries.push(json!({"RuleNumber": 300, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}}));
        entries.push(json!({"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}}));
        entries.push(json!({"RuleNumber": 110, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}}));
        entries.push(json!({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"}));
        entries.push(json!({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"}));
        acls.push(json!({"NetworkAclId": format!("acl-c{v:015x}"), "VpcId": vpc, "IsDefault": false, "Entries": entries, "Associations": custom}));
        // Security groups: a few tiers that reference each other, plus CIDR rules.
        let sg = |g: usize| format!("sg-{v:08x}{g:08x}");
        for g in 0..spec.sgs_per_vpc {
            let mut ingress = vec![];
            for _ in 0..1 + rng.below(3) {
                let port = PORTS[rng.below(PORTS.len())];
                if g > 0 && rng.below(2) == 0 {
                    ingress.push(json!({"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": sg(rng.below(g))}]}));
                } else {
                    let cidr = if rng.below(10) == 0 { "0.0.0.0/0".to_string() } else { format!("10.{o2}.{o3}.0/18") };
                    ingress.push(json!({"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}));
                }
            }
            sgs.push(json!({"GroupId": sg(g), "GroupName": format!("tier-{v}-{g}"), "VpcId": vpc, "IpPermissions": ingress,
                "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}));
        }
        // Interfaces.
        enis.push(json!({"NetworkInterfaceId": nat_eni, "VpcId": vpc, "SubnetId": sub(0), "PrivateIpAddress": nat_ip,
            "InterfaceType": "nat_gateway", "Groups": [], "Description": format!("Interface for NAT Gateway {nat}")}));
        for s in (0..subnets_per_vpc).filter(|s| *s == 0 || *s >= 3) {
            for k in 0..spec.enis_per_subnet {
                let ip = format!("10.{o2}.{}.{}", o3 + s, 10 + k % 240);
                let mut e = json!({"NetworkInterfaceId": format!("eni-{eni_n:017x}"), "VpcId": vpc, "SubnetId": sub(s), "PrivateIpAddress": ip,
                    "InterfaceType": "interface", "Groups": [{"GroupId": sg(rng.below(spec.sgs_per_vpc))}], "TagSet": tag(&format!("host-{eni_n}"))});
                if rng.below(3) == 0 {
                    e["Groups"].as_array_mut().map(|g| g.push(json!({"GroupId": sg(rng.below(spec.sgs_per_vpc))})));
                }
                if s == 0 {
                    e["Association"] = json!({"PublicIp": format!("54.{}.{}.{}", eni_n / 65536 % 256, eni_n / 256 % 256, eni_n % 256)});
                }
                enis.push(e);
                eni_n += 1;
            }
        }
        // Transit gateway attachment through subnets 1 and 2.
        let att = format!("tgw-attach-{v:016x}");
        atts.push(json!({"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "ResourceType": "vpc", "ResourceId": vpc, "State": "available",
            "Association": {"TransitGatewayRouteTableId": tgw_rt, "State": "associated"}}));
        vpc_atts.push(json!({"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "VpcId": vpc, "SubnetIds": [sub(1), sub(2)], "State": "available"}));
        props.push(json!({"TransitGatewayAttachmentId": att, "ResourceId": vpc, "ResourceType": "vpc", "State": "enabled"}));
    }
    let origin = |k: &str| format!("123456789012/us-east-1/{k}.json");
    vec![
        (origin("Vpcs"), json!({"Vpcs": vpcs})),
        (origin("Subnets"), json!({"Subnets": subnets})),
        (origin("RouteTables"), json!({"RouteTables": rts})),
        (origin("NetworkAcls"), json!({"NetworkAcls": acls})),
        (origin("SecurityGroups"), json!({"SecurityGroups": sgs})),
        (origin("NetworkInterfaces"), json!({"NetworkInterfaces": enis})),
        (origin("InternetGateways"), json!({"InternetGateways": igws})),
        (origin("NatGateways"), json!({"NatGateways": nats})),
        (origin("TransitGateways"), json!({"TransitGateways": [{"TransitGatewayId": tgw, "State": "available"}]})),
        (origin("TransitGatewayAttachments"), json!({"TransitGatewayAttachments": atts})),
        (origin("TransitGatewayVpcAttachments"), json!({"TransitGatewayVpcAttachments": vpc_atts})),
        (origin("TransitGatewayRouteTables"), json!({"TransitGatewayRouteTables": [{"TransitGatewayRouteTableId": tgw_rt, "TransitGatewayId": tgw, "State": "available"}]})),
        (origin("TransitGatewayPropagations"), json!({"TransitGatewayPropagations": [{"TransitGatewayRouteTableId": tgw_rt, "TransitGatewayRouteTablePropagations": props}]})),
    ]
}

/// The account id of account `a` of a generated estate (account 0 is the network account).
pub fn estate_account(a: usize) -> String {
    format!("{}", 200_000_000_000u64 + a as u64)
}

/// The network of `spec` spread over `accounts` accounts, as a multi-account capture writes
/// it (`accounts/<account>/us-east-1/<Key>.json`): the VPCs are dealt to the accounts in
/// blocks (VPC `v` of `n` belongs to account `v * accounts / n`), each account listing its
/// VPCs and everything in them with its `OwnerId`. Account 0, the network account, owns the
/// transit gateway, its route table and propagations, and shares the gateway by AWS RAM:
/// every account lists the gateway (owner: the network account) and the attachments of its
/// own VPCs, which the network account lists too, so the same resources come from two
/// accounts and must be merged once. With one account this is [`network`] in the
/// multi-account layout.
pub fn estate(spec: &NetworkSpec, accounts: usize) -> Vec<(String, Value)> {
    let accounts = accounts.max(1);
    let docs = network(spec);
    let vpcs = spec.vpcs.clamp(1, 1024);
    let owner_of_vpc = |vpc: &str| -> usize {
        let v = vpc.strip_prefix("vpc-").and_then(|h| usize::from_str_radix(h, 16).ok()).unwrap_or(0);
        (v * accounts / vpcs).min(accounts - 1)
    };
    let mut per_account: Vec<std::collections::BTreeMap<String, Vec<Value>>> = vec![Default::default(); accounts];
    for (origin, doc) in docs {
        let key = origin.rsplit('/').next().and_then(|f| f.strip_suffix(".json")).unwrap_or_default().to_owned();
        let Some(items) = doc.get(&key).and_then(Value::as_array) else { continue };
        for item in items {
            let mut item = item.clone();
            let vpc = item
                .get("VpcId")
                .or_else(|| item.pointer("/Attachments/0/VpcId"))
                .or_else(|| item.get("ResourceId").filter(|_| key == "TransitGatewayAttachments"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            match (key.as_str(), vpc) {
                ("TransitGateways", _) => {
                    item["OwnerId"] = json!(estate_account(0));
                    for listing in per_account.iter_mut() {
                        listing.entry(key.clone()).or_default().push(item.clone());
                    }
                }
                ("TransitGatewayAttachments" | "TransitGatewayVpcAttachments", Some(vpc)) => {
                    let a = owner_of_vpc(&vpc);
                    item["TransitGatewayOwnerId"] = json!(estate_account(0));
                    item[if key == "TransitGatewayAttachments" { "ResourceOwnerId" } else { "VpcOwnerId" }] =
                        json!(estate_account(a));
                    if a != 0 {
                        per_account[a].entry(key.clone()).or_default().push(item.clone());
                    }
                    per_account[0].entry(key.clone()).or_default().push(item);
                }
                (_, Some(vpc)) => {
                    let a = owner_of_vpc(&vpc);
                    if matches!(key.as_str(), "Vpcs" | "Subnets" | "SecurityGroups" | "NetworkInterfaces") {
                        item["OwnerId"] = json!(estate_account(a));
                    }
                    per_account[a].entry(key.clone()).or_default().push(item);
                }
                (_, None) => per_account[0].entry(key.clone()).or_default().push(item),
            }
        }
    }
    let mut out = Vec::new();
    for (a, listing) in per_account.into_iter().enumerate() {
        for (key, items) in listing {
            out.push((format!("accounts/{}/us-east-1/{key}.json", estate_account(a)), json!({ key.clone(): items })));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_network_has_the_requested_scale_and_loads_without_warnings() {
        let docs = network(&NetworkSpec::with_enis(10_000));
        let loaded = crate::source::snapshot::load_documents(docs).unwrap();
        let m = &loaded.model;
        assert_eq!(m.vpcs.len(), 50);
        assert_eq!(m.subnets.len(), 2000);
        assert_eq!(m.security_groups.len(), 2000);
        assert!(m.enis.len() >= 10_000, "{}", m.enis.len());
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings.iter().collect::<Vec<_>>());
    }

    #[test]
    fn an_estate_spreads_the_vpcs_over_accounts_and_shares_the_transit_gateway_once() {
        let spec = NetworkSpec { vpcs: 6, subnets_per_vpc: 5, enis_per_subnet: 2, sgs_per_vpc: 3, seed: 5 };
        let one = crate::source::snapshot::load_documents(network(&spec)).unwrap().model;
        let loaded = crate::source::snapshot::load_documents(estate(&spec, 3)).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings.iter().collect::<Vec<_>>());
        let m = &loaded.model;
        // The same resources as one account's capture: the shared gateway and the attachments
        // both the network account and their VPC's account list are merged once.
        assert_eq!((m.vpcs.len(), m.enis.len(), m.transit_gateways.len()), (one.vpcs.len(), one.enis.len(), 1));
        assert_eq!(m.tgw_attachments.len(), one.tgw_attachments.len());
        let owners: std::collections::BTreeSet<_> = m.vpcs.iter().filter_map(|v| v.owner.clone()).collect();
        assert_eq!(owners.len(), 3);
        assert_eq!(m.transit_gateways[0].owner.as_deref(), Some(estate_account(0).as_str()));
    }
}

/// Flow logs for a generated (or any) network.
#[derive(Clone, Copy, Debug)]
pub struct FlowSpec {
    /// Records to write.
    pub records: u64,
    /// Distinct client/server connections (each logs up to four records per window: request
    /// and reply at the client and at the server).
    pub connections: usize,
    /// One connection in `reject_every` is refused at the server.
    pub reject_every: usize,
    /// Seed.
    pub seed: u64,
}

/// Writes default-format (version 2) flow-log lines between interfaces of `model`: clients
/// talk to servers on common service ports, both ends log the request and the reply, some
/// requests are refused. Returns the bytes written.
pub fn write_flow_logs(model: &crate::model::Model, spec: &FlowSpec, out: &mut dyn std::io::Write) -> std::io::Result<u64> {
    use std::net::IpAddr;
    let hosts: Vec<(&str, IpAddr)> = model
        .enis
        .iter()
        .filter(|e| e.kind == crate::model::EniKind::Interface)
        .filter_map(|e| e.primary_ip().filter(IpAddr::is_ipv4).map(|ip| (e.id.as_str(), ip)))
        .collect();
    if hosts.len() < 2 {
        return Ok(0);
    }
    let mut rng = Rng(spec.seed.max(1));
    struct Conn<'a> {
        client: (&'a str, IpAddr),
        server: (&'a str, IpAddr),
        sport: u16,
        dport: u16,
        reject: bool,
    }
    let conns: Vec<Conn> = (0..spec.connections.max(1))
        .map(|i| {
            let c = hosts[rng.below(hosts.len())];
            let mut s = hosts[rng.below(hosts.len())];
            if s.0 == c.0 {
                s = hosts[(rng.below(hosts.len() - 1) + 1 + hosts.iter().position(|h| h.0 == c.0).unwrap_or(0)) % hosts.len()];
            }
            Conn { client: c, server: s, sport: 32768 + (rng.below(28000) as u16), dport: PORTS[rng.below(PORTS.len())], reject: i % spec.reject_every.max(1) == 0 }
        })
        .collect();
    let mut written = 0u64;
    let mut n = 0u64;
    let mut line = String::with_capacity(160);
    let t0 = 1_764_150_000u64;
    'outer: loop {
        for (i, c) in conns.iter().enumerate() {
            let t = t0 + (n / conns.len() as u64) * 60;
            let (pk, by) = (1 + (i % 20) as u64, 60 + (i % 1400) as u64);
            let mut emit = |eni: &str, src: IpAddr, dst: IpAddr, sp: u16, dp: u16, action: &str| -> std::io::Result<bool> {
                use std::fmt::Write as _;
                line.clear();
                let _ = writeln!(line, "2 123456789012 {eni} {src} {dst} {sp} {dp} 6 {pk} {by} {t} {} {action} OK", t + 60);
                out.write_all(line.as_bytes())?;
                written += line.len() as u64;
                n += 1;
                Ok(n >= spec.records)
            };
            let (cl, sv) = (c.client, c.server);
            let verdict = if c.reject { "REJECT" } else { "ACCEPT" };
            if emit(cl.0, cl.1, sv.1, c.sport, c.dport, "ACCEPT")? || emit(sv.0, cl.1, sv.1, c.sport, c.dport, verdict)? {
                break 'outer;
            }
            if !c.reject && (emit(sv.0, sv.1, cl.1, c.dport, c.sport, "ACCEPT")? || emit(cl.0, sv.1, cl.1, c.dport, c.sport, "ACCEPT")?) {
                break 'outer;
            }
        }
    }
    Ok(written)
}

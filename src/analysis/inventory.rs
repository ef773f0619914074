//! `ls`: what a snapshot holds, as rows a person can scan and a script can read: VPCs,
//! subnets, interfaces (with what owns them and their addresses), security groups, network
//! ACLs, route tables, gateways and load balancers. It answers "what can I pass to
//! `--from`?".

use crate::model::*;
use crate::topology::Topology;
use serde::Serialize;

/// The kinds of rows, in report order (the names are part of the JSON contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// VPCs.
    Vpcs,
    /// Subnets.
    Subnets,
    /// Network interfaces.
    Interfaces,
    /// Security groups.
    SecurityGroups,
    /// Network ACLs.
    NetworkAcls,
    /// Route tables.
    RouteTables,
    /// Internet, egress-only, NAT, VPN and transit gateways, peerings, endpoints, firewalls.
    Gateways,
    /// Load balancers, with their listeners.
    LoadBalancers,
}

/// Every section, in report order.
pub const SECTIONS: [Section; 8] = [
    Section::Vpcs,
    Section::Subnets,
    Section::Interfaces,
    Section::SecurityGroups,
    Section::NetworkAcls,
    Section::RouteTables,
    Section::Gateways,
    Section::LoadBalancers,
];

impl Section {
    /// The kebab-case name (`security-groups`).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Vpcs => "vpcs",
            Section::Subnets => "subnets",
            Section::Interfaces => "interfaces",
            Section::SecurityGroups => "security-groups",
            Section::NetworkAcls => "network-acls",
            Section::RouteTables => "route-tables",
            Section::Gateways => "gateways",
            Section::LoadBalancers => "load-balancers",
        }
    }

    /// The section named `s` (its name, or a short form: `vpc`, `subnet`, `eni`, `sg`,
    /// `acl`, `rtb`, `gw`, `lb`).
    pub fn parse(s: &str) -> Option<Section> {
        Some(match s.to_ascii_lowercase().as_str() {
            "vpcs" | "vpc" => Section::Vpcs,
            "subnets" | "subnet" => Section::Subnets,
            "interfaces" | "interface" | "enis" | "eni" => Section::Interfaces,
            "security-groups" | "security-group" | "sgs" | "sg" => Section::SecurityGroups,
            "network-acls" | "network-acl" | "acls" | "acl" => Section::NetworkAcls,
            "route-tables" | "route-table" | "rtbs" | "rtb" => Section::RouteTables,
            "gateways" | "gateway" | "gw" => Section::Gateways,
            "load-balancers" | "load-balancer" | "lbs" | "lb" | "elb" => Section::LoadBalancers,
            _ => return None,
        })
    }
}

/// One row: an AWS id, what it is, its name and the columns of its section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The section.
    pub section: Section,
    /// The AWS id.
    pub id: String,
    /// What it is (`interface`, `rds`, `nat-gateway`, `internet-gateway`, ...).
    pub kind: String,
    /// Name tag, group name or DB identifier (untrusted text).
    pub name: Option<String>,
    /// The VPC it belongs to, when it belongs to one.
    pub vpc: Option<String>,
    /// The subnet (interfaces) or zone (subnets).
    pub place: Option<String>,
    /// Addresses or CIDR blocks.
    pub addresses: Vec<String>,
    /// The rest, as `key=value` words (security groups of an interface, its owner, rule
    /// counts, associations, state).
    pub details: Vec<String>,
}

impl Row {
    /// Whether `needle` (lower case) appears in the id, name, kind, VPC, place, an address or
    /// a detail.
    pub fn matches(&self, needle: &str) -> bool {
        let has = |s: &str| s.to_ascii_lowercase().contains(needle);
        has(&self.id)
            || has(&self.kind)
            || self.name.as_deref().is_some_and(has)
            || self.vpc.as_deref().is_some_and(has)
            || self.place.as_deref().is_some_and(has)
            || self.addresses.iter().any(|a| has(a))
            || self.details.iter().any(|d| has(d))
    }
}

fn name(tags: &Tags) -> Option<String> {
    tags.name().filter(|n| !n.is_empty()).map(str::to_string)
}

/// The rows of `sections` (all when empty), kept when they match `filter` (case-insensitive
/// substring of any column), in report order.
pub fn inventory(topo: &Topology<'_>, sections: &[Section], filter: Option<&str>) -> Vec<Row> {
    let m = topo.model;
    let want = |s: Section| sections.is_empty() || sections.contains(&s);
    let mut rows = Vec::new();
    if want(Section::Vpcs) {
        for v in &m.vpcs {
            let mut details = Vec::new();
            details.extend(v.owner.as_ref().map(|o| format!("owner={o}")));
            details.extend(v.region.as_ref().map(|r| format!("region={r}")));
            rows.push(Row {
                section: Section::Vpcs,
                id: v.id.to_string(),
                kind: "vpc".into(),
                name: name(&v.tags),
                vpc: None,
                place: None,
                addresses: v.cidrs.iter().map(ToString::to_string).collect(),
                details,
            });
        }
    }
    if want(Section::Subnets) {
        for (i, s) in m.subnets.iter().enumerate() {
            let mut details = Vec::new();
            details.extend(topo.route_table_of(i).map(|r| format!("route-table={}", r.id)));
            details.extend(topo.nacl_of(i).map(|a| format!("network-acl={}", a.id)));
            rows.push(Row {
                section: Section::Subnets,
                id: s.id.to_string(),
                kind: "subnet".into(),
                name: name(&s.tags),
                vpc: Some(s.vpc.to_string()),
                place: Some(s.az.clone()),
                addresses: s.cidr.iter().map(ToString::to_string).chain(s.ipv6_cidrs.iter().map(ToString::to_string)).collect(),
                details,
            });
        }
    }
    // Interfaces name their account when the snapshot spans several.
    let several_accounts = m.vpcs.iter().filter_map(|v| v.owner.as_deref()).collect::<std::collections::BTreeSet<_>>().len() > 1;
    if want(Section::Interfaces) {
        for e in &m.enis {
            let mut addresses: Vec<String> = e.private_ips.iter().map(ToString::to_string).collect();
            addresses.extend(e.prefixes.iter().map(ToString::to_string));
            addresses.extend(e.public_ips.iter().map(|p| format!("{} (public)", p.public)));
            let mut details = Vec::new();
            let owners: Vec<&str> = (0..m.db_instances.len()).filter(|&d| topo.db_enis(d).contains(&topo.eni_ix(e.id.as_str()).unwrap_or(usize::MAX))).map(|d| m.db_instances[d].id.as_str()).collect();
            match owners.as_slice() {
                [] => {}
                [one] => details.push(format!("db={one}")),
                many => details.push(format!("db={} (cannot tell which)", many.join("|"))),
            }
            details.extend(e.instance.as_ref().map(|i| format!("instance={i}")));
            if several_accounts {
                details.extend(topo.eni_ix(e.id.as_str()).and_then(|ix| topo.eni_account(ix)).map(|a| format!("account={a}")));
            }
            if !e.security_groups.is_empty() {
                details.push(format!("security-groups={}", e.security_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",")));
            }
            rows.push(Row {
                section: Section::Interfaces,
                id: e.id.to_string(),
                kind: e.kind.label().to_string(),
                name: topo.name_of(e.id.as_str()).filter(|n| !n.is_empty()).map(str::to_string),
                vpc: Some(e.vpc.to_string()),
                place: Some(e.subnet.to_string()),
                addresses,
                details,
            });
        }
    }
    if want(Section::SecurityGroups) {
        for g in &m.security_groups {
            let members = topo.sg_members(g.id.as_str()).len();
            rows.push(Row {
                section: Section::SecurityGroups,
                id: g.id.to_string(),
                kind: "security-group".into(),
                name: Some(g.name.clone()).filter(|n| !n.is_empty()).or_else(|| name(&g.tags)),
                vpc: g.vpc.as_ref().map(ToString::to_string),
                place: None,
                addresses: Vec::new(),
                details: vec![format!("inbound-rules={}", g.ingress.len()), format!("outbound-rules={}", g.egress.len()), format!("interfaces={members}")],
            });
        }
    }
    if want(Section::NetworkAcls) {
        for a in &m.network_acls {
            let mut details = vec![format!("inbound-entries={}", a.ingress.len()), format!("outbound-entries={}", a.egress.len())];
            if a.is_default {
                details.push("default".into());
            }
            if !a.subnets.is_empty() {
                details.push(format!("subnets={}", a.subnets.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")));
            }
            rows.push(Row { section: Section::NetworkAcls, id: a.id.to_string(), kind: "network-acl".into(), name: name(&a.tags), vpc: Some(a.vpc.to_string()), place: None, addresses: Vec::new(), details });
        }
    }
    if want(Section::RouteTables) {
        for r in &m.route_tables {
            let mut details = vec![format!("routes={}", r.routes.len())];
            if r.main {
                details.push("main".into());
            }
            if !r.subnets.is_empty() {
                details.push(format!("subnets={}", r.subnets.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")));
            }
            if !r.edge_gateways.is_empty() {
                details.push(format!("edge={}", r.edge_gateways.join(",")));
            }
            rows.push(Row { section: Section::RouteTables, id: r.id.to_string(), kind: "route-table".into(), name: name(&r.tags), vpc: Some(r.vpc.to_string()), place: None, addresses: Vec::new(), details });
        }
        for r in &m.tgw_route_tables {
            let details = vec![format!("routes={}", r.routes.len()), format!("transit-gateway={}", r.tgw)];
            rows.push(Row { section: Section::RouteTables, id: r.id.to_string(), kind: "transit-gateway-route-table".into(), name: name(&r.tags), vpc: None, place: None, addresses: Vec::new(), details });
        }
    }
    if want(Section::Gateways) {
        rows.extend(gateways(m));
        for f in &m.firewalls {
            let mut details = vec![format!("policy={}", f.policy)];
            details.extend(f.endpoints.iter().map(|e| format!("endpoint={}@{}", e.endpoint, e.az)));
            rows.push(Row { section: Section::Gateways, id: f.id.clone(), kind: "network-firewall".into(), name: Some(f.name.clone()), vpc: Some(f.vpc.to_string()), place: None, addresses: Vec::new(), details });
        }
    }
    if want(Section::LoadBalancers) {
        for (li, lb) in m.load_balancers.iter().enumerate() {
            let mut details = vec![if lb.internet_facing { "internet-facing".to_string() } else { "internal".to_string() }];
            let listeners: Vec<String> = lb.listeners.iter().map(|l| format!("{}:{}", l.protocol, l.port)).collect();
            if !listeners.is_empty() {
                details.push(format!("listeners={}", listeners.join(",")));
            }
            let nodes: Vec<&str> = topo.lb_nodes(li).iter().map(|&i| m.enis[i].id.as_str()).collect();
            if !nodes.is_empty() {
                details.push(format!("nodes={}", nodes.join(",")));
            }
            if !lb.security_groups.is_empty() {
                details.push(format!("security-groups={}", lb.security_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",")));
            }
            rows.push(Row {
                section: Section::LoadBalancers,
                id: lb.id.clone(),
                kind: lb.kind.label().into(),
                name: Some(lb.name.clone()),
                vpc: Some(lb.vpc.to_string()),
                place: None,
                addresses: vec![lb.dns_name.clone()].into_iter().filter(|d| !d.is_empty()).collect(),
                details,
            });
        }
    }
    if let Some(f) = filter.map(str::to_ascii_lowercase).filter(|f| !f.is_empty()) {
        rows.retain(|r| r.matches(&f));
    }
    rows
}

fn gateways(m: &Model) -> Vec<Row> {
    let row = |id: String, kind: &str, tags: &Tags, vpc: Option<String>, details: Vec<String>| Row {
        section: Section::Gateways,
        id,
        kind: kind.into(),
        name: name(tags),
        vpc,
        place: None,
        addresses: Vec::new(),
        details,
    };
    let vpcs = |v: &[VpcId]| (!v.is_empty()).then(|| v.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(","));
    let mut rows = Vec::new();
    for g in &m.internet_gateways {
        rows.push(row(g.id.to_string(), "internet-gateway", &g.tags, vpcs(&g.vpcs), vec![]));
    }
    for g in &m.egress_only_gateways {
        rows.push(row(g.id.to_string(), "egress-only-internet-gateway", &g.tags, vpcs(&g.vpcs), vec![]));
    }
    for n in &m.nat_gateways {
        let mut r = row(n.id.to_string(), "nat-gateway", &n.tags, Some(n.vpc.to_string()), vec![format!("state={}", n.state), format!("subnet={}", n.subnet)]);
        r.addresses = n.addresses.iter().flat_map(|a| a.private_ip.map(|p| p.to_string()).into_iter().chain(a.public_ip.map(|p| format!("{p} (public)")))).collect();
        rows.push(r);
    }
    for p in &m.peerings {
        let d = vec![format!("status={}", p.status), format!("requester={}", p.requester.vpc), format!("accepter={}", p.accepter.vpc)];
        rows.push(row(p.id.to_string(), "vpc-peering", &p.tags, None, d));
    }
    for t in &m.transit_gateways {
        rows.push(row(t.id.to_string(), "transit-gateway", &t.tags, None, vec![format!("state={}", t.state)]));
    }
    for a in &m.tgw_attachments {
        let (vpc, what) = match &a.kind {
            TgwAttachmentKind::Vpc { vpc, .. } => (Some(vpc.to_string()), "vpc".to_string()),
            TgwAttachmentKind::Peering { peer_tgw } => (None, format!("peering {}", peer_tgw.as_ref().map(|t| t.as_str()).unwrap_or("?"))),
            TgwAttachmentKind::External { resource_type, resource_id } => (None, format!("{resource_type} {resource_id}")),
        };
        rows.push(row(a.id.to_string(), "transit-gateway-attachment", &a.tags, vpc, vec![format!("transit-gateway={}", a.tgw), format!("to={what}"), format!("state={}", a.state)]));
    }
    for g in &m.vpn_gateways {
        rows.push(row(g.id.clone(), "vpn-gateway", &g.tags, vpcs(&g.vpcs), vec![format!("state={}", g.state)]));
    }
    for c in &m.vpn_connections {
        let on = c.vgw.clone().or_else(|| c.tgw.as_ref().map(|t| t.to_string())).unwrap_or_default();
        let tunnels = match c.tunnels_up() {
            Some(true) => format!("tunnels-up={}/{}", c.tunnels.iter().filter(|t| t.up).count(), c.tunnels.len()),
            Some(false) => "tunnels-up=0".to_string(),
            None => "tunnels=unknown".to_string(),
        };
        rows.push(row(c.id.clone(), "vpn-connection", &c.tags, None, vec![format!("on={on}"), format!("state={}", c.state), tunnels]));
    }
    for d in &m.dx_gateways {
        let mut r = row(d.id.clone(), "direct-connect-gateway", &Tags::default(), None, vec![format!("state={}", d.state), format!("associated={}", d.associated.join(","))]);
        r.name = Some(d.name.clone()).filter(|n| !n.is_empty());
        rows.push(r);
    }
    for v in &m.virtual_interfaces {
        let on = v.vgw.clone().or_else(|| v.dx_gateway.clone()).unwrap_or_default();
        let mut r = row(v.id.clone(), "virtual-interface", &Tags::default(), None, vec![format!("type={}", v.kind.as_ref().map_or("", VifKind::as_str)), format!("on={on}"), format!("state={}", v.state)]);
        r.name = Some(v.name.clone()).filter(|n| !n.is_empty());
        rows.push(r);
    }
    for e in &m.vpc_endpoints {
        let kind = match e.kind {
            VpceKind::Gateway => "gateway-endpoint",
            VpceKind::Interface => "interface-endpoint",
            VpceKind::GatewayLoadBalancer => "gateway-load-balancer-endpoint",
        };
        rows.push(row(e.id.to_string(), kind, &e.tags, Some(e.vpc.to_string()), vec![format!("service={}", e.service)]));
    }
    rows
}

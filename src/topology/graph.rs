//! The network's structure as a petgraph graph: VPCs, subnets, route tables, gateways,
//! transit gateways and their route tables, peerings, endpoints and interface groups, at one
//! of three levels of detail (`vpc`, `subnet`, `class`). `vpcscope graph` exports it; the
//! routing checks (`routing_loops`, `unrouted_subnets`) search it.
//!
//! Sizes stay bounded at 10,000 interfaces: interfaces are never nodes one by one, they are
//! grouped per subnet and set of security groups (`class` level) or not drawn at all.
//! petgraph types stay inside this module: [`Structure`] exposes plain nodes and edges.

use crate::model::*;
use crate::topology::Topology;
use ipnet::IpNet;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How much detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// VPCs and what joins them: gateways, transit gateways, peerings.
    Vpc,
    /// And subnets, route tables (with their routes as edges), NAT gateways, endpoints.
    Subnet,
    /// And interface groups: the interfaces of one subnet with one set of security groups.
    Class,
}

/// A node of the structure graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GNode {
    /// AWS id (or `internet`, or `<subnet>/<groups>` for an interface group).
    pub id: String,
    /// `vpc`, `subnet`, `route-table`, `internet-gateway`, `nat-gateway`,
    /// `transit-gateway`, `transit-gateway-route-table`, `vpc-peering-connection`,
    /// `vpc-endpoint`, `vpn-gateway`, `egress-only-internet-gateway`, `interfaces`,
    /// `internet`, `other`.
    pub kind: String,
    /// Name tag (untrusted text: renderers escape it).
    pub name: Option<String>,
    /// The VPC it belongs to, when it belongs to one.
    pub vpc: Option<String>,
    /// Interfaces in an interface group.
    pub interfaces: Option<usize>,
}

/// An edge of the structure graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GEdge {
    /// `contains`, `associated`, `route`, `attachment`, `peering`, `propagation`, `reach`.
    pub kind: String,
    /// Route destinations (for `route` edges), ports (for `reach` edges).
    pub label: Option<String>,
}

/// The structure graph.
pub struct Structure {
    g: DiGraph<GNode, GEdge>,
}

/// Interface groups at `class` level: (subnet, sorted security groups) -> interfaces.
pub type Groups = BTreeMap<(String, Vec<String>), Vec<usize>>;

impl Structure {
    /// Builds the graph of `topo`'s model at `level`.
    pub fn build(topo: &Topology<'_>, level: Level) -> Structure {
        let m = topo.model;
        let mut b = Build { g: DiGraph::new(), ix: HashMap::new() };
        let name = |t: &Tags| t.name().map(str::to_string);
        for v in &m.vpcs {
            b.node(v.id.as_str(), "vpc", name(&v.tags), None);
        }
        for igw in &m.internet_gateways {
            let n = b.node(igw.id.as_str(), "internet-gateway", name(&igw.tags), igw.vpcs.first().map(|v| v.to_string()));
            let inet = b.node("internet", "internet", None, None);
            b.edge_n(n, inet, "route", None);
            for v in &igw.vpcs {
                b.edge(v.as_str(), igw.id.as_str(), "attachment", None);
            }
        }
        for pcx in &m.peerings {
            b.node(pcx.id.as_str(), "vpc-peering-connection", name(&pcx.tags), None);
            b.edge(pcx.requester.vpc.as_str(), pcx.id.as_str(), "peering", None);
            b.edge(pcx.id.as_str(), pcx.accepter.vpc.as_str(), "peering", None);
        }
        for t in &m.transit_gateways {
            b.node(t.id.as_str(), "transit-gateway", name(&t.tags), None);
        }
        for a in &m.tgw_attachments {
            match &a.kind {
                TgwAttachmentKind::Vpc { vpc, .. } => {
                    b.edge(vpc.as_str(), a.tgw.as_str(), "attachment", Some(a.id.to_string()));
                }
                TgwAttachmentKind::Peering { peer_tgw: Some(p) } => {
                    b.edge(a.tgw.as_str(), p.as_str(), "peering", Some(a.id.to_string()));
                }
                TgwAttachmentKind::Peering { peer_tgw: None } => {}
                TgwAttachmentKind::External { resource_id, .. } => {
                    b.node(resource_id, "other", None, None);
                    b.edge(resource_id, a.tgw.as_str(), "attachment", Some(a.id.to_string()));
                }
            }
        }
        for vgw in &m.vpn_gateways {
            b.node(&vgw.id, "vpn-gateway", name(&vgw.tags), None);
            for v in &vgw.vpcs {
                b.edge(v.as_str(), &vgw.id, "attachment", None);
            }
        }
        if level >= Level::Subnet {
            for s in &m.subnets {
                b.node(s.id.as_str(), "subnet", name(&s.tags), Some(s.vpc.to_string()));
                b.edge(s.vpc.as_str(), s.id.as_str(), "contains", None);
            }
            for n in &m.nat_gateways {
                b.node(n.id.as_str(), "nat-gateway", name(&n.tags), Some(n.vpc.to_string()));
                b.edge(n.subnet.as_str(), n.id.as_str(), "contains", None);
            }
            for e in &m.vpc_endpoints {
                b.node(e.id.as_str(), "vpc-endpoint", name(&e.tags), Some(e.vpc.to_string()));
                b.edge(e.vpc.as_str(), e.id.as_str(), "contains", None);
            }
            for e in &m.egress_only_gateways {
                b.node(e.id.as_str(), "egress-only-internet-gateway", None, None);
            }
            for rt in &m.route_tables {
                b.node(rt.id.as_str(), "route-table", name(&rt.tags), Some(rt.vpc.to_string()));
                let subnets: Vec<&str> = if rt.main {
                    // The main table serves every subnet of the VPC without an explicit association.
                    m.subnets.iter().filter(|s| s.vpc == rt.vpc && topo.subnet_ix(s.id.as_str()).and_then(|i| topo.route_table_of(i)).is_some_and(|t| t.id == rt.id)).map(|s| s.id.as_str()).collect()
                } else {
                    rt.subnets.iter().map(|s| s.as_str()).collect()
                };
                for s in subnets {
                    b.edge(s, rt.id.as_str(), "associated", None);
                }
                // Routes as edges to their targets, destinations grouped per target.
                let mut per_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for r in &rt.routes {
                    if matches!(r.target, RouteTarget::Local) {
                        continue;
                    }
                    per_target.entry(r.target.id().to_string()).or_default().push(dest_str(&r.dest));
                }
                for (target, dests) in per_target {
                    if b.ix.get(&target).is_none() {
                        b.node(&target, "other", None, None);
                    }
                    b.edge(rt.id.as_str(), &target, "route", Some(dests.join(", ")));
                }
            }
            for t in &m.tgw_route_tables {
                b.node(t.id.as_str(), "transit-gateway-route-table", name(&t.tags), None);
                b.edge(t.tgw.as_str(), t.id.as_str(), "contains", None);
                let mut per_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for r in &t.routes {
                    for a in &r.attachments {
                        let to = match m.tgw_attachments.iter().find(|x| &x.id == a).map(|x| &x.kind) {
                            Some(TgwAttachmentKind::Vpc { vpc, .. }) => vpc.to_string(),
                            Some(TgwAttachmentKind::Peering { peer_tgw: Some(p) }) => p.to_string(),
                            Some(TgwAttachmentKind::External { resource_id, .. }) => resource_id.clone(),
                            _ => a.to_string(),
                        };
                        per_target.entry(to).or_default().push(dest_str(&r.dest));
                    }
                }
                for (target, dests) in per_target {
                    if b.ix.get(&target).is_none() {
                        b.node(&target, "other", None, None);
                    }
                    b.edge(t.id.as_str(), &target, "route", Some(dests.join(", ")));
                }
            }
            for a in &m.tgw_attachments {
                if let (Some(rt), TgwAttachmentKind::Vpc { vpc, .. }) = (&a.route_table, &a.kind) {
                    b.edge(vpc.as_str(), rt.as_str(), "associated", Some(a.id.to_string()));
                }
            }
        }
        if level >= Level::Class {
            for ((subnet, sgs), members) in groups(m) {
                let id = format!("{subnet}/{}", if sgs.is_empty() { "-".to_string() } else { sgs.join("+") });
                let vpc = m.enis.get(members[0]).map(|e| e.vpc.to_string());
                let n = b.node(&id, "interfaces", None, vpc);
                b.g[n].interfaces = Some(members.len());
                b.edge(&subnet, &id, "contains", None);
            }
        }
        Structure { g: b.g }
    }

    /// Nodes, in insertion order.
    pub fn nodes(&self) -> Vec<&GNode> {
        self.g.node_weights().collect()
    }

    /// Edges as (from index, to index, edge), indexes into [`Structure::nodes`].
    pub fn edges(&self) -> Vec<(usize, usize, &GEdge)> {
        self.g.raw_edges().iter().map(|e| (e.source().index(), e.target().index(), &e.weight)).collect()
    }

    /// Adds `reach` edges between interface groups (from `(from, to, ports)` by group id).
    pub fn add_reach(&mut self, edges: &[(String, String, String)]) {
        let ix: HashMap<String, NodeIndex> = self.g.node_indices().map(|i| (self.g[i].id.clone(), i)).collect();
        for (a, b, ports) in edges {
            if let (Some(&x), Some(&y)) = (ix.get(a), ix.get(b)) {
                self.g.add_edge(x, y, GEdge { kind: "reach".into(), label: Some(ports.clone()) });
            }
        }
    }
}

/// The interface groups of `class` level.
pub fn groups(m: &Model) -> Groups {
    let mut out: Groups = BTreeMap::new();
    for (i, e) in m.enis.iter().enumerate() {
        let mut sgs: Vec<String> = e.security_groups.iter().map(|g| g.to_string()).collect();
        sgs.sort();
        out.entry((e.subnet.to_string(), sgs)).or_default().push(i);
    }
    out
}

/// The group id of interface group (`subnet`, `sgs`).
pub fn group_id(subnet: &str, sgs: &[String]) -> String {
    format!("{subnet}/{}", if sgs.is_empty() { "-".to_string() } else { sgs.join("+") })
}

fn dest_cidr(d: &RouteDest) -> Option<IpNet> {
    match d {
        RouteDest::Cidr(c) => Some(*c),
        RouteDest::PrefixList(_) => None,
    }
}

fn dest_str(d: &RouteDest) -> String {
    match d {
        RouteDest::Cidr(c) => c.to_string(),
        RouteDest::PrefixList(p) => p.to_string(),
    }
}

struct Build {
    g: DiGraph<GNode, GEdge>,
    ix: HashMap<String, NodeIndex>,
}

impl Build {
    fn node(&mut self, id: &str, kind: &str, name: Option<String>, vpc: Option<String>) -> NodeIndex {
        if let Some(&n) = self.ix.get(id) {
            if self.g[n].kind == "other" && kind != "other" {
                self.g[n].kind = kind.to_string();
                self.g[n].name = name;
                self.g[n].vpc = vpc;
            }
            return n;
        }
        let n = self.g.add_node(GNode { id: id.to_string(), kind: kind.to_string(), name, vpc, interfaces: None });
        self.ix.insert(id.to_string(), n);
        n
    }

    fn edge(&mut self, a: &str, b: &str, kind: &str, label: Option<String>) {
        let x = self.node(a, "other", None, None);
        let y = self.node(b, "other", None, None);
        self.edge_n(x, y, kind, label);
    }

    fn edge_n(&mut self, x: NodeIndex, y: NodeIndex, kind: &str, label: Option<String>) {
        if self.g.find_edge(x, y).is_some_and(|e| self.g[e].kind == kind) {
            return;
        }
        self.g.add_edge(x, y, GEdge { kind: kind.to_string(), label });
    }
}

/// A routing loop: route tables that forward a destination around a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoutingLoop {
    /// The destination address that loops.
    pub destination: String,
    /// The route tables and the next hops on the cycle, in order.
    pub tables: Vec<String>,
}

/// Routing loops: for every route's destination, the route tables (VPC and transit gateway)
/// that forward it to one another through peerings and transit gateways, as a graph; a
/// strongly connected component of more than one table (or a table that forwards to
/// itself) is a loop. The address tested is each route prefix's first address; a VPC
/// delivers an address inside its own CIDRs locally (no further hop).
pub fn routing_loops(topo: &Topology<'_>) -> Vec<RoutingLoop> {
    let m = topo.model;
    let mut dests: Vec<IpNet> = Vec::new();
    for rt in &m.route_tables {
        dests.extend(rt.routes.iter().filter_map(|r| dest_cidr(&r.dest)));
    }
    for t in &m.tgw_route_tables {
        dests.extend(t.routes.iter().filter_map(|r| dest_cidr(&r.dest)));
    }
    dests.sort();
    dests.dedup();
    // Lookups every destination repeats, built once: a VPC's route tables, the attachment of
    // a VPC to a transit gateway, and whether an address is inside a VPC (traffic for its own
    // VPC is delivered by the local route, never looped).
    let mut tables_of_vpc: HashMap<&str, Vec<&RouteTable>> = HashMap::new();
    for rt in &m.route_tables {
        tables_of_vpc.entry(rt.vpc.as_str()).or_default().push(rt);
    }
    let mut attachment_of: HashMap<(&str, &str), &TgwAttachment> = HashMap::new();
    for a in &m.tgw_attachments {
        if let TgwAttachmentKind::Vpc { vpc, .. } = &a.kind {
            attachment_of.entry((a.tgw.as_str(), vpc.as_str())).or_insert(a);
        }
    }
    let inside = |vpc: &str, addr: std::net::IpAddr| topo.vpc(vpc).is_some_and(|v| v.cidrs.iter().any(|c| c.contains(&addr)));
    let mut out = Vec::new();
    for d in dests {
        let addr = d.network();
        // Nodes: VPC route tables and TGW route tables.
        let mut g: DiGraph<String, ()> = DiGraph::new();
        let mut ix: HashMap<String, NodeIndex> = HashMap::new();
        let mut node = |g: &mut DiGraph<String, ()>, id: &str| *ix.entry(id.to_string()).or_insert_with(|| g.add_node(id.to_string()));
        for rt in &m.route_tables {
            if inside(rt.vpc.as_str(), addr) {
                continue;
            }
            let Some(r) = crate::eval::route::lookup(topo, rt, addr).map(|x| x.route) else { continue };
            let from = node(&mut g, rt.id.as_str());
            let next_vpc = match &r.target {
                RouteTarget::Peering(p) => topo.peering(p.as_str()).and_then(|p| p.other_side(&rt.vpc)).map(|s| s.vpc.clone()),
                RouteTarget::TransitGateway(t) => {
                    // The TGW route table of this VPC's attachment.
                    if let Some(a) = attachment_of.get(&(t.as_str(), rt.vpc.as_str())) {
                        if let Some(trt) = &a.route_table {
                            let to = node(&mut g, trt.as_str());
                            g.add_edge(from, to, ());
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(v) = next_vpc {
                // Every route table of the next VPC may handle it (arriving traffic is routed
                // by the table of the subnet it enters): a loop needs one that sends it back.
                for other in tables_of_vpc.get(v.as_str()).into_iter().flatten() {
                    let to = node(&mut g, other.id.as_str());
                    g.add_edge(from, to, ());
                }
            }
        }
        for t in &m.tgw_route_tables {
            let Some(r) = crate::eval::route::lookup_tgw(topo, t, addr).map(|x| x.route) else { continue };
            let from = node(&mut g, t.id.as_str());
            for a in &r.attachments {
                match topo.tgw_attachment(a.as_str()).map(|x| &x.kind) {
                    Some(TgwAttachmentKind::Vpc { vpc, subnets, .. }) => {
                        if inside(vpc.as_str(), addr) {
                            continue;
                        }
                        for s in subnets {
                            if let Some(rt) = topo.subnet_ix(s.as_str()).and_then(|i| topo.route_table_of(i)) {
                                let to = node(&mut g, rt.id.as_str());
                                g.add_edge(from, to, ());
                            }
                        }
                    }
                    Some(TgwAttachmentKind::Peering { peer_tgw: Some(p) }) => {
                        for prt in m.tgw_route_tables.iter().filter(|x| &x.tgw == p) {
                            let to = node(&mut g, prt.id.as_str());
                            g.add_edge(from, to, ());
                        }
                    }
                    _ => {}
                }
            }
        }
        for scc in petgraph::algo::tarjan_scc(&g) {
            let looped = scc.len() > 1 || scc.first().is_some_and(|&n| g.find_edge(n, n).is_some());
            if looped {
                let mut tables: Vec<String> = scc.iter().map(|&n| g[n].clone()).collect();
                tables.sort();
                out.push(RoutingLoop { destination: addr.to_string(), tables });
            }
        }
    }
    out.sort_by(|a, b| a.tables.cmp(&b.tables).then(a.destination.cmp(&b.destination)));
    out.dedup_by(|a, b| a.tables == b.tables);
    out
}

/// A subnet that routes to another VPC whose subnets route nothing back to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnroutedSubnet {
    /// The subnet no route leads back to.
    pub subnet: String,
    /// Its VPC.
    pub vpc: String,
    /// Its route table.
    pub route_table: String,
    /// The peering or transit gateway its route sends the other VPC's traffic to.
    pub via: String,
    /// The other VPC.
    pub other_vpc: String,
    /// The other VPC's subnets it routes to whose route tables send nothing back to it, as
    /// (subnet, route table, where their route for it goes: `no route` or the target).
    pub unrouted: Vec<(String, String, String)>,
}

/// The answer for a group of subnets: one for all (no route splits their block), or each's.
enum Decided {
    All(Way),
    Each(Vec<(usize, Way)>),
}

/// Where a route table sends an address, as far as one-way routing is concerned.
#[derive(Clone)]
enum Way {
    /// Into this VPC, through this peering or transit gateway.
    Lands(VpcId, String),
    /// Somewhere it does not come back from: no route, a blackhole, a gateway out of the
    /// network, another VPC, an on-premises attachment (described).
    Elsewhere(String),
    /// Something the snapshot cannot follow: an appliance, an endpoint, a NAT gateway (which
    /// routes on from its own subnet), a transit gateway route table it does not hold or
    /// whose BGP routes it lacks, a peered transit gateway.
    Unknown,
}

/// Where a route table sends an address across VPCs.
/// What a transit gateway route table does with an address, asked once per (table, address):
/// every route table of every attached VPC that sends traffic to the gateway meets the same
/// table, and on a whole estate that is thousands of tables times thousands of addresses.
type TgwWays<'m> = HashMap<(&'m str, std::net::IpAddr), Way>;

fn way<'m>(topo: &Topology<'m>, rt: &RouteTable, addr: std::net::IpAddr, tgw_ways: &mut TgwWays<'m>) -> Way {
    let Some(r) = crate::eval::route::lookup(topo, rt, addr).map(|x| x.route) else { return Way::Elsewhere("no route".to_string()) };
    if r.state != RouteState::Active {
        return Way::Elsewhere(format!("a blackhole route to {}", r.target.id()));
    }
    match &r.target {
        RouteTarget::Peering(p) => match topo.peering(p.as_str()) {
            None => Way::Unknown,
            Some(pc) if !pc.is_active() => Way::Elsewhere(format!("{p}, which is not active")),
            Some(pc) => match pc.other_side(&rt.vpc) {
                Some(side) => Way::Lands(side.vpc.clone(), p.to_string()),
                None => Way::Unknown,
            },
        },
        RouteTarget::TransitGateway(t) => {
            let Some(att) = topo.tgw_vpc_attachments(t.as_str(), rt.vpc.as_str()).into_iter().next() else {
                return Way::Elsewhere(format!("{t}, which this VPC is not attached to"));
            };
            let Some(trt) = att.route_table.as_ref().and_then(|id| topo.tgw_route_table(id.as_str())) else { return Way::Unknown };
            tgw_ways.entry((trt.id.as_str(), addr)).or_insert_with(|| tgw_way(topo, t, trt, addr)).clone()
        }
        RouteTarget::Local => Way::Elsewhere("its own VPC (overlapping CIDRs)".to_string()),
        RouteTarget::InternetGateway(x) => Way::Elsewhere(x.to_string()),
        RouteTarget::EgressOnlyInternetGateway(x) => Way::Elsewhere(x.to_string()),
        RouteTarget::VpnGateway(x) => Way::Elsewhere(format!("{x} (on premises)")),
        RouteTarget::NatGateway(_) | RouteTarget::Interface(_) | RouteTarget::Instance(_) | RouteTarget::VpcEndpoint(_) | RouteTarget::Other(_) => Way::Unknown,
    }
}

/// Where transit gateway `t`'s route table `trt` sends `addr`.
fn tgw_way<'m>(topo: &Topology<'m>, t: &TgwId, trt: &'m TgwRouteTable, addr: std::net::IpAddr) -> Way {
    let Some(tr) = crate::eval::route::lookup_tgw(topo, trt, addr).map(|x| x.route) else {
        return if trt.bgp_routes_captured { Way::Elsewhere(format!("{t}, whose route table {} has no route for it", trt.id)) } else { Way::Unknown };
    };
    if tr.state != RouteState::Active {
        return Way::Elsewhere(format!("{t}, whose route table {} drops it (blackhole)", trt.id));
    }
    let kinds: Vec<&TgwAttachment> = tr.attachments.iter().filter_map(|a| topo.tgw_attachment(a.as_str())).collect();
    if let Some(vpc) = kinds.iter().find_map(|a| match &a.kind {
        TgwAttachmentKind::Vpc { vpc, .. } => Some(vpc.clone()),
        _ => None,
    }) {
        return Way::Lands(vpc, t.to_string());
    }
    if kinds.is_empty() || kinds.iter().any(|a| matches!(a.kind, TgwAttachmentKind::Peering { .. })) {
        return Way::Unknown;
    }
    Way::Elsewhere(format!("{t}, whose route table {} sends it to {}", trt.id, tr.attachments.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")))
}

/// One-way routing between VPCs: a subnet with interfaces whose route table sends another
/// VPC's subnet (its first address) through a peering or transit gateway into that VPC, while
/// that subnet's route table sends this subnet's first address nowhere back into this VPC
/// (no route, a blackhole, a gateway out of the network, another VPC, on premises). Requests
/// get there; replies, and connections the other side opens, never reach the subnet: no route
/// leads to it from there. Only subnets with interfaces on both sides are judged, and a way
/// back the snapshot cannot follow (an appliance, an endpoint, a NAT gateway, transit gateway
/// routes it lacks) is not judged.
pub fn unrouted_subnets(topo: &Topology<'_>) -> Vec<UnroutedSubnet> {
    let m = topo.model;
    let mut hosts = vec![false; m.subnets.len()];
    for i in 0..m.enis.len() {
        if let Some(s) = topo.eni_subnet_ix(i).and_then(|s| hosts.get_mut(s)) {
            *s = true;
        }
    }
    let first = |s: &Subnet| s.cidr.map(|c| std::net::IpAddr::V4(c.network()));
    // Subnets with hosts, by route table (position in the model), each with the VPC CIDR
    // holding it: every answer below is asked once per (route table, VPC CIDR) when no route
    // of the tables on the way splits that CIDR, which is what keeps a whole estate (thousands
    // of tables, tens of thousands of subnets) linear; otherwise once per subnet.
    let rt_ix: HashMap<&str, usize> = m.route_tables.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect();
    struct Judged {
        si: usize,
        rt: usize,
        addr: std::net::IpAddr,
        /// The VPC CIDR holding the subnet's address.
        block: Option<IpNet>,
    }
    let mut judged: Vec<Judged> = Vec::new();
    for (si, s) in m.subnets.iter().enumerate() {
        if let (true, Some(rt), Some(addr)) = (hosts[si], topo.route_table_of(si), first(s)) {
            if let Some(&r) = rt_ix.get(rt.id.as_str()) {
                let block = topo.vpc(s.vpc.as_str()).and_then(|v| v.cidrs.iter().find(|c| c.contains(&addr)).copied());
                judged.push(Judged { si, rt: r, addr, block });
            }
        }
    }
    // Per VPC: its route tables with judged subnets, and those subnets (positions in `judged`).
    let mut tables_of: BTreeMap<&str, BTreeMap<usize, Vec<usize>>> = BTreeMap::new();
    for (j, x) in judged.iter().enumerate() {
        tables_of.entry(m.subnets[x.si].vpc.as_str()).or_default().entry(x.rt).or_default().push(j);
    }
    // Whether no route of `routes` lies strictly inside `block` (then every address of the
    // block meets the same longest-prefix match).
    fn unsplit(mut dests: impl Iterator<Item = Option<IpNet>>, block: &IpNet) -> bool {
        dests.all(|d| d.is_some_and(|d| !(d.prefix_len() > block.prefix_len() && block.contains(&d.network()))))
    }
    let mut tgw_unsplit: HashMap<(&str, IpNet), bool> = HashMap::new();
    let mut uniform = |rt: &RouteTable, block: Option<IpNet>| -> bool {
        let Some(block) = block else { return false };
        if !unsplit(rt.routes.iter().map(|r| dest_cidr(&r.dest)), &block) {
            return false;
        }
        rt.routes.iter().all(|r| match &r.target {
            RouteTarget::TransitGateway(t) => topo
                .tgw_vpc_attachments(t.as_str(), rt.vpc.as_str())
                .into_iter()
                .filter_map(|a| a.route_table.as_ref().and_then(|id| topo.tgw_route_table(id.as_str())))
                .all(|trt| *tgw_unsplit.entry((trt.id.as_str(), block)).or_insert_with(|| unsplit(trt.routes.iter().map(|r| dest_cidr(&r.dest)), &block))),
            _ => true,
        })
    };
    let mut tgw_ways: TgwWays<'_> = HashMap::new();
    // Where table `r` sends each subnet of a group (judged subnets of one table in one VPC
    // block): one answer for the whole group when no route on the way splits the block.
    let mut ways: HashMap<(usize, usize), Way> = HashMap::new();
    let mut by_block: HashMap<(usize, IpNet), Way> = HashMap::new();
    let mut where_to = |r: usize, block: Option<IpNet>, members: &[usize]| -> Decided {
        let rt = &m.route_tables[r];
        if let Some(block) = block.filter(|_| uniform(rt, block)) {
            return Decided::All(by_block.entry((r, block)).or_insert_with(|| way(topo, rt, block.network(), &mut tgw_ways)).clone());
        }
        Decided::Each(members.iter().map(|&j| (j, ways.entry((r, j)).or_insert_with(|| way(topo, rt, judged[j].addr, &mut tgw_ways)).clone())).collect())
    };
    // The judged subnets of each table, grouped by their VPC block.
    let mut groups: HashMap<usize, Vec<(Option<IpNet>, Vec<usize>)>> = HashMap::new();
    for tables in tables_of.values() {
        for (&r, js) in tables {
            let mut by: BTreeMap<Option<IpNet>, Vec<usize>> = BTreeMap::new();
            for &j in js {
                by.entry(judged[j].block).or_default().push(j);
            }
            groups.insert(r, by.into_iter().collect());
        }
    }
    let no_groups = Vec::new();
    let mut out: BTreeMap<(String, String, String), UnroutedSubnet> = BTreeMap::new();
    for (&vpc, tables) in &tables_of {
        for &r in tables.keys() {
            let rt = &m.route_tables[r];
            if !rt.routes.iter().any(|x| matches!(x.target, RouteTarget::Peering(_) | RouteTarget::TransitGateway(_))) {
                continue;
            }
            let sources = groups.get(&r).unwrap_or(&no_groups);
            for (&other, their_tables) in tables_of.iter().filter(|(v, _)| **v != vpc) {
                for &tr in their_tables.keys() {
                    let trt = &m.route_tables[tr];
                    // The other table's subnets this table sends into their VPC, by way.
                    let mut landed: Vec<(&[usize], String)> = Vec::new();
                    for (block, members) in groups.get(&tr).unwrap_or(&no_groups) {
                        match where_to(r, *block, members) {
                            Decided::All(Way::Lands(v, via)) if v.as_str() == other => landed.push((members.as_slice(), via)),
                            Decided::All(_) => {}
                            Decided::Each(each) => {
                                for (tj, w) in each {
                                    if let Way::Lands(v, via) = w {
                                        if v.as_str() == other {
                                            let at = members.iter().position(|&x| x == tj).unwrap_or(0);
                                            landed.push((&members[at..=at], via));
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if landed.is_empty() {
                        continue;
                    }
                    // Where the other table sends this table's subnets: nowhere back into
                    // this VPC is the finding (all of them share this VPC).
                    let back_of = |w: Way| match w {
                        Way::Lands(v2, _) if v2.as_str() == vpc => None,
                        Way::Unknown => None,
                        Way::Lands(v2, via2) => Some(format!("{via2} into {v2}")),
                        Way::Elsewhere(e) => Some(e),
                    };
                    for (sblock, smembers) in sources {
                        let backs: Vec<(usize, String)> = match where_to(tr, *sblock, smembers) {
                            Decided::All(w) => match back_of(w) {
                                Some(back) => smembers.iter().map(|&j| (j, back.clone())).collect(),
                                None => continue,
                            },
                            Decided::Each(each) => each.into_iter().filter_map(|(j, w)| back_of(w).map(|b| (j, b))).collect(),
                        };
                        for (sj, back) in backs {
                            let s = &m.subnets[judged[sj].si];
                            for (tjs, via) in &landed {
                                for &tj in tjs.iter() {
                                    let t = &m.subnets[judged[tj].si];
                                    out.entry((s.id.to_string(), via.clone(), t.vpc.to_string()))
                                        .or_insert_with(|| UnroutedSubnet { subnet: s.id.to_string(), vpc: s.vpc.to_string(), route_table: rt.id.to_string(), via: via.clone(), other_vpc: t.vpc.to_string(), unrouted: Vec::new() })
                                        .unrouted
                                        .push((t.id.to_string(), trt.id.to_string(), back.clone()));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for u in out.values_mut() {
        u.unrouted.sort();
        u.unrouted.dedup();
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Model {
        crate::source::snapshot::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/shop")).unwrap().model
    }

    #[test]
    fn structure_levels_add_detail_and_never_one_node_per_interface() {
        let m = shop();
        let t = Topology::new(&m);
        let v = Structure::build(&t, Level::Vpc);
        let s = Structure::build(&t, Level::Subnet);
        let c = Structure::build(&t, Level::Class);
        assert!(v.nodes().len() < s.nodes().len() && s.nodes().len() < c.nodes().len());
        assert!(v.nodes().iter().all(|n| n.kind != "subnet"));
        assert!(s.nodes().iter().any(|n| n.kind == "route-table"));
        assert!(s.edges().iter().any(|(_, _, e)| e.kind == "route" && e.label.as_deref() == Some("0.0.0.0/0")));
        assert_eq!(c.nodes().iter().filter_map(|n| n.interfaces).sum::<usize>(), m.enis.len());
    }

    #[test]
    fn routing_loop_two_peered_vpcs_that_route_a_prefix_at_each_other() {
        // ROUTING_LOOP: VPC A sends 10.9.0.0/16 to the peering, VPC B sends it back.
        let mut m = crate::source::snapshot::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/snapshots/hub")).unwrap().model;
        let t = Topology::new(&m);
        assert!(routing_loops(&t).is_empty(), "the sample has no loop");
        let pcx = m.peerings[0].clone();
        let dest = RouteDest::Cidr("10.99.0.0/16".parse().unwrap());
        for rt in m.route_tables.iter_mut().filter(|r| r.vpc == pcx.requester.vpc || r.vpc == pcx.accepter.vpc) {
            rt.routes.push(Route { dest: dest.clone(), target: RouteTarget::Peering(pcx.id.clone()), state: RouteState::Active, origin: RouteOrigin::Static });
        }
        let t = Topology::new(&m);
        let loops = routing_loops(&t);
        assert_eq!(loops.len(), 1, "{loops:?}");
        assert_eq!(loops[0].destination, "10.99.0.0");
        assert!(loops[0].tables.len() >= 2);
    }
}

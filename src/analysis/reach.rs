//! `reach`: resolves the user's endpoints (ENI, instance, RDS identifier, Name tag, address,
//! `internet`, `onprem`, a virtual private gateway, VPN connection or transit gateway
//! attachment) and evaluates the flow. `internet` means "any address on the internet" and
//! `onprem` "any address of an on-premises network" (one the routes send to a virtual
//! private gateway or a VPN or Direct Connect gateway attachment): the address space is cut
//! into ranges that every relevant rule and route treats alike, one address per range is
//! evaluated, and the answer names the ranges that get through (reachable when at least one
//! does), and those whose answer the snapshot cannot decide.

use crate::eval::{self, Endpoint, Trace};
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the user named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An interface at one of its private addresses.
    Eni(Ix, IpAddr),
    /// An interface at its public address.
    EniPublic(Ix, IpAddr),
    /// One address outside the modelled networks.
    Address(IpAddr),
    /// An address inside a modelled VPC that no interface carries: a destination the walk
    /// follows to where it stops.
    Unassigned(IpAddr, String),
    /// Any address on the internet.
    Internet,
    /// Any on-premises address, or only those behind one gateway (a `vgw-`, a `vpn-`
    /// connection or a transit gateway attachment id).
    OnPrem(Option<String>),
}

/// An endpoint the user named that does not resolve.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Nothing has that name.
    #[error("unknown endpoint `{0}`{1}: expected an ENI id (eni-...), an instance id (i-...), an RDS DB identifier, a load balancer name or ARN, a Name tag, an IP address, `internet`, `onprem`, or a VPN gateway, VPN connection or transit gateway attachment id (`vpcscope ls` lists them)")]
    Unknown(String, String),
    /// Several interfaces match.
    #[error("`{0}` is ambiguous: it matches {1}")]
    Ambiguous(String, String),
    /// The component exists but has no interface in the snapshot.
    #[error("{0}")]
    NoInterface(String),
    /// An address inside a VPC that no interface carries.
    #[error("no interface in the snapshot has address {0} (it lies in {1})")]
    Unassigned(IpAddr, String),
    /// Both ends are outside the modelled networks.
    #[error("at least one end of the flow must be inside the modelled networks")]
    BothOutside,
    /// The two ends are the same interface.
    #[error("`{0}` and `{1}` are the same interface ({2}): a packet between them never leaves it, so there is no path to evaluate")]
    SameInterface(String, String, String),
    /// TCP/UDP without a port.
    #[error("--port is required for {0} (the destination is not a database whose port is known)")]
    MissingPort(String),
}

/// A question for `reach`.
#[derive(Clone, Debug)]
pub struct Query {
    /// Source as the user wrote it.
    pub from: String,
    /// Destination as the user wrote it.
    pub to: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port (TCP/UDP); defaults to an RDS destination's port.
    pub port: Option<u16>,
    /// Source port; defaults to [`eval::DEFAULT_SOURCE_PORT`].
    pub source_port: Option<u16>,
}

/// A resolved endpoint, for display.
#[derive(Clone, Debug, Serialize)]
pub struct EndpointInfo {
    /// What the user wrote.
    pub spec: String,
    /// The interface, when the endpoint is one.
    pub interface: Option<String>,
    /// The address used.
    pub address: Option<IpAddr>,
    /// Name tag or description of what owns it.
    pub name: Option<String>,
    /// The account that owns the interface, when the snapshot says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The answer: the trace plus, for `internet`, the address ranges that get through.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    /// The source.
    pub from: EndpointInfo,
    /// The destination.
    pub to: EndpointInfo,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: Option<u16>,
    /// Source port.
    pub source_port: u16,
    /// The trace (of one sample address when an end is `internet`).
    #[serde(flatten)]
    pub trace: Trace,
    /// For `internet` ends: the outside address ranges that reach (or are reached).
    pub internet_ranges: Option<Vec<IpNet>>,
    /// For `internet` ends: whether every public address gets through.
    pub internet_any: Option<bool>,
    /// For `internet` ends: whether every public IPv4 address gets through.
    pub internet_any_ipv4: Option<bool>,
    /// For `internet` ends: whether every public IPv6 address gets through (false when the
    /// interface has no IPv6 address).
    pub internet_any_ipv6: Option<bool>,
    /// For `internet` ends: the outside address the trace shows.
    pub internet_sample: Option<IpAddr>,
    /// For `internet` ends: the public ranges (that the subnet routes to the internet) that
    /// do not get through.
    pub internet_refused_ranges: Option<Vec<IpNet>>,
    /// For `onprem` ends: the on-premises ranges that reach (or are reached).
    pub onprem_ranges: Option<Vec<IpNet>>,
    /// For `onprem` ends: the on-premises address the trace shows.
    pub onprem_sample: Option<IpAddr>,
    /// For `internet` and `onprem` ends: the outside ranges whose answer the snapshot cannot
    /// decide (the path meets something the model does not evaluate).
    pub unknown_ranges: Option<Vec<IpNet>>,
    /// When the destination is a load balancer named by its name or ARN: the answer through
    /// each of its nodes (a client may resolve its DNS name to any of them); the trace shows
    /// the first node that gets through, else the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_nodes: Option<Vec<NodeAnswer>>,
}

/// The answer through one node of a load balancer.
#[derive(Clone, Debug, Serialize)]
pub struct NodeAnswer {
    /// The node's interface.
    pub node: String,
    /// Its zone.
    pub zone: String,
    /// The verdict through it.
    pub verdict: eval::Verdict,
    /// What stops it: component id and code.
    pub blocked_by: Option<eval::TargetBlock>,
}

fn eni_target(topo: &Topology<'_>, ix: Ix) -> Target {
    let e = &topo.model.enis[ix];
    let ip = e.primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    Target::Eni(ix, ip)
}

/// Resolves what the user wrote to an endpoint.
pub fn resolve(topo: &Topology<'_>, spec: &str) -> Result<Target, ResolveError> {
    let s = spec.trim();
    if s.eq_ignore_ascii_case("internet") {
        return Ok(Target::Internet);
    }
    if s.eq_ignore_ascii_case("onprem") || s.eq_ignore_ascii_case("on-premises") {
        return Ok(Target::OnPrem(None));
    }
    if topo.model.vpn_gateways.iter().any(|g| g.id == s) || topo.model.vpn_connections.iter().any(|c| c.id == s) {
        return Ok(Target::OnPrem(Some(s.to_string())));
    }
    if let Some(a) = topo.tgw_attachment(s) {
        return match a.kind {
            TgwAttachmentKind::External { .. } => Ok(Target::OnPrem(Some(s.to_string()))),
            _ => Err(ResolveError::NoInterface(format!(
                "{s} is a transit gateway attachment to a VPC or a peer gateway, not an on-premises network: name an interface behind it instead"
            ))),
        };
    }
    if let Some(ix) = topo.eni_ix(s) {
        return Ok(eni_target(topo, ix));
    }
    if let Some(i) = topo.instance(s) {
        let ix = i.enis.iter().find_map(|e| topo.eni_ix(e.as_str())).ok_or_else(|| {
            ResolveError::NoInterface(format!("instance {s} has no network interface in the snapshot"))
        })?;
        return Ok(eni_target(topo, ix));
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        let owners = topo.enis_with_private(ip);
        if owners.len() > 1 {
            let ids: Vec<String> = owners.iter().map(|&i| format!("{} in {}", topo.model.enis[i].id, topo.model.enis[i].vpc)).collect();
            return Err(ResolveError::Ambiguous(s.into(), format!("{} (overlapping VPC CIDRs); name the interface instead", ids.join(", "))));
        }
        if let Some(&ix) = owners.first() {
            return Ok(Target::Eni(ix, ip));
        }
        if let Some((ix, _)) = topo.eni_with_public(ip) {
            return Ok(Target::EniPublic(ix, ip));
        }
        if let Some(v) = topo.model.vpcs.iter().find(|v| v.cidrs.iter().any(|c| c.contains(&ip))) {
            return Ok(Target::Unassigned(ip, v.id.to_string()));
        }
        return Ok(Target::Address(ip));
    }
    if let Some(di) = topo.db_ix(s) {
        if let Some(shared) = topo.db_interfaces_shared(di) {
            let ids: Vec<String> = shared.iter().map(|&i| topo.model.enis[i].id.to_string()).collect();
            return Err(ResolveError::Ambiguous(
                s.into(),
                format!(
                    "{} (databases that share a subnet group and security groups: describe-db-instances does not say which interface is whose); name the interface instead",
                    ids.join(", ")
                ),
            ));
        }
        return match topo.db_enis(di).first() {
            Some(&ix) => Ok(eni_target(topo, ix)),
            None => Err(ResolveError::NoInterface(format!(
                "RDS instance {s} has no network interface in the snapshot (describe-network-interfaces lists them with the description RDSNetworkInterface)"
            ))),
        };
    }
    // A load balancer, by name or ARN: the client connects to one of its nodes.
    if let Some(li) = topo.lb_ix(s) {
        let lb = &topo.model.load_balancers[li];
        let nodes = topo.lb_nodes(li);
        let Some(&ix) = nodes.first() else {
            return Err(ResolveError::NoInterface(format!(
                "load balancer {} has no node interface in the snapshot (describe-network-interfaces lists them with the description `{}`)",
                lb.name, lb.node_description
            )));
        };
        return Ok(eni_target(topo, ix));
    }
    // A Name tag of an interface or instance.
    let mut hits: Vec<Ix> = Vec::new();
    for (i, e) in topo.model.enis.iter().enumerate() {
        let inst_name = e.instance.as_ref().and_then(|i| topo.instance(i.as_str())).and_then(|i| i.tags.name());
        if e.tags.name() == Some(s) || inst_name == Some(s) {
            hits.push(i);
        }
    }
    // An instance's several interfaces are one endpoint: use the first (primary) one.
    hits.dedup_by_key(|i| topo.model.enis[*i].instance.clone().map(|x| x.0).unwrap_or_else(|| topo.model.enis[*i].id.0.clone()));
    match hits.len() {
        0 => Err(ResolveError::Unknown(s.into(), super::names::hint(topo, s))),
        1 => Ok(eni_target(topo, hits[0])),
        _ => Err(ResolveError::Ambiguous(
            s.into(),
            hits.iter().map(|&i| topo.model.enis[i].id.to_string()).collect::<Vec<_>>().join(", "),
        )),
    }
}

fn info(topo: &Topology<'_>, spec: &str, t: &Target) -> EndpointInfo {
    match t {
        Target::Eni(ix, ip) | Target::EniPublic(ix, ip) => {
            let e = &topo.model.enis[*ix];
            let name = topo.name_of(e.id.as_str()).map(str::to_string).or_else(|| (!e.description.is_empty()).then(|| e.description.clone()));
            EndpointInfo { spec: spec.into(), interface: Some(e.id.to_string()), address: Some(*ip), name, account: topo.eni_account(*ix).map(str::to_string) }
        }
        Target::Address(ip) => EndpointInfo { spec: spec.into(), interface: None, address: Some(*ip), name: None, account: None },
        Target::Unassigned(ip, vpc) => EndpointInfo { spec: spec.into(), interface: None, address: Some(*ip), name: Some(format!("unassigned address in {vpc}")), account: None },
        Target::Internet => EndpointInfo { spec: spec.into(), interface: None, address: None, name: Some("any internet address".into()), account: None },
        Target::OnPrem(None) => EndpointInfo { spec: spec.into(), interface: None, address: None, name: Some("any on-premises address".into()), account: None },
        Target::OnPrem(Some(g)) => {
            let name = topo.name_of(g).filter(|n| !n.is_empty()).map(|n| format!("{n}: ")).unwrap_or_default();
            EndpointInfo { spec: spec.into(), interface: None, address: None, name: Some(format!("{name}any on-premises address behind {g}")), account: None }
        }
    }
}

fn endpoint(t: &Target, sample: IpAddr) -> Endpoint {
    match t {
        Target::Eni(ix, ip) => Endpoint::Eni { ix: *ix, ip: *ip },
        Target::EniPublic(ix, ip) => Endpoint::EniPublic { ix: *ix, public: *ip },
        Target::Address(ip) | Target::Unassigned(ip, _) => Endpoint::External(*ip),
        Target::Internet => Endpoint::Internet(sample),
        Target::OnPrem(_) => Endpoint::External(sample),
    }
}

/// Answers one query. A load balancer named as the destination is asked through each of its
/// nodes.
pub fn reach(topo: &Topology<'_>, q: &Query) -> Result<Answer, ResolveError> {
    let Some(li) = topo.lb_ix(q.to.trim()).filter(|&li| topo.lb_nodes(li).len() > 1) else {
        return reach_one(topo, q);
    };
    let m = topo.model;
    let mut answers: Vec<(NodeAnswer, Answer)> = Vec::new();
    for &node in topo.lb_nodes(li) {
        let id = m.enis[node].id.to_string();
        let mut a = reach_one(topo, &Query { to: id.clone(), ..q.clone() })?;
        a.to.spec = q.to.clone();
        let zone = topo.eni_subnet_ix(node).map(|s| m.subnets[s].az.clone()).unwrap_or_default();
        let blocked_by = a.trace.blocked_by.as_ref().map(|b| eval::TargetBlock { id: b.id.clone(), code: b.code });
        answers.push((NodeAnswer { node: id, zone, verdict: a.trace.verdict, blocked_by }, a));
    }
    let pick = answers.iter().position(|(n, _)| n.verdict == eval::Verdict::Reachable).unwrap_or(0);
    let nodes: Vec<NodeAnswer> = answers.iter().map(|(n, _)| n.clone()).collect();
    let mut answer = answers.swap_remove(pick).1;
    answer.load_balancer_nodes = Some(nodes);
    Ok(answer)
}

fn reach_one(topo: &Topology<'_>, q: &Query) -> Result<Answer, ResolveError> {
    let src = resolve(topo, &q.from)?;
    let dst = resolve(topo, &q.to)?;
    if let Target::Unassigned(ip, vpc) = &src {
        return Err(ResolveError::Unassigned(*ip, vpc.clone()));
    }
    if let (Target::Eni(a, _) | Target::EniPublic(a, _), Target::Eni(b, _) | Target::EniPublic(b, _)) = (&src, &dst) {
        if a == b {
            return Err(ResolveError::SameInterface(q.from.clone(), q.to.clone(), topo.model.enis[*a].id.to_string()));
        }
    }
    let outside = |t: &Target| matches!(t, Target::Internet | Target::OnPrem(_) | Target::Address(_) | Target::Unassigned(..));
    if outside(&src) && outside(&dst) {
        return Err(ResolveError::BothOutside);
    }
    let port = match q.port {
        Some(p) => Some(p),
        None if q.protocol.has_ports() => match &dst {
            Target::Eni(ix, _) | Target::EniPublic(ix, _) => db_port(topo, *ix),
            _ => None,
        }
        .map(Some)
        .ok_or_else(|| ResolveError::MissingPort(q.protocol.to_string()))?,
        None => None,
    };
    let sport = q.source_port.unwrap_or(eval::DEFAULT_SOURCE_PORT);
    let dport = port.unwrap_or(0);
    let run = |sample: IpAddr| eval::evaluate(topo, &endpoint(&src, sample), &endpoint(&dst, sample), q.protocol, sport, dport);

    let space = match (&src, &dst) {
        (Target::Internet, other) | (other, Target::Internet) => Some((Space::Internet, other)),
        (Target::OnPrem(via), other) | (other, Target::OnPrem(via)) => Some((Space::OnPrem(via.as_deref().map(|v| door_names(topo, v))), other)),
        _ => None,
    };
    let answer = |trace: Trace| Answer {
        from: info(topo, &q.from, &src),
        to: info(topo, &q.to, &dst),
        protocol: q.protocol,
        port,
        source_port: sport,
        trace,
        internet_ranges: None,
        internet_any: None,
        internet_any_ipv4: None,
        internet_any_ipv6: None,
        internet_sample: None,
        internet_refused_ranges: None,
        onprem_ranges: None,
        onprem_sample: None,
        unknown_ranges: None,
        load_balancer_nodes: None,
    };
    let Some((space, other)) = space else { return Ok(answer(run(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))) };
    let inner = match other {
        Target::Eni(ix, ip) | Target::EniPublic(ix, ip) => (*ix, *ip),
        _ => return Err(ResolveError::BothOutside),
    };
    let inbound = matches!(src, Target::Internet | Target::OnPrem(_));
    let mut outcome = sweep_space(topo, inner, inbound, None, &space, run);
    // The sample is one address the sweep happened to pick: a fix opens what the user asked
    // about, so it names no sample address (the user fills in the range they mean).
    if let Some(f) = outcome.trace.fix.as_mut() {
        f.leave_address_open(outcome.sample);
    }
    let mut answer = answer(outcome.trace);
    answer.unknown_ranges = Some(outcome.unknown);
    match space {
        Space::Internet => {
            answer.internet_ranges = Some(outcome.ranges);
            answer.internet_any = Some(outcome.all);
            answer.internet_any_ipv4 = Some(outcome.all_v4);
            answer.internet_any_ipv6 = Some(outcome.all_v6);
            answer.internet_refused_ranges = Some(outcome.refused);
            answer.internet_sample = Some(outcome.sample);
        }
        Space::OnPrem(_) => {
            answer.onprem_ranges = Some(outcome.ranges);
            answer.onprem_sample = Some(outcome.sample);
        }
    }
    Ok(answer)
}

/// The door names (`Door::is_named`) that select the on-premises addresses behind `id`: the
/// gateway or attachment itself, and for a VPN connection the virtual private gateway or
/// transit gateway attachment it ends on.
fn door_names(topo: &Topology<'_>, id: &str) -> Vec<String> {
    let mut names = vec![id.to_string()];
    if let Some(c) = topo.model.vpn_connections.iter().find(|c| c.id == id) {
        names.extend(c.vgw.clone());
    }
    names
}

/// The interfaces of the targets behind the load balancer whose node is interface `ix`.
pub fn balancer_targets(topo: &Topology<'_>, ix: Ix) -> Vec<Ix> {
    let Some(li) = topo.lb_of_eni(ix) else { return Vec::new() };
    let lb = &topo.model.load_balancers[li];
    let mut out: Vec<Ix> = lb
        .listeners
        .iter()
        .flat_map(|l| l.target_groups.iter().chain(&l.conditional_target_groups))
        .filter_map(|g| topo.target_group(g))
        .flat_map(|g| g.targets.iter().flatten().filter_map(move |t| eval::load_balancer_target(topo, g, t).ok().map(|(i, _)| i)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The listener port when interface `ix` belongs to an RDS instance.
fn db_port(topo: &Topology<'_>, ix: Ix) -> Option<u16> {
    topo.model
        .db_instances
        .iter()
        .enumerate()
        .find(|(di, _)| topo.db_enis(*di).contains(&ix))
        .and_then(|(_, d)| d.port)
}

/// The outcome of sweeping the outside address space ([`sweep_internet`], [`sweep_outside`]).
#[derive(Clone, Debug)]
pub struct Sweep {
    /// A representative trace: the first address that got through, else the first whose
    /// answer is unknown, else the failed attempt that got furthest (a return-path failure
    /// beats a forward one).
    pub trace: Trace,
    /// The outside ranges that get through, merged into the fewest CIDRs.
    pub ranges: Vec<IpNet>,
    /// The outside ranges whose answer the snapshot cannot decide.
    pub unknown: Vec<IpNet>,
    /// The outside ranges of the space that do not get through (decided).
    pub refused: Vec<IpNet>,
    /// Whether every address of the space gets through.
    pub all: bool,
    /// Whether every swept IPv4 address gets through (and some were swept).
    pub all_v4: bool,
    /// Whether every swept IPv6 address gets through (and some were swept).
    pub all_v6: bool,
    /// The outside address `trace` shows.
    pub sample: IpAddr,
}

/// Which outside addresses a sweep covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Space {
    /// Public addresses, reaching in through an internet gateway.
    Internet,
    /// Addresses the routes send to an on-premises network (through a virtual private
    /// gateway or a VPN or Direct Connect gateway attachment), or only those whose path
    /// uses one of the named gateways, attachments or VPN connections.
    OnPrem(Option<Vec<String>>),
}

impl Space {
    /// Whether a trace for one address of the space is about that space: an on-premises
    /// address is one whose path uses an on-premises gateway (behind the named one).
    fn covers(&self, t: &Trace) -> bool {
        match self {
            Space::Internet => true,
            Space::OnPrem(via) => t.outside_via.as_ref().is_some_and(|d| {
                d.is_onprem() && via.as_ref().is_none_or(|names| names.iter().any(|v| d.is_named(v)))
            }),
        }
    }

    /// Whether no address of the space is `ip`.
    fn excludes(&self, ip: IpAddr) -> bool {
        match self {
            Space::Internet => eval::is_special(ip),
            Space::OnPrem(_) => never_a_host(ip),
        }
    }
}

/// Addresses no host of any network has: loopback, link-local, multicast, broadcast,
/// unspecified, "this network" and the reserved 240.0.0.0/4.
fn never_a_host(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            v.is_loopback() || v.is_link_local() || v.is_multicast() || v.is_broadcast() || v.is_unspecified() || o[0] == 0 || o[0] >= 240
        }
        IpAddr::V6(v) => {
            let s0 = v.segments()[0];
            v.is_loopback() || v.is_unspecified() || (s0 & 0xffc0) == 0xfe80 || (s0 & 0xff00) == 0xff00
        }
    }
}

/// Cuts the outside address space at every prefix that a relevant rule or route names,
/// evaluates one address per piece, and keeps the pieces that get through.
///
/// `(ix, ip)` is the inside end (an interface and its address); `run` evaluates the flow for
/// one outside address (as source or destination, as the caller decides).
pub fn sweep_internet(topo: &Topology<'_>, inner: (Ix, IpAddr), inbound: bool, run: impl Fn(IpAddr) -> Trace) -> Sweep {
    sweep_space(topo, inner, inbound, None, &Space::Internet, run)
}

/// [`sweep_internet`] for any outside end of interface `inner`: `run` evaluates the flow
/// for one outside address; `within`, when given, limits the sweep to that range.
pub fn sweep_outside(topo: &Topology<'_>, inner: (Ix, IpAddr), inbound: bool, within: Option<IpNet>, run: impl Fn(IpAddr) -> Trace) -> Sweep {
    sweep_space(topo, inner, inbound, within, &Space::Internet, run)
}

/// Sweeps the addresses of `space` (within `within`, when given) for interface `inner`.
pub fn sweep_space(topo: &Topology<'_>, (ix, _ip): (Ix, IpAddr), _inbound: bool, within: Option<IpNet>, space: &Space, run: impl Fn(IpAddr) -> Trace) -> Sweep {
    let e = &topo.model.enis[ix];
    let mut prefixes: Vec<IpNet> = Vec::new();
    prefixes.extend(within);
    let within_bounds = within.as_ref().map(bounds);
    // A load balancer's node forwards to its targets, whose groups and ACLs may see the
    // outside address too (client IP preservation).
    let mut related = vec![ix];
    related.extend(balancer_targets(topo, ix));
    let vpcs: BTreeSet<&VpcId> = related.iter().map(|&i| &topo.model.enis[i].vpc).collect();
    for g in related.iter().flat_map(|&i| &topo.model.enis[i].security_groups) {
        if let Some(g) = topo.sg(g.as_str()) {
            for r in g.ingress.iter().chain(&g.egress) {
                match &r.peer {
                    SgPeer::Cidr(c) => prefixes.push(*c),
                    SgPeer::PrefixList(p) => prefixes.extend_from_slice(topo.prefix_list_cidrs(p)),
                    SgPeer::Group(_) => {}
                }
            }
        }
    }
    // Every ACL and route table of the VPC: a NAT gateway's subnet matters for outbound.
    for acl in topo.model.network_acls.iter().filter(|a| vpcs.contains(&a.vpc)) {
        prefixes.extend(acl.ingress.iter().chain(&acl.egress).map(|x| x.cidr));
    }
    for rt in topo.model.route_tables.iter().filter(|r| vpcs.contains(&r.vpc)) {
        for r in &rt.routes {
            match &r.dest {
                RouteDest::Cidr(c) => prefixes.push(*c),
                RouteDest::PrefixList(p) => prefixes.extend_from_slice(topo.prefix_list_cidrs(p)),
            }
        }
    }
    if let Space::OnPrem(_) = space {
        // On-premises ranges are decided by transit gateway routes and VPN static routes too.
        for rt in &topo.model.tgw_route_tables {
            for r in &rt.routes {
                match &r.dest {
                    RouteDest::Cidr(c) => prefixes.push(*c),
                    RouteDest::PrefixList(p) => prefixes.extend_from_slice(topo.prefix_list_cidrs(p)),
                }
            }
        }
        for c in &topo.model.vpn_connections {
            prefixes.extend_from_slice(&c.static_routes);
        }
    }
    for v in &topo.model.vpcs {
        prefixes.extend_from_slice(&v.cidrs);
    }
    prefixes.extend(crate::model::special_v4_blocks().map(IpNet::V4));
    let subnet_rt = topo.eni_subnet_ix(ix).and_then(|s| topo.route_table_of(s));
    let mut families = vec![false];
    if e.private_ips.iter().any(|a| a.is_ipv6()) {
        families.push(true);
    }
    let mut passed: Vec<(u128, u128, bool)> = Vec::new();
    let mut undecided: Vec<(u128, u128, bool)> = Vec::new();
    let mut failed: Vec<(u128, u128, bool)> = Vec::new();
    let mut best: Option<(u32, Trace, IpAddr)> = None;
    let mut first_ok: Option<(Trace, IpAddr)> = None;
    let mut first_unknown: Option<(Trace, IpAddr)> = None;
    let mut all = true;
    // Per family: (pieces swept, pieces that got through).
    let mut per_family = [(0usize, 0usize); 2];
    for v6 in families {
        let mut cuts: BTreeSet<u128> = BTreeSet::new();
        let top: u128 = if v6 { u128::MAX } else { u32::MAX as u128 };
        cuts.insert(0);
        for p in prefixes.iter().filter(|p| p.addr().is_ipv6() == v6) {
            let (lo, hi) = bounds(p);
            cuts.insert(lo);
            if hi < top {
                cuts.insert(hi + 1);
            }
        }
        if v6 {
            cuts.insert(0x2000u128 << 112);
            cuts.insert(0x4000u128 << 112);
            cuts.insert(0xfc00u128 << 112);
            cuts.insert(0xfe00u128 << 112);
        }
        let cuts: Vec<u128> = cuts.into_iter().collect();
        for (i, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(i + 1).map(|n| n - 1).unwrap_or(top);
            // One address per piece: the second one, so a /24 is shown as .1, not .0.
            let addr = to_ip(if hi > lo { lo + 1 } else { lo }, v6);
            if let (Some((wlo, whi)), Some(w)) = (within_bounds, within) {
                if w.addr().is_ipv6() != v6 || lo < wlo || hi > whi {
                    continue;
                }
            }
            if space.excludes(addr) || topo.in_modelled_network(addr) {
                continue;
            }
            let t = run(addr);
            if !space.covers(&t) {
                continue;
            }
            // "Every public address" means every address that routes to the internet: a
            // failed range that the interface's subnet routes elsewhere (a transit gateway, a
            // VPN, a peering) is not internet space for it, and does not spoil "all".
            if !t.reachable && !t.is_unknown() && *space == Space::Internet && !internet_routed(topo, subnet_rt, addr) {
                continue;
            }
            per_family[v6 as usize].0 += 1;
            if t.reachable {
                per_family[v6 as usize].1 += 1;
            }
            // On premises, a private address is the more telling sample.
            let better = |held: &Option<(Trace, IpAddr)>| match held {
                None => true,
                Some((_, a)) => matches!(space, Space::OnPrem(_)) && !eval::is_special(*a) && eval::is_special(addr),
            };
            if t.reachable {
                passed.push((lo, hi, v6));
                if better(&first_ok) {
                    first_ok = Some((t, addr));
                }
            } else if t.is_unknown() {
                all = false;
                undecided.push((lo, hi, v6));
                if better(&first_unknown) {
                    first_unknown = Some((t, addr));
                }
            } else {
                all = false;
                failed.push((lo, hi, v6));
                let score = progress(&t);
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, t, addr));
                }
            }
        }
    }
    let ranges = to_cidrs(&passed);
    let unknown = to_cidrs(&undecided);
    let refused = to_cidrs(&failed);
    let (trace, sample) = match (first_ok, first_unknown, best) {
        (Some((t, a)), _, _) => (t, a),
        (None, Some((t, a)), _) => (t, a),
        (None, None, Some((_, t, a))) => (t, a),
        (None, None, None) => {
            let a = within.map(|w| w.network()).unwrap_or(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)));
            (run(a), a)
        }
    };
    let full = |(swept, ok): (usize, usize)| swept > 0 && swept == ok;
    Sweep { trace, all: all && !ranges.is_empty(), all_v4: full(per_family[0]), all_v6: full(per_family[1]), ranges, unknown, refused, sample }
}

/// Whether route table `rt` sends `addr` toward the internet (an internet, egress-only or NAT
/// gateway); `true` when there is no table to tell.
fn internet_routed(topo: &Topology<'_>, rt: Option<&RouteTable>, addr: IpAddr) -> bool {
    let Some(rt) = rt else { return true };
    match eval::route::lookup(topo, rt, addr) {
        Some(m) => matches!(m.route.target, RouteTarget::InternetGateway(_) | RouteTarget::EgressOnlyInternetGateway(_) | RouteTarget::NatGateway(_)),
        None => false,
    }
}

/// How far a failed trace got: a return-path failure is more telling than a forward one.
fn progress(t: &Trace) -> u32 {
    let ret = t.ret.as_ref().map(|r| r.hops.len() as u32 + 1000).unwrap_or(0);
    ret + t.forward.hops.len() as u32
}

/// The first and last address of `p` as integers.
pub fn bounds(p: &IpNet) -> (u128, u128) {
    match p {
        IpNet::V4(n) => (u32::from(n.network()) as u128, u32::from(n.broadcast()) as u128),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// The address with integer value `n`.
pub fn to_ip(n: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(n))
    } else {
        IpAddr::V4(Ipv4Addr::from(n as u32))
    }
}

/// Merges adjacent ranges and covers each with the fewest CIDR blocks.
pub fn to_cidrs(ranges: &[(u128, u128, bool)]) -> Vec<IpNet> {
    let mut merged: Vec<(u128, u128, bool)> = Vec::new();
    for &(lo, hi, v6) in ranges {
        match merged.last_mut() {
            Some(last) if last.2 == v6 && last.1.checked_add(1) == Some(lo) => last.1 = hi,
            _ => merged.push((lo, hi, v6)),
        }
    }
    let mut out = Vec::new();
    for (mut lo, hi, v6) in merged {
        let bits: u32 = if v6 { 128 } else { 32 };
        loop {
            // Largest aligned block starting at lo that fits in [lo, hi].
            let mut size = if lo == 0 { bits } else { lo.trailing_zeros().min(bits) };
            while size > 0 && (size >= 128 || lo + ((1u128 << size) - 1) > hi) {
                if size >= 128 && lo == 0 && hi == u128::MAX {
                    break;
                }
                size -= 1;
            }
            let len = (bits - size) as u8;
            let net = if v6 {
                Ipv6Net::new(Ipv6Addr::from(lo), len).map(IpNet::V6).ok()
            } else {
                Ipv4Net::new(Ipv4Addr::from(lo as u32), len).map(IpNet::V4).ok()
            };
            out.extend(net);
            let end = if size >= 128 { u128::MAX } else { lo + ((1u128 << size) - 1) };
            if end >= hi {
                break;
            }
            lo = end + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{build_model, Document};
    use serde_json::json;

    #[test]
    fn databases_that_could_own_the_same_interface_are_not_guessed() {
        // Two RDS instances with the same subnet group and security group: describe-db-
        // instances names neither one's interface, so which of the two is whose is unknown.
        let eni = |id: &str, ip: &str| json!({"NetworkInterfaceId": id, "VpcId": "vpc-a", "SubnetId": "subnet-db", "PrivateIpAddress": ip,
            "InterfaceType": "interface", "Description": "RDSNetworkInterface", "RequesterManaged": true, "Groups": [{"GroupId": "sg-db"}]});
        let db = |id: &str| json!({"DBInstanceIdentifier": id, "Engine": "postgres", "Endpoint": {"Port": 5432},
            "DBSubnetGroup": {"VpcId": "vpc-a", "Subnets": [{"SubnetIdentifier": "subnet-db"}]}, "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db"}]});
        let mut v = json!({
            "Vpcs": [{"VpcId": "vpc-a", "CidrBlock": "10.0.0.0/16"}],
            "Subnets": [{"SubnetId": "subnet-db", "VpcId": "vpc-a", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "az-a"}],
            "SecurityGroups": [{"GroupId": "sg-db", "VpcId": "vpc-a"}],
            "NetworkInterfaces": [eni("eni-1", "10.0.2.10"), eni("eni-2", "10.0.2.11")],
            "DBInstances": [db("orders-db"), db("billing-db")]
        });
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v.clone() }]).unwrap();
        let t = Topology::new(&m);
        match resolve(&t, "orders-db") {
            Err(ResolveError::Ambiguous(name, why)) => {
                assert_eq!(name, "orders-db");
                assert!(why.contains("eni-1, eni-2") && why.contains("name the interface"), "{why}");
            }
            other => panic!("expected an ambiguity, got {other:?}"),
        }
        // With different security groups each interface is one database's.
        v["SecurityGroups"] = json!([{"GroupId": "sg-db"}, {"GroupId": "sg-bill"}]);
        v["NetworkInterfaces"][1]["Groups"] = json!([{"GroupId": "sg-bill"}]);
        v["DBInstances"][1]["VpcSecurityGroups"] = json!([{"VpcSecurityGroupId": "sg-bill"}]);
        let (m, _) = build_model(&[Document { origin: "test".into(), region: None, value: v }]).unwrap();
        let t = Topology::new(&m);
        let Ok(Target::Eni(ix, _)) = resolve(&t, "billing-db") else { panic!("billing-db resolves") };
        assert_eq!(m.enis[ix].id.as_str(), "eni-2");
    }

    #[test]
    fn cidr_cover_of_merged_ranges_is_minimal() {
        let r = to_cidrs(&[(0x0a000000, 0x0a0000ff, false), (0x0a000100, 0x0a0001ff, false)]);
        assert_eq!(r, vec!["10.0.0.0/23".parse::<IpNet>().unwrap()]);
        let r = to_cidrs(&[(0x0a000001, 0x0a000002, false)]);
        assert_eq!(r, vec!["10.0.0.1/32".parse::<IpNet>().unwrap(), "10.0.0.2/32".parse().unwrap()]);
        let r = to_cidrs(&[(0, u32::MAX as u128, false)]);
        assert_eq!(r, vec!["0.0.0.0/0".parse::<IpNet>().unwrap()]);
    }
}

//! Flows between sets of endpoints, shared by `check` and `diff`: an end is an interface or
//! a range of outside addresses; a flow from or to the outside is answered by sweeping the
//! outside address space (`reach::sweep_outside`), so "internet" means any public address,
//! not one sample. Also the port sets worth evaluating: every port a rule mentions.

use crate::eval::{self, Endpoint, Hop, Trace};
use crate::model::*;
use crate::topology::{Ix, Topology};
use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use super::reach::sweep_outside;

/// One end of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum End {
    /// An interface (at its primary private address).
    Eni(Ix),
    /// Outside addresses: all of them (`None`, "internet") or one range.
    Outside(Option<IpNet>),
}

/// An end as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EndLabel {
    /// `eni-...`, `internet`, or a CIDR.
    pub id: String,
    /// Name tag (of the interface or its instance), RDS identifier, or description.
    pub name: Option<String>,
    /// The address used, for interfaces.
    pub address: Option<IpAddr>,
}

impl EndLabel {
    /// `id (name)`, or the id alone.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) if n != &self.id => format!("{} ({n})", self.id),
            _ => self.id.clone(),
        }
    }
}

/// Labels `end` for reports.
pub fn label(topo: &Topology<'_>, end: &End) -> EndLabel {
    match end {
        End::Eni(ix) => {
            let e = &topo.model.enis[*ix];
            let db = topo
                .model
                .db_instances
                .iter()
                .enumerate()
                .find(|(di, _)| topo.db_enis(*di).contains(ix))
                .map(|(_, d)| d.id.to_string());
            let name = db
                .or_else(|| topo.name_of(e.id.as_str()).filter(|n| !n.is_empty()).map(str::to_string))
                .or_else(|| (!e.description.is_empty()).then(|| e.description.clone()));
            EndLabel { id: e.id.to_string(), name, address: e.primary_ip() }
        }
        End::Outside(None) => EndLabel { id: "internet".into(), name: None, address: None },
        End::Outside(Some(n)) => EndLabel { id: n.to_string(), name: None, address: None },
    }
}

/// The answer for one flow between two ends.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Whether the request and the reply get through (from at least one outside address
    /// when an end is outside).
    pub reachable: bool,
    /// A trace (of a sample outside address when an end is outside).
    pub trace: Trace,
    /// For outside ends: the outside ranges that get through.
    pub ranges: Option<Vec<IpNet>>,
    /// For outside ends: whether every outside address gets through.
    pub all: bool,
}

/// Whether interface `ix` can be the end of a connection. NAT gateway and transit gateway
/// attachment interfaces forward traffic but accept no connections, so selectors such as
/// `any` and the pairs `diff` compares leave them out.
pub fn is_endpoint(topo: &Topology<'_>, ix: Ix) -> bool {
    !matches!(topo.model.enis[ix].kind, EniKind::NatGateway | EniKind::TransitGateway)
}

/// Evaluates `src -> dst` on `protocol`/`port`; `None` when the flow is meaningless (both
/// ends outside, or the same interface).
pub fn evaluate(topo: &Topology<'_>, src: &End, dst: &End, protocol: Protocol, port: u16) -> Option<Outcome> {
    let ep = |ix: Ix| Endpoint::Eni { ix, ip: topo.model.enis[ix].primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)) };
    let sport = eval::DEFAULT_SOURCE_PORT;
    match (src, dst) {
        (End::Eni(a), End::Eni(b)) if a == b => None,
        (End::Eni(a), End::Eni(b)) => {
            let trace = eval::evaluate(topo, &ep(*a), &ep(*b), protocol, sport, port);
            Some(Outcome { reachable: trace.reachable, trace, ranges: None, all: false })
        }
        (End::Outside(within), End::Eni(b)) => {
            let inner = ep(*b);
            let ip = topo.model.enis[*b].primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            let s = sweep_outside(topo, (*b, ip), true, *within, |a| eval::evaluate(topo, &Endpoint::External(a), &inner, protocol, sport, port));
            Some(Outcome { reachable: !s.ranges.is_empty(), trace: s.trace, all: s.all, ranges: Some(s.ranges) })
        }
        (End::Eni(a), End::Outside(within)) => {
            let inner = ep(*a);
            let ip = topo.model.enis[*a].primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            let s = sweep_outside(topo, (*a, ip), false, *within, |x| eval::evaluate(topo, &inner, &Endpoint::External(x), protocol, sport, port));
            Some(Outcome { reachable: !s.ranges.is_empty(), trace: s.trace, all: s.all, ranges: Some(s.ranges) })
        }
        (End::Outside(_), End::Outside(_)) => None,
    }
}

/// Evaluates `src -> dst` from one outside address (for attributing a change of ranges).
pub fn evaluate_at(topo: &Topology<'_>, src: &End, dst: &End, outside: IpAddr, protocol: Protocol, port: u16) -> Option<Trace> {
    let ep = |ix: Ix| Endpoint::Eni { ix, ip: topo.model.enis[ix].primary_ip().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)) };
    let sport = eval::DEFAULT_SOURCE_PORT;
    match (src, dst) {
        (End::Outside(_), End::Eni(b)) => Some(eval::evaluate(topo, &Endpoint::External(outside), &ep(*b), protocol, sport, port)),
        (End::Eni(a), End::Outside(_)) => Some(eval::evaluate(topo, &ep(*a), &Endpoint::External(outside), protocol, sport, port)),
        _ => None,
    }
}

/// Every (protocol, port) a security group rule or ACL entry names (the first port of each
/// range), sorted. Rules for every port contribute nothing: any port shows them.
pub fn relevant_ports(models: &[&Model]) -> Vec<(Protocol, u16)> {
    let mut set: BTreeSet<(Protocol, u16)> = BTreeSet::new();
    let mut add = |p: Protocol, l4: &L4Match| {
        if let (true, L4Match::Ports(r)) = (p.has_ports(), l4) {
            if *r != PortRange::ALL {
                set.insert((p, r.from));
            }
        }
    };
    for m in models {
        for g in &m.security_groups {
            for r in g.ingress.iter().chain(&g.egress) {
                add(r.protocol, &r.l4);
            }
        }
        for a in &m.network_acls {
            for e in a.ingress.iter().chain(&a.egress) {
                add(e.protocol, &e.l4);
            }
        }
    }
    // The ephemeral range start is where return rules begin, not a service port.
    set.retain(|(_, p)| *p != 0 && *p != 1024 && *p != 32768 && *p != 49152);
    if set.is_empty() {
        set.insert((Protocol::Tcp, 443));
    }
    set.into_iter().collect()
}

/// The ports to evaluate for an intent's port ranges: each range's first and last port
/// and every relevant port inside it.
pub fn expand_ranges(ranges: &[(u16, u16)], relevant: &[(Protocol, u16)], protocol: Protocol) -> Vec<u16> {
    let mut out: BTreeSet<u16> = BTreeSet::new();
    for &(a, b) in ranges {
        out.insert(a);
        out.insert(b);
        out.extend(relevant.iter().filter(|(p, x)| protocol.covers(*p) && a <= *x && *x <= b).map(|(_, x)| *x));
    }
    out.into_iter().collect()
}

/// Whether `hop` matches `term`: its id (or one of the ids of a grouped hop), its kind
/// (`internet-gateway`, `nat-gateway`, ...) or its Name.
pub fn hop_matches(hop: &Hop, term: &str) -> bool {
    hop.id == term
        || hop.id.split([',', ' ', '+']).any(|p| p == term)
        || hop.kind.to_string() == term
        || hop.name.as_deref() == Some(term)
}

/// Whether the request path of `trace` crosses a hop matching any of `terms`.
pub fn crosses(trace: &Trace, terms: &[String]) -> bool {
    trace.forward.hops.iter().any(|h| terms.iter().any(|t| hop_matches(h, t)))
}

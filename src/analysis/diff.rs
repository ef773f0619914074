//! `diff`: the reachability delta between two models (two snapshots, or a snapshot and the
//! same snapshot with a Terraform plan applied).
//!
//! First the configuration changes are listed component by component ([`changes`]): rules
//! added or removed, routes added, removed or retargeted, subnet associations moved,
//! interfaces' groups changed. Then every flow that a change can affect is evaluated in
//! both models ([`flows_to_compare`] is the one place that enumerates them: every pair of
//! interfaces plus `internet`, on the relevant ports, restricted to pairs with an end in a
//! VPC a change touches; a change with no VPC, such as a transit gateway route, keeps every
//! pair). A flow whose answer differs is opened or closed, and is attributed to a change by
//! comparing its two traces: the first hop whose component or rule differs names the
//! component, and the change to that component is the cause.

use super::flows::{self, End, EndLabel};
use super::matrix::{Matrix, MatrixOptions, MIN_FLOWS_FOR_MATRIX};
use super::reach::{bounds, to_cidrs, to_ip};
use crate::eval::{Hop, Trace};
use crate::report::words;
use crate::model::*;
use crate::topology::Topology;
use ipnet::IpNet;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

/// One configuration change between the two models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The component changed (`sg-...`, `acl-...`, `rtb-...`, `subnet-...`, `eni-...`).
    pub id: String,
    /// Its kind (`security-group`, `network-acl`, `route-table`, `subnet`, ...).
    pub kind: String,
    /// What happened (`rule-added`, `rule-removed`, `route-added`, `route-removed`,
    /// `route-changed`, `association-changed`, `groups-changed`, `added`, `removed`,
    /// `modified`).
    pub change: String,
    /// The change in words (`ingress rule added: TCP 3306 0.0.0.0/0`).
    pub description: String,
    /// The VPC it belongs to, when it belongs to one.
    pub vpc: Option<String>,
    /// Every component id a trace may show for this change (the component itself, and for
    /// a moved association the old and new tables).
    #[serde(skip)]
    pub touches: Vec<String>,
}

/// A flow whose answer changed.
#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    /// Source.
    pub from: EndLabel,
    /// Destination.
    pub to: EndLabel,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port (`None` for protocols without ports).
    pub port: Option<u16>,
    /// For outside ends: the outside ranges that changed.
    pub ranges: Option<Vec<IpNet>>,
    /// For outside ends: whether the change covers every outside address.
    pub any_address: bool,
    /// The change that caused it, when one can be named.
    pub cause: Option<Change>,
    /// Where the paths diverge (the hop of the after trace for opened, of the before trace
    /// for closed), in words.
    pub at: Option<String>,
}

/// The reachability delta.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// Flows reachable after but not before.
    pub opened: Vec<Delta>,
    /// Flows reachable before but not after.
    pub closed: Vec<Delta>,
    /// Every configuration change found.
    pub changes: Vec<Change>,
    /// How many flows were evaluated in each model.
    pub flows_evaluated: usize,
    /// The ports evaluated.
    pub ports: Vec<(Protocol, u16)>,
    /// Warnings (from applying a Terraform plan, ...).
    pub warnings: Vec<String>,
}

fn change(id: impl Display, kind: &str, what: &str, description: String, vpc: Option<&VpcId>, touches: Vec<String>) -> Change {
    let id = id.to_string();
    let mut t = vec![id.clone()];
    t.extend(touches);
    Change { id, kind: kind.into(), change: what.into(), description, vpc: vpc.map(|v| v.to_string()), touches: t }
}

fn list_diff<'a, T: PartialEq>(before: &'a [T], after: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
    let removed = before.iter().filter(|x| !after.contains(x)).collect();
    let added = after.iter().filter(|x| !before.contains(x)).collect();
    (removed, added)
}

/// Lists the configuration changes from `before` to `after`.
pub fn changes(before: &Model, after: &Model) -> Vec<Change> {
    let mut out = Vec::new();
    // Security groups: rules compared without their descriptions.
    let strip = |r: &SgRule| SgRule { description: None, ..r.clone() };
    for g in &after.security_groups {
        match before.security_groups.iter().find(|b| b.id == g.id) {
            None => out.push(change(&g.id, "security-group", "added", format!("security group {} ({}) created", g.id, g.name), g.vpc.as_ref(), vec![])),
            Some(b) => {
                for (dir, bs, as_) in [("ingress", &b.ingress, &g.ingress), ("egress", &b.egress, &g.egress)] {
                    let bs: Vec<SgRule> = bs.iter().map(strip).collect();
                    let as_: Vec<SgRule> = as_.iter().map(strip).collect();
                    let (removed, added) = list_diff(&bs, &as_);
                    for r in removed {
                        out.push(change(&g.id, "security-group", "rule-removed", format!("{dir} rule removed: {r}"), g.vpc.as_ref(), vec![]));
                    }
                    for r in added {
                        out.push(change(&g.id, "security-group", "rule-added", format!("{dir} rule added: {r}"), g.vpc.as_ref(), vec![]));
                    }
                }
            }
        }
    }
    for b in &before.security_groups {
        if !after.security_groups.iter().any(|g| g.id == b.id) {
            out.push(change(&b.id, "security-group", "removed", format!("security group {} ({}) deleted", b.id, b.name), b.vpc.as_ref(), vec![]));
        }
    }
    // Network ACLs: entries compared by rule number and direction.
    for a in &after.network_acls {
        match before.network_acls.iter().find(|b| b.id == a.id) {
            None => out.push(change(&a.id, "network-acl", "added", format!("network ACL {} created", a.id), Some(&a.vpc), vec![])),
            Some(b) => {
                for (dir, bs, as_) in [("inbound", &b.ingress, &a.ingress), ("outbound", &b.egress, &a.egress)] {
                    for e in as_ {
                        match bs.iter().find(|x| x.number == e.number && x.cidr.addr().is_ipv6() == e.cidr.addr().is_ipv6()) {
                            None => out.push(change(&a.id, "network-acl", "rule-added", format!("{dir} rule added: {e}"), Some(&a.vpc), vec![])),
                            Some(x) if x != e => out.push(change(&a.id, "network-acl", "rule-changed", format!("{dir} rule changed: {x} -> {e}"), Some(&a.vpc), vec![])),
                            Some(_) => {}
                        }
                    }
                    for x in bs {
                        if !as_.iter().any(|e| e.number == x.number && x.cidr.addr().is_ipv6() == e.cidr.addr().is_ipv6()) {
                            out.push(change(&a.id, "network-acl", "rule-removed", format!("{dir} rule removed: {x}"), Some(&a.vpc), vec![]));
                        }
                    }
                }
            }
        }
    }
    for b in &before.network_acls {
        if !after.network_acls.iter().any(|a| a.id == b.id) {
            out.push(change(&b.id, "network-acl", "removed", format!("network ACL {} deleted", b.id), Some(&b.vpc), vec![]));
        }
    }
    // Route tables: routes compared by destination.
    for t in &after.route_tables {
        match before.route_tables.iter().find(|b| b.id == t.id) {
            None => out.push(change(&t.id, "route-table", "added", format!("route table {} created", t.id), Some(&t.vpc), vec![])),
            Some(b) => {
                for r in &t.routes {
                    match b.routes.iter().find(|x| x.dest == r.dest) {
                        None => out.push(change(&t.id, "route-table", "route-added", format!("route added: {} -> {}", dest(&r.dest), r.target.id()), Some(&t.vpc), vec![])),
                        Some(x) if x.target != r.target || x.state != r.state => out.push(change(
                            &t.id,
                            "route-table",
                            "route-changed",
                            format!("route changed: {} -> {} (was {}{})", dest(&r.dest), r.target.id(), x.target.id(), if x.state == RouteState::Blackhole { ", blackhole" } else { "" }),
                            Some(&t.vpc),
                            vec![],
                        )),
                        Some(_) => {}
                    }
                }
                for x in &b.routes {
                    if !t.routes.iter().any(|r| r.dest == x.dest) {
                        out.push(change(&t.id, "route-table", "route-removed", format!("route removed: {} -> {}", dest(&x.dest), x.target.id()), Some(&t.vpc), vec![]));
                    }
                }
            }
        }
    }
    for b in &before.route_tables {
        if !after.route_tables.iter().any(|t| t.id == b.id) {
            out.push(change(&b.id, "route-table", "removed", format!("route table {} deleted", b.id), Some(&b.vpc), vec![]));
        }
    }
    // Associations in force per subnet (explicit, else main/default).
    let (tb, ta) = (Topology::new(before), Topology::new(after));
    for s in &after.subnets {
        let (Some(bi), Some(ai)) = (tb.subnet_ix(s.id.as_str()), ta.subnet_ix(s.id.as_str())) else { continue };
        let rb = tb.route_table_of(bi).map(|r| r.id.to_string());
        let ra = ta.route_table_of(ai).map(|r| r.id.to_string());
        if rb != ra {
            let (o, n) = (rb.unwrap_or_else(|| "none".into()), ra.unwrap_or_else(|| "none".into()));
            out.push(change(&s.id, "subnet", "association-changed", format!("route table association moved: {o} -> {n}"), Some(&s.vpc), vec![o, n]));
        }
        let nb = tb.nacl_of(bi).map(|r| r.id.to_string());
        let na = ta.nacl_of(ai).map(|r| r.id.to_string());
        if nb != na {
            let (o, n) = (nb.unwrap_or_else(|| "none".into()), na.unwrap_or_else(|| "none".into()));
            out.push(change(&s.id, "subnet", "association-changed", format!("network ACL association moved: {o} -> {n}"), Some(&s.vpc), vec![o, n]));
        }
    }
    // Interfaces.
    for e in &after.enis {
        match before.enis.iter().find(|b| b.id == e.id) {
            None => out.push(change(&e.id, "network-interface", "added", format!("interface {} added", e.id), Some(&e.vpc), vec![])),
            Some(b) => {
                if b.security_groups != e.security_groups {
                    let ids = |v: &[SgId]| v.iter().map(|g| g.to_string()).collect::<Vec<_>>();
                    let mut t = ids(&b.security_groups);
                    t.extend(ids(&e.security_groups));
                    out.push(change(&e.id, "network-interface", "groups-changed", format!("security groups changed: [{}] -> [{}]", ids(&b.security_groups).join(", "), ids(&e.security_groups).join(", ")), Some(&e.vpc), t));
                }
                if b.public_ips != e.public_ips || b.private_ips != e.private_ips || b.subnet != e.subnet {
                    out.push(change(&e.id, "network-interface", "modified", format!("interface {} addresses or subnet changed", e.id), Some(&e.vpc), vec![]));
                }
            }
        }
    }
    for b in &before.enis {
        if !after.enis.iter().any(|e| e.id == b.id) {
            out.push(change(&b.id, "network-interface", "removed", format!("interface {} removed", b.id), Some(&b.vpc), vec![]));
        }
    }
    // Everything else: compared whole, with no VPC (every pair stays a candidate).
    generic(&mut out, "internet-gateway", &before.internet_gateways, &after.internet_gateways, |x| x.id.to_string());
    generic(&mut out, "nat-gateway", &before.nat_gateways, &after.nat_gateways, |x| x.id.to_string());
    generic(&mut out, "vpc-peering", &before.peerings, &after.peerings, |x| x.id.to_string());
    generic(&mut out, "transit-gateway-attachment", &before.tgw_attachments, &after.tgw_attachments, |x| x.id.to_string());
    generic(&mut out, "transit-gateway-route-table", &before.tgw_route_tables, &after.tgw_route_tables, |x| x.id.to_string());
    generic(&mut out, "vpc-endpoint", &before.vpc_endpoints, &after.vpc_endpoints, |x| x.id.to_string());
    generic(&mut out, "prefix-list", &before.prefix_lists, &after.prefix_lists, |x| x.id.to_string());
    generic(&mut out, "vpc", &before.vpcs, &after.vpcs, |x| x.id.to_string());
    out
}

fn generic<T: PartialEq>(out: &mut Vec<Change>, kind: &str, before: &[T], after: &[T], id: impl Fn(&T) -> String) {
    for a in after {
        match before.iter().find(|b| id(b) == id(a)) {
            None => out.push(change(id(a), kind, "added", format!("{kind} {} added", id(a)), None, vec![])),
            Some(b) if b != a => out.push(change(id(a), kind, "modified", format!("{kind} {} modified", id(a)), None, vec![])),
            Some(_) => {}
        }
    }
    for b in before {
        if !after.iter().any(|a| id(a) == id(b)) {
            out.push(change(id(b), kind, "removed", format!("{kind} {} removed", id(b)), None, vec![]));
        }
    }
}

fn dest(d: &RouteDest) -> String {
    match d {
        RouteDest::Cidr(c) => c.to_string(),
        RouteDest::PrefixList(p) => p.to_string(),
    }
}

/// An end named so that it can be found in either model.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndKey {
    /// An interface by id.
    Eni(String),
    /// Any outside address.
    Internet,
}

/// One flow to compare.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    /// Source.
    pub from: EndKey,
    /// Destination.
    pub to: EndKey,
    /// Protocol.
    pub protocol: Protocol,
    /// Port.
    pub port: u16,
}

/// The flows whose answer can differ between the models: every pair of interfaces (by id,
/// from either model) plus `internet` in both directions, on `ports`, keeping only pairs
/// with an end in a VPC a change touches (all pairs when a change has no VPC). An all-pairs
/// engine can replace this function without touching the rest.
pub fn flows_to_compare(before: &Model, after: &Model, changes: &[Change], ports: &[(Protocol, u16)]) -> Vec<FlowKey> {
    let global = changes.iter().any(|c| c.vpc.is_none());
    let touched: BTreeSet<&str> = changes.iter().filter_map(|c| c.vpc.as_deref()).collect();
    let mut enis: BTreeMap<String, bool> = BTreeMap::new();
    let (tb, ta) = (Topology::new(before), Topology::new(after));
    let endpoints = tb.model.enis.iter().enumerate().filter(|(i, _)| flows::is_endpoint(&tb, *i)).map(|(_, e)| e);
    let endpoints = endpoints.chain(ta.model.enis.iter().enumerate().filter(|(i, _)| flows::is_endpoint(&ta, *i)).map(|(_, e)| e));
    for e in endpoints {
        let relevant = global || touched.contains(e.vpc.as_str());
        *enis.entry(e.id.to_string()).or_insert(false) |= relevant;
    }
    let mut ends: Vec<(EndKey, bool)> = enis.into_iter().map(|(id, r)| (EndKey::Eni(id), r)).collect();
    ends.push((EndKey::Internet, global));
    let mut out = Vec::new();
    if changes.is_empty() {
        return out;
    }
    for (a, ra) in &ends {
        for (b, rb) in &ends {
            if a == b || !(ra | rb) || (*a == EndKey::Internet && *b == EndKey::Internet) {
                continue;
            }
            for &(protocol, port) in ports {
                out.push(FlowKey { from: a.clone(), to: b.clone(), protocol, port });
            }
        }
    }
    out
}

fn end_in(topo: &Topology<'_>, k: &EndKey) -> Option<End> {
    match k {
        EndKey::Internet => Some(End::Outside(None)),
        EndKey::Eni(id) => topo.eni_ix(id).map(End::Eni),
    }
}

fn label_any(tb: &Topology<'_>, ta: &Topology<'_>, k: &EndKey) -> EndLabel {
    end_in(ta, k)
        .map(|e| flows::label(ta, &e))
        .or_else(|| end_in(tb, k).map(|e| flows::label(tb, &e)))
        .unwrap_or_else(|| EndLabel { id: format!("{k:?}"), name: None, address: None })
}

type Intervals = Vec<(u128, u128, bool)>;

fn intervals(r: &[IpNet]) -> Intervals {
    let mut v: Intervals = r.iter().map(|n| {
        let (lo, hi) = bounds(n);
        (lo, hi, n.addr().is_ipv6())
    }).collect();
    v.sort();
    v
}

/// `a` minus `b`, as sorted intervals.
fn subtract(a: &Intervals, b: &Intervals) -> Intervals {
    let mut out = Vec::new();
    for &(lo, hi, v6) in a {
        let mut pieces = vec![(lo, hi)];
        for &(blo, bhi, _) in b.iter().filter(|x| x.2 == v6) {
            let mut next = Vec::new();
            for (l, h) in pieces {
                if bhi < l || blo > h {
                    next.push((l, h));
                    continue;
                }
                if blo > l {
                    next.push((l, blo - 1));
                }
                if bhi < h {
                    next.push((bhi + 1, h));
                }
            }
            pieces = next;
        }
        out.extend(pieces.into_iter().map(|(l, h)| (l, h, v6)));
    }
    out
}

/// The hops of both legs, for comparison.
fn hops(t: &Trace) -> Vec<&Hop> {
    t.forward.hops.iter().chain(t.ret.iter().flat_map(|r| r.hops.iter())).collect()
}

fn touches(c: &Change, hop_id: &str) -> bool {
    c.touches.iter().any(|t| t == hop_id || hop_id.split([',', ' ', '+']).any(|p| p == t))
}

/// The change that explains why `old` and `new` differ, and the hop where they diverge.
fn attribute(changes: &[Change], old: Option<&Trace>, new: Option<&Trace>) -> (Option<Change>, Option<String>) {
    let (ho, hn) = (old.map(hops).unwrap_or_default(), new.map(hops).unwrap_or_default());
    let n = ho.len().max(hn.len());
    for i in 0..n {
        let (a, b) = (ho.get(i), hn.get(i));
        let same = match (a, b) {
            (Some(a), Some(b)) => a.id == b.id && words::hop_rule(a) == words::hop_rule(b) && a.action == b.action,
            _ => false,
        };
        if same {
            continue;
        }
        let fwd_len = |t: Option<&Trace>| t.map(|t| t.forward.hops.len()).unwrap_or(0);
        for (h, len) in [(b, fwd_len(new)), (a, fwd_len(old))] {
            let Some(h) = h else { continue };
            if let Some(c) = changes.iter().find(|c| touches(c, &h.id)) {
                let leg = if i >= len { "return" } else { "forward" };
                let at = format!("{} [{}]{} on the {leg} path", h.id, h.kind, words::hop_rule(h).map(|r| format!(" {r}")).unwrap_or_default());
                return (Some(c.clone()), Some(at));
            }
        }
        break;
    }
    // The paths diverge at a component no change names (e.g. a referenced group's members):
    // fall back to any changed component on either path.
    for h in hn.iter().chain(ho.iter()) {
        if let Some(c) = changes.iter().find(|c| touches(c, &h.id)) {
            return (Some(c.clone()), Some(format!("{} [{}]", h.id, h.kind)));
        }
    }
    (changes.first().filter(|_| changes.len() == 1).cloned(), None)
}

/// The reachability delta from `before` to `after` on `ports` (every port a rule of either
/// model mentions when `None`).
pub fn diff(before: &Model, after: &Model, ports: Option<Vec<(Protocol, u16)>>) -> DiffReport {
    diff_with(before, after, ports, MIN_FLOWS_FOR_MATRIX)
}

/// The all-pairs matrix of `topo` between the interfaces `diff` compares, on the ports of
/// `ports` the matrix covers (`None` when it covers none).
fn matrix_for(topo: &Topology<'_>, ports: &[(Protocol, u16)]) -> Option<Matrix> {
    let ports: Vec<(Protocol, PortRange)> = ports
        .iter()
        .filter_map(|&(p, x)| match p {
            Protocol::Tcp | Protocol::Udp => Some((p, PortRange { from: x, to: x })),
            Protocol::Icmp => Some((p, PortRange { from: 0, to: 0 })),
            _ => None,
        })
        .collect();
    if ports.is_empty() {
        return None;
    }
    let ends: Vec<usize> = (0..topo.model.enis.len()).filter(|&i| flows::is_endpoint(topo, i)).collect();
    Some(Matrix::compute(topo, &MatrixOptions { ports, from: Some(ends.clone()), to: Some(ends) }))
}

fn diff_with(before: &Model, after: &Model, ports: Option<Vec<(Protocol, u16)>>, matrix_min_flows: usize) -> DiffReport {
    let changes = changes(before, after);
    let ports = ports.unwrap_or_else(|| flows::relevant_ports(&[before, after]));
    let keys = flows_to_compare(before, after, &changes, &ports);
    let (tb, ta) = (Topology::new(before), Topology::new(after));
    // With many flows between interfaces, both models' matrices decide them; only the flows
    // whose answer differs are walked (twice, for their traces).
    let eni_flows = keys.iter().filter(|k| matches!((&k.from, &k.to), (EndKey::Eni(_), EndKey::Eni(_)))).count();
    let (mb, ma) = if eni_flows >= matrix_min_flows && eni_flows > 0 { (matrix_for(&tb, &ports), matrix_for(&ta, &ports)) } else { (None, None) };
    let results: Vec<(Option<Delta>, Option<Delta>)> = keys
        .par_iter()
        .map(|k| {
            let (fb, tob) = (end_in(&tb, &k.from), end_in(&tb, &k.to));
            let (fa, toa) = (end_in(&ta, &k.from), end_in(&ta, &k.to));
            // An interface missing from one model makes the flow unreachable there.
            let decided = |mx: &Option<Matrix>, a: &Option<End>, b: &Option<End>| match (a, b) {
                (Some(End::Eni(a)), Some(End::Eni(b))) => mx.as_ref()?.decide(*a, *b, k.protocol, k.port),
                _ => Some(false),
            };
            if let (EndKey::Eni(_), EndKey::Eni(_)) = (&k.from, &k.to) {
                if let (Some(rb), Some(ra)) = (decided(&mb, &fb, &tob), decided(&ma, &fa, &toa)) {
                    if rb == ra {
                        return (None, None);
                    }
                }
            }
            let ob = match (&fb, &tob) {
                (Some(a), Some(b)) => flows::evaluate(&tb, a, b, k.protocol, k.port),
                _ => None,
            };
            let oa = match (&fa, &toa) {
                (Some(a), Some(b)) => flows::evaluate(&ta, a, b, k.protocol, k.port),
                _ => None,
            };
            let rb = ob.as_ref().is_some_and(|o| o.reachable);
            let ra = oa.as_ref().is_some_and(|o| o.reachable);
            let make = |ranges: Option<Vec<IpNet>>, any_address: bool, cause: (Option<Change>, Option<String>)| Delta {
                any_address,
                from: label_any(&tb, &ta, &k.from),
                to: label_any(&tb, &ta, &k.to),
                protocol: k.protocol,
                port: k.protocol.has_ports().then_some(k.port),
                ranges,
                cause: cause.0,
                at: cause.1,
            };
            let outside = matches!(k.from, EndKey::Internet) || matches!(k.to, EndKey::Internet);
            if !outside {
                return match (rb, ra) {
                    (false, true) => (Some(make(None, false, attribute(&changes, ob.as_ref().map(|o| &o.trace), oa.as_ref().map(|o| &o.trace)))), None),
                    (true, false) => (None, Some(make(None, false, attribute(&changes, ob.as_ref().map(|o| &o.trace), oa.as_ref().map(|o| &o.trace))))),
                    _ => (None, None),
                };
            }
            // Outside ends: compare the ranges that get through.
            let ib = intervals(ob.as_ref().and_then(|o| o.ranges.as_deref()).unwrap_or(&[]));
            let ia = intervals(oa.as_ref().and_then(|o| o.ranges.as_deref()).unwrap_or(&[]));
            let all_b = ob.as_ref().is_some_and(|o| o.all);
            let all_a = oa.as_ref().is_some_and(|o| o.all);
            let side = |gained: Intervals, any: bool| -> Option<Delta> {
                let first = *gained.first()?;
                let sample = to_ip(first.0, first.2);
                let old = match (&fb, &tob) {
                    (Some(a), Some(b)) => flows::evaluate_at(&tb, a, b, sample, k.protocol, k.port),
                    _ => None,
                };
                let new = match (&fa, &toa) {
                    (Some(a), Some(b)) => flows::evaluate_at(&ta, a, b, sample, k.protocol, k.port),
                    _ => None,
                };
                Some(make(Some(to_cidrs(&gained)), any, attribute(&changes, old.as_ref(), new.as_ref())))
            };
            (side(subtract(&ia, &ib), all_a && ib.is_empty()), side(subtract(&ib, &ia), all_b && ia.is_empty()))
        })
        .collect();
    let mut opened = Vec::new();
    let mut closed = Vec::new();
    for (o, c) in results {
        opened.extend(o);
        closed.extend(c);
    }
    DiffReport { opened, closed, changes, flows_evaluated: keys.len(), ports, warnings: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_subtraction_keeps_the_uncovered_parts() {
        let a = vec![(0, 99, false)];
        let b = vec![(10, 19, false), (50, 200, false)];
        assert_eq!(subtract(&a, &b), vec![(0, 9, false), (20, 49, false)]);
        assert_eq!(subtract(&b, &b), vec![]);
    }

    /// Deciding flows between interfaces with the matrices changes nothing in the report.
    fn same_with_and_without_matrix(before: &Model, after: &Model) -> usize {
        let slow = diff_with(before, after, None, usize::MAX);
        let fast = diff_with(before, after, None, 0);
        assert_eq!(serde_json::to_value(&slow).unwrap(), serde_json::to_value(&fast).unwrap());
        slow.opened.len() + slow.closed.len()
    }

    #[test]
    fn matrix_decided_flows_give_the_same_report() {
        let shop = crate::source::snapshot::load(std::path::Path::new("samples/snapshots/shop")).unwrap().model;
        let mut deltas = 0;
        for plan in std::fs::read_dir("tests/data/plans").unwrap() {
            let plan = crate::source::terraform::read_plan(&plan.unwrap().path()).unwrap();
            let (after, _) = crate::aws::terraform::apply(&shop, &plan);
            deltas += same_with_and_without_matrix(&shop, &after);
        }
        // A generated network where one group opens SSH to the VPCs and one ACL refuses 443.
        let spec = crate::testgen::NetworkSpec { vpcs: 3, subnets_per_vpc: 5, enis_per_subnet: 2, sgs_per_vpc: 3, seed: 5 };
        let docs = crate::testgen::network(&spec);
        let mut changed = docs.clone();
        for (_, v) in changed.iter_mut() {
            if let Some(groups) = v.get_mut("SecurityGroups").and_then(serde_json::Value::as_array_mut) {
                groups[0]["IpPermissions"] = serde_json::json!([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]);
            }
            if let Some(acls) = v.get_mut("NetworkAcls").and_then(serde_json::Value::as_array_mut) {
                let custom = acls.iter_mut().find(|a| a["IsDefault"] == false).unwrap();
                custom["Entries"].as_array_mut().unwrap().push(serde_json::json!(
                    {"RuleNumber": 50, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 443, "To": 443}}));
            }
        }
        let load = |d: Vec<(String, serde_json::Value)>| crate::source::snapshot::load_documents(d).unwrap().model;
        deltas += same_with_and_without_matrix(&load(docs), &load(changed));
        assert!(deltas > 0);
    }
}

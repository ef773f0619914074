//! `matrix`: all-pairs reachability between interfaces, for every requested protocol and
//! port at once, forward and return paths checked, with the single-flow evaluator
//! (`eval::evaluate`) as the reference it must agree with.
//!
//! Interfaces are grouped into classes that every rule treats alike: same subnet, same set
//! of security groups, same public-address status and same *address atom* (no CIDR of any
//! rule, route or ACL separates their primary addresses). Ports are cut into *port atoms*
//! the same way. A flow's answer factors into four parts, each computed over sets:
//!
//! * the destination's security-group ingress: a set of source classes per port atom, the
//!   union over matching rules of the rule's peer (CIDR -> classes whose atom lies inside,
//!   `sg-x` -> classes carrying `sg-x` in the same or a peered VPC, since members of a class
//!   share their groups);
//! * the source's egress, per egress profile (distinct rule set) and port atom: "all
//!   destinations", "none", or a set of destination classes;
//! * the path (routes, gateways, peering, transit gateways, every network ACL crossed on the
//!   request and on the reply): the single-flow evaluator walks one representative pair per
//!   pair of *route keys* (VPC, route table, ACL, zone, address atom, public status) on a
//!   copy of the model without ACLs or security groups, and records which ACLs the two legs
//!   cross; the ACL decisions per port atom come from a precomputed table;
//! * paths that translate addresses (a NAT gateway between two interfaces) make the
//!   destination see another source: those class pairs fall back to the evaluator.
//!
//! Only IPv4 primary addresses are matrix ends; interfaces without one are counted as skipped.
//!
//! Analyses that would otherwise evaluate many flows between interfaces one by one (`check`,
//! `diff`) ask [`Matrix::decide`] and walk only the flows their reports show.

mod bits;
pub mod select;

use crate::eval::{self, sg, Direction, Endpoint, Packet, DEFAULT_SOURCE_PORT};
use crate::model::*;
use crate::topology::{Ix, Topology};
use bits::Bits;
use ipnet::IpNet;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

pub use select::{resolve, SelectError};

/// The number of flows between interfaces from which `check` and `diff` decide them with a
/// matrix (and walk only the flows their reports show): below it, evaluating the flows one
/// by one costs less than computing the matrix.
pub const MIN_FLOWS_FOR_MATRIX: usize = 5_000;

/// What the matrix covers.
#[derive(Clone, Debug)]
pub struct MatrixOptions {
    /// Protocols and destination port ranges (ports are ignored for ICMP, which is an echo
    /// request, as in `reach`).
    pub ports: Vec<(Protocol, PortRange)>,
    /// Source interfaces (`None`: all).
    pub from: Option<Vec<Ix>>,
    /// Destination interfaces (`None`: all).
    pub to: Option<Vec<Ix>>,
}

impl Default for MatrixOptions {
    fn default() -> Self {
        MatrixOptions { ports: all_ports(), from: None, to: None }
    }
}

/// Every TCP and UDP port and ICMP echo.
pub fn all_ports() -> Vec<(Protocol, PortRange)> {
    vec![(Protocol::Tcp, PortRange::ALL), (Protocol::Udp, PortRange::ALL), (Protocol::Icmp, PortRange { from: 0, to: 0 })]
}

/// A port list that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("cannot read port `{0}`: expected all, tcp, udp, icmp, PORT, FROM-TO, tcp/PORT, udp/FROM-TO")]
pub struct PortsError(pub String);

/// Parses `all`, or a comma-separated list of `22`, `8000-8100` (TCP), `tcp/22`,
/// `udp/53`, `udp/1000-2000`, `tcp`, `udp` (every port) and `icmp`.
pub fn parse_ports(s: &str) -> Result<Vec<(Protocol, PortRange)>, PortsError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_ascii_lowercase();
        let (proto, range) = match lower.split_once('/') {
            Some((p, r)) => (p.to_string(), Some(r.to_string())),
            None if lower.chars().next().is_some_and(|c| c.is_ascii_digit()) => ("tcp".to_string(), Some(lower.clone())),
            None => (lower.clone(), None),
        };
        let bad = || PortsError(part.to_string());
        match proto.as_str() {
            "all" if range.is_none() => out.extend(all_ports()),
            "icmp" if range.is_none() => out.push((Protocol::Icmp, PortRange { from: 0, to: 0 })),
            "tcp" | "udp" => {
                let p = if proto == "tcp" { Protocol::Tcp } else { Protocol::Udp };
                let r = match range {
                    None => PortRange::ALL,
                    Some(r) => {
                        let (a, b) = r.split_once('-').unwrap_or((&r, &r));
                        let (a, b): (u16, u16) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                        if a > b {
                            return Err(bad());
                        }
                        PortRange { from: a, to: b }
                    }
                };
                out.push((p, r));
            }
            _ => return Err(bad()),
        }
    }
    if out.is_empty() {
        return Err(PortsError(s.to_string()));
    }
    Ok(out)
}

/// Renders port ranges as `22,443,8000-8100` (`all` for every port).
pub fn format_ports(protocol: Protocol, ranges: &[PortRange]) -> String {
    if !protocol.has_ports() {
        return "-".into();
    }
    if ranges == [PortRange::ALL] {
        return "all".into();
    }
    ranges.iter().map(|r| if r.from == r.to { r.from.to_string() } else { format!("{}-{}", r.from, r.to) }).collect::<Vec<_>>().join(",")
}

/// A group of interfaces that every rule treats alike.
#[derive(Clone, Debug)]
pub struct Class {
    /// Interfaces (positions in the model), in model order.
    pub members: Vec<Ix>,
    /// The subnet (position in the model).
    pub subnet: Ix,
    /// The VPC.
    pub vpc: VpcId,
    /// Security groups, sorted.
    pub security_groups: Vec<SgId>,
    /// Whether the members' primary addresses have a public mapping.
    pub public: bool,
    /// Whether the members are sources of the matrix (`--from`).
    pub is_source: bool,
    /// Whether the members are destinations of the matrix (`--to`).
    pub is_destination: bool,
}

/// One protocol and port atom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PortAtom {
    protocol: Protocol,
    range: PortRange,
}

/// Reachable ports from a set of source classes into one destination class.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Protocol.
    pub protocol: Protocol,
    /// Destination ports (merged ranges; `[0-0]` for ICMP).
    pub ports: Vec<PortRange>,
    /// Source classes, as inclusive runs of class ids.
    pub from: Vec<(u32, u32)>,
    atoms: Vec<u32>,
}

/// Figures of one computation.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MatrixStats {
    /// Interfaces in the matrix.
    pub interfaces: usize,
    /// Interfaces left out (no IPv4 primary address, or their subnet is not in the snapshot).
    pub skipped_interfaces: usize,
    /// Classes.
    pub classes: usize,
    /// Route keys (groups of classes whose paths the evaluator walks once per pair).
    pub route_keys: usize,
    /// Address atoms (pieces of the IPv4 space no rule prefix separates).
    pub address_atoms: usize,
    /// Port atoms over all protocols.
    pub port_atoms: usize,
    /// Representative path walks by the single-flow evaluator.
    pub path_walks: u64,
    /// Full single-flow evaluations (class pairs whose path translates addresses).
    pub fallback_evaluations: u64,
    /// (source class, destination class) pairs with at least one reachable port.
    pub reachable_class_pairs: u64,
    /// (source interface, destination interface) pairs with at least one reachable port.
    pub reachable_interface_pairs: u64,
}

/// The all-pairs answer.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// Classes, by id.
    pub classes: Vec<Class>,
    eni_class: Vec<Option<u32>>,
    /// Per interface: whether another interface of its VPC carries its address.
    shared: Vec<bool>,
    atoms: Vec<PortAtom>,
    /// Per destination class: the entries reaching it.
    reach: Vec<Vec<Entry>>,
    /// Figures.
    pub stats: MatrixStats,
}

/// One reachable (source classes -> destination class, protocol, ports) row.
#[derive(Clone, Copy, Debug)]
pub struct Reachable<'a> {
    /// Destination class id.
    pub to_class: u32,
    /// The row.
    pub entry: &'a Entry,
}

impl Matrix {
    /// Computes the matrix.
    pub fn compute(topo: &Topology<'_>, opts: &MatrixOptions) -> Matrix {
        let mut mx = Engine::new(topo, opts).run();
        let m = topo.model;
        mx.shared = (0..m.enis.len())
            .map(|i| {
                mx.eni_class[i].is_some()
                    && topo.enis_with_private(IpAddr::V4(eni_v4(m, i))).iter().any(|&j| j != i && m.enis[j].vpc == m.enis[i].vpc)
            })
            .collect();
        mx
    }

    /// What `eval::evaluate` answers for `src -> dst` between the interfaces' primary IPv4
    /// addresses, from the default source port (request and reply), when the matrix covers
    /// the flow: `src` is a source and `dst` a destination of the matrix, they differ, no
    /// other interface of their VPC carries either address, and the matrix was computed for
    /// `protocol` and `port`. `None` otherwise: the caller evaluates that flow itself.
    /// This is how `check` and `diff` decide most flows without walking them.
    pub fn decide(&self, src: Ix, dst: Ix, protocol: Protocol, port: u16) -> Option<bool> {
        let (a, b) = (self.class_of(src)?, self.class_of(dst)?);
        let covered = self.classes[a as usize].is_source
            && self.classes[b as usize].is_destination
            && src != dst
            && !self.shared[src]
            && !self.shared[dst]
            && self.atoms.iter().any(|x| x.protocol == protocol && (!protocol.has_ports() || x.range.contains(port)));
        covered.then(|| self.reachable(src, dst, protocol, port))
    }

    /// The class of interface `eni`, when it is in the matrix.
    pub fn class_of(&self, eni: Ix) -> Option<u32> {
        self.eni_class.get(eni).copied().flatten()
    }

    /// Whether `src` reaches `dst` (interface positions) with `protocol` to `port`, request
    /// and reply. `false` for interfaces outside the matrix, for a protocol or port it does
    /// not cover, and for `src == dst`.
    pub fn reachable(&self, src: Ix, dst: Ix, protocol: Protocol, port: u16) -> bool {
        let (Some(a), Some(b)) = (self.class_of(src), self.class_of(dst)) else { return false };
        if src == dst {
            return false;
        }
        let Some(t) = self.atoms.iter().position(|x| x.protocol == protocol && (!protocol.has_ports() || x.range.contains(port))) else {
            return false;
        };
        self.reach[b as usize].iter().any(|e| e.atoms.binary_search(&(t as u32)).is_ok() && in_runs(&e.from, a))
    }

    /// Every reachable row, by destination class.
    pub fn rows(&self) -> impl Iterator<Item = Reachable<'_>> + '_ {
        self.reach.iter().enumerate().flat_map(|(b, es)| es.iter().map(move |e| Reachable { to_class: b as u32, entry: e }))
    }

    /// The protocols and ports on which class `a` reaches class `b`.
    pub fn ports_between(&self, a: u32, b: u32) -> Vec<(Protocol, Vec<PortRange>)> {
        self.reach.get(b as usize).into_iter().flatten().filter(|e| in_runs(&e.from, a)).map(|e| (e.protocol, e.ports.clone())).collect()
    }

    /// Whether any row exists.
    pub fn is_empty(&self) -> bool {
        self.reach.iter().all(Vec::is_empty)
    }
}

fn in_runs(runs: &[(u32, u32)], x: u32) -> bool {
    let i = runs.partition_point(|&(_, hi)| hi < x);
    runs.get(i).is_some_and(|&(lo, _)| lo <= x)
}

/// What makes two interfaces' paths identical: the evaluator is walked once per pair of keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RouteKey<'m> {
    vpc: &'m str,
    route_table: Option<usize>,
    nacl: Option<usize>,
    az: &'m str,
    atom: usize,
    public: bool,
    nat: bool,
    /// NAT gateway and transit gateway attachment subnets appear inside other paths, so
    /// their interfaces never share a key with another subnet's.
    special: Option<Ix>,
    /// The load balancer whose node this is: a flow to it depends on its listeners (the
    /// port) and goes on to its targets, so its paths are evaluated pair by pair.
    balancer: Option<Ix>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ClassKey<'m> {
    key: usize,
    subnet: Ix,
    vpc: &'m str,
    sgs: Vec<&'m str>,
    from: bool,
    to: bool,
}

/// Whose subnet an ACL crossed by a walk guards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubRef {
    Src,
    Dst,
    Fixed(Ix),
}

/// One walk on the path model.
enum Walked {
    /// The path translates addresses.
    Fallback,
    /// Routing alone stops it.
    Blocked,
    /// Routing passes; the ACLs crossed (subnet, direction, on the reply).
    Checks(Vec<(SubRef, Direction, bool)>),
}

/// The path between two route keys, per port atom.
enum PathMask {
    /// The path translates addresses: evaluate class pairs one by one.
    Fallback,
    /// Port atoms on which routes and ACLs pass both ways.
    Atoms(Bits),
}

#[derive(Clone, PartialEq, Eq)]
enum Egress {
    All,
    None,
    Set(usize),
}

struct Engine<'t, 'm> {
    topo: &'t Topology<'m>,
    opts: &'t MatrixOptions,
    atoms: Vec<PortAtom>,
    addr_bounds: Vec<u32>,
    classes: Vec<Class>,
    class_rep: Vec<(Ix, Ipv4Addr)>,
    eni_class: Vec<Option<u32>>,
    keys: Vec<RouteKey<'m>>,
    key_range: Vec<(usize, usize)>,
    /// (key, subnet) -> class range, per key.
    groups: Vec<Vec<(Ix, usize, usize)>>,
    skipped: usize,
}

impl<'t, 'm> Engine<'t, 'm> {
    fn new(topo: &'t Topology<'m>, opts: &'t MatrixOptions) -> Self {
        let m = topo.model;
        let atoms = port_atoms(m, &opts.ports);
        let addr_bounds = address_bounds(topo);
        let from: Option<BTreeSet<Ix>> = opts.from.as_ref().map(|v| v.iter().copied().collect());
        let to: Option<BTreeSet<Ix>> = opts.to.as_ref().map(|v| v.iter().copied().collect());
        let acl_ix: HashMap<*const NetworkAcl, usize> = m.network_acls.iter().enumerate().map(|(i, a)| (a as *const _, i)).collect();
        let rt_ix: HashMap<*const RouteTable, usize> = m.route_tables.iter().enumerate().map(|(i, a)| (a as *const _, i)).collect();
        let mut special: BTreeSet<&str> = m.nat_gateways.iter().map(|n| n.subnet.as_str()).collect();
        for a in &m.tgw_attachments {
            if let TgwAttachmentKind::Vpc { subnets, .. } = &a.kind {
                special.extend(subnets.iter().map(|s| s.as_str()));
            }
        }
        let mut skipped = 0;
        let mut per_eni: Vec<(ClassKey<'m>, RouteKey<'m>, Ix)> = Vec::new();
        for (i, e) in m.enis.iter().enumerate() {
            let ip = e.private_ips.iter().find_map(|ip| match ip {
                IpAddr::V4(v) => Some(*v),
                IpAddr::V6(_) => None,
            });
            let sub = topo.subnet_ix(e.subnet.as_str());
            let (Some(ip), Some(sub)) = (ip, sub) else {
                skipped += 1;
                continue;
            };
            let in_from = from.as_ref().is_none_or(|s| s.contains(&i));
            let in_to = to.as_ref().is_none_or(|s| s.contains(&i));
            if !in_from && !in_to {
                continue;
            }
            let subnet = &m.subnets[sub];
            let rk = RouteKey {
                vpc: subnet.vpc.as_str(),
                route_table: topo.route_table_of(sub).and_then(|r| rt_ix.get(&(r as *const _)).copied()),
                nacl: topo.nacl_of(sub).and_then(|a| acl_ix.get(&(a as *const _)).copied()),
                az: subnet.az.as_str(),
                atom: atom_of(&addr_bounds, ip),
                public: e.public_for(IpAddr::V4(ip)).is_some(),
                nat: e.kind == EniKind::NatGateway,
                special: special.contains(subnet.id.as_str()).then_some(sub),
                balancer: topo.lb_of_eni(i),
            };
            let mut sgs: Vec<&str> = e.security_groups.iter().map(|g| g.as_str()).collect();
            sgs.sort_unstable();
            sgs.dedup();
            let ck = ClassKey { key: 0, subnet: sub, vpc: e.vpc.as_str(), sgs, from: in_from, to: in_to };
            per_eni.push((ck, rk, i));
        }
        let keys: Vec<RouteKey<'m>> = per_eni.iter().map(|(_, k, _)| k.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let key_id: HashMap<&RouteKey<'m>, usize> = keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
        let mut by_class: BTreeMap<ClassKey<'m>, Vec<Ix>> = BTreeMap::new();
        for (mut ck, rk, i) in per_eni {
            ck.key = key_id[&rk];
            by_class.entry(ck).or_default().push(i);
        }
        let mut classes = Vec::with_capacity(by_class.len());
        let mut class_rep = Vec::with_capacity(by_class.len());
        let mut eni_class = vec![None; m.enis.len()];
        let mut key_range = vec![(usize::MAX, 0); keys.len()];
        let mut groups: Vec<Vec<(Ix, usize, usize)>> = vec![Vec::new(); keys.len()];
        for (ck, members) in by_class {
            let id = classes.len();
            for &i in &members {
                eni_class[i] = Some(id as u32);
            }
            let rep = members[0];
            let ip = m.enis[rep].private_ips.iter().find_map(|ip| match ip {
                IpAddr::V4(v) => Some(*v),
                IpAddr::V6(_) => None,
            });
            class_rep.push((rep, ip.unwrap_or(Ipv4Addr::UNSPECIFIED)));
            let r = &mut key_range[ck.key];
            r.0 = r.0.min(id);
            r.1 = id + 1;
            let g = &mut groups[ck.key];
            match g.last_mut() {
                Some((s, _, hi)) if *s == ck.subnet => *hi = id + 1,
                _ => g.push((ck.subnet, id, id + 1)),
            }
            classes.push(Class {
                members,
                subnet: ck.subnet,
                vpc: VpcId(ck.vpc.to_string()),
                security_groups: ck.sgs.iter().map(|s| SgId(s.to_string())).collect(),
                public: keys[ck.key].public,
                is_source: ck.from,
                is_destination: ck.to,
            });
        }
        Engine { topo, opts, atoms, addr_bounds, classes, class_rep, eni_class, keys, key_range, groups, skipped }
    }

    /// Decides every (source class, destination class, port atom): prepares the tables
    /// once ([`Prepared::new`]), then decides each destination walk key in parallel
    /// ([`Prepared::destination_walk_key`]) and assembles the matrix ([`Prepared::assemble`]).
    fn run(self) -> Matrix {
        let _ = self.opts;
        let stripped = self.path_model();
        let stopo = Topology::new(&stripped);
        let prep = Prepared::new(&self, &stopo);
        let per_key: Vec<Vec<ClassResult>> = (0..prep.wk.keys.len()).into_par_iter().flat_map_iter(|wb| prep.destination_walk_key(wb)).collect();
        let (reach, stats) = prep.assemble(per_key);
        Matrix { classes: self.classes, eni_class: self.eni_class, shared: Vec::new(), atoms: self.atoms, reach, stats }
    }

    /// The path model: no ACLs (assumed to allow, the walker records each crossing as a
    /// note naming the subnet) and no security groups, so a walk shows routing alone.
    fn path_model(&self) -> Model {
        let mut stripped = self.topo.model.clone();
        stripped.network_acls.clear();
        stripped.assume_missing = Some(crate::model::RuleAction::Allow);
        stripped.enis.iter_mut().for_each(|e| e.security_groups.clear());
        stripped
    }

    /// Walk keys: route keys without the ACL (the walk does not depend on it), with the
    /// route keys of each, whether any has a source class, and one (subnet, interface) per
    /// subnet group to walk from or to.
    fn walk_keys(&self, key_has_from: &[bool]) -> WalkKeys {
        let mut wkey_id: HashMap<RouteKey<'m>, usize> = HashMap::new();
        let walk_of: Vec<usize> = self
            .keys
            .iter()
            .map(|k| {
                let w = RouteKey { nacl: None, ..k.clone() };
                let next = wkey_id.len();
                *wkey_id.entry(w).or_insert(next)
            })
            .collect();
        let nw = wkey_id.len();
        let mut groups: Vec<Vec<(Ix, Ix)>> = vec![Vec::new(); nw];
        let mut keys: Vec<Vec<usize>> = vec![Vec::new(); nw];
        let mut from = vec![false; nw];
        for (k, gs) in self.groups.iter().enumerate() {
            keys[walk_of[k]].push(k);
            from[walk_of[k]] |= key_has_from[k];
            groups[walk_of[k]].extend(gs.iter().map(|&(s, lo, _)| (s, self.class_rep[lo].0)));
        }
        WalkKeys { walk_of, groups, keys, from }
    }

    /// Per port atom, the classes whose egress admits every destination (`all`) and those
    /// whose egress admits a set of destination classes (`set`), from the egress profiles.
    fn egress_tables(&self, sgs: &SgSets) -> EgressTables {
        let n = self.classes.len();
        let t_count = self.atoms.len();
        let (profiles, profile_of) = self.egress_profiles(sgs);
        let mut all: Vec<Bits> = vec![Bits::zeros(n); t_count];
        let mut set: Vec<Vec<u32>> = vec![Vec::new(); t_count];
        for (c, &p) in profile_of.iter().enumerate() {
            for t in 0..t_count {
                match profiles.0[p][t] {
                    Egress::All => all[t].set(c),
                    Egress::Set(_) => set[t].push(c as u32),
                    Egress::None => {}
                }
            }
        }
        // Port atoms whose egress decisions are identical for every class (the same state
        // in every profile) share an egress group.
        let gid: Vec<usize> = group_ids(&(0..t_count).map(|t| profiles.0.iter().map(|p| p[t].clone()).collect::<Vec<_>>()).collect::<Vec<_>>());
        let mut set_mask: Vec<Bits> = vec![Bits::zeros(n); t_count];
        for (t, cs) in set.iter().enumerate() {
            cs.iter().for_each(|&c| set_mask[t].set(c as usize));
        }
        EgressTables { profiles, profile_of, all, set, set_mask, gid }
    }
}

/// Which port atoms each network ACL allows, per address atom of the route keys (one
/// representative address each), direction and leg: the ACL half of every path decision,
/// computed once.
struct AclTable {
    /// The address-atom slot of each route key.
    key_slot: Vec<usize>,
    /// How many slots (distinct address atoms among the route keys).
    slots: usize,
    /// (acl, slot, direction, leg) -> port atoms allowed.
    table: Vec<Bits>,
}

impl AclTable {
    fn new(e: &Engine<'_, '_>) -> AclTable {
        let m = e.topo.model;
        let t_count = e.atoms.len();
        let key_atoms: Vec<usize> = e.keys.iter().map(|k| k.atom).collect::<BTreeSet<_>>().into_iter().collect();
        let atom_slot: HashMap<usize, usize> = key_atoms.iter().enumerate().map(|(i, &a)| (a, i)).collect();
        let key_slot: Vec<usize> = e.keys.iter().map(|k| atom_slot[&k.atom]).collect();
        let atom_addr: Vec<Ipv4Addr> = key_atoms
            .iter()
            .map(|&a| e.class_rep.iter().find(|(_, ip)| atom_of(&e.addr_bounds, *ip) == a).map(|x| x.1).unwrap_or(Ipv4Addr::UNSPECIFIED))
            .collect();
        let table: Vec<Bits> = (0..m.network_acls.len() * key_atoms.len() * 4)
            .into_par_iter()
            .map(|idx| {
                let (acl, rest) = (idx / (key_atoms.len() * 4), idx % (key_atoms.len() * 4));
                let (slot, dl) = (rest / 4, rest % 4);
                let dir = if dl & 1 == 0 { Direction::Ingress } else { Direction::Egress };
                let reply = dl & 2 != 0;
                let addr = IpAddr::V4(atom_addr[slot]);
                let mut b = Bits::zeros(t_count);
                for (t, a) in e.atoms.iter().enumerate() {
                    let p = Packet::new(addr, addr, a.protocol, DEFAULT_SOURCE_PORT, a.range.from);
                    let p = if reply { p.reply() } else { p };
                    if eval::nacl::evaluate(&m.network_acls[acl], dir, &p).is_some_and(|e| e.action == RuleAction::Allow) {
                        b.set(t);
                    }
                }
                b
            })
            .collect();
        AclTable { key_slot, slots: key_atoms.len(), table }
    }

    /// The port atoms ACL `acl` allows for the address atom in `slot`, in `dir`, on the
    /// request (`reply` false) or the reply.
    fn allowed(&self, acl: usize, slot: usize, dir: Direction, reply: bool) -> &Bits {
        let dl = usize::from(dir == Direction::Egress) + 2 * usize::from(reply);
        &self.table[(acl * self.slots + slot) * 4 + dl]
    }
}

/// Route keys grouped by walk key (see [`Engine::walk_keys`]).
struct WalkKeys {
    /// Route key -> walk key.
    walk_of: Vec<usize>,
    /// Walk key -> (subnet, representative interface) per subnet group.
    groups: Vec<Vec<(Ix, Ix)>>,
    /// Walk key -> its route keys.
    keys: Vec<Vec<usize>>,
    /// Walk key -> whether one of its route keys has a source class.
    from: Vec<bool>,
}

/// Egress decisions per port atom (see [`Engine::egress_tables`]).
struct EgressTables {
    /// Distinct egress profiles (per atom: all, none, or a set) and the sets.
    profiles: (Vec<Vec<Egress>>, Vec<Bits>),
    /// Class -> its profile.
    profile_of: Vec<usize>,
    /// Per atom, the classes whose egress admits every destination.
    all: Vec<Bits>,
    /// Per atom, the classes whose egress admits a set of destinations.
    set: Vec<Vec<u32>>,
    /// `set` as bit sets.
    set_mask: Vec<Bits>,
    /// Per atom, its egress group (atoms with identical decisions share one).
    gid: Vec<usize>,
}

/// The network ACLs a walk on the path model crossed, named by whose subnet each guards
/// (`sa` the source's, `sb` the destination's, or another), with its direction and whether
/// on the reply; `Fallback` when the path translates addresses, `Blocked` when routing
/// alone stops it. The one place the matrix reads a trace.
fn acl_crossings(tr: &eval::Trace, sa: Option<Ix>, sb: Option<Ix>) -> Walked {
    if !tr.reachable {
        return Walked::Blocked;
    }
    let mut checks = Vec::new();
    let legs = std::iter::once((false, &tr.forward)).chain(tr.ret.as_ref().map(|l| (true, l)));
    for (reply, leg) in legs {
        if leg.translated {
            return Walked::Fallback;
        }
        for c in &leg.acls {
            let r = if Some(c.subnet) == sa { SubRef::Src } else if Some(c.subnet) == sb { SubRef::Dst } else { SubRef::Fixed(c.subnet) };
            checks.push((r, c.direction, reply));
        }
    }
    Walked::Checks(checks)
}

/// Same-subnet paths into one subnet group: (source class range, the port atoms its path
/// passes on, `None` when the path translates addresses).
type SamePaths = Vec<(usize, usize, Option<Bits>)>;

/// Per port atom group: the sources the path, `--from` and egress admit (`all` for
/// sources whose egress admits every destination, `set` for those whose egress is a set to
/// look up per destination); `None` for atoms that are not the first of their group.
type Admitted = Vec<Option<(Bits, Option<Bits>)>>;

/// Everything [`Engine::run`] prepares once, before deciding destinations in parallel.
struct Prepared<'e, 't, 'm, 'p> {
    e: &'e Engine<'t, 'm>,
    /// The path model's indexes (see [`Engine::path_model`]).
    stopo: &'p Topology<'p>,
    acls: AclTable,
    /// Subnet -> the position of its ACL in the model.
    subnet_acl: Vec<Option<usize>>,
    sg_index: SgSets,
    egress: EgressTables,
    /// Classes that are sources.
    from_mask: Bits,
    /// Route key -> whether it has a source class.
    key_has_from: Vec<bool>,
    wk: WalkKeys,
    /// Subnet -> (route key, class range) of the source keys in it, for same-subnet paths.
    subnet_keys: Vec<Vec<(usize, usize, usize)>>,
    /// Class -> member count, and its prefix sums.
    sizes: Vec<u64>,
    size_prefix: Vec<u64>,
    walks: std::sync::atomic::AtomicU64,
    fallbacks: std::sync::atomic::AtomicU64,
}

impl<'e, 't, 'm, 'p> Prepared<'e, 't, 'm, 'p> {
    fn new(e: &'e Engine<'t, 'm>, stopo: &'p Topology<'p>) -> Self {
        let m = e.topo.model;
        let n = e.classes.len();
        let acls = AclTable::new(e);
        // Security-group peers as class sets.
        let sg_index = SgSets::new(e.topo, &e.classes, &e.class_rep);
        let egress = e.egress_tables(&sg_index);
        let mut from_mask = Bits::zeros(n);
        e.classes.iter().enumerate().filter(|(_, c)| c.is_source).for_each(|(i, _)| from_mask.set(i));
        let key_has_from: Vec<bool> = e.key_range.iter().map(|&(lo, hi)| (lo..hi).any(|c| e.classes[c].is_source)).collect();
        let subnet_acl: Vec<Option<usize>> = (0..m.subnets.len())
            .map(|s| e.topo.nacl_of(s).and_then(|acl| m.network_acls.iter().position(|x| std::ptr::eq(x, acl))))
            .collect();
        let wk = e.walk_keys(&key_has_from);
        let mut subnet_keys: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); m.subnets.len()];
        for (ka, gs) in e.groups.iter().enumerate() {
            for &(s, lo, hi) in gs {
                subnet_keys[s].push((ka, lo, hi));
            }
        }
        let sizes: Vec<u64> = e.classes.iter().map(|c| c.members.len() as u64).collect();
        let mut size_prefix = vec![0u64; n + 1];
        for (i, s) in sizes.iter().enumerate() {
            size_prefix[i + 1] = size_prefix[i] + s;
        }
        Prepared {
            e,
            stopo,
            acls,
            subnet_acl,
            sg_index,
            egress,
            from_mask,
            key_has_from,
            wk,
            subnet_keys,
            sizes,
            size_prefix,
            walks: std::sync::atomic::AtomicU64::new(0),
            fallbacks: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The full evaluator on class `a`'s and `b`'s representatives, on port atom `t` (for
    /// paths that translate addresses).
    fn full_eval(&self, a: usize, b: usize, t: usize) -> bool {
        self.fallbacks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let e = self.e;
        let ((ia, ipa), (ib, ipb)) = (e.class_rep[a], e.class_rep[b]);
        let at = e.atoms[t];
        let tr = eval::evaluate_verdict(e.topo, &Endpoint::Eni { ix: ia, ip: IpAddr::V4(ipa) }, &Endpoint::Eni { ix: ib, ip: IpAddr::V4(ipb) }, at.protocol, DEFAULT_SOURCE_PORT, at.range.from);
        tr.reachable
    }

    /// One walk on the path model from interface `a` to `b`: the ACLs crossed.
    fn walk(&self, a: Ix, b: Ix) -> Walked {
        self.walks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.e.topo.lb_of_eni(b).is_some() {
            // Listeners decide per port and the load balancer opens its own connection.
            return Walked::Fallback;
        }
        let (m, stopo) = (self.e.topo.model, self.stopo);
        let (ipa, ipb) = (eni_v4(m, a), eni_v4(m, b));
        let tr = eval::evaluate_verdict(stopo, &Endpoint::Eni { ix: a, ip: IpAddr::V4(ipa) }, &Endpoint::Eni { ix: b, ip: IpAddr::V4(ipb) }, Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
        let (sa, sb) = (stopo.subnet_ix(m.enis[a].subnet.as_str()), stopo.subnet_ix(m.enis[b].subnet.as_str()));
        acl_crossings(&tr, sa, sb)
    }

    /// The port atoms on which walk `w` passes every ACL it crossed, for route keys `ka`
    /// (source) and `kb` (destination).
    fn mask_of(&self, w: &Walked, ka: usize, kb: usize) -> PathMask {
        let t_count = self.e.atoms.len();
        let checks = match w {
            Walked::Fallback => return PathMask::Fallback,
            Walked::Blocked => return PathMask::Atoms(Bits::zeros(t_count)),
            Walked::Checks(c) => c,
        };
        let mut mask = Bits::ones(t_count);
        for &(r, dir, reply) in checks {
            let nacl = match r {
                SubRef::Src => self.e.keys[ka].nacl,
                SubRef::Dst => self.e.keys[kb].nacl,
                SubRef::Fixed(s) => self.subnet_acl[s],
            };
            let Some(acl) = nacl else { continue };
            let remote_is_src = (dir == Direction::Ingress) != reply;
            let slot = if remote_is_src { self.acls.key_slot[ka] } else { self.acls.key_slot[kb] };
            mask.and(self.acls.allowed(acl, slot, dir, reply));
        }
        PathMask::Atoms(mask)
    }

    /// Per destination walk key `wb`: the walks from every source walk key, then the
    /// decisions per destination route key and class.
    fn destination_walk_key(&self, wb: usize) -> Vec<Vec<ClassResult>> {
        let e = self.e;
        let has_dst = self.wk.keys[wb].iter().any(|&kb| (e.key_range[kb].0..e.key_range[kb].1).any(|c| e.classes[c].is_destination));
        if !has_dst {
            return Vec::new();
        }
        // The evaluator drops every request that arrives at a NAT gateway's interface
        // (NAT_GATEWAY_INBOUND: it accepts no connection it did not open), so paths
        // into one need no walk. The property test covers NAT interfaces as ends.
        let nat_dst = self.wk.keys[wb].iter().all(|&kb| e.keys[kb].nat);
        let templates = self.source_walks(wb, nat_dst);
        self.wk.keys[wb].iter().map(|&kb| self.destination_key(kb, &templates, nat_dst)).collect()
    }

    /// One walk from each source walk key to destination walk key `wb` (between two
    /// different subnets), `None` for walk keys without sources.
    fn source_walks(&self, wb: usize, nat_dst: bool) -> Vec<Option<Walked>> {
        let wk = &self.wk;
        (0..wk.keys.len())
            .map(|wa| {
                if !wk.from[wa] {
                    return None;
                }
                let pair = wk.groups[wa].iter().find_map(|ga| wk.groups[wb].iter().find(|gb| gb.0 != ga.0).map(|gb| (ga.1, gb.1)));
                pair.map(|(a, b)| if nat_dst { Walked::Blocked } else { self.walk(a, b) })
            })
            .collect()
    }

    /// The decisions for the destination classes of route key `kb`.
    fn destination_key(&self, kb: usize, templates: &[Option<Walked>], nat_dst: bool) -> Vec<ClassResult> {
        let e = self.e;
        let (blo, bhi) = e.key_range[kb];
        if !(blo..bhi).any(|c| e.classes[c].is_destination) {
            return Vec::new();
        }
        let (path, path_gid, fallback_ranges) = self.different_subnet_paths(kb, templates);
        // Ingress per security-group set (classes of one key share their VPC).
        let mut ingress_cache: HashMap<&[SgId], Ingress> = HashMap::new();
        let mut out = Vec::new();
        for &(sb, glo, ghi) in &e.groups[kb] {
            let same = self.same_subnet_paths(kb, sb, glo, ghi, nat_dst);
            let (adj_gid, adj) = self.admitted(&path, &path_gid, &same);
            // Without fallbacks a class's answer on atom `t` depends only on the
            // atom's ingress set, path group, egress group and same-subnet group:
            // atoms that agree on all four share one computation.
            let no_fallback = fallback_ranges.is_empty() && same.iter().all(|s| s.2.is_some());
            for (cb, class) in e.classes.iter().enumerate().take(ghi).skip(glo) {
                if !class.is_destination {
                    continue;
                }
                let ingress = ingress_cache.entry(class.security_groups.as_slice()).or_insert_with(|| self.sg_index.ingress(e.topo, class, &e.atoms));
                out.push(self.destination_class(cb, sb, ingress, &adj_gid, &adj, &same, &fallback_ranges, no_fallback));
            }
        }
        out
    }

    /// Different-subnet paths from every source key into route key `kb`: per port atom the
    /// source classes whose path passes, the atoms' path groups (atoms with identical paths
    /// share one; key ranges are disjoint and non-empty, so grouping by the keys that pass
    /// is exact), and the source ranges whose path translates addresses.
    fn different_subnet_paths(&self, kb: usize, templates: &[Option<Walked>]) -> (Vec<Bits>, Vec<usize>, Vec<(usize, usize)>) {
        let e = self.e;
        let (n, t_count) = (e.classes.len(), e.atoms.len());
        let mut path: Vec<Bits> = vec![Bits::zeros(n); t_count];
        let mut cols: Vec<Bits> = vec![Bits::zeros(e.keys.len()); t_count];
        let mut fallback_ranges: Vec<(usize, usize)> = Vec::new();
        for ka in 0..e.keys.len() {
            if !self.key_has_from[ka] {
                continue;
            }
            let Some(w) = &templates[self.wk.walk_of[ka]] else { continue };
            match self.mask_of(w, ka, kb) {
                PathMask::Fallback => fallback_ranges.push(e.key_range[ka]),
                PathMask::Atoms(mask) => {
                    let (lo, hi) = e.key_range[ka];
                    for t in mask.ones_iter() {
                        path[t].set_range(lo, hi);
                        cols[t].set(ka);
                    }
                }
            }
        }
        (path, group_ids(&cols), fallback_ranges)
    }

    /// Same-subnet paths (no ACL crossed) into subnet group `sb` (classes `glo..ghi` of
    /// route key `kb`) from the source keys sharing the subnet.
    fn same_subnet_paths(&self, kb: usize, sb: Ix, glo: usize, ghi: usize, nat_dst: bool) -> SamePaths {
        let e = self.e;
        let t_count = e.atoms.len();
        let mut same: SamePaths = Vec::new();
        for &(ka, lo, hi) in &self.subnet_keys[sb] {
            let a = e.classes[lo].members[0];
            let b = if ka == kb { e.classes[glo].members.get(1).copied().or_else(|| e.classes.get(glo + 1).filter(|_| glo + 1 < ghi).map(|c| c.members[0])) } else { Some(e.classes[glo].members[0]) };
            let Some(b) = b.filter(|&b| b != a) else {
                same.push((lo, hi, Some(Bits::zeros(t_count))));
                continue;
            };
            if nat_dst {
                same.push((lo, hi, Some(Bits::zeros(t_count))));
                continue;
            }
            match self.mask_of(&self.walk(a, b), ka, kb) {
                PathMask::Fallback => same.push((lo, hi, None)),
                PathMask::Atoms(mk) => same.push((lo, hi, Some(mk))),
            }
        }
        same
    }

    /// Per port atom, the sources the path, `--from` and egress admit into one subnet
    /// group's classes, before their own ingress; computed once per group of atoms that
    /// agree on path, same-subnet and egress groups. Returns each atom's group and the
    /// admitted sets.
    fn admitted(&self, path: &[Bits], path_gid: &[usize], same: &SamePaths) -> (Vec<usize>, Admitted) {
        let t_count = self.e.atoms.len();
        let same_gid = group_ids(&(0..t_count).map(|t| same.iter().map(|s| s.2.as_ref().is_some_and(|mk| mk.get(t))).collect::<Vec<_>>()).collect::<Vec<_>>());
        let adj_gid = group_ids(&(0..t_count).map(|t| (path_gid[t], same_gid[t], self.egress.gid[t])).collect::<Vec<_>>());
        let adj: Admitted = (0..t_count)
            .map(|t| {
                if adj_gid[t] != t {
                    return None;
                }
                let mut a = path[t].clone();
                for (lo, hi, mk) in same {
                    if mk.as_ref().is_some_and(|mk| mk.get(t)) {
                        a.set_range(*lo, *hi);
                    } else {
                        a.clear_range(*lo, *hi);
                    }
                }
                a.and(&self.from_mask);
                let set = (!self.egress.set[t].is_empty()).then(|| {
                    let mut x = a.clone();
                    x.and(&self.egress.set_mask[t]);
                    x
                });
                a.and(&self.egress.all[t]);
                Some((a, set))
            })
            .collect();
        (adj_gid, adj)
    }

    /// One destination class `cb` (in subnet `sb`): its rows of sources per group of port
    /// atoms, and the counts of class and interface pairs it is reachable from.
    #[allow(clippy::too_many_arguments)]
    fn destination_class(
        &self,
        cb: usize,
        sb: Ix,
        (ing_sets, ing_of): &Ingress,
        adj_gid: &[usize],
        adj: &Admitted,
        same: &SamePaths,
        fallback_ranges: &[(usize, usize)],
        no_fallback: bool,
    ) -> ClassResult {
        let e = self.e;
        let n = e.classes.len();
        let mut rows: Vec<(Bits, Vec<u32>)> = Vec::new();
        // (ingress set, atom group, protocol) -> row (`None`: no source).
        let mut memo: Vec<(AtomSig, Option<usize>)> = Vec::new();
        let mut union = Bits::zeros(n);
        for t in 0..e.atoms.len() {
            let protocol = e.atoms[t].protocol;
            let sig = (ing_of[t], adj_gid[t], protocol);
            if no_fallback {
                if let Some((_, row)) = memo.iter().find(|(k, _)| *k == sig) {
                    if let Some(r) = *row {
                        rows[r].1.push(t as u32);
                    }
                    continue;
                }
            }
            let Some((adj_all, adj_set)) = &adj[adj_gid[t]] else { unreachable!("every atom group has its first atom") };
            let row = self.class_row(cb, t, sb, ing_of[t].map(|i| &ing_sets[i as usize]), adj_all, adj_set.as_ref(), same, fallback_ranges);
            let r = row.map(|g| {
                union.or(&g);
                match rows.iter().position(|(b, ts)| *b == g && e.atoms[ts[0] as usize].protocol == protocol) {
                    Some(i) => {
                        rows[i].1.push(t as u32);
                        i
                    }
                    None => {
                        rows.push((g, vec![t as u32]));
                        rows.len() - 1
                    }
                }
            });
            if no_fallback {
                memo.push((sig, r));
            }
        }
        let entries = rows
            .into_iter()
            .map(|(b, mut ts)| {
                ts.sort_unstable();
                let protocol = e.atoms[ts[0] as usize].protocol;
                Entry { protocol, ports: merge_ports(ts.iter().map(|&t| e.atoms[t as usize].range)), from: b.ranges(), atoms: ts }
            })
            .collect();
        let (mut class_pairs, mut eni_sources) = (0u64, 0u64);
        for (lo, hi) in union.ranges() {
            class_pairs += u64::from(hi - lo + 1);
            eni_sources += self.size_prefix[hi as usize + 1] - self.size_prefix[lo as usize];
        }
        // An interface is not its own source.
        let self_pairs = if union.get(cb) { self.sizes[cb] } else { 0 };
        (cb, entries, class_pairs, self.sizes[cb] * eni_sources - self_pairs)
    }

    /// One destination class and port atom: the source classes that reach it. `ing` is
    /// the class's ingress on the atom, `adj_all`/`adj_set` what path, `--from` and egress
    /// admit (see [`Prepared::admitted`]), `same` the same-subnet paths and
    /// `fallback_ranges` the source ranges whose path translates addresses (evaluated pair
    /// by pair).
    #[allow(clippy::too_many_arguments)]
    fn class_row(&self, cb: usize, t: usize, sb: Ix, ing: Option<&Bits>, adj_all: &Bits, adj_set: Option<&Bits>, same: &SamePaths, fallback_ranges: &[(usize, usize)]) -> Option<Bits> {
        let e = self.e;
        let n = e.classes.len();
        let (profiles, profile_of) = (&self.egress.profiles, &self.egress.profile_of);
        let no_fallback = fallback_ranges.is_empty() && same.iter().all(|s| s.2.is_some());
        let mut g = match ing {
            Some(i) => i.clone(),
            None if no_fallback => return None,
            None => Bits::zeros(n),
        };
        let candidates = adj_set.map(|set| {
            let mut x = g.clone();
            x.and(set);
            x
        });
        g.and(adj_all);
        if let Some(c) = candidates {
            for a in c.ones_iter() {
                if let Egress::Set(s) = profiles.0[profile_of[a]][t] {
                    if profiles.1[s].get(cb) {
                        g.set(a);
                    }
                }
            }
        }
        if !no_fallback {
            let mut fb: Vec<(usize, usize)> = fallback_ranges.to_vec();
            fb.extend(same.iter().filter(|s| s.2.is_none()).map(|s| (s.0, s.1)));
            for (lo, hi) in fb {
                for a in lo..hi {
                    // Same-subnet fallback ranges replace the different-subnet answer.
                    let same_subnet = e.classes[a].subnet == sb;
                    let is_same_fb = same.iter().any(|s| s.2.is_none() && s.0 <= a && a < s.1);
                    if same_subnet != is_same_fb || !self.from_mask.get(a) || a == cb && e.classes[cb].members.len() == 1 {
                        continue;
                    }
                    if self.full_eval(a, cb, t) {
                        g.set(a);
                    } else {
                        g.clear(a);
                    }
                }
            }
        }
        if e.classes[cb].members.len() == 1 {
            g.clear(cb);
        }
        (!g.is_empty()).then_some(g)
    }

    /// The matrix rows per destination class and the statistics.
    fn assemble(self, per_key: Vec<Vec<ClassResult>>) -> (Vec<Vec<Entry>>, MatrixStats) {
        let e = self.e;
        let n = e.classes.len();
        let mut reach: Vec<Vec<Entry>> = vec![Vec::new(); n];
        let (mut class_pairs, mut eni_pairs) = (0u64, 0u64);
        for (cb, entries, cp, ep) in per_key.into_iter().flatten() {
            class_pairs += cp;
            eni_pairs += ep;
            reach[cb] = entries;
        }
        let stats = MatrixStats {
            interfaces: e.classes.iter().map(|c| c.members.len()).sum(),
            skipped_interfaces: e.skipped,
            classes: n,
            route_keys: e.keys.len(),
            address_atoms: e.addr_bounds.len() + 1,
            port_atoms: e.atoms.len(),
            path_walks: self.walks.into_inner(),
            fallback_evaluations: self.fallbacks.into_inner(),
            reachable_class_pairs: class_pairs,
            reachable_interface_pairs: eni_pairs,
        };
        (reach, stats)
    }
}

impl<'t, 'm> Engine<'t, 'm> {
    /// Egress profiles (distinct egress rule sets, with the VPC when a rule names a group):
    /// per port atom, all destinations, none, or a set of destination classes.
    #[allow(clippy::type_complexity)]
    fn egress_profiles(&self, sgs: &SgSets) -> ((Vec<Vec<Egress>>, Vec<Bits>), Vec<usize>) {
        let n = self.classes.len();
        let mut ids: HashMap<(Option<Vec<&'m SgRule>>, &str), usize> = HashMap::new();
        let mut keys = Vec::new();
        let mut profile_of = Vec::with_capacity(n);
        for c in &self.classes {
            let rules: Option<Vec<&'m SgRule>> = if c.security_groups.is_empty() {
                None
            } else {
                let mut r: Vec<&'m SgRule> = c.security_groups.iter().filter_map(|g| self.topo.sg(g.as_str())).flat_map(|g| g.egress.iter()).collect();
                r.sort_by_key(|x| format!("{x:?}"));
                r.dedup();
                Some(r)
            };
            let vpc = if rules.as_ref().is_some_and(|r| r.iter().any(|x| matches!(x.peer, SgPeer::Group(_)))) { c.vpc.as_str() } else { "" };
            let next = ids.len();
            let id = *ids.entry((rules.clone(), vpc)).or_insert_with(|| {
                keys.push((rules, c.vpc.clone()));
                next
            });
            profile_of.push(id);
        }
        let full = Bits::ones(n);
        let computed: Vec<(Vec<Egress>, Vec<Bits>)> = keys
            .par_iter()
            .map(|(rules, vpc)| {
                let Some(rules) = rules else { return (vec![Egress::All; self.atoms.len()], Vec::new()) };
                let mut cache: HashMap<Vec<usize>, Egress> = HashMap::new();
                let mut sets = Vec::new();
                let states = self
                    .atoms
                    .iter()
                    .map(|a| {
                        let p = atom_packet(a);
                        let matching: Vec<usize> = rules.iter().enumerate().filter(|(_, r)| sg::l4_matches(r, &p)).map(|(i, _)| i).collect();
                        cache
                            .entry(matching.clone())
                            .or_insert_with(|| {
                                let mut b = Bits::zeros(n);
                                for &i in &matching {
                                    sgs.or_peer(self.topo, &mut b, &rules[i].peer, vpc);
                                }
                                if b.is_empty() {
                                    Egress::None
                                } else if b == full {
                                    Egress::All
                                } else {
                                    sets.push(b);
                                    Egress::Set(sets.len() - 1)
                                }
                            })
                            .clone()
                    })
                    .collect();
                (states, sets)
            })
            .collect();
        let mut all_states = Vec::new();
        let mut all_sets = Vec::new();
        for (states, sets) in computed {
            let base = all_sets.len();
            all_states.push(states.into_iter().map(|s| if let Egress::Set(i) = s { Egress::Set(base + i) } else { s }).collect());
            all_sets.extend(sets);
        }
        ((all_states, all_sets), profile_of)
    }
}

/// Security-group peers as sets of classes.
struct SgSets {
    n: usize,
    cidr: HashMap<IpNet, Bits>,
    members: HashMap<String, Bits>,
    near: HashMap<String, Bits>,
}

impl SgSets {
    fn new(topo: &Topology<'_>, classes: &[Class], reps: &[(Ix, Ipv4Addr)]) -> SgSets {
        let m = topo.model;
        let n = classes.len();
        let mut cidrs: BTreeSet<IpNet> = BTreeSet::new();
        for g in &m.security_groups {
            for r in g.ingress.iter().chain(&g.egress) {
                match &r.peer {
                    SgPeer::Cidr(c) => {
                        cidrs.insert(*c);
                    }
                    SgPeer::PrefixList(p) => cidrs.extend(topo.prefix_list_cidrs(p).iter().copied()),
                    SgPeer::Group(_) => {}
                }
            }
        }
        let cidr: HashMap<IpNet, Bits> = cidrs
            .into_par_iter()
            .map(|c| {
                let mut b = Bits::zeros(n);
                for (i, (_, ip)) in reps.iter().enumerate() {
                    if c.contains(&IpAddr::V4(*ip)) {
                        b.set(i);
                    }
                }
                (c, b)
            })
            .collect();
        let mut members: HashMap<String, Bits> = HashMap::new();
        let mut in_vpc: HashMap<String, Bits> = HashMap::new();
        for (i, c) in classes.iter().enumerate() {
            for g in &c.security_groups {
                members.entry(g.to_string()).or_insert_with(|| Bits::zeros(n)).set(i);
            }
            in_vpc.entry(c.vpc.to_string()).or_insert_with(|| Bits::zeros(n)).set(i);
        }
        let mut near = in_vpc.clone();
        for p in m.peerings.iter().filter(|p| p.is_active()) {
            let (a, b) = (p.requester.vpc.as_str(), p.accepter.vpc.as_str());
            if a == b {
                continue;
            }
            if let Some(bb) = in_vpc.get(b) {
                near.entry(a.to_string()).or_insert_with(|| Bits::zeros(n)).or(bb);
            }
            if let Some(ab) = in_vpc.get(a) {
                near.entry(b.to_string()).or_insert_with(|| Bits::zeros(n)).or(ab);
            }
        }
        SgSets { n, cidr, members, near }
    }

    /// Adds the classes that `peer` covers, seen from an interface in `vpc`.
    fn or_peer(&self, topo: &Topology<'_>, acc: &mut Bits, peer: &SgPeer, vpc: &VpcId) {
        match peer {
            SgPeer::Cidr(c) => {
                if let Some(b) = self.cidr.get(c) {
                    acc.or(b);
                }
            }
            SgPeer::PrefixList(p) => {
                for c in topo.prefix_list_cidrs(p) {
                    if let Some(b) = self.cidr.get(c) {
                        acc.or(b);
                    }
                }
            }
            SgPeer::Group(g) => {
                if let (Some(mb), Some(nb)) = (self.members.get(g.as_str()), self.near.get(vpc.as_str())) {
                    let mut x = mb.clone();
                    x.and(nb);
                    acc.or(&x);
                }
            }
        }
    }

    /// Per port atom, the source classes the class's ingress rules admit: distinct sets,
    /// and per atom the set's index (`None`: no source).
    fn ingress(&self, topo: &Topology<'_>, c: &Class, atoms: &[PortAtom]) -> Ingress {
        if c.security_groups.is_empty() {
            return (vec![Bits::ones(self.n)], vec![Some(0); atoms.len()]);
        }
        let rules: Vec<&SgRule> = c.security_groups.iter().filter_map(|g| topo.sg(g.as_str())).flat_map(|g| g.ingress.iter()).collect();
        let mut peer_bits: Vec<Option<Bits>> = vec![None; rules.len()];
        // Atoms matched by the same rules share one set.
        let mut by_rules: Vec<(Vec<usize>, Option<u32>)> = Vec::new();
        let mut sets: Vec<Bits> = Vec::new();
        let of = atoms
            .iter()
            .map(|a| {
                let p = atom_packet(a);
                let matching: Vec<usize> = (0..rules.len()).filter(|&i| sg::l4_matches(rules[i], &p)).collect();
                if let Some((_, ix)) = by_rules.iter().find(|(m, _)| *m == matching) {
                    return *ix;
                }
                let mut acc: Option<Bits> = None;
                for &i in &matching {
                    let pb = peer_bits[i].get_or_insert_with(|| {
                        let mut b = Bits::zeros(self.n);
                        self.or_peer(topo, &mut b, &rules[i].peer, &c.vpc);
                        b
                    });
                    acc.get_or_insert_with(|| Bits::zeros(self.n)).or(pb);
                }
                let ix = acc.filter(|b| !b.is_empty()).map(|b| {
                    sets.push(b);
                    (sets.len() - 1) as u32
                });
                by_rules.push((matching, ix));
                ix
            })
            .collect();
        (sets, of)
    }
}

/// A class's ingress: distinct source sets, and per port atom the index of its set.
type Ingress = (Vec<Bits>, Vec<Option<u32>>);

/// What decides a destination class's sources on a port atom when no pair falls back to
/// the evaluator: its ingress set, the atom's group (path, same-subnet paths, egress) and
/// the protocol (rows never mix protocols).
type AtomSig = (Option<u32>, usize, Protocol);

/// One destination class: its rows, reachable class pairs and interface pairs.
type ClassResult = (usize, Vec<Entry>, u64, u64);

/// For each item, the position of the first item equal to it (a group id).
fn group_ids<T: PartialEq>(items: &[T]) -> Vec<usize> {
    let mut firsts: Vec<usize> = Vec::new();
    items
        .iter()
        .enumerate()
        .map(|(i, x)| match firsts.iter().find(|&&f| items[f] == *x) {
            Some(&f) => f,
            None => {
                firsts.push(i);
                i
            }
        })
        .collect()
}

fn atom_packet(a: &PortAtom) -> Packet {
    let x = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    Packet::new(x, x, a.protocol, DEFAULT_SOURCE_PORT, a.range.from)
}

fn eni_v4(m: &Model, ix: Ix) -> Ipv4Addr {
    m.enis[ix].private_ips.iter().find_map(|ip| match ip {
        IpAddr::V4(v) => Some(*v),
        IpAddr::V6(_) => None,
    }).unwrap_or(Ipv4Addr::UNSPECIFIED)
}

fn merge_ports(ranges: impl Iterator<Item = PortRange>) -> Vec<PortRange> {
    let mut out: Vec<PortRange> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last) if u32::from(last.to) + 1 >= u32::from(r.from) => last.to = last.to.max(r.to),
            _ => out.push(r),
        }
    }
    out
}

/// Cuts the requested port ranges at every boundary an SG rule or ACL entry names.
fn port_atoms(m: &Model, requested: &[(Protocol, PortRange)]) -> Vec<PortAtom> {
    let mut out = Vec::new();
    for proto in [Protocol::Tcp, Protocol::Udp] {
        let mut cuts: BTreeSet<u32> = BTreeSet::new();
        let mut add = |p: Protocol, l4: &L4Match| {
            if let (true, L4Match::Ports(r)) = (p.covers(proto), l4) {
                cuts.insert(u32::from(r.from));
                cuts.insert(u32::from(r.to) + 1);
            }
        };
        for g in &m.security_groups {
            g.ingress.iter().chain(&g.egress).for_each(|r| add(r.protocol, &r.l4));
        }
        for a in &m.network_acls {
            a.ingress.iter().chain(&a.egress).for_each(|e| add(e.protocol, &e.l4));
        }
        // A listener takes one port: every listener port is an atom of its own.
        for l in m.load_balancers.iter().flat_map(|b| &b.listeners).filter(|l| l.accepts(proto == Protocol::Udp)) {
            cuts.insert(u32::from(l.port));
            cuts.insert(u32::from(l.port) + 1);
        }
        let mut rs: Vec<PortRange> = requested.iter().filter(|(p, _)| *p == proto).map(|(_, r)| *r).collect();
        rs.sort_by_key(|r| r.from);
        for r in merge_ports(rs.into_iter()) {
            let mut start = u32::from(r.from);
            let end = u32::from(r.to) + 1;
            for &c in cuts.range(start + 1..end) {
                out.push(PortAtom { protocol: proto, range: PortRange { from: start as u16, to: (c - 1) as u16 } });
                start = c;
            }
            out.push(PortAtom { protocol: proto, range: PortRange { from: start as u16, to: (end - 1) as u16 } });
        }
    }
    if requested.iter().any(|(p, _)| *p == Protocol::Icmp) {
        out.push(PortAtom { protocol: Protocol::Icmp, range: PortRange { from: 0, to: 0 } });
    }
    out
}

/// Start addresses of the IPv4 pieces that no prefix of any rule, route, VPC or special
/// range separates (subnet CIDRs do not matter: classes never span subnets).
fn address_bounds(topo: &Topology<'_>) -> Vec<u32> {
    let m = topo.model;
    let mut nets: Vec<IpNet> = Vec::new();
    for g in &m.security_groups {
        for r in g.ingress.iter().chain(&g.egress) {
            match &r.peer {
                SgPeer::Cidr(c) => nets.push(*c),
                SgPeer::PrefixList(p) => nets.extend(topo.prefix_list_cidrs(p)),
                SgPeer::Group(_) => {}
            }
        }
    }
    for a in &m.network_acls {
        nets.extend(a.ingress.iter().chain(&a.egress).map(|e| e.cidr));
    }
    let dest = |d: &RouteDest, nets: &mut Vec<IpNet>| match d {
        RouteDest::Cidr(c) => nets.push(*c),
        RouteDest::PrefixList(p) => nets.extend(topo.prefix_list_cidrs(p)),
    };
    for rt in &m.route_tables {
        rt.routes.iter().for_each(|r| dest(&r.dest, &mut nets));
    }
    for rt in &m.tgw_route_tables {
        rt.routes.iter().for_each(|r| dest(&r.dest, &mut nets));
    }
    for v in &m.vpcs {
        nets.extend(&v.cidrs);
    }
    for p in &m.peerings {
        nets.extend(p.requester.cidrs.iter().chain(&p.accepter.cidrs));
    }
    nets.extend(crate::model::special_v4_blocks().map(IpNet::V4));
    let mut bounds: BTreeSet<u32> = BTreeSet::new();
    for n in nets {
        if let IpNet::V4(v) = n {
            let lo = u32::from(v.network());
            let hi = u64::from(u32::from(v.broadcast())) + 1;
            if lo > 0 {
                bounds.insert(lo);
            }
            if hi <= u64::from(u32::MAX) {
                bounds.insert(hi as u32);
            }
        }
    }
    bounds.into_iter().collect()
}

fn atom_of(bounds: &[u32], ip: Ipv4Addr) -> usize {
    bounds.partition_point(|&b| b <= u32::from(ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{Document, build_model};
    use serde_json::json;

    /// The fixture, its topology and an engine over it with default options.
    macro_rules! engine {
        ($m:ident, $t:ident, $e:ident) => {
            let $m = fixture();
            let $t = Topology::new(&$m);
            let opts = MatrixOptions::default();
            let $e = Engine::new(&$t, &opts);
        };
    }

    /// The engine's path model, its topology and the prepared phases over them.
    macro_rules! prepared {
        ($e:ident, $prep:ident) => {
            let path = $e.path_model();
            let stopo = Topology::new(&path);
            let $prep = Prepared::new(&$e, &stopo);
        };
    }

    #[test]
    fn ports_parse_and_render() {
        let p = parse_ports("22,tcp/8000-8100,udp/53,icmp").unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[1], (Protocol::Tcp, PortRange { from: 8000, to: 8100 }));
        assert!(parse_ports("tcp/9-1").is_err());
        assert!(parse_ports("sctp").is_err());
        assert_eq!(format_ports(Protocol::Tcp, &[PortRange { from: 22, to: 22 }, PortRange { from: 8000, to: 8100 }]), "22,8000-8100");
        assert_eq!(parse_ports("all").unwrap(), all_ports());
    }

    /// One VPC, two subnets in one zone: `subnet-a` (ACL allowing everything) with two
    /// interfaces of one group, `subnet-b` whose ACL denies inbound TCP 22 with one
    /// interface. The group admits everything from the VPC and sends anywhere.
    fn fixture() -> Model {
        let allow_all = json!([{"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                               {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]);
        let v = json!({
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "Subnets": [{"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"},
                        {"SubnetId": "subnet-b", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24", "AvailabilityZone": "us-east-1a"}],
            "RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": true}], "Routes": []}],
            "NetworkAcls": [
                {"NetworkAclId": "acl-a", "VpcId": "vpc-1", "IsDefault": true, "Entries": allow_all},
                {"NetworkAclId": "acl-b", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-b"}], "Entries": [
                    {"RuleNumber": 90, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}},
                    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"},
                    {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}]}],
            "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "app", "Description": "", "VpcId": "vpc-1",
                "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
                "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
            "NetworkInterfaces": [
                {"NetworkInterfaceId": "eni-a1", "VpcId": "vpc-1", "SubnetId": "subnet-a", "PrivateIpAddress": "10.0.1.10", "Groups": [{"GroupId": "sg-1"}]},
                {"NetworkInterfaceId": "eni-a2", "VpcId": "vpc-1", "SubnetId": "subnet-a", "PrivateIpAddress": "10.0.1.11", "Groups": [{"GroupId": "sg-1"}]},
                {"NetworkInterfaceId": "eni-b", "VpcId": "vpc-1", "SubnetId": "subnet-b", "PrivateIpAddress": "10.0.2.10", "Groups": [{"GroupId": "sg-1"}]}]
        });
        build_model(&[Document { origin: "test.json".into(), region: None, value: v }]).expect("model").0
    }

    /// The port atom holding TCP port `port`.
    fn tcp_atom(e: &Engine<'_, '_>, port: u16) -> usize {
        e.atoms.iter().position(|a| a.protocol == Protocol::Tcp && a.range.contains(port)).expect("an atom for the port")
    }

    /// The class of interface `id`, and its route key.
    fn class_key(e: &Engine<'_, '_>, t: &Topology<'_>, id: &str) -> (usize, usize) {
        let c = e.eni_class[t.eni_ix(id).unwrap()].unwrap() as usize;
        (c, e.key_range.iter().position(|&(lo, hi)| lo <= c && c < hi).unwrap())
    }

    #[test]
    fn engine_groups_interfaces_of_one_subnet_and_group_into_a_class() {
        engine!(m, t, e);
        assert_eq!(e.classes.len(), 2);
        assert_eq!(class_key(&e, &t, "eni-a1"), class_key(&e, &t, "eni-a2"));
        assert_ne!(class_key(&e, &t, "eni-a1").1, class_key(&e, &t, "eni-b").1);
    }

    #[test]
    fn path_model_keeps_routing_and_drops_acls_and_groups() {
        let m = fixture();
        let t = Topology::new(&m);
        let opts = MatrixOptions::default();
        let p = Engine::new(&t, &opts).path_model();
        assert!(p.network_acls.is_empty());
        assert_eq!(p.assume_missing, Some(RuleAction::Allow));
        assert!(p.enis.iter().all(|e| e.security_groups.is_empty()));
        assert_eq!((p.route_tables.len(), p.enis.len(), p.security_groups.len()), (1, 3, 1));
    }

    #[test]
    fn acl_table_holds_each_acls_decision_per_direction_and_leg() {
        engine!(m, t, e);
        let table = AclTable::new(&e);
        let acl_b = m.network_acls.iter().position(|a| a.id.as_str() == "acl-b").unwrap();
        let (_, kb) = class_key(&e, &t, "eni-b");
        let slot = table.key_slot[kb];
        let (ssh, https) = (tcp_atom(&e, 22), tcp_atom(&e, 443));
        let inbound = table.allowed(acl_b, slot, Direction::Ingress, false);
        assert!(!inbound.get(ssh) && inbound.get(https));
        assert!(table.allowed(acl_b, slot, Direction::Egress, true).get(ssh), "the reply leaves by the egress rules");
    }

    #[test]
    fn walk_keys_ignore_the_acl() {
        engine!(m, t, e);
        let wk = e.walk_keys(&vec![true; e.keys.len()]);
        assert_eq!(wk.walk_of.len(), e.keys.len());
        for (i, a) in e.keys.iter().enumerate() {
            for (j, b) in e.keys.iter().enumerate() {
                let same_but_acl = RouteKey { nacl: None, ..a.clone() } == RouteKey { nacl: None, ..b.clone() };
                assert_eq!(wk.walk_of[i] == wk.walk_of[j], same_but_acl);
            }
        }
        assert!(wk.from.iter().all(|&f| f));
        assert_eq!(wk.keys.iter().map(Vec::len).sum::<usize>(), e.keys.len());
    }

    #[test]
    fn egress_tables_put_a_group_sending_anywhere_in_all() {
        engine!(m, t, e);
        let sgs = SgSets::new(e.topo, &e.classes, &e.class_rep);
        let eg = e.egress_tables(&sgs);
        for tt in 0..e.atoms.len() {
            assert!((0..e.classes.len()).all(|c| eg.all[tt].get(c)), "atom {tt}");
            assert!(eg.set[tt].is_empty());
            assert!(eg.gid[tt] <= tt);
        }
    }

    #[test]
    fn acl_crossings_name_the_source_and_destination_subnets_on_both_legs() {
        engine!(m, t, e);
        prepared!(e, prep);
        let (a, b) = (t.eni_ix("eni-a1").unwrap(), t.eni_ix("eni-b").unwrap());
        let Walked::Checks(checks) = prep.walk(a, b) else { panic!("routing passes without translation") };
        assert_eq!(checks, [
            (SubRef::Src, Direction::Egress, false),
            (SubRef::Dst, Direction::Ingress, false),
            (SubRef::Dst, Direction::Egress, true),
            (SubRef::Src, Direction::Ingress, true),
        ]);
        // Within one subnet no ACL is crossed.
        let Walked::Checks(none) = prep.walk(a, t.eni_ix("eni-a2").unwrap()) else { panic!("same subnet") };
        assert!(none.is_empty());
        assert_eq!(prep.walks.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[test]
    fn acl_crossings_of_an_unreachable_walk_are_blocked() {
        let mut m = fixture();
        m.route_tables.clear();
        let t = Topology::new(&m);
        let tr = eval::evaluate_verdict(&t, &Endpoint::Eni { ix: 0, ip: "10.0.1.10".parse().unwrap() }, &Endpoint::Eni { ix: 2, ip: "10.0.2.10".parse().unwrap() }, Protocol::Tcp, DEFAULT_SOURCE_PORT, 443);
        assert!(matches!(acl_crossings(&tr, Some(0), Some(1)), Walked::Blocked));
    }

    #[test]
    fn mask_of_a_path_is_what_every_acl_it_crossed_allows() {
        engine!(m, t, e);
        prepared!(e, prep);
        let ((_, ka), (_, kb)) = (class_key(&e, &t, "eni-a1"), class_key(&e, &t, "eni-b"));
        let w = prep.walk(t.eni_ix("eni-a1").unwrap(), t.eni_ix("eni-b").unwrap());
        let PathMask::Atoms(into_b) = prep.mask_of(&w, ka, kb) else { panic!("no translation") };
        assert!(!into_b.get(tcp_atom(&e, 22)) && into_b.get(tcp_atom(&e, 443)));
        let PathMask::Atoms(blocked) = prep.mask_of(&Walked::Blocked, ka, kb) else { panic!() };
        assert!(blocked.is_empty());
        assert!(matches!(prep.mask_of(&Walked::Fallback, ka, kb), PathMask::Fallback));
    }

    #[test]
    fn destination_phases_decide_sources_per_port_atom() {
        engine!(m, t, e);
        prepared!(e, prep);
        let ((ca, ka), (cb, kb)) = (class_key(&e, &t, "eni-a1"), class_key(&e, &t, "eni-b"));
        let (ssh, https) = (tcp_atom(&e, 22), tcp_atom(&e, 443));
        // Different-subnet paths into b: class a on HTTPS, not on SSH.
        let templates = prep.source_walks(prep.wk.walk_of[kb], false);
        let (paths, path_gid, fallback) = prep.different_subnet_paths(kb, &templates);
        assert!(paths[https].get(ca) && !paths[ssh].get(ca));
        assert_ne!(path_gid[ssh], path_gid[https]);
        assert!(fallback.is_empty());
        // Same-subnet paths into a's subnet group: a1 -> a2 crosses no ACL.
        let (sa, glo, ghi) = e.groups[ka][0];
        let same = prep.same_subnet_paths(ka, sa, glo, ghi, false);
        assert_eq!(same.len(), 1);
        assert!(same[0].2.as_ref().is_some_and(|mk| mk.get(ssh) && mk.get(https)));
        // Admitted into b: class a on HTTPS only (b's subnet holds no other source key).
        let (sb, _, _) = e.groups[kb][0];
        let same_b = prep.same_subnet_paths(kb, sb, e.groups[kb][0].1, e.groups[kb][0].2, false);
        let (adj_gid, adj) = prep.admitted(&paths, &path_gid, &same_b);
        let admitted = |tt: usize| adj[adj_gid[tt]].as_ref().unwrap().0.get(ca);
        assert!(admitted(https) && !admitted(ssh));
        // One row for b's class: from class a, every atom but SSH's.
        let ingress = prep.sg_index.ingress(e.topo, &e.classes[cb], &e.atoms);
        let (class, entries, class_pairs, eni_pairs) = prep.destination_class(cb, sb, &ingress, &adj_gid, &adj, &same_b, &fallback, true);
        assert_eq!((class, class_pairs, eni_pairs), (cb, 1, 2));
        assert!(entries.iter().all(|en| en.from == vec![(ca as u32, ca as u32)]));
        assert!(entries.iter().any(|en| en.atoms.contains(&(https as u32))));
        assert!(!entries.iter().any(|en| en.atoms.contains(&(ssh as u32))));
        // The whole walk key agrees, and assembling counts the pairs.
        let per_key = prep.destination_walk_key(prep.wk.walk_of[kb]);
        assert!(per_key.iter().flatten().any(|r| r.0 == cb && r.2 == 1));
    }

    #[test]
    fn class_row_drops_a_lone_interface_as_its_own_source() {
        engine!(m, t, e);
        prepared!(e, prep);
        let (cb, _) = class_key(&e, &t, "eni-b");
        let mut everyone = Bits::zeros(e.classes.len());
        (0..e.classes.len()).for_each(|c| everyone.set(c));
        let https = tcp_atom(&e, 443);
        let row = prep.class_row(cb, https, e.classes[cb].subnet, Some(&everyone), &everyone, None, &Vec::new(), &[]).unwrap();
        assert!(!row.get(cb), "b is the only member of its class");
        assert_eq!(row.ones_iter().count(), e.classes.len() - 1);
        assert!(prep.class_row(cb, https, e.classes[cb].subnet, None, &everyone, None, &Vec::new(), &[]).is_none(), "no ingress, no fallback: no source");
    }

    #[test]
    fn assemble_sums_pairs_and_counts_walks() {
        engine!(m, t, e);
        prepared!(e, prep);
        let per_key: Vec<Vec<ClassResult>> = (0..prep.wk.keys.len()).flat_map(|wb| prep.destination_walk_key(wb)).collect();
        let (reach, stats) = prep.assemble(per_key);
        assert_eq!(reach.len(), 2);
        assert_eq!((stats.classes, stats.interfaces, stats.fallback_evaluations), (2, 3, 0));
        assert!(stats.path_walks > 0);
        // a1 <-> a2, a1 -> b, a2 -> b, b -> a1, b -> a2.
        assert_eq!(stats.reachable_interface_pairs, 6);
    }

    #[test]
    fn runs_lookup() {
        let r = [(0, 3), (7, 7), (10, 20)];
        assert!(in_runs(&r, 0) && in_runs(&r, 3) && in_runs(&r, 7) && in_runs(&r, 15));
        assert!(!in_runs(&r, 4) && !in_runs(&r, 8) && !in_runs(&r, 21));
    }
}
